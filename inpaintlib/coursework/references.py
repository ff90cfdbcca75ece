"""The library's answers to the questions whose functions a later question calls, under the
names and signatures the notebooks give them. :func:`~.checks.graded` runs a later question's
function with these in place of the student's (the rule is
:data:`~.assignments.REFERENCE_HELPERS`), so that question is graded on its own code.

The library is imported inside each function: importing the coursework does not load torch."""

from __future__ import annotations


def haar_level(x):
    """A1 Question 1: one Haar level, ``(ll, bands)`` with bands (N, C, 3, H/2, W/2)."""
    from ..wavelets import haar_dwt
    ll, yh = haar_dwt(x)
    return ll, yh[0]


def strokes_mask(size, rng, max_len, max_width, min_times, max_times, max_angle=4):
    """A2 Question 1: LaMa's strokes, drawn by :func:`inpaintlib.masks.lama_mask`."""
    from .. import masks
    strokes = masks.Strokes(max_len, max_width, min_times, max_times, max_angle)
    return masks.lama_mask(masks.LamaPreset(strokes, None), size, rng)


def boxes_mask(size, rng, min_side, max_side, margin, min_times, max_times):
    """A2 Question 2: LaMa's rectangles (a preset that always draws rectangles)."""
    from .. import masks
    boxes = masks.Boxes(min_side, max_side, margin, min_times, max_times)
    return masks.lama_mask(masks.LamaPreset(masks.Strokes(1, 1, 0, 0), boxes, 0.0, 1.0), size, rng)


def gaussian_ssim_map(pred, target):
    """A3 Question 1: the SSIM map."""
    from ..metrics import ssim_map
    return ssim_map(pred, target)


def my_train_step(model, optimizer, loss_fn, masked, mask, target, amp_dtype, scaler):
    """A4 Question 2: one training step, the trainer's."""
    from ..train import train_step
    return train_step(model, optimizer, loss_fn, masked, mask, target, amp_dtype, scaler)


def optimizer_for(epoch, epochs, sgd_epochs):
    """A4 Question 1: ``"adamw"`` or ``"sgd"`` for ``epoch``, as the trainer decides."""
    from ..train import TrainConfig
    return TrainConfig(epochs=epochs, sgd_epochs=sgd_epochs).optimizer_for(epoch)


def make_optimizer(name, params):
    """A4 Question 1: a fresh AdamW (``"adamw"``) or SGD with the trainer's settings."""
    import torch

    from ..train import TrainConfig
    cfg = TrainConfig()
    if name == "adamw":
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum)


def fourier_unit(x, weights):
    """A5 Question 1: LaMa's Fourier unit (eval mode) with ``weights``."""
    from ..models.lama import FourierUnit
    unit = FourierUnit(x.shape[1]).eval()
    unit.load_state_dict(weights)
    return unit(x)


def spectral_transform(x, weights):
    """A5 Question 2: LaMa's spectral transform (eval mode) with ``weights``."""
    from ..models.lama import SpectralTransform
    transform = SpectralTransform(x.shape[1], weights["expand.weight"].shape[0]).eval()
    transform.load_state_dict(weights)
    return transform(x)
