"""Run-time helpers every notebook uses: seeding, device choice, environment report."""

from __future__ import annotations

import contextlib
import os
import platform
import random
import sys
from collections.abc import Iterator, Mapping
from importlib import metadata

import numpy as np
import torch

#: Packages whose versions the environment report lists, in this order.
REPORTED_PACKAGES = (
    "torch", "pytorch-wavelets", "PyWavelets", "torchmetrics", "numpy",
    "opencv-python-headless", "scikit-image", "matplotlib", "papermill", "nbval",
)


@contextlib.contextmanager
def environ(settings: Mapping[str, str]) -> Iterator[None]:
    """Set the environment variables ``settings`` (inherited by the processes started
    inside, e.g. notebook kernels), then restore each to its old value or remove it."""
    previous = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


#: Set to "1" by `make run` / `make test` (papermill, nbval): notebook 11 then shows static
#: results for a default mask instead of waiting for a mouse.
HEADLESS_VAR = "INPAINT_HEADLESS"


def headless() -> bool:
    """True when a notebook runs without a person at the keyboard (``$INPAINT_HEADLESS=1``)."""
    return os.environ.get(HEADLESS_VAR) == "1"


def progress_enabled(wanted: bool = True) -> bool:
    """Whether to draw tqdm progress bars: ``wanted``, unless ``$TQDM_DISABLE`` is set
    (the notebook runner and nbval set it, so no bar ends up in an executed notebook)."""
    return wanted and os.environ.get("TQDM_DISABLE", "").lower() in ("", "0", "false")


def seed_everything(seed: int) -> torch.Generator:
    """Seed Python's, NumPy's and torch's global generators (all devices).

    Returns a fresh ``torch.Generator`` seeded with ``seed`` for code that prefers an
    explicit generator to the global one.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
    return torch.Generator().manual_seed(seed)


def choose_device(device: str | torch.device = "auto") -> torch.device:
    """Resolve a device name: ``"auto"`` picks CUDA, then Apple MPS, then the CPU.

    Any other value is passed to ``torch.device`` and checked: asking for ``"cuda"`` on
    a machine without a GPU raises a ``RuntimeError`` rather than failing later.
    """
    if isinstance(device, torch.device):
        dev = device
    elif device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    else:
        dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise RuntimeError(f"device {str(device)!r} requested but CUDA is not available; "
                           "use device='auto' or 'cpu'")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise RuntimeError(f"device {str(device)!r} requested but MPS is not available; "
                           "use device='auto' or 'cpu'")
    return dev


def autocast(device: torch.device | str, dtype: torch.dtype | None) -> torch.autocast:
    """The mixed-precision region of training, validation and the benchmarks: matrix products
    and convolutions in ``dtype`` (``torch.bfloat16`` or ``torch.float16``) on ``device``'s
    type, or full precision when ``dtype`` is None (see :func:`inpaintlib.train.resolve_amp`)."""
    device_type = torch.device(device).type
    return torch.autocast(device_type, dtype=dtype or torch.float32, enabled=dtype is not None)


#: Set to "1" or "0" to override :func:`cpu_has_native_bf16` (the test suite runs notebooks
#: 07 and 08 with the opposite of the answer their committed outputs were made with, to show
#: that nothing they print depends on it).
CPU_BF16_VAR = "INPAINT_CPU_BF16"


def cpu_has_native_bf16() -> bool:
    """True when the CPU has bf16 instructions (AVX512-BF16 or AMX), so bf16 autocast
    is fast. Without them bf16 still works on the CPU, but emulated, often slower.
    ``$INPAINT_CPU_BF16`` ("1" / "0"), when set, is the answer instead."""
    forced = os.environ.get(CPU_BF16_VAR)
    if forced is not None:
        if forced not in ("0", "1"):
            raise ValueError(f"{CPU_BF16_VAR} must be '1' or '0', got {forced!r}")
        return forced == "1"
    checks = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def bf16_supported(device: torch.device) -> bool:
    """Whether bf16 autocast is worth using on ``device``: natively supported."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return cpu_has_native_bf16()
    return False


def package_version(name: str) -> str:
    """Installed version of a distribution, or ``"not installed"``."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def environment_report(device: torch.device | None = None) -> dict[str, str]:
    """A flat ``{what: value}`` description of this machine and environment.

    Covers Python and package versions, the chosen device, CPU threads, the CPU's
    vector instruction level and whether bf16 autocast is native on the device.
    """
    device = choose_device("auto") if device is None else device
    report = {
        "python": sys.version.split()[0],
        "platform": platform.platform(terse=True),
    }
    report.update({pkg: package_version(pkg) for pkg in REPORTED_PACKAGES})
    report["device"] = str(device)
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        report["gpu"] = f"{props.name}, {props.total_memory / 2**30:.0f} GiB"
    report["cpu cores"] = str(os.cpu_count())
    report["torch threads"] = str(torch.get_num_threads())
    report["cpu capability"] = torch.backends.cpu.get_cpu_capability()
    report["bf16 autocast native"] = "yes" if bf16_supported(device) else "no (emulated: slower)"
    return report
