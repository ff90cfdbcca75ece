"""The inpaint studio's engine (inpaintlib.studio) and its widget, without a browser.

The drawing rules are checked against an independent construction: the brush path is
sampled densely and each pixel centre's distance to the samples decides what must and
what may be painted.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from inpaintlib import models, runtime, studio

SIZE = 32
coord = st.floats(-8, SIZE + 8, allow_nan=False)
point = st.tuples(coord, coord)
path = st.lists(point, min_size=1, max_size=5)
width = st.floats(1, 12, allow_nan=False)


def distance_to_path(points, size: int) -> np.ndarray:
    """(size, size) distance from every pixel centre to the polyline, by dense sampling."""
    pts = np.asarray(points, float)
    if len(pts) == 1:
        samples = pts
    else:
        t = np.linspace(0, 1, 400)[:, None]
        samples = np.concatenate([a + t * (b - a) for a, b in zip(pts, pts[1:])])
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    centres = np.stack([xs.ravel(), ys.ravel()], 1)
    d = np.sqrt(((centres[:, None, :] - samples[None]) ** 2).sum(-1)).min(1)
    return d.reshape(size, size)


@settings(max_examples=60, deadline=None)
@given(path, width)
def test_brush_respects_its_width(points, w):
    painted = studio.stroke_pixels(points, w, SIZE)
    d = distance_to_path(points, SIZE)
    step = 0.1  # the sampling's worst-case error is far below this
    assert painted[d <= w / 2 - step].all(), "a pixel well inside the brush was left out"
    assert not painted[d > w / 2 + math.sqrt(0.5) + step].any(), "a pixel beyond the brush was painted"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({"tool": st.sampled_from(studio.TOOLS), "points": path,
                                       "width": width}),
                max_size=6))
def test_any_drawing_gives_a_binary_mask_of_the_image_size(ops):
    ops = [dict(op, points=(op["points"] * 2)[:2]) if op["tool"] == "rect" else op
           for op in ops]   # 2 corners
    mask = studio.paint(ops, SIZE)
    assert mask.shape == (SIZE, SIZE) and mask.dtype == np.uint8
    assert set(np.unique(mask)) <= {0, 1}


@settings(max_examples=40, deadline=None)
@given(point, point)
def test_rectangle_covers_exactly_the_pixels_between_its_corners(a, b):
    painted = studio.rect_pixels(a, b, SIZE)
    rows, cols = np.mgrid[0:SIZE, 0:SIZE]
    c0, c1 = sorted((math.floor(a[0]), math.floor(b[0])))
    r0, r1 = sorted((math.floor(a[1]), math.floor(b[1])))
    expected = (cols >= c0) & (cols <= c1) & (rows >= r0) & (rows <= r1)
    assert np.array_equal(painted, expected)


@settings(max_examples=40, deadline=None)
@given(path, width)
def test_eraser_on_the_same_path_removes_the_stroke(points, w):
    brush = {"tool": "brush", "points": points, "width": w}
    assert studio.paint([brush, dict(brush, tool="eraser")], SIZE).sum() == 0
    assert studio.paint([dict(brush, tool="eraser"), brush], SIZE).sum() == studio.stroke_pixels(points,
        w, SIZE).sum()


def test_thin_brush_always_marks_the_pixel_under_the_point():
    for x, y in [(3.0, 3.0), (10.0, 4.0), (0.0, 0.0), (31.99, 31.99)]:
        painted = studio.stroke_pixels([(x, y)], 1, SIZE)
        assert painted[int(y), int(x)]


def test_round_brush_area_matches_the_disc():
    painted = studio.stroke_pixels([(16.5, 16.5)], 11, SIZE)
    assert abs(painted.sum() - math.pi * 5.5 ** 2) < 8   # 95 pixels of a disc of area 95.0


def test_stroke_outside_the_image_paints_nothing():
    assert studio.stroke_pixels([(-20, -20), (-5, -30)], 6, SIZE).sum() == 0
    assert studio.rect_pixels((40, 40), (50, 60), SIZE).sum() == 0


@pytest.mark.parametrize("op, message", [
    ({"tool": "spray", "points": [[1, 1]]}, "unknown drawing tool 'spray'"),
    ({"tool": "brush", "points": []}, "at least one (x, y) point"),
    ({"tool": "brush", "points": [[1, float("nan")]]}, "finite"),
    ({"tool": "rect", "points": [[1, 1]]}, "exactly 2 corner points"),
    ({"tool": "brush", "points": [[1, 1]], "width": 0.5}, "at least 1 pixel"),
    ({"tool": "brush", "points": [1, 2, 3]}, "list of [x, y] pairs"),
    ({"points": [[1, 1]]}, "'tool' and 'points'"),
])
def test_bad_operations_are_refused_with_the_reason(op, message):
    with pytest.raises(ValueError,
                       match=message.replace("(", r"\(").replace(")", r"\)").replace("[",
                           r"\[").replace("]", r"\]")):
        studio.paint([op], SIZE)


def test_paint_checks_its_base_mask_and_leaves_it_unchanged():
    base = np.zeros((SIZE, SIZE), np.uint8)
    base[0, 0] = 1
    out = studio.paint([{"tool": "rect", "points": [[4, 4], [6, 6]]}], SIZE, base)
    assert out.sum() == 10 and base.sum() == 1
    with pytest.raises(ValueError, match="binary"):
        studio.paint([], SIZE, base * 255)
    with pytest.raises(ValueError, match=r"\(32, 32\)"):
        studio.paint([], SIZE, np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match="mask size must be >= 1, got 0"):
        studio.paint([], 0)


def test_painter_random_clear_and_ops():
    p = studio.MaskPainter(96)
    p.random("medium", index=0)
    first = p.mask
    assert first.sum() > 0
    p.set_ops([{"tool": "rect", "points": [[0, 0], [9, 9]]}])
    assert p.mask[:10, :10].all() and (p.mask >= first).all()
    p.random("medium", index=1)
    assert p.ops == [] and not np.array_equal(p.mask, first)
    p.random("box12", index=0)
    assert p.mask.sum() == 144
    p.clear()
    assert p.mask.sum() == 0
    with pytest.raises(ValueError, match="unknown random mask 'huge'"):
        p.random("huge")


def test_describe_mask():
    mask = studio.paint([{"tool": "rect", "points": [[2, 5], [4, 9]]}], SIZE)
    assert studio.describe_mask(mask) == {"pixels": 15, "coverage": 15 / SIZE ** 2, "rows": (5, 9),
                                          "cols": (2, 4)}
    assert studio.describe_mask(np.zeros((4, 4)))["rows"] is None


# ---------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------

def test_fit_image_crops_the_centre_square():
    img = np.zeros((60, 100, 3), np.uint8)
    img[:, 20:80] = 255                       # the central 60 x 60 square is white
    out = studio.fit_image(img, 30)
    assert out.shape == (3, 30, 30) and out.dtype == torch.float32
    assert out.min() == 1.0
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        studio.fit_image(img.astype(np.float32), 30)


def test_read_image_from_path_and_bytes(tmp_path):
    rng = np.random.default_rng(0)
    img = torch.from_numpy(rng.integers(0, 256, (3, 24, 24), dtype=np.uint8)).float() / 255
    png = studio.png_bytes(img)
    (tmp_path / "p.png").write_bytes(png)
    assert torch.equal(studio.read_image(tmp_path / "p.png", 24), img)
    assert torch.equal(studio.read_image(png, 24), img)
    with pytest.raises(FileNotFoundError, match="no image file at"):
        studio.read_image(tmp_path / "missing.jpg", 24)
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="notes.txt is not an image"):
        studio.read_image(tmp_path / "notes.txt", 24)


def test_fit_image_whole_and_box_and_grey():
    img = np.zeros((60, 100, 3), np.uint8)
    img[:, 20:80] = 255
    whole = studio.fit_image(img, 30, fit="whole")          # nothing cut: black sides stay
    assert whole[:, :, 0].max() == 0 and whole[:, :, 15].min() == 1.0
    box = studio.fit_image(img, 10, fit="box", box=(0, 0, 20))  # the black left strip
    assert box.max() == 0
    grey = studio.fit_image(img[..., 0], 30)
    assert grey.shape == (3, 30, 30)
    with pytest.raises(ValueError, match="does not lie inside the 60x100 photo"):
        studio.fit_image(img, 10, fit="box", box=(50, 0, 20))
    with pytest.raises(ValueError, match=r"needs box=\(top, left, side\)"):
        studio.fit_image(img, 10, fit="box")
    with pytest.raises(ValueError, match="fit must be one of"):
        studio.fit_image(img, 10, fit="stretch")


@pytest.mark.parametrize("shape,ext", [((37, 251), ".jpg"), ((900, 640), ".png"), ((5, 7), ".png")])
def test_read_image_any_size_and_format(tmp_path, shape, ext):
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 256, (*shape, 3), dtype=np.uint8)
    path = tmp_path / f"photo{ext}"
    cv2.imwrite(str(path), photo)
    out = studio.read_image(path, 96)
    assert out.shape == (3, 96, 96) and 0 <= out.min() and out.max() <= 1


def test_read_image_grey_alpha_and_16_bit(tmp_path):
    grey = np.full((40, 50), 128, np.uint8)
    rgba = np.zeros((40, 50, 4), np.uint8)
    rgba[..., 2], rgba[..., 3] = 255, 10
    deep = np.full((40, 50, 3), 65535, np.uint16)
    for name, arr in (("g.png", grey), ("a.png", rgba), ("d.png", deep)):
        cv2.imwrite(str(tmp_path / name), arr)
    assert torch.allclose(studio.read_image(tmp_path / "g.png", 16), torch.full((3, 16, 16), 128 / 255))
    assert studio.read_image(tmp_path / "a.png", 16)[0].min() == 1.0          # red, alpha dropped
    assert studio.read_image(tmp_path / "d.png", 16).min() == 1.0
    (tmp_path / "empty.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match="empty.jpg is empty"):
        studio.read_image(tmp_path / "empty.jpg", 16)


def test_png_bytes_zoom_and_masks():
    mask = np.eye(4, dtype=np.uint8)
    decoded = cv2.imdecode(np.frombuffer(studio.png_bytes(mask, zoom=3), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert decoded.shape == (12, 12) and decoded[0, 2] == 255 and decoded[0, 3] == 0


# ---------------------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------------------

def test_common_size_is_a_size_every_model_accepts():
    cnn, lama = models.build("cnn", preset="quick"), models.build("lama", preset="quick")
    assert studio.common_size([cnn, lama], 96) == 96
    assert studio.common_size([cnn, lama], 100) == 96
    assert studio.common_size([lama], 10) == 16        # LaMa's min_size
    assert studio.common_size([], 50) == 50


def test_inpaint_scores_each_model_and_keeps_known_pixels():
    img = torch.rand(3, 32, 32, generator=torch.Generator().manual_seed(0))
    mask = studio.paint([{"tool": "rect", "points": [[8, 8], [20, 20]]}], 32)
    chosen = {"telea": models.build("telea"), "mean": models.build("mean_fill")}
    results = studio.inpaint(chosen, img, mask)
    assert [r.label for r in results] == ["telea", "mean"]
    known = torch.from_numpy(mask == 0)
    for r in results:
        assert r.image.shape == (3, 32, 32)
        assert torch.equal(r.image[:, known], img[:, known])
        assert math.isfinite(r.psnr_hole) and -1 <= r.ssim_hole <= 1 and r.ms >= 0
    assert "hole PSNR (dB)" in studio.results_table(results)


def test_inpaint_without_hole_and_bad_masks():
    img = torch.rand(3, 16, 16)
    (r,) = studio.inpaint({"telea": models.build("telea")}, img, np.zeros((16, 16), np.uint8))
    assert math.isnan(r.psnr_hole) and torch.equal(r.image, img)
    with pytest.raises(ValueError, match=r"mask must be \(16, 16\)"):
        studio.inpaint({}, img, np.zeros((8, 8)))
    with pytest.raises(ValueError, match="binary"):
        studio.inpaint({}, img, np.full((16, 16), 255))
    with pytest.raises(ValueError, match=r"image must be \(3, H, W\)"):
        studio.inpaint({}, img[None], np.zeros((16, 16)))


def test_model_choices_lists_references_runs_and_classical(tmp_path):
    (tmp_path / "checkpoints" / "quick" / "wavemix").mkdir(parents=True)
    (tmp_path / "checkpoints" / "quick" / "wavemix" / "best.pt").write_bytes(b"")
    choices = studio.model_choices(tmp_path)
    kinds = {c.kind for c in choices.values()}
    assert {"run", "classical"} <= kinds
    assert "quick/wavemix (run)" in choices
    assert choices["telea"].load().__class__.__name__ == "ClassicalInpainting"
    assert choices["telea"].load("auto").__class__.__name__ == "ClassicalInpainting"   # the profiles' DEVICE
    with pytest.raises(Exception, match="corrupt"):       # an empty file is refused, not unpickled
        choices["quick/wavemix (run)"].load()


def test_headless_flag(monkeypatch):
    monkeypatch.setenv(runtime.HEADLESS_VAR, "1")
    assert runtime.headless()
    monkeypatch.delenv(runtime.HEADLESS_VAR)
    assert not runtime.headless()


# ---------------------------------------------------------------------------------------
# The widget's Python side (the browser test drives the real front end)
# ---------------------------------------------------------------------------------------

def test_studio_widget_reacts_to_strokes_clear_and_random():
    from inpaintlib.studio.widget import Studio
    app = Studio(size=32, selected=["telea", "navier_stokes"], split="test", index=0)
    assert "hole 0 px" in app.status.value and len(app.results.children) == 2
    before = [r.image.clone() for r in app.last_results]
    app.canvas.ops = [{"tool": "brush", "width": 4, "points": [[2, 2], [20, 20]]}]   # what the browser sends
    assert app.mask.sum() > 0 and "1 stroke(s)" in app.status.value
    assert all(not torch.equal(a, r.image) for a, r in zip(before, app.last_results))
    app.canvas.ops = [{"tool": "nonsense", "points": [[1, 1]]}]
    assert "ignored a drawing operation" in app.status.value
    app.random.click()
    assert app.canvas.ops == [] and app.mask.sum() > 0
    app.clear.click()
    assert app.mask.sum() == 0
    with pytest.raises(ValueError, match="unknown model"):
        Studio(size=32, selected=["gpt"])


def test_results_figure_titles_leave_out_times_on_request():
    img, mask = torch.rand(3, 16, 16), np.zeros((16, 16), np.uint8)
    mask[4:9, 4:9] = 1
    results = studio.inpaint({"telea": models.build("telea")}, img, mask)
    titles = {t: [ax.get_title() for ax in studio.results_figure(img, mask, results, times=t).axes]
              for t in (True, False)}
    # committed figures stay stable
    assert titles[True][-1].endswith(" ms") and "ms" not in titles[False][-1]
    assert titles[False][-1].startswith("telea\n") and " dB · SSIM " in titles[False][-1]
