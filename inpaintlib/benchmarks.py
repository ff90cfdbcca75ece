"""Speed measurements (``python -m inpaintlib bench ...``). Timing belongs here, not in tests.

``bench_models`` measures every inpainting model the way the paper's Table 1 does:
parameters, forward GFLOPs per image, inference and training images per second at batch
40, and the training seconds one epoch of 80,000 images (the paper's unit: STL-10's
training split) would take at that speed.

``estimate_training`` turns one measured training step into the expected wall time of a
whole run (notebook 07 prints it before a long run starts).

``bench_dwt`` times forward + backward of the Haar DWT backends on a WaveMix-sized
activation, next to two plain copies of the same tensor into preallocated memory: each
pass of the DWT reads its input once and writes as much, so two copies (forward and
backward) are the floor any implementation can reach.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch

from .analysis import count_flops, count_parameters
from .runtime import autocast, progress_enabled
from .wavelets import BACKENDS, DWT

#: Images in one training epoch of the first paper (80 % of STL-10's 100,000 unlabeled).
EPOCH_IMAGES = 80_000

#: The input size each model is benchmarked at: STL-10's 96 px, CIFAR-10's 32 px for the
#: second paper's models.
NATIVE_SIZE = {"unet": 32, "convmixer_unet": 32}


def time_ms(fn: Callable[[], object], repeats: int = 7, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` in milliseconds over ``repeats`` runs after ``warmup``."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def bench_dwt(shape: tuple[int, int, int, int] = (40, 144, 48, 48), levels: int = 1,
              threads: int | None = 2, repeats: int = 7, dtype: torch.dtype = torch.float32,
              device: str = "cpu") -> list[dict]:
    """Forward+backward time of each DWT backend on a tensor of ``shape``.

    Returns rows ``{"what", "ms", "speedup_vs_pytorch_wavelets", "x_copy"}``.
    """
    if threads is not None:
        torch.set_num_threads(threads)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(*shape, generator=gen, dtype=dtype).to(device).requires_grad_()
    rows = []
    for backend in BACKENDS:
        dwt = DWT(levels, backend)
        yl, yh = dwt(x)
        grads = [torch.randn_like(t) for t in (yl, *yh)]

        def step(dwt=dwt, grads=grads):
            yl, yh = dwt(x)
            torch.autograd.backward([yl, *yh], grads)
            x.grad = None
            if device.startswith("cuda"):
                torch.cuda.synchronize()
        rows.append({"what": f"{backend} forward+backward", "ms": time_ms(step, repeats)})
    plain, target = x.detach(), torch.empty_like(x)
    copy_ms = 2 * time_ms(lambda: target.copy_(plain), repeats)
    rows.append({"what": "2 copies of the input (memory-bound floor)", "ms": copy_ms})
    reference = next(r["ms"] for r in rows if r["what"].startswith("pytorch_wavelets"))
    for r in rows:
        r["speedup_vs_pytorch_wavelets"] = reference / r["ms"]
        r["x_copy"] = r["ms"] / copy_ms
    return rows


def bench_models(names: list[str] | None = None, preset: str | None = None, batch: int = 40,
                 size: int | None = None, device: str = "cpu", threads: int | None = 2,
                 repeats: int = 3, amp: str = "off", train: bool = True,
                 progress: bool = True, compile: bool = False) -> list[dict]:
    """Inference throughput of each model in eval mode under ``torch.inference_mode``, and
    (``train``) training throughput: forward, the 3:1 SSIM + MAE loss, backward and an
    AdamW step, in training mode.

    ``preset``: applied to models that have it, the others run at the paper's size (the
    row's ``preset`` says which was used). ``size``:
    None = :data:`NATIVE_SIZE` (96 px, 32 px for unet / convmixer_unet). ``amp``: as in
    training ("off", "auto", "bf16", "fp16"; see :func:`inpaintlib.train.resolve_amp`), and
    the training step is :func:`inpaintlib.train.train_step`, gradient scaling included. ``compile``: time
    ``torch.compile(model)`` (compilation happens in the untimed warm-up). Returns rows
    ``{"model", "preset", "size", "params", "gflops", "infer_img_s", "train_img_s",
    "epoch_s"}``; ``epoch_s`` = :data:`EPOCH_IMAGES` / ``train_img_s``; models without
    weights (classical) get None for both. GFLOPs are one image's forward pass as counted by
    ``torch.utils.flop_counter`` (convolutions and matrix products; FFTs are not counted).
    """
    from tqdm import tqdm

    from .models import PRESETS
    from .models import names as all_names

    names = names or all_names()
    unknown = [n for n in names if n not in all_names()]
    if unknown:
        raise ValueError(f"unknown models {unknown}; choose from {all_names()}")
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        return [_bench_one(name, preset if preset in PRESETS[name] else None, batch, size,
                           device, repeats, amp, train, compile)
                for name in tqdm(names, desc="models", disable=not progress_enabled(progress))]
    finally:
        torch.set_num_threads(previous_threads)


def estimate_training(cfg, train_images: int, device: str = "cpu", repeats: int = 2) -> dict:
    """Expected wall time of training run ``cfg`` (a :class:`~inpaintlib.train.TrainConfig`)
    on ``train_images`` images, from a measured training step and inference pass of its
    model at its preset, batch, image size and autocast setting on ``device``.

    Returns ``{"model", "preset", "batch", "step_s", "steps", "val_s", "hours"}``:
    ``step_s`` is one measured optimizer step (seconds), ``steps`` the run's total
    (epochs x whole batches per epoch), ``val_s`` one epoch's validation and ``hours``
    the whole run. Hole-fill settings (``model_cfg``) and data loading are not timed, so
    take it as a lower bound within tens of percent.
    """
    from .models import PRESETS
    preset = cfg.preset if cfg.preset in PRESETS[cfg.model] else None
    row = _bench_one(cfg.model, preset, cfg.batch, cfg.size, device, repeats, cfg.amp, train=True)
    step_s = cfg.batch / row["train_img_s"]
    steps = cfg.epochs * (train_images // cfg.batch)
    val_s = (cfg.val_images or 0) / row["infer_img_s"]
    return {"model": cfg.model, "preset": preset or "paper", "batch": cfg.batch, "step_s": step_s,
            "steps": steps, "val_s": val_s, "hours": (steps * step_s + cfg.epochs * val_s) / 3600}


def _bench_one(name: str, use: str | None, batch: int, size: int | None, device: str,
               repeats: int, amp: str, train: bool, compile: bool = False) -> dict:
    """One row of :func:`bench_models`."""
    from .losses import SSIMMAELoss
    from .models import build, is_classical
    from .train import grad_scaler, resolve_amp, train_step
    model = build(name, use).to(device).eval()
    side = size or NATIVE_SIZE.get(name, 96)
    gen = torch.Generator().manual_seed(0)
    img = torch.rand(batch, 3, side, side, generator=gen)
    mask = (torch.rand(batch, 1, side, side, generator=gen) < 0.3).float()
    masked, mask = (img * (1 - mask)).to(device), mask.to(device)
    flops = count_flops(model, masked[:1], mask[:1])
    net = torch.compile(model) if compile else model          # same weights, fused kernels
    amp_dtype = resolve_amp(amp, torch.device(device))

    def step(model=net, masked=masked, mask=mask):
        with torch.inference_mode(), autocast(device, amp_dtype):
            model(masked, mask)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
    ms = time_ms(step, repeats=repeats, warmup=1)
    row = {"model": name + (" (compiled)" if compile else ""), "preset": use or "paper", "size": side,
           "params": count_parameters(model), "gflops": flops / 1e9,
           "infer_img_s": batch / (ms / 1e3), "train_img_s": None, "epoch_s": None}
    if train and not is_classical(model):
        target = img.to(device)
        model.train()
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        scaler, loss_fn = grad_scaler(amp_dtype), SSIMMAELoss()

        def one_step(model=net, masked=masked, mask=mask):
            train_step(model, opt, loss_fn, masked, mask, target, amp_dtype, scaler)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
        ms = time_ms(one_step, repeats=repeats, warmup=1)
        row["train_img_s"] = batch / (ms / 1e3)
        row["epoch_s"] = EPOCH_IMAGES / row["train_img_s"]
    return row
