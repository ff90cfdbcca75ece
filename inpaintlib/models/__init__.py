"""The course's inpainting architectures, built by name::

    from inpaintlib.models import build
    model = build("wavemix", preset="quick")          # or build("wavemix", dim=96, blocks=7)
    pred = model(masked, mask)                        # (N,3,H,W), (N,1,H,W) 1 = hole

:data:`MODELS` below is the whole catalogue: each name beside its class, its presets and
the constructor arguments that make the variant (``unet`` and ``convmixer_unet`` are one
class, with and without the ConvMixer branch). To add a model: write its class in a file
named after it (a subclass of :class:`~.base.InpaintingModel`), give it a ``paper``
preset, and add one line here.

| name | class (file) | what |
|---|---|---|
| ``wavemix`` | ``WaveMixInpainting`` (wavemix.py) | paper 1 (Figure 1); presets ``t2-1``.., ``t3-1``.. |
| ``cnn`` | ``UNetCNN`` (cnn.py) | paper 1's custom CNN baseline, 5 down + 5 up (12.4M) |
| ``lama`` | ``LamaFourier`` (lama.py) | LaMa's FFC generator, lama-fourier (27,048,835) |
| ``unet`` | ``UNet`` (unet.py) | paper 2's U-Net (741,763 with additive skips) |
| ``convmixer_unet`` | ``UNet`` (unet.py) | paper 2's U-Net + ConvMixer at the bottleneck (892,547) |
| ``telea``, ``navier_stokes`` | ``ClassicalInpainting`` (classical.py) | OpenCV's classical inpainting |
| ``mean_fill`` | ``MeanColourFill`` (classical.py) | each hole filled with the image's mean known colour |
| ``push_pull`` | ``PushPullFill`` (classical.py) | a pyramid average of each hole's surroundings (fill.py) |

The contract every model follows is in :mod:`.base`. ``build(name)`` without a preset
gives the paper's configuration; ``preset=`` picks a named one (``PRESETS[name]``) and
keyword arguments override single settings. Every model also takes ``fill`` ("zeros", the
papers' default, or "push_pull"): how the holes are presented to it (:mod:`.fill`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

from torch import nn

from .base import InpaintingModel, check_inputs, composite
from .classical import BiharmonicFill, ClassicalInpainting, MeanColourFill, PushPullFill
from .cnn import CNN_PRESETS, UNetCNN
from .fill import FILLS
from .lama import LAMA_MODEL_PRESETS, LamaFourier
from .unet import UNET_PRESETS, UNet
from .wavemix import WAVEMIX_PRESETS, WaveMixInpainting


@dataclass(frozen=True)
class ModelEntry:
    """One row of the catalogue: the class, its named settings, and the constructor
    arguments fixed by the name (not overridable)."""

    cls: type[InpaintingModel]
    presets: dict[str, dict]
    fixed: dict = field(default_factory=dict)


NO_PRESETS: dict[str, dict] = {"paper": {}}

#: name -> class, presets, fixed arguments.
MODELS: dict[str, ModelEntry] = {
    "wavemix":        ModelEntry(WaveMixInpainting, WAVEMIX_PRESETS),
    "cnn":            ModelEntry(UNetCNN, CNN_PRESETS),
    "lama":           ModelEntry(LamaFourier, LAMA_MODEL_PRESETS),
    "unet":           ModelEntry(UNet, UNET_PRESETS, {"fused": False}),
    "convmixer_unet": ModelEntry(UNet, UNET_PRESETS, {"fused": True}),
    "telea":          ModelEntry(ClassicalInpainting, NO_PRESETS, {"method": "telea"}),
    "navier_stokes":  ModelEntry(ClassicalInpainting, NO_PRESETS, {"method": "navier_stokes"}),
    "mean_fill":      ModelEntry(MeanColourFill, NO_PRESETS),
    "push_pull":      ModelEntry(PushPullFill, NO_PRESETS),
    "biharmonic":     ModelEntry(BiharmonicFill, NO_PRESETS),
}
#: The models without weights (nothing to train): the classical baselines.
CLASSICAL = ("telea", "navier_stokes", "mean_fill", "push_pull", "biharmonic")
#: Settings every model takes besides its class's own (handled by :func:`build`).
COMMON_SETTINGS = ("fill",)

#: name -> {preset name -> settings}
PRESETS: dict[str, dict[str, dict]] = {name: entry.presets for name, entry in MODELS.items()}


def is_classical(model: str | nn.Module) -> bool:
    """Whether ``model`` (a name of :func:`names`, or a built model) is a classical fill: no
    weights, nothing to train (:data:`CLASSICAL`). The one answer the trainer, the benchmarks,
    the studio and the command line use."""
    if isinstance(model, str):
        return model in CLASSICAL
    return next(model.parameters(), None) is None


def names() -> list[str]:
    """The model names ``build`` accepts."""
    return list(MODELS)


def settings_of(name: str) -> list[str]:
    """The keyword arguments ``build(name, ...)`` accepts (the class's, minus the fixed ones)."""
    entry = MODELS[name]
    params = inspect.signature(entry.cls.__init__).parameters
    return [p for p in params if p != "self" and p not in entry.fixed] + list(COMMON_SETTINGS)


def check_setting_types(name: str, settings: dict) -> None:
    """``ValueError`` naming the setting whose value has another type than the paper
    preset's (or the constructor's default): ``build("wavemix", dim="32")`` says that
    ``dim`` must be a whole number instead of failing inside the model."""
    entry = MODELS[name]
    params = inspect.signature(entry.cls.__init__).parameters
    for key, value in settings.items():
        example = entry.presets.get("paper", {}).get(key, params[key].default if key in params else None)
        if example is None or example is inspect.Parameter.empty:
            continue
        if isinstance(example, bool) or isinstance(example, str):
            ok = type(value) is type(example)
        elif isinstance(example, (int, float)):
            numbers = (int,) if isinstance(example, int) else (int, float)
            ok = isinstance(value, numbers) and not isinstance(value, bool)
        elif isinstance(example, (list, tuple)):
            ok = isinstance(value, (list, tuple))
        else:
            continue
        if not ok:
            kind = {bool: "True or False", str: "a string", int: "a whole number", float: "a number",
                    list: "a list", tuple: "a list"}[type(example)]
            raise ValueError(f"model {name!r}: setting {key} must be {kind} (like {example!r}), "
                             f"got {value!r} ({type(value).__name__})")


def build(name: str, preset: str | None = None, **cfg) -> InpaintingModel:
    """Build model ``name`` from ``preset`` (None = the paper's configuration), with
    ``cfg`` overriding single settings. The result records how it was built in
    ``model.spec`` (``{"name", "preset", **settings}``), enough to rebuild it.

    Unknown settings are a ``ValueError`` listing the accepted ones; errors raised inside
    the constructor (a bad value) reach you unchanged."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {names()}")
    entry = MODELS[name]
    if preset is not None and preset not in entry.presets:
        raise ValueError(f"model {name!r} has no preset {preset!r}; presets: {sorted(entry.presets)}")
    settings = {**(entry.presets[preset] if preset else {}), **cfg}
    unknown = sorted(set(settings) - set(settings_of(name)))
    if unknown:
        raise ValueError(f"model {name!r} has no setting(s) {unknown}; it takes {settings_of(name)}")
    check_setting_types(name, settings)
    fill = settings.pop("fill", "zeros")
    if fill not in FILLS:
        raise ValueError(f"fill must be one of {list(FILLS)}, got {fill!r}")
    model = entry.cls(**entry.fixed, **settings)
    model.fill = fill
    model.spec = {"name": name, "preset": preset, **settings, **({"fill": fill} if fill != "zeros" else {})}
    return model


__all__ = ["CLASSICAL", "InpaintingModel", "MODELS", "ModelEntry", "PRESETS", "build", "check_inputs",
           "is_classical",
           "check_setting_types", "composite", "names",
           "settings_of", "BiharmonicFill", "ClassicalInpainting",
           "FILLS", "LamaFourier", "MeanColourFill", "PushPullFill",
           "UNet", "UNetCNN",
           "WaveMixInpainting"]
