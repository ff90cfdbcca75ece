"""Where the course keeps things: data, figures and run outputs.

Every location can be moved with an environment variable, so that tests, CI and
read-only checkouts can redirect writes:

=================  =====================  ==========================================
function           environment variable   default
=================  =====================  ==========================================
``data_root()``    ``INPAINT_DATA``       ``<repo>/data``
``figures_dir()``  ``INPAINT_FIGURES``    ``<repo>/figures``
``runs_dir()``     ``INPAINT_RUNS``       ``<repo>/runs``
=================  =====================  ==========================================
"""

from __future__ import annotations

import os
from pathlib import Path

#: The repository checkout this package lives in (the package is installed editable).
REPO_ROOT = Path(__file__).resolve().parents[1]
#: The numbered course notebooks and their parameter profiles.
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"


#: The variable that moves :func:`figures_dir` (``make run`` points it into ``runs/``).
FIGURES_VAR = "INPAINT_FIGURES"


def _from_env(var: str, default: Path) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else default


def data_root(root: str | os.PathLike | None = None) -> Path:
    """The dataset folder: ``root`` if given, else ``$INPAINT_DATA``, else ``<repo>/data``."""
    if root is not None:
        return Path(root).expanduser().resolve()
    return _from_env("INPAINT_DATA", REPO_ROOT / "data")


def figures_dir() -> Path:
    """Folder that :func:`inpaintlib.viz.save_figure` writes PNGs to."""
    return _from_env(FIGURES_VAR, REPO_ROOT / "figures")


def runs_dir() -> Path:
    """Folder for executed notebooks, checkpoints and logs (git-ignored)."""
    return _from_env("INPAINT_RUNS", REPO_ROOT / "runs")


def run_dir(kind: str, *names: str) -> Path:
    """The folder of one training run, the single owner of the run-folder layout:
    ``<runs>/<kind>/<names...>``. ``kind`` is ``checkpoints`` for trainer runs
    (``run_dir("checkpoints", "course", "wavemix")``), ``ablations`` for the rows of
    notebook 09, ``recipe`` for the probe of notebook 07, ``eval`` for
    ``python -m inpaintlib evaluate``."""
    if kind not in RUN_KINDS:
        raise ValueError(f"unknown kind of run {kind!r}; choose one of {list(RUN_KINDS)}")
    for name in names:
        if not isinstance(name, str) or not name or "/" in name or name in (".", ".."):
            raise ValueError(f"a run-folder name must be one non-empty path component, got {name!r}")
    return runs_dir().joinpath(kind, *names)


#: The kinds of run folder under ``runs/`` (:func:`run_dir`).
RUN_KINDS = ("checkpoints", "ablations", "recipe", "eval")

# The files of a trainer's run folder, named here only (the trainer writes them, the
# checkpoint readers, the references, the studio and the command line find them by these names).
#: the checkpoint after the latest epoch (what ``--resume`` continues from)
LAST_CHECKPOINT = "last.pt"
#: the checkpoint of the epoch with the best validation SSIM
BEST_CHECKPOINT = "best.pt"
#: the run's :class:`~inpaintlib.train.TrainConfig` as JSON
RUN_CONFIG = "config.json"
#: one row per epoch: losses, validation metrics, speed
RUN_HISTORY = "history.csv"
#: The group of ``runs/checkpoints/`` for runs that no profile names (``TrainConfig(...)`` or
#: ``train`` without ``--profile``): ``runs/checkpoints/adhoc/<model>-<preset>``, never a
#: profile's folder (a profile's runs live in ``runs/checkpoints/<profile>/``).
ADHOC_GROUP = "adhoc"

#: Folders under ``runs/`` that commands write by default (:func:`output_dir`).
OUTPUTS = ("assignments", "site", "student-release", "onnx")


def output_dir(name: str) -> Path:
    """The default folder of a command's output: ``<runs>/<name>`` for ``name`` in
    :data:`OUTPUTS` (``assignments``: the built coursework, ``site``: the course website,
    ``student-release``: what students receive, ``onnx``: the ONNX exports)."""
    if name not in OUTPUTS:
        raise ValueError(f"unknown output {name!r}; choose one of {list(OUTPUTS)}")
    return runs_dir() / name


def trained_runs(runs: str | os.PathLike | None = None) -> list[Path]:
    """Every trainer run folder ``<runs>/checkpoints/<group>/<name>`` that holds a
    :data:`BEST_CHECKPOINT`, sorted (``runs``: default :func:`runs_dir`)."""
    folder = Path(runs) if runs is not None else runs_dir()
    return sorted(p.parent for p in (folder / "checkpoints").glob(f"*/*/{BEST_CHECKPOINT}"))


def display_path(path: str | os.PathLike) -> str:
    """``path`` relative to the repository when it lies inside it (``runs/checkpoints/...``),
    otherwise as given: for messages and notebook outputs that should not show where one
    user's checkout happens to live."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)
