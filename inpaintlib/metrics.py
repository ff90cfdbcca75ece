"""Image-quality metrics, one value per image.

* :func:`dice`: the second paper's Dice coefficient on intensities,
  ``2 * sum(y * y_hat) / sum(y + y_hat)`` over all pixels (or over the hole only).
  torchmetrics' ``DiceScore`` is for discrete labels (segmentation), not for intensities,
  so this one formula is written here.

Dice was made for binary masks. On intensities in [0, 1] it is *not* 1 for a perfect
prediction (``y_hat = y`` scores ``sum(y**2) / sum(y)``), and it does not peak at the
truth: raising ``y_hat`` at any pixel whose ``y`` exceeds ``Dice / 2`` raises the score,
so on low-contrast images white holes beat a perfect inpainting. Report it to compare
with the second paper; compare models with errors in the holes.
"""

from __future__ import annotations

import torch
from torch import Tensor


def dice(pred: Tensor, target: Tensor, mask: Tensor | None = None, eps: float = 1e-8) -> Tensor:
    """Dice coefficient per image: (N,) from ``pred``, ``target`` (N, C, H, W) in [0, 1].

    ``mask`` (N, 1, H, W), 1 = hole: count only hole pixels (an image without holes gets
    NaN). Without it, all pixels count, as in the paper.
    """
    if pred.shape != target.shape or pred.ndim != 4:
        raise ValueError(f"pred and target must have the same shape (N, C, H, W), got "
                         f"{tuple(pred.shape)} and {tuple(target.shape)}")
    pred, target = pred.float(), target.float()
    if mask is None:
        inter = (pred * target).flatten(1).sum(1)
        total = (pred + target).flatten(1).sum(1)
        return 2 * inter / total.clamp_min(eps)
    weight = mask.float().expand_as(pred)
    inter = (pred * target * weight).flatten(1).sum(1)
    total = ((pred + target) * weight).flatten(1).sum(1)
    has_hole = weight.flatten(1).sum(1) > 0
    return torch.where(has_hole, 2 * inter / total.clamp_min(eps), torch.nan)
