"""Metrics on inputs whose answer is known by hand."""

from __future__ import annotations

import pytest
import torch

from inpaintlib.metrics import dice


def test_dice_by_hand():
    pred = torch.tensor([1.0, 0.5, 0.0, 1.0]).view(1, 1, 2, 2)
    target = torch.tensor([1.0, 1.0, 0.0, 0.0]).view(1, 1, 2, 2)
    # 2 * (1 + 0.5) / (2.5 + 2) = 3 / 4.5
    torch.testing.assert_close(dice(pred, target), torch.tensor([3 / 4.5]))


def test_dice_of_binary_images_is_one_when_equal_and_zero_when_disjoint():
    a = (torch.rand(3, 3, 8, 8) > 0.5).float()
    torch.testing.assert_close(dice(a, a), torch.ones(3))
    torch.testing.assert_close(dice(a, 1 - a), torch.zeros(3))


def test_perfect_intensity_prediction_scores_sum_y2_over_sum_y():
    y = torch.rand(2, 3, 8, 8)
    torch.testing.assert_close(dice(y, y), (y ** 2).flatten(1).sum(1) / y.flatten(1).sum(1))


def test_dice_does_not_peak_at_the_truth_on_low_contrast_images():
    """The documented flaw: on a grey image, white holes beat the truth; on a black-and-white
    image (where Dice behaves as on masks) the truth wins."""
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., 2:6, 2:6] = 1

    def white_holes(y):
        return torch.where(mask.bool(), torch.ones_like(y), y)
    grey = torch.full((1, 3, 8, 8), 0.4)
    assert dice(white_holes(grey), grey) > dice(grey, grey)
    assert dice(white_holes(grey), grey, mask) > dice(grey, grey, mask)
    stripes = torch.zeros(1, 3, 8, 8)
    stripes[..., ::2] = 1.0
    assert dice(white_holes(stripes), stripes) < dice(stripes, stripes) == 1.0


def test_hole_only_dice_ignores_known_pixels_and_flags_images_without_holes():
    y = torch.rand(2, 3, 8, 8)
    mask = torch.zeros(2, 1, 8, 8)
    mask[0, :, :4] = 1
    pred = y.clone()
    pred[:, :, 4:] = 0                       # wrong only where mask == 0
    hole = dice(pred, y, mask)
    torch.testing.assert_close(hole[0], dice(y[:1, :, :4], y[:1, :, :4])[0])
    assert torch.isnan(hole[1])


def test_dice_shape_errors():
    with pytest.raises(ValueError, match="same shape"):
        dice(torch.rand(1, 3, 4, 4), torch.rand(1, 3, 4, 5))


# --- L1, L2, PSNR, SSIM, FID ----------------------------------------------------------

from skimage.metrics import peak_signal_noise_ratio as sk_psnr  # noqa: E402
from skimage.metrics import structural_similarity as sk_ssim  # noqa: E402

from inpaintlib import metrics  # noqa: E402


def image_pair(n: int = 3, side: int = 40, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A smooth-ish target and a noisy, slightly shifted prediction, both in [0, 1]."""
    gen = torch.Generator().manual_seed(seed)
    target = torch.nn.functional.avg_pool2d(torch.rand(n, 3, side, side, generator=gen), 3, 1, 1)
    pred = (target + 0.08 * torch.randn(n, 3, side, side, generator=gen) + 0.03).clamp(0, 1)
    return pred.double(), target.double()


def test_ssim_equals_scikit_image_with_matched_settings():
    pred, target = image_pair()
    ours = metrics.ssim(pred, target)
    for i in range(len(pred)):
        ref = sk_ssim(target[i].permute(1, 2, 0).numpy(), pred[i].permute(1, 2, 0).numpy(),
                      channel_axis=2, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                      data_range=1.0)
        assert ours[i].item() == pytest.approx(ref, abs=1e-6)


def test_psnr_equals_scikit_image():
    pred, target = image_pair()
    ours = metrics.psnr(pred, target)
    for i in range(len(pred)):
        assert ours[i].item() == pytest.approx(sk_psnr(target[i].numpy(), pred[i].numpy(), data_range=1.0),
                                               rel=1e-6)


def test_l1_and_l2_are_on_the_0_255_scale():
    target = torch.zeros(2, 3, 8, 8)
    pred = target.clone()
    pred[0] = 0.1                                  # every pixel of image 0 off by 0.1
    torch.testing.assert_close(metrics.l1(pred, target), torch.tensor([25.5, 0.0]))
    torch.testing.assert_close(metrics.l2(pred, target), torch.tensor([25.5**2, 0.0]))


def test_pooled_l1_weights_hole_pixels_not_images():
    """Image 0: a 4-pixel hole off by 0.2; image 1: a 12-pixel hole off by 0.1. Per image the
    mean is (51 + 25.5) / 2; pooled over the 16 hole pixels (4 * 51 + 12 * 25.5) / 16."""
    target = torch.zeros(2, 3, 8, 8)
    pred, mask = target.clone(), torch.zeros(2, 1, 8, 8)
    mask[0, :, :2, :2], mask[1, :, :3, :4] = 1, 1
    pred[0] += 0.2 * mask[0]
    pred[1] += 0.1 * mask[1]
    pred[:, :, 7, 7] = 1.0                         # outside every hole: not counted
    assert metrics.pooled_l1(pred, target, mask) == pytest.approx((4 * 51 + 12 * 25.5) / 16)
    torch.testing.assert_close(metrics.l1(pred, target, mask), torch.tensor([51.0, 25.5]))
    with pytest.raises(ValueError, match="at least one hole pixel"):
        metrics.pooled_l1(pred, target, torch.zeros_like(mask))


def test_hole_metrics_see_only_the_hole():
    pred, target = image_pair(n=2, seed=1)
    mask = torch.zeros(2, 1, 40, 40, dtype=torch.float64)
    mask[0, :, 10:30, 10:30] = 1                   # image 1 has no hole
    # Change known pixels only, and (SSIM's 11 px window) only those > 5 px from the hole.
    near = torch.zeros_like(mask)
    near[0, :, 4:36, 4:36] = 1
    spoiled = torch.where(near.bool().expand_as(pred), pred, 1 - pred)
    for name in metrics.METRICS:
        fn = getattr(metrics, name)
        a, b = fn(pred, target, mask), fn(spoiled, target, mask)
        assert a[0].item() == pytest.approx(b[0].item(), rel=1e-9), name
        assert torch.isnan(a[1]), name
    hole = mask[0].bool().expand(3, -1, -1)
    assert metrics.l1(pred, target, mask)[0].item() == pytest.approx(
        255 * (pred[0][hole] - target[0][hole]).abs().mean().item())


def test_image_metrics_has_whole_and_hole_variants():
    pred, target = image_pair(n=2)
    mask = torch.ones(2, 1, 40, 40, dtype=torch.float64)
    out = metrics.image_metrics(pred, target, mask)
    assert sorted(out) == sorted([*metrics.METRICS, *(f"{m}_hole" for m in metrics.METRICS)])
    assert all(v.shape == (2,) for v in out.values())
    torch.testing.assert_close(out["l1"], out["l1_hole"])   # the hole is the whole image
    with pytest.raises(ValueError, match="mask must have shape"):
        metrics.l1(pred, target, mask[:, :, :20])


def test_fid_path_with_a_small_feature_extractor(tiny_features):
    gen = torch.Generator().manual_seed(0)
    real = torch.rand(64, 3, 32, 32, generator=gen)
    same = metrics.make_fid(tiny_features, image_size=32)
    same.update(real, real=True)
    same.update(real, real=False)
    shifted = metrics.make_fid(tiny_features, image_size=32)
    shifted.update(real, real=True)
    shifted.update((real * 0.6 + 0.3), real=False)
    assert abs(float(same.compute())) < 1e-6
    assert float(shifted.compute()) > 0.05


def test_inception_fid_says_why_it_cannot_run():
    from torchmetrics.utilities.imports import _TORCH_FIDELITY_AVAILABLE
    if _TORCH_FIDELITY_AVAILABLE:
        pytest.skip("torch-fidelity is installed here")
    with pytest.raises(metrics.FIDUnavailable, match="torch-fidelity"):
        metrics.make_fid()


def test_image_metrics_equal_the_single_metrics():
    """image_metrics shares one SSIM map between the whole-image and the hole SSIM; every
    value must equal what the metric's own function returns."""
    gen = torch.Generator().manual_seed(0)
    pred, target = torch.rand(3, 3, 32, 32, generator=gen), torch.rand(3, 3, 32, 32, generator=gen)
    mask = (torch.rand(3, 1, 32, 32, generator=gen) < 0.3).float()
    values = metrics.image_metrics(pred, target, mask)
    for name in ("l1", "l2", "psnr", "ssim", "dice"):
        fn = getattr(metrics, name)
        torch.testing.assert_close(values[name], fn(pred, target), rtol=0, atol=0)
        torch.testing.assert_close(values[f"{name}_hole"], fn(pred, target, mask), rtol=0, atol=0)


def test_hole_detail_separates_smooth_from_textured_holes():
    from inpaintlib.metrics import hole_detail
    flat = torch.full((1, 3, 16, 16), 0.4)
    stripes = flat.clone()
    stripes[..., ::2] = 0.9                                       # vertical stripes: strong x gradient
    hole = torch.zeros(1, 1, 16, 16)
    hole[..., 4:12, 4:12] = 1
    assert hole_detail(flat, hole).item() == 0
    assert hole_detail(stripes, hole).item() == pytest.approx(0.5 * 255, rel=1e-5)
    assert torch.isnan(hole_detail(flat, torch.zeros(1, 1, 16, 16))).all()
    with pytest.raises(ValueError, match="mask must have shape"):
        hole_detail(flat, hole[0])


def test_psnr_has_a_ceiling_so_exact_fills_stay_in_the_mean():
    from inpaintlib.metrics import PSNR_CEILING_DB, image_metrics, psnr
    img = torch.rand(2, 3, 16, 16)
    hole = torch.zeros(2, 1, 16, 16)
    hole[..., 2:5, 2:5] = 1
    assert PSNR_CEILING_DB == pytest.approx(54.15, abs=0.01)
    assert torch.isinf(psnr(img, img, hole)).all()                     # the plain metric: inf
    capped = image_metrics(img, img, hole)                              # evaluations: the ceiling
    assert torch.equal(capped["psnr_hole"], torch.full((2,), PSNR_CEILING_DB))
    assert torch.equal(capped["psnr"], torch.full((2,), PSNR_CEILING_DB))
    off = img.clone()
    off[..., 2:5, 2:5] += 0.1                                # 20 dB in the hole, below the ceiling
    torch.testing.assert_close(psnr(off, img, hole, ceiling=PSNR_CEILING_DB), torch.full((2,), 20.0))
