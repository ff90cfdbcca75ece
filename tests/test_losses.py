"""The training losses on inputs whose answer is known in closed form."""

import pytest
import torch

from inpaintlib.losses import SSIMMAELoss, build_loss, mse_loss

C1 = 0.01**2  # SSIM's luminance constant for data_range 1


def constant(value: float, n: int = 2, side: int = 24) -> torch.Tensor:
    return torch.full((n, 3, side, side), value)


def test_perfect_prediction_scores_zero():
    img = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    assert SSIMMAELoss()(img, img).item() == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("a, b", [(0.2, 0.6), (0.9, 0.1), (0.5, 0.5)])
def test_constant_images_match_the_closed_form(a, b):
    # Flat images have zero variance, so SSIM reduces to its luminance term (float32
    # rounding leaves variances of ~1e-8 against C2 = 9e-4: agreement to ~1e-4).
    ssim = (2 * a * b + C1) / (a * a + b * b + C1)
    expected = 3 * (1 - ssim) + abs(a - b)
    assert SSIMMAELoss()(constant(a), constant(b)).item() == pytest.approx(expected, abs=5e-4)


def test_weights_select_the_terms():
    gen = torch.Generator().manual_seed(1)
    pred, target = torch.rand(2, 3, 32, 32, generator=gen), torch.rand(2, 3, 32, 32, generator=gen)
    parts = SSIMMAELoss().parts(pred, target)
    assert SSIMMAELoss(0, 1)(pred, target).item() == pytest.approx((pred - target).abs().mean().item())
    assert SSIMMAELoss(1, 0)(pred, target).item() == pytest.approx(1 - parts["ssim"].item())
    assert SSIMMAELoss(3, 1)(pred, target).item() == pytest.approx(
        3 * (1 - parts["ssim"].item()) + parts["mae"].item(), rel=1e-6)


def test_ssim_term_prefers_structure_and_mae_prefers_values():
    """A blur keeps pixel values close (small MAE) but destroys structure (low SSIM); a
    brightness shift keeps structure but moves every value."""
    gen = torch.Generator().manual_seed(2)
    target = torch.rand(1, 3, 48, 48, generator=gen) * 0.6 + 0.2
    blurred = torch.nn.functional.avg_pool2d(target, 5, stride=1, padding=2, count_include_pad=False)
    shifted = target + 0.15
    loss = SSIMMAELoss()
    blur, shift = loss.parts(blurred, target), loss.parts(shifted, target)
    assert blur["mae"] < shift["mae"]
    assert blur["ssim"] < shift["ssim"]


def test_loss_is_differentiable_and_float32_under_autocast():
    gen = torch.Generator().manual_seed(3)
    pred = torch.rand(2, 3, 32, 32, generator=gen).requires_grad_()
    target = torch.rand(2, 3, 32, 32, generator=gen)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss = SSIMMAELoss()(pred.to(torch.bfloat16), target)
    assert loss.dtype == torch.float32
    loss.backward()
    assert pred.grad is not None and torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0


def test_mse_on_known_input():
    assert mse_loss(constant(0.25), constant(0.75)).item() == pytest.approx(0.25)
    assert build_loss("mse") is mse_loss


def test_bad_input_is_rejected():
    with pytest.raises(ValueError, match="same shape"):
        SSIMMAELoss()(torch.rand(1, 3, 32, 32), torch.rand(1, 3, 16, 16))
    with pytest.raises(ValueError, match="same shape"):
        mse_loss(torch.rand(3, 32, 32), torch.rand(3, 32, 32))
    with pytest.raises(ValueError, match="weights"):
        SSIMMAELoss(-1, 1)
    with pytest.raises(ValueError, match="unknown loss"):
        build_loss("lpips")


def test_l1_loss_is_the_mean_absolute_error_of_the_registered_losses():
    from inpaintlib.losses import build_loss, l1_loss
    pred, target = torch.zeros(2, 3, 4, 4), torch.full((2, 3, 4, 4), 0.25)
    assert l1_loss(pred, target).item() == pytest.approx(0.25)
    assert build_loss("l1") is l1_loss or build_loss("l1")(pred, target).item() == pytest.approx(0.25)
    with pytest.raises(ValueError, match="same shape"):
        l1_loss(pred, target[:1])
