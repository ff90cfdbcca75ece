"""Structure measurements (shape traces, parameter tables), text tables and the overfit probe."""

from __future__ import annotations

import torch
from torch import nn

from inpaintlib import analysis, overfit, tables
from inpaintlib.models import build


def test_shape_trace_lists_layers_in_call_order_and_expands_containers():
    model = build("cnn", preset="tiny")
    masked, mask = torch.rand(1, 3, 64, 64), torch.zeros(1, 1, 64, 64)
    rows = analysis.shape_trace(model, masked, mask, depth=1)
    assert [r["module"] for r in rows] == [f"down.{i}" for i in range(5)] + [f"up.{i}" for i in range(5)]
    assert rows[4]["output"] == "(1, 32, 2, 2)" and rows[-1]["output"] == "(1, 3, 64, 64)"
    assert sum(r["params"] for r in rows) == analysis.count_parameters(model)


def test_shape_trace_describes_local_global_pairs():
    model = build("lama", preset="tiny")
    rows = analysis.shape_trace(model, torch.rand(1, 3, 32, 32), torch.zeros(1, 1, 32, 32),
                                names=["down.2"])
    assert rows == [{"module": "down.2", "type": "FFC", "output": "(1, 16, 4, 4) + (1, 48, 4, 4)",
                     "params": analysis.count_parameters(model.down[2])}]


def test_parameter_table_adds_up():
    model = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 2))
    rows = analysis.parameter_table(model)
    assert [(r["component"], r["params"]) for r in rows] == [("0", 16), ("1", 10), ("total", 26)]
    text = tables.format_table(rows)
    assert "61.5%" in text and "100.0%" in text


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
