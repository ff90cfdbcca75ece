"""Seeding, device choice, environment report and figure saving."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
import torch

from inpaintlib import runtime, viz


def test_seed_everything_repeats_random_streams():
    runtime.seed_everything(5)
    a = torch.rand(3)
    gen = runtime.seed_everything(5)
    torch.testing.assert_close(torch.rand(3), a)
    assert torch.equal(torch.rand(2, generator=gen),
                       torch.rand(2, generator=torch.Generator().manual_seed(5)))


def test_choose_device():
    assert runtime.choose_device("cpu") == torch.device("cpu")
    auto = runtime.choose_device("auto")
    assert auto.type == ("cuda" if torch.cuda.is_available() else auto.type)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            runtime.choose_device("cuda")


def test_environment_report_lists_versions():
    report = runtime.environment_report(torch.device("cpu"))
    assert report["torch"] == torch.__version__
    assert report["device"] == "cpu"
    assert report["bf16 autocast native"] in ("yes", "no (emulated: slower)")


def test_save_figure_is_atomic_and_reproducible(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = viz.save_figure(fig, "line")
    assert path == tmp_path / "figures" / "line.png"  # INPAINT_FIGURES set by conftest
    first = path.read_bytes()
    viz.save_figure(fig, "line")
    assert path.read_bytes() == first  # no timestamps: same figure, same bytes
    assert [p.name for p in path.parent.iterdir()] == ["line.png"]
    with pytest.raises(ValueError, match="bare name"):
        viz.save_figure(fig, "sub/line.png")
    plt.close(fig)


def test_image_grid_accepts_tensors_and_arrays():
    fig = viz.image_grid(torch.rand(5, 3, 8, 8), ncols=3, titles=list("abcde"))
    assert len(fig.axes) == 6
    plt.close(fig)
    fig = viz.show_rows({"a": torch.rand(2, 3, 8, 8), "b": torch.rand(2, 1, 8, 8)})
    assert len(fig.axes) == 4
    plt.close(fig)


def test_environ_sets_then_restores_or_removes(monkeypatch):
    from inpaintlib.runtime import environ
    monkeypatch.setenv("INPAINT_TEST_OLD", "before")
    monkeypatch.delenv("INPAINT_TEST_NEW", raising=False)
    with pytest.raises(KeyError):
        with environ({"INPAINT_TEST_OLD": "during", "INPAINT_TEST_NEW": "1"}):
            assert os.environ["INPAINT_TEST_OLD"] == "during" and os.environ["INPAINT_TEST_NEW"] == "1"
            raise KeyError("restored even when the body fails")
    assert os.environ["INPAINT_TEST_OLD"] == "before" and "INPAINT_TEST_NEW" not in os.environ
