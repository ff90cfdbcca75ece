"""Where things live (inpaintlib.paths): the data root, figures, runs and run folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from inpaintlib import paths


def test_environment_variables_move_every_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("INPAINT_DATA", str(tmp_path / "d"))
    monkeypatch.setenv("INPAINT_RUNS", str(tmp_path / "r"))
    monkeypatch.setenv("INPAINT_FIGURES", str(tmp_path / "f"))
    assert paths.data_root() == tmp_path / "d" and paths.data_root(tmp_path / "x") == tmp_path / "x"
    assert paths.runs_dir() == tmp_path / "r" and paths.figures_dir() == tmp_path / "f"


def test_run_folders_have_one_layout(tmp_path, monkeypatch):
    monkeypatch.setenv("INPAINT_RUNS", str(tmp_path))
    assert paths.run_dir("checkpoints", "course",
                         "wavemix") == tmp_path / "checkpoints" / "course" / "wavemix"
    for kind, names, message in [("logs", ("a",), "unknown kind of run 'logs'"),
                                 ("checkpoints", ("../etc",), "one non-empty path component"),
                                 ("checkpoints", ("",), "one non-empty path component"),
                                 ("checkpoints", ("..",), "one non-empty path component")]:
        with pytest.raises(ValueError, match=message):
            paths.run_dir(kind, *names)
    for group, name in [("quick", "cnn"), ("course", "wavemix-seed=1")]:
        folder = paths.run_dir("checkpoints", group, name)
        folder.mkdir(parents=True)
        (folder / "best.pt").write_bytes(b"")
    paths.run_dir("checkpoints", "quick", "unfinished").mkdir(parents=True)      # no best.pt: not listed
    assert paths.trained_runs() == [tmp_path / "checkpoints" / "course" / "wavemix-seed=1",
                                    tmp_path / "checkpoints" / "quick" / "cnn"]


def test_display_path_hides_the_checkout_location():
    inside = paths.REPO_ROOT / "runs" / "x.pt"
    assert paths.display_path(inside) == str(Path("runs") / "x.pt")
    assert paths.display_path("/elsewhere/x.pt") == "/elsewhere/x.pt"
