"""A4 (the training step and loop): what its public and hidden tests share, the batches, the
starting models and the runs of a step function that they compare."""

from __future__ import annotations


def batch(seed: int, n: int = 4, first: int | None = None, size: int = 32) -> tuple:
    """``(masked, mask, target)``: ``n`` training photo crops at ``size`` px from crop ``first``
    (default ``seed * n``), LaMa 'medium' holes drawn with ``seed`` (1 = hole) and the crops with
    their holes zeroed."""
    import torch

    from ... import data, masks
    images = data.load_dataset("samples", "train", size=size)
    first = seed * n if first is None else first
    target = torch.stack([images[first + i] for i in range(n)])
    mask = torch.from_numpy(masks.lama_masks("medium", size, n, seed=seed)).float()[:, None]
    return target * (1 - mask), mask, target


def start_model(kind: str, seed: int):
    """The tiny model ``kind`` initialised after ``torch.manual_seed(seed)`` (training mode)."""
    import torch

    from ...models import build
    torch.manual_seed(seed)
    return build(kind, "tiny")


def run_steps(step, start, batch: tuple, count: int = 2, optimizer: str = "adamw", amp_dtype=None,
              scale: float | None = None, **options) -> tuple:
    """``(net, losses, scaler)``: ``count`` calls of ``step(net, optimizer, loss_fn, masked, mask,
    target, amp_dtype, scaler, **options)`` on ``batch``, with ``net`` a copy of ``start``, a fresh
    ``optimizer`` (``"adamw"`` or ``"sgd"``, the trainer's settings), the 3:1 loss and a CPU
    gradient scaler (enabled with the initial scale ``scale``; disabled without one). Run once
    with the student's step and once with ``train.train_step``, the two are compared."""
    import copy

    import torch

    from ... import losses
    from ..references import make_optimizer
    net = copy.deepcopy(start)
    opt = make_optimizer(optimizer, net.parameters())
    scaler = (torch.amp.GradScaler("cpu", init_scale=scale, enabled=True) if scale
              else torch.amp.GradScaler("cpu", enabled=False))
    loss_fn = losses.SSIMMAELoss()
    return net, [step(net, opt, loss_fn, *batch, amp_dtype, scaler, **options) for _ in range(count)], scaler
