"""The course's two additions to the first paper's training recipe, measured before and after.

The references of the course are small models trained on a few photos. Trained as the paper
trains (holes filled with zeros, no augmentation), they learned their training photos'
palette and painted it into photos they had never seen. The course adds two things
(:data:`inpaintlib.train.COURSE_RECIPE`):

* the holes reach the network **pre-filled** with the push-pull fill
  (:mod:`inpaintlib.models.fill`), so it starts from the colours around the hole;
* the training crops are **re-coloured** at random (:mod:`inpaintlib.data.augment`), so the
  colours of the training photos are no answer to remember.

:func:`run_probe` measures both on the validation photos: one WaveMix (``quick`` preset) per
variant of :data:`VARIANTS`, trained on the same ``crops`` masked crops (one AdamW epoch),
scored by hole PSNR on the fixed ``thick`` mask set, next to Telea and the push-pull fill
itself. ``python -m inpaintlib recipe-probe`` runs it (about 10 minutes on 2 CPU cores) and
writes ``data/recipe/probe.json``, which notebook 07 reads (:func:`load_probe`).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import torch

from .data import MaskedImages, first, load_dataset
from .evaluate import evaluate
from .files.atomic import atomic_write
from .masks import EVAL_SET_SIZE, fixed_masks
from .models import build
from .paths import LAST_CHECKPOINT, REPO_ROOT, RUN_HISTORY, run_dir
from .train import TrainConfig, Trainer, load_checkpoint

#: name -> (fill, augment): the paper's recipe, then one addition, then both.
VARIANTS: dict[str, tuple[str, str]] = {
    "paper: zeros, no augmentation": ("zeros", "none"),
    "+ push-pull fill": ("push_pull", "none"),
    "+ push-pull fill + colour augmentation": ("push_pull", "colour"),
}
#: Baselines scored next to the variants (no training).
BASELINES = ("telea", "push_pull", "mean_fill")
#: Where the committed result lives, and the command that regenerates it.
PROBE_FILE = REPO_ROOT / "data" / "recipe" / "probe.json"
REGENERATE = "python -m inpaintlib recipe-probe"


def probe_config(variant: str, crops: int = 4000, seed: int = 0,
                 out: str | os.PathLike | None = None) -> TrainConfig:
    """The training run of ``variant``: WaveMix ``quick``, one AdamW epoch of the first
    ``crops`` training crops at batch 16, in ``runs/recipe/<crops>/<n>`` unless ``out``."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose one of {list(VARIANTS)}")
    if isinstance(crops, bool) or not isinstance(crops, int) or crops < 16:
        raise ValueError(f"crops must be a whole number >= 16 (one batch), got {crops!r}")
    fill, augment = VARIANTS[variant]
    index = list(VARIANTS).index(variant)
    out = out or run_dir("recipe", f"crops{crops}-seed{seed}", f"variant{index}")
    return TrainConfig(model="wavemix", preset="quick", model_cfg={"fill": fill}, augment=augment,
                       dataset="samples", train_images=crops, val_images=48, epochs=1, sgd_epochs=0,
                       batch=16, seed=seed, progress=False, out=str(out))


def _score(model: torch.nn.Module, val: MaskedImages, photos: list[str]) -> dict:
    result = evaluate(model, val, batch=50, device="cpu", fid=None, progress=False)
    per_photo = {row["photo"]: row["psnr_hole"] for row in result.by_group(photos, "photo")}
    return {"psnr_hole": result.summary["psnr_hole"], "ssim_hole": result.summary["ssim_hole"],
            "per_photo": per_photo}


def run_probe(crops: int = 4000, seed: int = 0, masks: str = "thick", val_crops: int | None = None,
              progress: bool = True) -> dict:
    """Train every variant (resuming finished runs) and score it and the baselines on the
    validation split (its first ``val_crops``; None: all) with the fixed ``masks`` set. Returns
    ``{"crops", "seed", "masks", "rows": [{"name", "fill", "augment", "psnr_hole", "ssim_hole",
    "per_photo", "train_seconds"}]}``
    (``train_seconds`` from the run's ``history.csv``: 0 for the baselines)."""
    split = load_dataset("samples", "val", size=96, seed=seed)
    val = MaskedImages(first(split, val_crops), fixed_masks(masks, 96, EVAL_SET_SIZE))
    photos = [split.source(i) for i in range(len(val))]
    rows = []
    for name in BASELINES:
        rows.append({"name": name, "fill": None, "augment": None, **_score(build(name), val, photos),
                     "train_seconds": 0.0})
    for name, (fill, augment) in VARIANTS.items():
        config = probe_config(name, crops, seed)
        if progress:
            print(f"{name}: training on {crops} crops ...", end=" ", flush=True)
        Trainer(config).fit(resume=True)
        model, _ = load_checkpoint(Path(config.out) / LAST_CHECKPOINT, "cpu")
        with open(Path(config.out) / RUN_HISTORY, newline="") as fh:
            seconds = sum(float(r["seconds"]) for r in csv.DictReader(fh))
        row = {"name": name, "fill": fill, "augment": augment, **_score(model, val, photos),
               "train_seconds": seconds}
        if progress:
            print(f"hole PSNR {row['psnr_hole']:.2f} dB", flush=True)
        rows.append(row)
    return {"crops": crops, "seed": seed, "masks": masks, "val_crops": len(val), "rows": rows}


def save_probe(result: dict, path: str | os.PathLike = PROBE_FILE) -> Path:
    """Write ``result`` as JSON, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (json.dumps(result, indent=1) + "\n").encode()
    return atomic_write(path, lambda fh: fh.write(text))


def load_probe(path: str | os.PathLike = PROBE_FILE) -> dict:
    """The committed probe result; a missing or damaged file names the command that remakes it."""
    path = Path(path)
    try:
        result = json.loads(path.read_text())
        if not isinstance(result, dict) or not isinstance(result.get("rows"), list):
            raise ValueError("no 'rows' list")
    except FileNotFoundError:
        raise FileNotFoundError(f"no recipe probe at {path}; make it with `{REGENERATE}`") from None
    except ValueError as err:
        raise ValueError(f"{path} is damaged ({err}); restore it with `git checkout -- {path.name}` "
                         f"or remake it with `{REGENERATE}`") from None
    return result
