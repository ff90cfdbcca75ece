"""The assignments and their questions: the otter-grader sources in ``notebooks/assignments/``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..paths import NOTEBOOKS_DIR

#: Where the assignment sources live.
ASSIGNMENTS_DIR = NOTEBOOKS_DIR / "assignments"


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
