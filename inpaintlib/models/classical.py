"""Classical (non-learned) inpainting behind the models' call: OpenCV's Telea (fast
marching) and Navier-Stokes methods. Zero parameters, nothing to train; they belong in
every comparison table as the floor a network has to beat.

Both propagate known pixels into the hole from its border inwards: Telea by a weighted
average of the known neighbourhood in fast-marching order, Navier-Stokes by continuing
isophotes (lines of equal brightness) as a fluid flow. Neither can invent texture, so
large holes come out smooth. They run per image on the CPU with 8-bit images; the result
is moved back to the input's device and dtype, and the known pixels are the input's, exact.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
from torch import Tensor

from .base import InpaintingModel
from .fill import push_pull_fill

METHODS = {"telea": cv2.INPAINT_TELEA, "navier_stokes": cv2.INPAINT_NS}


class ClassicalInpainting(InpaintingModel):
    """``model(masked, mask) -> image`` with ``cv2.inpaint``; ``method`` "telea" or
    "navier_stokes", ``radius`` the neighbourhood in pixels (3)."""

    def __init__(self, method: str = "telea", radius: float = 3.0):
        super().__init__()
        if method not in METHODS:
            raise ValueError(f"method must be one of {sorted(METHODS)}, got {method!r}")
        self.method, self.radius = method, radius

    @torch.no_grad()
    def predict(self, masked: Tensor, mask: Tensor) -> Tensor:
        imgs = (masked.detach().float().clamp(0, 1) * 255).round().to(torch.uint8)
        imgs = imgs.permute(0, 2, 3, 1).cpu().numpy()                    # (N, H, W, 3)
        holes = mask.detach()[:, 0].to(torch.uint8).cpu().numpy()         # (N, H, W)
        out = np.stack([cv2.inpaint(np.ascontiguousarray(img), hole, self.radius,
                                    METHODS[self.method])
                        for img, hole in zip(imgs, holes)])
        pred = torch.from_numpy(out).permute(0, 3, 1, 2).to(masked.device, masked.dtype)
        return pred / 255


class MeanColourFill(InpaintingModel):
    """The simplest baseline: fill each image's holes with the mean colour of its known
    pixels (per image and channel). Zero parameters; a network that does not beat it by
    a clear margin has learned nothing about images. An image with no known pixel is
    filled with mid-grey (0.5)."""

    @torch.no_grad()
    def predict(self, masked: Tensor, mask: Tensor) -> Tensor:
        known = 1.0 - mask                                                # (N, 1, H, W)
        count = known.sum(dim=(2, 3), keepdim=True)                       # (N, 1, 1, 1)
        mean = (masked * known).sum(dim=(2, 3), keepdim=True) / count.clamp(min=1.0)
        mean = torch.where(count > 0, mean, torch.full_like(mean, 0.5))   # (N, 3, 1, 1)
        return mean.expand_as(masked)


class PushPullFill(InpaintingModel):
    """The push-pull (pyramid) fill of :mod:`.fill` as a baseline: each hole gets the
    smoothly blended colour of its nearest known surroundings. Zero parameters, any device,
    well under a millisecond per 96 px image."""

    @torch.no_grad()
    def predict(self, masked: Tensor, mask: Tensor) -> Tensor:
        return push_pull_fill(masked, mask)


class BiharmonicFill(InpaintingModel):
    """scikit-image's ``inpaint_biharmonic``: each hole is the smoothest surface (least
    squared Laplacian) that meets its border, channel by channel. It continues the
    *gradients* at the border, not only the colours, so ramps and soft shading run on across
    the hole; on the course's photos it is the strongest classical fill by hole PSNR, the
    baseline a network has to beat. A sparse solve per image on the CPU (tens of ms at 96 px);
    the result is moved back to the input's device and dtype. An image without any known pixel
    is filled with mid-grey (0.5), as the mean-colour fill does."""

    @torch.no_grad()
    def predict(self, masked: Tensor, mask: Tensor) -> Tensor:
        from skimage.restoration import inpaint_biharmonic
        imgs = masked.detach().double().clamp(0, 1).permute(0, 2, 3, 1).cpu().numpy()   # (N, H, W, 3)
        holes = mask.detach()[:, 0].bool().cpu().numpy()                               # (N, H, W)
        out = np.stack([img if not hole.any() else np.full_like(img, 0.5) if hole.all()
                        else inpaint_biharmonic(img, hole, channel_axis=-1)
                        for img, hole in zip(imgs, holes)])
        return torch.from_numpy(out).permute(0, 3, 1, 2).to(masked.device, masked.dtype).clamp(0, 1)
