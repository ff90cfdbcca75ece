"""The course's inpainting architectures, one file each, built by name::

    from inpaintlib.models import build
    model = build("wavemix", preset="quick")          # or build("wavemix", dim=96, blocks=7)
    pred = model(masked, mask)                        # (N,3,H,W), (N,1,H,W) 1 = hole

| name | file | what |
|---|---|---|
| ``wavemix`` | :mod:`.wavemix` | WaveMix inpainting (paper 1, Figure 1); presets ``paper``, ``t2-1``.., ``t3-1``.. |
| ``cnn`` | :mod:`.unet_cnn` | paper 1's custom CNN baseline, 5 down + 5 up (12.4M) |
| ``lama`` | :mod:`.lama` | LaMa's FFC generator, lama-fourier (27,048,835) |
| ``unet`` | :mod:`.convmixer_unet` | paper 2's U-Net (741,763 with additive skips) |
| ``convmixer_unet`` | :mod:`.convmixer_unet` | paper 2's U-Net + ConvMixer at the bottleneck (892,547) |
| ``telea``, ``navier_stokes`` | :mod:`.classical` | OpenCV's classical inpainting, 0 parameters |
| ``mean_fill`` | :mod:`.classical` | each hole filled with the image's mean known colour, 0 parameters |

The contract every model follows is in :mod:`.base`. ``build(name)`` without a preset
gives the paper's configuration; ``preset=`` picks a named one (``PRESETS[name]``) and
keyword arguments override single settings.
"""

from __future__ import annotations

from collections.abc import Callable

from .base import InpaintingModel, check_inputs, composite
from .classical import ClassicalInpainting, MeanColourFill
from .convmixer_unet import UNet
from .lama import LAMA_PRESETS, LamaFourier
from .unet_cnn import CNN_PRESETS, UNetCNN
from .wavemix import WAVEMIX_PRESETS, WaveMixInpainting

_UNET_PRESETS = {"paper": {}, "concat": dict(skip="concat", fusion="concat")}

#: name -> (constructor, presets); ``build(name)`` calls the constructor with its defaults.
MODELS: dict[str, tuple[Callable[..., InpaintingModel], dict[str, dict]]] = {
    "wavemix": (WaveMixInpainting, WAVEMIX_PRESETS),
    "cnn": (UNetCNN, CNN_PRESETS),
    "lama": (LamaFourier, LAMA_PRESETS),
    "unet": (lambda **cfg: UNet(fused=False, **cfg), _UNET_PRESETS),
    "convmixer_unet": (lambda **cfg: UNet(fused=True, **cfg), _UNET_PRESETS),
    "telea": (lambda **cfg: ClassicalInpainting("telea", **cfg), {"paper": {}}),
    "navier_stokes": (lambda **cfg: ClassicalInpainting("navier_stokes", **cfg), {"paper": {}}),
    "mean_fill": (MeanColourFill, {"paper": {}}),
}

#: name -> {preset name -> settings}
PRESETS: dict[str, dict[str, dict]] = {name: presets for name, (_, presets) in MODELS.items()}


def names() -> list[str]:
    """The model names ``build`` accepts."""
    return list(MODELS)


def build(name: str, preset: str | None = None, **cfg) -> InpaintingModel:
    """Build model ``name`` from ``preset`` (None = the paper's configuration), with
    ``cfg`` overriding single settings. The result records how it was built in
    ``model.spec`` (``{"name", "preset", **settings}``), enough to rebuild it."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {names()}")
    factory, presets = MODELS[name]
    if preset is not None and preset not in presets:
        raise ValueError(f"model {name!r} has no preset {preset!r}; presets: {sorted(presets)}")
    settings = {**(presets[preset] if preset else {}), **cfg}
    try:
        model = factory(**settings)
    except TypeError as err:
        raise TypeError(f"bad settings for model {name!r}: {err}") from None
    model.spec = {"name": name, "preset": preset, **settings}
    return model


__all__ = ["InpaintingModel", "MODELS", "PRESETS", "build", "check_inputs", "composite", "names",
           "ClassicalInpainting", "LamaFourier", "MeanColourFill", "UNet", "UNetCNN", "WaveMixInpainting"]
