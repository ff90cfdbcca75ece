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
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from ..wavelets import DWT


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
