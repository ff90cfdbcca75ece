"""Test-only: running an assignment in this Python process, without a kernel and without otter's
cells: the fast path ``tests/test_coursework.py`` uses to grade many deliberately wrong
answers against the real autograder tests."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np

from inpaintlib.coursework.grading import Grades, apply_rules, grades_from


def _is_otter_cell(source: str) -> bool:
    return "import otter" in source or "grader.check" in source or "grader = otter" in source


def _checked_question(source: str) -> str | None:
    """The question a ``grader.check("q")`` cell checks, else None."""
    m = re.search(r"grader\.check\(\s*['\"]([^'\"]+)['\"]", source)
    return m.group(1) if m else None


@contextlib.contextmanager
def _global_state_kept() -> Iterator[None]:
    """Restore what notebook cells and tests run in this process may change globally: torch's
    and OpenCV's thread counts, torch's and numpy's global random state, the working folder."""
    import cv2
    import torch
    threads, cv2_threads, cwd = torch.get_num_threads(), cv2.getNumThreads(), os.getcwd()
    torch_rng, numpy_rng = torch.get_rng_state(), np.random.get_state()
    try:
        yield
    finally:
        torch.set_num_threads(threads)
        cv2.setNumThreads(cv2_threads)
        torch.set_rng_state(torch_rng)
        np.random.set_state(numpy_rng)
        os.chdir(cwd)


def run_cells(notebook: str | os.PathLike, until: str | None = None,
              replace: tuple[str, str] | list[tuple[str, str]] | None = None,
              cwd: str | os.PathLike | None = None) -> tuple[dict, list[str]]:
    """Execute the code cells of ``notebook`` in a fresh namespace of this process, without a
    kernel and without otter's cells; returns ``(namespace, errors)``.

    ``until``: stop after the ``grader.check("<until>")`` cell (the question's cells have
    run). ``replace``: ``(old, new)`` or a list of such pairs: the code with each ``old``, which
    must occur exactly once in the code cells, replaced by its ``new`` (how a test plants a bug
    in a solution), in order. ``cwd``: the working directory while the cells run (default: a
    temporary folder, removed afterwards).
    A cell that raises does not stop the run (as in otter's grading); ``errors`` lists them.
    Printed output is discarded. Cells must be plain Python (no ``%`` magics). Thread counts and
    global random states are restored afterwards.
    """
    import nbformat
    nb = nbformat.read(str(notebook), as_version=4)
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    pairs = [replace] if isinstance(replace, tuple) else list(replace or [])
    for old, new in pairs:
        hits = sum(src.count(old) for src in cells)
        if hits != 1:
            raise ValueError(f"the text to replace occurs {hits} times in {notebook}, expected once: {old!r}")
        cells = [src.replace(old, new) for src in cells]
    namespace: dict = {"__name__": "__main__"}
    errors: list[str] = []
    scratch = None if cwd is not None else tempfile.mkdtemp(prefix="inpaint-cells-")
    try:
        with _global_state_kept():
            os.chdir(cwd if cwd is not None else scratch)
            _run_sources(cells, notebook, until, namespace, errors)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return namespace, errors


def _run_sources(cells: list[str], notebook, until: str | None, namespace: dict, errors: list[str]) -> None:
    """The loop of :func:`run_cells`: each code cell but otter's, until the check of ``until``."""
    for i, src in enumerate(cells):
        if not _is_otter_cell(src):
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(src, f"<{Path(notebook).name} code cell {i}>", "exec"), namespace)
            except Exception as err:  # noqa: BLE001 (a student's cell may raise anything)
                errors.append(f"code cell {i}: {type(err).__name__}: {err}")
        if until is not None and _checked_question(src) == until:
            break


def run_tests(namespace: Mapping, autograder: str | os.PathLike,
              only: Iterable[str] | None = None) -> Grades:
    """Run the tests of an autograder zip (hidden ones included) against ``namespace``, e.g.
    from :func:`run_cells`, in this process: the questions ``only`` (default all)."""
    from otter.nbmeta_config import NBMetadataConfig
    from otter.test_files import create_test_file
    only = set(only) if only is not None else None
    with tempfile.TemporaryDirectory(prefix="inpaint-tests-") as folder:
        with zipfile.ZipFile(autograder) as zf:
            members = [m for m in zf.namelist() if m.startswith("tests/") and m.endswith(".py")]
            zf.extractall(folder, members)
        files = []
        with _global_state_kept():
            for member in sorted(members):
                if only is None or Path(member).stem in only:
                    test_file = create_test_file(os.path.join(folder, member), NBMetadataConfig({}))
                    test_file.run(dict(namespace))
                    files.append(test_file)
    return apply_rules(grades_from(files))
