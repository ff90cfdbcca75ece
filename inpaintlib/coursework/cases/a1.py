"""A1 (the Haar DWT and a WaveMix block): the bodies its public and hidden tests share."""

from __future__ import annotations

from ..checks import check_close, check_own_code, graded, unpack
from . import Mistakes, catalogue

#: The detail bands of one Haar level in pytorch-wavelets' order, with their formulas.
BANDS = (("LH", "a + b - c - d"), ("HL", "a - b + c - d"), ("HH", "a - b - c + d"))


def q1_random_batch(haar_level, mistakes: Mistakes | None = None) -> None:
    """A float32 (2, 3, 8, 6) batch against ``haar_dwt``, band by band, and no library call.
    ``mistakes`` gets ``ll`` and ``bands`` (the reference's) and names checks ``"LL"`` and
    each band of :data:`BANDS`."""
    import torch

    from ...wavelets import haar_dwt
    haar_level = graded("haar_level", haar_level)
    x = torch.rand(2, 3, 8, 6, generator=torch.Generator().manual_seed(1))
    ll, bands = unpack("haar_level(x)", haar_level(x), 2)
    ref_ll, ref_yh = haar_dwt(x)
    ref = ref_yh[0]
    known = catalogue(mistakes, ll=ref_ll, bands=ref)
    check_close("level-1 LL band", ll, ref_ll, 1e-5, "LL = (a + b + c + d) / 2 over each 2x2 block",
                known.get("LL"))
    if not isinstance(bands, torch.Tensor) or bands.shape != ref.shape:
        shape = tuple(bands.shape) if isinstance(bands, torch.Tensor) else type(bands).__name__
        raise AssertionError(f"bands is {shape}, expected a tensor {tuple(ref.shape)} = (N, C, 3, H/2, W/2): "
                             "stack LH, HL, HH along dim 2")
    for k, (name, formula) in enumerate(BANDS):
        check_close(f"level-1 {name} band (bands[:, :, {k}])", bands[:, :, k], ref[:, :, k], 1e-5,
                    f"{name} = ({formula}) / 2 for the 2x2 block a b / c d", known.get(name))
    check_own_code("haar_level", haar_level)


def q2_three_levels(haar_pyramid, mistakes: Mistakes | None = None) -> None:
    """Three levels of a random batch against ``DWT(3)``. ``mistakes`` gets ``x``, ``yl`` and
    ``yh`` (the reference's) and names checks ``"yl"``, ``"yh[0]"``, ``"yh[1]"``, ``"yh[2]"``."""
    import torch

    from ...wavelets import DWT
    haar_pyramid = graded("haar_pyramid", haar_pyramid)
    x = torch.rand(2, 3, 16, 8, generator=torch.Generator().manual_seed(2))
    yl, yh = unpack("haar_pyramid(x, 3)", haar_pyramid(x, 3), 2)
    ref_yl, ref_yh = DWT(3)(x)
    if not isinstance(yh, (list, tuple)) or len(yh) != 3:
        got = f"{len(yh)} entries" if isinstance(yh, (list, tuple)) else f"a {type(yh).__name__}"
        raise AssertionError(f"yh must be a list of 3 band tensors (one per level), got {got}")
    known = catalogue(mistakes, x=x, yl=ref_yl, yh=ref_yh)
    check_close("yl", yl, ref_yl, 1e-5, "yl is the LL band after the last level", known.get("yl"))
    for j in range(3):
        check_close(f"yh[{j}] (level {j + 1})", yh[j], ref_yh[j], 1e-5,
                    "each level transforms the previous level's LL band", known.get(f"yh[{j}]"))
    check_own_code("haar_pyramid", haar_pyramid)


def random_block(seed: int, scale: float, shape: tuple, dtype=None, **settings):
    """``(block, x)``: a Level-1 ``WaveMixBlock`` in eval mode (``settings``: its ``dim``,
    mult, ...) with random weights (``scale`` x N(0, 1)) and BatchNorm statistics, and a random
    input of ``shape``, all drawn from ``seed`` in ``dtype`` (default float32)."""
    import torch

    from ...models.wavemix import WaveMixBlock
    dtype = dtype or torch.float32
    gen = torch.Generator().manual_seed(seed)
    block = WaveMixBlock(levels=1, **settings).to(dtype).eval()
    with torch.no_grad():
        for p in block.parameters():
            p.copy_(scale * torch.randn(p.shape, generator=gen, dtype=dtype))
        bn = block.branches[0][5]
        bn.running_mean.copy_(torch.randn(bn.num_features, generator=gen, dtype=dtype))
        bn.running_var.copy_(0.5 + torch.rand(bn.num_features, generator=gen, dtype=dtype))
        x = torch.randn(shape, generator=gen, dtype=dtype)
    return block, x


def q3_random_block(wavemix_block, mistakes: Mistakes | None = None) -> None:
    """A random block (16 channels, mult 2) with non-trivial BatchNorm statistics, eval mode.
    ``mistakes`` gets ``block``, ``x`` and ``ref`` (computed without gradients) and names the
    check ``"output"``."""
    import torch
    wavemix_block = graded("wavemix_block", wavemix_block)
    block, x = random_block(3, 0.3, (2, 16, 8, 12), dim=16, mult=2, dropout=0.0)
    with torch.no_grad():
        ref = block(x)
        mine = wavemix_block(x, {k: v.clone() for k, v in block.state_dict().items()})
        known = catalogue(mistakes, block=block, x=x, ref=ref)
    hint = ("check each stage against the diagram: reduction -> Haar level (stacked) -> 1x1 conv, GELU, "
            "1x1 conv -> transposed conv (kernel 4, stride 2, padding 1) -> BatchNorm (eval)")
    check_close("WaveMix block output", mine, ref, 1e-4, hint, known.get("output"))
    check_own_code("wavemix_block", wavemix_block)
