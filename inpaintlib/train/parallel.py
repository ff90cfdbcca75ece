"""Train several runs at once, each in its own process: one GPU holds many small models.

The course's models are small (0.4-0.9 M parameters): one of them keeps a current GPU far
from busy, so the references and the recipe study are trained side by side, one process per
run, all on the same device::

    python -m inpaintlib.train.parallel --references all --study all --device cuda --deadline 540

Each run is an ordinary :class:`~inpaintlib.train.Trainer` run in its own folder, started
with ``resume=True``: a run that was stopped continues where it stopped, a finished one
returns at once. ``deadline`` (seconds) interrupts every run still going at that time the
way Ctrl-C does (the trainer finishes its step and saves ``last.pt``), so a lease on a
borrowed machine ends with every run saved. References whose run finished are then exported
to ``data/pretrained/`` one after the other (:func:`inpaintlib.pretrained.export`).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..paths import LAST_CHECKPOINT
from .config import TrainConfig


def train_one(config: dict) -> None:
    """The child process: train ``config`` (a :meth:`TrainConfig.to_dict`), resuming."""
    from .trainer import Trainer
    Trainer(TrainConfig(**config)).fit(resume=True)


def train_all(configs: dict[str, TrainConfig], deadline: float | None = None,
              log_dir: str | Path | None = None) -> dict[str, int]:
    """Train every config of ``configs`` (name -> config) at once, one process each; returns
    name -> exit status (0: finished; else interrupted or failed, see ``<log_dir>/<name>.log``).
    ``deadline``: seconds after which unfinished runs are interrupted (and save ``last.pt``)."""
    log_dir = Path(log_dir or "runs/logs/parallel")
    log_dir.mkdir(parents=True, exist_ok=True)
    procs = {}
    for name, config in configs.items():
        log = open(log_dir / f"{name}.log", "ab")
        cmd = [sys.executable, "-m", "inpaintlib.train.parallel", "--child", json.dumps(config.to_dict())]
        env = {**os.environ, "OMP_NUM_THREADS": "1"}        # many processes: one CPU thread each
        procs[name] = (subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env), log)
    start = time.monotonic()
    interrupted = False
    while any(p.poll() is None for p, _ in procs.values()):
        if deadline is not None and not interrupted and time.monotonic() - start > deadline:
            print(f"deadline of {deadline:.0f} s reached: interrupting the unfinished runs", flush=True)
            for p, _ in procs.values():
                if p.poll() is None:
                    p.send_signal(signal.SIGINT)
            interrupted = True
        time.sleep(1.0)
    for _, log in procs.values():
        log.close()
    return {name: p.returncode for name, (p, _) in procs.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m inpaintlib.train.parallel",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--references", nargs="*", default=[], help="reference names, or 'all'")
    parser.add_argument("--study", nargs="*", default=[], help="recipe-study variants, or 'all'")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--deadline", type=float, default=None,
                        help="seconds before unfinished runs are stopped")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        train_one(json.loads(args.child))
        return 0
    from .. import pretrained, recipe
    refs = pretrained.names() + pretrained.seed_names() if args.references == ["all"] else args.references
    study = list(recipe.STUDY) if args.study == ["all"] else args.study
    configs = {name: pretrained.reference_config(name, device=args.device, progress=True) for name in refs}
    configs.update({f"study-{v}": recipe.study_config(v, device=args.device) for v in study})
    codes = train_all(configs, args.deadline)
    for name in refs:
        if codes[name] == 0:
            folder = pretrained.export(name, Path(configs[name].out) / LAST_CHECKPOINT)
            print(f"{name}: finished, exported to {folder}")
    for name, code in codes.items():
        print(f"{name}: {'finished' if code == 0 else f'stopped (exit {code})'}", flush=True)
    return 0 if all(code == 0 for code in codes.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
