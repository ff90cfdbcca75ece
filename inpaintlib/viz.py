"""Figure helpers: image grids and saving figures to ``figures/``.

Images follow the course convention: float tensors ``(N, 3, H, W)`` (or one
``(3, H, W)``) in ``[0, 1]``, or uint8 arrays ``(N, H, W, 3)``; masks ``(N, 1, H, W)``
or ``(N, H, W)`` with 1 = hole.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from .files.atomic import atomic_write
from .paths import figures_dir


def to_numpy_image(img: torch.Tensor | np.ndarray) -> np.ndarray:
    """One image as an ``(H, W, 3)`` float array in [0, 1] (or ``(H, W)`` for 1 channel).

    Tensors are taken as floats in [0, 1]. A uint8 array is a 0-255 image, except one
    whose values are all 0 or 1: that is a mask (1 = hole, drawn white), not a black image.
    """
    if isinstance(img, torch.Tensor):
        img = img.detach().float().cpu()
        if img.ndim == 3:
            img = img.permute(1, 2, 0)
        arr = img.numpy()
    else:
        arr = np.asarray(img)
        if arr.dtype == np.uint8:
            arr = arr.astype(np.float32) / (1.0 if arr.max(initial=0) <= 1 else 255.0)
        else:
            arr = arr.astype(np.float32)
    if arr.ndim == 3 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    return np.clip(arr, 0.0, 1.0)


def image_grid(images: Sequence | torch.Tensor | np.ndarray, ncols: int = 8,
               titles: Sequence[str] | None = None, cell_inches: float = 1.3,
               suptitle: str | None = None) -> plt.Figure:
    """A figure showing ``images`` in a grid of ``ncols`` columns, axes hidden."""
    n = len(images)
    if n == 0:
        raise ValueError("image_grid needs at least one image")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * cell_inches, nrows * cell_inches),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < n:
            arr = to_numpy_image(images[i])
            ax.imshow(arr, cmap="gray" if arr.ndim == 2 else None, vmin=0, vmax=1,
                      interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[i], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def show_rows(rows: dict[str, torch.Tensor | np.ndarray], cell_inches: float = 1.3,
              suptitle: str | None = None, col_titles: Sequence[str] | None = None,
              captions: dict[str, Sequence[str]] | None = None) -> plt.Figure:
    """Named rows of images side by side, e.g. ``{"masked": ..., "pred": ..., "target": ...}``.

    Every value holds the same number of images; the names label the rows. ``col_titles``
    head the columns (e.g. the source photo); ``captions[row]`` writes one short text under
    each image of that row (e.g. its score).
    """
    names = list(rows)
    ncols = len(rows[names[0]])
    fig, axes = plt.subplots(len(names), ncols, squeeze=False,
                             figsize=(ncols * cell_inches, len(names) * cell_inches))
    for r, name in enumerate(names):
        if len(rows[name]) != ncols:
            raise ValueError(f"row {name!r} has {len(rows[name])} images, expected {ncols}")
        for c in range(ncols):
            ax = axes[r, c]
            arr = to_numpy_image(rows[name][c])
            ax.imshow(arr, cmap="gray" if arr.ndim == 2 else None, vmin=0, vmax=1,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if captions and name in captions:
                ax.set_xlabel(captions[name][c], fontsize=7, labelpad=1)
            if r == 0 and col_titles is not None:
                ax.set_title(col_titles[c], fontsize=8)
        axes[r, 0].set_ylabel(name, fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def save_figure(fig: plt.Figure, name: str, dpi: int = 110) -> Path:
    """Save ``fig`` as ``figures/<name>.png`` and return the path.

    The PNG carries no timestamp or software metadata and is written atomically, so a
    re-run that draws the same figure leaves the file byte-identical (no git noise)
    and an interrupted save never leaves a half-written PNG.
    """
    if not name or "/" in name or "\\" in name or name.endswith(".png"):
        raise ValueError(f"figure name must be a bare name like '00_samples', got {name!r}")
    out_dir = figures_dir()
    out_dir.mkdir(parents=True, exist_ok=True)
    return atomic_write(out_dir / f"{name}.png",
                        lambda fh: fig.savefig(fh, format="png", dpi=dpi, bbox_inches="tight",
                                               metadata={"Software": None}))


#: Offsets (points) tried in turn for a point's label, nearest first.
LABEL_OFFSETS = [(3, 3), (3, -9), (-3, 3), (-3, -9), (3, 11), (-3, 11), (3, -17), (-3, -17), (10, -4),
                 (-10, -4)]


def label_points(ax: plt.Axes, xs: Sequence[float], ys: Sequence[float], labels: Sequence[str],
                 fontsize: float = 7) -> list[tuple[int, int]]:
    """Write ``labels[i]`` next to the point ``(xs[i], ys[i])`` of ``ax`` without two labels
    overlapping where it can: each label takes the first offset of :data:`LABEL_OFFSETS`
    whose box (estimated from the text length) is clear of the labels already placed; a
    label with no clear offset takes the first. Returns the offsets (points) chosen."""
    ax.figure.canvas.draw()                      # settles the axes limits the data transform uses
    to_points = 72 / ax.figure.dpi
    width_per_char, height = 0.6 * fontsize, fontsize
    placed, chosen = [], []
    for x, y, text in zip(xs, ys, labels):
        px, py = (v * to_points for v in ax.transData.transform((x, y)))
        w = width_per_char * len(text)
        for dx, dy in LABEL_OFFSETS:
            left = px + dx if dx >= 0 else px + dx - w
            box = (left, py + dy, left + w, py + dy + height)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
                break
        else:
            dx, dy = LABEL_OFFSETS[0]
            left = px + dx
            box = (left, py + dy, left + w, py + dy + height)
        placed.append(box)
        chosen.append((dx, dy))
        ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", fontsize=fontsize,
                    ha="left" if dx >= 0 else "right")
    return chosen
