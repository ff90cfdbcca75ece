"""How a model sees its holes: zeros (the papers) or a push-pull pre-fill (the course's extension).

Both papers feed a network the image with its hole pixels set to 0, next to the mask. A
network then has to *invent* the hole's colour from the border alone, and a small network
trained on few photos learns a palette instead: it paints colours it saw in training into
photos it has never seen (the course measured this, notebook 08). The course therefore also
offers to present the holes **pre-filled** with a smooth guess made of the known pixels
around them, and to have the network *refine* that guess: its last layer gives a correction
that is added to the pre-fill (WaveMix works this way by design, its modules adding to their
input; the CNN, LaMa and the U-Nets drop their final sigmoid for it:
:meth:`~.base.InpaintingModel.finish`). The network starts from the guess and only has to add
what it lacks (edges, texture).

The guess is a *push-pull* fill (Gortler et al. 1996, "The Lumigraph"; also called a
pyramid or normalised-convolution fill): **pull** averages the known pixels down an image
pyramid (2x2 mean of the known pixels only) until every pixel of the coarsest level has a
value; **push** goes back up, filling each level's holes with the bilinear upsampling of the
level below. Every hole pixel gets the colour of its nearest known surroundings, blended
smoothly over the hole; known pixels are untouched. On the course's validation photos it
scores a higher hole PSNR than OpenCV's Telea (notebook 08 shows it as a baseline,
``build("push_pull")``) and costs well under a millisecond per 96 px image, on any device.

The fill is a model setting (``build("wavemix", fill="push_pull")``), recorded in
``model.spec``, and the same for every model of a comparison; ``"zeros"`` is the papers'
presentation (and output: an image through a sigmoid) and the default.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

#: The hole presentations a model accepts (``fill=`` of :func:`inpaintlib.models.build`).
FILLS = ("zeros", "push_pull")


def push_pull_fill(image: Tensor, hole: Tensor) -> Tensor:
    """Fill the holes of ``image`` with a push-pull (pyramid) average of its known pixels.

    ``image``: (N, C, H, W) float, any values in the holes (ignored); ``hole``: (N, 1, H, W),
    1 (or True) = hole. Returns (N, C, H, W): ``image`` where known, the fill in the holes.
    An image without any known pixel comes back all zeros. Any H, W (odd sizes included).
    """
    known = 1.0 - hole.to(image.dtype)
    x, w = image * known, known
    pyramid = []
    while True:                                                    # pull: down to a full level
        pyramid.append((x, w))
        if bool((w > 0).all()) or min(x.shape[-2:]) == 1:
            break
        sum_w = F.avg_pool2d(w, 2, ceil_mode=True)
        x = F.avg_pool2d(x * w, 2, ceil_mode=True) / sum_w.clamp_min(1e-12)
        w = (sum_w > 0).to(image.dtype)
        x = x * w
    x = pyramid[-1][0]
    for finer, w_finer in reversed(pyramid[:-1]):                   # push: fill each level's holes
        up = F.interpolate(x, size=finer.shape[-2:], mode="bilinear", align_corners=False)
        x = w_finer * finer + (1.0 - w_finer) * up
    return torch.where(hole.bool(), x, image)


def present(masked: Tensor, hole: Tensor, fill: str) -> Tensor:
    """``masked`` (N, 3, H, W) with its holes (``hole`` (N, 1, H, W) bool) as ``fill`` says:
    zeros or the push-pull fill."""
    zeroed = masked.masked_fill(hole, 0.0)
    if fill == "zeros":
        return zeroed
    if fill == "push_pull":
        return push_pull_fill(zeroed, hole)
    raise ValueError(f"fill must be one of {FILLS}, got {fill!r}")
