"""LaMa's generator with fast Fourier convolutions, "lama-fourier" (Suvorov et al. 2021).

A fast Fourier convolution (FFC) splits its channels into a *local* part, mixed by
ordinary 3x3 convolutions, and a *global* part, mixed in the frequency domain: after a
2D FFT every coefficient depends on every pixel, so one 1x1 convolution on the spectrum
has an image-wide receptive field. Four paths connect the parts::

    local  --3x3 conv-->  local        global --3x3 conv--> local
    local  --3x3 conv-->  global       global --spectral transform--> global

    spectral transform (c_in -> c_out):  1x1 conv -> c_out/2, BN, ReLU = y
                                         1x1 conv c_out/2 -> c_out applied to y + FourierUnit(y)
    FourierUnit (c -> c):  rfft2 (ortho) -> real/imag as 2c channels -> 1x1 conv 2c -> 2c,
                           BN, ReLU -> complex -> irfft2 back to H x W

The generator (27,048,835 parameters at the paper's size)::

    cat(masked, mask) (N, 4, H, W) -> reflect-pad 3, FFC 7x7 4 -> 64 (all local), BN, ReLU
    -> 3 x FFC 3x3 stride 2: 64 -> 128 -> 256 -> 512; the last one's output is split
       128 local / 384 global (ratio 0.75)                                    (N, 512, H/8, W/8)
    -> 9 FFC ResNet blocks (two FFC-BN-ReLU each, residual on both parts)
    -> cat local + global -> 3 x [ConvTranspose k3 s2 p1 op1, BN, ReLU]: 512 -> 256 -> 128 -> 64
    -> reflect-pad 3, conv 7x7 64 -> 3, sigmoid                              (N, 3, H, W)
       (with a pre-filled hole: no sigmoid, added to the pre-fill; base.finish)

FFT runs in float32 even under autocast (cuFFT/pocketfft need it for arbitrary sizes).
H and W must be divisible by 8 and at least 16.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .base import InpaintingModel

LocalGlobal = tuple[Tensor, Tensor | None]


class FourierUnit(nn.Module):
    """(N, c, H, W) -> (N, c, H, W): a 1x1 conv + BN + ReLU applied to the 2D spectrum."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = nn.Conv2d(2 * channels, 2 * channels, 1, bias=False)
        self.bn = nn.BatchNorm2d(2 * channels)
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        fft_dtype = torch.promote_types(x.dtype, torch.float32)   # no half-precision FFTs
        spec = torch.fft.rfft2(x.to(fft_dtype), norm="ortho")     # (N, c, H, W/2+1) complex
        # real and imaginary parts as channels [re_0, im_0, re_1, im_1, ...]
        z = torch.stack([spec.real, spec.imag], dim=2).reshape(n, 2 * c, h, -1)
        z = self.relu(self.bn(self.conv(z))).to(fft_dtype)
        z = z.reshape(n, c, 2, h, -1)
        spec = torch.complex(z[:, :, 0], z[:, :, 1])
        return torch.fft.irfft2(spec, s=(h, w), norm="ortho").to(x.dtype)


class SpectralTransform(nn.Module):
    """The global -> global path of an FFC: (N, c_in, H, W) -> (N, c_out, H, W)."""

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        mid = out_channels // 2
        self.reduce = nn.Sequential(nn.Conv2d(in_channels, mid, 1, bias=False),
                                    nn.BatchNorm2d(mid), nn.ReLU())
        self.fourier = FourierUnit(mid)
        self.expand = nn.Conv2d(mid, out_channels, 1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        y = self.reduce(x)
        return self.expand(y + self.fourier(y))


class FFC(nn.Module):
    """Fast Fourier convolution + BN + ReLU on a (local, global) pair of tensors.

    ``ratio_in`` / ``ratio_out``: fraction of the input / output channels that are global.
    Returns ``(local, global)``; a part with no channels is ``None``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel: int = 3, stride: int = 1,
                 padding: int = 1, ratio_in: float = 0.0, ratio_out: float = 0.0):
        super().__init__()
        in_g = int(in_channels * ratio_in)
        out_g = int(out_channels * ratio_out)
        in_l, out_l = in_channels - in_g, out_channels - out_g

        def conv(i: int, o: int) -> nn.Module | None:
            if not (i and o):
                return None
            return nn.Conv2d(i, o, kernel, stride, padding, bias=False, padding_mode="reflect")

        self.l2l, self.l2g, self.g2l = conv(in_l, out_l), conv(in_l, out_g), conv(in_g, out_l)
        self.g2g = SpectralTransform(in_g, out_g) if in_g and out_g else None
        if self.g2g is not None and stride != 1:
            raise ValueError("the spectral path of this FFC supports stride 1 only")
        self.act_l = nn.Sequential(nn.BatchNorm2d(out_l), nn.ReLU()) if out_l else None
        self.act_g = nn.Sequential(nn.BatchNorm2d(out_g), nn.ReLU()) if out_g else None

    def forward(self, x: LocalGlobal) -> LocalGlobal:
        x_l, x_g = x

        def total(*terms):
            terms = [t for t in terms if t is not None]
            return sum(terms[1:], terms[0]) if terms else None

        out_l = total(self.l2l(x_l) if self.l2l else None, self.g2l(x_g) if self.g2l else None)
        out_g = total(self.l2g(x_l) if self.l2g else None, self.g2g(x_g) if self.g2g else None)
        return (self.act_l(out_l) if self.act_l else None,
                self.act_g(out_g) if self.act_g else None)


class FFCResBlock(nn.Module):
    """Two 3x3 FFCs with a residual on the local and on the global part."""

    def __init__(self, channels: int, ratio: float = 0.75):
        super().__init__()
        self.ffc1 = FFC(channels, channels, ratio_in=ratio, ratio_out=ratio)
        self.ffc2 = FFC(channels, channels, ratio_in=ratio, ratio_out=ratio)

    def forward(self, x: LocalGlobal) -> LocalGlobal:
        y_l, y_g = self.ffc2(self.ffc1(x))
        return x[0] + y_l, x[1] + y_g


LAMA_MODEL_PRESETS: dict[str, dict] = {
    "paper": dict(channels=64, blocks=9),      # lama-fourier, 27,048,835 parameters
    "big": dict(channels=64, blocks=18),       # Big-LaMa, 50,975,875
    "quick": dict(channels=16, blocks=3),
    "tiny": dict(channels=8, blocks=1),
}


class LamaFourier(InpaintingModel):
    """LaMa's FFC ResNet generator: ``model(masked, mask) -> image``.

    ``channels``: width after the first conv (64; doubled by each of the 3 downsamplings);
    ``blocks``: FFC ResNet blocks (9; Big-LaMa 18); ``ratio``: global fraction (0.75).
    """

    size_multiple = 8
    min_size = 16      # the 3x3 reflect padding at 1/8 resolution needs 2x2 maps

    def __init__(self, channels: int = 64, blocks: int = 9, ratio: float = 0.75):
        super().__init__()
        if not 0 < int(8 * channels * ratio) < 8 * channels:
            raise ValueError(f"ratio must leave both a local and a global part of the "
                             f"{8 * channels} bottleneck channels, got ratio={ratio}")
        c = channels
        self.pad = nn.ReflectionPad2d(3)
        self.stem_ffc = FFC(4, c, kernel=7, padding=0)
        self.down = nn.ModuleList([
            FFC(c, 2 * c, stride=2),
            FFC(2 * c, 4 * c, stride=2),
            FFC(4 * c, 8 * c, stride=2, ratio_out=ratio)])
        self.blocks = nn.ModuleList(FFCResBlock(8 * c, ratio) for _ in range(blocks))
        ups = []
        for i, o in [(8 * c, 4 * c), (4 * c, 2 * c), (2 * c, c)]:
            ups += [nn.ConvTranspose2d(i, o, 3, stride=2, padding=1, output_padding=1),
                    nn.BatchNorm2d(o), nn.ReLU()]
        self.up = nn.Sequential(*ups)
        self.head = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(c, 3, 7))   # then sigmoid: self.finish

    def output_layers(self) -> list[nn.Module]:
        return [self.head[-1]]

    def predict(self, masked: Tensor, mask: Tensor) -> Tensor:
        x: LocalGlobal = (self.pad(torch.cat([masked, mask], dim=1)), None)
        x = self.stem_ffc(x)
        for layer in self.down:
            x = layer(x)
        for block in self.blocks:
            x = block(x)
        return self.finish(self.head(self.up(torch.cat(x, dim=1))), masked)
