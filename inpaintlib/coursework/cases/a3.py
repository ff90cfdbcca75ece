"""A3 (the loss and the hole metrics): the bodies its public and hidden tests share. Most
cases are a blurred fill of photo crops inside LaMa holes (:func:`blurred_fill`)."""

from __future__ import annotations

from ..checks import check_close, check_own_code, graded
from . import Mistakes, catalogue


def photos(n: int, size: int):
    """The first ``n`` validation photo crops of the samples set at ``size`` px, (n, 3, size, size)."""
    import torch

    from ... import data
    crops = data.load_dataset("samples", "val", size=size)
    return torch.stack([crops[i] for i in range(n)])


def blurred_fill(seed: int, n: int, size: int = 48) -> tuple:
    """``(pred, target, mask)``: ``n`` photo crops (target), LaMa 'medium' holes (mask, seed
    ``seed``, 1 = hole) and pred, the target with each hole filled by a 5 x 5 blur of a copy
    with Gaussian noise (drawn from ``seed``)."""
    import torch
    import torch.nn.functional as F

    from ... import masks
    gen = torch.Generator().manual_seed(seed)
    target = photos(n, size)
    noisy = (target + 0.08 * torch.randn(target.shape, generator=gen)).clamp(0, 1)
    mask = torch.from_numpy(masks.lama_masks("medium", size, n, seed=seed)).float()[:, None]
    pred = torch.where(mask.bool(), F.avg_pool2d(noisy, 5, 1, 2, count_include_pad=False), target)
    return pred, target, mask


def exact_ssim_map(pred, target):
    """The SSIM map of ``pred`` and ``target`` in float64 with the course's settings (the one
    Question 1 is compared with), from torchmetrics."""
    from torchmetrics.functional.image import structural_similarity_index_measure as tm_ssim

    from ... import metrics
    _, exact = tm_ssim(pred.double(), target.double(), reduction="none", return_full_image=True,
                       **metrics.SSIM_SETTINGS)
    return exact


def q2_value(inpainting_loss, mistakes: Mistakes | None = None) -> None:
    """The loss of a blurred fill against ``SSIMMAELoss`` (3:1), and no library call.
    ``mistakes`` gets ``pred`` and ``target`` and names the check ``"loss"``."""
    from ... import losses
    inpainting_loss = graded("inpainting_loss", inpainting_loss)
    pred, target, _ = blurred_fill(4, 3)
    known = catalogue(mistakes, pred=pred, target=target)
    mine = inpainting_loss(pred, target)
    check_close("loss of a blurred fill", mine, losses.SSIMMAELoss()(pred, target), 1e-4,
                "3 * (1 - mean of the SSIM map) + mean |pred - target|", known.get("loss"))
    check_own_code("inpainting_loss", inpainting_loss)


def q3_blurred_fill(hole_psnr, mistakes: Mistakes | None = None) -> None:
    """Hole PSNR of a blurred fill against ``inpaintlib.metrics.psnr``, and no library call.
    ``mistakes`` gets ``pred``, ``target``, ``mask`` and ``ref`` and names the check ``"psnr"``."""
    from ... import metrics
    hole_psnr = graded("hole_psnr", hole_psnr)
    pred, target, mask = blurred_fill(6, 4)
    ref = metrics.psnr(pred, target, mask)
    known = catalogue(mistakes, pred=pred, target=target, mask=mask, ref=ref)
    check_close("hole PSNR (dB) of a blurred fill", hole_psnr(pred, target, mask), ref, 1e-3,
                "10 * log10(1 / MSE over the hole pixels, all channels)", known.get("psnr"))
    check_own_code("hole_psnr", hole_psnr)


def q4_blurred_fill(hole_ssim, mistakes: Mistakes | None = None) -> None:
    """Hole SSIM of a blurred fill against ``inpaintlib.metrics.ssim`` with a mask, and no
    library call. ``mistakes`` gets ``pred``, ``target`` and ``mask`` and names the check
    ``"ssim"``."""
    from ... import metrics
    hole_ssim = graded("hole_ssim", hole_ssim)
    pred, target, mask = blurred_fill(8, 4)
    ref = metrics.ssim(pred, target, mask)
    known = catalogue(mistakes, pred=pred, target=target, mask=mask)
    check_close("hole SSIM of a blurred fill", hole_ssim(pred, target, mask), ref, 1e-4,
                "sum(map * mask) / sum(mask), with the mask expanded to the channels", known.get("ssim"))
    check_own_code("hole_ssim", hole_ssim)
