"""Building the coursework with otter-grader (instructors): ``otter assign`` on each source
notebook, then the solution graded by its own autograder, so a broken solution or test stops
the build. Grading submissions is :mod:`.grading`."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..paths import output_dir
from .assignments import ASSIGNMENTS_DIR, questions, resolve
from .grading import Grades, autograder_zip, grade, kernel_environment, process_pool


class AssignmentCheckError(RuntimeError):
    """The solution notebook of an assignment does not score full marks with its own
    autograder (a broken solution or test); the message lists the failed tests."""


@dataclass(frozen=True)
class Built:
    """The output of :func:`build` for one assignment: its folder, the three files that
    matter (student notebook, solution notebook, autograder zip) and, if the build checked
    it, the grades of the solution notebook."""

    name: str
    folder: Path
    solution_grades: Grades | None = None

    @property
    def student(self) -> Path:
        return self.folder / "student" / f"{self.name}.ipynb"

    @property
    def solution(self) -> Path:
        return self.folder / "autograder" / f"{self.name}.ipynb"

    @property
    def autograder_zip(self) -> Path:
        return autograder_zip(self.name, self.folder.parent)

    def files(self) -> list[Path]:
        """Every file the build wrote, sorted."""
        return sorted(p for p in self.folder.rglob("*") if p.is_file())


def _build_one(name: str, out: Path, check: bool, threads: int, env: Mapping[str, str] | None,
               sources: Path) -> Built:
    """``otter assign`` for one source, then (``check``) grade its solution notebook."""
    from otter.assign import main as otter_assign
    folder = out / name
    shutil.rmtree(folder, ignore_errors=True)          # a stale zip of an earlier build would linger
    with kernel_environment(threads, env):
        # no_run_tests: otter's own check is done below, stricter (every question must be graded)
        otter_assign(str(sources / f"{name}.ipynb"), str(folder), no_pdfs=True, no_run_tests=True)
    built = Built(name, folder)
    if not check:
        return built
    grades = grade(built.solution, built.autograder_zip, threads, env)
    auto = [q.name for q in questions(name, sources) if not q.manual]
    problems = [f"{q}: no tests ran" for q in auto if q not in grades.questions]
    problems += [f"{q}: {g.score:g} / {g.possible:g}\n" + "\n".join(g.failures)
                 for q, g in grades.questions.items() if not g.full]
    if problems:
        raise AssignmentCheckError(f"the solution notebook of {name} does not score full marks with its "
                                   f"autograder ({built.solution}):\n" + "\n".join(problems))
    return Built(name, folder, grades)


def build(selection: Iterable[str] | None = None, out: str | os.PathLike | None = None, check: bool = True,
          threads: int = 1, env: Mapping[str, str] | None = None, jobs: int = 1,
          progress: bool = True, folder: str | os.PathLike | None = None) -> dict[str, Built]:
    """Run ``otter assign`` on the sources ``selection`` (None: all; short names like ``"A1"``
    work) and write ``out/<name>/student/`` and ``out/<name>/autograder/`` (zip included),
    replacing what an earlier build left there. ``out`` defaults to ``runs/assignments/``.

    With ``check`` the solution notebook is then graded with its autograder (in a fresh
    kernel, as ``otter run`` does) and any auto-graded question below full marks, or
    without a test that ran, raises :class:`AssignmentCheckError` listing the failures.
    ``jobs`` assignments are built at once, each in its own process. ``threads`` and ``env``:
    see :func:`kernel_environment`. ``folder``: where the sources are (default
    :data:`ASSIGNMENTS_DIR`). Returns ``{name: Built}`` in the order of the sources.
    """
    out = Path(out or output_dir("assignments")).resolve()
    sources = Path(folder or ASSIGNMENTS_DIR).resolve()
    chosen = resolve(selection, sources)
    if progress:
        print(f"otter assign {', '.join(chosen)} -> {out}"
              + (" (and grading the solutions)" if check else ""),
              flush=True)
    if jobs <= 1 or len(chosen) == 1:
        built = {}
        for name in chosen:
            built[name] = _build_one(name, out, check, threads, env, sources)
            if progress:
                print(f"  {name}: done", flush=True)
        return built
    with process_pool(min(jobs, len(chosen))) as pool:
        futures = {name: pool.submit(_build_one, name, out, check, threads, env, sources) for name in chosen}
        return {name: future.result() for name, future in futures.items()}
