"""Image-quality metrics, one value per image, over the whole image or the hole only.

Every function takes ``pred`` and ``target`` (N, C, H, W) in [0, 1] and an optional
``mask`` (N, 1, H, W), 1 = hole, and returns an (N,) float tensor. With ``mask`` only the
hole pixels count (an image without a hole gets NaN); without it, every pixel does. The
first paper reports whole-image numbers; hole-only numbers are what tell models apart,
because known pixels are copied exactly and only dilute the error.

| metric | scale | better | source |
|---|---|---|---|
| :func:`l1` | mean absolute error on the **0-255** scale | lower | one line |
| :func:`l2` | mean squared error on the **0-255** scale | lower | one line |
| :func:`psnr` | dB, ``data_range`` 1; at most 54.2 dB (:data:`PSNR_CEILING_DB`) | higher | torchmetrics |
| :func:`ssim` | [-1, 1]; Gaussian 11, sigma 1.5, ``data_range`` 1 | higher | torchmetrics |
| :func:`dice` | the second paper's Dice on intensities | see below | one line |

L1 and L2 use the 0-255 scale because the first paper's Tables 2 and 3 (L1 0.1-1.0, L2
5.6-114 with 8-12 px holes in 96 px images) only make sense on it: multiply a [0, 1] error
by 255 (L1) or 255**2 (L2).

SSIM over the whole image is the mean of torchmetrics' SSIM map without its 5 px
reflect-padded border, which makes it equal to scikit-image's ``structural_similarity``
(``gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1``) and to
Wang et al.'s definition; hole-only SSIM averages the full map over the hole pixels
(whose 11 px windows reach 5 px into the known pixels around the hole).

:func:`dice` is ``2 * sum(y * y_hat) / sum(y + y_hat)``. torchmetrics' ``DiceScore`` is for
discrete labels (segmentation), not for intensities, so this one formula is written
here. Dice was made for binary masks. On intensities in [0, 1] it is *not* 1 for a
perfect prediction (``y_hat = y`` scores ``sum(y**2) / sum(y)``), and it does not peak at
the truth: raising ``y_hat`` at any pixel whose ``y`` exceeds ``Dice / 2`` raises the
score, so on low-contrast images white holes beat a perfect inpainting. Report it to
compare with the second paper; compare models with errors in the holes.

FID (:func:`make_fid`) compares feature statistics of two *sets* of images, so it is not
per image: torchmetrics' ``FrechetInceptionDistance``, with the standard Inception
features when torch-fidelity and its weights are installed, or any feature extractor.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn
from torchmetrics.functional.image import peak_signal_noise_ratio, structural_similarity_index_measure

from .losses import SSIM_SETTINGS, check_pair

#: Names of :func:`image_metrics`' whole-image metrics; ``<name>_hole`` are the hole-only ones.
METRICS = ("l1", "l2", "psnr", "ssim", "dice")
#: Which direction is better, for tables and "best" choices.
HIGHER_IS_BETTER = {"l1": False, "l2": False, "psnr": True, "ssim": True, "dice": True}


def _check(pred: Tensor, target: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor, Tensor | None]:
    check_pair(pred, target)
    if mask is not None:
        n, _, h, w = pred.shape
        if mask.shape != (n, 1, h, w):
            raise ValueError(f"mask must have shape (N, 1, H, W) = {(n, 1, h, w)}, got {tuple(mask.shape)}")
        mask = mask.float().expand_as(pred)
    return pred.float(), target.float(), mask


def _mean(values: Tensor, weight: Tensor | None) -> Tensor:
    """Per-image mean of ``values`` (N, ...), over ``weight`` > 0 only when given (NaN if none)."""
    if weight is None:
        return values.flatten(1).mean(1)
    total = weight.flatten(1).sum(1)
    return torch.where(total > 0, (values * weight).flatten(1).sum(1) / total.clamp_min(1), torch.nan)


def l1(pred: Tensor, target: Tensor, mask: Tensor | None = None) -> Tensor:
    """Mean absolute error per image on the 0-255 scale: (N,)."""
    pred, target, mask = _check(pred, target, mask)
    return 255 * _mean((pred - target).abs(), mask)


def pooled_l1(pred: Tensor, target: Tensor, mask: Tensor) -> float:
    """Mean absolute difference over every hole pixel of the batch, on the 0-255 scale: one
    number, each hole pixel (and channel) weighted alike, so a large hole counts more than a
    small one (:func:`l1` with ``mask`` averages per image). ``pred``, ``target`` (N, C, H, W)
    in [0, 1], ``mask`` (N, 1, H, W) with 1 = hole. Notebooks 07 and 08 measure how far a
    network moves its pre-fill with it."""
    pred, target, mask = _check(pred, target, mask)
    if not mask.any():
        raise ValueError("pooled_l1 needs at least one hole pixel (mask == 1)")
    return ((pred - target).abs() * mask).sum().item() / mask.sum().item() * 255


def l2(pred: Tensor, target: Tensor, mask: Tensor | None = None) -> Tensor:
    """Mean squared error per image on the 0-255 scale (255**2 x the [0, 1] MSE): (N,)."""
    pred, target, mask = _check(pred, target, mask)
    return 255**2 * _mean((pred - target).square(), mask)


#: The highest PSNR reported: an RMS error of half an 8-bit level (0.5 / 255), about 54.2 dB.
#: The course's images are 8-bit; smaller errors are below their precision and count as
#: perfect. Without a ceiling an exact fill (a hole in a flat white background, which Telea
#: fills exactly) scores ``inf``, drops out of a mean, and biases every pooled comparison.
PSNR_CEILING_DB = 20 * math.log10(2 * 255)


def psnr(pred: Tensor, target: Tensor, mask: Tensor | None = None, ceiling: float | None = None) -> Tensor:
    """Peak signal-to-noise ratio per image in dB (``data_range`` 1): (N,).

    Identical images give ``inf`` unless a ``ceiling`` in dB caps the values (the evaluation,
    :func:`image_metrics`, uses :data:`PSNR_CEILING_DB`). With ``mask``, the mean squared error
    is taken over the hole pixels only (torchmetrics on each image's hole pixels); an image
    without a hole gets NaN.
    """
    pred, target, mask = _check(pred, target, mask)
    if mask is None:
        out = peak_signal_noise_ratio(pred, target, data_range=1.0, reduction="none", dim=(1, 2, 3))
    else:
        out = torch.full((len(pred),), torch.nan, device=pred.device)
        for i, hole in enumerate(mask.bool()):
            if hole.any():
                out[i] = peak_signal_noise_ratio(pred[i][hole], target[i][hole], data_range=1.0)
    return out if ceiling is None else out.clamp(max=ceiling)


def ssim_map(pred: Tensor, target: Tensor) -> Tensor:
    """torchmetrics' SSIM map (N, C, H, W) (Gaussian 11, sigma 1.5, ``data_range`` 1),
    computed on reflect-padded images, so the outer 5 px rest partly on mirrored pixels."""
    pred, target, _ = _check(pred, target, None)
    _, full = structural_similarity_index_measure(pred, target, reduction="none",
                                                  return_full_image=True, **SSIM_SETTINGS)
    return full


#: Border (px) torchmetrics' SSIM map computes on padding: half the 11 px window.
SSIM_BORDER = (SSIM_SETTINGS["kernel_size"] - 1) // 2


def ssim(pred: Tensor, target: Tensor, mask: Tensor | None = None) -> Tensor:
    """Structural similarity per image: (N,).

    Whole image: mean of the SSIM map without its :data:`SSIM_BORDER` px border (equal to
    scikit-image's). With ``mask``: mean of the full map over the hole pixels.
    """
    pred, target, mask = _check(pred, target, mask)
    return _ssim_from_map(ssim_map(pred, target), mask)


def _ssim_from_map(full: Tensor, mask: Tensor | None) -> Tensor:
    """:func:`ssim` from an SSIM map (N, C, H, W) and a float mask expanded to its shape."""
    if mask is None:
        b = SSIM_BORDER
        if min(full.shape[-2:]) <= 2 * b:
            raise ValueError(f"SSIM needs images larger than {2 * b} px, got {tuple(full.shape[-2:])}")
        return full[..., b:-b, b:-b].flatten(1).mean(1)
    return _mean(full, mask)


def dice(pred: Tensor, target: Tensor, mask: Tensor | None = None, eps: float = 1e-8) -> Tensor:
    """The second paper's Dice coefficient per image: (N,). With ``mask``, hole pixels only."""
    pred, target, mask = _check(pred, target, mask)
    weight = torch.ones_like(pred) if mask is None else mask
    inter = (pred * target * weight).flatten(1).sum(1)
    total = ((pred + target) * weight).flatten(1).sum(1)
    has_pixels = weight.flatten(1).sum(1) > 0
    return torch.where(has_pixels, 2 * inter / total.clamp_min(eps), torch.nan)


def _psnr_capped(pred: Tensor, target: Tensor, mask: Tensor | None = None) -> Tensor:
    return psnr(pred, target, mask, ceiling=PSNR_CEILING_DB)


_FUNCTIONS = {"l1": l1, "l2": l2, "psnr": _psnr_capped, "ssim": ssim, "dice": dice}


def image_metrics(pred: Tensor, target: Tensor, mask: Tensor | None = None) -> dict[str, Tensor]:
    """Every metric per image: ``{"l1": (N,), ..., "dice": (N,)}`` over whole images (PSNR capped
    at :data:`PSNR_CEILING_DB`, so exact fills stay in means), plus
    ``"l1_hole"`` ... ``"dice_hole"`` when ``mask`` is given. The SSIM map, the expensive
    part, is computed once and reduced both ways."""
    full = ssim_map(pred, target)
    out = {name: _ssim_from_map(full, None) if name == "ssim" else fn(pred, target)
           for name, fn in _FUNCTIONS.items()}
    if mask is not None:
        hole = _check(pred, target, mask)[2]
        out.update({f"{name}_hole": _ssim_from_map(full, hole) if name == "ssim" else fn(pred, target, mask)
                    for name, fn in _FUNCTIONS.items()})
    return out


def hole_detail(target: Tensor, mask: Tensor) -> Tensor:
    """How much detail the hole hides: the mean gradient magnitude of ``target``'s luminance
    (0-255 scale, forward differences) over the hole pixels. (N,) float; NaN without a hole.

    Not a quality metric (it does not look at a prediction): a property of each test example,
    used to split results into smooth holes (a sky, a wall, a fruit's skin) and textured ones
    (fur, leaves, a crowd), where different methods win."""
    _check(target, target, mask)
    luma = (0.299 * target[:, 0] + 0.587 * target[:, 1] + 0.114 * target[:, 2]) * 255    # (N, H, W)
    gy = torch.zeros_like(luma)
    gx = torch.zeros_like(luma)
    gy[:, :-1] = luma[:, 1:] - luma[:, :-1]
    gx[:, :, :-1] = luma[:, :, 1:] - luma[:, :, :-1]
    grad = torch.sqrt(gx ** 2 + gy ** 2)[:, None]                                          # (N, 1, H, W)
    return _mean(grad, (mask > 0.5).to(grad.dtype))


# ---------------------------------------------------------------------------------------
# FID
# ---------------------------------------------------------------------------------------

class FIDUnavailable(RuntimeError):
    """FID cannot be computed here; the message says why in one line."""


def make_fid(feature: nn.Module | None = None, image_size: int = 96):
    """torchmetrics' ``FrechetInceptionDistance`` taking float images in [0, 1].

    ``feature=None``: the standard 2048-d InceptionV3 pool features, which need the
    optional torch-fidelity package (``pip install -e '.[fid]'``) and its weights (a
    download on first use). If either is missing this raises :class:`FIDUnavailable`
    saying which. ``feature``: any module mapping (N, 3, H, W) float images in [0, 1] to
    (N, D) features (D must be fixed); ``image_size`` is the side of the dummy image used
    to find D. Use ``fid.update(images, real=True/False)`` then ``fid.compute()``.

    FIDs from different feature extractors are different numbers: only the Inception
    one compares with published values.
    """
    from torchmetrics.image.fid import FrechetInceptionDistance
    from torchmetrics.utilities.imports import _TORCH_FIDELITY_AVAILABLE

    if feature is not None:
        return FrechetInceptionDistance(feature=feature, normalize=True,
                                        input_img_size=(3, image_size, image_size))
    if not _TORCH_FIDELITY_AVAILABLE:
        raise FIDUnavailable("FID needs the Inception features of torch-fidelity, which is not "
                             "installed (pip install -e '.[fid]' on a machine where torchvision works)")
    try:
        return FrechetInceptionDistance(feature=2048, normalize=True)
    except Exception as err:  # noqa: BLE001 (weights download or torchvision failure)
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise FIDUnavailable(f"FID's Inception weights could not be loaded: {first}") from err


def finite_mean(values: Tensor) -> float:
    """Mean of the finite entries of ``values`` (NaN for images without holes and inf
    PSNRs of perfect images are left out); NaN when none is finite."""
    values = values[torch.isfinite(values)]
    return float(values.double().mean()) if len(values) else math.nan
