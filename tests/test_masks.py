"""Mask generators: binary, shaped, seeded, inside the image; LaMa coverage at 96 vs 256 px;
fixed evaluation sets with checksums."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inpaintlib import masks as M

sizes = st.integers(min_value=16, max_value=128)
seeds = st.integers(min_value=0, max_value=2**31 - 1)
kinds = st.sampled_from(sorted(M.LAMA_MASK_PRESETS))


@settings(max_examples=40, deadline=None)
@given(size=sizes, seed=seeds, kind=kinds, n=st.integers(1, 4))
def test_lama_masks_binary_shaped_seeded(size, seed, kind, n):
    masks = M.lama_masks(kind, size, n, seed)
    assert masks.shape == (n, size, size) and masks.dtype == np.uint8
    assert set(np.unique(masks)) <= {0, 1}
    np.testing.assert_array_equal(masks, M.lama_masks(kind, size, n, seed))
    np.testing.assert_array_equal(masks[-1], M.MaskSampler(kind, size, seed)(n - 1))


@settings(max_examples=60, deadline=None)
@given(size=sizes, seed=seeds, data=st.data())
def test_box_masks_are_one_full_box_inside(size, seed, data):
    box = data.draw(st.integers(1, size))
    masks = M.box_masks(size, box, 3, seed)
    for m in masks:
        rows, cols = np.nonzero(m)
        assert m.sum() == box * box                      # the whole box, not clipped
        assert rows.max() - rows.min() + 1 == box and cols.max() - cols.min() + 1 == box
        assert rows.min() >= 0 and rows.max() < size and cols.max() < size


@settings(max_examples=40, deadline=None)
@given(size=sizes, seed=seeds, data=st.data())
def test_square_masks_sides_in_range(size, seed, data):
    lo = data.draw(st.integers(1, size))
    hi = data.draw(st.integers(lo, size))
    for m in M.square_masks(size, 4, seed, min_side=lo, max_side=hi):
        side = int(round(np.sqrt(m.sum())))
        assert side * side == m.sum() and lo <= side <= hi


def test_sampler_is_picklable_for_dataloader_workers():
    import pickle
    sampler = M.MaskSampler("square4-16", 32, seed=5)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(sampler))(3), sampler(3))


def test_different_seeds_differ():
    assert not np.array_equal(M.lama_masks("train", 96, 8, 0), M.lama_masks("train", 96, 8, 1))


@pytest.mark.parametrize("preset", sorted(M.LAMA_MASK_PRESETS))
def test_coverage_at_96px_matches_256px(preset):
    n = 400 if preset == "thin" else 1000
    at96 = M.coverage(M.lama_masks(preset, 96, n, seed=11)).mean()
    at256 = M.coverage(M.lama_masks(preset, 256, n, seed=12)).mean()
    assert abs(at96 - at256) < 0.03, (at96, at256)


def test_unscaled_presets_cover_far_too_much_at_96px():
    scaled = M.coverage(M.lama_masks("thick", 96, 300, seed=0)).mean()
    unscaled = M.coverage(M.lama_masks("thick", 96, 300, seed=0, scale=False)).mean()
    assert unscaled > scaled + 0.2


def test_unknown_kinds_and_bad_sizes_are_clear():
    with pytest.raises(ValueError, match="unknown mask kind 'huge'"):
        M.MaskSampler("huge", 96)
    with pytest.raises(ValueError, match="box side"):
        M.box_masks(32, 40, 1)
    with pytest.raises(ValueError, match="mask size must be >= 4, got 2"):
        M.lama_masks("thin", 2, 1)
    with pytest.raises(ValueError, match=r"seed must be a whole number, got None \(NoneType\)"):
        M.lama_masks("thin", 32, 1, seed=None)
    with pytest.raises(ValueError, match=r"mask size must be a whole number >= 4, got 32.0"):
        M.MaskSampler("thin", 32.0)


def test_fixed_masks_saved_checksummed_and_reloaded(tmp_path):
    first = M.fixed_masks("thick", 48, 50, seed=3, root=tmp_path)
    folder = tmp_path / "masks"
    assert (folder / "thick_48px_n50_seed3.npz").exists()
    assert "thick_48px_n50_seed3" in (folder / "SHA256SUMS").read_text()
    assert M.coverage(first).max() <= 0.5            # LaMa drops masks over half the image
    np.testing.assert_array_equal(M.fixed_masks("thick", 48, 50, seed=3, root=tmp_path), first)
    # a tampered file is caught
    bits = np.packbits(1 - first, axis=-1)
    np.savez_compressed(folder / "thick_48px_n50_seed3.npz", bits=bits)
    with pytest.raises(ValueError, match="does not match the recorded"):
        M.fixed_masks("thick", 48, 50, seed=3, root=tmp_path)
