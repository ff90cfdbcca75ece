"""The trainer: the first paper's recipe, with the care a long GPU run needs.

    from inpaintlib.train import TrainConfig, Trainer
    result = Trainer(TrainConfig(model="wavemix", preset="quick", epochs=4, sgd_epochs=2,
                                 out="runs/checkpoints/quick/wavemix")).fit()

What it does, epoch by epoch (``epoch`` counts from 0):

* **optimizer**: AdamW(lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay 0.01) for the
  first ``epochs - sgd_epochs`` epochs, then a fresh SGD(lr 1e-3, momentum 0.9) for the
  last ``sgd_epochs`` (paper: the last 50 of 100);
* **data**: training images in a new order every epoch, each with a LaMa ``train`` mask
  drawn on the fly; both are pure functions of ``(seed, epoch, index)``, so a run is
  reproducible and can be resumed mid-epoch; validation on a *fixed* mask set
  (:func:`inpaintlib.masks.fixed_masks`);
* **mixed precision**: the forward pass and the loss's input run under autocast (bf16
  on a CPU with native bf16, bf16 on a CUDA GPU that has it, fp16 with a gradient
  scaler on older GPUs); the loss itself is computed in float32; ``channels_last`` on
  CUDA;
* **files** in ``out/``: ``config.json``; ``last.pt`` after every epoch (and on Ctrl-C),
  ``best.pt`` whenever the validation SSIM improves, both written atomically and loadable
  with ``torch.load(path, weights_only=True)``; ``history.csv`` with one row per epoch;
* **safety**: ``fit(resume=True)`` continues from ``last.pt`` exactly where it stopped
  (the same weights as an uninterrupted run); Ctrl-C finishes the current step, saves and
  raises ``KeyboardInterrupt``; a NaN or infinite loss raises :class:`NonFiniteLossError`
  before anything is saved, so ``last.pt`` stays the last good state;
* **several GPUs or machines**: start the same command with ``torchrun``; each process
  trains on its share of every batch (DistributedDataParallel) and rank 0 validates, logs
  and writes the files.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import json
import math
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, Dataset

from .data import AUGMENTS, MaskedImages, augmented, first, load_dataset
from .atomic import atomic_write
from .losses import build_loss
from .masks import MaskSampler, fixed_masks
from .models import build
from .runlock import RunLock
from .safeload import corrupt_file, describe, load_torch_file
from .runtime import bf16_supported, choose_device, progress_enabled, seed_everything

#: Bumped when the checkpoint layout changes.
CHECKPOINT_FORMAT = 1
#: How to regenerate a damaged checkpoint (said in the error).
RETRAIN = ("delete the run folder and train again (python -m inpaintlib train ..., "
           "or the notebook that trained it)")
#: Validation columns of ``history.csv`` (whole image unless ``_hole``).
VAL_METRICS = ("ssim", "psnr", "l1", "ssim_hole", "l1_hole")
#: Config fields that may differ between a run and its resumption.
RESUMABLE_CHANGES = ("device", "workers", "progress", "out")


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite; nothing of that step was saved."""


def _setting(default, doc: str, **extra):
    """A :class:`TrainConfig` field: its default and its one-line documentation, which
    ``python -m inpaintlib train --help`` shows (``extra``: ``choices``, ``min``)."""
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata={"doc": doc, **extra})
    return field(default=default, metadata={"doc": doc, **extra})


@dataclass
class TrainConfig:
    """Everything that defines a training run (saved as ``config.json`` and in checkpoints).

    The defaults are the library's single source: :data:`PROFILES` override some of them by
    name, and the command line (``python -m inpaintlib train``) has one flag per field with
    the same default and the documentation below.
    """

    model: str = _setting("wavemix", "model name (inpaintlib.models.names())")
    preset: str | None = _setting("quick", "model preset, e.g. quick, tiny, paper (None: the paper's size)")
    model_cfg: dict = _setting({}, "settings that override the preset, e.g. {\"dim\": 64} (JSON on the command line)")
    dataset: str = _setting("samples", "stl10, cifar10, samples, or auto (the first one installed)")
    size: int = _setting(96, "image side in pixels", min=1)
    train_images: int | None = _setting(None, "use the first N training images (None: all)", min=1)
    val_images: int | None = _setting(200, "validation images (None: all)", min=1)
    masks: str = _setting("train", "training masks, drawn on the fly: a LaMa preset, box<k> or square<a>-<b>")
    val_masks: str = _setting("medium", "the fixed validation mask set")
    augment: str = _setting("none", "training-image augmentation: none, or colour (random channel order, "
                            "20% grey, 20% inverted; inpaintlib.data.augment)", choices=AUGMENTS)
    epochs: int = _setting(100, "epochs (the paper: 100)", min=1)
    sgd_epochs: int | None = _setting(None, "final epochs on SGD instead of AdamW (None: half, like "
                                      "the paper's 50 of 100)", min=0)
    batch: int = _setting(40, "global batch size, split over torchrun processes (the paper: 40)", min=1)
    lr: float = _setting(1e-3, "learning rate of both optimizers")
    weight_decay: float = _setting(0.01, "AdamW weight decay")
    momentum: float = _setting(0.9, "SGD momentum")
    loss: str = _setting("ssim_mae", "training loss", choices=("ssim_mae", "mse"))
    amp: str = _setting("auto", "autocast: auto (bf16 where native, fp16 on GPUs without bf16, "
                        "else off), bf16, fp16 (CUDA) or off", choices=("auto", "bf16", "fp16", "off"))
    channels_last: str = _setting("auto", "channels-last memory format (auto: on CUDA)",
                                  choices=("auto", "on", "off"))
    seed: int = _setting(0, "seed of the weights, the data order and the training masks")
    device: str = _setting("auto", "cpu, cuda, cuda:1, mps or auto")
    workers: int = _setting(0, "data-loading processes (0: load in the training process)", min=0)
    progress: bool = _setting(True, "progress bar and one log line per epoch")
    out: str = _setting("runs/checkpoints/quick/wavemix", "output folder for checkpoints and history "
                        "(the command line names it runs/checkpoints/<profile or preset>/<model>)")

    def __post_init__(self):
        if self.sgd_epochs is None:
            self.sgd_epochs = self.epochs // 2
        if self.epochs < 1 or not 0 <= self.sgd_epochs <= self.epochs:
            raise ValueError(f"need epochs >= 1 and 0 <= sgd_epochs <= epochs, got epochs={self.epochs}, "
                             f"sgd_epochs={self.sgd_epochs}")
        if self.batch < 1:
            raise ValueError(f"batch must be >= 1, got {self.batch}")
        if self.size < 1:
            raise ValueError(f"size must be >= 1 (the image side in pixels), got {self.size}")
        for name in ("train_images", "val_images"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1 (or None for the whole split), "
                                 f"got {getattr(self, name)}")
        for f in dataclasses.fields(self):
            choices = f.metadata.get("choices")
            if choices and getattr(self, f.name) not in choices:
                raise ValueError(f"{f.name} must be one of {list(choices)}, got {getattr(self, f.name)!r}")
        MaskSampler(self.masks, self.size)  # validates the mask kind and size now

    def optimizer_for(self, epoch: int) -> str:
        """``"adamw"`` or ``"sgd"``: which optimizer trains epoch ``epoch`` (from 0)."""
        return "sgd" if epoch >= self.epochs - self.sgd_epochs else "adamw"

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


#: How the course profiles train: the holes are presented pre-filled with the push-pull fill
#: (:mod:`inpaintlib.models.fill`) and the training crops are re-coloured at random
#: (:mod:`inpaintlib.data.augment`), so that the small models learn to continue the colours
#: around a hole instead of painting their training photos' palette into it. Both are the
#: course's additions to the first paper's recipe (notebook 07 shows what each one does);
#: the ``paper`` profile keeps the paper's zero-filled holes and no augmentation.
COURSE_RECIPE = dict(model_cfg={"fill": "push_pull"}, augment="colour")

#: The course's training profiles (notebooks 07 and 08 share them).
#:
#: * ``quick``: small presets, a few hundred offline crops, a minute on a laptop CPU:
#:   enough to watch the loop run, not to learn inpainting;
#: * ``course``: the same small presets trained on 48,000 crops (6 epochs of the 8,000
#:   ``samples`` training crops at batch 16, the last one on SGD): about 15-35 minutes per
#:   model on 2 CPU cores (the holes start from the push-pull fill, so fewer crops are
#:   needed than with zero-filled holes). The reference checkpoints in ``data/pretrained/`` are trained
#:   with it (:mod:`inpaintlib.pretrained`). The paper switches to SGD for the last half;
#:   SGD at lr 1e-3 barely moves a small model, so the course spends only its last epoch
#:   there;
#: * ``paper``: the first paper's settings (STL-10, 100 epochs of which the last 50 on
#:   SGD, batch 40, zero-filled holes, no augmentation), for a GPU.
PROFILES = {
    "quick": dict(preset="quick", dataset="samples", train_images=192, val_images=100,
                  epochs=4, sgd_epochs=2, batch=8, **COURSE_RECIPE),
    "course": dict(preset="quick", dataset="samples", train_images=None, val_images=200,
                   epochs=6, sgd_epochs=1, batch=16, **COURSE_RECIPE),
    "paper": dict(preset=None, dataset="stl10", train_images=None, val_images=10_000,
                  epochs=100, sgd_epochs=50, batch=40, workers=4),
}


def profile_config(model: str, profile: str, **overrides) -> TrainConfig:
    """The :class:`TrainConfig` of ``model`` in a course profile; ``overrides`` change
    single fields (``model_cfg`` adds to the profile's model settings). A model without the
    profile's preset gets its paper configuration (as in ``bench``).

    The run is saved under ``runs/checkpoints/<profile>/<run name>``, where the run name
    is the model plus every override that changes what is trained (``wavemix``,
    ``wavemix-seed=1``, ``wavemix-loss=mse-masks=thick``), so a run with other settings
    never silently reuses an old one. ``device``, ``workers``, ``progress`` and ``out``
    do not change what is trained and do not enter the name."""
    from .models import PRESETS
    from .paths import runs_dir
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}")
    base = {**{f.name: f.default for f in dataclasses.fields(TrainConfig)
               if f.default is not dataclasses.MISSING}, **PROFILES[profile]}
    changed = {k: v for k, v in sorted(overrides.items())
               if k not in RESUMABLE_CHANGES and base.get(k) != v}
    name = "-".join([model, *(f"{k}={_name_part(v)}" for k, v in changed.items())])
    settings = {**PROFILES[profile], "out": str(runs_dir() / "checkpoints" / profile / name), **overrides}
    # model settings add to the profile's (a new width keeps the profile's hole fill)
    settings["model_cfg"] = {**PROFILES[profile].get("model_cfg", {}), **overrides.get("model_cfg", {})}
    if settings["preset"] not in PRESETS.get(model, {}):
        settings["preset"] = None
    return TrainConfig(model=model, **settings)


def _name_part(value) -> str:
    """A setting as a folder-name fragment: ``{"dim": 96}`` -> ``dim96``."""
    if isinstance(value, dict):
        return "_".join(f"{k}{_name_part(v)}" for k, v in sorted(value.items())) or "none"
    return str(value).replace("/", "_").replace(" ", "")


@dataclass
class TrainResult:
    """What :meth:`Trainer.fit` returns: the trained model (eval mode, last weights),
    the history rows and the output folder."""

    model: nn.Module
    history: list[dict]
    out: Path

    @property
    def best(self) -> dict:
        """The history row with the highest validation SSIM."""
        return max(self.history, key=lambda row: row["val_ssim"])


def resolve_amp(amp: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``amp`` on ``device`` (None = full precision)."""
    if amp == "off":
        return None
    if amp == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.bfloat16 if bf16_supported(device) else None
    if amp == "fp16" and device.type != "cuda":
        raise ValueError(f"amp='fp16' needs a CUDA device (gradient scaling), got {device}; use 'bf16'")
    return torch.bfloat16 if amp == "bf16" else torch.float16


def grad_scaler(amp_dtype: torch.dtype | None) -> torch.amp.GradScaler:
    """A gradient scaler that is active only for float16 autocast (whose small gradients
    would underflow to zero); for bf16 and float32 it passes everything through."""
    return torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)


def finite_or_stop(loss: torch.Tensor) -> float:
    """The default loss check of :func:`train_step`: the loss as a float, or
    :class:`NonFiniteLossError` if it is NaN or infinite."""
    value = loss.item()
    if not math.isfinite(value):
        raise NonFiniteLossError(f"the loss is {value}; try a lower learning rate or amp='off'")
    return value


def train_step(model: nn.Module, optimizer: torch.optim.Optimizer, loss_fn,
               masked: torch.Tensor, mask: torch.Tensor, target: torch.Tensor,
               amp_dtype: torch.dtype | None = None, scaler: torch.amp.GradScaler | None = None,
               check=finite_or_stop) -> float:
    """One optimizer step on one batch; returns the loss (float).

    ``masked``, ``target``: (N, 3, H, W) in [0, 1] and ``mask`` (N, 1, H, W), 1 = hole, on
    the model's device; ``amp_dtype``: autocast dtype (None: float32); ``scaler``: a
    :func:`grad_scaler` (None: made here, which only matters for float16); ``check(loss)``
    runs before the weights change and may raise to stop training there.
    """
    scaler = scaler or grad_scaler(amp_dtype)
    # 1. forward pass under autocast: matrix products and convolutions in amp_dtype
    with torch.autocast(masked.device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
        pred = model(masked, mask)
    # 2. the loss in float32 (SSIM's local variances lose too much precision in 16 bits)
    loss = loss_fn(pred.float(), target)
    # 3. a NaN or infinite loss stops here, before it reaches the weights
    value = check(loss)
    # 4. gradients, of the loss times the scale (float16: keeps small gradients from vanishing)
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    # 5. the update: unscale, skip the step if a gradient overflowed, adapt the scale
    scaler.step(optimizer)
    scaler.update()
    return value


def train_one_epoch(model: nn.Module, loader, optimizer: torch.optim.Optimizer, loss_fn,
                    device: torch.device | str = "cpu", amp_dtype: torch.dtype | None = None) -> float:
    """:func:`train_step` over every ``(masked, mask, target)`` batch of ``loader``, the
    model in training mode; returns the mean loss. The plain loop: :class:`Trainer` adds
    what a long run needs around the same step (resume, Ctrl-C, checkpoints, DDP)."""
    model.train()
    scaler, losses = grad_scaler(amp_dtype), []
    for masked, mask, target in loader:
        masked, mask, target = masked.to(device), mask.to(device), target.to(device)
        losses.append(train_step(model, optimizer, loss_fn, masked, mask, target, amp_dtype, scaler))
    return sum(losses) / max(len(losses), 1)


def epoch_seed(seed: int, epoch: int) -> int:
    """The seed of epoch ``epoch``'s image order and training masks."""
    return seed * 1_000_003 + epoch


def epoch_batches(n: int, batch: int, epoch: int, seed: int, rank: int = 0,
                  world: int = 1) -> list[list[int]]:
    """This process's batches of epoch ``epoch``: a permutation of ``range(n)`` seeded by
    ``(seed, epoch)``, dealt round-robin to ``world`` processes, cut into batches of
    ``batch // world`` with the incomplete last batch dropped (so every process takes the
    same number of steps and BatchNorm never sees a batch of one)."""
    if batch % world:
        raise ValueError(f"batch {batch} must be divisible by the number of processes {world}")
    per_rank = batch // world
    gen = torch.Generator().manual_seed(epoch_seed(seed, epoch))
    order = torch.randperm(n, generator=gen)[rank::world].tolist()
    steps = n // batch
    if steps == 0:
        raise ValueError(f"the training set has {n} images, fewer than one batch of {batch}")
    return [order[i * per_rank:(i + 1) * per_rank] for i in range(steps)]


@dataclass
class EpochProgress:
    """How far the current epoch has got (saved in ``last.pt``, so a resumed run continues
    at the next step): optimizer steps, images seen (all processes), summed loss, seconds."""

    steps: int = 0
    images: int = 0
    loss_sum: float = 0.0
    seconds: float = 0.0


class _StopFlag:
    """SIGINT (Ctrl-C, a Jupyter interrupt) sets ``raised``; a second one interrupts at once."""

    def __init__(self):
        self.raised = False
        self._previous = None

    def __enter__(self):
        import threading
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.raised:
            raise KeyboardInterrupt
        self.raised = True
        print("\nCtrl-C: finishing this step, then saving a checkpoint "
              "(press again to stop without saving)", flush=True)

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


class Trainer:
    """Trains ``config``'s model; see the module docstring for what it guarantees.

    Each step is :func:`train_step`; around it the Trainer keeps the care a long run needs:
    the data order and masks of every epoch, resuming mid-epoch, Ctrl-C, the NaN stop, DDP,
    validation and checkpoints. ``loss_fn`` replaces the configured loss (``(pred, target)
    -> scalar``), and ``on_step(trainer, epoch, step, loss)`` is called after every
    optimizer step: both are hooks for experiments and tests.
    """

    def __init__(self, config: TrainConfig, loss_fn=None, on_step=None):
        self.config = config
        self.out = Path(config.out)
        # processes: launched by torchrun (even with one process) means a process group and
        # DDP, so the multi-GPU code path can be tested on a single GPU
        self.distributed = "WORLD_SIZE" in os.environ and "RANK" in os.environ
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.device = choose_device(config.device)
        if self.distributed and self.device.type == "cuda":
            self.device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        # numerics
        self.amp_dtype = resolve_amp(config.amp, self.device)
        self.channels_last = (config.channels_last == "on"
                              or (config.channels_last == "auto" and self.device.type == "cuda"))
        self.loss_fn = loss_fn or build_loss(config.loss)
        self.on_step = on_step
        # built by fit() (after the process group exists), restored from last.pt on resume
        self.model: nn.Module | None = None            # the model itself (saved)
        self.net: nn.Module | None = None              # what is called: the model or its DDP wrapper
        self.optimizer_name = config.optimizer_for(0)
        self.optimizer: torch.optim.Optimizer | None = None
        self.scaler = grad_scaler(self.amp_dtype)
        self.train_set: Dataset | None = None
        self.val_set: Dataset | None = None
        # the log: one row per finished epoch, the best validation SSIM, the current epoch
        self.history: list[dict] = []
        self.best_ssim = -math.inf
        self.progress = EpochProgress()

    # -- set-up ----------------------------------------------------------------------
    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def _log(self, msg: str) -> None:
        if self.is_main and self.config.progress:
            print(msg, flush=True)

    def _build(self) -> None:
        cfg = self.config
        seed_everything(cfg.seed)
        self.model = build(cfg.model, cfg.preset, **cfg.model_cfg).to(self.device)
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.net = self.model
        if self.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        self.optimizer = self._make_optimizer(self.optimizer_name)
        self.train_set = first(load_dataset(cfg.dataset, "train", size=cfg.size, seed=cfg.seed),
                               cfg.train_images)
        val = first(load_dataset(cfg.dataset, "val", size=cfg.size, seed=cfg.seed), cfg.val_images)
        self.val_set = MaskedImages(val, fixed_masks(cfg.val_masks, cfg.size, 10_000))

    def _make_optimizer(self, name: str) -> torch.optim.Optimizer:
        cfg, params = self.config, self.model.parameters()
        if name == "adamw":
            return torch.optim.AdamW(params, lr=cfg.lr, betas=(0.9, 0.999), eps=1e-8,
                                     weight_decay=cfg.weight_decay)
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum)

    # -- checkpoints: what _state saves, the _restore_* steps read back ------------------
    def _state(self, epoch: int, progress: EpochProgress | None = None) -> dict:
        """Everything needed to continue: ``epoch`` epochs done plus ``progress`` (default:
        the current one) into the next."""
        rng = {"torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        return {"format": CHECKPOINT_FORMAT, "config": self.config.to_dict(),
                "model_spec": dict(self.model.spec), "model": self.model.state_dict(),
                "optimizer_name": self.optimizer_name, "optimizer": self.optimizer.state_dict(),
                "scaler": self.scaler.state_dict(), "rng": rng,
                "history": self.history, "best_ssim": self.best_ssim,
                "epoch": epoch, "progress": dataclasses.asdict(progress or self.progress)}

    def _save(self, name: str, state: dict) -> Path:
        buffer = io.BytesIO()
        torch.save(state, buffer)
        return atomic_write(self.out / name, lambda fh: fh.write(buffer.getvalue()))

    def _write_history(self) -> None:
        if not self.history:
            return
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(self.history[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.history)
        atomic_write(self.out / "history.csv", lambda fh: fh.write(text.getvalue().encode()))

    def _resume(self) -> int:
        """Load ``last.pt``; returns the number of finished epochs."""
        path = self.out / "last.pt"
        state = load_torch_file(path, "a training checkpoint", RETRAIN, self.device)
        self._check_resumable(path, state)
        self.model.load_state_dict(state["model"])
        self._restore_optimizer(state)
        self._restore_rng(state["rng"])
        self.history, self.best_ssim = list(state["history"]), state["best_ssim"]
        self.progress = EpochProgress(**state["progress"])
        return state["epoch"]

    def _check_resumable(self, path: Path, state: dict) -> None:
        """A complete checkpoint of this configuration (fields that do not change what is
        trained, such as the device, may differ)."""
        missing = [k for k in ("config", "model", "optimizer_name", "optimizer", "scaler", "rng",
                               "history", "best_ssim", "progress", "epoch") if k not in state]
        if missing:
            raise corrupt_file(path, "a training checkpoint", f"regenerate it with: {RETRAIN}",
                               f"no {', '.join(missing)}")
        saved, now = comparable_config(state["config"]), comparable_config(self.config.to_dict())
        changed = sorted(k for k in now if saved.get(k) != now[k])
        if changed:
            raise ValueError(f"{path} was trained with a different configuration ({', '.join(changed)}: "
                             f"{[saved.get(k) for k in changed]} then, {[now[k] for k in changed]} now); "
                             "use a new output folder or the original settings")

    def _restore_optimizer(self, state: dict) -> None:
        self.optimizer_name = state["optimizer_name"]
        self.optimizer = self._make_optimizer(self.optimizer_name)
        self.optimizer.load_state_dict(state["optimizer"])
        self.scaler.load_state_dict(state["scaler"])

    def _restore_rng(self, rng: dict) -> None:
        torch.set_rng_state(rng["torch"].cpu())
        if "cuda" in rng and self.device.type == "cuda":
            torch.cuda.set_rng_state(rng["cuda"].cpu(), self.device)

    # -- the loop --------------------------------------------------------------------
    def fit(self, resume: bool = False) -> TrainResult:
        """Train for ``config.epochs`` epochs; with ``resume``, continue from ``out/last.pt``
        if there is one (a finished run returns at once). Without ``resume`` an existing
        ``last.pt`` is an error, so nothing is overwritten by accident.

        While it runs, ``out/.lock`` keeps other trainers out of the folder (a second one
        gets a :class:`~inpaintlib.runlock.RunLockedError`); the lock is released on return,
        on errors and on Ctrl-C. Under torchrun rank 0 holds it."""
        started_dist = self.distributed and not dist.is_initialized()
        with RunLock(self.out) if self.is_main else contextlib.nullcontext():
            if started_dist:
                if self.device.type == "cuda":
                    torch.cuda.set_device(self.device)   # NCCL: one GPU per process
                dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
            try:
                return self._fit(resume)
            finally:
                if started_dist:
                    dist.destroy_process_group()

    def _fit(self, resume: bool) -> TrainResult:
        cfg = self.config
        self._build()
        epoch = 0
        last = self.out / "last.pt"
        if last.exists() and not resume:
            raise FileExistsError(f"{last} exists: pass resume=True (--resume) to continue that run, "
                                  "or choose another output folder")
        if resume and last.exists():
            epoch = self._resume()
            if epoch < cfg.epochs:
                self._log(f"resuming {last} at epoch {epoch + 1}, step {self.progress.steps}")
        if self.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            cfg_text = json.dumps(cfg.to_dict(), indent=2).encode()
            atomic_write(self.out / "config.json", lambda fh: fh.write(cfg_text))
        with _StopFlag() as stop:
            while epoch < cfg.epochs:
                if cfg.optimizer_for(epoch) != self.optimizer_name:
                    self.optimizer_name = cfg.optimizer_for(epoch)
                    self.optimizer = self._make_optimizer(self.optimizer_name)
                    self._log(f"epoch {epoch + 1}: switching to {self.optimizer_name.upper()}")
                if not self._train_epoch(epoch, stop):
                    if self.is_main:
                        path = self._save("last.pt", self._state(epoch))
                        print(f"saved {path} at epoch {epoch + 1}, step {self.progress.steps}; "
                              "continue with resume=True (--resume)", flush=True)
                    raise KeyboardInterrupt
                self._end_epoch(epoch)
                epoch += 1
                self.progress = EpochProgress()
        self.model.eval()
        return TrainResult(self.model, self.history, self.out)

    def _train_epoch(self, epoch: int, stop: _StopFlag) -> bool:
        """Run ``epoch`` from step ``self.progress.steps`` on; False if Ctrl-C stopped it."""
        from tqdm import tqdm
        cfg, prog = self.config, self.progress
        batches = epoch_batches(len(self.train_set), cfg.batch, epoch, cfg.seed, self.rank, self.world)
        seed = epoch_seed(cfg.seed, epoch)
        data = MaskedImages(augmented(self.train_set, cfg.augment, seed), MaskSampler(cfg.masks, cfg.size, seed=seed))
        loader = DataLoader(data, batch_sampler=batches[prog.steps:], num_workers=cfg.workers,
                            pin_memory=self.device.type == "cuda")
        fmt = torch.channels_last if self.channels_last else torch.contiguous_format
        self.net.train()
        bar = tqdm(total=len(batches), initial=prog.steps, desc=f"epoch {epoch + 1}/{cfg.epochs}",
                   disable=not progress_enabled(self.is_main and cfg.progress), leave=False, unit="step",
                   mininterval=5)
        stops = 0.0

        def check(loss: torch.Tensor) -> float:
            """Every process learns the mean loss and whether any saw Ctrl-C (one
            all-reduce), and all stop together on a NaN, before the update."""
            nonlocal stops
            flags = torch.tensor([loss.item(), float(stop.raised)], dtype=torch.float64,
                                 device=self._comm_device())
            if self.distributed:
                dist.all_reduce(flags)
            loss_sum, stops = flags.tolist()
            mean_loss = loss_sum / self.world
            if not math.isfinite(mean_loss):
                raise NonFiniteLossError(
                    f"loss is {mean_loss} at epoch {epoch + 1}, step {prog.steps + 1}: training "
                    f"stopped; the last good checkpoint {self.out / 'last.pt'} is untouched. "
                    "Try a lower learning rate or amp='off'.")
            return mean_loss

        try:
            begin = time.perf_counter() - prog.seconds
            for batch in loader:
                masked, mask, target = (t.to(self.device, non_blocking=True, memory_format=fmt) for t in batch)
                loss = train_step(self.net, self.optimizer, self.loss_fn, masked, mask, target,
                                  self.amp_dtype, self.scaler, check)
                prog.steps += 1
                prog.images += len(masked) * self.world
                prog.loss_sum += loss
                prog.seconds = time.perf_counter() - begin
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4f}", img_s=f"{prog.images / prog.seconds:.1f}")
                if self.on_step is not None:
                    self.on_step(self, epoch, prog.steps - 1, loss)
                # One process: stop right after this step. Several: at the step where every
                # process has seen the flag (it travelled with the loss's all-reduce).
                if (stops > 0) if self.distributed else stop.raised:
                    return False
            return True
        finally:
            bar.close()

    def _comm_device(self) -> torch.device:
        """Where tensors for collectives must live: the GPU under NCCL (it rejects CPU
        tensors), the CPU otherwise."""
        if self.distributed and dist.get_backend() == "nccl":
            return self.device
        return torch.device("cpu")

    def _end_epoch(self, epoch: int) -> None:
        cfg, prog = self.config, self.progress
        if self.distributed:  # BatchNorm running statistics: make every rank hold rank 0's
            for buf in self.model.buffers():
                dist.broadcast(buf, 0)
        if self.is_main:
            val = validate(self.model, self.val_set, self.loss_fn, batch=cfg.batch, device=self.device,
                           amp_dtype=self.amp_dtype)
            row = {"epoch": epoch + 1, "optimizer": self.optimizer_name,
                   "lr": self.optimizer.param_groups[0]["lr"],
                   "train_loss": prog.loss_sum / prog.steps, "val_loss": val.pop("loss"),
                   **{f"val_{k}": v for k, v in val.items()},
                   "seconds": prog.seconds, "img_s": prog.images / prog.seconds}
            self.history.append(row)
            improved = row["val_ssim"] > self.best_ssim
            if improved:
                self.best_ssim = row["val_ssim"]
            state = self._state(epoch + 1, EpochProgress())
            self._save("last.pt", state)
            if improved:
                self._save("best.pt", state)
            self._write_history()
            self._log(f"epoch {epoch + 1}/{cfg.epochs} [{self.optimizer_name}] loss {row['train_loss']:.4f}"
                      f"  val SSIM {row['val_ssim']:.4f} PSNR {row['val_psnr']:.2f}  "
                      f"{row['img_s']:.1f} img/s{'  *best*' if improved else ''}")
        if self.distributed:
            dist.barrier()


def validate(model: nn.Module, dataset: Dataset, loss_fn=None, batch: int = 40,
             device: torch.device | str = "cpu", amp_dtype: torch.dtype | None = None) -> dict[str, float]:
    """Mean loss and :data:`VAL_METRICS` of ``model`` over ``dataset`` of
    ``(masked, mask, target)`` items (:func:`inpaintlib.evaluate.evaluate` without FID).
    Restores the model's training mode afterwards."""
    from .evaluate import evaluate
    was_training = model.training
    summary = evaluate(model, dataset, batch=batch, device=device, amp_dtype=amp_dtype, fid=None,
                       progress=False, loss_fn=loss_fn).summary
    model.train(was_training)
    return {k: summary[k] for k in (["loss"] if loss_fn is not None else []) + list(VAL_METRICS)}


def comparable_config(config: dict) -> dict:
    """``config`` without the fields that may change between a run and its resumption."""
    return {k: v for k, v in config.items() if k not in RESUMABLE_CHANGES}


def load_checkpoint(path: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[nn.Module, dict]:
    """The model stored in a trainer checkpoint (eval mode) and the checkpoint dict.

    Loads with ``weights_only=True``: a checkpoint is tensors and plain Python values.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}; train one with `python -m inpaintlib train ...`")
    what = f"a training checkpoint of format {CHECKPOINT_FORMAT}"
    state = load_torch_file(path, what, RETRAIN, device)
    if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise corrupt_file(path, what, f"regenerate it with: {RETRAIN}", f"format {found!r}")
    try:
        spec = dict(state["model_spec"])
        model = build(spec.pop("name"), **spec)
        model.load_state_dict(state["model"])
    except (KeyError, TypeError, ValueError, RuntimeError) as err:  # missing keys, wrong shapes
        raise corrupt_file(path, what, f"regenerate it with: {RETRAIN}", describe(err)) from None
    return model.to(device).eval(), state
