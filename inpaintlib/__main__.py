"""Command line: ``python -m inpaintlib <command> ...`` (``--help`` on each command).

    download {stl10,cifar10}            fetch, verify and unpack a dataset (resumable)
    run-notebooks [--profile P] [--only NN ...] [--in-place]
                                        execute the numbered notebooks headless
    bench dwt [--shape N C H W] [--levels J] [--threads T]
                                        time the Haar DWT backends (forward+backward)
    bench models [--models M ...] [--preset P] [--batch B] [--amp]
                                        parameters, GFLOPs and inference images/s per model
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


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
                                   repeats=args.repeats or 3, amp=args.amp)
    print(f"Inference, batch {args.batch}, {args.device}, {torch.get_num_threads()} thread(s), "
          f"{'autocast' if args.amp else 'float32'}")
    print(format_table(rows))
    return 0


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
    p = sub.add_parser("bench", help="speed benchmarks")
    p.add_argument("target", choices=["dwt", "models"], help="what to time")
    p.add_argument("--shape", type=int, nargs=4, default=[40, 144, 48, 48], metavar=("N", "C", "H", "W"),
                   help="dwt: input shape")
    p.add_argument("--levels", type=int, default=1, help="dwt: DWT levels")
    p.add_argument("--models", nargs="+", metavar="M", help="models: names (default all)")
    p.add_argument("--preset", help="models: preset where a model has it (default: paper sizes)")
    p.add_argument("--batch", type=int, default=40, help="models: batch size (default 40, the paper's)")
    p.add_argument("--size", type=int, help="models: image side (default 96; 32 for unet models)")
    p.add_argument("--amp", action="store_true", help="models: autocast (bf16 CPU, fp16 CUDA)")
    p.add_argument("--threads", type=int, default=2, help="CPU threads (default 2, a laptop)")
    p.add_argument("--repeats", type=int, default=None, help="timed repeats (dwt 7, models 3)")
    p.add_argument("--device", default="cpu")
    p.set_defaults(func=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
