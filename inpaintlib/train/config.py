"""What a training run is: :class:`TrainConfig`, the course's profiles and run names.

    cfg = profile_config("wavemix", "course", seed=1)    # runs/checkpoints/course/wavemix-seed=1
    cfg = TrainConfig(model="cnn", preset="tiny", epochs=2)

Every field carries its default, its one-line documentation, its type and its limits
(``min``, ``choices``) in the dataclass metadata. That metadata is the single source of
the checks in :meth:`TrainConfig.__post_init__` and of the command line's flags
(``python -m inpaintlib train --help``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

from ..data import AUGMENTS
from ..losses import LOSSES
from ..masks import EVAL_SET_SIZE, MaskSampler
from ..paths import ADHOC_GROUP, run_dir

#: Where the training images come from (``TrainConfig.source``).
SOURCES = ("crops", "stream")

#: Config fields that may differ between a run and its resumption (they do not change
#: what is trained, so they do not enter a run's name either).
RESUMABLE_CHANGES = ("device", "workers", "progress", "out")


def setting(default, doc: str, kind: type | None = None, **limits):
    """A :class:`TrainConfig` field: its default, documentation, value type (``kind``;
    the default's type unless given) and ``limits`` (``min``, ``choices``)."""
    kind = kind or type(default)
    metadata = {"doc": doc, "kind": kind, **limits}
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def check_setting(f: dataclasses.Field, value) -> None:
    """Raise ``ValueError`` naming field ``f`` if ``value`` has the wrong type or breaks
    its limits (None is allowed where the annotation says ``| None``)."""
    kind, nullable = f.metadata["kind"], "None" in str(f.type)
    if value is None and nullable:
        return
    accepted = (int, float) if kind is float else kind          # 1 is a fine learning rate
    wrong_type = not isinstance(value, accepted) or (isinstance(value, bool) and kind is not bool)
    if wrong_type:
        raise ValueError(f"{f.name} must be {kind.__name__}"
                         f"{' or None' if nullable else ''}, got {value!r} ({type(value).__name__})")
    if "min" in f.metadata and value < f.metadata["min"]:
        raise ValueError(f"{f.name} must be >= {f.metadata['min']}"
                         f"{' (or None)' if nullable else ''}, got {value!r}")
    if "choices" in f.metadata and value not in f.metadata["choices"]:
        raise ValueError(f"{f.name} must be one of {list(f.metadata['choices'])}, got {value!r}")


@dataclass
class TrainConfig:
    """Everything that defines a training run (saved as ``config.json`` and in checkpoints).

    The defaults are the library's single source: :data:`PROFILES` override some of them by
    name, and the command line (``python -m inpaintlib train``) has one flag per field with
    the same default and the documentation below.
    """

    model: str = setting("wavemix", "model name (inpaintlib.models.names())")
    preset: str | None = setting("quick",
                                 "model preset, e.g. quick, tiny, paper (None: the paper's size)", str)
    model_cfg: dict = setting({}, "settings that override the preset, e.g. {\"dim\": 64} (JSON on the "
                                  "command line)")
    dataset: str = setting("samples", "stl10, cifar10, samples, or auto (the first one installed)")
    size: int = setting(96, "image side in pixels", min=1)
    train_images: int | None = setting(None, "use the first N training images (None: all)", int, min=1)
    val_images: int | None = setting(200, "validation images (None: all)", int, min=1)
    masks: str = setting("train", "training masks, drawn on the fly: a LaMa preset, box<k> or square<a>-<b>")
    val_masks: str = setting("medium", "the fixed validation mask set")
    source: str = setting("crops", "training images: crops (the dataset's training crops, a new order "
                          "every epoch) or stream (fresh augmented crops of the samples training photos and "
                          "synthetic images, cut on the training device every step: inpaintlib.data.stream)",
                          choices=SOURCES)
    synthetic: float = setting(0.0, "stream only: share of each batch that is synthetic dead-leaves images "
                               "(inpaintlib.data.synthetic), 0 to 1", min=0)
    steps_per_epoch: int = setting(250, "stream only: optimizer steps per epoch (validation and checkpoints "
                                   "follow each epoch)", min=1)
    start: str = setting("random", "weights at the start: random, or pre-fill (the output layers zeroed, so "
                         "the untrained network returns its pre-fill: InpaintingModel.start_at_prefill)",
                         choices=("random", "pre-fill"))
    schedule: str = setting("constant", "AdamW learning rate: constant, or cosine (from lr down to 0 over "
                            "the AdamW epochs, step by step, after a linear warm-up over their first 5%)",
                            choices=("constant", "cosine"))
    augment: str = setting("none", "training-image augmentation: none, or colour (random channel order, "
                           "20% grey, 20% inverted; inpaintlib.data.augment)", choices=AUGMENTS)
    epochs: int = setting(100, "epochs (the paper: 100)", min=1)
    sgd_epochs: int | None = setting(None, "final epochs on SGD instead of AdamW (None: half, like "
                                     "the paper's 50 of 100)", int, min=0)
    batch: int = setting(40, "global batch size, split over torchrun processes (the paper: 40)", min=1)
    lr: float = setting(1e-3, "learning rate of both optimizers")
    weight_decay: float = setting(0.01, "AdamW weight decay")
    momentum: float = setting(0.9, "SGD momentum")
    loss: str = setting("ssim_mae", "training loss (a custom Trainer(loss_fn=...) is recorded as 'custom')",
                        choices=(*LOSSES, "custom"))
    amp: str = setting("auto", "autocast: auto (bf16 on CUDA GPUs that have it, fp16 on older GPUs, "
                       "off on CPUs so results do not depend on the CPU), bf16, fp16 (CUDA) or off",
                       choices=("auto", "bf16", "fp16", "off"))
    channels_last: str = setting("auto", "channels-last memory format (auto: on CUDA)",
                                 choices=("auto", "on", "off"))
    seed: int = setting(0, "seed of the weights, the data order and the training masks")
    device: str = setting("auto", "cpu, cuda, cuda:1, mps or auto")
    workers: int = setting(0, "data-loading processes (0: load in the training process)", min=0)
    progress: bool = setting(True, "progress bar and one log line per epoch")
    out: str | None = setting(None, "output folder for checkpoints and history (None: "
                              "runs/checkpoints/adhoc/<model>-<preset or paper>)", str)

    def __post_init__(self):
        for f in dataclasses.fields(self):
            check_setting(f, getattr(self, f.name))
        check_names(self)
        if self.sgd_epochs is None:
            self.sgd_epochs = self.epochs // 2
        if self.sgd_epochs > self.epochs:
            raise ValueError(f"sgd_epochs must be <= epochs, got epochs={self.epochs}, "
                             f"sgd_epochs={self.sgd_epochs}")
        if self.out is None:
            self.out = str(run_dir("checkpoints", ADHOC_GROUP, f"{self.model}-{self.preset or 'paper'}"))
        MaskSampler(self.masks, self.size)  # validates the mask kind and size now
        if self.synthetic > 1:
            raise ValueError(f"synthetic must be a share in [0, 1], got {self.synthetic!r}")
        if self.source == "stream" and self.dataset != "samples":
            raise ValueError(f"source='stream' cuts its crops from the samples training photos; got "
                             f"dataset={self.dataset!r} (use source='crops' for {self.dataset})")
        if self.start == "pre-fill" and self.model_cfg.get("fill", "zeros") == "zeros":
            raise ValueError("start='pre-fill' needs a model that refines a pre-fill: "
                             "model_cfg={'fill': 'push_pull'}")
        if self.source == "crops" and self.synthetic:
            raise ValueError("synthetic images come with source='stream'; set source='stream' or synthetic=0")

    def optimizer_for(self, epoch: int) -> str:
        """``"adamw"`` or ``"sgd"``: which optimizer trains epoch ``epoch`` (from 0)."""
        return "sgd" if epoch >= self.epochs - self.sgd_epochs else "adamw"

    def learning_rate(self, epoch: int, step: int, steps: int) -> float:
        """The learning rate of ``step`` (of ``steps``) in ``epoch``: ``lr``, or on the cosine
        schedule its decay to 0 over the AdamW epochs (SGD epochs keep ``lr``)."""
        adamw_epochs = self.epochs - self.sgd_epochs
        if self.schedule == "constant" or epoch >= adamw_epochs:
            return self.lr
        done = (epoch * steps + step) / (adamw_epochs * steps)
        warm_up = min(1.0, (epoch * steps + step + 1) / (WARM_UP * adamw_epochs * steps))
        return self.lr * warm_up * 0.5 * (1.0 + math.cos(math.pi * done))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


#: Share of the AdamW steps over which the cosine schedule warms up linearly from 0: Adam's
#: first steps move every weight by about ``lr`` whatever its gradient, which would throw a
#: network that starts at its pre-fill (``start="pre-fill"``) far from it.
WARM_UP = 0.05

#: Fields added to :class:`TrainConfig` after runs were saved, with the value that gives the
#: behaviour those runs had: a saved configuration without them meant exactly this.
ADDED_FIELDS = {"source": "crops", "synthetic": 0.0, "steps_per_epoch": 250, "start": "random",
                "schedule": "constant"}


def with_added_fields(config: dict) -> dict:
    """A saved configuration (``config.json``, a checkpoint's) completed with
    :data:`ADDED_FIELDS` it predates, so old runs compare equal to today's settings."""
    return {**ADDED_FIELDS, **config}


def check_names(cfg: TrainConfig) -> None:
    """``ValueError`` unless every name in ``cfg`` exists (model and its preset, dataset, both
    mask kinds, device), so a mistyped run is refused before anything touches the disk."""
    import torch

    from ..data.datasets import NAMES as DATASETS
    from ..models import PRESETS, names
    if cfg.model not in PRESETS:
        raise ValueError(f"unknown model {cfg.model!r}; choose one of {names()}")
    if cfg.preset is not None and cfg.preset not in PRESETS[cfg.model]:
        raise ValueError(f"model {cfg.model!r} has no preset {cfg.preset!r}; presets: "
                         f"{sorted(PRESETS[cfg.model])} (None: the paper's size)")
    if cfg.dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {list(DATASETS)}, got {cfg.dataset!r}")
    MaskSampler(cfg.val_masks, cfg.size)  # the validation set's kind (the training masks' below)
    try:
        torch.device(cfg.device if cfg.device != "auto" else "cpu")
    except (RuntimeError, ValueError):
        raise ValueError(f"device must be cpu, cuda, cuda:<index>, mps or auto, got {cfg.device!r}") from None


def crops_per_epoch(config: dict) -> int:
    """Masked training crops one epoch of ``config`` (a saved configuration, older ones too)
    shows the network: steps x batch on the stream, else the full batches of the training split."""
    config = with_added_fields(config)
    if config["source"] == "stream":
        return config["steps_per_epoch"] * config["batch"]
    from ..data import load_dataset
    n = config["train_images"] or len(load_dataset(config["dataset"], "train", size=config["size"],
                                                   seed=config["seed"]))
    return n // config["batch"] * config["batch"]


def comparable_config(config: dict) -> dict:
    """``config`` without the fields that may change between a run and its resumption."""
    return {k: v for k, v in with_added_fields(config).items() if k not in RESUMABLE_CHANGES}


#: How the course profiles train: the holes are presented pre-filled with the push-pull fill
#: (:mod:`inpaintlib.models.fill`) and the training crops are re-coloured at random
#: (:mod:`inpaintlib.data.augment`), so that the small models learn to continue the colours
#: around a hole instead of painting their training photos' palette into it. Both are the
#: course's additions to the first paper's recipe (notebook 07 shows what each one does);
#: the ``paper`` profile keeps the paper's zero-filled holes and no augmentation.
COURSE_RECIPE = dict(model_cfg={"fill": "push_pull"}, augment="colour")

#: The course's training profiles (notebooks 07 and 08 share them).
#:
#: * ``quick``: small presets, a few hundred offline crops, a minute on a laptop CPU:
#:   enough to watch the loop run, not to learn inpainting;
#: * ``course``: the same small presets trained on 48,000 crops (6 epochs of the 8,000
#:   ``samples`` training crops at batch 16, the last one on SGD): about 15-35 minutes per
#:   model on 2 CPU cores (the holes start from the push-pull fill, so fewer crops are
#:   needed than with zero-filled holes). The reference checkpoints in ``data/pretrained/`` are trained
#:   with it (:mod:`inpaintlib.pretrained`). The paper switches to SGD for the last half;
#:   SGD at lr 1e-3 barely moves a small model, so the course spends only its last epoch
#:   there;
#: * ``paper``: the first paper's settings (STL-10, 100 epochs of which the last 50 on
#:   SGD, batch 40, zero-filled holes, no augmentation), for a GPU;
#: * ``paper-smoke``: the paper's path (STL-10 reader, zero-filled holes, AdamW then SGD)
#:   at the ``tiny`` presets for a few dozen steps, on an STL-10-format stand-in
#:   (:func:`inpaintlib.data.stl10.write_standin`): proves in minutes on a CPU that
#:   ``make run PROFILE=paper`` works end to end, without the GPU or the download.
PROFILES = {
    "quick": dict(preset="quick", dataset="samples", train_images=192, val_images=100,
                  epochs=4, sgd_epochs=2, batch=8, **COURSE_RECIPE),
    "course": dict(preset="quick", dataset="samples", train_images=None, val_images=200,
                   epochs=6, sgd_epochs=1, batch=16, **COURSE_RECIPE),
    "paper": dict(preset=None, dataset="stl10", train_images=None, val_images=EVAL_SET_SIZE,
                  epochs=100, sgd_epochs=50, batch=40, workers=4),
    "paper-smoke": dict(preset="tiny", dataset="stl10", train_images=96, val_images=24,
                        epochs=2, sgd_epochs=1, batch=8),
}

#: Profiles that follow the paper's path: notebooks 08 and 10 evaluate the models that
#: notebook 07 (and 10) trained in the profile, with the course's references as extra rows.
PAPER_PROFILES = ("paper", "paper-smoke")


def profile_config(model: str, profile: str, **overrides) -> TrainConfig:
    """The :class:`TrainConfig` of ``model`` in a course profile; ``overrides`` change
    single fields (``model_cfg`` adds to the profile's model settings). A model without the
    profile's preset gets its paper configuration (as in ``bench``).

    The run is saved under ``runs/checkpoints/<profile>/<run name>`` (:func:`run_name`)
    unless ``out`` is given."""
    from ..models import PRESETS
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {sorted(PROFILES)}")
    known = [f.name for f in dataclasses.fields(TrainConfig) if f.name != "model"]
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(f"unknown training setting(s) {unknown}; choose from {known}")
    settings = {**PROFILES[profile],
                "out": str(run_dir("checkpoints", profile, run_name(model, profile, overrides))),
                **overrides}
    # model settings add to the profile's (a new width keeps the profile's hole fill)
    settings["model_cfg"] = {**PROFILES[profile].get("model_cfg", {}), **overrides.get("model_cfg", {})}
    if settings["preset"] not in PRESETS.get(model, {}):
        settings["preset"] = None
    return TrainConfig(model=model, **settings)


def run_name(model: str, profile: str, overrides: dict) -> str:
    """The model plus every override that changes what is trained (``wavemix``,
    ``wavemix-seed=1``, ``wavemix-loss=mse-masks=thick``), so a run with other settings
    never silently reuses an old one. :data:`RESUMABLE_CHANGES` do not enter the name."""
    base = {**{f.name: f.default for f in dataclasses.fields(TrainConfig)
               if f.default is not dataclasses.MISSING}, **PROFILES[profile]}
    changed = {k: v for k, v in sorted(overrides.items()) if k not in RESUMABLE_CHANGES and base.get(k) != v}
    return "-".join([model, *(f"{k}={_name_part(v)}" for k, v in changed.items())])


def _name_part(value) -> str:
    """A setting as a folder-name fragment: ``{"dim": 96}`` -> ``dim96``."""
    if isinstance(value, dict):
        return "_".join(f"{k}{_name_part(v)}" for k, v in sorted(value.items())) or "none"
    return str(value).replace("/", "_").replace(" ", "")
