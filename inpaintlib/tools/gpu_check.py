"""``make gpu-check``: one command that tells whether a GPU machine runs the course.

    python -m inpaintlib gpu-check [--compile]

1. the CUDA tests (``pytest -m cuda``): fp16 + gradient scaling and bf16 training steps for
   every learned model, channels-last, DDP over NCCL under ``torchrun``, resume on CUDA;
2. the Table 1 speed benchmark at the paper's batch size (40) with fp16 autocast (the
   paper's GTX 1080 has no bf16) and the
   paper's speed claims as hardware-free ratios (WaveMix vs LaMa and vs the CNN) next to
   ours, since no two GPUs give the same images per second;
3. with ``--compile``: the same benchmark with ``torch.compile``.

It needs a CUDA device and finishes in a few minutes on a current GPU.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TABLE1_MODELS = ["wavemix", "cnn", "lama"]


def ratio_table(rows: list[dict]) -> list[dict]:
    """Rows ``{"ratio", "ours", "paper"}``: :func:`inpaintlib.paper.speed_ratios` of the
    benchmark ``rows`` (one per Table 1 model) beside the paper's (a GTX 1080)."""
    from .. import paper
    by_model = {r["model"].split(" ")[0]: r for r in rows}
    ours, theirs = paper.speed_ratios(by_model), paper.speed_ratios(paper.TABLE1)
    return [{"ratio": k, "ours": round(ours[k], 2), "paper": round(theirs[k], 2)} for k in theirs]


def run_cuda_tests(repo: Path) -> int:
    """``pytest -m cuda tests/test_cuda.py``; returns its exit status."""
    return subprocess.call([sys.executable, "-m", "pytest", "-m", "cuda", "-q",
                            str(repo / "tests" / "test_cuda.py")], cwd=repo)


def main(compile: bool = False, batch: int = 40, tests: bool = True) -> int:
    """Run the check; 0 when the tests pass (the benchmark only reports)."""
    import torch

    from ..benchmarks import bench_models
    from ..paths import REPO_ROOT
    from ..tables import format_table
    if not torch.cuda.is_available():
        print("gpu-check needs a CUDA GPU; torch sees none (torch "
              f"{torch.__version__}, CUDA build: {torch.version.cuda or 'no'})", file=sys.stderr)
        return 1
    name = torch.cuda.get_device_name()
    print(f"GPU: {name}, torch {torch.__version__}, CUDA {torch.version.cuda}", flush=True)
    status = run_cuda_tests(REPO_ROOT) if tests else 0
    for compiled in [False, True] if compile else [False]:
        rows = bench_models(TABLE1_MODELS, batch=batch, device="cuda", threads=None, amp="fp16",
                            compile=compiled, progress=False)
        print(f"\nTable 1 models at the paper's size, batch {batch}, fp16 autocast, {name}"
              f"{', torch.compile' if compiled else ''}:")
        print(format_table(rows, ["model", "params", "gflops", "infer_img_s", "train_img_s", "epoch_s"]))
        print("\nWaveMix's speed relative to the others (> 1: WaveMix faster), ours vs the paper's GTX 1080:")
        print(format_table(ratio_table(rows)))
    print("\nCUDA tests: " + ("passed" if status == 0 else f"FAILED (pytest exit status {status})"))
    return status
