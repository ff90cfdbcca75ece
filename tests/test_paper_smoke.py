"""The paper's path end to end (issue 22): `make run PROFILE=paper-smoke` runs notebooks 07 ->
08 -> 10 on an STL-10-format stand-in with the tiny presets, and 08 and 10 evaluate the models
that this run trained, not the course's references."""

from __future__ import annotations

import json

import pytest

from inpaintlib import train
from inpaintlib.paths import REPO_ROOT
from inpaintlib.tools import notebook_runner as nbr


def _outputs(notebook) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return "\n".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                     for c in cells if c["cell_type"] == "code" for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory):
    runs = tmp_path_factory.mktemp("runs")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INPAINT_RUNS", str(runs))
        figures_before = {p.name: p.stat().st_mtime_ns for p in (REPO_ROOT / "figures").glob("*.png")}
        results = nbr.run_notebooks("paper-smoke", progress=False)
    return runs, results, figures_before


def test_paper_smoke_runs_07_08_10_on_the_standin(smoke_run):
    runs, results, _ = smoke_run
    assert [r.name[:2] for r in results] == ["07", "08", "10"]       # the profile's `only`
    assert (runs / "paper-smoke" / "stl10" / "stl10_binary" / "STANDIN.json").exists()
    for model in ("wavemix", "cnn", "lama"):                         # 07 trained the paper path's trio
        cfg = train.profile_config(model, "paper-smoke")
        assert (cfg.dataset, cfg.preset, cfg.model_cfg, cfg.augment) == ("stl10", "tiny", {}, "none")
        assert (runs / "checkpoints" / "paper-smoke" / model / "best.pt").exists()
    assert "expected for the 3 runs" in _outputs(runs / "paper-smoke" / "07_training.ipynb")


def test_paper_smoke_08_evaluates_the_runs_of_07(smoke_run):
    runs, _, _ = smoke_run
    out = _outputs(runs / "paper-smoke" / "08_evaluation.ipynb")
    for model in ("wavemix", "cnn", "lama"):
        assert f"{model} (paper-smoke run): " in out and f"checkpoints/paper-smoke/{model}/last.pt" in out
        assert f"{model} (CPU reference)" in out                      # the references: extra rows only
    assert "models under test: the runs of notebook 07" in out
    assert "FID: " in out                                             # computed, or a one-line reason


def test_paper_smoke_10_trains_and_compares_its_own_pair(smoke_run):
    runs, _, figures_before = smoke_run
    out = _outputs(runs / "paper-smoke" / "10_sensitivity_analysis.ipynb")
    assert "'masks': ('box12', 'train')" in out and "epochs trained" in out
    assert (runs / "checkpoints" / "paper-smoke" / "wavemix-masks=box12-val_masks=box12" / "best.pt").exists()
    assert (runs / "paper-smoke" / "figures" / "10_metrics_vs_mask_side.png").exists()
    after = {p.name: p.stat().st_mtime_ns for p in (REPO_ROOT / "figures").glob("*.png")}
    assert after == figures_before                                    # the committed figures untouched
