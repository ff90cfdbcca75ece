"""The CUDA code paths: mixed precision (fp16 with a gradient scaler, bf16), channels-last,
DDP over NCCL and resuming on the GPU. Marked ``cuda`` and skipped without a GPU.

    pytest -m cuda tests/test_cuda.py        # or: make gpu-check (this, then the speed table)

Each run is a tiny model on a few sample crops: these tests prove the paths work, the
benchmark in ``make gpu-check`` measures how fast they are.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from inpaintlib.models import PRESETS
from inpaintlib.train import TrainConfig, Trainer, load_checkpoint

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(),
                       reason="needs a CUDA GPU: run `make gpu-check` on a GPU machine"),
    pytest.mark.usefixtures("committed_masks"),
]

LEARNED = ["wavemix", "cnn", "lama", "unet", "convmixer_unet"]


def config(tmp_path: Path, model: str = "wavemix", **kw) -> TrainConfig:
    small = dict(preset="tiny") if "tiny" in PRESETS[model] else dict(size=32, masks="square4-16",
                                                                      val_masks="square4-16")
    settings = dict(model=model, dataset="samples", train_images=32, val_images=8, epochs=2,
                    sgd_epochs=1, batch=8, device="cuda", progress=False, out=str(tmp_path / "run"),
                    **small)
    return TrainConfig(**{**settings, **kw})


def weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("amp", ["fp16", "bf16"])
@pytest.mark.parametrize("name", LEARNED)
def test_mixed_precision_training_steps(tmp_path, name, amp):
    if amp == "bf16" and not torch.cuda.is_bf16_supported():
        pytest.skip("this GPU has no bf16")
    trainer = Trainer(config(tmp_path, name, amp=amp))
    result = trainer.fit()
    assert trainer.scaler.is_enabled() == (amp == "fp16")          # scaling only for fp16
    assert all(torch.isfinite(torch.tensor(r["train_loss"])) for r in result.history)
    params = list(result.model.parameters())
    assert all(p.is_cuda and p.dtype == torch.float32 for p in params)  # master weights stay fp32
    before = build_fresh(config(tmp_path, name, amp=amp))
    assert any(not torch.equal(a, b) for a, b in zip(before.values(), weights(result.model).values()))
    model, _ = load_checkpoint(tmp_path / "run" / "best.pt", "cuda")
    masked, mask = torch.rand(2, 3, model_side(name), model_side(name), device="cuda"), \
        torch.zeros(2, 1, model_side(name), model_side(name), device="cuda")
    mask[..., 8:16, 8:16] = 1
    with torch.no_grad(), torch.autocast("cuda", dtype=trainer.amp_dtype):
        pred = model(masked, mask)
    assert pred.dtype == torch.float32 and torch.isfinite(pred).all()


def build_fresh(cfg: TrainConfig) -> dict[str, torch.Tensor]:
    """The initial weights of ``cfg``'s model (same seed as the trainer)."""
    from inpaintlib.models import build
    from inpaintlib.runtime import seed_everything
    seed_everything(cfg.seed)
    return weights(build(cfg.model, cfg.preset, **cfg.model_cfg).cuda())


def model_side(name: str) -> int:
    return 32 if name in ("unet", "convmixer_unet") else 64


def test_channels_last_gives_the_same_model_as_contiguous(tmp_path):
    on = Trainer(config(tmp_path / "on", channels_last="on", amp="off", epochs=1, sgd_epochs=0))
    off = Trainer(config(tmp_path / "off", channels_last="off", amp="off", epochs=1, sgd_epochs=0))
    a, b = on.fit().model, off.fit().model
    conv = next(m for m in a.modules() if isinstance(m, torch.nn.Conv2d))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    for (k, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.allclose(x, y, atol=1e-3, rtol=1e-3), k          # cuDNN picks other kernels


def test_resume_on_cuda_continues_the_run(tmp_path):
    cfg = config(tmp_path, amp="fp16", epochs=3, sgd_epochs=1)
    full = Trainer(cfg).fit()
    short = config(tmp_path / "c", amp="fp16", epochs=3, sgd_epochs=1)

    def stop(trainer, epoch, step, loss):
        if (epoch, step) == (1, 0):
            os.kill(os.getpid(), signal.SIGINT)                        # what Ctrl-C does
    with pytest.raises(KeyboardInterrupt):
        Trainer(short, on_step=stop).fit()
    state = torch.load(tmp_path / "c" / "run" / "last.pt", map_location="cpu", weights_only=True)
    assert state["scaler"]["scale"] > 0                                # the scaler state is saved
    resumed = Trainer(short).fit(resume=True)
    assert [r["optimizer"] for r in resumed.history] == ["adamw", "adamw", "sgd"]
    # GPU kernels are not bit-reproducible; the resumed run ends close to the uninterrupted one
    assert abs(resumed.history[-1]["val_ssim"] - full.history[-1]["val_ssim"]) < 0.05


def test_ddp_over_nccl_with_torchrun(tmp_path):
    worker = Path(__file__).with_name("ddp_worker.py")
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           "--nproc_per_node", "1", str(worker), str(tmp_path), "cuda"],
                          capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    state = torch.load(tmp_path / "run" / "last.pt", weights_only=True)
    rank0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    assert state["history"][-1]["epoch"] == 2
    assert all(torch.equal(state["state_dict"][k].cpu(), v.cpu()) for k, v in rank0.items())
