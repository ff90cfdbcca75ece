"""Measurements of a network's structure: how far information travels (impulse responses,
receptive fields), how much it costs (parameters, FLOPs), and what each layer does to the
shapes (shape traces, parameter tables). Text tables are in :mod:`inpaintlib.tables`, the
one-batch overfit probe in :mod:`inpaintlib.overfit`."""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode


def impulse_response(module: nn.Module, in_channels: int, size: int,
                     device: torch.device | str = "cpu", seed: int = 0,
                     dtype: torch.dtype | None = None) -> Tensor:
    """Which input pixels can change the output at the centre pixel: ``(size, size)`` map of
    ``sum_c |d out[:, centre] / d x[c, y, x]|`` at a random input, normalised to max 1.

    The module runs in eval mode (no dropout noise). Zero entries are outside the
    receptive field of the centre pixel, whatever the weights. In a deep untrained
    network the far paths carry tiny gradients (products of many small Jacobians) that
    fall below float32 round-off; ``dtype=torch.float64`` runs a float64 copy of the
    module so that ``support_extent(response, 0.0)`` gives the full (theoretical) field.
    """
    if dtype is not None:
        module = copy.deepcopy(module).to(dtype)
    was_training = module.training
    module.eval()
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(1, in_channels, size, size, generator=gen, dtype=dtype or torch.float32)
    x = x.to(device).requires_grad_()
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


def _describe_output(out) -> str:
    if isinstance(out, Tensor):
        return str(tuple(out.shape))
    if isinstance(out, (tuple, list)):
        return " + ".join(_describe_output(o) for o in out if o is not None)
    return type(out).__name__


def shape_trace(model: nn.Module, *inputs: Tensor, depth: int = 1,
                names: list[str] | None = None) -> list[dict]:
    """Run ``model(*inputs)`` once (no grad) and record, in call order, the output shape of
    every submodule ``depth`` levels down (or of the submodules in ``names``). Containers
    such as ``nn.ModuleList`` are replaced by their elements.

    Returns rows ``{"module", "type", "output", "params"}``; tuple outputs (LaMa's
    local/global pairs) read ``(N, Cl, H, W) + (N, Cg, H, W)``.
    """
    wanted = dict(model.named_modules())
    if names is None:
        # containers (ModuleList/ModuleDict) are never called: list their children instead
        names = [n for n, m in wanted.items() if n and n.count(".") == depth - 1]
        while any(isinstance(wanted[n], (nn.ModuleList, nn.ModuleDict)) for n in names):
            names = [c for n in names for c in (
                [f"{n}.{k}" for k in wanted[n]._modules]
                if isinstance(wanted[n], (nn.ModuleList, nn.ModuleDict)) else [n])]
    missing = [n for n in names if n not in wanted]
    if missing:
        raise ValueError(f"no submodules named {missing}")
    rows: list[dict] = []
    handles = []
    for name in names:
        module = wanted[name]

        def hook(mod, args, out, name=name):
            rows.append({"module": name, "type": type(mod).__name__,
                         "output": _describe_output(out), "params": count_parameters(mod)})
        handles.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
    return rows


def parameter_table(model: nn.Module, depth: int = 1) -> list[dict]:
    """Trainable parameters grouped by the first ``depth`` parts of their names, in
    definition order: rows ``{"component", "params", "share"}`` and a final ``total`` row."""
    groups: dict[str, int] = {}
    for name, p in model.named_parameters():
        if p.requires_grad:
            key = ".".join(name.split(".")[:depth])
            groups[key] = groups.get(key, 0) + p.numel()
    total = sum(groups.values())
    rows = [{"component": k, "params": v, "share": v / total if total else 0.0}
            for k, v in groups.items()]
    return rows + [{"component": "total", "params": total, "share": 1.0 if total else 0.0}]
