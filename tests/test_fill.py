"""The hole presentations of inpaintlib.models.fill and the push-pull baseline."""

from __future__ import annotations

import pytest
import torch

from inpaintlib.models import build
from inpaintlib.models.fill import FILLS, present, push_pull_fill


def _hole(n=2, size=32, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(n, 1, size, size, generator=gen) > 0.6).float()


def test_push_pull_keeps_known_pixels_and_fills_every_hole():
    img = torch.rand(2, 3, 32, 32)
    hole = _hole()
    out = push_pull_fill(img.masked_fill(hole.bool(), 7.0), hole)   # hole values are ignored
    assert torch.equal(out[~hole.bool().expand_as(out)], img[~hole.bool().expand_as(img)])
    assert bool(torch.isfinite(out).all()) and 0 <= out.min() and out.max() <= 1


def test_push_pull_continues_a_constant_colour_exactly():
    img = torch.ones(1, 3, 24, 40) * torch.tensor([0.9, 0.5, 0.1]).view(1, 3, 1, 1)
    hole = torch.zeros(1, 1, 24, 40)
    hole[..., 4:20, 5:30] = 1
    torch.testing.assert_close(push_pull_fill(img * (1 - hole), hole), img)


def test_push_pull_takes_the_nearer_side_and_odd_sizes():
    img = torch.zeros(1, 1, 17, 33)
    img[..., :, 17:] = 1.0                      # left half black, right half white
    hole = torch.zeros(1, 1, 17, 33)
    hole[..., :, 10:24] = 1
    out = push_pull_fill(img * (1 - hole), hole)
    assert out[0, 0, 8, 11] < 0.5 < out[0, 0, 8, 22]


def test_push_pull_beats_the_mean_fill_on_a_gradient():
    ramp = torch.linspace(0, 1, 48).view(1, 1, 1, 48).expand(1, 3, 48, 48)
    hole = torch.zeros(1, 1, 48, 48)
    hole[..., 16:32, 8:40] = 1
    err_pp = (build("push_pull")(ramp * (1 - hole), hole) - ramp).abs().mean()
    err_mean = (build("mean_fill")(ramp * (1 - hole), hole) - ramp).abs().mean()
    assert err_pp < err_mean / 3


def test_no_known_pixel_gives_zeros():
    out = push_pull_fill(torch.rand(1, 3, 8, 8), torch.ones(1, 1, 8, 8))
    assert torch.equal(out, torch.zeros(1, 3, 8, 8))


def test_present_and_models_built_with_a_fill():
    img, hole = torch.rand(2, 3, 32, 32), _hole().bool()
    assert torch.equal(present(img, hole, "zeros")[hole.expand_as(img)], torch.zeros(int(hole.sum()) * 3))
    with pytest.raises(ValueError, match="fill must be one of"):
        present(img, hole, "blur")
    with pytest.raises(ValueError, match="fill must be one of"):
        build("wavemix", preset="tiny", fill="telea")
    model = build("wavemix", preset="tiny", fill="push_pull")
    assert model.fill == "push_pull" and model.spec["fill"] == "push_pull"
    assert "fill" not in build("wavemix", preset="tiny").spec          # the papers' default
    assert set(FILLS) == {"zeros", "push_pull"}


def test_a_pre_filled_model_sees_the_fill_not_the_truth():
    seen = {}
    model = build("wavemix", preset="tiny", fill="push_pull").eval()
    original = model.predict

    def spy(masked, mask):
        seen["masked"] = masked.clone()
        return original(masked, mask)
    model.predict = spy
    img, hole = torch.rand(1, 3, 32, 32), _hole(1).bool()
    model(img, hole.float())
    torch.testing.assert_close(seen["masked"], push_pull_fill(img.masked_fill(hole, 0), hole))
    other = img.clone()
    other[hole.expand_as(img)] = 0.5                     # other hole content: same input
    model(other, hole.float())
    torch.testing.assert_close(seen["masked"], push_pull_fill(img.masked_fill(hole, 0), hole))
