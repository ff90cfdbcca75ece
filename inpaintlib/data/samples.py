"""``samples``: an offline dataset of random crops from photos shipped inside packages.

scikit-image's wheel carries a handful of photographs and matplotlib's carries one, so
this dataset works on any machine with no download: the default for the quick
profile, for CI and for a first look. Each split draws from its own photos, so no photo
(and no near-duplicate view of it) is in two splits.

Item ``i`` of a split is a square crop of photo ``i % n_photos`` of that split (so every
photo has the same share of the split, and test metrics can be reported per photo), with
a random side between 1/6 and 4/5 of the photo's short side (log-uniform, so close-ups and wide
views are equally common), a random horizontal flip, resized with area averaging to
``size`` pixels. The random choices come from ``numpy.random.default_rng((seed,
split, i))``: an item is the same whenever and in whatever order it is read.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np
import skimage.data
import torch
from matplotlib import cbook
from torch.utils.data import Dataset

#: Source photos of each split: every colour photograph scikit-image (0.26) and
#: matplotlib ship in their wheels, plus grey photos and textures (repeated over the
#: three channels) for variety in training. The two motorcycle views show the same
#: scene, so they share a split. The test split holds three unlike colour photos
#: (fur, a glossy cup, a portrait with a flag) so per-photo results show the spread.
PHOTOS: dict[str, tuple[str, ...]] = {
    "train": ("hubble_deep_field", "immunohistochemistry", "motorcycle_left", "motorcycle_right",
              "retina", "grace_hopper", "brick", "grass", "gravel", "coins", "moon"),
    "val": ("rocket", "camera"),
    "test": ("chelsea", "coffee", "astronaut"),
}
#: Number of crops in each split (virtual: crops are cut on demand). The test split is a
#: multiple of its photo count, so each test photo has exactly 200 crops.
LENGTHS = {"train": 8000, "val": 500, "test": 600}
_SPLIT_IDS = {"train": 0, "val": 1, "test": 2}


@functools.lru_cache(maxsize=None)
def load_photo(name: str) -> np.ndarray:
    """One source photo as uint8 ``(H, W, 3)``, read from the installed packages."""
    if name == "grace_hopper":
        with cbook.get_sample_data("grace_hopper.jpg") as fh:
            img = _decode_image(fh)
    elif name in ("motorcycle_left", "motorcycle_right"):
        left, right, _ = skimage.data.stereo_motorcycle()
        img = left if name == "motorcycle_left" else right
    else:
        img = getattr(skimage.data, name)()
    img = np.asarray(img)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    img = img[..., :3]
    if img.dtype != np.uint8:
        raise TypeError(f"photo {name!r} has dtype {img.dtype}, expected uint8")
    img.setflags(write=False)
    return img


def _decode_image(fh) -> np.ndarray:
    """Decode a JPEG/PNG file object to uint8 RGB with OpenCV."""
    buf = np.frombuffer(fh.read(), dtype=np.uint8)
    bgr = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def crop(split: str, index: int, size: int, seed: int) -> tuple[np.ndarray, str]:
    """Crop ``index`` of ``split``: uint8 ``(size, size, 3)`` and the source photo's name."""
    rng = np.random.default_rng((seed, _SPLIT_IDS[split], index))
    name = PHOTOS[split][index % len(PHOTOS[split])]
    photo = load_photo(name)
    h, w = photo.shape[:2]
    short = min(h, w)
    lo, hi = max(min(size, short), short / 6), short * 0.8
    side = int(round(np.exp(rng.uniform(np.log(lo), np.log(max(lo, hi))))))
    y = int(rng.integers(h - side + 1))
    x = int(rng.integers(w - side + 1))
    patch = photo[y:y + side, x:x + side]
    if rng.random() < 0.5:
        patch = patch[:, ::-1]
    interp = cv2.INTER_AREA if side >= size else cv2.INTER_CUBIC
    return cv2.resize(np.ascontiguousarray(patch), (size, size), interpolation=interp), name


class SampleCrops(Dataset):
    """Deterministic random crops of the ``split``'s photos as float tensors (3, size, size)."""

    def __init__(self, split: str, size: int = 96, seed: int = 0, length: int | None = None):
        if split not in PHOTOS:
            raise ValueError(f"split must be one of {sorted(PHOTOS)}, got {split!r}")
        self.split, self.size, self.seed = split, size, seed
        self.length = LENGTHS[split] if length is None else length
        self.name = "samples"

    def __len__(self) -> int:
        return self.length

    def source(self, index: int) -> str:
        """Name of the photo item ``index`` was cut from (no crop is cut)."""
        photos = PHOTOS[self.split]
        return photos[index % len(photos)]

    def __getitem__(self, index: int) -> torch.Tensor:
        if not 0 <= index < self.length:
            raise IndexError(f"index {index} out of range for {self.length} crops")
        img, _ = crop(self.split, index, self.size, self.seed)
        return torch.from_numpy(img).permute(2, 0, 1).float().div_(255.0)

    def __repr__(self) -> str:
        return (f"SampleCrops(split={self.split!r}, size={self.size}, seed={self.seed}, "
                f"n={self.length}, photos={list(PHOTOS[self.split])})")
