"""Figures (inpaintlib.viz): image conversion, grids, rows, and reproducible saved PNGs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from inpaintlib import viz  # noqa: E402
from inpaintlib.viz import to_numpy_image  # noqa: E402


def test_uint8_masks_are_drawn_white_not_black():
    mask = np.zeros((4, 4), np.uint8)
    mask[1:3, 1:3] = 1
    assert to_numpy_image(mask).max() == 1.0
    photo = np.full((4, 4, 3), 255, np.uint8)
    assert to_numpy_image(photo).max() == 1.0


def test_tensors_become_hwc_arrays_clipped_to_0_1():
    img = torch.tensor([[[2.0]], [[-1.0]], [[0.5]]])                # (3, 1, 1), out of range
    arr = to_numpy_image(img)
    assert arr.shape == (1, 1, 3) and arr.tolist() == [[[1.0, 0.0, 0.5]]]
    assert to_numpy_image(torch.zeros(1, 4, 5)).shape == (4, 5)      # one channel: (H, W)


def test_grid_and_rows_lay_out_what_they_are_given():
    images = torch.rand(5, 3, 8, 8)
    fig = viz.image_grid(images, ncols=2, titles=list("abcde"))
    assert len(fig.axes) == 6 and [ax.get_title() for ax in fig.axes[:5]] == list("abcde")
    plt.close(fig)
    fig = viz.show_rows({"masked": images[:3], "pred": images[:3]}, col_titles=["x", "y", "z"],
                        captions={"pred": ["1 dB", "2 dB", "3 dB"]})
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == "x" and fig.axes[5].get_xlabel() == "3 dB"
    assert fig.axes[3].get_ylabel() == "pred"
    plt.close(fig)
    with pytest.raises(ValueError, match="row 'pred' has 2 images, expected 3"):
        viz.show_rows({"masked": images[:3], "pred": images[:2]})
    with pytest.raises(ValueError, match="at least one image"):
        viz.image_grid([])


def test_saved_figures_are_byte_identical_on_a_rerun(tmp_path, monkeypatch):
    monkeypatch.setenv("INPAINT_FIGURES", str(tmp_path))
    images = torch.rand(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    paths = []
    for _ in range(2):
        fig = viz.image_grid(images)
        paths.append(viz.save_figure(fig, "t_grid"))
        first = paths[0].read_bytes()
        plt.close(fig)
    assert paths[0] == tmp_path / "t_grid.png" and paths[1].read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["t_grid.png"]               # no temporary left
    for bad in ("", "sub/name", "name.png"):
        with pytest.raises(ValueError, match="bare name"):
            viz.save_figure(plt.figure(), bad)
    plt.close("all")


def test_label_points_moves_labels_that_would_overlap():
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(3, 3))
    ax.scatter([0, 0.001, 1], [0, 0, 1])
    ax.set_xlim(-1, 2)
    ax.set_ylim(-1, 2)
    offsets = viz.label_points(ax, [0, 0.001, 1], [0, 0, 1], ["t3-5", "t3-6", "far"])
    assert offsets[0] == viz.LABEL_OFFSETS[0] and offsets[1] != offsets[0]   # the twin label moved
    assert offsets[2] == viz.LABEL_OFFSETS[0]                               # a lone label stays put
    assert [t.get_text() for t in ax.texts] == ["t3-5", "t3-6", "far"]
    plt.close(fig)
