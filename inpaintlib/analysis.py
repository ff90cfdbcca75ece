"""Measurements of a network's structure: how far information travels, how much it costs."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode


def impulse_response(module: nn.Module, in_channels: int, size: int,
                     device: torch.device | str = "cpu", seed: int = 0) -> Tensor:
    """Which input pixels can change the output at the centre pixel: ``(size, size)`` map of
    ``sum_c |d out[:, centre] / d x[c, y, x]|`` at a random input, normalised to max 1.

    The module runs in eval mode (no dropout noise). Zero entries are outside the
    receptive field of the centre pixel, whatever the weights.
    """
    was_training = module.training
    module.eval()
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(1, in_channels, size, size, generator=gen).to(device).requires_grad_()
    out = module(x)
    out[0, :, size // 2, size // 2].sum().backward()
    module.train(was_training)
    grad = x.grad[0].abs().sum(0)
    return (grad / grad.max()).cpu()


def support_extent(response: Tensor, threshold: float = 1e-7) -> tuple[int, int]:
    """Height and width of the box of non-zero entries of an impulse response."""
    rows, cols = torch.nonzero(response > threshold, as_tuple=True)
    return int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)


def count_flops(module: nn.Module, *inputs: Tensor) -> int:
    """Floating-point operations of one forward pass (a multiply-add counts as 2), as
    counted by ``torch.utils.flop_counter`` (convolutions, matrix products, attention)."""
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        module(*inputs)
    return counter.get_total_flops()


def count_parameters(module: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
