"""Training losses.

* :class:`SSIMMAELoss`: the first paper's ``3 * (1 - SSIM) + 1 * MAE``. SSIM rewards
  getting local structure right (edges, texture, contrast: means, variances and the
  correlation of 11 px Gaussian windows); MAE rewards getting every pixel's value right
  and alone favours smooth, median-like fills.
* :func:`mse_loss`: the second paper's mean squared error.
* :func:`l1_loss`: the MAE alone;
* :func:`log_mse_loss`: the mean per-image log MSE, i.e. minus the mean per-image PSNR that
  the course reports (the recipe study, :mod:`inpaintlib.recipe`, compares them).

All take ``pred`` and ``target`` (N, 3, H, W) in [0, 1] and return a scalar. They run
in float32 even inside an autocast region: SSIM divides small variances, which bf16's 8
mantissa bits would turn into noise.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torchmetrics.functional.image import structural_similarity_index_measure

#: SSIM settings shared by the loss and :func:`inpaintlib.metrics.ssim` (LaMa's and Wang
#: et al.'s: an 11 x 11 Gaussian window with sigma 1.5, images in [0, 1]).
SSIM_SETTINGS = dict(gaussian_kernel=True, kernel_size=11, sigma=1.5, data_range=1.0)


def check_pair(pred: Tensor, target: Tensor) -> None:
    """``ValueError`` unless ``pred`` and ``target`` are both (N, C, H, W) of one shape (the
    check of every loss and metric)."""
    if pred.shape != target.shape or pred.ndim != 4:
        raise ValueError(f"pred and target must have the same shape (N, C, H, W), got "
                         f"{tuple(pred.shape)} and {tuple(target.shape)}")


class SSIMMAELoss(nn.Module):
    """``ssim_weight * (1 - SSIM) + l1_weight * MAE`` over whole images (paper: 3 and 1).

    SSIM is torchmetrics' (Gaussian 11, sigma 1.5, ``data_range=1``), averaged over every
    pixel of the reflect-padded map so that border pixels get a gradient too; MAE is the
    mean absolute error over all pixels and channels. A perfect prediction scores 0; the
    loss is at most ``2 * ssim_weight + l1_weight`` (SSIM >= -1, MAE <= 1).

    ``forward(pred, target)``: (N, C, H, W) each -> scalar float32 tensor.
    """

    def __init__(self, ssim_weight: float = 3.0, l1_weight: float = 1.0):
        super().__init__()
        if ssim_weight < 0 or l1_weight < 0 or ssim_weight + l1_weight == 0:
            raise ValueError(f"weights must be >= 0 and not both 0, got ssim_weight={ssim_weight}, "
                             f"l1_weight={l1_weight}")
        self.ssim_weight, self.l1_weight = float(ssim_weight), float(l1_weight)

    def parts(self, pred: Tensor, target: Tensor) -> dict[str, Tensor]:
        """The unweighted terms ``{"ssim": mean SSIM, "mae": mean |pred - target|}``."""
        check_pair(pred, target)
        pred, target = pred.float(), target.float()
        with torch.autocast(pred.device.type, enabled=False):
            ssim = structural_similarity_index_measure(pred, target, **SSIM_SETTINGS)
            mae = (pred - target).abs().mean()
        return {"ssim": ssim, "mae": mae}

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        p = self.parts(pred, target)
        return self.ssim_weight * (1 - p["ssim"]) + self.l1_weight * p["mae"]

    def extra_repr(self) -> str:
        return f"ssim_weight={self.ssim_weight}, l1_weight={self.l1_weight}"


def mse_loss(pred: Tensor, target: Tensor) -> Tensor:
    """Mean squared error over all pixels, in float32: the second paper's loss."""
    check_pair(pred, target)
    return (pred.float() - target.float()).square().mean()


def l1_loss(pred: Tensor, target: Tensor) -> Tensor:
    """Mean absolute error over all pixels, in float32 (the MAE term of the first paper's
    loss alone). With the known pixels composited exactly, only hole pixels contribute."""
    check_pair(pred, target)
    return (pred.float() - target.float()).abs().mean()


def log_mse_loss(pred: Tensor, target: Tensor, eps: float = 1e-5) -> Tensor:
    """The mean over images of ``10 log10(MSE_i + eps)``: minus the mean per-image PSNR (up to
    a constant), the number the course reports. Plain MSE lets a network trade a little
    error on easy, smooth images (where a PSNR in dB punishes it hard) for a lot on busy
    ones; this loss weighs every image by what it does to its PSNR. With known pixels
    composited exactly, the whole-image MSE is the hole MSE times the hole's share, a
    constant under the logarithm: the gradient is that of the hole PSNR."""
    check_pair(pred, target)
    mse = (pred.float() - target.float()).square().mean(dim=(1, 2, 3))
    return 10.0 * torch.log10(mse + eps).mean()


#: Loss names the trainer and the command line accept.
LOSSES = {"ssim_mae": SSIMMAELoss, "mse": lambda: mse_loss, "l1": lambda: l1_loss,
          "log_mse": lambda: log_mse_loss}


def build_loss(name: str):
    """``"ssim_mae"`` (paper 1, default weights 3:1), ``"mse"`` (paper 2), ``"l1"`` or ``"log_mse"``."""
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(LOSSES)}")
    return LOSSES[name]()
