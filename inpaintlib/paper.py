"""Numbers the papers report, to print next to ours (facts, not results of this code).

``TABLE1``: the first paper's Table 1, measured on one GTX 1080 at batch 40 on STL-10
(96 x 96, LaMa masks): parameters, FID, SSIM, training seconds per 80,000-image epoch and
inference images per second.
"""

from __future__ import annotations

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
