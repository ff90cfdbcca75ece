"""The architectures: parameter counts, the common call contract, gradients, errors, and
the WaveMix network being the same function under both DWT backends."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inpaintlib.analysis import count_parameters, impulse_response
from inpaintlib.models import CLASSICAL, PRESETS, build, names
from inpaintlib.models.lama import FFCResBlock, FourierUnit

# Small configurations that exercise every code path quickly.
SMALL = {
    "wavemix": dict(preset="tiny"),
    "cnn": dict(preset="tiny"),
    "lama": dict(preset="tiny"),
    "unet": dict(width=8),
    "convmixer_unet": dict(width=8),
    "telea": {},
    "navier_stokes": {},
    "mean_fill": {},
    "push_pull": {},
    "biharmonic": {},
}
LEARNED = [n for n in names() if n not in CLASSICAL]


def batch(n=2, size=96, seed=0, coverage=0.3):
    gen = torch.Generator().manual_seed(seed)
    img = torch.rand(n, 3, size, size, generator=gen)
    mask = (torch.rand(n, 1, size, size, generator=gen) < coverage).float()
    return img * (1 - mask), mask, img


@pytest.mark.parametrize("name, preset, expected", [
    ("lama", None, 27_048_835),
    ("lama", "big", 50_975_875),
    ("unet", None, 741_763),
    ("convmixer_unet", None, 892_547),
    ("telea", None, 0),
    ("navier_stokes", None, 0),
])
def test_exact_parameter_counts(name, preset, expected):
    assert count_parameters(build(name, preset)) == expected


@pytest.mark.parametrize("name, millions, exact", [("wavemix", 14, 13_638_620),
                                                    ("cnn", 12, 12_414_531)])
def test_paper_sizes_round_to_the_papers_numbers(name, millions, exact):
    n = count_parameters(build(name))
    assert round(n / 1e6) == millions
    assert n == exact        # our reading of the paper (notebooks 03, 04); changes must be deliberate


def test_concatenation_costs_what_the_wider_convolutions_cost():
    base = count_parameters(build("convmixer_unet"))
    # fusion: the first transposed conv (3x3) reads 256 more channels -> 128
    assert count_parameters(build("convmixer_unet", fusion="concat")) - base == 256 * 128 * 9
    # skips: the second transposed conv reads 128 more (-> 64), the head 64 more (-> 3)
    assert count_parameters(build("unet", skip="concat")) - count_parameters(build("unet")) \
        == 128 * 64 * 9 + 64 * 3 * 9


@pytest.mark.parametrize("row, cfg", [
    ("t2-1", (3, 96, 1, 1, False)), ("t2-2", (7, 96, 1, 1, False)),
    ("t3-1", (7, 96, 1, 1, True)), ("t3-2", (5, 96, 1, 1, True)),
    ("t3-6", (7, 128, 2, 1, False)), ("t3-9", (7, 96, 1, 3, True)),
])
def test_wavemix_presets_follow_the_ablation_tables(row, cfg):
    model = build("wavemix", row)
    blocks, dim, modules, levels, reduce_input = cfg
    assert len(model.stages) == modules
    assert all(len(s.blocks) == blocks for s in model.stages)
    assert model.stages[0].blocks[0].dim == dim and model.stages[0].blocks[0].levels == levels
    assert model.size_multiple == 2 ** levels * (2 if reduce_input else 1)


@pytest.mark.parametrize("name", names())
@pytest.mark.parametrize("size", [96, 32])
def test_shapes_and_known_pixels_kept_exactly(name, size):
    model = build(name, **SMALL[name])
    masked, mask, _ = batch(size=size)
    for mode in (model.train, model.eval):
        mode()
        with torch.no_grad():
            pred = model(masked, mask)
        assert pred.shape == masked.shape and pred.dtype == masked.dtype
        known = mask.expand_as(pred) == 0
        assert torch.equal(pred[known], masked[known])
    assert pred.min() >= 0 and pred.max() <= 1  # eval mode: a valid image


@pytest.mark.parametrize("name", names())
def test_hole_pixels_of_the_input_are_ignored(name):
    """Whatever the caller leaves in the holes (say, the ground truth), the output is the same."""
    model = build(name, **SMALL[name]).eval()
    masked, mask, img = batch(size=32, seed=1)
    with torch.no_grad():
        torch.testing.assert_close(model(img, mask), model(masked, mask))


@pytest.mark.parametrize("name", ["wavemix", "cnn", "lama", "unet"])
def test_bool_and_float_masks_agree(name):
    model = build(name, **SMALL[name]).eval()
    masked, mask, _ = batch(size=32)
    with torch.no_grad():
        torch.testing.assert_close(model(masked, mask.bool()), model(masked, mask))


@pytest.mark.parametrize("name", LEARNED)
def test_gradients_reach_every_parameter(name):
    model = build(name, **SMALL[name]).train()
    masked, mask, img = batch(n=3, size=32)
    ((model(masked, mask) - img) ** 2).mean().backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing, f"no gradient for {missing}"


@pytest.mark.parametrize("name", LEARNED)
def test_cpu_bf16_autocast_keeps_known_pixels(name):
    model = build(name, **SMALL[name]).eval()
    masked, mask, _ = batch(size=32)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        pred = model(masked, mask)
    assert pred.dtype == torch.float32 and torch.isfinite(pred).all()
    known = mask.expand_as(pred) == 0
    assert torch.equal(pred[known], masked[known])


@pytest.mark.parametrize("name, size, multiple", [
    ("wavemix", 94, 4), ("cnn", 80, 32), ("lama", 92, 8), ("unet", 30, 4)])
def test_sizes_the_model_cannot_take_name_the_multiple(name, size, multiple):
    model = build(name, **SMALL[name])
    masked, mask, _ = batch(size=size)
    with pytest.raises(ValueError, match=f"divisible by {multiple}, got {size}x{size}"):
        model(masked, mask)


def test_wavemix_multiple_grows_with_dwt_levels():
    model = build("wavemix", preset="tiny", levels=3)
    masked, mask, _ = batch(size=40)    # divisible by 8, not by 2 * 2**3 = 16
    with pytest.raises(ValueError, match="divisible by 16"):
        model(masked, mask)


@pytest.mark.parametrize("name", names())
def test_bad_inputs_get_clear_errors(name):
    model = build(name, **SMALL[name])
    masked, mask, _ = batch(size=32)
    with pytest.raises(ValueError, match="binary mask"):
        model(masked, mask * 0.5)
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        model(torch.cat([masked, mask], 1), mask)
    with pytest.raises(ValueError, match="channels last"):
        model(masked.permute(0, 2, 3, 1), mask)
    with pytest.raises(ValueError, match=r"mask as \(N, 1, H, W\)"):
        model(masked, mask.expand(-1, 3, -1, -1))
    with pytest.raises(ValueError, match="does not match"):
        model(masked, mask[:1])
    with pytest.raises(TypeError, match="divide by 255"):
        model((masked * 255).to(torch.uint8), mask)


def test_build_errors_name_the_choices():
    with pytest.raises(ValueError, match="choose one of"):
        build("transformer")
    with pytest.raises(ValueError, match="presets:"):
        build("wavemix", "t9-9")
    with pytest.raises(ValueError, match=r"model 'cnn' has no setting\(s\) \['depth'\]; it takes "
                                         r"\['widths', 'fill'\]"):
        build("cnn", depth=3)
    with pytest.raises(ValueError, match="no setting.*'fused'"):      # fixed by the name
        build("unet", fused=True)


def test_build_does_not_hide_errors_raised_by_a_constructor():
    with pytest.raises(ValueError, match="skip and fusion must be one of"):
        build("unet", skip="multiply")
    with pytest.raises(ValueError, match="dim must be a multiple of 4, got 30"):
        build("wavemix", dim=30)


@pytest.mark.parametrize("settings, message", [
    ({"dim": "32"}, r"setting dim must be a whole number \(like 128\), got '32' \(str\)"),
    ({"dim": 32.0}, r"setting dim must be a whole number"),
    ({"dim": True}, r"setting dim must be a whole number"),
])
def test_build_checks_setting_types_up_front(settings, message):
    with pytest.raises(ValueError, match=message):
        build("wavemix", **settings)


@pytest.mark.parametrize("name", names())
def test_spec_rebuilds_the_same_architecture(name):
    model = build(name, **SMALL[name])
    spec = dict(model.spec)
    again = build(spec.pop("name"), **spec)
    assert [p.shape for p in again.parameters()] == [p.shape for p in model.parameters()]


@pytest.mark.parametrize("name, preset", [(n, p) for n, presets in PRESETS.items() for p in presets
                                          if p not in ("paper", "big") or n in ("unet", "convmixer_unet")])
def test_every_preset_runs_forward_and_backward(name, preset):
    model = build(name, preset).train()
    masked, mask, img = batch(n=2, size=32)
    pred = model(masked, mask)
    assert pred.shape == img.shape
    if any(p.requires_grad for p in model.parameters()):
        (pred - img).abs().mean().backward()


@pytest.mark.parametrize("name", ["cnn", "unet", "convmixer_unet", "wavemix"])
def test_training_a_single_image_at_the_smallest_size_works(name):
    """Batch 1 in training mode: no BatchNorm may see a single value per channel."""
    model = build(name, **SMALL[name]).train()
    side = model.min_size or model.size_multiple
    masked, mask, img = batch(n=1, size=max(side, 32))
    (model(masked, mask) - img).abs().mean().backward()


def test_lama_needs_at_least_16_pixels_and_a_split_ratio():
    model = build("lama", preset="tiny")
    masked, mask, _ = batch(size=8)
    with pytest.raises(ValueError, match="at least 16, got 8x8"):
        model(masked, mask)
    for ratio in (0.0, 1.0):
        with pytest.raises(ValueError, match="local and a global part"):
            build("lama", preset="tiny", ratio=ratio)


def test_image_and_mask_on_different_devices_is_a_clear_error():
    masked, mask, _ = batch(size=32)
    with pytest.raises(ValueError, match="mask is on meta, image on cpu"):
        build("unet")(masked, mask.to("meta"))


@pytest.mark.parametrize("levels", [1, 2, 3])
def test_wavemix_is_the_same_function_under_both_dwt_backends(levels):
    fast = build("wavemix", preset="tiny", levels=levels, backend="fast").eval()
    ref = build("wavemix", preset="tiny", levels=levels, backend="pytorch_wavelets").eval()
    ref.load_state_dict(fast.state_dict())          # same keys: the backends share checkpoints
    masked, mask, _ = batch(size=32)
    with torch.no_grad():
        torch.testing.assert_close(fast(masked, mask), ref(masked, mask), atol=1e-5, rtol=1e-5)


def test_wavemix_training_mode_is_unclamped_and_eval_mode_clamped():
    model = build("wavemix", preset="tiny")
    with torch.no_grad():
        for p in model.stages[0].head.parameters():
            p.fill_(0.0)
        model.stages[0].head.bias.fill_(2.0)        # predicts 2 everywhere in the holes
    masked, mask, _ = batch(size=32)
    with torch.no_grad():
        assert model.train()(masked, mask).max() == 2.0
        assert model.eval()(masked, mask).max() == 1.0


def test_fourier_unit_is_global_and_a_conv_block_is_local():
    """One FFC ResNet block at 32x32 reaches every pixel; two 3x3 convolutions reach 5x5."""
    torch.manual_seed(0)
    ffc = FFCResBlock(16, ratio=0.75)

    class AsTensor(torch.nn.Module):
        def forward(self, x):
            loc, glob = ffc((x[:, :4], x[:, 4:]))
            return torch.cat([loc, glob], 1)
    response = impulse_response(AsTensor(), 16, 32)
    assert (response > 0).float().mean() > 0.99
    conv = torch.nn.Sequential(torch.nn.Conv2d(16, 16, 3, padding=1), torch.nn.ReLU(),
                               torch.nn.Conv2d(16, 16, 3, padding=1))
    assert (impulse_response(conv, 16, 32) > 0).sum() == 25


def test_fourier_unit_is_a_pointwise_map_of_the_numpy_spectrum():
    """With BN/ReLU out of the way, a 1x1 conv that maps (re, im) -> (-im, re) multiplies the
    spectrum by i: the unit must equal numpy's irfft2(1j * rfft2(x)) (channel layout check)."""
    c = 3
    fu = FourierUnit(c).eval()
    fu.bn, fu.relu = torch.nn.Identity(), torch.nn.Identity()
    weight = torch.zeros(2 * c, 2 * c)
    for k in range(c):                     # channels are [re_0, im_0, re_1, im_1, ...]
        weight[2 * k, 2 * k + 1] = -1.0    # new re = -im
        weight[2 * k + 1, 2 * k] = 1.0     # new im = re
    with torch.no_grad():
        fu.conv.weight.copy_(weight.view(2 * c, 2 * c, 1, 1))
    x = torch.randn(2, c, 8, 12, dtype=torch.float64)
    fu.double()
    expected = np.fft.irfft2(1j * np.fft.rfft2(x.numpy(), norm="ortho"), s=(8, 12), norm="ortho")
    np.testing.assert_allclose(fu(x).detach().numpy(), expected, atol=1e-10)


@pytest.mark.parametrize("name", ["telea", "navier_stokes"])
def test_classical_methods_fill_a_smooth_image_well(name):
    ramp = torch.linspace(0, 1, 64)
    img = torch.stack([ramp.expand(64, 64), ramp[:, None].expand(64, 64),
                       torch.full((64, 64), 0.5)])[None]
    mask = torch.zeros(1, 1, 64, 64)
    mask[..., 28:36, 28:36] = 1
    pred = build(name)(img * (1 - mask), mask)
    hole = mask.expand_as(img).bool()
    assert (pred[hole] - img[hole]).abs().mean() < 0.02          # zero-filled would be ~0.5
