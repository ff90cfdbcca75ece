"""The inpaint studio (notebook 11): draw a hole, run every model on it, score it.

Everything but the widget is plain Python, NumPy and torch, usable and tested without a
browser:

* :mod:`~inpaintlib.studio.drawing`: brush, eraser and rectangle operations -> a binary
  mask (:func:`paint`, :class:`MaskPainter`);
* :mod:`~inpaintlib.studio.photos`: any photo -> a square of the working size
  (:func:`read_image`), images -> PNG bytes;
* :mod:`~inpaintlib.studio.engine`: what can fill a hole (:func:`model_choices`) and
  running it on one image (:func:`inpaint`);
* :mod:`~inpaintlib.studio.widget`: the JupyterLab widget (``Studio``; imported on its
  own, since it needs ipywidgets and anywidget), whose canvas runs ``canvas.js`` in the
  browser and only forwards what the mouse did.
"""

from .drawing import RANDOM_MASKS, TOOLS, MaskPainter, Op, describe_mask, paint, rect_pixels, stroke_pixels
from .engine import Choice, Result, common_size, inpaint, model_choices, results_figure, results_table
from .photos import FITS, decode_photo, fit_image, png_bytes, read_image

__all__ = ["FITS", "RANDOM_MASKS", "TOOLS", "Choice", "MaskPainter", "Op", "Result", "common_size",
           "decode_photo",
           "describe_mask", "fit_image", "inpaint", "model_choices", "paint", "png_bytes", "read_image",
           "rect_pixels",
           "results_figure", "results_table", "stroke_pixels"]
