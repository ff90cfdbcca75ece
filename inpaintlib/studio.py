"""The inpaint studio's engine (notebook 11): draw a hole, run every model on it, score it.

Everything here is plain Python and NumPy, usable and tested without a browser; the
JupyterLab widget in :mod:`inpaintlib.studio_widget` only forwards what the mouse did.

Drawing. The browser sends *operations* in image pixel coordinates (x to the right, y
down, ``(0, 0)`` the top-left corner of the top-left pixel, so pixel ``(row r, col c)``
has its centre at ``(c + 0.5, r + 0.5)``):

* ``brush``: a polyline of ``points`` with a round brush ``width`` pixels wide. A pixel
  becomes a hole when its centre lies within ``width / 2`` of the line, or when a point
  of the line falls inside it (so a 1 px brush always leaves a mark);
* ``eraser``: the same shape, turned back into known pixels;
* ``rect``: the pixels between two corner points, both corner pixels included.

:func:`paint` replays operations onto a starting mask; :class:`MaskPainter` keeps the
starting mask (empty, or a random LaMa / box mask) and the operations drawn since.
Masks follow the course convention: ``uint8 (H, W)`` with ``1 = hole``.

Models. :func:`model_choices` lists what can fill a hole: the reference checkpoints
(:mod:`inpaintlib.pretrained`), every trained run under ``runs/checkpoints/``, and OpenCV's
Telea and Navier-Stokes. :func:`inpaint` runs the chosen models on one image and returns
each result with its hole PSNR and SSIM and its time per image.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import Tensor, nn

from .masks import LAMA_MASK_PRESETS, MaskSampler
from .paths import display_path, runs_dir

#: The drawing tools the front end offers.
TOOLS = ("brush", "eraser", "rect")
#: Random masks a student can start from: LaMa's presets and the first paper's boxes.
RANDOM_MASKS = tuple(LAMA_MASK_PRESETS) + ("box8", "box12")
#: Set to "1" by `make run` / `make test` (papermill, nbval): notebook 11 then shows static
#: results for a default mask instead of waiting for a mouse.
HEADLESS_ENV = "INPAINT_HEADLESS"


def headless() -> bool:
    """True when the notebook runs without a person at the keyboard (``$INPAINT_HEADLESS=1``)."""
    return os.environ.get(HEADLESS_ENV) == "1"


# ---------------------------------------------------------------------------------------
# Drawing: operations -> binary mask
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Op:
    """One drawing operation: ``tool`` in :data:`TOOLS`, ``points`` as ``(x, y)`` pairs in
    image pixels, brush ``width`` in pixels (ignored by ``rect``)."""

    tool: str
    points: tuple[tuple[float, float], ...]
    width: float = 8.0

    def __post_init__(self):
        if self.tool not in TOOLS:
            raise ValueError(f"unknown drawing tool {self.tool!r}; expected one of {TOOLS}")
        points = tuple((float(x), float(y)) for x, y in self.points)
        if not points:
            raise ValueError(f"a {self.tool} operation needs at least one (x, y) point, got none")
        if not all(math.isfinite(v) for p in points for v in p):
            raise ValueError(f"{self.tool} points must be finite numbers, got {points[:4]}...")
        if self.tool == "rect" and len(points) != 2:
            raise ValueError(f"a rect operation needs exactly 2 corner points, got {len(points)}")
        if not (math.isfinite(self.width) and self.width >= 1):
            raise ValueError(f"brush width must be at least 1 pixel, got {self.width}")
        object.__setattr__(self, "points", points)

    @classmethod
    def from_dict(cls, op: Mapping) -> Op:
        """An operation as the browser sends it: ``{"tool": ..., "points": [[x, y], ...],
        "width": w}``."""
        if not isinstance(op, Mapping) or "tool" not in op or "points" not in op:
            raise ValueError(f"a drawing operation is a dict with 'tool' and 'points', got {op!r}")
        try:
            points = tuple((x, y) for x, y in op["points"])
        except (TypeError, ValueError):
            raise ValueError(f"'points' must be a list of [x, y] pairs, got {op['points']!r}") from None
        return cls(str(op["tool"]), points, float(op.get("width", 8.0)))

    def to_dict(self) -> dict:
        return {"tool": self.tool, "points": [list(p) for p in self.points], "width": self.width}


def _check_size(size: int) -> None:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"mask size must be a positive whole number of pixels, got {size!r}")


def stroke_pixels(points: Sequence[tuple[float, float]], width: float, size: int) -> np.ndarray:
    """Pixels covered by a round brush of ``width`` along the polyline ``points``:
    ``(size, size)`` bool. Points outside the image are allowed; only the part of the
    stroke inside it is returned."""
    _check_size(size)
    covered = np.zeros((size, size), bool)
    radius = width / 2
    pts = np.asarray(points, np.float64).reshape(-1, 2)
    segments = zip(pts, pts[1:]) if len(pts) > 1 else [(pts[0], pts[0])]
    for a, b in segments:
        # Only the pixels in the segment's bounding box, grown by the radius, can be hit.
        c0 = max(int(math.floor(min(a[0], b[0]) - radius)), 0)
        c1 = min(int(math.ceil(max(a[0], b[0]) + radius)), size)
        r0 = max(int(math.floor(min(a[1], b[1]) - radius)), 0)
        r1 = min(int(math.ceil(max(a[1], b[1]) + radius)), size)
        if c0 >= c1 or r0 >= r1:
            continue
        ys, xs = np.mgrid[r0:r1, c0:c1] + 0.5                    # pixel centres
        ab = b - a
        length2 = float(ab @ ab)
        # Position of the closest point of the segment, as a fraction t in [0, 1] from a.
        t = np.zeros_like(xs) if length2 == 0 else np.clip(((xs - a[0]) * ab[0] + (ys - a[1]) * ab[1]) / length2, 0, 1)
        dist2 = (xs - a[0] - t * ab[0]) ** 2 + (ys - a[1] - t * ab[1]) ** 2
        covered[r0:r1, c0:c1] |= dist2 <= radius ** 2
    # The pixel under each point is always part of the stroke.
    cols, rows = np.floor(pts[:, 0]).astype(np.int64), np.floor(pts[:, 1]).astype(np.int64)
    inside = (cols >= 0) & (cols < size) & (rows >= 0) & (rows < size)
    covered[rows[inside], cols[inside]] = True
    return covered


def rect_pixels(corner_a: tuple[float, float], corner_b: tuple[float, float], size: int) -> np.ndarray:
    """Pixels of the rectangle spanned by two corner points, both corner pixels
    included, clipped to the image: ``(size, size)`` bool."""
    _check_size(size)
    covered = np.zeros((size, size), bool)
    (xa, ya), (xb, yb) = corner_a, corner_b
    c0, c1 = sorted((math.floor(xa), math.floor(xb)))
    r0, r1 = sorted((math.floor(ya), math.floor(yb)))
    covered[max(r0, 0):max(r1 + 1, 0), max(c0, 0):max(c1 + 1, 0)] = True
    return covered


def paint(ops: Iterable[Op | Mapping], size: int, base: np.ndarray | None = None) -> np.ndarray:
    """Replay drawing operations, in order, onto ``base`` (default: no hole).

    Returns a new ``uint8 (size, size)`` mask with ``1 = hole``; ``base`` is not changed.
    """
    _check_size(size)
    if base is None:
        mask = np.zeros((size, size), np.uint8)
    else:
        base = np.asarray(base)
        if base.shape != (size, size):
            raise ValueError(f"base mask must be ({size}, {size}), got {base.shape}")
        if not np.isin(base, (0, 1)).all():
            raise ValueError("base mask must be binary (0 = known, 1 = hole)")
        mask = base.astype(np.uint8, copy=True)
    for op in ops:
        op = op if isinstance(op, Op) else Op.from_dict(op)
        if op.tool == "rect":
            mask[rect_pixels(op.points[0], op.points[1], size)] = 1
        else:
            mask[stroke_pixels(op.points, op.width, size)] = 0 if op.tool == "eraser" else 1
    return mask


class MaskPainter:
    """The mask being edited: a starting mask plus the operations drawn on top of it.

    The front end owns the list of operations (it appends one per mouse drag) and hands
    over the whole list with :meth:`set_ops`; :meth:`clear` and :meth:`random` start again.
    """

    def __init__(self, size: int):
        _check_size(size)
        self.size = size
        self.base = np.zeros((size, size), np.uint8)
        self.ops: list[Op] = []

    @property
    def mask(self) -> np.ndarray:
        """The current mask, ``uint8 (size, size)``, 1 = hole."""
        return paint(self.ops, self.size, self.base)

    def set_ops(self, ops: Iterable[Op | Mapping]) -> None:
        """Replace the operations drawn since the last :meth:`clear` / :meth:`random`."""
        self.ops = [op if isinstance(op, Op) else Op.from_dict(op) for op in ops]

    def clear(self) -> None:
        """No hole at all."""
        self.base = np.zeros((self.size, self.size), np.uint8)
        self.ops = []

    def random(self, kind: str, index: int = 0, seed: int = 0) -> None:
        """Start from mask ``index`` of a random family in :data:`RANDOM_MASKS`."""
        if kind not in RANDOM_MASKS:
            raise ValueError(f"unknown random mask {kind!r}; choose one of {RANDOM_MASKS}")
        self.base = MaskSampler(kind, self.size, seed)(index)
        self.ops = []


def describe_mask(mask: np.ndarray) -> dict:
    """Summary of a mask for the studio's status line: hole pixel count, coverage, and
    the rows and columns the hole spans (None when there is no hole)."""
    mask = np.asarray(mask)
    rows, cols = np.nonzero(mask)
    if rows.size == 0:
        return {"pixels": 0, "coverage": 0.0, "rows": None, "cols": None}
    return {"pixels": int(rows.size), "coverage": float(rows.size / mask.size),
            "rows": (int(rows.min()), int(rows.max())), "cols": (int(cols.min()), int(cols.max()))}


# ---------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------

#: How :func:`fit_image` makes a square of the working size from a photo of any shape.
FITS = ("centre", "whole", "box")


def fit_image(image: np.ndarray, size: int, fit: str = "centre",
              box: tuple[int, int, int] | None = None) -> Tensor:
    """An ``(H, W, 3)`` uint8 RGB image of any size as a float tensor ``(3, size, size)`` in
    [0, 1], the square chosen by ``fit``:

    * ``"centre"``: the largest central square (nothing is distorted; the sides are cut off);
    * ``"whole"``: the whole photo squeezed into the square (nothing is cut; a non-square
      photo is distorted);
    * ``"box"``: the square ``box = (top, left, side)`` in the photo's pixels, e.g. a detail.

    The square is shrunk with area averaging or enlarged with bicubic interpolation (clamped
    to [0, 1]). Grey ``(H, W)`` images are accepted and repeated over three channels.
    """
    _check_size(size)
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    if fit not in FITS:
        raise ValueError(f"fit must be one of {FITS}, got {fit!r}")
    h, w = image.shape[:2]
    if fit == "centre":
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        square = image[top:top + side, left:left + side]
    elif fit == "whole":
        square = image
    else:
        if box is None or len(box) != 3:
            raise ValueError("fit='box' needs box=(top, left, side) in the photo's pixels")
        top, left, side = (int(v) for v in box)
        if side < 1 or top < 0 or left < 0 or top + side > h or left + side > w:
            raise ValueError(f"box (top={top}, left={left}, side={side}) does not lie inside the "
                             f"{h}x{w} photo: need top + side <= {h} and left + side <= {w}")
        square = image[top:top + side, left:left + side]
    shrink = min(square.shape[:2]) > size
    resized = cv2.resize(np.ascontiguousarray(square), (size, size),
                         interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return torch.from_numpy(np.ascontiguousarray(resized)).permute(2, 0, 1).float() / 255


def decode_photo(source: str | os.PathLike | bytes) -> np.ndarray:
    """A photo from a file path or from the bytes of an uploaded file, as uint8 ``(H, W, 3)``
    RGB at its own size. PNG, JPEG, BMP, WebP and TIFF of any size are read; grey photos
    become three equal channels, an alpha channel is dropped, 16-bit images are scaled to
    8 bits. Raises ``FileNotFoundError`` (no such file) or ``ValueError`` (not an image, an
    empty file) naming what was given."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw, name = bytes(source), "the uploaded file"
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"no image file at {path}: give the path of a PNG or JPEG photo")
        raw, name = path.read_bytes(), str(path)
    if not raw:
        raise ValueError(f"{name} is empty: give a PNG or JPEG photo")
    decoded = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise ValueError(f"{name} is not an image OpenCV can read: use a PNG, JPEG, BMP, WebP or "
                         "TIFF file")
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def read_image(source: str | os.PathLike | bytes, size: int, fit: str = "centre",
               box: tuple[int, int, int] | None = None) -> Tensor:
    """:func:`decode_photo` then :func:`fit_image`: a photo file (or uploaded bytes) of any
    size as a float tensor ``(3, size, size)`` in [0, 1]."""
    return fit_image(decode_photo(source), size, fit, box)


def png_bytes(image: Tensor | np.ndarray, zoom: int = 1) -> bytes:
    """PNG bytes of a ``(3, H, W)`` float image in [0, 1] (or a ``(H, W)`` 0/1 mask),
    enlarged ``zoom`` times with nearest-neighbour so single pixels stay visible."""
    if isinstance(image, Tensor):
        arr = image.detach().float().clamp(0, 1).permute(1, 2, 0).cpu().numpy()
        arr = cv2.cvtColor((arr * 255).round().astype(np.uint8), cv2.COLOR_RGB2BGR)
    else:
        arr = (np.asarray(image) > 0).astype(np.uint8) * 255
    if zoom > 1:
        arr = cv2.resize(arr, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST)
    ok, buf = cv2.imencode(".png", arr)
    if not ok:
        raise RuntimeError("OpenCV could not encode the image as PNG")
    return buf.tobytes()


# ---------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """Something that can fill a hole: ``kind`` "reference", "run" or "classical"."""

    label: str
    kind: str
    source: str   # reference name, checkpoint path, or classical model name

    def load(self, device: str | torch.device = "cpu") -> nn.Module:
        """The model in eval mode on ``device`` (``"auto"``: CUDA, then MPS, then the CPU)."""
        from . import models, pretrained
        from .runtime import choose_device
        from .train import load_checkpoint
        device = choose_device(device)
        if self.kind == "reference":
            return pretrained.load(self.source, device)
        if self.kind == "run":
            return load_checkpoint(self.source, device)[0]
        return models.build(self.source).to(device).eval()


def model_choices(runs: str | os.PathLike | None = None) -> dict[str, Choice]:
    """label -> :class:`Choice`, in the order the studio lists them: the reference
    checkpoints present in ``data/pretrained/``, each ``best.pt`` under
    ``<runs>/checkpoints/`` (default ``runs/``), then the classical fills: Telea,
    Navier-Stokes and the push-pull fill the course's networks start from."""
    from . import pretrained
    found = [Choice(f"{name} (reference)", "reference", name) for name in pretrained.available()]
    folder = Path(runs) if runs is not None else runs_dir()
    for ckpt in sorted((folder / "checkpoints").glob("*/*/best.pt")):
        found.append(Choice(f"{ckpt.parent.parent.name}/{ckpt.parent.name} (run)", "run",
                            display_path(ckpt)))
    found += [Choice(name, "classical", name) for name in ("telea", "navier_stokes", "push_pull")]
    return {c.label: c for c in found}


def common_size(models: Iterable[nn.Module], wanted: int) -> int:
    """The largest size <= ``wanted`` that every model accepts (a multiple of each
    model's ``size_multiple`` and at least its ``min_size``)."""
    step, smallest = 1, 1
    for m in models:
        multiple = getattr(m, "size_multiple", 1)
        step = step * multiple // math.gcd(step, multiple)
        smallest = max(smallest, getattr(m, "min_size", None) or multiple)
    size = wanted // step * step
    if size < smallest:
        size = -(-smallest // step) * step
    return size


@dataclass
class Result:
    """One model's answer: ``image`` (3, H, W) in [0, 1], its hole PSNR (dB) and SSIM
    against the original (NaN when there is no hole), and milliseconds per image."""

    label: str
    image: Tensor
    psnr_hole: float
    ssim_hole: float
    ms: float


def inpaint(models: Mapping[str, nn.Module], image: Tensor, mask: np.ndarray | Tensor,
            repeats: int = 2) -> list[Result]:
    """Fill ``mask``'s hole in ``image`` with each model.

    ``image`` (3, H, W) float in [0, 1]; ``mask`` (H, W) binary, 1 = hole. Each model runs
    ``repeats`` times and the fastest time is reported (the first call of a model also
    pays for one-off set-up work).
    """
    from .metrics import image_metrics
    if image.ndim != 3 or image.shape[0] != 3:
        raise ValueError(f"image must be (3, H, W), got {tuple(image.shape)}")
    hole = torch.as_tensor(np.asarray(mask), dtype=torch.float32)
    if hole.shape != image.shape[1:]:
        raise ValueError(f"mask must be {tuple(image.shape[1:])} like the image, got {tuple(hole.shape)}")
    if not ((hole == 0) | (hole == 1)).all():
        raise ValueError("mask must be binary (0 = known, 1 = hole)")
    target = image.float()[None]
    hole = hole[None, None]
    masked = target * (1 - hole)
    results = []
    for label, model in models.items():
        weights = next(model.parameters(), None)
        device = weights.device if weights is not None else torch.device("cpu")
        best = math.inf
        with torch.inference_mode():
            for _ in range(max(1, repeats)):
                start = time.perf_counter()
                out = model(masked.to(device), hole.to(device)).float().cpu()
                best = min(best, time.perf_counter() - start)
        if hole.sum() > 0:
            scores = image_metrics(out, target, hole)
            psnr, ssim = float(scores["psnr_hole"][0]), float(scores["ssim_hole"][0])
        else:
            psnr = ssim = math.nan
        results.append(Result(label, out[0], psnr, ssim, 1000 * best))
    return results


def results_figure(image: Tensor, mask: np.ndarray, results: Sequence[Result], cell_inches: float = 1.9,
                   times: bool = True):
    """One row: the original, the masked input (hole black, as the models see it), then
    every model's result titled with its hole PSNR / SSIM and (``times=True``) its time per image.

    Leave the times out of a figure that is saved to ``figures/``: they change from run to run,
    the scores and pictures do not."""
    import matplotlib.pyplot as plt

    from .viz import to_numpy_image
    hole = torch.as_tensor(np.asarray(mask), dtype=torch.float32)
    panels = [("original", image), (f"input: {describe_mask(mask)['coverage']:.1%} hole", image * (1 - hole))]
    for r in results:
        timing = f" · {r.ms:.0f} ms" if times else ""
        panels.append((f"{r.label}\n{r.psnr_hole:.1f} dB · SSIM {r.ssim_hole:.2f}{timing}", r.image))
    fig, axes = plt.subplots(1, len(panels), figsize=(cell_inches * len(panels), cell_inches + 0.5), squeeze=False)
    for ax, (title, img) in zip(axes[0], panels):
        ax.imshow(to_numpy_image(img), interpolation="nearest")
        ax.set_title(title, fontsize=7)
        ax.axis("off")
    fig.tight_layout()
    return fig


def results_table(results: Sequence[Result]) -> str:
    """The results as a text table: model, hole PSNR, hole SSIM, ms per image."""
    from .tables import format_table
    return format_table([{"model": r.label, "hole PSNR (dB)": f"{r.psnr_hole:.2f}",
                          "hole SSIM": f"{r.ssim_hole:.3f}", "ms / image": f"{r.ms:.1f}"} for r in results])


__all__ = ["HEADLESS_ENV", "RANDOM_MASKS", "TOOLS", "Choice", "MaskPainter", "Op", "Result", "common_size",
           "FITS", "decode_photo", "describe_mask", "fit_image", "headless", "inpaint", "model_choices", "paint", "png_bytes",
           "read_image", "rect_pixels", "results_figure", "results_table", "stroke_pixels"]
