"""The command line (``python -m inpaintlib``): a user's mistake is one line on stderr and
exit status 1 (argparse usage errors: 2), never a Python traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from inpaintlib.__main__ import COMMANDS, build_parser, main

#: (arguments, expected exit status, a phrase the one-line message must contain)
MISTAKES = [
    (["download", "imagenet"], 2, "invalid choice"),
    (["run-notebooks", "--notebooks-dir", "no/such/folder"], 1, "no notebooks folder"),
    (["run-notebooks", "--only", "99"], 1, "no notebook numbered 99"),
    (["run-notebooks", "--profile", "nonsense", "--only", "00"], 1, "nonsense"),
    (["train", "--dataset", "stl10", "--epochs", "1"], 1, "STL-10 not found"),
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
    (["site", "--out", "/dev/null"], 1, "is a file, not a folder"),
    (["student-release", "--out", "/dev/null"], 1, "is a file, not a folder"),
    (["export-onnx", "--out", "/dev/null"], 1, "is a file, not a folder"),
]


def test_every_command_has_a_mistake_below():
    commands = {args[0] for args, _, _ in MISTAKES}
    parser_commands = set(build_parser()._subparsers._group_actions[0].choices)
    assert len(COMMANDS) == len(parser_commands)
    assert parser_commands - commands == {"gpu-check"}        # tested in test_benchmarks (needs no GPU)


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
                                   "'navier_stokes', "
                                   "'mean_fill', 'push_pull']")


def test_inpaint_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setenv("INPAINT_DEBUG", "1")
    with pytest.raises(ValueError, match="unknown model"):
        main(["train", "--model", "resnet"])
