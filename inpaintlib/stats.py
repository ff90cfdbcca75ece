"""Uncertainty: how sure a comparison between two methods or two training runs can be.

    d = paired_difference(psnr_wavemix, psnr_lama, clusters=photo_of_each_crop)
    print(d)                       # +0.05 dB [-0.07, +0.16] (95 %, 9 photos, 900 crops)
    verdict(d)                     # 'not separable at this budget'
    s = seed_interval([19.40, 19.31, 19.46])   # mean over training seeds, t interval

Two sources of doubt, two tools:

* **Which test images** (:func:`paired_difference`). Both methods fill the *same* crops,
  so compare them crop by crop (a paired difference) rather than mean against mean. Crops
  cut from one photo are not independent: a smooth photo makes every method look good on
  all of its crops. The bootstrap therefore resamples *photos* first and crops within
  each drawn photo second (a two-stage cluster bootstrap); resampling crops alone would
  pretend 900 crops of 9 photos were 900 independent images and give intervals that are
  far too narrow.
* **Which training run** (:func:`seed_interval`). A second seed changes the weights'
  start, the data order and the masks; the spread of a metric over seeds is the
  run-to-run noise. With a handful of seeds, the interval uses Student's t.

An :class:`Interval` that contains zero means "not separable at this budget": the data do
not say which method is better, whatever the sign of the mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    """A mean with its ``level`` confidence interval ``[low, high]``, estimated from ``n``
    independent units (photos for :func:`paired_difference`, seeds for :func:`seed_interval`)
    and ``items`` values in all."""

    mean: float
    low: float
    high: float
    level: float
    n: int
    items: int
    unit: str = "photos"
    signed: bool = True          # a difference: show the sign of every number


    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0

    def __str__(self) -> str:
        extra = f", {self.items} crops" if self.items != self.n else ""
        f = "+.2f" if self.signed else ".2f"
        return (f"{self.mean:{f}} [{self.low:{f}}, {self.high:{f}}] "
                f"({self.level:.0%}, {self.n} {self.unit}{extra})")


def _as_values(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1 or arr.size < 2:
        raise ValueError(f"{name} must be a 1-D sequence of at least 2 numbers, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} holds {int((~np.isfinite(arr)).sum())} NaN or infinite value(s); "
                         "drop them (or cap PSNR, as inpaintlib.metrics.image_metrics does) first")
    return arr


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1 (e.g. 0.95), got {level!r}")


def cluster_bootstrap_means(values: np.ndarray, clusters: np.ndarray, n_boot: int,
                            rng: np.random.Generator) -> np.ndarray:
    """``n_boot`` bootstrap replicates of the mean of ``values``: each draws as many
    clusters as there are, with replacement, then the items of each drawn cluster with
    replacement (a fresh draw every time a cluster is drawn). Returns ``(n_boot,)``."""
    labels = list(dict.fromkeys(clusters.tolist()))
    if len(labels) == values.size:                    # one item per cluster: the plain bootstrap
        return values[rng.integers(values.size, size=(n_boot, values.size))].mean(axis=1)
    groups = [values[clusters == label] for label in labels]
    sizes = np.array([len(g) for g in groups])
    draws = rng.integers(len(groups), size=(n_boot, len(groups)))
    sums = np.zeros(draws.shape)
    for c, group in enumerate(groups):
        where = np.nonzero(draws == c)
        if where[0].size:
            counts = rng.multinomial(len(group), np.full(len(group), 1 / len(group)), size=where[0].size)
            sums[where] = counts @ group
    return sums.sum(axis=1) / sizes[draws].sum(axis=1)


def paired_difference(a, b, clusters=None, level: float = 0.95, n_boot: int = 4000,
                      seed: int = 0) -> Interval:
    """The mean of ``a - b`` over the same items (e.g. the hole PSNR of two models on the
    same test crops) with a percentile bootstrap interval.

    ``clusters``: one label per item (the photo each crop was cut from); the bootstrap then
    resamples clusters, then items within them (see the module docstring). None treats the
    items as independent (only right when they are). ``seed`` makes the interval
    reproducible."""
    a, b = _as_values(a, "a"), _as_values(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must hold one value per item of the same items, got {a.size} and {b.size}")
    _check_level(level)
    diff = a - b
    rng = np.random.default_rng(seed)
    if clusters is None:
        labels = np.arange(diff.size)
    else:
        labels = np.asarray(list(clusters))
        if labels.shape != diff.shape:
            raise ValueError(f"clusters needs one label per item ({diff.size}), got {labels.size}")
    boot = cluster_bootstrap_means(diff, labels, n_boot, rng)
    low, high = np.quantile(boot, [(1 - level) / 2, (1 + level) / 2])
    n = len(set(labels.tolist()))
    return Interval(float(diff.mean()), float(low), float(high), level, n, int(diff.size),
                    "photos" if clusters is not None else "items")


def seed_interval(values, level: float = 0.95, difference: bool = False) -> Interval:
    """Mean of a metric over training seeds (one value per seed) with a Student-t interval:
    ``mean +- t(level, n - 1) * sd / sqrt(n)``. ``difference``: the values are differences
    between two methods (printed with their signs)."""
    from scipy.stats import t
    values = _as_values(values, "values")
    _check_level(level)
    n = values.size
    half = float(t.ppf((1 + level) / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))
    mean = float(values.mean())
    return Interval(mean, mean - half, mean + half, level, n, n, "seeds", signed=difference)


def verdict(interval: Interval, names: tuple[str, str] = ("A", "B")) -> str:
    """What an interval of ``A - B`` supports: ``"A ahead"``, ``"B ahead"`` or
    ``"not separable at this budget"`` (the interval contains zero)."""
    if not interval.excludes_zero:
        return "not separable at this budget"
    return f"{names[0] if interval.mean > 0 else names[1]} ahead"
