"""``samples``: an offline dataset of random crops from photos that need no download.

Two sources: the photographs scikit-image and matplotlib ship inside their wheels, and
twenty natural colour photos from OpenCV's sample data (Debian's ``opencv-doc``), re-encoded
and committed under ``data/photos/`` with their licence (``data/photos/README.md``). So
this dataset works on any machine with no download: the default for the quick profile, for
CI and for a first look. Each split draws from its own photos and no scene is in two
splits (:data:`SCENES` groups the views of one scene).

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

from ..paths import REPO_ROOT

#: Where the committed OpenCV sample photos live (part of the repository, not of the data
#: root: moving ``INPAINT_DATA`` elsewhere does not hide them).
PHOTOS_DIR = REPO_ROOT / "data" / "photos"
#: The committed photos (``data/photos/<name>.jpg``), from OpenCV's sample data
#: (Apache-2.0 AND BSD-3-Clause, see ``data/photos/README.md``).
OPENCV_PHOTOS = ("aero1", "aloeL", "apple", "baboon", "basketball1", "board", "building", "butterfly",
                 "chicky_512", "ela_original", "fruits", "graf1", "home", "leuvenA", "messi5", "orange",
                 "rubberwhale1", "smarties", "squirrel_cls", "stuff")
#: Source photos of each split. Training: every colour photograph scikit-image (0.26) and
#: matplotlib ship except the held-out ones, grey photos and textures (repeated over the
#: three channels) for variety, and twelve natural OpenCV photos (aerial view, plant, baboon,
#: street, graffiti, dog, circuit board, ...). Validation (what training and tuning look
#: at): four photos, two of them natural colour photos (a smooth fruit, a dark desk).
#: Test (never trained or tuned on): nine unlike photos, smooth and textured, bright and
#: dark: the three of earlier versions first (fur, a glossy cup, a portrait with a flag),
#: then an orange, sweets on white, a squirrel in leaves, a building, desk objects on grey,
#: a football player before a crowd.
PHOTOS: dict[str, tuple[str, ...]] = {
    "train": ("hubble_deep_field", "immunohistochemistry", "motorcycle_left", "motorcycle_right",
              "retina", "grace_hopper", "brick", "grass", "gravel", "coins", "moon",
              "aero1", "aloeL", "baboon", "basketball1", "board", "butterfly", "chicky_512", "fruits",
              "graf1", "home", "leuvenA", "rubberwhale1"),
    "val": ("rocket", "camera", "apple", "ela_original"),
    "test": ("chelsea", "coffee", "astronaut", "orange", "smarties", "squirrel_cls", "building",
             "stuff", "messi5"),
}
#: Photos that show one scene (views of it); a scene never spans two splits. Every other
#: photo is a scene of its own.
SCENES: dict[str, str] = {"motorcycle_left": "motorcycle", "motorcycle_right": "motorcycle"}
#: Number of crops in each split (virtual: crops are cut on demand). Validation and test
#: are multiples of their photo counts: 100 crops per photo.
LENGTHS = {"train": 8000, "val": 400, "test": 900}


def scene(name: str) -> str:
    """The scene photo ``name`` shows (its own name unless listed in :data:`SCENES`)."""
    return SCENES.get(name, name)
_SPLIT_IDS = {"train": 0, "val": 1, "test": 2}


@functools.lru_cache(maxsize=None)
def load_photo(name: str) -> np.ndarray:
    """One source photo as uint8 ``(H, W, 3)``, read from the installed packages."""
    if name in OPENCV_PHOTOS:
        path = PHOTOS_DIR / f"{name}.jpg"
        if not path.is_file():
            raise FileNotFoundError(f"photo {name!r} is missing: expected {path}; restore it with "
                                    f"`git checkout -- data/photos/`")
        with open(path, "rb") as fh:
            img = _decode_image(fh)
    elif name == "grace_hopper":
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
    if bgr is None:
        raise ValueError(f"could not decode {getattr(fh, 'name', 'the file')} as an image (a damaged "
                         "file? restore it with `git checkout -- data/photos/`)")
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
