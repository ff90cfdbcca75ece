"""Ablation grids (the first paper's Tables 2 and 3): one WaveMix preset per table row,
each trained with the same data, masks and schedule, then evaluated on the same fixed
test masks. Every finished row is cached in ``runs/ablations/<profile>/<table>/<row>/``,
so a rerun (or an interrupted one) skips what is done.

    from inpaintlib.ablation import run_grid
    rows = run_grid("table3", "quick")      # list of {"row", settings, "l1", "l2", "psnr", "ssim", ...}
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import torch

from . import paper
from .analysis import count_flops, count_parameters
from .evaluate import evaluate, masked_split
from .files.atomic import atomic_write
from .models import PRESETS
from .paths import BEST_CHECKPOINT, run_dir
from .runtime import choose_device
from .train import TrainConfig, Trainer, comparable_config, load_checkpoint, profile_config
from .train.config import run_name

#: table -> (box side in px at 96 x 96 for training, validation and test; the rows as
#: WaveMix presets; the paper's numbers)
TABLES = {
    "table2": (8, ["t2-1", "t2-2"], paper.TABLE2),
    "table3": (12, [f"t3-{i}" for i in range(1, 10)], paper.TABLE3),
}
#: Settings of each row, in the tables' column order.
SETTINGS = ("blocks", "dim", "modules", "levels", "reduce_input")

#: How each profile trains a row. ``quick``: every row's width divided by 4, no dropout (as
#: the ``quick`` preset), 48 x 48 crops with boxes of half the side (the same 0.7 % and
#: 1.6 % coverage), 128 crops for two epochs: both tables in a few minutes on a 2-core CPU.
#: ``paper``: full widths, 96 x 96 STL-10. The paper trains its ablations on "limited
#: data" without saying how much; we take 20,000 images and 20 epochs.
GRID_PROFILES = {
    "quick": dict(train=dict(size=48, train_images=128, val_images=40, epochs=2, sgd_epochs=1, batch=8),
                  width_divisor=4, dropout=0.0),
    "paper": dict(train=dict(size=96, train_images=20_000, val_images=2_000, epochs=20, sgd_epochs=10,
                             batch=40),
                  width_divisor=1, dropout=None),
}


def _check(table: str, profile: str) -> None:
    if table not in TABLES:
        raise ValueError(f"unknown table {table!r}; choose one of {sorted(TABLES)}")
    if profile not in GRID_PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(GRID_PROFILES)}")


def mask_kind(table: str, profile: str) -> str:
    """The box-mask kind of ``table`` in ``profile``: e.g. ``"box12"`` at 96 px, ``"box6"`` at 48."""
    _check(table, profile)
    side = TABLES[table][0] * GRID_PROFILES[profile]["train"]["size"] // 96
    return f"box{side}"


def row_model_cfg(preset: str, profile: str) -> dict:
    """Overrides of preset ``preset``'s settings in ``profile`` (narrower, no dropout in quick;
    zero-filled holes as in the paper)."""
    grid = GRID_PROFILES[profile]
    cfg = {"fill": "zeros"}                       # the paper's zero-filled holes in every profile
    if grid["width_divisor"] > 1:
        cfg["dim"] = PRESETS["wavemix"][preset]["dim"] // grid["width_divisor"]
    if grid["dropout"] is not None:
        cfg["dropout"] = grid["dropout"]
    return cfg


def row_config(table: str, preset: str, profile: str, **overrides) -> TrainConfig:
    """The training run of one table row; ``overrides`` change single fields. The run folder
    is ``runs/ablations/<profile>/<table>/<row>``, the row's name extended by every override
    that changes what is trained (``t3-1-seed=1``), so a second seed is a second run."""
    _check(table, profile)
    presets = TABLES[table][1]
    if preset not in presets:
        raise ValueError(f"{table} has rows {presets}, not {preset!r}")
    kind = mask_kind(table, profile)
    settings = {**GRID_PROFILES[profile]["train"], "masks": kind, "val_masks": kind,
                "model_cfg": row_model_cfg(preset, profile), "augment": "none",   # as the paper
                "out": str(run_dir("ablations", profile, table, run_name(preset, profile, overrides))),
                **overrides}
    return profile_config("wavemix", profile, preset=preset, **settings)


def run_row(config: TrainConfig, n_test: int | None = 200) -> dict:
    """Train (or finish, or load) one row and evaluate it on the first ``n_test`` test
    images with the fixed set of the row's mask kind. The result is cached next to the
    checkpoints as ``result.json`` and reused while the configuration is unchanged."""
    out = Path(config.out)
    cache = out / "result.json"
    key = {"config": comparable_config(config.to_dict()), "n_test": n_test}
    if cache.exists():
        saved = json.loads(cache.read_text())
        if saved["key"] == json.loads(json.dumps(key)):
            return saved["row"]
    begin = time.perf_counter()
    Trainer(config).fit(resume=True)
    device = choose_device(config.device)
    model, state = load_checkpoint(out / BEST_CHECKPOINT, device)
    test = masked_split(config.dataset, "test", n_test, config.val_masks, config.size, config.seed)
    summary = evaluate(model, test, batch=config.batch, device=device, fid=None, progress=False).summary
    sample = torch.zeros(1, 3, config.size, config.size, device=device)
    row = {"row": config.preset, **{k: model.spec[k] for k in SETTINGS},
           "params": count_parameters(model),
           "gflops": count_flops(model, sample,
                                 torch.ones(1, 1, config.size, config.size, device=device)) / 1e9,
           **{k: summary[k] for k in ("l1", "l2", "psnr", "ssim", "l1_hole", "ssim_hole")},
           "best_epoch": state["epoch"], "seconds": time.perf_counter() - begin}
    text = json.dumps({"key": key, "row": row}, indent=2).encode()
    atomic_write(cache, lambda fh: fh.write(text))
    return row


def run_grid(table: str, profile: str = "quick", rows: list[str] | None = None, n_test: int | None = 200,
             progress: bool = True, **overrides) -> list[dict]:
    """Every row of ``table`` ("table2" or "table3"), or just ``rows``, trained and
    evaluated with :func:`run_row`; each result carries the paper's values as
    ``paper_l1`` ... ``paper_ssim``. ``overrides`` go to every row's :class:`TrainConfig`."""
    kind = mask_kind(table, profile)
    _, presets, reported = TABLES[table]
    results = []
    for preset in rows or presets:
        config = row_config(table, preset, profile, progress=False, **overrides)
        if progress:
            print(f"{table} {preset} ({kind} masks) ...", end=" ", flush=True)
        row = run_row(config, n_test)
        row.update({f"paper_{k}": v for k, v in reported[preset].items()})
        if progress:
            print(f"SSIM {row['ssim']:.4f}  PSNR {row['psnr']:.2f}  ({row['seconds']:.0f} s)", flush=True)
        results.append(row)
    return results


#: The first paper's claims that Tables 2 and 3 support: (the claim, the row that should
#: be better, the row it should beat). Each pair of rows differs in one setting.
CLAIMS = [
    ("7 blocks beat 3 (8x8 masks)", "t2-2", "t2-1"),
    ("7 blocks beat 5 (12x12, reduced input)", "t3-1", "t3-2"),
    ("full resolution beats input reduction", "t3-3", "t3-1"),
    ("2 modules beat 1", "t3-4", "t3-3"),
    ("dim 96 beats dim 64 (2 modules)", "t3-4", "t3-5"),
    ("dim 96 beats dim 128 (2 modules)", "t3-4", "t3-6"),
    ("2 modules beat 3", "t3-4", "t3-7"),
    ("2 DWT levels beat 1 (reduced input)", "t3-8", "t3-1"),
    ("3 DWT levels beat 1 (reduced input)", "t3-9", "t3-1"),
]


def seed_noise(grids: list[list[dict]], metric: str = "ssim") -> float:
    """The run-to-run noise of ``metric``: the largest change of any row between two seeds
    (``grids``: one list of :func:`run_grid` rows per seed, the same rows in each)."""
    if len(grids) < 2:
        raise ValueError("the noise needs the grid trained with at least two seeds")
    by_seed = [{r["row"]: r[metric] for r in grid} for grid in grids]
    return max(max(values) - min(values) for values in zip(*(d.values() for d in by_seed)))


def judge_claims(grids: list[list[dict]], metric: str = "ssim", claims=CLAIMS) -> list[dict]:
    """Each claim judged on every seed's grid: the difference ``better - worse`` in
    ``metric`` per seed, and a verdict against the run-to-run noise (:func:`seed_noise`):
    ``reproduced`` when every seed agrees with the claim by more than the noise on average,
    ``reversed`` when every seed contradicts it by more than the noise, otherwise ``within
    noise``. ``paper agrees`` says whether the paper's own numbers support the claim.
    ``metric`` must be one where higher is better (``ssim``, ``psnr``)."""
    if metric not in ("ssim", "psnr"):
        raise ValueError(f"metric must be 'ssim' or 'psnr' (higher is better), got {metric!r}")
    noise = seed_noise(grids, metric)
    rows = {r["row"]: r for r in grids[0]}
    out = []
    for claim, better, worse in claims:
        diffs = [{r["row"]: r[metric] for r in grid}[better] - {r["row"]: r[metric] for r in grid}[worse]
                 for grid in grids]
        mean = sum(diffs) / len(diffs)
        if all(d > 0 for d in diffs) and mean > noise:
            verdict = "reproduced"
        elif all(d < 0 for d in diffs) and -mean > noise:
            verdict = "reversed"
        else:
            verdict = "within noise"
        out.append({"claim": claim, "rows": f"{better} vs {worse}",
                    "paper agrees": rows[better][f"paper_{metric}"] >= rows[worse][f"paper_{metric}"],
                    "difference per seed": " / ".join(f"{d:+.4f}" for d in diffs),
                    "noise": round(noise, 4), "verdict": verdict})
    return out
