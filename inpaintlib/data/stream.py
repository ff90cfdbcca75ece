"""A stream of training batches made on the training device: fresh crops every step.

The ``samples`` training split is 8,000 fixed crops of 23 photos. A small network that sees
those crops over and over learns them and little that transfers (notebook 07b measures it).
:class:`TrainingStream` instead cuts every batch anew, on the GPU when there is one, so that
millions of crops cost no loading time:

* **photo crops** of the training photos: a random photo, a random square of it (side
  log-uniform between ``size`` pixels and 4/5 of the photo's short side, so close-ups and
  wide views are equally common), resampled to ``size`` from the nearest level of an
  area-averaged pyramid (no aliasing), turned by a random one of the square's 8 symmetries
  (rotations by 90 degrees, mirror images) and re-coloured (:mod:`.augment`: channel order,
  20% grey, 20% inverted);
* **synthetic images** (:mod:`.synthetic`, dead leaves) for a share ``synthetic`` of each
  batch: new edges, occlusions and colour regions that no photo set runs out of;
* **masks** from a bank of ``bank`` masks of the run's kind (drawn once, at the start, with
  the run's seed), each used in a random one of its 8 symmetries.

Batch ``step`` of epoch ``epoch`` is a pure function of ``(seed, epoch, step)`` on a given
device, so a resumed run continues with the batches it would have seen. (Random numbers on a
GPU differ from those on a CPU: the same seed gives other crops on another kind of device.)

    stream = TrainingStream(size=96, masks="train", synthetic=0.5, seed=0, device="cuda")
    masked, mask, target = stream.batch(epoch=0, step=0, n=64)
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ..masks import MaskSampler
from .augment import LUMA
from .samples import PHOTOS, load_photo
from .synthetic import dead_leaves

#: Masks drawn once per run and reused in their 8 symmetries (8 x 4,096 distinct masks).
MASK_BANK = 4096
#: Pyramid levels kept per photo (1, 1/2, 1/4, ... of its size).
LEVELS = 4


def pyramid(photo: np.ndarray, size: int) -> list[np.ndarray]:
    """``photo`` (H, W, 3) uint8 and its area-averaged halvings while the short side stays
    >= ``size``: at most :data:`LEVELS` levels."""
    levels = [photo]
    while len(levels) < LEVELS and min(levels[-1].shape[:2]) // 2 >= size:
        h, w = levels[-1].shape[:2]
        levels.append(cv2.resize(levels[-1], (w // 2, h // 2), interpolation=cv2.INTER_AREA))
    return levels


def symmetry(x: Tensor, k: int) -> Tensor:
    """One of the 8 symmetries of a square: ``k`` in 0..7 (rotation by ``k % 4`` quarter
    turns, mirrored if ``k >= 4``) of ``x`` (..., H, W)."""
    if k >= 4:
        x = x.flip(-1)
    return torch.rot90(x, k % 4, dims=(-2, -1))


class TrainingStream:
    """Training batches ``(masked, mask, target)`` cut on ``device``; see the module docstring.

    ``photos``: names of training photos (default: the ``samples`` training split);
    ``synthetic``: share of dead-leaves images per batch (0 to 1); ``recolour``: apply the
    colour augmentation to photo crops."""

    def __init__(self, size: int = 96, masks: str = "train", synthetic: float = 0.0, seed: int = 0,
                 device: str | torch.device = "cpu", photos: tuple[str, ...] | None = None,
                 recolour: bool = True, bank: int = MASK_BANK):
        if not 0.0 <= synthetic <= 1.0:
            raise ValueError(f"synthetic must be a share in [0, 1], got {synthetic!r}")
        self.size, self.synthetic, self.seed, self.recolour = int(size), float(synthetic), int(seed), recolour
        self.device = torch.device(device)
        names = PHOTOS["train"] if photos is None else tuple(photos)
        overlap = sorted(set(names) & (set(PHOTOS["val"]) | set(PHOTOS["test"])))
        if overlap:
            raise ValueError(f"photos {overlap} belong to the validation or test split: never train on them")
        self.photos = [[torch.from_numpy(np.array(level)).to(self.device).permute(2, 0, 1)
                        for level in pyramid(load_photo(name), self.size)] for name in names]
        sampler = MaskSampler(masks, self.size, seed=self.seed)
        self.masks = torch.from_numpy(sampler.batch(bank)).to(self.device)     # (bank, H, W) uint8

    def generator(self, epoch: int, step: int) -> torch.Generator:
        """The random stream of one batch, seeded by ``(seed, epoch, step)``."""
        key = (self.seed * 1_000_003 + epoch) * 1_000_033 + step
        return torch.Generator(self.device).manual_seed(key % (2 ** 63))

    def batch(self, epoch: int, step: int, n: int) -> tuple[Tensor, Tensor, Tensor]:
        """Batch ``step`` of ``epoch``: masked (n, 3, S, S) in [0, 1] with zeros in the holes,
        mask (n, 1, S, S) float 1 = hole, target (n, 3, S, S) in [0, 1]."""
        gen = self.generator(epoch, step)
        n_synthetic = int(round(n * self.synthetic))
        parts = [self.photo_crops(n - n_synthetic, gen)]
        if n_synthetic:
            parts.append(dead_leaves(n_synthetic, self.size, gen))
        target = torch.cat(parts)
        pick = torch.randint(len(self.masks), (n,), generator=gen, device=self.device)
        turns = torch.randint(8, (n,), generator=gen, device=self.device).tolist()
        mask = torch.stack([symmetry(self.masks[i], k) for i, k in zip(pick.tolist(), turns)])
        mask = mask[:, None].float()
        return target * (1 - mask), mask, target

    def photo_crops(self, n: int, gen: torch.Generator) -> Tensor:
        """``n`` augmented crops (n, 3, S, S) in [0, 1] of the training photos."""
        if n == 0:
            return torch.empty(0, 3, self.size, self.size, device=self.device)
        u = torch.rand(n, 3, generator=gen, device=self.device).tolist()
        which = torch.randint(len(self.photos), (n,), generator=gen, device=self.device).tolist()
        crops = []
        for (u_side, u_y, u_x), i in zip(u, which):
            full = self.photos[i][0]
            short = min(full.shape[-2:])
            lo, hi = min(self.size, short), max(min(self.size, short), 0.8 * short)
            side = math.exp(math.log(lo) + u_side * (math.log(hi) - math.log(lo)))
            level = min(int(math.log2(max(side / self.size, 1.0))), len(self.photos[i]) - 1)
            img = self.photos[i][level]
            side_l = min(side / 2 ** level, *img.shape[-2:])
            h, w = img.shape[-2:]
            y, x = u_y * (h - side_l), u_x * (w - side_l)
            crops.append(self.resample(img, y, x, side_l))
        batch = torch.stack(crops)                                        # (n, 3, S, S) in [0, 1]
        turns = (torch.rand(n, generator=gen, device=self.device) * 8).long().clamp_max(7).tolist()
        batch = torch.stack([symmetry(img, k) for img, k in zip(batch, turns)])
        return self.colour(batch, gen) if self.recolour else batch

    def resample(self, img: Tensor, y: float, x: float, side: float) -> Tensor:
        """The square ``[y, y+side) x [x, x+side)`` of ``img`` (3, H, W) uint8, bilinearly
        resampled to (3, S, S) float in [0, 1] (``side`` <= 2 S thanks to the pyramid)."""
        h, w = img.shape[-2:]
        centres = (torch.arange(self.size, device=self.device, dtype=torch.float32) + 0.5) * side / self.size
        gy = (y + centres) / h * 2 - 1                                    # align_corners=False coordinates
        gx = (x + centres) / w * 2 - 1
        grid = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], dim=-1)[None]
        out = F.grid_sample(img[None].float(), grid, mode="bilinear", padding_mode="border",
                            align_corners=False)
        return (out[0] / 255.0).clamp(0.0, 1.0)

    def colour(self, batch: Tensor, gen: torch.Generator) -> Tensor:
        """:func:`inpaintlib.data.augment.recolour` on a whole batch: a random channel order
        per image, 20% grey, 20% inverted."""
        n = len(batch)
        order = torch.argsort(torch.rand(n, 3, generator=gen, device=self.device), dim=1)
        batch = torch.gather(batch, 1, order[:, :, None, None].expand_as(batch))
        grey, invert = torch.rand(2, n, 1, 1, 1, generator=gen, device=self.device) < 0.2
        luma = torch.einsum("c,nchw->nhw", torch.tensor(LUMA, device=self.device), batch)[:, None]
        batch = torch.where(grey, luma.expand_as(batch), batch)
        return torch.where(invert, 1.0 - batch, batch)
