"""The benchmark commands run and report what they promise (no timing assertions: speed is
measured by `python -m inpaintlib bench`, not by tests)."""

from __future__ import annotations

import pytest

from inpaintlib.__main__ import main
from inpaintlib.analysis import count_parameters
from inpaintlib.benchmarks import bench_models
from inpaintlib.models import build


def test_bench_models_rows():
    rows = bench_models(["cnn", "unet", "telea"], preset="tiny", batch=2, repeats=1, progress=False)
    assert [r["model"] for r in rows] == ["cnn", "unet", "telea"]
    assert [r["size"] for r in rows] == [96, 32, 96]            # paper 2's models at CIFAR size
    assert rows[0]["preset"] == "tiny" and rows[1]["preset"] == "paper"   # unet has no "tiny"
    assert rows[0]["params"] == count_parameters(build("cnn", "tiny"))
    assert rows[0]["gflops"] > 0 and rows[2]["gflops"] == 0
    assert all(r["infer_img_s"] > 0 for r in rows)
    assert rows[0]["train_img_s"] > 0 and rows[0]["epoch_s"] == pytest.approx(80_000 / rows[0]["train_img_s"])
    assert rows[2]["train_img_s"] is None and rows[2]["epoch_s"] is None     # nothing to train


def test_bench_models_can_skip_training():
    rows = bench_models(["cnn"], preset="tiny", batch=2, repeats=1, train=False, progress=False)
    assert rows[0]["train_img_s"] is None and rows[0]["infer_img_s"] > 0


def test_bench_models_command(capsys):
    assert main(["bench", "models", "--models", "wavemix", "--preset", "tiny", "--batch", "2",
                 "--repeats", "1", "--size", "32"]) == 0
    out = capsys.readouterr().out
    assert "Batch 2, cpu" in out and "train_img_s" in out and "epoch_s" in out
    assert f"{count_parameters(build('wavemix', 'tiny')):,}" in out


def test_bench_models_names_unknown_models():
    with pytest.raises(ValueError, match="unknown models"):
        bench_models(["transformer"], progress=False)




def test_estimate_training_multiplies_a_measured_step_by_the_runs_steps():
    from inpaintlib.benchmarks import estimate_training
    from inpaintlib.train import profile_config
    cfg = profile_config("cnn", "paper-smoke")                      # tiny preset, batch 8, 2 epochs
    plan = estimate_training(cfg, train_images=100, repeats=1)
    assert (plan["model"], plan["preset"], plan["batch"], plan["steps"]) == ("cnn", "tiny", 8, 2 * (100 // 8))
    assert plan["step_s"] > 0 and plan["val_s"] > 0
    assert plan["hours"] == pytest.approx((plan["steps"] * plan["step_s"] + 2 * plan["val_s"]) / 3600)
