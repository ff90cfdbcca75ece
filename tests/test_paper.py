"""The papers' reported numbers (inpaintlib.paper): facts typed in, so check them against
the papers' own statements."""

from __future__ import annotations

import pytest

from inpaintlib import paper
from inpaintlib.models import PRESETS


def test_speed_ratios_by_hand():
    rows = {"wavemix": {"infer_img_s": 100, "epoch_s": 50},
            "lama": {"infer_img_s": 50, "epoch_s": 200}, "cnn": {"infer_img_s": 200, "epoch_s": 25}}
    assert paper.speed_ratios(rows) == {"inference wavemix/lama": 2.0, "training wavemix/lama": 4.0,
                                        "inference wavemix/cnn": 0.5, "training wavemix/cnn": 0.5}


def test_table1_matches_the_papers_claims():
    ratios = paper.speed_ratios(paper.TABLE1)
    # the paper: WaveMix beats LaMa on FID and SSIM, trains ~3.5x faster than LaMa
    assert paper.TABLE1["wavemix"]["fid"] < paper.TABLE1["lama"]["fid"] < paper.TABLE1["cnn"]["fid"]
    assert ratios["training wavemix/lama"] == pytest.approx(3.5, abs=0.05)


def test_ablation_rows_are_keyed_like_the_wavemix_presets():
    assert set(paper.TABLE2) | set(paper.TABLE3) <= set(PRESETS["wavemix"])
    assert len(paper.TABLE2) == 2 and len(paper.TABLE3) == 9
    assert all(0 < row["ssim"] <= 1 and row["psnr"] > 0 for row in {**paper.TABLE2, **paper.TABLE3}.values())
