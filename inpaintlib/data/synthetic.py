"""Synthetic training images: "dead leaves", drawn on any device in one batch.

A dead-leaves image (Matheron 1968; Lee, Mumford & Huang 2001) is a stack of opaque discs
dropped one on top of another, like leaves falling on the ground: the image shows, at each
pixel, the last disc that covered it. With disc radii drawn from a power law (density ~ r^-3)
such images share the statistics natural photos have and small networks learn from: edges
that run on across a hole, occlusions, regions of smooth colour at every scale. Baradad et al.
(NeurIPS 2021, "Learning to see by looking at noise") pre-train networks on them.

For inpainting they add what a handful of photos cannot: an endless supply of *new* edges,
corners and colour regions, so a network that has to continue a boundary across a hole cannot
answer with a photo it remembers. The course's discs carry a linear colour gradient and, on
some, a faint stripe texture; the image is drawn at half the size (a quarter of the work, which
matters on a CPU), enlarged bilinearly and blurred slightly (edges of real photos are not one
pixel sharp either).

    gen = torch.Generator(device).manual_seed(0)
    img = dead_leaves(16, 96, gen)      # (16, 3, 96, 96) float in [0, 1]

Everything is a pure function of the generator's state: the same seed gives the same images.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

#: Discs per image, and the range of their radii as fractions of the image side.
DISCS = 160
RADIUS = (0.03, 0.6)
#: How far a disc's colour strays from grey (0: grey discs, 0.5: any colour).
SATURATION = 0.3
#: Probability that a disc carries a stripe texture, and the stripes' amplitude.
TEXTURED = 0.3
TEXTURE_AMPLITUDE = 0.12


def power_law_radii(shape: tuple[int, ...], low: float, high: float, gen: torch.Generator) -> Tensor:
    """Radii in ``[low, high]`` with density proportional to r^-3 (inverse-CDF sampling)."""
    u = torch.rand(shape, generator=gen, device=gen.device)
    return (low ** -2 - u * (low ** -2 - high ** -2)) ** -0.5


def dead_leaves(n: int, size: int, gen: torch.Generator, discs: int = DISCS) -> Tensor:
    """``n`` dead-leaves images, (n, 3, size, size) float32 in [0, 1], on ``gen``'s device.

    Disc ``k`` of an image lies over discs ``0 .. k-1``; disc 0 covers the whole image (the
    background). Each disc has a random colour (a random grey level, pulled at most
    :data:`SATURATION` towards a random hue) plus a linear gradient across it; a
    share :data:`TEXTURED` of discs adds stripes of random frequency and orientation."""
    if n < 0 or size < 1 or discs < 1:
        raise ValueError(f"need n >= 0, size >= 1 and discs >= 1, got n={n}, size={size}, discs={discs}")
    device = gen.device

    def rand(*shape):
        return torch.rand(shape, generator=gen, device=device)

    centre = rand(n, discs, 2) * 1.2 - 0.1                       # a little beyond the borders
    radius = power_law_radii((n, discs), *RADIUS, gen)
    radius[:, 0] = 10.0                                          # the background covers everything
    grey = rand(n, discs, 1)
    colour = (grey + (rand(n, discs, 3) - 0.5) * 2 * SATURATION * rand(n, discs, 1)).clamp(0.0, 1.0)
    gradient = (rand(n, discs, 2, 3) - 0.5) * 1.2                # colour change per image side
    stripes = (rand(n, discs) < TEXTURED).float() * TEXTURE_AMPLITUDE * rand(n, discs)
    freq = 2 * math.pi * (3 + 9 * rand(n, discs))                # 3-12 periods per image side
    angle = math.pi * rand(n, discs)
    phase = 2 * math.pi * rand(n, discs)

    full, size = size, max(1, (size + 1) // 2)                  # drawn at half size, then enlarged
    axis = (torch.arange(size, device=device, dtype=torch.float32) + 0.5) / size
    yy, xx = torch.meshgrid(axis, axis, indexing="ij")           # (size, size) in (0, 1)
    covered = ((yy[None, None] - centre[..., 0, None, None]).square()
               + (xx[None, None] - centre[..., 1, None, None]).square()) < radius[..., None, None].square()
    order = torch.arange(1, discs + 1, device=device, dtype=torch.float32)
    top = (covered * order[None, :, None, None]).argmax(dim=1).flatten(1)   # (n, size*size): top disc

    def at_top(values: Tensor) -> Tensor:                        # (n, discs) -> (n, 1, size, size)
        return torch.gather(values, 1, top).view(n, 1, size, size)

    ty = yy - at_top(centre[..., 0])                             # offsets from the top disc's centre
    tx = xx - at_top(centre[..., 1])
    image = torch.cat([at_top(colour[..., c]) + at_top(gradient[:, :, 0, c]) * ty
                       + at_top(gradient[:, :, 1, c]) * tx for c in range(3)], dim=1)
    direction = at_top(angle)
    image = image + at_top(stripes) * torch.sin(at_top(freq) * (ty * torch.cos(direction)
                                                                 + tx * torch.sin(direction)) + at_top(phase))
    image = F.interpolate(image, size=(full, full), mode="bilinear", align_corners=False)
    return soften(image.clamp(0.0, 1.0))


def soften(image: Tensor) -> Tensor:
    """A 3x3 binomial blur (weights 1-2-1), reflect-padded: edges two pixels wide, as in photos."""
    k = torch.tensor([1.0, 2.0, 1.0], device=image.device, dtype=image.dtype)
    k = (k[:, None] * k[None, :]) / 16.0
    weight = k.expand(image.shape[1], 1, 3, 3)
    return F.conv2d(F.pad(image, (1, 1, 1, 1), mode="reflect"), weight, groups=image.shape[1])
