"""Numbers the papers report, to print next to ours (facts, not results of this code).

``TABLE1``: the first paper's Table 1, measured on one GTX 1080 at batch 40 on STL-10
(96 x 96, LaMa masks): parameters, FID, SSIM, training seconds per 80,000-image epoch and
inference images per second. ``speed_ratios`` turns its speeds into the paper's claims as
hardware-free ratios, and ``speed_ratio_rounds`` / ``speed_ratio_table`` the same ratios from
our interleaved benchmark rounds, for comparison.
"""

from __future__ import annotations

import statistics

TABLE1 = {
    "cnn": {"params": "12M", "fid": 86.373, "ssim": 0.850, "epoch_s": 665, "infer_img_s": 192},
    "lama": {"params": "27M", "fid": 70.294, "ssim": 0.893, "epoch_s": 4861, "infer_img_s": 112},
    "wavemix": {"params": "14M", "fid": 64.784, "ssim": 0.902, "epoch_s": 1387, "infer_img_s": 137},
}


def speed_ratios(rows: dict[str, dict]) -> dict[str, float]:
    """The paper's speed claims as hardware-free ratios, from ``{model: {"epoch_s",
    "infer_img_s"}}`` (e.g. :data:`TABLE1` or ``bench`` rows): how many times faster
    WaveMix is than LaMa and than the CNN, at inference and in training (> 1: WaveMix faster).
    """
    w = rows["wavemix"]
    out = {}
    for other in ("lama", "cnn"):
        o = rows[other]
        out[f"inference wavemix/{other}"] = w["infer_img_s"] / o["infer_img_s"]
        out[f"training wavemix/{other}"] = o["epoch_s"] / w["epoch_s"]
    return out


def speed_ratio_rounds(rows: dict[str, dict]) -> dict[str, dict]:
    """:func:`speed_ratios` (same keys and directions, > 1: WaveMix faster) measured round by
    round, from the rows of one interleaved :func:`inpaintlib.benchmarks.bench_models` call
    (``{model: {"infer_ms_rounds", "train_ms_rounds"}}``, ms per batch, one batch size): each
    round's ratio is the other model's time over WaveMix's **in that round**, so a load that
    slows a whole round cancels out, and the result is the median over rounds.

    Returns ``{ratio: {"median", "min", "max", "rounds", "per_round"}}``; ratios whose times are
    missing (a model not benchmarked, training not timed) are left out.
    """
    w, out = rows["wavemix"], {}
    for other in ("lama", "cnn"):
        for kind, key in (("inference", "infer_ms_rounds"), ("training", "train_ms_rounds")):
            mine, theirs = w.get(key), rows.get(other, {}).get(key)
            if not mine or not theirs:
                continue
            per_round = [t / m for m, t in zip(mine, theirs, strict=True)]
            out[f"{kind} wavemix/{other}"] = {"median": statistics.median(per_round), "min": min(per_round),
                                               "max": max(per_round), "rounds": len(per_round),
                                               "per_round": per_round}
    return out


def speed_ratio_table(rows: list[dict]) -> list[dict]:
    """Rows to print (``inpaintlib.tables.format_table``) of :func:`speed_ratio_rounds` for the
    ``bench_models`` rows ``rows``, beside the paper's ratios (:data:`TABLE1`, a GTX 1080):
    columns "WaveMix is ... times faster than", "paper (GTX 1080)", "here: median of N rounds" and
    "spread (min-max)" (the smallest and largest round's ratio). Empty without WaveMix."""
    by_model = {r["model"].split(" ")[0]: r for r in rows}          # "wavemix (compiled)" too
    ours = speed_ratio_rounds(by_model) if "wavemix" in by_model else {}
    paper = speed_ratios(TABLE1)
    return [{"WaveMix is ... times faster than": k, "paper (GTX 1080)": paper[k],
             f"here: median of {v['rounds']} rounds": v["median"],
             "spread (min-max)": f"{v['min']:.3f}-{v['max']:.3f}"} for k, v in ours.items()]


def _rows(prefix: str, values: list[tuple[float, float, float, float]]) -> dict[str, dict]:
    return {f"{prefix}-{i}": dict(zip(("l1", "l2", "psnr", "ssim"), v)) for i, v in enumerate(values, 1)}


#: Tables 2 (8 x 8 box masks) and 3 (12 x 12 box masks): L1, L2, PSNR, SSIM per row,
#: keyed like the WaveMix presets of the same rows (``inpaintlib.models.PRESETS["wavemix"]``).
#: Trained on "limited data" without augmentation; L1/L2 read as whole-image errors on the
#: 0-255 scale.
TABLE2 = _rows("t2", [(0.224, 9.455, 41.968, 0.988), (0.134, 5.616, 44.154, 0.996)])
TABLE3 = _rows("t3", [
    (0.733, 78.542, 26.714, 0.825), (0.964, 114.122, 18.880, 0.801), (0.361, 16.913, 38.423, 0.988),
    (0.344, 15.551, 38.967, 0.989), (0.374, 17.807, 37.564, 0.990), (0.421, 33.129, 36.995, 0.981),
    (0.410, 20.331, 36.852, 0.987), (0.370, 17.672, 38.327, 0.988), (0.380, 20.692, 38.030, 0.988),
])
