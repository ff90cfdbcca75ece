"""The ablation grid runner: rows as presets, the same data for every row, a cache."""

from __future__ import annotations

import pytest

from inpaintlib import ablation, paper
from inpaintlib.models import PRESETS

pytestmark = pytest.mark.usefixtures("committed_masks")

TINY = dict(train_images=16, val_images=8, epochs=1, sgd_epochs=0, batch=8, device="cpu", amp="off")


def test_row_config_follows_the_table():
    cfg = ablation.row_config("table3", "t3-6", "quick")
    assert (cfg.masks, cfg.val_masks, cfg.preset, cfg.size) == ("box6", "box6", "t3-6", 48)
    # the paper's recipe in every profile: zero-filled holes, no augmentation
    assert cfg.model_cfg == {"dim": PRESETS["wavemix"]["t3-6"]["dim"] // 4, "dropout": 0.0, "fill": "zeros"}
    assert cfg.augment == "none"
    assert cfg.out.endswith("ablations/quick/table3/t3-6")
    assert ablation.row_config("table3", "t3-6", "quick", seed=1,
                               device="cpu").out.endswith("table3/t3-6-seed=1")
    full = ablation.row_config("table2", "t2-1", "paper")
    assert (full.masks, full.model_cfg, full.dataset, full.size) == ("box8", {"fill": "zeros"}, "stl10", 96)
    with pytest.raises(ValueError, match="rows"):
        ablation.row_config("table2", "t3-1", "quick")
    with pytest.raises(ValueError, match="unknown table"):
        ablation.run_grid("table4", "quick")
    with pytest.raises(ValueError, match="unknown profile"):
        ablation.row_config("table3", "t3-1", "huge")


def test_paper_tables_cover_every_row():
    assert set(paper.TABLE2) == set(ablation.TABLES["table2"][1])
    assert set(paper.TABLE3) == set(ablation.TABLES["table3"][1])
    assert paper.TABLE3["t3-4"] == {"l1": 0.344, "l2": 15.551, "psnr": 38.967, "ssim": 0.989}


def test_grid_trains_evaluates_and_reuses_finished_rows(monkeypatch):
    rows = ablation.run_grid("table2", "quick", n_test=8, progress=False, **TINY)
    assert [r["row"] for r in rows] == ["t2-1", "t2-2"]
    assert [r["blocks"] for r in rows] == [3, 7] and all(r["dim"] == 24 for r in rows)
    assert rows[0]["params"] < rows[1]["params"]
    for r in rows:
        assert 0 < r["ssim"] <= 1 and r["l1"] > 0 and r["l2"] > 0 and r["psnr"] > 0
        assert r["paper_ssim"] == paper.TABLE2[r["row"]]["ssim"]

    def no_training(*args, **kwargs):
        raise AssertionError("a cached row was trained again")
    monkeypatch.setattr(ablation, "Trainer", no_training)
    again = ablation.run_grid("table2", "quick", n_test=8, progress=False, **TINY)
    assert again == rows
    with pytest.raises(AssertionError, match="trained again"):       # a changed setting is a new run
        ablation.run_grid("table2", "quick", rows=["t2-1"], n_test=8, progress=False, **{**TINY, "lr": 2e-3})


def grid(ssim: dict[str, float]) -> list[dict]:
    return [{"row": row, "ssim": value,
             "paper_ssim": paper.TABLE3.get(row, paper.TABLE2.get(row, {})).get("ssim")}
            for row, value in ssim.items()]


def test_claims_are_judged_against_the_run_to_run_noise():
    base = {row: 0.90 for row in ["t2-1", "t2-2", *ablation.TABLES["table3"][1]]}
    seed0 = grid({**base, "t2-2": 0.95, "t3-2": 0.92, "t3-3": 0.905})
    seed1 = grid({**base, "t2-2": 0.96, "t3-2": 0.93, "t3-3": 0.895, "t3-9": 0.91})   # t3-9 moved by 0.01
    assert ablation.seed_noise([seed0, seed1]) == pytest.approx(0.01)
    verdicts = {v["rows"]: v for v in ablation.judge_claims([seed0, seed1])}
    assert verdicts["t2-2 vs t2-1"]["verdict"] == "reproduced"        # +0.05 and +0.06, noise 0.01
    assert verdicts["t3-1 vs t3-2"]["verdict"] == "reversed"          # -0.02 and -0.03
    assert verdicts["t3-3 vs t3-1"]["verdict"] == "within noise"      # +0.005 and -0.005
    assert verdicts["t2-2 vs t2-1"]["difference per seed"] == "+0.0500 / +0.0600"
    with pytest.raises(ValueError, match="at least two seeds"):
        ablation.judge_claims([seed0])
    with pytest.raises(ValueError, match="higher is better"):
        ablation.judge_claims([seed0, seed1], metric="l1")
