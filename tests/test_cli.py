"""The command line (``python -m inpaintlib``): a user's mistake is one line on stderr and
exit status 1 (argparse usage errors: 2), never a Python traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from inpaintlib.__main__ import build_parser, main
from inpaintlib.paths import REPO_ROOT

DEBUG_HINT = " (INPAINT_DEBUG=1 shows the traceback)"

#: (arguments, expected exit status, a phrase the one-line message must contain)
MISTAKES = [
    (["download", "imagenet"], 2, "invalid choice"),
    (["run-notebooks", "--notebooks-dir", "no/such/folder"], 1, "no notebooks folder"),
    (["run-notebooks", "--only", "99"], 1, "no notebook numbered 99"),
    (["run-notebooks", "--profile", "nonsense", "--only", "00"], 1, "nonsense"),
    (["train", "--dataset", "stl10", "--epochs", "1"], 1, "python -m inpaintlib download stl10"),
    (["train", "--model", "resnet"], 1, "unknown model 'resnet'"),
    (["train", "--model-cfg", '{"dim": "32"}'], 1, "setting dim must be a whole number"),
    (["train", "--epochs", "0"], 2, "must be >= 1"),
    (["train", "--masks", "circles"], 1, "unknown mask kind"),
    (["train", "--model-cfg", "[1, 2]"], 2, "expected a JSON object"),
    (["evaluate", "--checkpoint", "no/such/best.pt"], 1, "no checkpoint at"),
    (["evaluate", "--model", "telea", "--dataset", "samples", "--masks", "circles", "--n", "2"], 1,
     "unknown mask kind"),
    (["evaluate", "--model", "telea", "--dataset", "imagenet", "--n", "2"], 1, "imagenet"),
    (["evaluate", "--model", "telea", "--n", "0"], 2, "must be >= 1"),
    (["pretrained", "verify", "--only", "resnet"], 1, "unknown reference(s) ['resnet']"),
    (["recipe-probe", "--crops", "3"], 2, "must be >= 16"),
    (["bench", "models", "--models", "resnet", "--no-train"], 1, "unknown models ['resnet']"),
    (["bench", "dwt", "--shape", "1", "1", "1"], 2, "expected 4 arguments"),
    (["assignments", "--only", "Z9"], 1, "Z9"),
    (["assignments", "--only", "A1", "--grade", "no/such.ipynb", "--out", "no/such/folder"], 1, "autograder"),
    (["assignments", "--grade", "no/such.ipynb"], 1, "--only"),
    (["site", "--out", "/dev/null"], 1, "is a file, not a folder"),
    (["student-release", "--out", "/dev/null"], 1, "is a file, not a folder"),
    (["export-onnx", "--out", "/dev/null"], 1, "is a file, not a folder"),
]


def parser_commands() -> list[str]:
    return list(build_parser()._subparsers._group_actions[0].choices)


def test_every_command_has_a_mistake_below():
    commands = {args[0] for args, _, _ in MISTAKES}
    assert set(parser_commands()) - commands == {"gpu-check"}   # tested in test_benchmarks (no GPU needed)


@pytest.mark.parametrize("args, status, phrase", MISTAKES, ids=[" ".join(m[0][:2]) for m in MISTAKES])
def test_a_mistake_is_one_line_without_a_traceback(args, status, phrase, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("INPAINT_DATA", str(tmp_path / "data"))   # no STL-10 there, whatever this machine has
    monkeypatch.setenv("INPAINT_RUNS", str(tmp_path / "runs"))
    monkeypatch.delenv("INPAINT_DEBUG", raising=False)
    try:
        code = main(args)
    except SystemExit as exit_:                                  # argparse
        code = exit_.code
    err = capsys.readouterr().err
    assert code == status, err
    assert "Traceback" not in err and phrase in err, err
    if status == 1:
        assert len(err.strip().splitlines()) == 1 and err.startswith(f"python -m inpaintlib {args[0]}: ")


def test_a_real_process_prints_no_traceback(tmp_path):
    env = {"INPAINT_RUNS": str(tmp_path), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "inpaintlib", "train", "--model", "resnet"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.strip() == ("python -m inpaintlib train: unknown model 'resnet'; choose one of "
                                   "['wavemix', 'cnn', 'lama', 'unet', 'convmixer_unet', 'telea', "
                                   "'navier_stokes', 'mean_fill', 'push_pull', 'biharmonic']" + DEBUG_HINT)


def test_inpaint_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setenv("INPAINT_DEBUG", "1")
    with pytest.raises(ValueError, match="unknown model"):
        main(["train", "--model", "resnet"])


def test_help_lists_every_command_fast_without_torch():
    """The parser builds without importing torch: ``--help`` answers well under a second and
    lists every command (argparse's own list, nothing written by hand)."""
    code = ("import sys, time; t = time.perf_counter(); from inpaintlib.__main__ import build_parser; "
            "build_parser(); print(time.perf_counter() - t, 'torch' in sys.modules)")
    proc = (subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT,
                           timeout=60))
    seconds, torch_loaded = proc.stdout.split()
    assert torch_loaded == "False" and float(seconds) < 0.5, proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "inpaintlib", "--help"], capture_output=True, text=True,
                          cwd=REPO_ROOT, timeout=60)
    assert proc.returncode == 0
    assert all(f"    {name} " in proc.stdout or f"    {name}\n" in proc.stdout for name in parser_commands())
    assert "recipe-probe" in proc.stdout and "INPAINT_DEBUG=1" in proc.stdout


def test_a_command_s_help_still_lists_its_library_options(capsys):
    with pytest.raises(SystemExit):
        main(["assignments", "--help"])
    assert "--timeout" in capsys.readouterr().out


def test_a_refused_training_run_leaves_no_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("INPAINT_RUNS", str(tmp_path / "runs"))
    monkeypatch.delenv("INPAINT_DEBUG", raising=False)
    out = tmp_path / "X"
    assert main(["train", "--model", "nosuch", "--out", str(out)]) == 1
    assert "unknown model 'nosuch'" in capsys.readouterr().err
    monkeypatch.setenv("INPAINT_DATA", str(tmp_path / "data"))        # no STL-10: refused after the lock
    assert main(["train", "--dataset", "stl10", "--out", str(out)]) == 1
    assert not out.exists() and not (tmp_path / "runs").exists()


def test_a_missing_package_is_one_line_naming_the_install(monkeypatch, capsys):
    from inpaintlib.tools import commands

    def needs_otter(args):
        raise ModuleNotFoundError("No module named 'otter'", name="otter")
    monkeypatch.setattr(commands, "assignments", needs_otter)
    monkeypatch.delenv("INPAINT_DEBUG", raising=False)
    assert main(["assignments", "--only", "A1"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "otter-grader" in err and "pip install" in err and "INPAINT_DEBUG=1" in err


def test_inpaint_debug_is_documented():
    readme = (REPO_ROOT / "README.md").read_text()
    assert "INPAINT_DEBUG=1" in readme
