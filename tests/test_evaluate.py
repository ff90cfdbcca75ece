"""Evaluation over a fixed mask set (inpaintlib.evaluate): per-image metrics, FID, bins, groups."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inpaintlib import masks
from inpaintlib.data import samples
from inpaintlib.evaluate import EvalResult, evaluate, masked_split


def test_evaluate_reports_metrics_fid_and_coverage_bins(tiny_features):
    from torch.utils.data import TensorDataset

    from inpaintlib.models import build
    gen = torch.Generator().manual_seed(0)
    target = torch.rand(12, 3, 32, 32, generator=gen)
    mask = torch.zeros(12, 1, 32, 32)
    for i in range(12):
        mask[i, :, : 2 + i, : 2 + i] = 1          # coverage 0.4 % .. 17.6 %
    data = TensorDataset(target * (1 - mask), mask, target)
    result = evaluate(build("telea"), data, batch=5, fid=tiny_features, progress=False)
    assert result.per_image["ssim"].shape == (12,)
    assert result.fid is not None and result.fid > 0
    bins = result.by_coverage()
    assert sum(row["images"] for row in bins) == 12
    assert [row["images"] for row in bins][:2] == [9, 3]          # sides 2-10 px vs 11-13 px
    assert result.summary["l1"] == pytest.approx(result.per_image["l1"].mean())
    auto = evaluate(build("telea"), data, batch=6, fid="auto", progress=False)
    assert (auto.fid is None) == ("torch-fidelity" in auto.fid_note or "could not" in auto.fid_note)


def test_by_group_and_balanced_test_photos():
    result = EvalResult({"coverage": np.array([0.1, 0.2, 0.3, 0.4]), "psnr": np.array([1.0, 2.0, 3.0, 5.0])})
    rows = result.by_group(["a", "b", "a", "b"], "photo")
    assert rows == [{"photo": "a", "images": 2, "psnr": 2.0}, {"photo": "b", "images": 2, "psnr": 3.5}]
    with pytest.raises(ValueError, match="3 group labels for 4 images"):
        result.by_group(["a", "b", "a"])
    test = samples.SampleCrops("test")
    counts = {p: sum(test.source(i) == p for i in range(len(test))) for p in samples.PHOTOS["test"]}
    assert set(counts.values()) == {len(test) // len(samples.PHOTOS["test"])}
    assert test.source(4) == samples.crop("test", 4, 96, 0)[1]


def test_masked_split_pairs_the_first_images_with_the_fixed_masks(committed_masks):
    data = masked_split("samples", "test", n=5, masks="thick", size=96)
    assert len(data) == 5
    masked, mask, target = data[3]
    expected = masks.fixed_masks("thick", 96, 10_000)[3]
    assert np.array_equal(mask[0].numpy().astype(np.uint8), expected)
    torch.testing.assert_close(masked, target * (1 - mask))
