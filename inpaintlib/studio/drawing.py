"""Drawing: the studio's operations (brush, eraser, rectangle) turned into a binary mask.

The browser sends *operations* in image pixel coordinates (x to the right, y down,
``(0, 0)`` the top-left corner of the top-left pixel, so pixel ``(row r, col c)`` has its
centre at ``(c + 0.5, r + 0.5)``):

* ``brush``: a polyline of ``points`` with a round brush ``width`` pixels wide. A pixel
  becomes a hole when its centre lies within ``width / 2`` of the line, or when a point
  of the line falls inside it (so a 1 px brush always leaves a mark);
* ``eraser``: the same shape, turned back into known pixels;
* ``rect``: the pixels between two corner points, both corner pixels included.

:func:`paint` replays operations onto a starting mask; :class:`MaskPainter` keeps the
starting mask (empty, or a random LaMa / box mask) and the operations drawn since.
Masks follow the course convention: ``uint8 (H, W)`` with ``1 = hole``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..arguments import check_whole
from ..masks import LAMA_MASK_PRESETS, MaskSampler, coverage

#: The drawing tools the front end offers.
TOOLS = ("brush", "eraser", "rect")
#: Random masks a student can start from: LaMa's presets and the first paper's boxes.
RANDOM_MASKS = tuple(LAMA_MASK_PRESETS) + ("box8", "box12")


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


def stroke_pixels(points: Sequence[tuple[float, float]], width: float, size: int) -> np.ndarray:
    """Pixels covered by a round brush of ``width`` along the polyline ``points``:
    ``(size, size)`` bool. Points outside the image are allowed; only the part of the
    stroke inside it is returned."""
    check_whole("mask size", size, 1)
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
        t = np.zeros_like(xs) if length2 == 0 else np.clip(((xs - a[0]) * ab[0]
                                                            + (ys - a[1]) * ab[1]) / length2, 0, 1)
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
    check_whole("mask size", size, 1)
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
    check_whole("mask size", size, 1)
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
        check_whole("mask size", size, 1)
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
    return {"pixels": int(rows.size), "coverage": float(coverage(mask[None])[0]),
            "rows": (int(rows.min()), int(rows.max())), "cols": (int(cols.min()), int(cols.max()))}
