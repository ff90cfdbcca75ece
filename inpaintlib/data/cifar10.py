"""CIFAR-10 (Krizhevsky 2009), python release: download and reader.

The second paper trains on 45,000 of the 50,000 training images, validates on the
other 5,000 and tests on the official 10,000 test images (32x32 RGB).

Each ``cifar-10-batches-py/*_batch*`` file is a pickled dict whose ``b"data"`` holds
10,000 rows of 3072 bytes: the red plane, then green, then blue, each row-major.

A pickle can run any code while it is loaded, and a data folder may be shared or copied
from elsewhere, so :func:`read_batch` never calls ``pickle.load``: its unpickler rebuilds
only what a batch holds (dicts, lists, strings, numbers and numpy arrays) and refuses
every other global, e.g. ``os.system``.
"""

from __future__ import annotations

import functools
import os
import pickle
from pathlib import Path

import numpy as np

from ..files.safeload import corrupt_file, describe
from .download import DatasetNotFoundError, fetch_archive

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
FOLDER = "cifar-10-batches-py"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"
SIDE = 32
DOWNLOAD_COMMAND = "python -m inpaintlib download cifar10"


try:
    from numpy._core.multiarray import _reconstruct  # NumPy 2
except ImportError:  # NumPy 1
    from numpy.core.multiarray import _reconstruct

# The only globals a CIFAR-10 batch refers to: how numpy pickles a uint8 array (the
# official files name ``numpy.core``, NumPy 2 writes ``numpy._core``). Everything else
# in a batch (dict, list, bytes, int) is built by pickle opcodes without any import.
_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class BatchUnpickler(pickle.Unpickler):
    """Unpickler for CIFAR-10 batches: a global outside ``_ALLOWED`` is refused, so a
    crafted file cannot run code."""

    def find_class(self, module: str, name: str):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f"it asks for {module}.{name}, which a CIFAR-10 "
                                         "batch never contains") from None


def read_batch(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 batch file as ``(images uint8 (N, 32, 32, 3), labels int64 (N,))``.

    A file that is not a pickle, asks for anything but numpy arrays, or lacks the
    ``data`` / ``labels`` entries of the right shape raises ``CorruptFileError`` naming
    the file and the command that downloads CIFAR-10 again.
    """
    def corrupt(reason: str):
        return corrupt_file(path, "a CIFAR-10 batch", f"re-download it with: {DOWNLOAD_COMMAND}",
                            reason)

    with open(path, "rb") as fh:
        try:
            batch = BatchUnpickler(fh, encoding="bytes").load()
        except Exception as err:  # noqa: BLE001 (garbage bytes fail in many ways)
            raise corrupt(describe(err)) from None
    if not isinstance(batch, dict):
        raise corrupt(f"it holds a {type(batch).__name__}, not a dict")
    batch = {k.encode() if isinstance(k, str) else k: v for k, v in batch.items()}
    for key in (b"data", b"labels"):
        if key not in batch:
            raise corrupt(f"no {key.decode()!r} entry")
    data, labels = batch[b"data"], batch[b"labels"]
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8 and data.ndim == 2
            and data.shape[1] == 3 * SIDE * SIDE):
        shape = getattr(data, "shape", type(data).__name__)
        raise corrupt(f"'data' should be uint8 rows of {3 * SIDE * SIDE} bytes, got {shape}")
    try:
        labels = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        labels = None
    if labels is None or labels.shape != (len(data),):
        raise corrupt(f"'labels' should be {len(data)} integers")
    images = data.reshape(-1, 3, SIDE, SIDE).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


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
