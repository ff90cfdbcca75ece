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
