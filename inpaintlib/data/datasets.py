"""Datasets as torch ``Dataset`` objects: splits, the ``load_dataset`` front door and the
``MaskedImages`` wrapper that turns images into inpainting examples."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from ..arguments import check_whole
from ..paths import data_root, display_path
from . import cifar10, stl10
from .samples import SampleCrops

SPLITS = ("train", "val", "test")
NAMES = ("stl10", "cifar10", "samples", "auto")
#: (train, val, test) fractions of STL-10's unlabeled images, as in the paper.
STL10_FRACTIONS = (0.8, 0.1, 0.1)
#: CIFAR-10's official training images split into train / val (the test set is official).
CIFAR10_TRAIN_VAL = (45_000, 5_000)


def split_indices(n: int, counts: Sequence[int], seed: int) -> list[np.ndarray]:
    """Shuffle ``range(n)`` with ``seed`` and cut it into consecutive parts of ``counts``.

    Deterministic for a given ``(n, counts, seed)``; the parts are disjoint and, when
    ``sum(counts) == n``, cover every index once. Each part is sorted, which keeps
    reads from a memory-mapped file in order.
    """
    if sum(counts) > n or min(counts) < 0:
        raise ValueError(f"cannot cut {n} items into parts of {list(counts)}")
    order = np.random.default_rng(seed).permutation(n)
    bounds = np.cumsum([0, *counts])
    return [np.sort(order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]


def fraction_counts(n: int, fractions: Sequence[float]) -> list[int]:
    """Item counts for ``fractions`` of ``n``; the last part takes the rounding remainder."""
    counts = [int(round(f * n)) for f in fractions[:-1]]
    return [*counts, n - sum(counts)]


class ImageArrayDataset(Dataset):
    """Images of a uint8 array ``(N, H, W, 3)`` at ``indices``, as float tensors
    ``(3, size, size)`` in [0, 1]; resized (bilinear, antialiased) when ``size`` differs
    from the stored resolution."""

    def __init__(self, images: np.ndarray, indices: np.ndarray, size: int | None,
                 name: str, split: str):
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
            raise ValueError(f"expected uint8 images (N, H, W, 3), got {images.dtype} {images.shape}")
        self.images, self.indices = images, np.asarray(indices)
        self.native = images.shape[1]
        self.size = self.native if size is None else int(size)
        self.name, self.split = name, split

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> torch.Tensor:
        img = torch.from_numpy(np.ascontiguousarray(self.images[self.indices[index]]))
        img = img.permute(2, 0, 1).float().div_(255.0)
        if self.size != self.native:
            img = F.interpolate(img[None], size=(self.size, self.size), mode="bilinear",
                                antialias=True, align_corners=False)[0].clamp_(0.0, 1.0)
        return img

    def source(self, index: int) -> str:
        """The photo item ``index`` shows, e.g. ``"#51234"`` (its place in the stored
        array): every STL-10 or CIFAR-10 image is a photo of its own, so clustering by
        source (:func:`inpaintlib.stats.paired_difference`) treats them as independent."""
        return f"#{self.indices[index]}"

    def __repr__(self) -> str:
        return (f"ImageArrayDataset(name={self.name!r}, split={self.split!r}, n={len(self)}, "
                f"size={self.size}, stored={self.native})")


def first(dataset: Dataset, n: int | None) -> Dataset:
    """The first ``n`` items of ``dataset`` (all of them if ``n`` is None or larger)."""
    if n is None or n >= len(dataset):
        return dataset
    if n < 1:
        raise ValueError(f"n must be >= 1 (or None for all), got {n}")
    return torch.utils.data.Subset(dataset, range(n))


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")


def load_dataset(name: str, split: str, size: int | None = 96,
                 root: str | os.PathLike | None = None, seed: int = 0) -> Dataset:
    """The ``split`` ("train", "val" or "test") of dataset ``name`` as float tensors
    ``(3, size, size)`` in [0, 1].

    * ``"stl10"``: STL-10's 100,000 unlabeled images split 80,000 / 10,000 / 10,000;
    * ``"cifar10"``: 45,000 / 5,000 of the training images by ``seed``, the official
      10,000 test images (stored at 32 px: pass ``size=32`` or ``None`` for no resize);
    * ``"samples"``: offline crops of the photos committed in ``data/photos/`` (no download);
    * ``"auto"``: STL-10 if it is downloaded, otherwise ``samples``, saying which.

    ``size=None`` keeps the stored resolution. ``root`` defaults to ``$INPAINT_DATA`` or
    ``data/`` (STL-10: ``$INPAINT_STL10`` first, which may hold a stand-in:
    :func:`inpaintlib.data.stl10.write_standin`). A dataset that is not downloaded raises
    ``DatasetNotFoundError`` with the command that downloads it.
    """
    _check_split(split)
    if size is not None:
        check_whole("size", size, 1)
    check_whole("seed", seed)
    stl10_root = stl10.location(root)
    root = data_root(root)
    if name == "auto":
        if stl10.is_downloaded(stl10_root):
            print(f"dataset 'auto': using STL-10 from {display_path(stl10_root / stl10.FOLDER)}")
            name = "stl10"
        else:
            print(f"dataset 'auto': STL-10 not found under {display_path(root)}, using the offline 'samples' "
                  f"photos; get STL-10 with `{stl10.DOWNLOAD_COMMAND}`")
            name = "samples"
    if name == "samples":
        return SampleCrops(split, size=96 if size is None else size, seed=seed)
    if name == "stl10":
        images = stl10.load_unlabeled(stl10_root)
        parts = split_indices(len(images), fraction_counts(len(images), STL10_FRACTIONS), seed)
        label = "stl10" if stl10.standin_count(stl10_root) is None else "stl10 (stand-in)"
        return ImageArrayDataset(images, parts[SPLITS.index(split)], size, label, split)
    if name == "cifar10":
        if split == "test":
            images = cifar10.load_images(root, train=False)
            return ImageArrayDataset(images, np.arange(len(images)), size, "cifar10", split)
        images = cifar10.load_images(root, train=True)
        parts = split_indices(len(images), fraction_counts(len(images), (0.9, 0.1)), seed)
        return ImageArrayDataset(images, parts[SPLITS.index(split)], size, "cifar10", split)
    raise ValueError(f"unknown dataset {name!r}; expected one of {NAMES}")


MaskSource = np.ndarray | torch.Tensor | Callable[[int], np.ndarray]


class MaskedImages(Dataset):
    """Inpainting examples: item ``i`` is ``(masked, mask, target)``.

    * ``target``: image ``i`` of ``dataset``, float (3, H, W) in [0, 1];
    * ``mask``: float (1, H, W), 1 = hole, 0 = known;
    * ``masked``: ``target * (1 - mask)``: holes set to 0.

    ``masks`` is a fixed set, a uint8/bool/float array or tensor ``(n, H, W)`` of 0/1
    values (image ``i`` gets mask ``i % n``: a fixed evaluation set), or a callable
    ``index -> (H, W) array`` (masks made on the fly, e.g. for training).
    """

    def __init__(self, dataset: Dataset, masks: MaskSource):
        self.dataset = dataset
        if callable(masks):
            self.masks, self.fn = None, masks
        else:
            arr = masks.detach().cpu().numpy() if isinstance(masks, torch.Tensor) else np.asarray(masks)
            if arr.ndim == 4 and arr.shape[1] == 1:
                arr = arr[:, 0]
            if arr.ndim != 3 or len(arr) == 0:
                raise ValueError(f"masks must have shape (n, H, W) with n >= 1, got {arr.shape}")
            _check_binary(arr)
            size = getattr(dataset, "size", None)
            if size is not None and arr.shape[1:] != (size, size):
                raise ValueError(f"masks are {arr.shape[1]}x{arr.shape[2]} but the images are "
                                 f"{size}x{size}; generate masks at the image size")
            self.masks, self.fn = arr, None

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        target = self.dataset[index]
        if self.fn is not None:
            raw = np.asarray(self.fn(index))
            _check_binary(raw)
        else:
            raw = self.masks[index % len(self.masks)]
        if raw.shape != tuple(target.shape[1:]):
            raise ValueError(f"mask {index} has shape {raw.shape}, image has {tuple(target.shape[1:])}")
        mask = torch.from_numpy(np.asarray(raw, dtype=np.float32))[None]
        return target * (1.0 - mask), mask, target


def _check_binary(arr: np.ndarray) -> None:
    if arr.dtype != np.bool_ and bool(((arr != 0) & (arr != 1)).any()):
        values = np.unique(arr)[:6]
        raise ValueError(f"masks must be binary (0 = known, 1 = hole), found values {values.tolist()}")
