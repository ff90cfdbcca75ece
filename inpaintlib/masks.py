"""Inpainting masks: boxes, random squares and LaMa's mixed generator; fixed evaluation sets.

All masks are numpy ``uint8`` arrays ``(n, H, W)`` (one mask ``(H, W)``) with
``1 = hole`` and ``0 = known``, reproducible from a seed. Mask ``i`` of a set depends only
on ``(seed, i)``, so ``MaskSampler(...)(i)`` gives the same mask as ``sampler.batch(n)[i]``
and a training loop can draw masks on the fly in any order.

Generators:

* :func:`box_masks`: one ``box`` x ``box`` square at a random position (the WaveMix
  paper's ablations, Tables 2 and 3: 8x8 and 12x12 px);
* :func:`square_masks`: one square of random side (the ConvMixer U-Net paper);
* :func:`lama_masks`: LaMa's mix of thick irregular strokes and rectangles with the
  presets ``train``, ``thick``, ``medium`` and ``thin``. LaMa defines them in pixels at
  256 x 256; here every length is scaled by ``size / 256`` so that a 96 px mask covers the
  same *fraction* of the image as LaMa's 256 px masks (``scale=False`` reproduces the
  mistake of using the pixel sizes unchanged).

:func:`fixed_masks` generates an evaluation set once, drops masks covering more than half
the image (as LaMa's evaluation sets do), stores it under ``data/masks/`` and checks it
against ``data/masks/SHA256SUMS`` whenever it is loaded.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .arguments import check_whole
from .files.atomic import atomic_write
from .files.checksums import CHECKSUMS, read_checksums, write_checksums
from .files.safeload import corrupt_file, describe
from .paths import data_root

#: LaMa's presets are defined in pixels at this resolution.
REFERENCE_SIZE = 256


@dataclass(frozen=True)
class Strokes:
    """LaMa's irregular mask: ``min_times..max_times`` strokes of 1-5 thick line segments
    with length ``10 + randint(max_len)``, width ``5 + randint(max_width)`` (pixels at 256 px)
    and angle ``0.01 + randint(max_angle)`` radians."""
    max_len: int
    max_width: int
    min_times: int
    max_times: int
    max_angle: int = 4


@dataclass(frozen=True)
class Boxes:
    """LaMa's rectangle mask: ``min_times..max_times`` rectangles with sides in
    ``[min_side, max_side)`` (pixels at 256 px), kept ``margin`` pixels from the border."""
    min_side: int
    max_side: int
    margin: int
    min_times: int
    max_times: int


@dataclass(frozen=True)
class LamaPreset:
    """A mix of strokes and boxes: each mask is one kind, chosen with probabilities
    proportional to ``strokes_weight`` and ``boxes_weight``."""
    strokes: Strokes
    boxes: Boxes | None
    strokes_weight: float = 1.0
    boxes_weight: float = 0.0

    @property
    def box_probability(self) -> float:
        return self.boxes_weight / (self.strokes_weight + self.boxes_weight)


#: LaMa's training and evaluation presets (REFERENCE §2 of the course notes).
LAMA_MASK_PRESETS: dict[str, LamaPreset] = {
    "train": LamaPreset(Strokes(200, 100, 1, 5), Boxes(30, 150, 10, 1, 4), 1.0, 1.0),
    "thick": LamaPreset(Strokes(200, 100, 1, 5), Boxes(30, 150, 10, 1, 3), 1.0, 0.3),
    "medium": LamaPreset(Strokes(100, 50, 4, 5), Boxes(10, 50, 0, 1, 5), 1.0, 0.3),
    "thin": LamaPreset(Strokes(40, 10, 4, 50), None, 1.0, 0.0),
}


def _rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng((seed, index))


def draw_strokes(mask: np.ndarray, p: Strokes, scale: float, rng: np.random.Generator) -> None:
    """Draw LaMa's irregular strokes into ``mask`` (H, W) in place; lengths x ``scale``."""
    h, w = mask.shape
    for stroke in range(rng.integers(p.min_times, p.max_times + 1)):
        x, y = int(rng.integers(w)), int(rng.integers(h))
        for _ in range(1 + rng.integers(5)):
            angle = 0.01 + rng.integers(p.max_angle)
            if stroke % 2 == 0:
                angle = 2 * math.pi - angle
            length = (10 + rng.integers(p.max_len)) * scale
            width = (5 + rng.integers(p.max_width)) * scale
            end_x = int(np.clip(x + length * math.sin(angle), 0, w))
            end_y = int(np.clip(y + length * math.cos(angle), 0, h))
            cv2.line(mask, (x, y), (end_x, end_y), 1, thickness=max(1, round(width)))
            x, y = end_x, end_y


def draw_boxes(mask: np.ndarray, p: Boxes, scale: float, rng: np.random.Generator) -> None:
    """Draw LaMa's rectangles into ``mask`` (H, W) in place; sizes and margin x ``scale``."""
    h, w = mask.shape
    margin = round(p.margin * scale)
    max_side = min(p.max_side, (min(h, w) - 2 * margin) / scale)
    for _ in range(rng.integers(p.min_times, p.max_times + 1)):
        bw = max(1, round(rng.integers(p.min_side, max(p.min_side + 1, max_side)) * scale))
        bh = max(1, round(rng.integers(p.min_side, max(p.min_side + 1, max_side)) * scale))
        bw, bh = min(bw, w - 2 * margin), min(bh, h - 2 * margin)
        x0 = int(rng.integers(margin, w - margin - bw + 1))
        y0 = int(rng.integers(margin, h - margin - bh + 1))
        mask[y0:y0 + bh, x0:x0 + bw] = 1


def lama_mask(preset: str | LamaPreset, size: int, rng: np.random.Generator,
              scale: bool = True) -> np.ndarray:
    """One LaMa mask (size, size) uint8.

    With ``scale=True`` the mask is LaMa's mask for a 256 px image brought to ``size``:
    below 256 px it is drawn at 256 px and reduced by area averaging (a pixel is a hole
    when at least half of it was), because thin strokes drawn directly at 2-5 px width
    come out a pixel too thick and cover too much. At 256 px and above the lengths are
    scaled and drawn directly. ``scale=False`` uses LaMa's 256 px lengths unchanged.
    """
    p = LAMA_MASK_PRESETS[preset] if isinstance(preset, str) else preset
    canvas = max(size, REFERENCE_SIZE) if scale else size
    mask = np.zeros((canvas, canvas), np.uint8)
    factor = canvas / REFERENCE_SIZE if scale else 1.0
    if p.boxes is not None and rng.random() < p.box_probability:
        draw_boxes(mask, p.boxes, factor, rng)
    else:
        draw_strokes(mask, p.strokes, factor, rng)
    if canvas != size:
        area = cv2.resize(mask.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
        mask = (area >= 0.5).astype(np.uint8)
    return mask


def box_mask(size: int, box: int, rng: np.random.Generator) -> np.ndarray:
    """One ``box`` x ``box`` hole at a random position entirely inside a (size, size) mask."""
    if not 1 <= box <= size:
        raise ValueError(f"box side must be between 1 and the mask size {size}, got {box}")
    mask = np.zeros((size, size), np.uint8)
    y, x = rng.integers(0, size - box + 1, size=2)
    mask[y:y + box, x:x + box] = 1
    return mask


class MaskSampler:
    """Masks of one kind, mask ``i`` a pure function of ``(seed, i)``.

    ``kind`` is a LaMa preset (``"train"``, ``"thick"``, ``"medium"``, ``"thin"``),
    ``"box<k>"`` (one k x k square, e.g. ``"box8"``) or ``"square<a>-<b>"`` (one square of
    random side in [a, b], e.g. ``"square4-16"``). ``sampler(i)`` is mask i (H, W);
    ``sampler.batch(n, start=0)`` masks ``start .. start+n-1`` as (n, H, W).
    """

    def __init__(self, kind: str, size: int, seed: int = 0, scale: bool = True):
        check_whole("mask size", size, 4)
        check_whole("seed", seed)
        if not isinstance(kind, str):
            raise ValueError(f"mask kind must be a string such as 'thick', 'box12' or 'square4-16', got "
                             f"{kind!r}")
        self.kind, self.size, self.seed, self.scale = kind, int(size), seed, scale
        # Plain attributes (no closures) keep the sampler picklable for DataLoader workers.
        self._sides: tuple[int, int] | None = None   # None: a LaMa preset
        if m := re.fullmatch(r"box(\d+)", kind):
            self._sides = (int(m.group(1)), int(m.group(1)))
            box_mask(self.size, self._sides[0], _rng(0, 0))  # validates the side now
        elif m := re.fullmatch(r"square(\d+)-(\d+)", kind):
            self._sides = (int(m.group(1)), int(m.group(2)))
            if not 1 <= self._sides[0] <= self._sides[1] <= self.size:
                raise ValueError(f"{kind!r}: need 1 <= min side <= max side <= {self.size}")
        elif kind not in LAMA_MASK_PRESETS:
            raise ValueError(f"unknown mask kind {kind!r}: expected one of {sorted(LAMA_MASK_PRESETS)}, "
                             "'box<k>' (e.g. 'box8') or 'square<a>-<b>' (e.g. 'square4-16')")

    def __call__(self, index: int) -> np.ndarray:
        rng = _rng(self.seed, index)
        if self._sides is None:
            return lama_mask(self.kind, self.size, rng, scale=self.scale)
        lo, hi = self._sides
        side = lo if lo == hi else int(rng.integers(lo, hi + 1))
        return box_mask(self.size, side, rng)

    def batch(self, n: int, start: int = 0) -> np.ndarray:
        out = np.empty((n, self.size, self.size), np.uint8)
        for i in range(n):
            out[i] = self(start + i)
        return out

    def __repr__(self) -> str:
        return f"MaskSampler(kind={self.kind!r}, size={self.size}, seed={self.seed})"


def box_masks(size: int, box: int, n: int, seed: int = 0) -> np.ndarray:
    """``n`` masks (n, size, size), each one ``box`` x ``box`` square hole inside the image."""
    return MaskSampler(f"box{box}", size, seed).batch(n)


def square_masks(size: int, n: int, seed: int = 0, min_side: int | None = None,
                 max_side: int | None = None) -> np.ndarray:
    """``n`` masks (n, size, size), each one square hole with a random side in
    ``[min_side, max_side]`` (default size/8 .. size/2) at a random position inside."""
    lo = max(1, size // 8) if min_side is None else min_side
    hi = size // 2 if max_side is None else max_side
    return MaskSampler(f"square{lo}-{hi}", size, seed).batch(n)


def lama_masks(preset: str, size: int, n: int, seed: int = 0, scale: bool = True) -> np.ndarray:
    """``n`` LaMa masks (n, size, size) of ``preset``, lengths scaled to ``size``."""
    return MaskSampler(preset, size, seed, scale=scale).batch(n)


def coverage(masks):
    """Hole fraction of each mask, in [0, 1]: the one place it is computed.

    ``masks``: (n, H, W) or (n, 1, H, W), 1 = hole; a numpy array (or list) gives (n,)
    float64, a torch tensor gives an (n,) float32 tensor on its device."""
    if type(masks).__module__.startswith("torch"):
        return masks.reshape(len(masks), -1).float().mean(1)
    masks = np.asarray(masks)
    return masks.reshape(len(masks), -1).mean(axis=1, dtype=np.float64)


# ---------------------------------------------------------------------------------------
# Fixed evaluation sets
# ---------------------------------------------------------------------------------------

def set_name(kind: str, size: int, n: int, seed: int) -> str:
    """File stem of a fixed set, e.g. ``thick_96px_n2000_seed0``."""
    return f"{kind}_{size}px_n{n}_seed{seed}"


def masks_dir(root: str | os.PathLike | None = None) -> Path:
    return data_root(root) / "masks"


def digest(masks: np.ndarray) -> str:
    """SHA-256 of a mask set's shape and bits (independent of how the file is compressed)."""
    h = hashlib.sha256(repr(masks.shape).encode())
    h.update(np.packbits(masks.astype(bool), axis=-1).tobytes())
    return h.hexdigest()


def mask_checksums(folder: Path) -> dict[str, str]:
    """``{set name: SHA-256}`` from ``folder/SHA256SUMS`` (a malformed line raises
    ``CorruptFileError``; a set without a line is recorded again when next loaded)."""
    return read_checksums(folder / CHECKSUMS,
                          "restore the committed copy with: git checkout -- data/masks/SHA256SUMS")


def _write_checksums(folder: Path, sums: dict[str, str]) -> None:
    write_checksums(folder / CHECKSUMS, sums)


def generate_eval_set(kind: str, size: int, n: int, seed: int = 0,
                      max_coverage: float = 0.5) -> np.ndarray:
    """``n`` masks of ``kind``, skipping any that cover more than ``max_coverage`` of the
    image (LaMa's evaluation sets drop masks over 50%). Deterministic in its arguments."""
    sampler = MaskSampler(kind, size, seed)
    out = np.empty((n, size, size), np.uint8)
    index = filled = 0
    while filled < n:
        mask = sampler(index)
        index += 1
        if coverage(mask[None])[0] <= max_coverage:
            out[filled] = mask
            filled += 1
        elif index > 20 * n + 1000:
            raise RuntimeError(f"{kind} at {size}px: almost every mask covers more than "
                               f"{max_coverage:.0%}; cannot fill an evaluation set")
    return out


def _load_set(path: Path, kind: str, size: int, n: int, seed: int) -> np.ndarray:
    """The masks stored in ``path`` (an .npz with packed ``bits`` (n, size, size/8)),
    never unpickling anything; a damaged file raises ``CorruptFileError``."""
    def corrupt(reason: str):
        regenerate = ('python -c "from inpaintlib.masks import fixed_masks; '
                      f"fixed_masks({kind!r}, {size}, {n}, seed={seed})\"")
        return corrupt_file(path, "a mask set", f"delete it and regenerate it with: {regenerate}",
                            reason)

    if not zipfile.is_zipfile(path):
        raise corrupt("not an .npz archive")
    try:
        with np.load(path, allow_pickle=False) as f:
            bits = f["bits"]
    except Exception as err:  # noqa: BLE001 (a damaged zip fails in many ways)
        pickled = "allow_pickle" in str(err)  # NumPy's hint is not repeated
        raise corrupt("it holds pickled objects" if pickled else describe(err)) from None
    expected = (n, size, (size + 7) // 8)
    if bits.dtype != np.uint8 or bits.shape != expected:
        raise corrupt(f"'bits' is {bits.dtype} {bits.shape}, expected uint8 {expected}")
    return np.unpackbits(bits, axis=-1, count=size).astype(np.uint8)


#: Masks in a fixed evaluation set as the trainer, ``evaluate`` and the recipe probe use it:
#: image ``i`` of a split always gets mask ``i``, up to 10,000 images.
EVAL_SET_SIZE = 10_000


def fixed_masks(kind: str, size: int, n: int, seed: int = 0,
                root: str | os.PathLike | None = None) -> np.ndarray:
    """The fixed evaluation set ``(kind, size, n, seed)`` as uint8 (n, size, size).

    Loaded from ``data/masks/<name>.npz`` when present, otherwise generated with
    :func:`generate_eval_set` and saved (atomically). Either way its SHA-256 must match
    the one recorded in ``data/masks/SHA256SUMS``; a set seen for the first time is
    recorded there. A mismatch raises ``ValueError``: the file was altered, or this
    machine's OpenCV draws strokes differently from the one that made the set. A file
    that cannot be read (or a malformed SHA256SUMS line) raises ``CorruptFileError``
    naming it and saying how to regenerate it; nothing in it is ever unpickled.
    """
    folder = masks_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    name = set_name(kind, size, n, seed)
    path = folder / f"{name}.npz"
    if path.exists():
        masks = _load_set(path, kind, size, n, seed)
    else:
        masks = generate_eval_set(kind, size, n, seed)
    actual = digest(masks)
    sums = mask_checksums(folder)
    if name in sums and sums[name] != actual:
        raise ValueError(f"mask set {name}: SHA-256 {actual[:16]}... does not match the recorded "
                         f"{sums[name][:16]}... in {folder / CHECKSUMS}")
    if not path.exists():
        atomic_write(path, lambda fh: np.savez_compressed(fh, bits=np.packbits(masks, axis=-1)))
    if name not in sums:
        sums[name] = actual
        _write_checksums(folder, sums)
    return masks
