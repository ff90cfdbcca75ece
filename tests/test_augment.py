"""Colour augmentation of training images (inpaintlib.data.augment)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inpaintlib.data import ColourAugmented, augmented, load_dataset
from inpaintlib.data.augment import recolour


def test_recolour_keeps_shape_range_and_the_set_of_channels():
    img = torch.rand(3, 16, 16)
    seen_perm, seen_grey, seen_inv = set(), 0, 0
    for i in range(200):
        out = recolour(img, np.random.default_rng(i), grey=0.2, invert=0.2)
        assert out.shape == img.shape and 0 <= out.min() and out.max() <= 1
        for candidate in (out, 1 - out):
            match = [c for k in range(3) for c in range(3) if torch.allclose(candidate[k], img[c])]
            if len(match) == 3:
                seen_perm.add(tuple(match))
        seen_grey += bool(torch.allclose(out[0], out[1]) and torch.allclose(out[1], out[2]))
        seen_inv += bool(any(torch.allclose(1 - out[0], img[c]) for c in range(3)))
    assert len(seen_perm) == 6                      # every channel order occurs
    assert 20 <= seen_grey <= 60 and 10 <= seen_inv <= 70


def test_colour_augmented_is_deterministic_per_seed_and_index():
    ds = load_dataset("samples", "train", size=32)
    a, b, c = ColourAugmented(ds, 1), ColourAugmented(ds, 1), ColourAugmented(ds, 2)
    assert torch.equal(a[5], b[5])
    assert any(not torch.equal(a[i], c[i]) for i in range(5))
    assert len(a) == len(ds)
    assert augmented(ds, "none", 0) is ds
    with pytest.raises(ValueError, match="augment must be one of"):
        augmented(ds, "jitter", 0)
    with pytest.raises(ValueError, match="grey must be a probability"):
        ColourAugmented(ds, 0, grey=1.5)
