"""Models for the studio: what can fill a hole, and running them on one image.

:func:`model_choices` lists what can fill a hole: the reference checkpoints
(:mod:`inpaintlib.pretrained`), every trained run under ``runs/checkpoints/``, and OpenCV's
Telea and Navier-Stokes and the push-pull fill. :func:`inpaint` runs the chosen models on
one image and returns each result with its hole PSNR and SSIM and its time per image.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from ..paths import BEST_CHECKPOINT, display_path, trained_runs
from .drawing import describe_mask


@dataclass(frozen=True)
class Choice:
    """Something that can fill a hole: ``kind`` "reference", "run" or "classical"."""

    label: str
    kind: str
    source: str   # reference name, checkpoint path, or classical model name

    def load(self, device: str | torch.device = "cpu") -> nn.Module:
        """The model in eval mode on ``device`` (``"auto"``: CUDA, then MPS, then the CPU)."""
        from .. import models, pretrained
        from ..runtime import choose_device
        from ..train import load_checkpoint
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
    from .. import pretrained
    found = [Choice(f"{name} (reference)", "reference", name) for name in pretrained.available()]
    for run in trained_runs(runs):
        label = f"{run.parent.name}/{run.name} (run)"
        found.append(Choice(label, "run", display_path(run / BEST_CHECKPOINT)))
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
    from ..metrics import image_metrics
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

    from ..viz import to_numpy_image
    hole = torch.as_tensor(np.asarray(mask), dtype=torch.float32)
    panels = [("original", image), (f"input: {describe_mask(mask)['coverage']:.1%} hole", image * (1 - hole))]
    for r in results:
        timing = f" · {r.ms:.0f} ms" if times else ""
        panels.append((f"{r.label}\n{r.psnr_hole:.1f} dB · SSIM {r.ssim_hole:.2f}{timing}", r.image))
    fig, axes = plt.subplots(1, len(panels), figsize=(cell_inches * len(panels), cell_inches + 0.5),
                             squeeze=False)
    for ax, (title, img) in zip(axes[0], panels):
        ax.imshow(to_numpy_image(img), interpolation="nearest")
        ax.set_title(title, fontsize=7)
        ax.axis("off")
    fig.tight_layout()
    return fig


def results_table(results: Sequence[Result]) -> str:
    """The results as a text table: model, hole PSNR, hole SSIM, ms per image."""
    from ..tables import format_table
    return format_table([{"model": r.label, "hole PSNR (dB)": f"{r.psnr_hole:.2f}",
                          "hole SSIM": f"{r.ssim_hole:.3f}", "ms / image": f"{r.ms:.1f}"} for r in results])
