"""Measurements of a network's structure: how far information travels, how much it costs."""

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


def format_table(rows: list[dict], columns: list[str] | None = None) -> str:
    """Rows of dicts as a fixed-width text table (ints with thousands separators, floats
    with 3 decimals, ``share`` columns as percentages, None as "-")."""
    columns = columns or list(rows[0])

    def fmt(key: str, v) -> str:
        if v is None:
            return "-"
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, int):
            return f"{v:,}"
        if isinstance(v, float):
            return f"{100 * v:.1f}%" if key == "share" else f"{v:.3f}"
        return str(v)
    cells = [[fmt(c, r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    numeric = [all(r.get(c) is None or isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool)
                   for r in rows) for c in columns]
    line = lambda vals: "  ".join(v.rjust(w) if num else v.ljust(w)  # noqa: E731
                                  for v, w, num in zip(vals, widths, numeric)).rstrip()
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells])


def overfit_batch(model: nn.Module, masked: Tensor, mask: Tensor, target: Tensor,
                  steps: int = 100, lr: float = 1e-3, seed: int = 0) -> list[float]:
    """The "can it learn at all?" check: fit one fixed batch with AdamW on the L1 error
    inside the holes and return the loss after every step.

    ``masked``, ``target``: (N, 3, H, W) in [0, 1]; ``mask``: (N, 1, H, W), 1 = hole. A
    healthy model drives the loss well below its starting value within ~100 steps; a loss
    that stays flat points to a bug (detached output, a broken skip, a wrong mask
    convention). Leaves the model in training mode with the fitted weights.
    """
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    hole = mask.expand_as(target)
    losses = []
    devices = [masked.device] if masked.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):      # seeds dropout without touching global state
        torch.manual_seed(seed)
        for _ in range(steps):
            pred = model(masked, mask)
            loss = (pred - target).abs().mul(hole).sum() / hole.sum().clamp_min(1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses


def mean_fill_l1(mask: Tensor, target: Tensor) -> float:
    """L1 error in the holes of the laziest answer: every hole pixel set to the batch's mean
    colour of the hole pixels. ``mask`` (N, 1, H, W), ``target`` (N, 3, H, W). A model in
    :func:`overfit_batch` that stops near this value has learned one colour, not the images.
    """
    hole = mask.expand_as(target).float()
    mean = (target * hole).sum((0, 2, 3), keepdim=True) / hole.sum((0, 2, 3), keepdim=True).clamp_min(1)
    return float(((mean - target).abs() * hole).sum() / hole.sum().clamp_min(1))
