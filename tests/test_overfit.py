"""The overfit-one-batch probe (inpaintlib.overfit)."""

from __future__ import annotations

import torch

from inpaintlib import overfit
from inpaintlib.models import build


def test_overfit_batch_learns_and_beats_the_mean_fill():
    torch.manual_seed(0)
    target = torch.rand(2, 3, 32, 32)
    mask = torch.zeros(2, 1, 32, 32)
    mask[..., 8:16, 8:16] = 1
    model = build("cnn", preset="tiny")
    losses = overfit.overfit_batch(model, target * (1 - mask), mask, target, steps=150, lr=3e-3)
    assert len(losses) == 150 and losses[-1] < 0.5 * overfit.mean_fill_l1(mask, target)


def test_overfit_batch_leaves_the_global_random_state_alone():
    model = build("unet", width=8)                    # has dropout: uses the random generator
    target, mask = torch.rand(1, 3, 32, 32), torch.ones(1, 1, 32, 32)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    overfit.overfit_batch(model, target * 0, mask, target, steps=2)
    torch.testing.assert_close(torch.rand(3), expected)


def test_mean_fill_l1_by_hand():
    target = torch.zeros(1, 3, 2, 2)
    target[0, :, 0, 0], target[0, :, 0, 1] = 1.0, 0.0
    mask = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])
    assert overfit.mean_fill_l1(mask, target) == 0.5   # mean 0.5, each hole pixel off by 0.5
