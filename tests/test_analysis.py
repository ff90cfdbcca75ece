"""Structure measurements (shape traces, parameter tables), text tables and the overfit probe."""

from __future__ import annotations

import torch
from torch import nn

from inpaintlib import analysis, tables
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


