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
"""

from __future__ import annotations

import argparse
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
    from .data import DownloadError, download
    try:
        folder = download(args.dataset, root=args.root)
    except DownloadError as err:
        print(f"download failed: {err}", file=sys.stderr)
        return 1
    print(f"{args.dataset} ready in {folder}")
    return 0


def _run_notebooks(args: argparse.Namespace) -> int:
    from . import notebooks as nbr
    folder = Path(args.notebooks_dir) if args.notebooks_dir else nbr.NOTEBOOKS_DIR
    if args.in_place:
        for nb in nbr.list_notebooks(folder, only=args.only):
            print(f"executing {nb.name} in place ...", flush=True)
            print(f"  {nbr.execute_in_place(nb):.1f} s")
        return 0
    try:
        results = nbr.run_notebooks(args.profile, only=args.only, notebooks_dir=folder,
                                    output_dir=Path(args.output) if args.output else None)
    except nbr.NotebookRunError as err:
        print(f"\nFAILED: {err}", file=sys.stderr)
        return 1
    print("\n" + nbr.format_times(results))
    return 0


def _train(args: argparse.Namespace) -> int:
    from .paths import runs_dir
    from .runlock import RunLockedError
    from .train import NonFiniteLossError, TrainConfig, Trainer
    out = args.out or str(runs_dir() / "checkpoints" / (args.preset or "paper") / args.model)
    cfg = TrainConfig(model=args.model, preset=args.preset, dataset=args.dataset, size=args.size,
                      train_images=args.train_images, val_images=args.val_images, masks=args.masks,
                      val_masks=args.val_masks, epochs=args.epochs,
                      sgd_epochs=args.epochs // 2 if args.sgd_epochs is None else args.sgd_epochs,
                      batch=args.batch, lr=args.lr, loss=args.loss, amp=args.amp, seed=args.seed,
                      device=args.device, workers=args.workers, out=out)
    try:
        result = Trainer(cfg).fit(resume=args.resume)
    except (NonFiniteLossError, FileExistsError, RunLockedError, ValueError) as err:
        print(f"train: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    if int(os.environ.get("RANK", "0")) == 0:
        best = result.best
        print(f"done: {out}/last.pt; best.pt from epoch {best['epoch']} (val SSIM {best['val_ssim']:.4f})")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    import json

    from .analysis import format_table
    from .evaluate import evaluate, test_set
    from .atomic import atomic_write
    from .models import build
    from .paths import runs_dir
    from .runtime import choose_device
    from .train import load_checkpoint
    device = choose_device(args.device)
    if args.checkpoint:
        model, _ = load_checkpoint(args.checkpoint, device)
        label, out = args.checkpoint, Path(args.out or Path(args.checkpoint).parent)
    else:
        model = build(args.model, args.preset).to(device).eval()
        has_weights = any(True for _ in model.parameters())
        label = f"{args.model} (untrained)" if has_weights else args.model
        out = Path(args.out or runs_dir() / "eval" / args.model)
    data = test_set(args.dataset, args.split, args.n, args.masks, args.size)
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
    chosen = args.only or pretrained.names()
    unknown = sorted(set(chosen) - set(pretrained.names()))
    if unknown:
        print(f"pretrained: unknown reference(s) {unknown}; choose from {pretrained.names()}", file=sys.stderr)
        return 2
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


def _bench(args: argparse.Namespace) -> int:
    import torch

    from . import benchmarks
    from .analysis import format_table
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
          f"{'autocast' if args.amp else 'float32'}")
    print(format_table(rows))
    return 0


def _gpu_check(args: argparse.Namespace) -> int:
    from . import gpu_check
    return gpu_check.main(compile=args.compile, batch=args.batch, tests=not args.no_tests)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m inpaintlib", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("download", help="download, verify and unpack a dataset")
    p.add_argument("dataset", choices=["stl10", "cifar10"])
    p.add_argument("--root", help="data folder (default: $INPAINT_DATA or data/)")
    p.set_defaults(func=_download)

    p = sub.add_parser("run-notebooks", help="execute the numbered notebooks with papermill")
    p.add_argument("--profile", default="quick", help="notebooks/profiles/<name>.yaml (default quick)")
    p.add_argument("--only", nargs="+", metavar="NN", help="notebook numbers to run, e.g. 00 03")
    p.add_argument("--output", help="folder for executed copies (default runs/<profile>/)")
    p.add_argument("--notebooks-dir", help="folder of numbered notebooks and profiles/ (default notebooks/)")
    p.add_argument("--in-place", action="store_true",
                   help="re-execute the committed notebooks with their defaults and overwrite them")
    p.set_defaults(func=_run_notebooks)
    p = sub.add_parser("train", help="train a model (checkpoints, resume, AMP, torchrun)")
    p.add_argument("--model", required=True, help="model name (see inpaintlib.models.names())")
    p.add_argument("--preset", help="model preset, e.g. quick (default: the paper's size)")
    p.add_argument("--dataset", default="auto", help="stl10, cifar10, samples or auto (default)")
    p.add_argument("--size", type=positive_int, default=96, help="image side in pixels (default 96)")
    p.add_argument("--train-images", type=positive_int, help="use the first N training images (default all)")
    p.add_argument("--val-images", type=positive_int, default=1000, help="validation images (default 1000)")
    p.add_argument("--masks", default="train", help="training masks: LaMa preset, box<k>, square<a>-<b>")
    p.add_argument("--val-masks", default="medium", help="fixed validation mask set (default medium)")
    p.add_argument("--epochs", type=positive_int, default=100, help="epochs (default 100, the paper's)")
    p.add_argument("--sgd-epochs", type=non_negative_int, help="final epochs on SGD (default half of --epochs)")
    p.add_argument("--batch", type=positive_int, default=40, help="global batch size (default 40)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--loss", default="ssim_mae", choices=["ssim_mae", "mse"])
    p.add_argument("--amp", default="auto", choices=["auto", "bf16", "fp16", "off"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--workers", type=non_negative_int, default=2, help="data-loading processes (default 2)")
    p.add_argument("--out", help="output folder (default runs/checkpoints/<preset>/<model>)")
    p.add_argument("--resume", action="store_true", help="continue from <out>/last.pt")
    p.set_defaults(func=_train)

    p = sub.add_parser("evaluate", help="metrics of a checkpoint or model on a fixed mask set")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--checkpoint", help="a trainer checkpoint (last.pt or best.pt)")
    which.add_argument("--model", help="a model without checkpoint, e.g. telea")
    p.add_argument("--preset", help="with --model: its preset")
    p.add_argument("--dataset", default="auto")
    p.add_argument("--split", default="test", choices=["train", "val", "test"])
    p.add_argument("--size", type=positive_int, default=96)
    p.add_argument("--masks", default="medium", help="fixed mask set: thick, medium, thin, ... (default medium)")
    p.add_argument("--n", type=positive_int, help="evaluate the first N images (default all)")
    p.add_argument("--batch", type=positive_int, default=40)
    p.add_argument("--device", default="auto")
    p.add_argument("--fid", default="auto", choices=["auto", "off"], help="Inception FID if available")
    p.add_argument("--out", help="folder for the JSON report (default: the checkpoint's folder)")
    p.set_defaults(func=_evaluate)

    p = sub.add_parser("pretrained", help="list, verify or retrain the reference checkpoints")
    p.add_argument("action", choices=["list", "verify", "build"],
                   help="list/verify: check every file's SHA-256; build: train (course profile) and export")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these references (default all)")
    p.add_argument("--device", default="auto", help="build: training device (default auto)")
    p.set_defaults(func=_pretrained)

    p = sub.add_parser("bench", help="speed benchmarks")
    p.add_argument("target", choices=["dwt", "models"], help="what to time")
    p.add_argument("--shape", type=positive_int, nargs=4, default=[40, 144, 48, 48], metavar=("N", "C", "H", "W"),
                   help="dwt: input shape")
    p.add_argument("--levels", type=positive_int, default=1, help="dwt: DWT levels")
    p.add_argument("--models", nargs="+", metavar="M", help="models: names (default all)")
    p.add_argument("--preset", help="models: preset where a model has it (default: paper sizes)")
    p.add_argument("--batch", type=positive_int, default=40, help="models: batch size (default 40, the paper's)")
    p.add_argument("--size", type=positive_int, help="models: image side (default 96; 32 for unet models)")
    p.add_argument("--amp", action="store_true", help="models: autocast (bf16 CPU, fp16 CUDA)")
    p.add_argument("--no-train", action="store_true", help="models: inference only (training is slow on CPUs)")
    p.add_argument("--threads", type=positive_int, default=2, help="CPU threads (default 2, a laptop)")
    p.add_argument("--repeats", type=positive_int, default=None, help="timed repeats (dwt 7, models 3)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--compile", action="store_true", help="models: time torch.compile(model)")
    p.set_defaults(func=_bench)

    p = sub.add_parser("gpu-check", help="CUDA tests and the Table 1 speed ratios on a GPU (make gpu-check)")
    p.add_argument("--compile", action="store_true", help="also benchmark with torch.compile")
    p.add_argument("--batch", type=positive_int, default=40, help="benchmark batch (default 40, the paper's)")
    p.add_argument("--no-tests", action="store_true", help="only the benchmark")
    p.set_defaults(func=_gpu_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
