"""The "can it learn at all?" probe: fit one fixed batch and watch the loss fall.

Notebooks 03, 04 and 06 run it on every new architecture before any real training: a
healthy network drives the hole error of one batch far below :func:`mean_fill_l1` (the
error of filling every hole with one colour) within a hundred steps; a flat curve
points to a bug (a detached output, a broken skip connection, an inverted mask).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


def overfit_batch(model: nn.Module, masked: Tensor, mask: Tensor, target: Tensor,
                  steps: int = 100, lr: float = 1e-3, seed: int = 0) -> list[float]:
    """The "can it learn at all?" check: fit one fixed batch with AdamW on the L1 error
    inside the holes and return the loss after every step.

    ``masked``, ``target``: (N, 3, H, W) in [0, 1]; ``mask``: (N, 1, H, W), 1 = hole. A
    healthy model drives the loss well below its starting value within ~100 steps; a loss
    that stays flat points to a bug (detached output, a broken skip, a wrong mask
    convention). Leaves the model in training mode with the fitted weights.
    """
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    hole = mask.expand_as(target)
    losses = []
    devices = [masked.device] if masked.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):      # seeds dropout without touching global state
        torch.manual_seed(seed)
        for _ in range(steps):
            pred = model(masked, mask)
            loss = (pred - target).abs().mul(hole).sum() / hole.sum().clamp_min(1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


def mean_fill_l1(mask: Tensor, target: Tensor) -> float:
    """L1 error in the holes of the laziest answer: every hole pixel set to the batch's mean
    colour of the hole pixels. ``mask`` (N, 1, H, W), ``target`` (N, 3, H, W). A model in
    :func:`overfit_batch` that stops near this value has learned one colour, not the images.
    """
    hole = mask.expand_as(target).float()
    mean = (target * hole).sum((0, 2, 3), keepdim=True) / hole.sum((0, 2, 3), keepdim=True).clamp_min(1)
    return float(((mean - target).abs() * hole).sum() / hole.sum().clamp_min(1))
