"""The trainer: the first paper's recipe, with the care a long GPU run needs.

    from inpaintlib.train import TrainConfig, Trainer
    result = Trainer(TrainConfig(model="wavemix", preset="quick", epochs=4, sgd_epochs=2)).fit()

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
  ``best.pt`` whenever the validation SSIM improves, both written atomically in the one
  checkpoint format (:mod:`~inpaintlib.train.checkpoint`); ``history.csv`` with one row
  per epoch;
* **safety**: ``fit(resume=True)`` continues from ``last.pt`` exactly where it stopped
  (the same weights as an uninterrupted run); Ctrl-C finishes the current step, saves and
  raises ``KeyboardInterrupt``; a NaN or infinite loss raises
  :class:`~inpaintlib.train.step.NonFiniteLossError` before anything is saved, so
  ``last.pt`` stays the last good state; a second trainer on the same folder is refused
  (:class:`~inpaintlib.files.lock.RunLock`);
* **several GPUs or machines**: start the same command with ``torchrun``; each process
  trains on its share of every batch (DistributedDataParallel) and rank 0 validates, logs
  and writes the files.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import functools
import io
import json
import math
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader

from ..data import MaskedImages, augmented, first, load_dataset
from ..data.stream import TrainingStream
from ..files.atomic import atomic_write
from ..files.lock import RunLock
from ..losses import build_loss
from ..masks import EVAL_SET_SIZE, MaskSampler, fixed_masks
from ..models import build
from ..paths import BEST_CHECKPOINT, LAST_CHECKPOINT, RUN_CONFIG, RUN_HISTORY
from ..runtime import choose_device, progress_enabled, seed_everything
from . import checkpoint
from .config import TrainConfig, comparable_config
from .step import (
    NonFiniteLossError,
    epoch_batches,
    epoch_seed,
    grad_scaler,
    resolve_amp,
    train_step,
    validate,
)


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


@dataclass
class EpochProgress:
    """How far the current epoch has got (saved in ``last.pt``, so a resumed run continues
    at the next step): optimizer steps, images seen (all processes), summed loss, seconds."""

    steps: int = 0
    images: int = 0
    loss_sum: float = 0.0
    seconds: float = 0.0


class StopFlag:
    """SIGINT (Ctrl-C, a Jupyter interrupt) sets ``raised``; a second one interrupts at once."""

    def __init__(self):
        self.raised = False
        self.previous = None

    def __enter__(self) -> StopFlag:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self.handle)
        return self

    def handle(self, signum, frame) -> None:
        if self.raised:
            raise KeyboardInterrupt
        self.raised = True
        print("\nCtrl-C: finishing this step, then saving a checkpoint "
              "(press again to stop without saving)", flush=True)

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


class Trainer:
    """Trains ``config``'s model; see the module docstring for what it guarantees.

    Each step is :func:`~inpaintlib.train.step.train_step`; around it the Trainer keeps the
    care a long run needs: the data order and masks of every epoch, resuming mid-epoch,
    Ctrl-C, the NaN stop, DDP, validation and checkpoints. ``loss_fn`` replaces the
    configured loss (``(pred, target) -> scalar``; the run records ``loss="custom"`` and
    cannot be resumed, since nothing could check that the same loss is passed again), and
    ``on_step(trainer, epoch, step, loss)`` is called after every optimizer step: both are
    hooks for experiments and tests.
    """

    def __init__(self, config: TrainConfig, loss_fn=None, on_step=None):
        if loss_fn is not None:
            config = dataclasses.replace(config, loss="custom")
        elif config.loss == "custom":
            raise ValueError("loss='custom' needs the loss itself: Trainer(config, loss_fn=...)")
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
        self.train_set = self.val_set = self.stream = None
        # the log: one row per finished epoch, the best validation SSIM, the current epoch
        self.history: list[dict] = []
        self.best_ssim = -math.inf
        self.epoch_progress = EpochProgress()
        self.stop_voted = False                        # some process saw Ctrl-C (agree_on_step)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    # -- the loop --------------------------------------------------------------------
    def fit(self, resume: bool = False) -> TrainResult:
        """Train for ``config.epochs`` epochs; with ``resume``, continue from ``out/last.pt``
        if there is one (a finished run returns at once). Without ``resume`` an existing
        ``last.pt`` is an error, so nothing is overwritten by accident.

        While it runs, ``out/.lock`` keeps other trainers out of the folder (a second one
        gets a :class:`~inpaintlib.files.lock.RunLockedError`); the lock is released on
        return, on errors, on Ctrl-C and when the process dies. Under torchrun rank 0 holds it."""
        cfg = self.config
        with RunLock(self.out) if self.is_main else contextlib.nullcontext(), self.process_group():
            self.prepare()
            epoch = self.start(resume)
            with StopFlag() as stop:
                while epoch < cfg.epochs:
                    self.switch_optimizer(epoch)
                    if not self.train_epoch(epoch, stop):          # Ctrl-C: save where we are
                        self.save_interrupted(epoch)
                        raise KeyboardInterrupt
                    self.end_epoch(epoch)
                    epoch += 1
                    self.epoch_progress = EpochProgress()
        self.model.eval()
        return TrainResult(self.model, self.history, self.out)

    def train_epoch(self, epoch: int, stop: StopFlag) -> bool:
        """Run ``epoch`` from step ``self.epoch_progress.steps`` on; False if Ctrl-C stopped it."""
        from tqdm import tqdm
        cfg, prog = self.config, self.epoch_progress
        batches, loader = self.epoch_data(epoch, prog.steps)
        fmt = torch.channels_last if self.channels_last else torch.contiguous_format
        check = functools.partial(self.agree_on_step, stop=stop, epoch=epoch)
        self.net.train()
        with tqdm(total=batches, initial=prog.steps, desc=f"epoch {epoch + 1}/{cfg.epochs}", leave=False,
                  disable=not progress_enabled(self.is_main and cfg.progress), unit="step",
                  mininterval=5) as bar:
            begin = time.perf_counter() - prog.seconds
            for batch in loader:
                for group in self.optimizer.param_groups:
                    group["lr"] = cfg.learning_rate(epoch, prog.steps, batches)
                masked, mask, target = (t.to(self.device, non_blocking=True, memory_format=fmt)
                                        for t in batch)
                loss = train_step(self.net, self.optimizer, self.loss_fn, masked, mask, target,
                                  self.amp_dtype, self.scaler, check)
                prog.steps, prog.images = prog.steps + 1, prog.images + len(masked) * self.world
                prog.loss_sum, prog.seconds = prog.loss_sum + loss, time.perf_counter() - begin
                bar.update(1)
                bar.set_postfix(loss=f"{loss:.4f}", img_s=f"{prog.images / prog.seconds:.1f}")
                if self.on_step is not None:
                    self.on_step(self, epoch, prog.steps - 1, loss)
                # One process: stop right after this step. Several: at the step where every
                # process has seen the flag (it travelled with the loss's all-reduce).
                if self.stop_voted or (stop.raised and not self.distributed):
                    return False
        return True

    def epoch_data(self, epoch: int, start: int):
        """The number of steps of ``epoch`` and an iterator over its ``(masked, mask, target)``
        batches from step ``start`` on: the dataset's crops in the epoch's order, or batches
        that :attr:`stream` cuts on the device (each process its own share)."""
        cfg = self.config
        if cfg.source == "stream":
            per_rank = cfg.batch // self.world
            return cfg.steps_per_epoch, (self.stream.batch(epoch, step * self.world + self.rank, per_rank)
                                         for step in range(start, cfg.steps_per_epoch))
        batches = epoch_batches(len(self.train_set), cfg.batch, epoch, cfg.seed, self.rank, self.world)
        seed = epoch_seed(cfg.seed, epoch)
        data = MaskedImages(augmented(self.train_set, cfg.augment, seed),
                            MaskSampler(cfg.masks, cfg.size, seed=seed))
        return len(batches), DataLoader(data, batch_sampler=batches[start:], num_workers=cfg.workers,
                                        pin_memory=self.device.type == "cuda")

    def agree_on_step(self, loss: torch.Tensor, stop: StopFlag, epoch: int) -> float:
        """The cross-process step, run by :func:`train_step` before the weights change:
        one all-reduce tells every process the mean loss and whether any process saw
        Ctrl-C (:attr:`stop_voted`), so all stop together, on a NaN as on Ctrl-C."""
        flags = torch.tensor([loss.item(), float(stop.raised)], dtype=torch.float64,
                             device=self.comm_device())
        if self.distributed:
            dist.all_reduce(flags)
        loss_sum, votes = flags.tolist()
        self.stop_voted = votes > 0
        mean_loss = loss_sum / self.world
        if not math.isfinite(mean_loss):
            raise NonFiniteLossError(
                f"loss is {mean_loss} at epoch {epoch + 1}, step {self.epoch_progress.steps + 1}: training "
                f"stopped; the last good checkpoint {self.out / LAST_CHECKPOINT} is untouched. "
                "Try a lower learning rate or amp='off'.")
        return mean_loss

    def end_epoch(self, epoch: int) -> None:
        """Validate, log a history row, save ``last.pt`` (and ``best.pt`` if it improved)."""
        cfg, prog = self.config, self.epoch_progress
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
                   "val_gain_db": val["psnr_hole"] - self.prefill_psnr_hole(),
                   "seconds": prog.seconds, "img_s": prog.images / prog.seconds}
            self.history.append(row)
            improved = row["val_ssim"] > self.best_ssim
            if improved:
                self.best_ssim = row["val_ssim"]
            state = self.state(epoch + 1, EpochProgress())
            checkpoint.save(self.out / LAST_CHECKPOINT, state)
            if improved:
                checkpoint.save(self.out / BEST_CHECKPOINT, state)
            self.write_history()
            self.log(f"epoch {epoch + 1}/{cfg.epochs} [{self.optimizer_name}] loss {row['train_loss']:.4f}"
                     f"  val SSIM {row['val_ssim']:.4f} PSNR {row['val_psnr']:.2f}"
                     f"  hole PSNR over pre-fill {row['val_gain_db']:+.2f} dB  "
                     f"{row['img_s']:.1f} img/s{'  *best*' if improved else ''}")
        if self.distributed:
            dist.barrier()

    @functools.cache
    def prefill_psnr_hole(self) -> float:
        """Mean hole PSNR of the model's own pre-fill (:mod:`inpaintlib.models.fill`: zeros or
        push-pull) on the validation set: the start a network's gain is measured from."""
        from ..metrics import image_metrics
        from ..models.fill import present
        values = []
        for masked, mask, target in DataLoader(self.val_set, batch_size=self.config.batch):
            filled = present(masked, mask.bool(), getattr(self.model, "fill", "zeros"))
            values.append(image_metrics(filled, target, mask)["psnr_hole"])
        return float(torch.cat(values).mean())

    # -- set-up ----------------------------------------------------------------------
    @contextlib.contextmanager
    def process_group(self):
        """Under torchrun, a process group for the duration of the block (unless one exists)."""
        started = self.distributed and not dist.is_initialized()
        if started:
            if self.device.type == "cuda":
                torch.cuda.set_device(self.device)   # NCCL: one GPU per process
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")
        try:
            yield
        finally:
            if started:
                dist.destroy_process_group()

    def prepare(self) -> None:
        """The model (and its DDP wrapper), the optimizer and the data."""
        cfg = self.config
        seed_everything(cfg.seed)
        self.model = build(cfg.model, cfg.preset, **cfg.model_cfg).to(self.device)
        if cfg.start == "pre-fill":
            self.model.start_at_prefill()
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.net = self.model
        if self.distributed:
            ids = [self.device.index] if self.device.type == "cuda" else None
            self.net = nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        self.optimizer = self.make_optimizer(self.optimizer_name)
        if cfg.source == "stream":
            self.stream = TrainingStream(cfg.size, cfg.masks, cfg.synthetic, cfg.seed, self.device,
                                         recolour=cfg.augment == "colour")
        else:
            self.train_set = first(load_dataset(cfg.dataset, "train", size=cfg.size, seed=cfg.seed),
                                   cfg.train_images)
        val = first(load_dataset(cfg.dataset, "val", size=cfg.size, seed=cfg.seed), cfg.val_images)
        self.val_set = MaskedImages(val, fixed_masks(cfg.val_masks, cfg.size, EVAL_SET_SIZE))

    def start(self, resume: bool) -> int:
        """The first epoch to train: 0, or where ``last.pt`` stopped (``resume``); writes
        ``config.json``."""
        last = self.out / LAST_CHECKPOINT
        if last.exists() and not resume:
            raise FileExistsError(f"{last} exists: pass resume=True (--resume) to continue that run, "
                                  "or choose another output folder")
        epoch = 0
        if resume and last.exists():
            epoch = self.restore(last)
            if epoch < self.config.epochs:
                self.log(f"resuming {last} at epoch {epoch + 1}, step {self.epoch_progress.steps}")
        if self.is_main:
            self.out.mkdir(parents=True, exist_ok=True)
            text = json.dumps(self.config.to_dict(), indent=2).encode()
            atomic_write(self.out / RUN_CONFIG, lambda fh: fh.write(text))
        return epoch

    def make_optimizer(self, name: str) -> torch.optim.Optimizer:
        cfg, params = self.config, self.model.parameters()
        if name == "adamw":
            return torch.optim.AdamW(params, lr=cfg.lr, betas=(0.9, 0.999), eps=1e-8,
                                     weight_decay=cfg.weight_decay)
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum)

    def switch_optimizer(self, epoch: int) -> None:
        """A fresh optimizer when ``epoch`` starts the SGD phase."""
        if self.config.optimizer_for(epoch) != self.optimizer_name:
            self.optimizer_name = self.config.optimizer_for(epoch)
            self.optimizer = self.make_optimizer(self.optimizer_name)
            self.log(f"epoch {epoch + 1}: switching to {self.optimizer_name.upper()}")

    def log(self, msg: str) -> None:
        if self.is_main and self.config.progress:
            print(msg, flush=True)

    def comm_device(self) -> torch.device:
        """Where tensors for collectives must live: the GPU under NCCL (it rejects CPU
        tensors), the CPU otherwise."""
        if self.distributed and dist.get_backend() == "nccl":
            return self.device
        return torch.device("cpu")

    # -- files: what state() saves, restore() reads back -----------------------------
    def state(self, epoch: int, progress: EpochProgress | None = None) -> dict:
        """Everything needed to continue: ``epoch`` epochs done plus ``progress`` (default:
        the current one) into the next."""
        rng = {"torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        return {**checkpoint.model_state(self.model), "config": self.config.to_dict(),
                "optimizer_name": self.optimizer_name, "optimizer": self.optimizer.state_dict(),
                "scaler": self.scaler.state_dict(), "rng": rng,
                "history": self.history, "best_ssim": self.best_ssim,
                "epoch": epoch, "progress": dataclasses.asdict(progress or self.epoch_progress)}

    def save_interrupted(self, epoch: int) -> None:
        if self.is_main:
            path = checkpoint.save(self.out / LAST_CHECKPOINT, self.state(epoch))
            print(f"saved {path} at epoch {epoch + 1}, step {self.epoch_progress.steps}; "
                  "continue with resume=True (--resume)", flush=True)

    def write_history(self) -> None:
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=list(self.history[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.history)
        atomic_write(self.out / RUN_HISTORY, lambda fh: fh.write(text.getvalue().encode()))

    def restore(self, path: Path) -> int:
        """Load ``path`` (``last.pt``) into this trainer; returns the number of finished epochs."""
        state = checkpoint.read(path, "a training checkpoint", checkpoint.RETRAIN,
                                (*checkpoint.MODEL_KEYS, *checkpoint.TRAINING_KEYS), self.device)
        saved, now = comparable_config(state["config"]), comparable_config(self.config.to_dict())
        changed = sorted(k for k in now if saved.get(k) != now[k])
        if changed:
            raise ValueError(f"{path} was trained with a different configuration ({', '.join(changed)}: "
                             f"{[saved.get(k) for k in changed]} then, {[now[k] for k in changed]} now); "
                             "use a new output folder or the original settings")
        if saved["loss"] == "custom":
            raise ValueError(f"{path} was trained with a custom loss_fn, which cannot be checked to be the "
                             "same one again; train it again without resume, in a new output folder")
        self.model.load_state_dict(state["state_dict"])
        self.optimizer_name = state["optimizer_name"]
        self.optimizer = self.make_optimizer(self.optimizer_name)
        self.optimizer.load_state_dict(state["optimizer"])
        self.scaler.load_state_dict(state["scaler"])
        torch.set_rng_state(state["rng"]["torch"].cpu())
        if "cuda" in state["rng"] and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["rng"]["cuda"].cpu(), self.device)
        self.history, self.best_ssim = list(state["history"]), state["best_ssim"]
        self.epoch_progress = EpochProgress(**state["progress"])
        return state["epoch"]
