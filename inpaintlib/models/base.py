"""The contract every inpainting model of the course follows.

All models are called the same way::

    pred = model(masked, mask)
    masked: (N, 3, H, W) float in [0, 1], the image with its holes (hole pixels are ignored)
    mask:   (N, 1, H, W) 1 = hole (to fill), 0 = known; float, bool or integer, binary
    pred:   (N, 3, H, W), equal to ``masked`` wherever ``mask == 0``, bit for bit

:class:`InpaintingModel` checks the inputs (shape, channel counts, binary mask, the size
multiple the architecture needs, finite known pixels in [0, 1]), replaces the hole pixels of
``masked`` (zeros, or a push-pull pre-fill when the model was built with
``fill="push_pull"``: :mod:`.fill`) so no model can see the ground truth through them, calls
the subclass's :meth:`InpaintingModel.predict`, and composites the prediction into the holes.

The dtype rule: a model with weights takes images of its weights' dtype (float32 unless
you converted it with ``.double()`` / ``.half()``); anything else is a ``TypeError`` that
says which conversion to apply, never a silent cast. Mixed precision is the exception
that is not one: under ``torch.autocast`` the images stay float32 (like the weights) and
autocast casts inside the layers. Models without weights (Telea, Navier-Stokes, the mean
fill) take any float dtype. Integer images (uint8 0-255) are always refused: divide by 255.
N = 0 is a valid batch and returns an empty one.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from .fill import present


def check_inputs(masked: Tensor, mask: Tensor, multiple: int = 1, model: str = "model",
                 min_size: int = 1) -> None:
    """Raise a ``ValueError`` that says what was expected when the inputs break the contract.

    ``multiple``: H and W must be divisible by it (the product of the model's strides);
    ``min_size``: the smallest H and W the model takes.
    """
    if not isinstance(masked, Tensor) or not isinstance(mask, Tensor):
        raise TypeError(f"{model} expects tensors (masked, mask), got "
                        f"({type(masked).__name__}, {type(mask).__name__})")
    if masked.ndim != 4 or masked.shape[1] != 3:
        raise ValueError(f"{model} expects the masked image as (N, 3, H, W), got "
                         f"{tuple(masked.shape)}" + (" (channels last? use .permute(0, 3, 1, 2))"
                                                     if masked.ndim == 4 and masked.shape[-1] == 3 else ""))
    if not masked.is_floating_point():
        raise TypeError(f"{model} expects a float image in [0, 1], got {masked.dtype} "
                        "(for uint8 images divide by 255)")
    if mask.ndim != 4 or mask.shape[1] != 1:
        raise ValueError(f"{model} expects the mask as (N, 1, H, W), got {tuple(mask.shape)}")
    if mask.device != masked.device:
        raise ValueError(f"{model}: mask is on {mask.device}, image on {masked.device}; move both "
                         "to the model's device")
    if masked.device.type == "meta":
        raise ValueError(f"{model}: the tensors are on the meta device (shapes without values); create "
                         "them on the model's device (cpu, cuda or mps), e.g. torch.rand(..., device='cpu')")
    if mask.shape[0] != masked.shape[0] or mask.shape[-2:] != masked.shape[-2:]:
        raise ValueError(f"{model}: mask {tuple(mask.shape)} does not match image "
                         f"{tuple(masked.shape)} (same N, H, W expected)")
    if mask.dtype != torch.bool and not bool(((mask == 0) | (mask == 1)).all()):
        raise ValueError(f"{model} expects a binary mask (1 = hole, 0 = known); got values "
                         f"in [{mask.min().item():.3g}, {mask.max().item():.3g}]: threshold it, "
                         "e.g. (mask > 0.5).float()")
    check_known_pixels(masked, mask, model)
    h, w = masked.shape[-2:]
    if h < min_size or w < min_size:
        raise ValueError(f"{model} needs H and W of at least {min_size}, got {h}x{w}")
    if h % multiple or w % multiple:
        raise ValueError(f"{model} needs H and W divisible by {multiple}, got {h}x{w}; crop or "
                         f"pad to e.g. {h - h % multiple or multiple}x{w - w % multiple or multiple}")


def check_known_pixels(masked: Tensor, mask: Tensor, model: str = "model") -> None:
    """Raise a ``ValueError`` unless every known pixel (``mask == 0``) of ``masked`` is a
    finite value in [0, 1]; hole pixels may hold anything (they are zeroed before use)."""
    known = masked[~mask.bool().expand_as(masked)]
    if known.numel() == 0:
        return
    if not bool(torch.isfinite(known).all()):
        raise ValueError(f"{model}: the known pixels contain NaN or infinite values, which would "
                         "spread into the holes; fix the image (or mark those pixels as holes)")
    low, high = known.min().item(), known.max().item()
    if high > 1:
        hint = ("values 0-255? divide by 255" if high > 2 else
                "divide by 255 if the image is 0-255, or .clamp(0, 1) if resizing overshot")
        raise ValueError(f"{model} expects image values in [0, 1], known pixels reach {high:.4g} "
                         f"({hint})")
    if low < 0:
        raise ValueError(f"{model} expects image values in [0, 1], known pixels reach {low:.4g} "
                         "(normalised with a mean and std? undo it: x * std + mean)")


def composite(pred: Tensor, masked: Tensor, mask: Tensor) -> Tensor:
    """``pred`` inside the holes, ``masked`` outside: (N, 3, H, W); known pixels are exact."""
    return torch.where(mask.bool(), pred, masked)


class InpaintingModel(nn.Module):
    """Base class: subclasses set ``size_multiple`` and implement :meth:`predict`."""

    #: H and W must be divisible by this
    size_multiple: int = 1
    #: and at least this large (None: ``size_multiple``)
    min_size: int | None = None
    #: how the holes are presented to :meth:`predict` (:data:`.fill.FILLS`); set by
    #: ``build(..., fill=...)``
    fill: str = "zeros"
    #: how :func:`~inpaintlib.models.build` made the model (``{"name", "preset", **settings}``),
    #: what a checkpoint needs to rebuild it; None for a model made from its class directly,
    #: which can run but not be saved (:func:`inpaintlib.train.checkpoint.model_state` says so)
    spec: dict | None = None

    def finish(self, raw: Tensor, masked: Tensor) -> Tensor:
        """The output of a network whose last layer gives raw values ``raw`` (N, 3, H, W):
        with zero-filled holes (the papers), an image through a sigmoid; with a pre-filled hole
        (:mod:`.fill`), a *correction* added to the presented image ``masked``, so the network
        refines the pre-fill and starts from it (clamped to [0, 1] in eval mode only, so every
        hole pixel keeps a gradient in training)."""
        if self.fill == "zeros":
            return torch.sigmoid(raw)
        refined = masked + raw
        return refined if self.training else refined.clamp(0.0, 1.0)

    def output_layers(self) -> list[nn.Module]:
        """The layers that give the raw output (their weights and bias make the correction)."""
        raise NotImplementedError(f"{type(self).__name__} does not name its output layers")

    def start_at_prefill(self) -> InpaintingModel:
        """Zero the output layers, so the untrained network returns its pre-fill exactly
        (a correction of 0) and training can only add to it; returns ``self``. Only for a
        model that refines a pre-fill (``fill != "zeros"``)."""
        if self.fill == "zeros":
            raise ValueError("start_at_prefill needs a model that refines a pre-fill; build it with "
                             "fill='push_pull'")
        with torch.no_grad():
            for layer in self.output_layers():
                for p in layer.parameters(recurse=False):
                    p.zero_()
        return self

    def predict(self, masked: Tensor, mask: Tensor) -> Tensor:
        """The raw prediction (N, 3, H, W) from ``masked`` with its holes zeroed (or
        pre-filled, see :attr:`fill`) and a float ``mask`` (N, 1, H, W) of the same dtype."""
        raise NotImplementedError

    def forward(self, masked: Tensor, mask: Tensor) -> Tensor:
        name = type(self).__name__
        check_inputs(masked, mask, self.size_multiple, name, self.min_size or self.size_multiple)
        weights = next(self.parameters(), None)
        if weights is not None and masked.dtype != weights.dtype:
            convert = "masked.float()" if weights.dtype == torch.float32 else f"masked.to({weights.dtype})"
            raise TypeError(f"{name} has {weights.dtype} weights and takes {weights.dtype} images, "
                            f"got {masked.dtype}: use {convert}; "
                            "for mixed precision keep float32 images and use torch.autocast")
        if masked.shape[0] == 0:           # an empty batch: nothing to fill
            return masked.clone()
        hole = mask.bool()
        masked = present(masked, hole, self.fill)
        pred = self.predict(masked, hole.to(masked.dtype))
        return composite(pred, masked, hole)  # under autocast: promoted to masked's dtype
