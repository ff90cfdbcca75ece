"""The measured training-recipe additions (inpaintlib.recipe) and their committed result."""

from __future__ import annotations

import json

import pytest

from inpaintlib import recipe
from inpaintlib.__main__ import main


def test_probe_configs_differ_only_in_the_recipe():
    configs = [recipe.probe_config(v, crops=64) for v in recipe.VARIANTS]
    assert [(c.model_cfg["fill"], c.augment) for c in configs] == list(recipe.VARIANTS.values())
    same = [{k: v for k, v in c.to_dict().items() if k not in ("model_cfg", "augment", "out")}
            for c in configs]
    assert same[0] == same[1] == same[2]
    assert len({c.out for c in configs}) == 3
    with pytest.raises(ValueError, match="unknown variant"):
        recipe.probe_config("more data")
    with pytest.raises(ValueError, match="crops must be a whole number >= 16"):
        recipe.probe_config("+ push-pull fill", crops=8)


def test_tiny_probe_runs_and_round_trips(tmp_path):
    result = recipe.run_probe(crops=16, val_crops=8, progress=False)
    names = [r["name"] for r in result["rows"]]
    assert names == [*recipe.BASELINES, *recipe.VARIANTS]
    for row in result["rows"]:
        assert set(row["per_photo"]) <= {"rocket", "camera", "apple", "ela_original"}
        assert row["psnr_hole"] > 5
    assert all(r["train_seconds"] > 0 for r in result["rows"][len(recipe.BASELINES):])
    path = recipe.save_probe(result, tmp_path / "probe.json")
    assert recipe.load_probe(path) == json.loads(json.dumps(result))


def test_committed_probe_is_complete_and_damage_names_the_fix(tmp_path):
    result = recipe.load_probe()
    assert [r["name"] for r in result["rows"]] == [*recipe.BASELINES, *recipe.VARIANTS]
    assert result["val_crops"] == 400 and result["masks"] == "thick"
    with pytest.raises(FileNotFoundError, match="python -m inpaintlib recipe-probe"):
        recipe.load_probe(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ValueError, match="recipe-probe"):
        recipe.load_probe(tmp_path / "bad.json")


def test_cli_rejects_a_bad_crop_count(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["recipe-probe", "--crops", "3"])
    assert exit_.value.code == 2
