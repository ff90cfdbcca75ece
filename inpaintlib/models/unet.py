"""The second paper's models (Masud): a small U-Net, and the same U-Net with a ConvMixer
encoder fused at its bottleneck.

U-Net (the public Keras code, for 32x32 CIFAR-10 images)::

    masked (N, 3, H, W)
    enc1: 3x3 conv 3 -> 64, ReLU = s1 (H);     max-pool 2, BN, Dropout         (N, 64, H/2)
    enc2: 3x3 conv 64 -> 128, ReLU = s2 (H/2); max-pool 2, BN, Dropout         (N, 128, H/4)
    bottleneck: 3x3 conv 128 -> 256, ReLU                                      (N, 256, H/4)
    [fused: ConvMixer(masked) (N, 256, H/4) added or concatenated here]
    dec2: ConvTranspose 3x3 s2 -> 128, ReLU; skip s2 (add or cat); Dropout     (N, 128|256, H/2)
    dec1: ConvTranspose 3x3 s2 -> 64, ReLU; skip s1 (add or cat); Dropout      (N, 64|128, H)
    head: 3x3 conv -> 3, sigmoid                                               (N, 3, H, W)
          (with a pre-filled hole: no sigmoid, added to the pre-fill; base.finish)

ConvMixer branch: patch conv 3 -> 256 (kernel 2, stride 2), GELU, BN; ``depth`` x
[depthwise 5x5, GELU, BN, + residual; 1x1 conv, GELU, BN]; average-pool 2 -> (N, 256, H/4).

The paper says the ConvMixer features are *concatenated*; the public code *adds* them,
and its skips are additions too. ``skip`` and ``fusion`` choose. With both "add" the
models have 741,763 and 892,547 parameters, the public code's (Keras) counts. Like that
code, the models see only the masked image, not the mask (``mask_channel=True`` adds it
as a fourth input channel). H and W must be divisible by 4.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .base import InpaintingModel

_MODES = ("add", "concat")

#: Named settings: the public code's additions (``paper``), or the paper text's concatenations.
UNET_PRESETS: dict[str, dict] = {"paper": {}, "concat": dict(skip="concat", fusion="concat")}


def _join(a: Tensor, b: Tensor, how: str) -> Tensor:
    return a + b if how == "add" else torch.cat([a, b], dim=1)


class ConvMixerEncoder(nn.Module):
    """ConvMixer (Trockman & Kolter) as a feature encoder:
    (N, in, H, W) -> (N, dim, H / (patch * pool), W / (patch * pool)), i.e. H/4 by default.

    Patch embedding, then ``depth`` blocks that alternate spatial mixing (a large-kernel
    depthwise conv, with a residual) and channel mixing (a 1x1 conv).
    """

    def __init__(self, in_channels: int = 3, dim: int = 256, depth: int = 2, kernel: int = 5,
                 patch: int = 2, pool: int = 2):
        super().__init__()
        self.patch = nn.Sequential(nn.Conv2d(in_channels, dim, patch, stride=patch),
                                   nn.GELU(), nn.BatchNorm2d(dim))
        self.spatial = nn.ModuleList(
            nn.Sequential(nn.Conv2d(dim, dim, kernel, padding=kernel // 2, groups=dim),
                          nn.GELU(), nn.BatchNorm2d(dim)) for _ in range(depth))
        self.channel = nn.ModuleList(
            nn.Sequential(nn.Conv2d(dim, dim, 1), nn.GELU(), nn.BatchNorm2d(dim))
            for _ in range(depth))
        self.pool = nn.AvgPool2d(pool)

    def forward(self, x: Tensor) -> Tensor:
        x = self.patch(x)
        for spatial, channel in zip(self.spatial, self.channel):
            x = channel(x + spatial(x))
        return self.pool(x)


class UNet(InpaintingModel):
    """The second paper's U-Net; ``fused=True`` adds the ConvMixer encoder at the bottleneck.

    Args:
        skip: "add" (public code) or "concat" (classic U-Net) for the two skips.
        fusion: "add" (public code) or "concat" (the paper's text) for the ConvMixer features.
        fused: build the ConvMixer branch.
        width: channels of the first level (64; doubled per level).
        depth: ConvMixer blocks (2).
        dropout: after each encoder and decoder level (0.5).
        mask_channel: feed the mask as a fourth input channel (the public code does not).
    """

    size_multiple = 4

    def __init__(self, skip: str = "add", fusion: str = "add", fused: bool = False,
                 width: int = 64, depth: int = 2, dropout: float = 0.5,
                 mask_channel: bool = False):
        super().__init__()
        if skip not in _MODES or fusion not in _MODES:
            raise ValueError(f"skip and fusion must be one of {_MODES}, got {skip!r}, {fusion!r}")
        self.skip, self.fusion, self.mask_channel = skip, fusion, mask_channel
        w1, w2, w3 = width, 2 * width, 4 * width
        cin = 4 if mask_channel else 3
        self.enc1 = nn.Sequential(nn.Conv2d(cin, w1, 3, padding=1), nn.ReLU())
        self.pool1 = nn.Sequential(nn.MaxPool2d(2), nn.BatchNorm2d(w1), nn.Dropout(dropout))
        self.enc2 = nn.Sequential(nn.Conv2d(w1, w2, 3, padding=1), nn.ReLU())
        self.pool2 = nn.Sequential(nn.MaxPool2d(2), nn.BatchNorm2d(w2), nn.Dropout(dropout))
        self.bottleneck = nn.Sequential(nn.Conv2d(w2, w3, 3, padding=1), nn.ReLU())
        self.mixer = ConvMixerEncoder(cin, w3, depth) if fused else None
        wide = lambda c: 2 * c if skip == "concat" else c  # noqa: E731  channels after a skip
        c3 = 2 * w3 if fused and fusion == "concat" else w3
        self.dec2 = nn.Sequential(
            nn.ConvTranspose2d(c3, w2, 3, stride=2, padding=1, output_padding=1), nn.ReLU())
        self.dec1 = nn.Sequential(
            nn.ConvTranspose2d(wide(w2), w1, 3, stride=2, padding=1, output_padding=1), nn.ReLU())
        self.drop2, self.drop1 = nn.Dropout(dropout), nn.Dropout(dropout)
        self.head = nn.Sequential(nn.Conv2d(wide(w1), 3, 3, padding=1))   # then sigmoid: self.finish

    def output_layers(self) -> list[nn.Module]:
        return [self.head[-1]]

    def predict(self, masked: Tensor, mask: Tensor) -> Tensor:
        x = torch.cat([masked, mask], dim=1) if self.mask_channel else masked
        s1 = self.enc1(x)
        s2 = self.enc2(self.pool1(s1))
        z = self.bottleneck(self.pool2(s2))
        if self.mixer is not None:
            z = _join(z, self.mixer(x), self.fusion)
        y = self.drop2(_join(self.dec2(z), s2, self.skip))
        y = self.drop1(_join(self.dec1(y), s1, self.skip))
        return self.finish(self.head(y), masked)

