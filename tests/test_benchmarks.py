"""The benchmark commands run and report what they promise (no timing assertions: speed is
measured by `python -m inpaintlib bench`, not by tests)."""

from __future__ import annotations

import statistics

import pytest

from inpaintlib.__main__ import main
from inpaintlib.analysis import count_parameters
from inpaintlib.benchmarks import bench_models, time_rounds
from inpaintlib.models import build


def test_time_rounds_interleaves_and_rotates_the_order():
    calls = []
    fns = [lambda name=name: calls.append(name) for name in "abc"]
    times = time_rounds(fns, rounds=3, warmup=1)
    assert "".join(calls) == "abc" + "abc" + "bca" + "cab"     # warm-up, then round r starts at fns[r]
    assert len(times) == 3 and all(len(t) == 3 and min(t) >= 0 for t in times)


def test_bench_models_rows():
    rows = bench_models(["cnn", "unet", "telea"], preset="tiny", batch=2, repeats=2, progress=False)
    assert [r["model"] for r in rows] == ["cnn", "unet", "telea"]
    assert [r["size"] for r in rows] == [96, 32, 96]            # paper 2's models at CIFAR size
    assert rows[0]["preset"] == "tiny" and rows[1]["preset"] == "paper"   # unet has no "tiny"
    assert rows[0]["params"] == count_parameters(build("cnn", "tiny"))
    assert rows[0]["gflops"] > 0 and rows[2]["gflops"] == 0
    assert all(r["infer_img_s"] > 0 for r in rows)
    assert rows[0]["train_img_s"] > 0 and rows[0]["epoch_s"] == pytest.approx(80_000 / rows[0]["train_img_s"])
    assert rows[2]["train_img_s"] is None and rows[2]["epoch_s"] is None     # nothing to train
    # interleaved rounds: one time per round and model, the img/s from their median
    assert all(len(r["infer_ms_rounds"]) == 2 for r in rows)
    assert [len(r["train_ms_rounds"] or []) for r in rows] == [2, 2, 0]
    assert rows[2]["train_ms_rounds"] is None
    for r in rows[:2]:
        assert r["infer_img_s"] == pytest.approx(2 / (statistics.median(r["infer_ms_rounds"]) / 1e3))
        assert r["train_img_s"] == pytest.approx(2 / (statistics.median(r["train_ms_rounds"]) / 1e3))


def test_bench_models_can_skip_training():
    rows = bench_models(["cnn"], preset="tiny", batch=2, repeats=1, train=False, progress=False)
    assert rows[0]["train_img_s"] is None and rows[0]["infer_img_s"] > 0


def test_bench_models_command(capsys):
    assert main(["bench", "models", "--models", "wavemix", "cnn", "--preset", "tiny", "--batch", "2",
                 "--repeats", "2", "--size", "32"]) == 0
    out = capsys.readouterr().out
    assert "Batch 2, cpu" in out and "train_img_s" in out and "epoch_s" in out
    assert "median of 2 interleaved round(s)" in out and "_ms_rounds" not in out   # scalar columns only
    assert f"{count_parameters(build('wavemix', 'tiny')):,}" in out
    # WaveMix and the CNN: the paper's ratios, per-round median and spread (no LaMa: no wavemix/lama)
    assert "here: median of 2 rounds" in out and "spread (min-max)" in out
    assert "inference wavemix/cnn" in out and "training wavemix/cnn" in out and "wavemix/lama" not in out


def test_bench_models_command_without_wavemix_prints_no_ratios(capsys):
    assert main(["bench", "models", "--models", "cnn", "--preset", "tiny", "--batch", "2", "--repeats", "1",
                 "--size", "32", "--no-train"]) == 0
    assert "times faster" not in capsys.readouterr().out


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
