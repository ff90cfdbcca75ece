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
from .paths import LAST_CHECKPOINT, REPO_ROOT, RUN_CONFIG, RUN_HISTORY, run_dir
from .train import TrainConfig, Trainer, load_checkpoint
from .train.config import crops_per_epoch

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


#: The recipe study (notebook 07b): WaveMix ``quick`` runs that each change one thing of the
#: ``course`` profile (:data:`inpaintlib.train.PROFILES`), at the same 128,000 crops (8 of
#: its epochs), scored on the validation photos every epoch. The ``course`` reference itself
#: is the chosen recipe; its first 8 epochs are the comparison row.
STUDY: dict[str, dict] = {
    # the course's earlier recipe: 8,000 fixed crops over and over, the paper's loss, batch 16
    "earlier": dict(source="crops", synthetic=0.0, loss="ssim_mae", batch=16, epochs=16, sgd_epochs=1),
    "photos-only": dict(synthetic=0.0),              # no synthetic images
    "synthetic-only": dict(synthetic=1.0),           # no photos at all
    "paper-loss": dict(loss="ssim_mae"),             # 3 (1 - SSIM) + MAE instead of L1
    "mse": dict(loss="mse"),                         # MSE instead of L1
    "zeros": dict(model_cfg={"fill": "zeros"}),      # the papers' zero-filled holes
}
#: Epochs of the study's stream runs (8 x 250 steps x 64 = 128,000 crops).
STUDY_EPOCHS = 8


def study_config(variant: str, **overrides) -> TrainConfig:
    """The training run of study ``variant``: the ``course`` profile's WaveMix with the
    variant's changes, in ``runs/checkpoints/study/<variant>``."""
    from .train import profile_config
    if variant not in STUDY:
        raise ValueError(f"unknown study variant {variant!r}; choose one of {list(STUDY)}")
    settings = {"epochs": STUDY_EPOCHS, **STUDY[variant], **overrides}
    settings.setdefault("out", str(run_dir("checkpoints", "study", variant)))
    return profile_config("wavemix", "course", **settings)


#: The committed histories of the recipe study's GPU runs (``data/recipe/study/<run>/<name>/``:
#: ``history.csv`` and ``config.json`` as the trainer wrote them; README.md there says what
#: each run was).
STUDY_DIR = REPO_ROOT / "data" / "recipe" / "study"
#: What a study table row shows of each run's configuration.
STUDY_SETTINGS = ("model", "source", "synthetic", "loss", "start", "schedule", "fill")


def load_study(run: str, folder: str | os.PathLike = STUDY_DIR) -> dict[str, dict]:
    """The runs of study ``run`` (a folder of :data:`STUDY_DIR`): name -> ``{"config": dict,
    "crops": [crops seen after each logged epoch], "psnr_hole": [validation hole PSNR, dB],
    "gain": [the same minus the run's own pre-fill on its validation crops, dB],
    "seconds": training seconds logged}``. A run's validation crops follow its seed, so
    gains are comparable across runs where hole PSNRs are not."""
    base = Path(folder) / run
    if not base.is_dir():
        raise FileNotFoundError(f"no recipe study {run!r} in {Path(folder)}: it is committed with the "
                                "repository; restore it with `git checkout -- data/recipe/study`")
    runs = {}
    for sub in sorted(p for p in base.iterdir() if (p / RUN_HISTORY).is_file()):
        config = json.loads((sub / RUN_CONFIG).read_text())
        with open(sub / RUN_HISTORY, newline="") as fh:
            rows = list(csv.DictReader(fh))
        per_epoch = crops_per_epoch(config)
        runs[sub.name] = {"config": config,
                          "crops": [int(r["epoch"]) * per_epoch for r in rows],
                          "psnr_hole": [float(r["val_psnr_hole"]) for r in rows],
                          "gain": [float(r["val_gain_db"]) for r in rows],
                          "seconds": sum(float(r["seconds"]) for r in rows)}
    return runs


def study_table(runs: dict[str, dict]) -> list[dict]:
    """One row per run: its settings (:data:`STUDY_SETTINGS`; settings a run predates show
    the value it ran with), crops seen, the last logged validation hole PSNR, gain over its own
    pre-fill (last and best, dB; None for zero-filled holes) and the training minutes."""
    from .train.config import with_added_fields
    rows = []
    for name, r in runs.items():
        cfg = with_added_fields(r["config"])
        settings = {k: cfg["model_cfg"].get("fill", "zeros") if k == "fill" else cfg[k]
                    for k in STUDY_SETTINGS}
        zeros = settings["fill"] == "zeros"            # a gain over a black hole says nothing
        rows.append({"run": name, **settings, "crops": r["crops"][-1], "psnr_hole": r["psnr_hole"][-1],
                     "gain_last": None if zeros else r["gain"][-1],
                     "gain_best": None if zeros else max(r["gain"]),
                     "minutes": r["seconds"] / 60})
    return rows


def load_study_model(run: str, name: str, folder: str | os.PathLike = STUDY_DIR) -> torch.nn.Module:
    """The committed weights of study run ``run``/``name`` (``weights.pt``; only the CNN of
    ``gpu-run2`` has them) as a model in eval mode, float32, on the CPU, checked against
    ``SHA256SUMS`` first."""
    from .files.checksums import CHECKSUMS, file_sha256, read_checksums
    from .train import checkpoint
    base = Path(folder)
    path, key = base / run / name / "weights.pt", f"{run}/{name}/weights.pt"
    restore = "restore it with `git checkout -- data/recipe/study`"
    sums = read_checksums(base / CHECKSUMS, restore)
    if not path.is_file() or key not in sums:
        raise FileNotFoundError(f"no committed weights for study run {run}/{name} (expected {path} listed in "
                                f"{base / CHECKSUMS}); {restore}")
    if file_sha256(path) != sums[key]:
        raise ValueError(f"{path} is corrupt or was altered (its SHA-256 does not match {CHECKSUMS}); "
                         f"{restore}")
    model, _ = checkpoint.read_model(path, "a recipe-study checkpoint", restore, "cpu")
    return model
