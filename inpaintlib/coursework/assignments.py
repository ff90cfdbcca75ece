"""The assignments and their questions: the otter-grader sources in ``notebooks/assignments/``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..paths import NOTEBOOKS_DIR

#: Where the assignment sources live.
ASSIGNMENTS_DIR = NOTEBOOKS_DIR / "assignments"

#: The one rule for a later question that calls the function of an earlier one: per assignment,
#: each graded function that does so -> the notebook functions it calls. Its tests run it with the
#: library's version of each (:mod:`.references`, through :func:`~.checks.graded`), so it is graded
#: on its own code and one wrong answer costs points once. The question's prose says so
#: ("... in place of yours"); ``tests/test_assignment_tests.py`` holds the two to each other.
REFERENCE_HELPERS: dict[str, dict[str, tuple[str, ...]]] = {
    "A1_haar_dwt": {"haar_pyramid": ("haar_level",), "wavemix_block": ("haar_level",)},
    "A2_lama_masks": {"lama_style_mask": ("strokes_mask", "boxes_mask")},
    "A3_loss_and_metrics": {"inpainting_loss": ("gaussian_ssim_map",),
                            "hole_ssim": ("gaussian_ssim_map",)},
    "A4_training_step": {"fit": ("my_train_step", "optimizer_for", "make_optimizer")},
    "A5_fourier_convolution": {"spectral_transform": ("fourier_unit",), "ffc": ("spectral_transform",)},
}


def reference_helpers(function: str) -> tuple[str, ...]:
    """The notebook functions that the graded function ``function`` is run with the library's
    versions of (:data:`REFERENCE_HELPERS`); ``()`` for a function graded as it is. A graded
    function's name belongs to one assignment only."""
    found = {helpers for graded in REFERENCE_HELPERS.values() for name, helpers in graded.items()
             if name == function}
    if len(found) > 1:
        raise ValueError(f"{function!r} has two rules, helpers {sorted(found)}: rename one")
    return found.pop() if found else ()


def names(folder: str | os.PathLike | None = None) -> list[str]:
    """The assignment names, e.g. ``["A1_haar_dwt", ...]``: the ``A<k>_*.ipynb`` sources in
    ``folder`` (default :data:`ASSIGNMENTS_DIR`), in order."""
    folder = Path(folder or ASSIGNMENTS_DIR)
    return sorted((p.stem for p in folder.glob("A*_*.ipynb")), key=lambda s: int(s[1:].split("_")[0]))


def resolve(selection: Iterable[str] | None = None, folder: str | os.PathLike | None = None) -> list[str]:
    """Full names for ``selection`` (``"A1"`` or ``"A1_haar_dwt"``; None or empty: all). An
    unknown entry raises ``ValueError`` listing the choices."""
    known = names(folder)
    if not selection:
        return known
    chosen: list[str] = []
    for entry in selection:
        match = [n for n in known if n == entry or n.split("_")[0] == entry]
        if not match:
            raise ValueError(f"unknown assignment {entry!r}; choose from {known} (or their short names "
                             f"{[n.split('_')[0] for n in known]})")
        chosen += [n for n in match if n not in chosen]
    return chosen


@dataclass(frozen=True)
class Question:
    """One question of an assignment source: otter's name, its points, and whether it is
    graded by hand (``manual``) rather than by tests."""

    assignment: str
    name: str
    points: float
    manual: bool


def questions(name: str, folder: str | os.PathLike | None = None) -> list[Question]:
    """The questions of assignment ``name`` in order, read from the ``# BEGIN QUESTION``
    cells of its source notebook."""
    import nbformat
    import yaml
    path = Path(folder or ASSIGNMENTS_DIR) / f"{resolve([name], folder)[0]}.ipynb"
    nb = nbformat.read(path, as_version=4)
    out = []
    for cell in nb.cells:
        lines = cell.source.splitlines()
        if cell.cell_type == "raw" and lines and lines[0].strip().upper() == "# BEGIN QUESTION":
            config = yaml.safe_load("\n".join(lines[1:])) or {}
            out.append(Question(path.stem, config["name"], float(config.get("points", 1)),
                                bool(config.get("manual", False))))
    return out
