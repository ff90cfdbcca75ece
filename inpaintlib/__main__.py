"""Command line: ``python -m inpaintlib <command> ...`` (``--help`` on each command).

    download {stl10,cifar10}            fetch, verify and unpack a dataset (resumable)
    run-notebooks [--profile P] [--only NN ...] [--in-place]
                                        execute the numbered notebooks headless
    train --model M [--preset P] [--epochs E] [--batch B] [--out DIR] [--resume] ...
                                        train a model (AdamW -> SGD, AMP, checkpoints);
                                        under torchrun: DistributedDataParallel
    evaluate (--checkpoint PT | --model M) [--split S] [--masks K] [--n N]
                                        metrics (and FID if available) on a fixed mask set
    bench dwt [--shape N C H W] [--levels J] [--threads T]
                                        time the Haar DWT backends (forward+backward)
    pretrained {list,verify,build} [--only NAME ...]
                                        the reference checkpoints in data/pretrained/:
                                        list them, check their SHA-256, or retrain them
    bench models [--models M ...] [--preset P] [--batch B] [--amp] [--no-train] [--compile]
                                        parameters, GFLOPs, inference and training images/s
                                        and seconds per 80k-image epoch, per model
    gpu-check [--compile]               on a GPU: the CUDA tests, then the Table 1 speed
                                        ratios next to the paper's (make gpu-check)
    assignments [--only A1 ...] [--grade NOTEBOOK ...]
                                        build the coursework (otter-grader), or grade notebooks
    site [--out DIR]                    the course website (Jupyter Book, nothing re-executed)
    export-onnx [--out DIR]             the references and the push-pull pre-fill as ONNX files (Try it page)
    student-release [--out DIR]         what students receive (no solution, no hidden test)
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import sys
from pathlib import Path


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


positive_int, non_negative_int = whole_number(1), whole_number(0)


def _download(args: argparse.Namespace) -> int:
    from .data import download
    folder = download(args.dataset, root=args.root)
    print(f"{args.dataset} ready in {folder}")
    return 0


def _run_notebooks(args: argparse.Namespace) -> int:
    from .tools import notebook_runner as nbr
    folder = Path(args.notebooks_dir) if args.notebooks_dir else nbr.NOTEBOOKS_DIR
    if not folder.is_dir():
        raise FileNotFoundError(f"no notebooks folder {folder}; "
                                "pass --notebooks-dir <folder with NN_*.ipynb>")
    if args.in_place:
        for nb in nbr.list_notebooks(folder, only=args.only):
            print(f"executing {nb.name} in place ...", flush=True)
            print(f"  {nbr.execute_in_place(nb):.1f} s")
        return 0
    results = nbr.run_notebooks(args.profile, only=args.only, notebooks_dir=folder,
                                output_dir=Path(args.output) if args.output else None)
    print("\n" + nbr.format_times(results))
    return 0


def _train(args: argparse.Namespace) -> int:
    from .train import TrainConfig, Trainer, profile_config
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if hasattr(args, f.name)}
    model = given.pop("model", TrainConfig.model)
    cfg = profile_config(model, args.profile, **given) if args.profile else TrainConfig(model=model, **given)
    result = Trainer(cfg).fit(resume=args.resume)
    if int(os.environ.get("RANK", "0")) == 0:
        best = result.best
        print(f"done: {cfg.out}/last.pt; best.pt from epoch {best['epoch']} "
              f"(val SSIM {best['val_ssim']:.4f})")
    return 0


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per :class:`~inpaintlib.train.TrainConfig` field (``--val-images`` for
    ``val_images``), with the field's documentation and library default. Flags left out
    keep the default (or the ``--profile``'s value), so a namespace holds only what was given."""
    from .train import TrainConfig
    for f in dataclasses.fields(TrainConfig):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        kind = f.metadata["kind"]
        options = dict(default=argparse.SUPPRESS,
                       help=f"{f.metadata['doc']} (default: {default!r})".replace("%", "%%"))
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


def json_object(text: str) -> dict:
    """argparse ``type``: a JSON object such as ``{"dim": 64}``."""
    try:
        value = json.loads(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected a JSON object like '{{\"dim\": 64}}', got {text!r} "
                                         f"({err})") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"expected a JSON object like '{{\"dim\": 64}}', got {text!r}")
    return value


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluate import evaluate, masked_split
    from .files.atomic import atomic_write
    from .models import build
    from .paths import run_dir
    from .runtime import choose_device
    from .tables import format_table
    from .train import load_checkpoint
    device = choose_device(args.device)
    if args.checkpoint:
        model, _ = load_checkpoint(args.checkpoint, device)
        label, out = args.checkpoint, Path(args.out or Path(args.checkpoint).parent)
    else:
        model = build(args.model, args.preset).to(device).eval()
        has_weights = any(True for _ in model.parameters())
        label = f"{args.model} (untrained)" if has_weights else args.model
        out = Path(args.out or run_dir("eval", args.model))
    data = masked_split(args.dataset, args.split, args.n, args.masks, args.size)
    result = evaluate(model, data, batch=args.batch, device=device,
                      fid=None if args.fid == "off" else "auto")
    summary = result.summary
    print(f"{label} on {args.dataset} {args.split} ({len(data)} images), {args.masks} masks")
    print(format_table([{k: v for k, v in summary.items() if k != "fid"}]))
    print(f"FID: {summary['fid']:.3f}" if result.fid is not None else f"FID: n/a ({result.fid_note})")
    print("\nby mask coverage\n" + format_table(result.by_coverage(),
                                                 ["coverage", "images", "l1", "psnr", "ssim", "ssim_hole"]))
    out.mkdir(parents=True, exist_ok=True)
    stem = f"eval_{args.dataset}_{args.split}_{args.masks}"
    report = {"model": label, "dataset": args.dataset, "split": args.split, "masks": args.masks,
              "images": len(data), "summary": summary, "fid_note": result.fid_note,
              "by_coverage": result.by_coverage()}
    atomic_write(out / f"{stem}.json", lambda fh: fh.write(json.dumps(report, indent=2).encode()))
    print(f"saved {out / (stem + '.json')}")
    return 0


def _pretrained(args: argparse.Namespace) -> int:
    from . import pretrained
    known = pretrained.names() + pretrained.seed_names()
    present_seeds = [n for n in pretrained.seed_names() if (pretrained.pretrained_dir() / n).exists()]
    chosen = args.only or pretrained.names() + present_seeds
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ValueError(f"unknown reference(s) {unknown}; choose from {known}")
    if args.action == "build":
        for name in chosen:
            print(f"== {name}: training with the course profile (resumes if interrupted)", flush=True)
            folder = pretrained.build_reference(name, device=args.device)
            print(f"== {name}: exported to {folder}", flush=True)
        return 0
    failed = 0
    for name in chosen:
        try:
            pretrained.verify(name)
            rows = pretrained.history(name)
            status = f"ok, {len(rows)} epochs, final val SSIM {rows[-1]['val_ssim']:.4f}"
        except pretrained.PretrainedError as err:
            status, failed = f"FAILED: {err}", failed + 1
        print(f"{name:16s} {status}")
    return 1 if failed else 0


def _recipe_probe(args: argparse.Namespace) -> int:
    from . import recipe
    from .paths import display_path
    result = recipe.run_probe(crops=args.crops, seed=args.seed)
    print(f"wrote {display_path(recipe.save_probe(result))}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    import torch

    from . import benchmarks
    from .tables import format_table
    if args.target == "dwt":
        rows = benchmarks.bench_dwt(tuple(args.shape), levels=args.levels, threads=args.threads,
                                    repeats=args.repeats or 7, device=args.device)
        print(f"Haar DWT, {args.levels} level(s), input {tuple(args.shape)} float32, "
              f"{torch.get_num_threads()} thread(s), {args.device}")
        print(format_table(rows))
        return 0
    rows = benchmarks.bench_models(args.models, preset=args.preset, batch=args.batch,
                                   size=args.size, device=args.device, threads=args.threads,
                                   repeats=args.repeats or 3, amp=args.amp, train=not args.no_train,
                                   compile=args.compile)
    print(f"Batch {args.batch}, {args.device}, {torch.get_num_threads()} thread(s), "
          f"{'float32' if args.amp == 'off' else 'autocast ' + args.amp}")
    print(format_table(rows))
    return 0


def _gpu_check(args: argparse.Namespace) -> int:
    from .tools import gpu_check
    return gpu_check.main(compile=args.compile, batch=args.batch, tests=not args.no_tests)


def _assignments(args: argparse.Namespace) -> int:
    from . import coursework
    from .paths import display_path
    chosen = coursework.resolve(args.only)
    if args.grade:
        return _grade_assignment(args, chosen)
    built = coursework.build(chosen, out=args.out, check=not args.no_check, threads=args.threads,
                             jobs=args.jobs)
    for name, b in built.items():
        qs = coursework.questions(name)
        manual = sum(q.points for q in qs if q.manual)
        checked = (f"solution scores {b.solution_grades.total:g} / {b.solution_grades.possible:g} "
                   f"auto-graded points"
                   if b.solution_grades else "solution not graded (--no-check)")
        by_hand = f" ({manual:g} graded by hand)" if manual else ""
        print(f"\n{name}: {sum(q.points for q in qs):g} points{by_hand}; {checked}")
        for path in b.files():
            print(f"  {display_path(path)}")
    print("\nhand out the student/ notebooks; grade one with: python -m inpaintlib assignments --only A1 "
          "--grade <submitted notebook>")
    return 0


def _grade_assignment(args: argparse.Namespace, chosen: list[str]) -> int:
    from . import coursework
    from .coursework import classroom
    if len(chosen) != 1 or not args.only:
        print("assignments --grade: name the one assignment the notebooks belong to with --only, e.g. "
              "--only A1",
              file=sys.stderr)
        return 2
    name = chosen[0]
    rows = classroom.grade_class(name, args.grade, csv_path=args.csv, feedback_dir=args.feedback,
                                 answers_html=args.answers, timeout=args.timeout, threads=args.threads,
                                 out=args.out, progress=False)
    for row in rows:
        print(f"\n{row.notebook}\n" + (row.grades.format(messages=args.messages) if row.grades
                                       else f"ERROR: {row.error}"))
    manual = [q for q in coursework.questions(name) if q.manual]
    if manual:
        print("\ngraded by hand: " + ", ".join(f"{q.name} ({q.points:g} points)" for q in manual)
              + ("" if args.answers else "; --answers FILE.html gathers every notebook's written answers"))
    errors = [r for r in rows if r.error]
    if errors:
        print(f"\n{len(errors)} of {len(rows)} notebooks could not be graded: "
              + ", ".join(f"{r.notebook.name} ({r.error})" for r in errors), file=sys.stderr)
    return 1 if errors else 0


def _add_download(sub) -> None:
    p = sub.add_parser("download", help="download, verify and unpack a dataset")
    p.add_argument("dataset", choices=["stl10", "cifar10"])
    p.add_argument("--root", help="data folder (default: $INPAINT_DATA or data/)")
    p.set_defaults(func=_download)


def _add_run_notebooks(sub) -> None:
    p = sub.add_parser("run-notebooks", help="execute the numbered notebooks with papermill")
    p.add_argument("--profile", default="quick", help="notebooks/profiles/<name>.yaml (default quick)")
    p.add_argument("--only", nargs="+", metavar="NN", help="notebook numbers to run, e.g. 00 03")
    p.add_argument("--output", help="folder for executed copies (default runs/<profile>/)")
    p.add_argument("--notebooks-dir", help="folder of numbered notebooks and profiles/ (default notebooks/)")
    p.add_argument("--in-place", action="store_true",
                   help="re-execute the committed notebooks with their defaults and overwrite them")
    p.set_defaults(func=_run_notebooks)


def _add_train(sub) -> None:
    p = sub.add_parser("train", help="train a model (checkpoints, resume, AMP, torchrun)",
                       description="Train a model. Every TrainConfig field is a flag with the library's "
                                   "default; --profile starts from a course profile instead.")
    from .train.config import PROFILES
    p.add_argument("--profile", choices=list(PROFILES),
                   help="start from a course profile (inpaintlib.train.PROFILES); flags override single "
                        "fields and the run folder is named by them (default: no profile)")
    p.add_argument("--resume", action="store_true", help="continue from <out>/last.pt")
    add_config_flags(p)
    p.set_defaults(func=_train)


def _add_evaluate(sub) -> None:
    p = sub.add_parser("evaluate", help="metrics of a checkpoint or model on a fixed mask set")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--checkpoint", help="a trainer checkpoint (last.pt or best.pt)")
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
    p.set_defaults(func=_evaluate)


def _add_pretrained(sub) -> None:
    p = sub.add_parser("pretrained", help="list, verify or retrain the reference checkpoints")
    p.add_argument("action", choices=["list", "verify", "build"],
                   help="list/verify: check every file's SHA-256; build: train (course profile) and export")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these references (default all)")
    p.add_argument("--device", default="auto", help="build: training device (default auto)")
    p.set_defaults(func=_pretrained)


def _add_recipe_probe(sub) -> None:
    p = sub.add_parser("recipe-probe", help="measure the course's additions to the training recipe on the "
                       "validation photos (notebook 07; writes data/recipe/probe.json)")
    p.add_argument("--crops", type=whole_number(16), default=4000, help="training crops per variant "
                                                                        "(default 4000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the runs (default 0)")
    p.set_defaults(func=_recipe_probe)


def _add_bench(sub) -> None:
    p = sub.add_parser("bench", help="speed benchmarks")
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
    p.add_argument("--repeats", type=positive_int, default=None, help="timed repeats (dwt 7, models 3)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--compile", action="store_true", help="models: time torch.compile(model)")
    p.set_defaults(func=_bench)


def _add_gpu_check(sub) -> None:
    p = sub.add_parser("gpu-check", help="CUDA tests and the Table 1 speed ratios on a GPU (make gpu-check)")
    p.add_argument("--compile", action="store_true", help="also benchmark with torch.compile")
    p.add_argument("--batch", type=positive_int, default=40, help="benchmark batch (default 40, the paper's)")
    p.add_argument("--no-tests", action="store_true", help="only the benchmark")
    p.set_defaults(func=_gpu_check)


#: Commands that write one folder: name -> (``module:function`` called with ``--out``, default, help,
#: description).
WRITERS = {
    "student-release": ("coursework.release:student_release", "runs/student-release/",
                        "the folder students receive "
                        "(no solutions, no hidden tests)", "Copy the tracked files students need "
                                                           "(library, tutorials, "
                        "data, set-up) and the student notebooks into one folder; no solutions, no tests."),
    "site": ("tools.site:build_site", "runs/site/", "the course website: the executed notebooks as "
                                                    "static HTML (make "
             "site)", "Render the README, the executed notebooks (not re-executed), the coursework guide and "
             "CONTRIBUTING.md with Jupyter Book into <out>/html, with the Try it page; check every link "
             "and image."),
    "export-onnx": ("export:export_onnx", "runs/onnx/", "the references as ONNX files (Try it page)",
                    "Export the references of data/pretrained and the push-pull pre-fill as ONNX files, "
                    "and models.json."),
}


def _add_writer(sub, name: str) -> None:
    """Command ``name`` of :data:`WRITERS`: calls its function with ``args.out``."""
    target, default, help, description = WRITERS[name]

    def run(args: argparse.Namespace) -> int:
        import importlib
        module, function = target.split(":")
        getattr(importlib.import_module(f".{module}", __package__), function)(args.out)
        return 0
    p = sub.add_parser(name, help=help, description=description)
    p.add_argument("--out", help=f"output folder (default {default})")
    p.set_defaults(func=run)


def _add_assignments(sub) -> None:
    p = sub.add_parser("assignments", help="build the graded coursework (otter-grader) or grade submissions",
                       description="Run otter assign on notebooks/assignments/A*.ipynb: student "
                                   "notebooks and "
                                   "autograder zips into runs/assignments/<name>/{student,autograder}, each "
                                   "solution graded with its autograder (no Docker, no PDFs). With --grade: "
                                   "grade submitted notebooks of one assignment instead.")
    p.add_argument("--only", nargs="+", metavar="A", help="assignments, e.g. A1 A3 or A1_haar_dwt "
                                                          "(default all)")
    p.add_argument("--out", help="output folder (default runs/assignments/)")
    p.add_argument("--no-check", action="store_true", help="do not grade the solution notebooks after "
                                                           "building")
    p.add_argument("--jobs", type=positive_int, default=1,
                   help="assignments or notebooks at once (default 1)")
    p.add_argument("--threads", type=positive_int, default=1, help="CPU threads per notebook kernel "
                                                                   "(default 1)")
    p.add_argument("--grade", nargs="+", metavar="NOTEBOOK",
                   help="grade these submitted notebooks with the built autograder of the --only assignment")
    p.add_argument("--messages", action="store_true", help="--grade: print the messages of failed tests")
    p.add_argument("--csv", help="--grade: the points per question and notebook, a 'possible' row first "
                                 "and blank columns for the hand-graded questions (rewritten after each "
                                 "notebook)")
    p.add_argument("--feedback", metavar="DIR", help="--grade: one student-safe feedback file per notebook")
    p.add_argument("--answers", metavar="HTML", help="--grade: every notebook's written answers on one page")
    p.add_argument("--timeout", type=positive_int, default=900,
                   help="--grade: seconds per notebook before it is stopped and reported (default 900)")
    p.set_defaults(func=_assignments)


#: Each command's parser, in the order ``--help`` lists them.
COMMANDS = (_add_download, _add_run_notebooks, _add_train, _add_evaluate, _add_pretrained, _add_recipe_probe,
            _add_bench, _add_gpu_check, _add_assignments,
            *(functools.partial(_add_writer, name=n) for n in WRITERS))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m inpaintlib", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    return parser


#: What a user's mistake raises (a bad value, a missing or damaged file, a folder in use, a
#: failed download, a notebook that failed, a loss that became NaN): the command prints one
#: line and exits with status 1, never a traceback (``INPAINT_DEBUG=1`` shows it).
USER_ERRORS = (ValueError, OSError, RuntimeError, FloatingPointError)


def main(argv: list[str] | None = None) -> int:
    """Run one command; argparse usage errors exit with status 2, other errors return 1."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{args.command}: interrupted", file=sys.stderr)
        return 130
    except USER_ERRORS as err:
        if os.environ.get("INPAINT_DEBUG") == "1":
            raise
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"python -m inpaintlib {args.command}: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
