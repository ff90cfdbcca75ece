"""Datasets of the course: STL-10, CIFAR-10 and an offline ``samples`` set.

Public API::

    load_dataset(name, split, size=96, root=None, seed=0) -> Dataset of (3, size, size)
    MaskedImages(dataset, masks)   -> yields (masked, mask, target)
    read_stl10_bin(path)           -> uint8 (N, 96, 96, 3)
    download(name, root=None)      -> fetch, verify and unpack "stl10" or "cifar10"

Modules: :mod:`.download` (resumable, verified downloads and safe extraction),
:mod:`.stl10`, :mod:`.cifar10`, :mod:`.samples`, :mod:`.datasets`, :mod:`.augment` (colour
augmentation of training images).
"""

from __future__ import annotations

import os
from pathlib import Path

from ..paths import data_root
from . import cifar10, stl10
from .augment import AUGMENTS, ColourAugmented, augmented
from .datasets import (
    SPLITS,
    ImageArrayDataset,
    MaskedImages,
    first,
    fraction_counts,
    load_dataset,
    split_indices,
)
from .download import ChecksumError, DatasetNotFoundError, DownloadError, HTTPClientError, UnsafeArchiveError
from .samples import SampleCrops
from .stl10 import read_stl10_bin

DOWNLOADERS = {"stl10": stl10.download, "cifar10": cifar10.download}


def download(name: str, root: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Download, verify and unpack dataset ``name`` ("stl10" or "cifar10") into the data
    root (STL-10: :func:`stl10.location`, which ``$INPAINT_STL10`` can move); return the
    dataset's folder. Safe to re-run: it resumes where it stopped."""
    if name not in DOWNLOADERS:
        raise ValueError(f"no download for {name!r}; choose from {sorted(DOWNLOADERS)}")
    folder = stl10.location(root) if name == "stl10" else data_root(root)
    return DOWNLOADERS[name](folder, progress=progress)


__all__ = ["AUGMENTS", "ColourAugmented", "augmented", "SPLITS", "ChecksumError", "DatasetNotFoundError",
           "DownloadError", "HTTPClientError", "first",
           "ImageArrayDataset", "MaskedImages", "SampleCrops", "UnsafeArchiveError", "download",
           "fraction_counts", "load_dataset", "read_stl10_bin", "split_indices"]
