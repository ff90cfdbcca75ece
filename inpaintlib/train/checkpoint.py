"""The one checkpoint format, written by the trainer and by :mod:`inpaintlib.pretrained`.

A checkpoint is a dict of tensors and plain Python values, loadable with
``torch.load(path, weights_only=True)``:

* always: ``{"format": FORMAT, "model_spec": {"name": ..., **settings}, "state_dict": {...}}``,
  enough to rebuild the model (:func:`read_model`);
* a trainer checkpoint (``last.pt``, ``best.pt``) adds what a resumed run needs
  (:data:`TRAINING_KEYS`: config, optimizer, gradient scaler, random state, history ...);
* a reference checkpoint (``data/pretrained/<name>/weights.pt``) stores its floating-point
  tensors as float16; :func:`read_model` returns float32 models either way.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import torch
from torch import nn

from ..files.atomic import atomic_write
from ..files.safeload import corrupt_file, describe, load_torch_file
from ..models import build

#: Bumped when the layout changes (2: the trainer's ``model`` key became ``state_dict``,
#: shared with the reference checkpoints).
FORMAT = 2
#: What every checkpoint holds.
MODEL_KEYS = ("format", "model_spec", "state_dict")
#: What a trainer checkpoint adds.
TRAINING_KEYS = ("config", "optimizer_name", "optimizer", "scaler", "rng", "history", "best_ssim",
                 "epoch", "progress")
#: How to regenerate a damaged trainer checkpoint (said in the error).
RETRAIN = ("delete the run folder and train again (python -m inpaintlib train ..., "
           "or the notebook that trained it)")


def model_state(model: nn.Module, half: bool = False) -> dict:
    """The :data:`MODEL_KEYS` of ``model`` (floating-point tensors as float16 if ``half``).
    ``ValueError`` for a model without a ``spec`` (one made from its class, not by
    :func:`~inpaintlib.models.build`): a checkpoint could not rebuild it."""
    if getattr(model, "spec", None) is None:
        raise ValueError(f"cannot save a {type(model).__name__} without a spec (how to rebuild it): build it "
                         "with inpaintlib.models.build(name, preset, **settings) instead of its class")
    weights = model.state_dict()
    if half:
        weights = {k: v.half() if v.is_floating_point() else v for k, v in weights.items()}
    return {"format": FORMAT, "model_spec": dict(model.spec), "state_dict": weights}


def save(path: str | os.PathLike, state: dict) -> Path:
    """Write checkpoint ``state`` to ``path`` atomically (serialised first, so a failure
    while pickling leaves the old file)."""
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return atomic_write(path, lambda fh: fh.write(buffer.getvalue()))


def read(path: str | os.PathLike, what: str, regenerate: str, keys=MODEL_KEYS,
         device: str | torch.device = "cpu") -> dict:
    """The checkpoint dict at ``path``, checked: format :data:`FORMAT` and every key in
    ``keys``. Damage raises :class:`~inpaintlib.files.safeload.CorruptFileError` naming
    ``what`` the file should be and the command that ``regenerate``\\ s it."""
    path = Path(path)
    state = load_torch_file(path, what, regenerate, device)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise corrupt_file(path, what, f"regenerate it with: {regenerate}", f"format {found!r}, not {FORMAT}")
    missing = [k for k in keys if k not in state]
    if missing:
        raise corrupt_file(path, what, f"regenerate it with: {regenerate}", f"no {', '.join(missing)}")
    return state


def model_from(state: dict, path: str | os.PathLike, what: str, regenerate: str) -> nn.Module:
    """The float32 model (eval mode, CPU) described by a checkpoint dict read from ``path``."""
    try:
        spec = dict(state["model_spec"])
        model = build(spec.pop("name"), **spec)
        model.load_state_dict({k: v.float() if v.is_floating_point() else v
                               for k, v in state["state_dict"].items()})
    except (KeyError, TypeError, ValueError, RuntimeError) as err:  # missing keys, wrong shapes
        raise corrupt_file(path, what, f"regenerate it with: {regenerate}", describe(err)) from None
    return model.eval()


def read_model(path: str | os.PathLike, what: str, regenerate: str,
               device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """The model stored at ``path`` (eval mode, float32, on ``device``) and the checkpoint dict."""
    state = read(path, what, regenerate)
    return model_from(state, path, what, regenerate).to(device), state


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """The model stored in a trainer checkpoint (eval mode) and the checkpoint dict.

    Loads with ``weights_only=True``: a checkpoint is tensors and plain Python values.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}; train one with `python -m inpaintlib train ...`")
    return read_model(path, "a training checkpoint", RETRAIN, device)
