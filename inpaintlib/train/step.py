"""One optimizer step, and the plain loop around it.

    loss = train_step(model, optimizer, loss_fn, masked, mask, target)     # a float
    mean = train_one_epoch(model, loader, optimizer, loss_fn)               # one pass

:func:`train_step` is the whole of the first paper's update: forward under autocast, the
loss in float32, a check before the weights change, the backward pass through a
gradient scaler (active only for float16). :class:`~inpaintlib.train.trainer.Trainer`
calls the same function; everything it adds (resume, Ctrl-C, checkpoints, several
processes) lives around it. This module also owns the data order of an epoch
(:func:`epoch_batches`) and validation (:func:`validate`).
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.utils.data import Dataset

from ..runtime import autocast

#: Validation columns of ``history.csv`` (whole image unless ``_hole``).
VAL_METRICS = ("ssim", "psnr", "l1", "ssim_hole", "l1_hole", "psnr_hole")


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite; nothing of that step was saved."""



def resolve_amp(amp: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for ``amp`` on ``device`` (None = full precision)."""
    if amp == "off":
        return None
    if amp == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return None             # CPUs: float32, so results do not depend on the CPU's bf16 support
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
    with autocast(masked.device, amp_dtype):
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


def validate(model: nn.Module, dataset: Dataset, loss_fn=None, batch: int = 40,
             device: torch.device | str = "cpu", amp_dtype: torch.dtype | None = None) -> dict[str, float]:
    """Mean loss and :data:`VAL_METRICS` of ``model`` over ``dataset`` of
    ``(masked, mask, target)`` items (:func:`inpaintlib.evaluate.evaluate` without FID).
    Restores the model's training mode afterwards."""
    from ..evaluate import evaluate
    was_training = model.training
    summary = evaluate(model, dataset, batch=batch, device=device, amp_dtype=amp_dtype, fid=None,
                       progress=False, loss_fn=loss_fn).summary
    model.train(was_training)
    return {k: summary[k] for k in (["loss"] if loss_fn is not None else []) + list(VAL_METRICS)}
