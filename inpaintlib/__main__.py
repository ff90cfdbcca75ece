"""The command line: ``python -m inpaintlib <command> ...``, the handlers in
:mod:`inpaintlib.tools.commands`.

``--help`` lists the commands (argparse writes the list from the parsers below), ``<command>
--help`` their options. A user's mistake is one line on stderr and exit status 1 (argparse's
usage errors: 2); ``INPAINT_DEBUG=1`` shows the traceback instead.

Each handler imports what it runs, so building the parser loads no torch and ``--help``
answers at once; the ``train`` command's flags (one per TrainConfig field) and the grading
time limit come from the library and are added when that command is parsed
(:class:`CommandParser`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Callable

from .paths import BEST_CHECKPOINT, LAST_CHECKPOINT, display_path, output_dir
from .tools import commands


def whole_number(smallest: int):
    """argparse ``type``: a whole number >= ``smallest``, so a bad count fails before any
    work is done."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {smallest}, got {text!r}") from None
        if value < smallest:
            raise argparse.ArgumentTypeError(f"must be >= {smallest}, got {value}")
        return value
    parse.__name__ = f"whole number >= {smallest}"   # argparse names the type in its errors
    return parse


positive_int = whole_number(1)


def json_object(text: str) -> dict:
    """argparse ``type``: a JSON object such as ``{"dim": 64}``."""
    example = "expected a JSON object like '{\"dim\": 64}'"
    try:
        value = json.loads(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{example}, got {text!r} ({err})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"{example}, got {text!r}")
    return value


class CommandParser(argparse.ArgumentParser):
    """A command's parser whose options that need the library (and so torch) are added by
    ``add_later(parser)`` the first time it parses or prints help: building the whole
    command line stays fast, and those options still come from their one owner."""

    def __init__(self, *args, add_later: Callable[[argparse.ArgumentParser], None] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._add_later = add_later

    def _complete(self) -> None:
        if self._add_later is not None:
            add, self._add_later = self._add_later, None
            add(self)

    def parse_known_args(self, args=None, namespace=None):
        self._complete()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        self._complete()
        return super().format_help()


# -- the parser --------------------------------------------------------------------------------

def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """``train``'s flags: ``--profile``, ``--resume`` and one flag per
    :class:`~inpaintlib.train.TrainConfig` field (``--val-images`` for ``val_images``) with the
    field's documentation and library default. Flags left out keep the default (or the
    ``--profile``'s value), so a namespace holds only what was given."""
    from .train import PROFILES, TrainConfig
    parser.add_argument("--profile", choices=list(PROFILES),
                        help="start from a course profile (inpaintlib.train.PROFILES); flags override single "
                             "fields and the run folder is named by them (default: no profile)")
    parser.add_argument("--resume", action="store_true", help=f"continue from <out>/{LAST_CHECKPOINT}")
    for f in dataclasses.fields(TrainConfig):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        kind = f.metadata["kind"]
        help_text = f"{f.metadata['doc']} (default: {default!r})".replace("%", "%%")
        options = dict(default=argparse.SUPPRESS, help=help_text)
        if "choices" in f.metadata:
            options["choices"] = f.metadata["choices"]
        if kind is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif kind is int:
            options["type"] = whole_number(f.metadata["min"]) if "min" in f.metadata else int
            options["metavar"] = "N"
        elif kind is float:
            options["type"] = float
        elif kind is dict:
            options["type"], options["metavar"] = json_object, "JSON"
        parser.add_argument("--" + f.name.replace("_", "-"), **options)


def add_grading_limit(parser: argparse.ArgumentParser) -> None:
    """``assignments --timeout`` with the library's time limit as its default."""
    from .coursework.classroom import DEFAULT_TIMEOUT
    parser.add_argument("--timeout", type=positive_int, default=DEFAULT_TIMEOUT,
                        help="--grade: seconds per notebook before it is stopped and reported "
                             "(default %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; builds without importing torch."""
    parser = argparse.ArgumentParser(
        prog="python -m inpaintlib", epilog="A mistake is one line and exit status 1; INPAINT_DEBUG=1 shows "
        "the traceback instead.", description="The course's command line; `python -m inpaintlib <command> "
        "--help` gives a command's options.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="<command>",
                                parser_class=CommandParser)

    p = sub.add_parser("download", help="download, verify and unpack a dataset (resumable)")
    p.add_argument("dataset", choices=["stl10", "cifar10"])
    p.add_argument("--root", help="data folder (default: $INPAINT_DATA or data/)")
    p.set_defaults(func=commands.download)

    p = sub.add_parser("run-notebooks", help="execute the numbered notebooks headless (papermill)")
    p.add_argument("--profile", default="quick", help="notebooks/profiles/<name>.yaml (default quick)")
    p.add_argument("--only", nargs="+", metavar="NN", help="notebook numbers to run, e.g. 00 03")
    p.add_argument("--output", help="folder for executed copies (default runs/<profile>/)")
    p.add_argument("--notebooks-dir", help="folder of numbered notebooks and profiles/ (default notebooks/)")
    p.add_argument("--in-place", action="store_true",
                   help="re-execute the committed notebooks with their defaults and overwrite them")
    p.set_defaults(func=commands.run_notebooks)

    p = sub.add_parser("train", help="train a model (AdamW -> SGD, AMP, checkpoints, resume; torchrun: DDP)",
                       description="Train a model. Every TrainConfig field is a flag with the library's "
                                   "default; --profile starts from a course profile instead.",
                       add_later=add_config_flags)
    p.set_defaults(func=commands.train)

    p = sub.add_parser("evaluate", help="metrics (and FID if available) of a checkpoint or model on a "
                                        "fixed mask set")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--checkpoint", help=f"a trainer checkpoint ({LAST_CHECKPOINT} or {BEST_CHECKPOINT})")
    which.add_argument("--model", help="a model without checkpoint, e.g. telea")
    p.add_argument("--preset", help="with --model: its preset")
    p.add_argument("--dataset", default="auto")
    p.add_argument("--split", default="test", choices=["train", "val", "test"])
    p.add_argument("--size", type=positive_int, default=96)
    p.add_argument("--masks", default="medium", help="fixed mask set: thick, medium, thin, ... (default "
                                                     "medium)")
    p.add_argument("--n", type=positive_int, help="evaluate the first N images (default all)")
    p.add_argument("--batch", type=positive_int, default=40)
    p.add_argument("--device", default="auto")
    p.add_argument("--fid", default="auto", choices=["auto", "off"], help="Inception FID if available")
    p.add_argument("--out", help="folder for the JSON report (default: the checkpoint's folder)")
    p.set_defaults(func=commands.evaluate)

    p = sub.add_parser("pretrained", help="list, verify (SHA-256) or retrain the reference checkpoints")
    p.add_argument("action", choices=["list", "verify", "build"],
                   help="list/verify: check every file's SHA-256; build: train (course profile) and export")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these references (default all)")
    p.add_argument("--device", default="auto", help="build: training device (default auto)")
    p.set_defaults(func=commands.pretrained)

    p = sub.add_parser("recipe-probe", help="measure the course's additions to the training recipe on the "
                                            "validation photos (notebook 07; writes data/recipe/probe.json)")
    p.add_argument("--crops", type=whole_number(16), default=4000, help="training crops per variant "
                                                                        "(default 4000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the runs (default 0)")
    p.set_defaults(func=commands.recipe_probe)

    p = sub.add_parser("bench", help="speed: the Haar DWT backends, or the models (parameters, GFLOPs, "
                                     "images/s, seconds per epoch, WaveMix's speed ratios with their "
                                     "spread over rounds)")
    p.add_argument("target", choices=["dwt", "models"], help="what to time")
    p.add_argument("--shape", type=positive_int, nargs=4, default=[40, 144, 48, 48],
                   metavar=("N", "C", "H", "W"),
                   help="dwt: input shape")
    p.add_argument("--levels", type=positive_int, default=1, help="dwt: DWT levels")
    p.add_argument("--models", nargs="+", metavar="M", help="models: names (default all)")
    p.add_argument("--preset", help="models: preset where a model has it (default: paper sizes)")
    p.add_argument("--batch", type=positive_int, default=40, help="models: batch size (default 40, the "
                                                                  "paper's)")
    p.add_argument("--size", type=positive_int, help="models: image side (default 96; 32 for unet models)")
    p.add_argument("--amp", nargs="?", const="auto", default="off", choices=["auto", "bf16", "fp16", "off"],
                   help="models: autocast as in training; --amp alone is 'auto' (default off)")
    p.add_argument("--no-train", action="store_true",
                   help="models: inference only (training is slow on CPUs)")
    p.add_argument("--threads", type=positive_int, default=2, help="CPU threads (default 2, a laptop)")
    p.add_argument("--repeats", type=positive_int, default=None,
                   help="dwt: timed repeats (default 7); models: timed rounds, each timing every model once, "
                        "interleaved (default 3)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--compile", action="store_true", help="models: time torch.compile(model)")
    p.set_defaults(func=commands.bench)

    p = sub.add_parser("gpu-check", help="on a GPU: the CUDA tests, then the Table 1 speed ratios next to "
                                         "the paper's (make gpu-check)")
    p.add_argument("--compile", action="store_true", help="also benchmark with torch.compile")
    p.add_argument("--batch", type=positive_int, default=40, help="benchmark batch (default 40, the paper's)")
    p.add_argument("--no-tests", action="store_true", help="only the benchmark")
    p.set_defaults(func=commands.gpu_check)

    p = sub.add_parser("assignments", help="build the graded coursework (otter-grader) or grade submissions",
                       description="Run otter assign on notebooks/assignments/A*.ipynb: student "
                                   "notebooks and "
                                   "autograder zips into runs/assignments/<name>/{student,autograder}, each "
                                   "solution graded with its autograder (no Docker, no PDFs). With --grade: "
                                   "grade submitted notebooks of one assignment instead.",
                       add_later=add_grading_limit)
    p.add_argument("--only", nargs="+", metavar="A", help="assignments, e.g. A1 A3 or A1_haar_dwt "
                                                          "(default all)")
    p.add_argument("--out", help=f"output folder (default {display_path(output_dir('assignments'))}/)")
    p.add_argument("--no-check", action="store_true", help="do not grade the solutions after building")
    p.add_argument("--jobs", type=positive_int, default=1, help="assignments or notebooks at once "
                                                                "(default 1)")
    p.add_argument("--threads", type=positive_int, default=1, help="CPU threads per notebook (default 1)")
    p.add_argument("--grade", nargs="+", metavar="NOTEBOOK",
                   help="grade these submitted notebooks with the built autograder of the --only assignment")
    p.add_argument("--messages", action="store_true", help="--grade: print the messages of failed tests")
    p.add_argument("--csv", help="--grade: the points per question and notebook, a 'possible' row first "
                                 "and blank columns for the hand-graded questions (rewritten after each "
                                 "notebook)")
    p.add_argument("--feedback", metavar="DIR", help="--grade: one student-safe feedback file per notebook")
    p.add_argument("--answers", metavar="HTML", help="--grade: every notebook's written answers on one page")
    p.set_defaults(func=commands.assignments)

    writers = [
        ("site", commands.site, "the course website: the executed notebooks as static HTML (make site)",
         "Render the README, the executed notebooks (not re-executed), the coursework guide and "
         "CONTRIBUTING.md with Jupyter Book into <out>/html, with the Try it page; check every link and "
         "image."),
        ("export-onnx", commands.export_onnx, "the references and the push-pull pre-fill as ONNX (Try it)",
         "Export the references of data/pretrained and the push-pull pre-fill as ONNX files, and "
         "models.json."),
        ("student-release", commands.student_release, "what students receive (no solutions, no hidden tests)",
         "Copy the tracked files students need (library, tutorials, data, set-up) and the student notebooks "
         "into one folder; no solutions, no tests."),
    ]
    for name, handler, help_text, description in writers:
        folder = {"export-onnx": "onnx"}.get(name, name)
        p = sub.add_parser(name, help=help_text, description=description)
        p.add_argument("--out", help=f"output folder (default {display_path(output_dir(folder))}/)")
        p.set_defaults(func=handler)
    return parser


# -- errors ------------------------------------------------------------------------------------

#: What a user's mistake raises (a bad value, a missing or damaged file, a folder in use, a
#: failed download, a notebook that failed, a loss that became NaN, a package not installed):
#: the command prints one line that says what to do and exits with status 1, never a
#: traceback (``INPAINT_DEBUG=1`` shows it).
USER_ERRORS = (ValueError, OSError, RuntimeError, FloatingPointError, ImportError)
#: Python modules whose pip package has another name (said in the missing-package message).
PIP_NAMES = {"otter": "otter-grader", "yaml": "PyYAML", "cv2": "opencv-python-headless",
             "skimage": "scikit-image", "torch_fidelity": "torch-fidelity", "jupyter_book": "jupyter-book"}


def one_line(err: BaseException) -> str:
    """The message of a user's mistake on one line; a missing package names its install."""
    if isinstance(err, ImportError) and err.name:
        package = PIP_NAMES.get(err.name.split(".")[0], err.name.split(".")[0])
        return (f"the Python package {package} is not installed: pip install -r requirements-lock.txt "
                f"(or make setup; just this one: pip install {package})")
    return " ".join(str(err).split()) or type(err).__name__


def main(argv: list[str] | None = None) -> int:
    """Run one command; argparse usage errors exit with status 2, a user's mistake returns 1."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{args.command}: interrupted", file=sys.stderr)
        return 130
    except USER_ERRORS as err:
        if os.environ.get("INPAINT_DEBUG") == "1":
            raise
        print(f"python -m inpaintlib {args.command}: {one_line(err)} (INPAINT_DEBUG=1 shows the "
              "traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
