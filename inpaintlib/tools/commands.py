"""What each command of ``python -m inpaintlib`` does: one plain handler per command, called
with the parsed arguments (:func:`inpaintlib.__main__.build_parser`), returning the exit status.

Each handler imports the library code it runs when it runs, so that building the command line
(and ``--help``) loads no torch.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path

from ..paths import BEST_CHECKPOINT, LAST_CHECKPOINT, display_path


def download(args: argparse.Namespace) -> int:
    from ..data import download
    folder = download(args.dataset, root=args.root)
    print(f"{args.dataset} ready in {folder}")
    return 0


def run_notebooks(args: argparse.Namespace) -> int:
    from . import notebook_runner as nbr
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


def train(args: argparse.Namespace) -> int:
    from ..train import TrainConfig, Trainer, profile_config
    given = {f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig) if hasattr(args, f.name)}
    model = given.pop("model", TrainConfig.model)
    cfg = profile_config(model, args.profile, **given) if args.profile else TrainConfig(model=model, **given)
    result = Trainer(cfg).fit(resume=args.resume)
    if int(os.environ.get("RANK", "0")) == 0:
        best = result.best
        print(f"done: {Path(cfg.out) / LAST_CHECKPOINT}; {BEST_CHECKPOINT} from epoch {best['epoch']} "
              f"(val SSIM {best['val_ssim']:.4f})")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from ..evaluate import evaluate, masked_split
    from ..models import build, is_classical
    from ..paths import run_dir
    from ..runtime import choose_device
    from ..tables import format_table
    from ..train import load_checkpoint
    device = choose_device(args.device)
    if args.checkpoint:
        model, _ = load_checkpoint(args.checkpoint, device)
        label, out = args.checkpoint, Path(args.out or Path(args.checkpoint).parent)
    else:
        model = build(args.model, args.preset).to(device).eval()
        label = args.model if is_classical(model) else f"{args.model} (untrained)"
        out = Path(args.out or run_dir("eval", args.model))
    data = masked_split(args.dataset, args.split, args.n, args.masks, args.size)
    result = evaluate(model, data, batch=args.batch, device=device, fid=None if args.fid == "off" else "auto")
    summary = result.summary
    print(f"{label} on {args.dataset} {args.split} ({len(data)} images), {args.masks} masks")
    print(format_table([{k: v for k, v in summary.items() if k != "fid"}]))
    print(f"FID: {summary['fid']:.3f}" if result.fid is not None else f"FID: n/a ({result.fid_note})")
    print("\nby mask coverage\n" + format_table(result.by_coverage(),
                                                 ["coverage", "images", "l1", "psnr", "ssim", "ssim_hole"]))
    path = result.save_report(out, model=label, dataset=args.dataset, split=args.split, masks=args.masks,
                              images=len(data))
    print(f"saved {path}")
    return 0


def pretrained(args: argparse.Namespace) -> int:
    from .. import pretrained
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


def recipe_probe(args: argparse.Namespace) -> int:
    from .. import recipe
    result = recipe.run_probe(crops=args.crops, seed=args.seed)
    print(f"wrote {display_path(recipe.save_probe(result))}")
    return 0


def bench(args: argparse.Namespace) -> int:
    import torch

    from .. import benchmarks, paper
    from ..tables import format_table
    if args.target == "dwt":
        rows = benchmarks.bench_dwt(tuple(args.shape), levels=args.levels, threads=args.threads,
                                    repeats=args.repeats or 7, device=args.device)
        print(f"Haar DWT, {args.levels} level(s), input {tuple(args.shape)} float32, "
              f"{torch.get_num_threads()} thread(s), {args.device}")
        print(format_table(rows))
        return 0
    rounds = args.repeats or 3
    rows = benchmarks.bench_models(args.models, preset=args.preset, batch=args.batch, size=args.size,
                                   device=args.device, threads=args.threads, repeats=rounds,
                                   amp=args.amp, train=not args.no_train, compile=args.compile)
    print(f"Batch {args.batch}, {args.device}, {torch.get_num_threads()} thread(s), "
          f"{'float32' if args.amp == 'off' else 'autocast ' + args.amp}; img/s from the median of {rounds} "
          "interleaved round(s)")
    print(format_table(rows, benchmarks.TABLE_COLUMNS))
    ratios = paper.speed_ratio_table(rows)
    if ratios:
        print("\nWaveMix's speed relative to the others (> 1: WaveMix faster), each round's ratio of the "
              "times measured in that round:")
        print(format_table(ratios))
    return 0


def gpu_check(args: argparse.Namespace) -> int:
    from . import gpu_check
    return gpu_check.main(compile=args.compile, batch=args.batch, tests=not args.no_tests)


def assignments(args: argparse.Namespace) -> int:
    from .. import coursework
    chosen = coursework.resolve(args.only)
    if args.grade:
        return grade_assignment(args, chosen)
    built = (coursework.build(chosen, out=args.out, check=not args.no_check, threads=args.threads,
                              jobs=args.jobs))
    for name, b in built.items():
        qs = coursework.questions(name)
        manual = sum(q.points for q in qs if q.manual)
        checked = (f"solution scores {b.solution_grades.total:g} / {b.solution_grades.possible:g} "
                   "auto-graded points" if b.solution_grades else "solution not graded (--no-check)")
        by_hand = f" ({manual:g} graded by hand)" if manual else ""
        print(f"\n{name}: {sum(q.points for q in qs):g} points{by_hand}; {checked}")
        for path in b.files():
            print(f"  {display_path(path)}")
    print("\nhand out the student/ notebooks; grade them with: python -m inpaintlib assignments --only A1 "
          "--grade <submitted notebooks>")
    return 0


def grade_assignment(args: argparse.Namespace, chosen: list[str]) -> int:
    from .. import coursework
    from ..coursework import classroom
    if len(chosen) != 1 or not args.only:
        raise ValueError("--grade: name the one assignment the notebooks belong to with --only, e.g. "
                         "--only A1")
    name = chosen[0]
    rows = classroom.grade_class(name, args.grade, csv_path=args.csv, feedback_dir=args.feedback,
                                 answers_html=args.answers, timeout=args.timeout, threads=args.threads,
                                 out=args.out, progress=False)
    for row in rows:
        print(f"\n{row.label}\n" + (row.grades.format(messages=args.messages) if row.grades
                                    else f"ERROR: {row.error}"))
    manual = [q for q in coursework.questions(name) if q.manual]
    if manual:
        print("\ngraded by hand: " + ", ".join(f"{q.name} ({q.points:g} points)" for q in manual)
              + ("" if args.answers else "; --answers FILE.html gathers every notebook's written answers"))
    errors = [r for r in rows if r.error]
    if errors:
        print(f"\n{len(errors)} of {len(rows)} notebooks could not be graded: "
              + ", ".join(f"{r.label} ({r.error})" for r in errors), file=sys.stderr)
    return 1 if errors else 0


def site(args: argparse.Namespace) -> int:
    from .site import build_site
    build_site(args.out)
    return 0


def export_onnx(args: argparse.Namespace) -> int:
    from ..export import export_onnx
    export_onnx(args.out)
    return 0


def student_release(args: argparse.Namespace) -> int:
    from ..coursework.release import student_release
    student_release(args.out)
    return 0
