"""Training: the first paper's recipe as one step, and a trainer for long runs.

    from inpaintlib.train import TrainConfig, Trainer, profile_config
    result = Trainer(profile_config("wavemix", "quick")).fit()

* :mod:`~inpaintlib.train.config`: :class:`TrainConfig`, the course's :data:`PROFILES`,
  run names;
* :mod:`~inpaintlib.train.step`: :func:`train_step` (one optimizer step), the plain loop
  :func:`train_one_epoch`, the epoch's data order, validation;
* :mod:`~inpaintlib.train.trainer`: :class:`Trainer` (resume, Ctrl-C, NaN stop, DDP,
  checkpoints) around the same step;
* :mod:`~inpaintlib.train.checkpoint`: the one checkpoint format, shared with
  :mod:`inpaintlib.pretrained`.
"""

from .checkpoint import load_checkpoint
from .config import (
    COURSE_RECIPE,
    PAPER_PROFILES,
    PROFILES,
    RESUMABLE_CHANGES,
    TrainConfig,
    comparable_config,
    profile_config,
)
from .step import (
    VAL_METRICS,
    NonFiniteLossError,
    epoch_batches,
    epoch_seed,
    finite_or_stop,
    grad_scaler,
    resolve_amp,
    train_one_epoch,
    train_step,
    validate,
)
from .trainer import EpochProgress, Trainer, TrainResult

__all__ = ["COURSE_RECIPE", "PAPER_PROFILES", "PROFILES", "RESUMABLE_CHANGES", "VAL_METRICS",
           "EpochProgress", "NonFiniteLossError",
           "TrainConfig", "TrainResult", "Trainer", "comparable_config", "epoch_batches", "epoch_seed",
           "finite_or_stop", "grad_scaler", "load_checkpoint", "profile_config", "resolve_amp",
           "train_one_epoch", "train_step", "validate"]
