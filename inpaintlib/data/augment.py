"""Colour augmentation of training images: teach a network to *continue* colours, not to
remember them.

Inpainting does not depend on which colour a surface has: if a hole sits in an orange, the
fill should be orange; in a blue shirt, blue. A network trained on a few photos can instead
learn the photos' palette (and paint it into every hole). Showing it each crop in a random
re-colouring breaks that shortcut, because the right answer changes with the colouring while
the rule (copy the surroundings) does not:

* **channel permutation** (always): RGB in one of its 6 orders, so a red apple is also seen
  green or blue; the brightness structure stays;
* **grey** (probability ``grey``): the luminance in all three channels, so a hole is also
  learned without any colour cue;
* **inversion** (probability ``invert``): ``1 - image``, so a dark photo is also seen bright
  (the training set has more dark photos than the test set: the night sky, the moon).

Each choice is a pure function of ``(seed, index)``: an item is the same whenever it is read,
and a resumed run sees the same images (the trainer passes a new seed every epoch).
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

#: The training augmentations (``TrainConfig.augment``).
AUGMENTS = ("none", "colour")
#: ITU-R BT.601 luma weights, for the grey version.
LUMA = (0.299, 0.587, 0.114)


def recolour(img: torch.Tensor, rng: np.random.Generator, grey: float = 0.2,
             invert: float = 0.2) -> torch.Tensor:
    """One random re-colouring of ``img`` (3, H, W) in [0, 1] -> (3, H, W) in [0, 1]."""
    img = img[torch.from_numpy(rng.permutation(3))]
    if rng.random() < grey:
        luma = torch.tensordot(torch.tensor(LUMA, dtype=img.dtype), img, dims=1)
        img = luma.expand(3, -1, -1).clone()
    if rng.random() < invert:
        img = 1.0 - img
    return img


class ColourAugmented(Dataset):
    """``dataset`` (items (3, H, W) in [0, 1]) with every item re-coloured by
    :func:`recolour`, seeded by ``(seed, index)``."""

    def __init__(self, dataset: Dataset, seed: int, grey: float = 0.2, invert: float = 0.2):
        for name, p in (("grey", grey), ("invert", invert)):
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"{name} must be a probability in [0, 1], got {p}")
        self.dataset, self.seed, self.grey, self.invert = dataset, int(seed), grey, invert

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> torch.Tensor:
        rng = np.random.default_rng((self.seed, index, 0xC01))   # 0xC01: apart from the masks' streams
        return recolour(self.dataset[index], rng, self.grey, self.invert)


def augmented(dataset: Dataset, augment: str, seed: int) -> Dataset:
    """``dataset`` as ``augment`` says: unchanged ("none") or :class:`ColourAugmented`."""
    if augment == "none":
        return dataset
    if augment == "colour":
        return ColourAugmented(dataset, seed)
    raise ValueError(f"augment must be one of {AUGMENTS}, got {augment!r}")
