"""CIFAR-10 (Krizhevsky 2009), python release: download and reader.

The second paper trains on 45,000 of the 50,000 training images, validates on the
other 5,000 and tests on the official 10,000 test images (32x32 RGB).

Each ``cifar-10-batches-py/*_batch*`` file is a pickled dict whose ``b"data"`` holds
10,000 rows of 3072 bytes: the red plane, then green, then blue, each row-major.
"""

from __future__ import annotations

import functools
import os
import pickle
from pathlib import Path

import numpy as np

from .download import DatasetNotFoundError, fetch_archive

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
SIDE = 32
DOWNLOAD_COMMAND = "python -m inpaintlib download cifar10"


def read_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch file as ``(images uint8 (N, 32, 32, 3), labels int64 (N,))``."""
    with open(path, "rb") as fh:
        batch = pickle.load(fh, encoding="bytes")
    data = np.asarray(batch[b"data"], dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3 * SIDE * SIDE:
        raise ValueError(f"{path}: expected rows of {3 * SIDE * SIDE} bytes, got shape {data.shape}")
    images = data.reshape(-1, 3, SIDE, SIDE).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), np.asarray(batch[b"labels"], dtype=np.int64)


def folder_path(root: Path) -> Path:
    """The extracted folder, or DatasetNotFoundError naming the download command."""
    folder = Path(root) / FOLDER
    missing = [name for name in (*TRAIN_BATCHES, TEST_BATCH) if not (folder / name).exists()]
    if missing:
        raise DatasetNotFoundError(
            f"CIFAR-10 not found: {folder} lacks {', '.join(missing)}. Download it (163 MB) with\n"
            f"    {DOWNLOAD_COMMAND}\n"
            f"or point INPAINT_DATA at a folder that holds {FOLDER}/.")
    return folder


@functools.lru_cache(maxsize=2)
def load_images(root: Path, train: bool) -> np.ndarray:
    """All 50,000 training (``train=True``) or 10,000 test images, uint8 (N, 32, 32, 3)."""
    folder = folder_path(root)
    names = TRAIN_BATCHES if train else (TEST_BATCH,)
    return np.concatenate([read_batch(folder / name)[0] for name in names])


def download(root: Path, progress: bool = True) -> Path:
    """Download, verify and unpack CIFAR-10 into ``root/cifar-10-batches-py``.

    Source and checksum are the module constants ``URL`` and ``MD5`` (read at call
    time, so a mirror can be set by assigning them)."""
    return fetch_archive(URL, MD5, Path(root), FOLDER, progress=progress)
