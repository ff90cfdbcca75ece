"""A2 (LaMa's masks): the bodies its public and hidden tests share. Random masks are judged
by their coverage statistics against as many masks of the library (:func:`check_coverage`)."""

from __future__ import annotations

from ..checks import check_coverage, check_masks, check_own_code, graded
from . import Mistakes, catalogue


def reference_masks(preset, size: int, n: int, stream: int, **options):
    """``n`` masks of the library (:func:`inpaintlib.masks.lama_mask` with ``options``) of
    ``preset`` at ``size`` px, mask ``i`` drawn from ``np.random.default_rng((stream, i))``."""
    import numpy as np

    from ... import masks
    return np.stack([masks.lama_mask(preset, size, np.random.default_rng((stream, i)), **options)
                     for i in range(n)])


def strokes_coverage(strokes_mask, preset: str, size: int, n: int, rng, stream: int, hint: str = "",
                     mistakes: Mistakes | None = None) -> None:
    """``n`` masks of ``strokes_mask`` with the strokes of LaMa preset ``preset`` at ``size`` px,
    drawn from ``rng``, against ``n`` of the library's strokes (stream ``stream``).
    ``mistakes`` gets ``reference(**options)``, the library's masks drawn with ``options``, and
    names the check ``"coverage"``."""
    import numpy as np

    from ... import masks
    s = masks.LAMA_MASK_PRESETS[preset].strokes
    only_strokes = masks.LamaPreset(s, None)
    mine = np.stack([strokes_mask(size, rng, s.max_len, s.max_width, s.min_times, s.max_times)
                     for _ in range(n)])
    ref = reference_masks(only_strokes, size, n, stream)
    known = catalogue(mistakes,
                      reference=lambda **options: reference_masks(only_strokes, size, n, stream, **options))
    check_coverage(f"{preset} strokes at {size} px", mine, ref, 0.03, 0.06, hint=hint,
                   mistakes=known.get("coverage"))


def q1_coverage_96px(strokes_mask, mistakes: Mistakes | None = None) -> None:
    """Thick strokes at 96 px against the library's coverage statistics (see
    :func:`strokes_coverage` for ``mistakes``), and no library call but OpenCV."""
    import numpy as np
    strokes_mask = graded("strokes_mask", strokes_mask)
    strokes_coverage(strokes_mask, "thick", 96, 500, np.random.default_rng(2024), 7, mistakes=mistakes)
    check_own_code("strokes_mask", strokes_mask, allow=["cv2"])


def boxes_only(preset: str):
    """The LaMa preset ``preset`` drawing its rectangles only."""
    from ... import masks
    p = masks.LAMA_MASK_PRESETS[preset]
    return masks.LamaPreset(p.strokes, p.boxes, 0.0, 1.0)


def boxes_coverage(mine, preset: str, size: int, stream: int, label: str, hint: str = "",
                   mistakes: Mistakes | None = None) -> None:
    """The masks ``mine`` (the student's rectangles of LaMa preset ``preset`` at ``size`` px,
    ``label`` in the message) against as many of the library's (stream ``stream``);
    ``mistakes`` as in :func:`strokes_coverage`."""
    only_boxes, n = boxes_only(preset), len(mine)
    ref = reference_masks(only_boxes, size, n, stream)
    known = catalogue(mistakes, reference=lambda **o: reference_masks(only_boxes, size, n, stream, **o))
    check_coverage(f"{label} rectangles at {size} px", mine, ref, 0.03, 0.06, hint=hint,
                   mistakes=known.get("coverage"))


def box_args(preset: str) -> tuple:
    """The arguments of ``boxes_mask`` after ``size, rng`` for the rectangles of LaMa preset
    ``preset``: ``(min_side, max_side, margin, min_times, max_times)``."""
    from ... import masks
    b = masks.LAMA_MASK_PRESETS[preset].boxes
    return b.min_side, b.max_side, b.margin, b.min_times, b.max_times


def q2_margin_and_coverage(boxes_mask, mistakes: Mistakes | None = None) -> None:
    """LaMa's training rectangles at 96 px: format, margin, coverage statistics (``mistakes``
    as in :func:`strokes_coverage`), and no library call but OpenCV."""
    import numpy as np

    from ... import masks
    boxes_mask = graded("boxes_mask", boxes_mask)
    b, args = masks.LAMA_MASK_PRESETS["train"].boxes, box_args("train")
    rng = np.random.default_rng(3)
    check_masks("boxes_mask(96, rng, ...)", boxes_mask(96, rng, *args), 0, 96)
    mine = np.stack([boxes_mask(96, rng, *args) for _ in range(500)])
    assert mine.any(), "your masks have no hole pixels: replace the `...` and fill the rectangles with 1"
    m = round(b.margin * 96 / 256)
    border = np.ones((96, 96), bool)
    border[m:96 - m, m:96 - m] = False
    inside = int(mine[:, border].any(axis=1).sum())
    assert inside == 0, (f"{inside} of 500 masks have hole pixels in the {m} px margin (margin {b.margin} "
                         "x 96/256, rounded): keep corners in [margin, size - margin - side]")
    boxes_coverage(mine, "train", 96, 9, "training", mistakes=mistakes)
    check_own_code("boxes_mask", boxes_mask, allow=["cv2"])


def q3_train_preset(lama_style_mask, mistakes: Mistakes | None = None) -> None:
    """The training preset at 96 px against ``lama_masks``, and no library call but OpenCV.
    ``mistakes`` gets ``preset`` and ``reference(preset, stream)``, 600 library masks of another
    preset at 96 px, and names the check ``"coverage"``."""
    import numpy as np

    from ... import masks
    lama_style_mask = graded("lama_style_mask", lama_style_mask)
    preset = masks.LAMA_MASK_PRESETS["train"]
    rng = np.random.default_rng(5)
    mine = check_masks("600 masks of lama_style_mask(train, 96, rng)",
                       np.stack([lama_style_mask(preset, 96, rng) for _ in range(600)]), 600, 96)
    ref = masks.lama_masks("train", 96, 600, seed=11)
    known = catalogue(mistakes, preset=preset,
                      reference=lambda other, stream: reference_masks(other, 96, 600, stream))
    check_coverage("LaMa 'train' masks at 96 px", mine, ref, 0.03, 0.06, mistakes=known.get("coverage"))
    check_own_code("lama_style_mask", lama_style_mask, allow=["cv2"])
