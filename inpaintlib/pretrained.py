"""Reference checkpoints: models trained by the course's own code, small enough to commit.

    from inpaintlib import pretrained
    pretrained.names()                    # ['wavemix', 'cnn', 'lama', 'unet', ...]
    model = pretrained.load("wavemix")    # eval mode, float32, on the CPU
    pred = model(masked, mask)            # (N,3,96,96) in [0,1], (N,1,96,96) 1 = hole

Each reference is trained with the ``course`` profile (:data:`inpaintlib.train.PROFILES`)
plus the few settings in :data:`REFERENCES`, so every Table 1 model sees the same number
of training crops, and the weights of its **last** epoch are shipped (equal budget, as the
papers compare models after a fixed number of epochs; no choice of epoch on validation
photos). The files live in
``data/pretrained/<name>/``:

* ``weights.pt``: a checkpoint in the trainer's format (:mod:`inpaintlib.train.checkpoint`)
  without the training state, floating-point tensors stored as float16 (half the size; the
  models run in float32 after loading). Loaded with ``torch.load(..., weights_only=True)``:
  plain tensors and Python values, never code;
* ``config.json``: the :class:`~inpaintlib.train.TrainConfig` it was trained with;
* ``history.csv``: the trainer's per-epoch log (losses, validation metrics, speed).

``data/pretrained/SHA256SUMS`` records the SHA-256 of every file; :func:`load` checks it
before reading a byte of ``weights.pt``, so a truncated or altered file is refused with
the command that regenerates it (:func:`regenerate`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from torch import nn

from .files.atomic import atomic_write
from .files.checksums import CHECKSUMS, file_sha256, write_checksums
from .files.checksums import read_checksums as read_manifest
from .files.safeload import CorruptFileError
from .paths import LAST_CHECKPOINT, RUN_CONFIG, RUN_HISTORY, data_root, run_dir
from .train import checkpoint, comparable_config

#: reference name -> the settings that differ from the ``course`` profile. The Table 1
#: trio shares everything but the model; ``wavemix_box12`` is the same WaveMix trained
#: on one fixed 12 px box (notebook 10, Appendix D); the second paper's pair works on
#: 32 px crops with random squares of 4-16 px, an MSE loss and Adam(W) throughout, and
#: a third of the crops (2 epochs: 16,000; the images are 9x smaller).
REFERENCES: dict[str, dict] = {
    "wavemix": dict(model="wavemix"),
    "cnn": dict(model="cnn"),
    "lama": dict(model="lama"),
    "wavemix_box12": dict(model="wavemix", masks="box12", val_masks="box12"),
    "unet": dict(model="unet", size=32, masks="square4-16", val_masks="square4-16", loss="mse",
                 epochs=2, sgd_epochs=0),
    "convmixer_unet": dict(model="convmixer_unet", size=32, masks="square4-16",
                           val_masks="square4-16", loss="mse", epochs=2, sgd_epochs=0),
}
#: Extra training seeds of the Table 1 trio (the reference itself is seed 0): the same
#: configuration with another ``seed`` (weights' start, data order, masks), so notebook 08
#: can measure the run-to-run noise. Same files and checks as the references; listed by
#: :func:`seed_names`, not by :func:`names`.
SEEDS = (1, 2)
SEED_REFERENCES: dict[str, dict] = {f"{model}-seed{seed}": dict(model=model, seed=seed)
                                    for model in ("wavemix", "cnn", "lama") for seed in SEEDS}
#: A reference's float16 weights (the checkpoint format's model part).
WEIGHTS = "weights.pt"
#: The files of a reference, each with its SHA-256 sum in the manifest.
FILES = (WEIGHTS, RUN_CONFIG, RUN_HISTORY)
#: The command that retrains and re-exports every reference (or one: ``--only NAME``).
REGENERATE = "make pretrained"


def regenerate(name: str) -> str:
    """The command that retrains and re-exports reference ``name`` (said in errors)."""
    return f"python -m inpaintlib pretrained build --only {name} (or {REGENERATE} for all six)"


class PretrainedError(CorruptFileError):
    """A reference checkpoint is missing, altered or unreadable (a
    :class:`~inpaintlib.files.safeload.CorruptFileError`, so a ``ValueError``)."""


def pretrained_dir(root: str | os.PathLike | None = None) -> Path:
    """``<data root>/pretrained``: where the reference checkpoints are committed."""
    return data_root(root) / "pretrained"


def names() -> list[str]:
    """The six references (whether or not their files exist); :func:`load` also accepts
    the :func:`seed_names`."""
    return list(REFERENCES)


def seed_names(model: str | None = None) -> list[str]:
    """The extra seeds of the Table 1 trio (of ``model`` only, if given), e.g. ``wavemix-seed1``."""
    return [n for n, s in SEED_REFERENCES.items() if model is None or s["model"] == model]


def available(root: str | os.PathLike | None = None) -> list[str]:
    """The references whose files are present (checksums not yet verified)."""
    return [n for n in REFERENCES if (pretrained_dir(root) / n / WEIGHTS).exists()]


def available_seeds(model: str, root: str | os.PathLike | None = None) -> list[str]:
    """``model``'s reference and its extra seeds whose files are present, seed 0 first."""
    return [n for n in [model, *seed_names(model)] if (pretrained_dir(root) / n / WEIGHTS).exists()]


def reference_config(name: str, **overrides):
    """The :class:`~inpaintlib.train.TrainConfig` that trains reference ``name``, in
    ``runs/checkpoints/course/<name>``; ``overrides`` change single fields (``device``)."""
    from .train import profile_config
    _check_name(name)
    settings = dict({**REFERENCES, **SEED_REFERENCES}[name])
    model = settings.pop("model")
    settings.setdefault("out", str(run_dir("checkpoints", "course", name)))
    return profile_config(model, "course", **{**settings, **overrides})


def _check_name(name: str) -> None:
    if name not in REFERENCES and name not in SEED_REFERENCES:
        raise ValueError(f"unknown reference {name!r}; choose one of {names()} or a seed {seed_names()}")


def read_checksums(root: str | os.PathLike | None = None) -> dict[str, str]:
    """``{"<name>/<file>": sha256}`` from the manifest (empty if there is none)."""
    path = pretrained_dir(root) / CHECKSUMS
    try:
        return read_manifest(path, f"restore it with `git checkout -- {path.name}` or regenerate with "
                                   f"{REGENERATE}")
    except CorruptFileError as err:
        raise PretrainedError(str(err)) from None


def verify(name: str, root: str | os.PathLike | None = None) -> Path:
    """Check every file of reference ``name`` against the manifest; returns its folder.
    Raises :class:`PretrainedError` naming the file and the command that regenerates it."""
    _check_name(name)
    folder = pretrained_dir(root) / name
    sums = read_checksums(root)
    for file in FILES:
        path, key = folder / file, f"{name}/{file}"
        if not path.exists():
            raise PretrainedError(f"reference checkpoint file {path} is missing; restore it with "
                                  f"`git checkout -- {path}` or regenerate it with {regenerate(name)}")
        if key not in sums:
            raise PretrainedError(f"{path} has no entry in {pretrained_dir(root) / CHECKSUMS}; "
                                  f"regenerate it with {regenerate(name)}")
        if file_sha256(path) != sums[key]:
            raise PretrainedError(f"{path} is corrupt or was altered: its SHA-256 does not match "
                                  f"{CHECKSUMS}; restore it with `git checkout -- {path}` or "
                                  f"regenerate it with {regenerate(name)}")
    return folder


def load(name: str, device: str | torch.device = "cpu", root: str | os.PathLike | None = None) -> nn.Module:
    """Reference model ``name`` in eval mode, float32, on ``device``, its checksum verified.

    ``model.spec`` says how it was built; :func:`training_config` and :func:`history`
    give how it was trained.
    """
    path = verify(name, root) / WEIGHTS
    try:   # weights only: tensors, never code
        model, _ = checkpoint.read_model(path, "a reference checkpoint", regenerate(name), device)
    except CorruptFileError as err:
        raise PretrainedError(str(err)) from None
    return model


def training_config(name: str, root: str | os.PathLike | None = None) -> dict:
    """The training configuration of reference ``name`` (``config.json``), verified; fields
    added to :class:`~inpaintlib.train.TrainConfig` since it was trained get the value that
    reproduces its run (:func:`~inpaintlib.train.config.with_added_fields`)."""
    from .train.config import with_added_fields
    return with_added_fields(json.loads((verify(name, root) / RUN_CONFIG).read_text()))


def history(name: str, root: str | os.PathLike | None = None) -> list[dict]:
    """The per-epoch training log of reference ``name`` (``history.csv``) as rows of floats
    (``epoch`` an int, ``optimizer`` a string)."""
    import csv
    with open(verify(name, root) / RUN_HISTORY, newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [{k: (v if k == "optimizer" else int(v) if k == "epoch" else float(v)) for k, v in r.items()}
            for r in rows]


def crops_seen(name: str, root: str | os.PathLike | None = None) -> int:
    """How many masked training crops reference ``name`` was trained on (epochs x the
    full batches of its training split): the budget the references share."""
    from .train.config import crops_per_epoch
    cfg = training_config(name, root)
    return cfg["epochs"] * crops_per_epoch(cfg)


def export(name: str, checkpoint_path: str | os.PathLike, root: str | os.PathLike | None = None) -> Path:
    """Write reference ``name`` from a trainer checkpoint (``last.pt``): float16 weights,
    ``config.json`` and ``history.csv`` from the checkpoint's folder, and their SHA-256
    sums in the manifest. Every file is written atomically."""
    _check_name(name)
    checkpoint_path = Path(checkpoint_path)
    model, state = checkpoint.load_checkpoint(checkpoint_path, "cpu")
    folder = pretrained_dir(root) / name
    folder.mkdir(parents=True, exist_ok=True)
    checkpoint.save(folder / WEIGHTS, checkpoint.model_state(model, half=True))
    config = json.dumps(comparable_config(state["config"]), indent=2).encode()
    atomic_write(folder / RUN_CONFIG, lambda fh: fh.write(config))
    source = checkpoint_path.parent / RUN_HISTORY
    atomic_write(folder / RUN_HISTORY, lambda fh: fh.write(source.read_bytes()))
    sums = read_checksums(root)
    sums.update({f"{name}/{f}": file_sha256(folder / f) for f in FILES})
    write_checksums(pretrained_dir(root) / CHECKSUMS, sums)
    return folder


def build_reference(name: str, device: str = "auto", progress: bool = True) -> Path:
    """Train reference ``name`` with the course profile (continuing an interrupted run in
    ``runs/checkpoints/course/<name>``), then :func:`export` its ``last.pt`` (every
    reference at the same budget: the last of its epochs, not the best on validation)."""
    from .train import Trainer
    config = reference_config(name, device=device, progress=progress)
    Trainer(config).fit(resume=True)
    return export(name, Path(config.out) / LAST_CHECKPOINT)


__all__ = ["REFERENCES", "SEEDS", "SEED_REFERENCES", "PretrainedError", "available", "available_seeds",
           "seed_names", "build_reference", "crops_seen", "export", "history", "load",
           "names", "reference_config", "training_config", "verify"]
