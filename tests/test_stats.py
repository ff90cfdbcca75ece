"""Uncertainty (inpaintlib.stats): the intervals cover the truth as often as they claim, the
cluster bootstrap is wider than the naive one when crops of a photo are alike, and the
seed interval is Student's t."""

from __future__ import annotations

import numpy as np
import pytest

from inpaintlib import stats


def clustered(rng, photos: int, crops: int, delta: float, photo_sd: float, crop_sd: float):
    """Per-crop scores of two methods on ``photos x crops`` crops: method A is ``delta``
    better on average; how much better varies by photo (``photo_sd``) and by crop."""
    labels = np.repeat(np.arange(photos), crops)
    base = rng.normal(20, 3, photos)[labels] + rng.normal(0, 1, labels.size)
    gain = delta + rng.normal(0, photo_sd, photos)[labels] + rng.normal(0, crop_sd, labels.size)
    return base + gain, base, labels


def coverage(make_interval, delta: float, trials: int, seed: int = 0) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for trial in range(trials):
        a, b, labels = clustered(rng, photos=20, crops=15, delta=delta, photo_sd=0.5, crop_sd=0.5)
        iv = make_interval(a, b, labels, trial)
        hits += iv.low <= delta <= iv.high
    return hits / trials


def test_the_cluster_interval_covers_the_true_difference_about_95_percent():
    rate = coverage(lambda a, b, g, s: stats.paired_difference(a, b, g, n_boot=1000, seed=s), 0.3, 200)
    assert 0.88 <= rate <= 0.99, rate


def test_the_naive_interval_undercovers_when_crops_of_a_photo_are_alike():
    naive = coverage(lambda a, b, g, s: stats.paired_difference(a, b, None, n_boot=1000, seed=s), 0.3, 200)
    assert naive < 0.75, naive                        # it pretends 300 crops are 300 independent photos


def test_the_cluster_interval_is_wider_than_the_naive_one_on_correlated_crops():
    rng = np.random.default_rng(1)
    a, b, labels = clustered(rng, photos=9, crops=100, delta=0.1, photo_sd=0.4, crop_sd=0.3)
    cluster, naive = stats.paired_difference(a, b, labels), stats.paired_difference(a, b)
    assert cluster.mean == pytest.approx(naive.mean) == pytest.approx((a - b).mean())
    assert (cluster.high - cluster.low) > 3 * (naive.high - naive.low)
    assert cluster.n == 9 and cluster.items == 900 and naive.n == 900


def test_a_clear_difference_is_separable_and_a_tiny_one_is_not():
    rng = np.random.default_rng(2)
    a, b, labels = clustered(rng, photos=9, crops=100, delta=1.0, photo_sd=0.1, crop_sd=0.3)
    clear = stats.paired_difference(a, b, labels)
    assert clear.excludes_zero and stats.verdict(clear, ("WaveMix", "LaMa")) == "WaveMix ahead"
    assert stats.verdict(stats.paired_difference(b, a, labels), ("WaveMix", "LaMa")) == "LaMa ahead"
    a, b, labels = clustered(rng, photos=9, crops=100, delta=0.0, photo_sd=0.4, crop_sd=0.3)
    tiny = stats.paired_difference(a + 0.01, b, labels)
    assert stats.verdict(tiny) == "not separable at this budget"
    assert "photos, 900 crops" in str(tiny) and str(tiny).startswith(f"{tiny.mean:+.2f} [")


def test_the_interval_is_reproducible_from_its_seed():
    rng = np.random.default_rng(3)
    a, b, labels = clustered(rng, photos=5, crops=10, delta=0.2, photo_sd=0.2, crop_sd=0.2)
    assert stats.paired_difference(a, b, labels, seed=7) == stats.paired_difference(a, b, labels, seed=7)


def test_seed_interval_is_students_t():
    iv = stats.seed_interval([19.40, 19.31, 19.46])
    sd = np.std([19.40, 19.31, 19.46], ddof=1)
    assert iv.mean == pytest.approx(19.39)
    assert iv.high - iv.mean == pytest.approx(4.302653 * sd / np.sqrt(3), rel=1e-5)   # t(0.975, 2)
    assert iv.n == 3 and iv.unit == "seeds" and "crops" not in str(iv)
    assert str(iv) == "19.39 [19.20, 19.58] (95%, 3 seeds)"
    assert str(stats.seed_interval([0.05, -0.01, 0.02], difference=True)).startswith("+0.02 [-0.")


def test_seed_interval_covers_the_true_mean_about_95_percent():
    rng = np.random.default_rng(4)
    hits = 0
    for _ in range(2000):
        iv = stats.seed_interval(rng.normal(5.0, 0.3, 3))
        hits += iv.low <= 5.0 <= iv.high
    assert 0.93 <= hits / 2000 <= 0.97


@pytest.mark.parametrize("call, message", [
    (lambda: stats.paired_difference([1, 2, 3], [1, 2]), "one value per item"),
    (lambda: stats.paired_difference([1, 2], [1, float("nan")]), "NaN or infinite"),
    (lambda: stats.paired_difference([1, 2], [1, 2], clusters=["a"]), "one label per item"),
    (lambda: stats.paired_difference([1, 2], [1, 2], level=95), "between 0 and 1"),
    (lambda: stats.seed_interval([1.0]), "at least 2 numbers"),
])
def test_bad_input_is_explained(call, message):
    with pytest.raises(ValueError, match=message):
        call()
