"""Photos for the studio: any RGB (or grey, or RGBA) JPEG/PNG of any size, made into a
square of the models' working size (:func:`read_image`), and images as PNG bytes."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import torch
from torch import Tensor

from ..arguments import check_whole

#: How :func:`fit_image` makes a square of the working size from a photo of any shape.
FITS = ("centre", "whole", "box")


def fit_image(image: np.ndarray, size: int, fit: str = "centre",
              box: tuple[int, int, int] | None = None) -> Tensor:
    """An ``(H, W, 3)`` uint8 RGB image of any size as a float tensor ``(3, size, size)`` in
    [0, 1], the square chosen by ``fit``:

    * ``"centre"``: the largest central square (nothing is distorted; the sides are cut off);
    * ``"whole"``: the whole photo squeezed into the square (nothing is cut; a non-square
      photo is distorted);
    * ``"box"``: the square ``box = (top, left, side)`` in the photo's pixels, e.g. a detail.

    The square is shrunk with area averaging or enlarged with bicubic interpolation (clamped
    to [0, 1]). Grey ``(H, W)`` images are accepted and repeated over three channels.
    """
    check_whole("size", size, 1)
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB image, got {image.shape} {image.dtype}")
    if fit not in FITS:
        raise ValueError(f"fit must be one of {FITS}, got {fit!r}")
    h, w = image.shape[:2]
    if fit == "centre":
        side = min(h, w)
        top, left = (h - side) // 2, (w - side) // 2
        square = image[top:top + side, left:left + side]
    elif fit == "whole":
        square = image
    else:
        if box is None or len(box) != 3:
            raise ValueError("fit='box' needs box=(top, left, side) in the photo's pixels")
        top, left, side = (int(v) for v in box)
        if side < 1 or top < 0 or left < 0 or top + side > h or left + side > w:
            raise ValueError(f"box (top={top}, left={left}, side={side}) does not lie inside the "
                             f"{h}x{w} photo: need top + side <= {h} and left + side <= {w}")
        square = image[top:top + side, left:left + side]
    shrink = min(square.shape[:2]) > size
    resized = cv2.resize(np.ascontiguousarray(square), (size, size),
                         interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    return torch.from_numpy(np.ascontiguousarray(resized)).permute(2, 0, 1).float() / 255


def decode_photo(source: str | os.PathLike | bytes) -> np.ndarray:
    """A photo from a file path or from the bytes of an uploaded file, as uint8 ``(H, W, 3)``
    RGB at its own size. PNG, JPEG, BMP, WebP and TIFF of any size are read; grey photos
    become three equal channels, an alpha channel is dropped, 16-bit images are scaled to
    8 bits. Raises ``FileNotFoundError`` (no such file) or ``ValueError`` (not an image, an
    empty file) naming what was given."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw, name = bytes(source), "the uploaded file"
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"no image file at {path}: give the path of a PNG or JPEG photo")
        raw, name = path.read_bytes(), str(path)
    if not raw:
        raise ValueError(f"{name} is empty: give a PNG or JPEG photo")
    decoded = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None:
        raise ValueError(f"{name} is not an image OpenCV can read: use a PNG, JPEG, BMP, WebP or "
                         "TIFF file")
    return cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB)


def read_image(source: str | os.PathLike | bytes, size: int, fit: str = "centre",
               box: tuple[int, int, int] | None = None) -> Tensor:
    """:func:`decode_photo` then :func:`fit_image`: a photo file (or uploaded bytes) of any
    size as a float tensor ``(3, size, size)`` in [0, 1]."""
    return fit_image(decode_photo(source), size, fit, box)


def png_bytes(image: Tensor | np.ndarray, zoom: int = 1) -> bytes:
    """PNG bytes of a ``(3, H, W)`` float image in [0, 1] (or a ``(H, W)`` 0/1 mask),
    enlarged ``zoom`` times with nearest-neighbour so single pixels stay visible."""
    if isinstance(image, Tensor):
        arr = image.detach().float().clamp(0, 1).permute(1, 2, 0).cpu().numpy()
        arr = cv2.cvtColor((arr * 255).round().astype(np.uint8), cv2.COLOR_RGB2BGR)
    else:
        arr = (np.asarray(image) > 0).astype(np.uint8) * 255
    if zoom > 1:
        arr = cv2.resize(arr, None, fx=zoom, fy=zoom, interpolation=cv2.INTER_NEAREST)
    ok, buf = cv2.imencode(".png", arr)
    if not ok:
        raise RuntimeError("OpenCV could not encode the image as PNG")
    return buf.tobytes()
