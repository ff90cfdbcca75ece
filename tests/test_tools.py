"""Maintainers' tools (inpaintlib.tools): the notebook runner (order, parameter injection, failures
that name notebook and cell) and the GPU check."""

from __future__ import annotations

import nbformat
import pytest

from inpaintlib.__main__ import main
from inpaintlib.tools import notebook_runner as nbr


def _notebook(path, *sources: str, params: str = "X = 1") -> None:
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell] + [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


@pytest.fixture
def course(tmp_path):
    root = tmp_path / "nbs"
    (root / "profiles").mkdir(parents=True)
    (root / "profiles" / "quick.yaml").write_text(
        "common:\n  X: 5\n  UNUSED: 1\nnotebooks:\n  '01': {X: 7}\n")
    _notebook(root / "00_first.ipynb", "assert X == 5, X", "open('ran00', 'w').close()")
    _notebook(root / "01_second.ipynb", "assert X == 7, X", "raise ValueError('boom')")
    _notebook(root / "02_third.ipynb", "open('ran02', 'w').close()")
    return root


def test_list_notebooks_filters_and_rejects_unknown(course):
    assert [p.name for p in nbr.list_notebooks(course, ["2", "00"])] == ["00_first.ipynb", "02_third.ipynb"]
    with pytest.raises(ValueError, match="no notebook numbered 07"):
        nbr.list_notebooks(course, ["07"])


def test_unknown_profile_is_clear(course):
    with pytest.raises(ValueError, match="unknown profile 'fast'.*profiles: quick"):
        nbr.load_profile("fast", course)


def test_runs_in_order_and_stops_at_first_failure(course, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(nbr.NotebookRunError) as info:
        nbr.run_notebooks("quick", notebooks_dir=course, output_dir=out, progress=False)
    message = str(info.value)
    assert "01_second.ipynb" in message and "ValueError: boom" in message
    assert "cell [4]" in message  # parameters, injected parameters, assert, raise
    assert (course / "ran00").exists() and not (course / "ran02").exists()
    assert sorted(p.name for p in out.iterdir()) == ["00_first.ipynb", "01_second.ipynb"]


def test_only_runs_the_selected_notebooks(course, tmp_path):
    results = nbr.run_notebooks("quick", only=["00", "02"], notebooks_dir=course,
                                output_dir=tmp_path / "out", progress=False)
    assert [r.name for r in results] == ["00_first.ipynb", "02_third.ipynb"]
    executed = nbformat.read(tmp_path / "out" / "00_first.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "X = 5" in injected[0].source and "UNUSED" not in injected[0].source
    assert "total" in nbr.format_times(results)


def test_figures_go_next_to_the_executed_notebooks(course, tmp_path, monkeypatch):
    """``make run`` writes no tracked file: a notebook's saved figures land in
    ``<output>/figures``, not in the repository's ``figures/`` (an explicit INPAINT_FIGURES wins)."""
    monkeypatch.delenv("INPAINT_FIGURES", raising=False)
    _notebook(course / "02_third.ipynb",
              "from inpaintlib.paths import figures_dir; figures_dir().mkdir(parents=True, exist_ok=True)",
              "open(figures_dir() / 'f.txt', 'w').close()")
    for where in (None, tmp_path / "mine"):
        if where is not None:
            where.mkdir()
            monkeypatch.setenv("INPAINT_FIGURES", str(where))
        nbr.run_notebooks("quick", only=["02"], notebooks_dir=course, output_dir=tmp_path / "out",
                          progress=False)
    assert (tmp_path / "out" / "figures" / "f.txt").exists() and (tmp_path / "mine" / "f.txt").exists()


def test_cli_reports_failure(course, tmp_path, capsys):
    argv = ["run-notebooks", "--notebooks-dir", str(course), "--output", str(tmp_path / "o")]
    assert main(argv + ["--only", "01"]) == 1
    assert "run-notebooks: notebook 01_second.ipynb failed in cell [4]" in capsys.readouterr().err
    assert main(argv + ["--only", "00"]) == 0
    assert "00_first.ipynb" in capsys.readouterr().out.split("seconds")[-1]  # run-time table


def test_profile_keys_only_environment_and_stand_in(course, tmp_path, monkeypatch):
    monkeypatch.setenv("INPAINT_RUNS", str(tmp_path / "runs"))
    (course / "profiles" / "smoke.yaml").write_text(
        "only: ['02']\nenvironment:\n  INPAINT_STL10: '{runs}/s'\n  MARK: here\nstand_in: {stl10: 12}\n")
    _notebook(course / "02_third.ipynb", "import os; assert os.environ['MARK'] == 'here'",
              "assert os.environ['INPAINT_STL10'].endswith('/runs/s'), os.environ['INPAINT_STL10']")
    results = nbr.run_notebooks("smoke", notebooks_dir=course, output_dir=tmp_path / "out", progress=False)
    assert [r.name for r in results] == ["02_third.ipynb"]                # the profile's `only`
    assert (tmp_path / "runs" / "s" / "stl10_binary" / "STANDIN.json").exists()
    assert "MARK" not in __import__("os").environ                          # restored afterwards


@pytest.mark.parametrize("text, message", [
    ("commons: {}\n", "unknown key"),
    ("stand_in: {cifar10: 10}\nenvironment: {INPAINT_STL10: x}\n", "only write 'stl10'"),
    ("stand_in: {stl10: 10}\n", "needs environment: INPAINT_STL10"),
])
def test_bad_profile_files_are_clear(course, text, message):
    (course / "profiles" / "bad.yaml").write_text(text)
    with pytest.raises(ValueError, match=message):
        nbr.load_profile("bad", course)


@pytest.mark.parametrize("profile", ["quick", "paper", "paper-smoke"])
def test_course_profiles_only_override_declared_parameters(profile):
    """Every per-notebook override in notebooks/profiles/*.yaml names a real parameter."""
    prof = nbr.load_profile(profile)
    for nn in prof["notebooks"]:
        (notebook,) = nbr.list_notebooks(only=[nn])
        values = nbr.notebook_parameters(notebook, prof)
        assert set(prof["notebooks"][nn]) <= set(values)


def test_override_of_an_undeclared_parameter_is_an_error(course):
    (notebook,) = nbr.list_notebooks(course, only=["00"])
    with pytest.raises(ValueError, match="EPOCS"):
        nbr.notebook_parameters(notebook, {"common": {}, "notebooks": {"00": {"EPOCS": 3}}})


# -- gpu_check ----------------------------------------------------------------------------
def test_gpu_check_ratios_put_ours_beside_the_papers():
    from inpaintlib import paper
    from inpaintlib.tools.gpu_check import ratio_table
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
    from inpaintlib.tools.gpu_check import main
    assert main() == 1 and "needs a CUDA GPU" in capsys.readouterr().err
