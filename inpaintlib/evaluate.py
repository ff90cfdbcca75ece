"""Evaluation over a fixed mask set: every metric per image, a summary row, FID, and
metrics by mask coverage (the way LaMa reports them).

    from inpaintlib.evaluate import evaluate
    result = evaluate(model, MaskedImages(test_images, fixed_masks("medium", 96, EVAL_SET_SIZE)))
    result.summary            # {"l1": ..., "ssim": ..., "ssim_hole": ..., "fid": ...}
    result.by_coverage()      # one row per 10 % coverage bin
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from . import metrics
from .data import MaskedImages, first, load_dataset
from .masks import EVAL_SET_SIZE, coverage, fixed_masks
from .runtime import autocast, progress_enabled

#: LaMa's evaluation masks cover at most 50 % of the image: five 10 % bins.
COVERAGE_BINS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


@dataclass
class EvalResult:
    """``per_image``: metric name -> (n,) array (plus ``"coverage"``, the hole fraction, and
    ``"detail"``, how textured the hole's content is: :func:`~inpaintlib.metrics.hole_detail`);
    ``fid``: the FID over the whole set, or None with the reason in ``fid_note``."""

    per_image: dict[str, np.ndarray]
    fid: float | None = None
    fid_note: str = ""

    @property
    def summary(self) -> dict[str, float]:
        """Mean of every metric over the images where it is finite, plus ``fid``."""
        out = {k: metrics.finite_mean(torch.from_numpy(v)) for k, v in self.per_image.items()}
        out["fid"] = math.nan if self.fid is None else self.fid
        return out

    def by_group(self, groups, name: str = "group") -> list[dict]:
        """Mean metrics per label of ``groups`` (one label per image, e.g. the source photo
        of each test crop), in order of first appearance: rows ``{name: label, "images": n,
        "ssim": ..., ...}``."""
        groups = np.asarray(list(groups))
        if len(groups) != len(self.per_image["coverage"]):
            raise ValueError(f"{len(groups)} group labels for {len(self.per_image['coverage'])} images")
        rows = []
        for label in dict.fromkeys(groups.tolist()):
            inside = groups == label
            rows.append({name: label, "images": int(inside.sum()),
                         **{k: metrics.finite_mean(torch.from_numpy(v[inside]))
                            for k, v in self.per_image.items() if k != "coverage"}})
        return rows

    def by_coverage(self, bins: tuple[float, ...] = COVERAGE_BINS) -> list[dict]:
        """Mean metrics per coverage bin ``[lo, hi)`` (the last bin includes ``hi``):
        rows ``{"coverage": "10-20%", "images": n, "ssim": ..., ...}``."""
        cov = self.per_image["coverage"]
        rows = []
        for i, (lo, hi) in enumerate(zip(bins[:-1], bins[1:])):
            inside = (cov >= lo) & ((cov < hi) if i < len(bins) - 2 else (cov <= hi))
            row = {"coverage": f"{lo:.0%}-{hi:.0%}", "images": int(inside.sum())}
            for k, v in self.per_image.items():
                if k != "coverage":
                    row[k] = metrics.finite_mean(torch.from_numpy(v[inside]))
            rows.append(row)
        return rows

    def save_report(self, folder: str | os.PathLike, **about) -> Path:
        """Write ``eval_<dataset>_<split>_<masks>.json`` into ``folder`` (atomically): ``about``
        (``model``, ``dataset``, ``split``, ``masks``, ``images``), the :attr:`summary`, the FID
        note and :meth:`by_coverage`; returns the file (``python -m inpaintlib evaluate``)."""
        from .files.atomic import atomic_write
        report = {**about, "summary": self.summary, "fid_note": self.fid_note,
                  "by_coverage": self.by_coverage()}
        path = Path(folder) / f"eval_{about['dataset']}_{about['split']}_{about['masks']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write(path, lambda fh: fh.write(json.dumps(report, indent=2).encode()))


@torch.no_grad()
def evaluate(model: nn.Module, dataset: Dataset, batch: int = 40, device: str | torch.device = "cpu",
             amp_dtype: torch.dtype | None = None, fid: str | nn.Module | None = "auto",
             progress: bool = True, loss_fn=None) -> EvalResult:
    """Run ``model`` (eval mode) over ``dataset``'s ``(masked, mask, target)`` items.

    ``loss_fn(pred, target) -> scalar``: also record each batch's loss for its images
    (``per_image["loss"]``), as the trainer's validation does.

    ``fid``: "auto" = the standard Inception FID if it can run here (otherwise the
    result's ``fid_note`` says why, in one line, and every other metric is still
    reported); a module = FID on that module's features (see
    :func:`inpaintlib.metrics.make_fid`); None = no FID.
    """
    from tqdm import tqdm
    device = torch.device(device)
    model = model.to(device).eval()
    meter, note = None, "not requested"
    if fid is not None:
        try:
            meter = metrics.make_fid(None if fid == "auto" else fid).to(device)
            note = "Inception features" if fid == "auto" else f"features of {type(fid).__name__}"
        except metrics.FIDUnavailable as err:
            note = str(err)
    columns: dict[str, list[np.ndarray]] = {}
    loader = DataLoader(dataset, batch_size=batch)
    for masked, mask, target in tqdm(loader, desc="evaluating", disable=not progress_enabled(progress),
                                     leave=False, mininterval=5):
        masked, mask, target = masked.to(device), mask.to(device), target.to(device)
        with autocast(device, amp_dtype):
            pred = model(masked, mask)
        pred = pred.float()
        values = metrics.image_metrics(pred, target, mask)
        values["coverage"] = coverage(mask)
        values["detail"] = metrics.hole_detail(target, mask)
        if loss_fn is not None:
            values["loss"] = loss_fn(pred, target).detach().reshape(1).expand(len(pred))
        for k, v in values.items():
            columns.setdefault(k, []).append(v.double().cpu().numpy())
        if meter is not None:
            meter.update(target, real=True)
            meter.update(pred, real=False)
    per_image = {k: np.concatenate(v) for k, v in columns.items()}
    value = None
    if meter is not None:
        if len(dataset) < 2:
            note = "FID needs at least 2 images"
        else:
            value = float(meter.compute())
    return EvalResult(per_image, value, note)


def masked_split(dataset: str, split: str = "test", n: int | None = None, masks: str = "medium",
                 size: int = 96, seed: int = 0) -> MaskedImages:
    """The first ``n`` images (None: all) of ``split``, each with its mask from the fixed
    set ``masks`` (:func:`inpaintlib.masks.fixed_masks`): the same examples for every model."""
    images = first(load_dataset(dataset, split, size=size, seed=seed), n)
    return MaskedImages(images, fixed_masks(masks, size, EVAL_SET_SIZE))
