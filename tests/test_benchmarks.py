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


def test_gpu_check_ratios_put_ours_beside_the_papers():
    from inpaintlib import paper
    from inpaintlib.gpu_check import ratio_table
    # benchmark rows built from Table 1 itself: every ratio must equal the paper's
    rows = [{"model": m, **paper.TABLE1[m]} for m in ("wavemix", "cnn", "lama")]
    table = ratio_table(rows)
    assert {r["ratio"] for r in table} == {"inference wavemix/lama", "training wavemix/lama",
                                           "inference wavemix/cnn", "training wavemix/cnn"}
    assert all(r["ours"] == r["paper"] for r in table)
    by = {r["ratio"]: r["paper"] for r in table}
    assert (by["inference wavemix/lama"], by["training wavemix/lama"]) == (1.22, 3.5)
    assert (by["inference wavemix/cnn"], by["training wavemix/cnn"]) == (0.71, 0.48)
    rows[0] = {**rows[0], "infer_img_s": 2 * paper.TABLE1["wavemix"]["infer_img_s"]}  # twice as fast
    assert ratio_table(rows)[0]["ours"] == pytest.approx(2 * by["inference wavemix/lama"], abs=0.02)


def test_gpu_check_without_a_gpu_says_so(capsys):
    import torch
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    from inpaintlib.gpu_check import main
    assert main() == 1 and "needs a CUDA GPU" in capsys.readouterr().err
