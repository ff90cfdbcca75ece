"""WaveMix: token mixing with the 2D discrete wavelet transform (Jeevan et al. 2023).

A WaveMix block mixes information across space without attention: it shrinks the
channels, takes a Haar DWT (which halves the resolution and turns every 2x2 neighbourhood
into four sub-bands stacked as channels), mixes channels with a 1x1-conv MLP, and restores
the resolution with a transposed convolution::

    x (N, C, H, W)
    -> 1x1 conv C -> C/4                                  "reduction"
    -> Haar DWT, bands stacked: (N, C, H/2, W/2)          LL (C/4) + LH, HL, HH (3C/4)
    -> 1x1 conv C -> mult*C, GELU, Dropout, 1x1 conv -> ff_channel
    -> ConvTranspose2d(ff_channel -> C, 4, stride 2, padding 1), BatchNorm2d
    -> (N, C, H, W)                                       the caller adds x (residual)

A Level-2 block also transforms the LL band once more (H/4), runs it through its own MLP
and transposed convolution (to C/2 channels at H/2), and concatenates that to the level-1
MLP input; a Level-3 block nests one level deeper. Coarser levels see a wider
neighbourhood: one Level-J block reaches 2**J pixels on every side.

:class:`WaveMixInpainting` is the inpainting network of Kumar, Jeevan & Sethi (2023),
section 2 and Figure 1. One *module* (:class:`WaveMixModule`)::

    x (N, 3, H, W) current estimate, mask (N, 1, H, W)
    -> cat -> (N, 4, H, W)
    -> stem: 3x3 conv 4 -> C/2, GELU, conv C/2 -> C (kernel 4, stride 2), GELU   (N, C, H/2, W/2)
    -> ``blocks`` x [ y = y + WaveMixBlock(y) ]                                 (N, C, H/2, W/2)
    -> depthwise 5x5 conv, GELU, BatchNorm                                       (N, C, H/2, W/2)
    -> skip (a): cat with the stem output                                        (N, 2C, H/2, W/2)
    -> ConvTranspose2d 2C -> C/2 (kernel 4, stride 2), BatchNorm, GELU           (N, C/2, H, W)
    -> skip (b): cat with x                                                      (N, C/2 + 3, H, W)
    -> 1x1 conv -> 3                                                             (N, 3, H, W)

``modules`` of these are chained, each adding its output to the estimate inside the
holes. With ``reduce_input=False`` (the ablations' "input size reduction: not done") the
stride-2 conv and the transposed conv are replaced by stride-1 3x3 convolutions, so the
blocks work at full resolution.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..wavelets import BACKENDS, DWT
from .base import InpaintingModel


def _branch(in_channels: int, dim: int, mult: int, ff_channel: int, out_channels: int,
            dropout: float) -> nn.Sequential:
    """Channel MLP on the stacked sub-bands, then 2x upsampling by transposed convolution."""
    return nn.Sequential(
        nn.Conv2d(in_channels, dim * mult, 1),
        nn.GELU(),
        nn.Dropout(dropout),
        nn.Conv2d(dim * mult, ff_channel, 1),
        nn.ConvTranspose2d(ff_channel, out_channels, 4, stride=2, padding=1),
        nn.BatchNorm2d(out_channels),
    )


class WaveMixBlock(nn.Module):
    """A Level-``levels`` WaveMix token mixer: (N, dim, H, W) -> (N, dim, H, W).

    ``dim`` must be divisible by 4 and H, W by ``2**levels``. No residual inside: use
    ``x + block(x)``. ``backend`` selects the DWT implementation
    (see :class:`inpaintlib.wavelets.DWT`).

    Parameters: at dim = ff_channel = 128, a Level-1 block has 332,576 (mult 2) or
    398,368 (mult 4).
    """

    def __init__(self, dim: int, levels: int = 1, mult: int = 2, ff_channel: int | None = None,
                 dropout: float = 0.5, backend: str = "fast"):
        super().__init__()
        if dim % 4:
            raise ValueError(f"WaveMix dim must be a multiple of 4 (it is reduced to dim/4 "
                             f"before the DWT), got {dim}")
        if levels not in (1, 2, 3):
            raise ValueError(f"levels must be 1, 2 or 3, got {levels}")
        ff_channel = dim if ff_channel is None else ff_channel
        self.dim, self.levels = dim, levels
        self.reduction = nn.Conv2d(dim, dim // 4, 1)
        self.dwt = DWT(1, backend)
        # branches[0] works at H/2 and returns dim channels at H; branches[k] at H/2**(k+1)
        # returns dim/2 channels at H/2**k, concatenated to branches[k-1]'s input.
        self.branches = nn.ModuleList(
            _branch(dim + (dim // 2 if k < levels - 1 else 0), dim, mult, ff_channel,
                    dim if k == 0 else dim // 2, dropout)
            for k in range(levels))

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1] != self.dim:
            raise ValueError(f"expected (N, {self.dim}, H, W), got {tuple(x.shape)}")
        step = 2 ** self.levels
        if x.shape[-2] % step or x.shape[-1] % step:
            raise ValueError(f"a Level-{self.levels} WaveMix block needs H and W divisible by "
                             f"{step}, got {x.shape[-2]}x{x.shape[-1]}")
        ll = self.reduction(x)
        stacked = []
        for _ in range(self.levels):
            bands = self.dwt.stacked(ll)          # (N, dim, h/2, w/2)
            stacked.append(bands)
            ll = bands[:, : self.dim // 4]
        out = None
        for k in reversed(range(self.levels)):
            inp = stacked[k] if out is None else torch.cat([stacked[k], out], dim=1)
            out = self.branches[k](inp)
        return out


class WaveMixModule(nn.Module):
    """One stem -> WaveMix blocks -> decoder pass with skips (a) and (b) (module docstring).

    ``forward(x, mask)``: ``x`` (N, 3, H, W), ``mask`` (N, 1, H, W) float -> (N, 3, H, W),
    the correction this module proposes for ``x``.
    """

    def __init__(self, dim: int = 128, blocks: int = 7, levels: int = 1, mult: int = 2,
                 ff_channel: int | None = None, dropout: float = 0.5, reduce_input: bool = True,
                 backend: str = "fast"):
        super().__init__()
        if dim % 4:
            raise ValueError(f"dim must be a multiple of 4, got {dim}")
        half = dim // 2
        self.stem = nn.Sequential(nn.Conv2d(4, half, 3, padding=1), nn.GELU())
        self.down = nn.Sequential(
            nn.Conv2d(half, dim, 4, stride=2, padding=1) if reduce_input
            else nn.Conv2d(half, dim, 3, padding=1),
            nn.GELU())
        self.blocks = nn.ModuleList(
            WaveMixBlock(dim, levels, mult, ff_channel, dropout, backend) for _ in range(blocks))
        self.mix = nn.Sequential(nn.Conv2d(dim, dim, 5, padding=2, groups=dim), nn.GELU(),
                                 nn.BatchNorm2d(dim))
        self.up = nn.Sequential(
            nn.ConvTranspose2d(2 * dim, half, 4, stride=2, padding=1) if reduce_input
            else nn.Conv2d(2 * dim, half, 3, padding=1),
            nn.BatchNorm2d(half), nn.GELU())
        self.head = nn.Conv2d(half + 3, 3, 1)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        skip_a = self.down(self.stem(torch.cat([x, mask], dim=1)))
        y = skip_a
        for block in self.blocks:
            y = y + block(y)
        y = self.up(torch.cat([self.mix(y), skip_a], dim=1))     # skip (a)
        return self.head(torch.cat([y, x], dim=1))                # skip (b)


#: The rows of the paper's Tables 2 (8x8 boxes) and 3 (12x12 boxes), ``paper`` (Table 1,
#: see notebook 03 for why 5 modules x 7 blocks x 128) and small presets for CPUs.
#: Keys: blocks per module, embedding dimension, modules, DWT levels, input size reduction.
WAVEMIX_PRESETS: dict[str, dict] = {
    "paper": dict(blocks=7, dim=128, modules=5, levels=1, reduce_input=True),
    "quick": dict(blocks=4, dim=64, modules=1, levels=1, reduce_input=True, dropout=0.0),
    "tiny": dict(blocks=2, dim=32, modules=1, levels=1, reduce_input=True, dropout=0.0),
    "t2-1": dict(blocks=3, dim=96, modules=1, levels=1, reduce_input=False),
    "t2-2": dict(blocks=7, dim=96, modules=1, levels=1, reduce_input=False),
    "t3-1": dict(blocks=7, dim=96, modules=1, levels=1, reduce_input=True),
    "t3-2": dict(blocks=5, dim=96, modules=1, levels=1, reduce_input=True),
    "t3-3": dict(blocks=7, dim=96, modules=1, levels=1, reduce_input=False),
    "t3-4": dict(blocks=7, dim=96, modules=2, levels=1, reduce_input=False),
    "t3-5": dict(blocks=7, dim=64, modules=2, levels=1, reduce_input=False),
    "t3-6": dict(blocks=7, dim=128, modules=2, levels=1, reduce_input=False),
    "t3-7": dict(blocks=7, dim=96, modules=3, levels=1, reduce_input=False),
    "t3-8": dict(blocks=7, dim=96, modules=1, levels=2, reduce_input=True),
    "t3-9": dict(blocks=7, dim=96, modules=1, levels=3, reduce_input=True),
}


class WaveMixInpainting(InpaintingModel):
    """The WaveMix inpainting network: ``model(masked, mask) -> image`` (see
    :mod:`inpaintlib.models.base` for the contract).

    Args:
        dim: embedding dimension C (multiple of 4).
        blocks: WaveMix blocks per module.
        modules: modules chained one after the other, each refining the holes.
        levels: DWT levels per block (1-3).
        reduce_input: halve the resolution in the stem (the paper's Figure 1); False runs
            the blocks at full resolution (4x the cost).
        mult, ff_channel, dropout: the blocks' MLP expansion, output width (default C) and
            dropout (0.5 in the authors' training script).
        backend: DWT implementation, "fast" or "pytorch_wavelets"; both give the same
            function and share checkpoints.

    H and W must be divisible by ``2**levels`` (times 2 with ``reduce_input``). The raw
    output is clamped to [0, 1] in eval mode; in training mode it is left unclamped so
    every hole pixel keeps a gradient.
    """

    def __init__(self, dim: int = 128, blocks: int = 7, modules: int = 5, levels: int = 1,
                 reduce_input: bool = True, mult: int = 2, ff_channel: int | None = None,
                 dropout: float = 0.5, backend: str = "fast"):
        super().__init__()
        if modules < 1 or blocks < 1:
            raise ValueError(f"need at least one module and one block, got modules={modules}, "
                             f"blocks={blocks}")
        if backend not in BACKENDS:
            raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
        self.size_multiple = 2 ** levels * (2 if reduce_input else 1)
        self.stages = nn.ModuleList(
            WaveMixModule(dim, blocks, levels, mult, ff_channel, dropout, reduce_input, backend)
            for _ in range(modules))

    def output_layers(self) -> list[nn.Module]:
        return [stage.head for stage in self.stages]

    def predict(self, masked: Tensor, mask: Tensor) -> Tensor:
        x = masked
        hole = mask.bool()
        for stage in self.stages:
            x = torch.where(hole, x + stage(x, mask), masked)
        return x if self.training else x.clamp(0.0, 1.0)
