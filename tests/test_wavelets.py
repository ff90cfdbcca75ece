"""The Haar DWT: equality with PyWavelets and pytorch-wavelets, reconstruction, gradients,
autocast; and the WaveMix block built on it."""

from __future__ import annotations

import numpy as np
import pytest
import pywt
import torch

from inpaintlib.models.wavemix import WaveMixBlock
from inpaintlib.wavelets import BACKENDS, DWT, IDWT, haar_dwt, haar_dwt_stacked, haar_idwt

TOL = {torch.float64: 1e-6, torch.float32: 1e-5}


def pywt_reference(x: torch.Tensor, levels: int):
    """PyWavelets' wavedec2 in pytorch-wavelets' format (yh finest first, bands stacked)."""
    coeffs = pywt.wavedec2(x.double().numpy(), "haar", mode="zero", level=levels, axes=(-2, -1))
    yh = [np.stack(bands, axis=2) for bands in reversed(coeffs[1:])]
    return coeffs[0], yh


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("levels", [1, 2, 3])
@pytest.mark.parametrize("shape", [(2, 3, 32, 24), (1, 2, 13, 7)])  # even and odd sizes
def test_dwt_equals_pywavelets(backend, dtype, levels, shape):
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(levels), dtype=dtype)
    yl, yh = DWT(levels, backend)(x)
    ref_l, ref_h = pywt_reference(x, levels)
    assert yl.dtype == dtype and len(yh) == levels
    np.testing.assert_allclose(yl.double().numpy(), ref_l, atol=TOL[dtype], rtol=0)
    for got, ref in zip(yh, ref_h):
        assert got.shape == ref.shape
        np.testing.assert_allclose(got.double().numpy(), ref, atol=TOL[dtype], rtol=0)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("levels", [1, 2, 3])
def test_perfect_reconstruction(backend, levels):
    x = torch.randn(2, 3, 24, 40, dtype=torch.float64)
    torch.testing.assert_close(IDWT(backend)(DWT(levels, backend)(x)), x, atol=1e-6, rtol=0)


def test_odd_sizes_reconstruct_the_zero_padded_input():
    x = torch.randn(1, 2, 13, 7, dtype=torch.float64)
    y = haar_idwt(*haar_dwt(x, 2))
    assert y.shape == (1, 2, 14, 8)
    torch.testing.assert_close(y[..., :13, :7], x)
    assert y[..., 13, :].abs().max() < 1e-12 and y[..., :, 7].abs().max() < 1e-12


def test_stacked_layout_matches_pytorch_wavelets_format():
    x = torch.randn(2, 5, 8, 8)
    yl, yh = haar_dwt(x)
    torch.testing.assert_close(haar_dwt_stacked(x), torch.cat([yl, yh[0].flatten(1, 2)], 1))
    torch.testing.assert_close(DWT(1, "pytorch_wavelets").stacked(x), haar_dwt_stacked(x), atol=1e-6, rtol=0)


def test_gradcheck():
    x = torch.randn(1, 2, 6, 10, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: haar_dwt(t, 2)[1][1], (x,))
    assert torch.autograd.gradcheck(haar_dwt_stacked, (x,))
    ll = torch.randn(1, 2, 3, 5, dtype=torch.float64, requires_grad=True)
    bands = torch.randn(1, 2, 3, 3, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b: haar_idwt(a, [b]), (ll, bands))


@pytest.mark.parametrize("backend", BACKENDS)
def test_autocast_bf16_forward_and_backward(backend):
    conv = torch.nn.Conv2d(3, 8, 3, padding=1)
    x = torch.randn(2, 3, 16, 16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        h = conv(x)
        yl, yh = DWT(2, backend)(h)
        loss = yl.float().square().mean() + sum(b.float().square().mean() for b in yh)
    assert h.dtype == yl.dtype == yh[0].dtype == torch.bfloat16
    loss.backward()
    assert conv.weight.grad is not None and torch.isfinite(conv.weight.grad).all()
    assert conv.weight.grad.abs().sum() > 0


def test_bad_inputs_are_clear():
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        haar_dwt(torch.randn(3, 8, 8))
    with pytest.raises(TypeError, match="floating-point"):
        haar_dwt(torch.ones(1, 1, 4, 4, dtype=torch.int64))
    with pytest.raises(ValueError, match="backend must be one of"):
        DWT(1, "pywt")


# ------------------------------------------------------------------------- WaveMix block

@pytest.mark.parametrize("mult, expected", [(2, 332_576), (4, 398_368)])
def test_level1_block_parameter_count(mult, expected):
    block = WaveMixBlock(128, levels=1, mult=mult, ff_channel=128)
    assert sum(p.numel() for p in block.parameters()) == expected


@pytest.mark.parametrize("levels", [1, 2, 3])
def test_block_shapes_gradients_and_backends_agree(levels):
    torch.manual_seed(0)
    fast = WaveMixBlock(32, levels, backend="fast").eval()
    ref = WaveMixBlock(32, levels, backend="pytorch_wavelets").eval()
    ref.load_state_dict(fast.state_dict())  # same keys: the DWT has no state
    x = torch.randn(2, 32, 24, 24)
    y = fast(x)
    assert y.shape == x.shape
    torch.testing.assert_close(y, ref(x), atol=1e-5, rtol=1e-5)
    fast.train()
    fast(x).square().mean().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in fast.parameters())


def test_block_rejects_sizes_it_cannot_take():
    with pytest.raises(ValueError, match="multiple of 4"):
        WaveMixBlock(30)
    with pytest.raises(ValueError, match="divisible by 8"):
        WaveMixBlock(32, levels=3)(torch.randn(1, 32, 20, 20))


def test_stacked_is_one_level_only():
    with pytest.raises(ValueError, match="one level"):
        DWT(2).stacked(torch.randn(1, 1, 8, 8))
