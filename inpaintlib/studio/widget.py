"""The inpaint studio as a JupyterLab widget (notebook 11).

:class:`MaskCanvas` is the only piece that runs in the browser (``canvas.js``,
through anywidget: a pip package, no JupyterLab extension to build). It shows the photo
and sends each mouse drag as a drawing operation. :class:`Studio` wires it to ordinary
ipywidgets (tools, image choice, model choice, results) and to the pure-Python engine
in :mod:`inpaintlib.studio` (drawing, photos, engine), which turns operations into the mask and runs the
models.

The CSS classes ``inpaint-studio`` (the whole studio), ``studio-canvas``, ``studio-status``
and ``studio-result`` name the parts the browser test (``tests/test_studio_browser.py``)
looks for.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

import anywidget
import cv2
import ipywidgets as w
import numpy as np
import torch
import traitlets

from ..data import load_dataset
from .drawing import RANDOM_MASKS, TOOLS, MaskPainter, describe_mask
from .engine import Result, inpaint, model_choices
from .photos import png_bytes, read_image


def data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def overlay_png(mask: np.ndarray) -> bytes:
    """A transparent PNG with the hole pixels of ``mask`` (H, W) in translucent magenta."""
    hole = np.asarray(mask) > 0
    rgba = np.zeros(hole.shape + (4,), np.uint8)       # OpenCV order: B, G, R, A
    rgba[hole] = (200, 0, 255, 170)
    ok, buf = cv2.imencode(".png", rgba)
    if not ok:
        raise RuntimeError("OpenCV could not encode the mask overlay as PNG")
    return buf.tobytes()


class MaskCanvas(anywidget.AnyWidget):
    """The drawing surface: ``image`` and ``overlay`` are PNG data URLs set by Python;
    ``ops`` is the list of drawing operations the browser appends to."""

    _esm = Path(__file__).with_name("canvas.js")
    _css = ".studio-canvas { cursor: crosshair; border: 1px solid #999; image-rendering: pixelated; }"
    image = traitlets.Unicode("").tag(sync=True)
    overlay = traitlets.Unicode("").tag(sync=True)
    size = traitlets.Int(96).tag(sync=True)
    zoom = traitlets.Int(4).tag(sync=True)
    tool = traitlets.Unicode("brush").tag(sync=True)
    width = traitlets.Float(8.0).tag(sync=True)
    ops = traitlets.List().tag(sync=True)


NARROW = {"style": {"description_width": "initial"}}


def photo_controls(dataset: str, split: str, index: int, size: int) -> tuple:
    """Which photo: a crop of a split (split, index), a file path (path, open) or an upload."""
    split_box = w.Dropdown(options=["test", "val", "train"], value=split, description="crop of split",
                           layout=w.Layout(width="170px"), **NARROW)
    index_box = w.BoundedIntText(value=index, min=0, max=len(load_dataset(dataset, split, size=size)) - 1,
                                 description="#", layout=w.Layout(width="110px"), **NARROW)
    path = w.Text(placeholder="path/to/photo.jpg", description="or your file",
                  layout=w.Layout(width="280px"), **NARROW)
    open_button = w.Button(description="open", layout=w.Layout(width="70px"))
    upload = w.FileUpload(accept="image/*", multiple=False, description="upload",
                          layout=w.Layout(width="110px"))
    return split_box, index_box, path, open_button, upload


def drawing_controls(size: int) -> tuple:
    """How to draw: tool, brush width, clear, and a random mask of a chosen kind."""
    tool = w.ToggleButtons(options=list(TOOLS), value="brush", style={"button_width": "70px"},
                           layout=w.Layout(width="240px"))
    width = w.IntSlider(value=8, min=1, max=max(2, size // 3), description="brush px",
                        layout=w.Layout(width="260px"), **NARROW)
    clear = w.Button(description="clear", icon="eraser", layout=w.Layout(width="90px"))
    random_kind = w.Dropdown(options=list(RANDOM_MASKS), value="medium", layout=w.Layout(width="100px"))
    random = w.Button(description="random mask", icon="random", layout=w.Layout(width="130px"))
    return tool, width, clear, random_kind, random


def model_controls(labels: list[str], selected: list[str]) -> tuple:
    """Which models fill the hole, and when: after every stroke, or on the inpaint button."""
    models = w.SelectMultiple(options=labels, value=tuple(selected), rows=10, layout=w.Layout(width="300px"))
    auto = w.Checkbox(value=True, description="inpaint after every stroke", indent=False)
    run = w.Button(description="inpaint", button_style="primary", icon="play")
    return models, auto, run


class Studio:
    """Draw a hole on a photo and compare every chosen model's fill.

    ``size`` is the working resolution (every chosen model must accept it: 96 suits the
    Table 1 references); ``selected`` the model labels ticked at start (default: the
    Table 1 references present, Telea and Navier-Stokes). Display it with
    ``display(studio.widget)`` or just put the object last in a cell.
    """

    def __init__(self, size: int = 96, dataset: str = "samples", split: str = "test", index: int = 0,
                 selected: list[str] | None = None, device: str = "cpu", zoom: int = 4, seed: int = 0):
        self.size, self.dataset, self.device, self.seed = size, dataset, device, seed
        self.painter = MaskPainter(size)
        self.choices = model_choices()
        self._models: dict[str, torch.nn.Module] = {}
        self._panels: dict[str, tuple[w.VBox, w.Image, w.HTML]] = {}
        #: the mask (H, W) and the :class:`~inpaintlib.studio.engine.Result` list of the last refresh
        self.mask: np.ndarray = self.painter.mask
        self.last_results: list[Result] = []
        self._random_index = 0
        self.image = load_dataset(dataset, split, size=size)[index]
        if selected is None:
            selected = [label for label in ("wavemix (reference)", "cnn (reference)", "lama (reference)",
                                            "telea", "navier_stokes") if label in self.choices]
        unknown = [s for s in selected if s not in self.choices]
        if unknown:
            raise ValueError(f"unknown model(s) {unknown}; choose from {list(self.choices)}")
        # the controls, in the order they appear
        self.split, self.index, self.path, self.open, self.upload = photo_controls(dataset, split, index,
            size)
        self.tool, self.width, self.clear, self.random_kind, self.random = drawing_controls(size)
        self.canvas = MaskCanvas(size=size, zoom=zoom, image=data_url(png_bytes(self.image)))
        self.models, self.auto, self.run = model_controls(list(self.choices), selected)
        self.status = w.HTML()
        self.status.add_class("studio-status")
        self.results = w.HBox(layout=w.Layout(flex_flow="row wrap"))
        self._connect()
        self.widget = w.VBox([
            w.HBox([self.split, self.index, self.path, self.open, self.upload]),
            w.HBox([self.tool, self.width, self.clear, self.random_kind, self.random]),
            w.HBox([self.canvas, w.VBox([w.HTML("<b>models</b> (ctrl/cmd-click to pick several)"),
                                         self.models, self.auto, self.run],
                                        layout=w.Layout(margin="0 0 0 12px"))]),
            self.status,
            self.results,
        ])
        self.widget.add_class("inpaint-studio")
        self.refresh(force=True)

    def _connect(self) -> None:
        """What each control does."""
        self.tool.observe(lambda c: setattr(self.canvas, "tool", c["new"]), "value")
        self.width.observe(lambda c: setattr(self.canvas, "width", float(c["new"])), "value")
        self.canvas.width = float(self.width.value)
        self.canvas.observe(self._on_ops, "ops")
        self.clear.on_click(lambda _: self._restart(self.painter.clear))
        self.random.on_click(self._on_random)
        self.split.observe(self._on_crop, "value")
        self.index.observe(self._on_crop, "value")
        self.open.on_click(lambda _: self._set_image(lambda: read_image(self.path.value, self.size)))
        self.upload.observe(self._on_upload, "value")
        self.models.observe(lambda _: self.refresh(), "value")
        self.run.on_click(lambda _: self.refresh(force=True))

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)

    # -- events -----------------------------------------------------------------------
    def _on_ops(self, change) -> None:
        try:
            self.painter.set_ops(change["new"])
        except ValueError as err:
            self._say(f"ignored a drawing operation: {err}")
            return
        self.refresh()

    def _restart(self, reset) -> None:
        reset()
        self.canvas.ops = []        # the browser starts a new list too
        self.refresh(force=True)

    def _on_random(self, _) -> None:
        self._restart(lambda: self.painter.random(self.random_kind.value, self._random_index, self.seed))
        self._random_index += 1

    def _on_crop(self, _) -> None:
        split = load_dataset(self.dataset, self.split.value, size=self.size)
        self.index.max = len(split) - 1
        self._set_image(lambda: split[min(self.index.value, len(split) - 1)])

    def _on_upload(self, change) -> None:
        files = change["new"]
        if files:
            self._set_image(lambda: read_image(files[0]["content"], self.size))

    def _set_image(self, read) -> None:
        try:
            self.image = read()
        except (OSError, ValueError) as err:
            self._say(html.escape(str(err)))
            return
        self.canvas.image = data_url(png_bytes(self.image))
        self.refresh(force=True)

    # -- work ---------------------------------------------------------------------------
    def model(self, label: str) -> torch.nn.Module:
        """The model behind ``label``, loaded once."""
        if label not in self._models:
            self._models[label] = self.choices[label].load(self.device)
        return self._models[label]

    def refresh(self, force: bool = False) -> None:
        """Show the current mask and, when asked (or after each stroke with "auto"), run
        every selected model on it."""
        mask = self.painter.mask
        self.canvas.overlay = data_url(overlay_png(mask))
        info = describe_mask(mask)
        where = (f" · rows {info['rows'][0]}-{info['rows'][1]} · cols {info['cols'][0]}-{info['cols'][1]}"
                 if info["pixels"] else "")
        self._say(f"hole {info['pixels']} px ({info['coverage']:.1%}){where} · "
                  f"{len(self.painter.ops)} stroke(s)")
        self.mask = mask
        if not (force or self.auto.value):
            return
        self.last_results = []
        for label in self.models.value:
            box, image, caption = self._panel(label)
            try:
                result = inpaint({label: self.model(label)}, self.image, mask)[0]
            except (OSError, ValueError, TypeError, RuntimeError) as err:
                image.layout.display = "none"
                caption.value = f"<b>{html.escape(label)}</b><br>{html.escape(str(err))}"
                continue
            self.last_results.append(result)
            image.value = png_bytes(result.image, zoom=2)
            image.layout.display = None
            score = "no hole" if math.isnan(result.psnr_hole) else \
                f"{result.psnr_hole:.1f} dB · SSIM {result.ssim_hole:.2f}"
            caption.value = f"<b>{html.escape(label)}</b><br>{score} · {result.ms:.0f} ms"
        shown = tuple(self._panels[label][0] for label in self.models.value)
        if self.results.children != shown:
            self.results.children = shown

    def _panel(self, label: str) -> tuple[w.VBox, w.Image, w.HTML]:
        """The result panel of ``label`` (an image above a caption), made once and then
        updated in place, so the page does not flicker at every stroke."""
        if label not in self._panels:
            image = w.Image(format="png")
            image.add_class("studio-result")
            caption = w.HTML(layout=w.Layout(width="200px"))
            self._panels[label] = (w.VBox([image, caption]), image, caption)
        return self._panels[label]

    def _say(self, text: str) -> None:
        self.status.value = f"<code>{text}</code>"


__all__ = ["MaskCanvas", "Studio", "data_url", "overlay_png"]
