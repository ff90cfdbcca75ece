"""STL-10 (Coates et al. 2011), binary release: download and a zero-copy reader.

The paper uses the 100,000 images of the *unlabeled* split, 96x96 RGB, divided
80:10:10 into train, validation and test sets.

Binary layout of ``stl10_binary/*_X.bin``: images one after another, 3 x 96 x 96 bytes
each; inside an image the red, green and blue planes follow each other, and each plane
is stored **column by column** (Fortran order). A plain ``reshape(N, 96, 96, 3)``
therefore scrambles the channels and a ``reshape(N, 3, 96, 96)`` gives transposed
(mirrored and rotated) pictures; :func:`read_stl10_bin` gets it right.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..files.safeload import corrupt_file
from .download import DatasetNotFoundError, fetch_archive

URL = "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz"
MD5 = "91f7769df0f17e558f3565bffb0c7dfb"
FOLDER = "stl10_binary"
UNLABELED = "unlabeled_X.bin"
FILES_MD5 = {UNLABELED: "5242ba1fed5e4be9e1e742405eb56ca4"}
SIDE = 96
IMAGE_BYTES = 3 * SIDE * SIDE
UNLABELED_COUNT = 100_000
DOWNLOAD_COMMAND = "python -m inpaintlib download stl10"


def read_stl10_bin(path: str | os.PathLike, count: int | None = None) -> np.ndarray:
    """Images of an STL-10 ``*_X.bin`` file as a uint8 array ``(N, 96, 96, 3)`` (H, W, RGB).

    The array is a read-only view of a memory map: nothing is loaded until indexed,
    so opening the 2.7 GB unlabeled file is instant and costs no memory. The file size
    is checked first: it must be a whole number of images, and exactly ``count`` images
    when ``count`` is given; otherwise ``CorruptFileError`` names the file and the
    download command.
    """
    path = Path(path)
    nbytes = path.stat().st_size
    n, rest = divmod(nbytes, IMAGE_BYTES)
    reason = None
    if n == 0 or rest:
        reason = f"{nbytes:,} bytes is not a whole number of {IMAGE_BYTES:,}-byte images"
    elif count is not None and n != count:
        reason = f"it holds {n:,} images, expected {count:,}"
    if reason:
        raise corrupt_file(path, "an STL-10 image file",
                           f"re-download it with: {DOWNLOAD_COMMAND}", reason)
    raw = np.memmap(path, dtype=np.uint8, mode="r", shape=(n, 3, SIDE, SIDE))
    # raw[n, c, x, y]: planes column-major, so axis 2 runs along x (columns).
    return raw.transpose(0, 3, 2, 1)


def load_unlabeled(root: Path) -> np.ndarray:
    """The unlabeled images under ``root`` (:func:`read_stl10_bin`), which must number
    ``UNLABELED_COUNT`` (100,000; read at call time)."""
    return read_stl10_bin(unlabeled_path(root), count=UNLABELED_COUNT)


def unlabeled_path(root: Path) -> Path:
    """Path of the unlabeled images, or DatasetNotFoundError naming the download command."""
    path = Path(root) / FOLDER / UNLABELED
    if not path.exists():
        raise DatasetNotFoundError(
            f"STL-10 not found: {path} is missing. Download it (2.6 GB) with\n"
            f"    {DOWNLOAD_COMMAND}\n"
            f"or point INPAINT_DATA at a folder that holds {FOLDER}/{UNLABELED}.")
    return path


def is_downloaded(root: Path) -> bool:
    """True when the unlabeled images are on disk under ``root``."""
    return (Path(root) / FOLDER / UNLABELED).exists()


def download(root: Path, progress: bool = True) -> Path:
    """Download, verify and unpack STL-10 into ``root/stl10_binary``; return that folder.

    Source and checksums are the module constants ``URL``, ``MD5`` and ``FILES_MD5``
    (read at call time, so a mirror can be set by assigning them)."""
    return fetch_archive(URL, MD5, Path(root), FOLDER, FILES_MD5, progress=progress)
