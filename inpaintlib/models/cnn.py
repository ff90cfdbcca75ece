"""The custom CNN baseline of the WaveMix inpainting paper (Table 1, Appendix A).

The paper describes it in one sentence: a U-Net with five down-scaling convolution
layers followed by five up-scaling transposed-convolution layers, about 12M parameters.
This module builds exactly that and nothing more::

    cat(masked, mask)                     (N, 4, H, W)
    down 1..5: conv k4 s2 p1 [+ BN on 2-4] + LeakyReLU(0.2)   H/2 ... H/32, widths w1..w5
    up 5..2:   ConvTranspose k3 s2 p1 op1 + BN + ReLU, then cat with the encoder
               feature map of the same size (the U-Net skip)
    up 1:      ConvTranspose k3 s2 p1 op1 -> 3 channels, sigmoid          (N, 3, H, W)
               (with a pre-filled hole: no sigmoid, added to the pre-fill; base.finish)

The down convolutions have kernel 4 (each output sees its 2x2 cell plus a one-pixel
ring, as in pix2pix); the transposed ones kernel 3 with output padding 1 (as in LaMa's
decoder). With widths (64, 128, 256, 512, 512) this gives 12.4M parameters. H and W must
be divisible by 32 (96 = 3 x 32: the bottleneck is 3x3 at STL-10 size, 1x1 at 32x32).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .base import InpaintingModel

CNN_PRESETS: dict[str, dict] = {
    "paper": dict(widths=(64, 128, 256, 512, 512)),
    "quick": dict(widths=(16, 32, 64, 128, 128)),
    "tiny": dict(widths=(8, 16, 32, 32, 32)),
}


class UNetCNN(InpaintingModel):
    """The paper's custom CNN: 5 strided convs down, 5 transposed convs up, concatenating
    skips. ``widths``: channels after each down convolution (5 values)."""

    size_multiple = 32

    def __init__(self, widths: tuple[int, ...] = (64, 128, 256, 512, 512)):
        super().__init__()
        widths = tuple(widths)
        if len(widths) != 5:
            raise ValueError(f"the paper's CNN has five levels: give 5 widths, got {widths}")
        ins = (4,) + widths[:-1]
        # BatchNorm on the inner down layers only: not on the first (raw pixels), not on the
        # innermost, whose map is 1x1 at 32 px (BN would see one value per channel and image).
        self.down = nn.ModuleList(
            nn.Sequential(nn.Conv2d(i, o, 4, stride=2, padding=1, bias=k in (0, 4)),
                          *([nn.BatchNorm2d(o)] if k in (1, 2, 3) else []), nn.LeakyReLU(0.2))
            for k, (i, o) in enumerate(zip(ins, widths)))
        # up[k] takes the features at level k+1 (1/2**(k+1) size) to level k.
        up = []
        for k in reversed(range(5)):
            cin = widths[k] * (1 if k == 4 else 2)          # deeper levels arrive concatenated
            if k == 0:
                up.append(nn.ConvTranspose2d(cin, 3, 3, stride=2, padding=1, output_padding=1))
            else:
                up.append(nn.Sequential(
                    nn.ConvTranspose2d(cin, widths[k - 1], 3, stride=2, padding=1,
                                       output_padding=1, bias=False),
                    nn.BatchNorm2d(widths[k - 1]), nn.ReLU()))
        self.up = nn.ModuleList(up)

    def output_layers(self) -> list[nn.Module]:
        return [self.up[-1]]

    def predict(self, masked: Tensor, mask: Tensor) -> Tensor:
        image = masked
        x = torch.cat([masked, mask], dim=1)
        skips = []
        for layer in self.down:
            x = layer(x)
            skips.append(x)
        skips.pop()                                   # the bottleneck is not a skip
        for layer in self.up[:-1]:
            x = torch.cat([layer(x), skips.pop()], dim=1)
        return self.finish(self.up[-1](x), image)          # sigmoid, or a correction of the pre-fill
