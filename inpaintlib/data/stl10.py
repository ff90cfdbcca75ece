"""STL-10 (Coates et al. 2011), binary release: download and a zero-copy reader.

The paper uses the 100,000 images of the *unlabeled* split, 96x96 RGB, divided
80:10:10 into train, validation and test sets.

Binary layout of ``stl10_binary/*_X.bin``: images one after another, 3 x 96 x 96 bytes
each; inside an image the red, green and blue planes follow each other, and each plane
is stored **column by column** (Fortran order). A plain ``reshape(N, 96, 96, 3)``
therefore scrambles the channels and a ``reshape(N, 3, 96, 96)`` gives transposed
(mirrored and rotated) pictures; :func:`read_stl10_bin` gets it right.

**Where it is read from:** ``$INPAINT_STL10`` if set, else the data root
(:func:`location`). **Stand-in:** :func:`write_standin` writes a small file in the same
binary layout, cut from the course's own training photos, with a ``STANDIN.json`` note
beside it; the reader accepts its smaller image count only when that note is there. The
``paper-smoke`` profile points ``INPAINT_STL10`` at one, so CI walks the paper's data path
without the 2.6 GB download (``make run PROFILE=paper-smoke``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..files.atomic import atomic_write
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
#: Environment variable that moves the folder holding ``stl10_binary/`` (default: the data root).
LOCATION_VAR = "INPAINT_STL10"
#: The note that marks a folder as a stand-in (and gives its image count).
STANDIN_FILE = "STANDIN.json"


def location(root: str | os.PathLike | None = None) -> Path:
    """The folder that holds ``stl10_binary/``: ``root`` if given, else ``$INPAINT_STL10``,
    else the data root (``$INPAINT_DATA`` or ``data/``)."""
    from ..paths import data_root
    if root is None and os.environ.get(LOCATION_VAR):
        return Path(os.environ[LOCATION_VAR]).expanduser().resolve()
    return data_root(root)


def read_stl10_bin(path: str | os.PathLike, count: int | None = None) -> np.ndarray:
    """Images of an STL-10 ``*_X.bin`` file as a uint8 array ``(N, 96, 96, 3)`` (H, W, RGB).

    The array is a read-only view of a memory map: nothing is loaded until indexed,
    so opening the 2.8 GB unlabeled file (100,000 x 27,648 bytes) is instant and costs no
    memory. The file size is checked first: it must be a whole number of images, and exactly ``count`` images
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
    ``UNLABELED_COUNT`` (100,000; read at call time), or the count written in a stand-in's
    ``STANDIN.json`` (:func:`standin_count`)."""
    path = unlabeled_path(root)
    return read_stl10_bin(path, count=standin_count(root) or UNLABELED_COUNT)


def standin_count(root: Path) -> int | None:
    """The image count of the stand-in under ``root``, or None for a real STL-10 (no note)."""
    note = Path(root) / FOLDER / STANDIN_FILE
    if not note.exists():
        return None
    try:
        count = json.loads(note.read_text())["count"]
    except (ValueError, KeyError, TypeError) as err:
        raise corrupt_file(note, "an STL-10 stand-in note", "write the stand-in again with "
                           "inpaintlib.data.stl10.write_standin", f"no image count ({err})") from None
    if not isinstance(count, int) or count < 10:
        raise corrupt_file(note, "an STL-10 stand-in note", "write the stand-in again with "
                           "inpaintlib.data.stl10.write_standin", f"count {count!r} is not a whole "
                                                                  f"number >= 10")
    return count


def write_standin(root: str | os.PathLike, count: int = 600, seed: int = 0) -> Path:
    """Write an STL-10-format stand-in of ``count`` images to ``root/stl10_binary/`` and
    return that folder.

    The images are 96x96 crops of the course's *training* photos (``data/photos``, the
    ``samples`` train split), stored in STL-10's byte layout (planes, column by column) so
    that :func:`read_stl10_bin` reads them back exactly. ``STANDIN.json`` beside them says
    what they are. Writing is atomic and idempotent (an existing stand-in with the same
    count and seed is kept); a folder holding the real STL-10 is never touched.
    """
    from ..arguments import check_whole
    from .samples import SampleCrops
    check_whole("count", count, 10)
    folder = Path(root) / FOLDER
    note = {"count": count, "seed": seed, "made_from": "crops of the samples train photos (data/photos)",
            "note": "a stand-in in STL-10's binary layout for smoke tests; not STL-10"}
    data, marker = folder / UNLABELED, folder / STANDIN_FILE
    if data.exists() and not marker.exists():
        raise FileExistsError(f"{data} holds the real STL-10 (no {STANDIN_FILE}); "
                              f"write the stand-in to another folder")
    if marker.exists() and data.exists() and json.loads(marker.read_text()) == note:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    crops = SampleCrops("train", size=SIDE, seed=seed, length=count)
    images = np.stack([(crops[i].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
                       for i in range(count)])                              # (N, 96, 96, 3)
    stored = np.ascontiguousarray(images.transpose(0, 3, 2, 1))              # (N, C, x, y): STL-10's order
    atomic_write(data, lambda fh: fh.write(stored.tobytes()))
    atomic_write(marker, lambda fh: fh.write(json.dumps(note, indent=1).encode()))
    return folder


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
