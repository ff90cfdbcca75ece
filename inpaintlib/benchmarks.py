"""Speed measurements (``python -m inpaintlib bench ...``). Timing belongs here, not in tests.

``bench_models`` measures every inpainting model the way the paper's Table 1 does:
parameters, forward GFLOPs per image, inference and training images per second at batch
40, and the training seconds one epoch of 80,000 images (the paper's unit: STL-10's
training split) would take at that speed. It times the models interleaved, in rounds that
time every model once (``time_rounds``), so that a ratio between two models can be taken
within a round, where a passing load on the machine slows both
(:func:`inpaintlib.paper.speed_ratio_rounds`).

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


def time_rounds(fns: list[Callable[[], object]], rounds: int, warmup: int = 1, desc: str = "rounds",
                progress: bool = False) -> list[list[float]]:
    """Wall times in milliseconds of the functions ``fns`` measured **interleaved**: after
    ``warmup`` untimed calls of each, every one of ``rounds`` rounds calls each function once, the
    order rotated by one each round (round r starts with ``fns[r % len(fns)]``), so a load that
    comes and goes slows the functions of a round alike. Returns ``times[i][r]``: function i,
    round r, in ms."""
    from tqdm import tqdm
    for fn in fns:
        for _ in range(warmup):
            fn()
    times = [[0.0] * rounds for _ in fns]
    for r in tqdm(range(rounds), desc=desc, disable=not progress_enabled(progress) or not fns):
        for k in range(len(fns)):
            i = (r + k) % len(fns)
            start = time.perf_counter()
            fns[i]()
            times[i][r] = (time.perf_counter() - start) * 1e3
    return times


def time_ms(fn: Callable[[], object], repeats: int = 7, warmup: int = 2) -> float:
    """Median wall time of ``fn()`` in milliseconds over ``repeats`` runs after ``warmup``."""
    return statistics.median(time_rounds([fn], repeats, warmup)[0])


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

    The models are timed **interleaved** (:func:`time_rounds`): all are built first, then each
    of ``repeats`` rounds times one inference pass of every model, then each of ``repeats``
    rounds one training step of every model, so the times of one round were measured together
    and a load that slows a round slows all its models (:func:`inpaintlib.paper.speed_ratio_rounds`
    takes ratios within a round). ``preset``: applied to models that have it, the others run at
    the paper's size (the row's ``preset`` says which was used). ``size``: None =
    :data:`NATIVE_SIZE` (96 px, 32 px for unet / convmixer_unet). ``amp``: as in training ("off",
    "auto", "bf16", "fp16"; see :func:`inpaintlib.train.resolve_amp`), and the training step is
    :func:`inpaintlib.train.train_step`, gradient scaling included. ``compile``: time
    ``torch.compile(model)`` (compilation happens in the untimed warm-up).

    Returns rows ``{"model", "preset", "size", "params", "gflops", "infer_img_s", "train_img_s",
    "epoch_s", "infer_ms_rounds", "train_ms_rounds"}`` (:data:`TABLE_COLUMNS` are the scalar
    ones): ``*_ms_rounds`` one batch's time in each round (ms), the img/s from their median,
    ``epoch_s`` = :data:`EPOCH_IMAGES` / ``train_img_s``; models without weights (classical) get
    None for the three training fields. GFLOPs are one image's forward pass as counted by
    ``torch.utils.flop_counter`` (convolutions and matrix products; FFTs are not counted).
    """
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
        prepared = [_prepare(name, preset if preset in PRESETS[name] else None, batch, size, device, amp,
                             train, compile) for name in names]
        for p in prepared:
            p["model"].eval()
        infer = time_rounds([p["infer"] for p in prepared], repeats, desc="inference rounds",
                            progress=progress)
        trained = [i for i, p in enumerate(prepared) if p["train"] is not None]
        for i in trained:
            prepared[i]["model"].train()
        steps = time_rounds([prepared[i]["train"] for i in trained], repeats, desc="training rounds",
                            progress=progress)
        step_ms = dict(zip(trained, steps))
        return [_row(p["row"], batch, infer[i], step_ms.get(i)) for i, p in enumerate(prepared)]
    finally:
        torch.set_num_threads(previous_threads)


#: The scalar columns of a :func:`bench_models` row, for a printed table.
TABLE_COLUMNS = ["model", "preset", "size", "params", "gflops", "infer_img_s", "train_img_s", "epoch_s"]


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
    row = bench_models([cfg.model], preset=cfg.preset, batch=cfg.batch, size=cfg.size, device=device,
                       threads=None, repeats=repeats, amp=cfg.amp, progress=False)[0]
    step_s = cfg.batch / row["train_img_s"]
    steps = cfg.epochs * (train_images // cfg.batch)
    val_s = (cfg.val_images or 0) / row["infer_img_s"]
    return {"model": cfg.model, "preset": row["preset"], "batch": cfg.batch, "step_s": step_s,
            "steps": steps, "val_s": val_s, "hours": (steps * step_s + cfg.epochs * val_s) / 3600}


def _prepare(name: str, use: str | None, batch: int, size: int | None, device: str, amp: str,
             train: bool, compile: bool = False) -> dict:
    """Model ``name`` at preset ``use`` (None: the paper's) with its random inputs, ready to time.

    Returns ``{"row", "model", "infer", "train"}``: the row's fixed fields, the module (to switch
    between eval and train mode), a function that runs one inference pass of the batch and one
    that runs one training step (None for classical models or when not ``train``)."""
    from .losses import SSIMMAELoss
    from .models import build, is_classical
    from .train import grad_scaler, resolve_amp, train_step
    model = build(name, use).to(device).eval()
    side = size or NATIVE_SIZE.get(name, 96)
    gen = torch.Generator().manual_seed(0)
    img = torch.rand(batch, 3, side, side, generator=gen)
    holes = (torch.rand(batch, 1, side, side, generator=gen) < 0.3).float()
    masked, mask, target = (img * (1 - holes)).to(device), holes.to(device), img.to(device)
    row = {"model": name + (" (compiled)" if compile else ""), "preset": use or "paper", "size": side,
           "params": count_parameters(model), "gflops": count_flops(model, masked[:1], mask[:1]) / 1e9}
    net = torch.compile(model) if compile else model          # same weights, fused kernels
    amp_dtype = resolve_amp(amp, torch.device(device))
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)

    def infer():
        with torch.inference_mode(), autocast(device, amp_dtype):
            net(masked, mask)
        sync()
    one_step = None
    if train and not is_classical(model):
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
        scaler, loss_fn = grad_scaler(amp_dtype), SSIMMAELoss()

        def one_step():
            train_step(net, opt, loss_fn, masked, mask, target, amp_dtype, scaler)
            sync()
    return {"row": row, "model": model, "infer": infer, "train": one_step}


def _row(fixed: dict, batch: int, infer_ms: list[float], train_ms: list[float] | None) -> dict:
    """One row of :func:`bench_models` from the per-round times (ms per batch) of one model."""
    train_img_s = batch / (statistics.median(train_ms) / 1e3) if train_ms else None
    return {**fixed, "infer_img_s": batch / (statistics.median(infer_ms) / 1e3), "train_img_s": train_img_s,
            "epoch_s": EPOCH_IMAGES / train_img_s if train_img_s else None,
            "infer_ms_rounds": infer_ms, "train_ms_rounds": train_ms}
