"""Grading with otter-grader, without Docker: one submission graded as ``otter run`` does, the
course's two grading rules on top (:func:`apply_rules`); building is :mod:`.assign`."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..paths import output_dir
from ..runtime import environ
from .checks import OWN_CODE
from .integrity import tampering


def kernel_environment(threads: int = 1,
                       env: Mapping[str, str] | None = None) -> contextlib.AbstractContextManager:
    """Environment variables for the notebook kernels that otter starts, restored afterwards:
    ``threads`` CPU threads (``OMP_NUM_THREADS``; the notebooks pass it to
    ``torch.set_num_threads``), no progress bars, this Python's ``bin/`` first on ``PATH``
    (the kernel is this environment's), plus ``env``.

    One thread is the default: the tensors are small, and several OpenMP threads on a
    machine that is busy with other work wait for each other."""
    settings = {"OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads), "TQDM_DISABLE": "1",
                "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
                **dict(env or {})}
    return environ(settings)


@dataclass
class QuestionGrade:
    """Points of one auto-graded question and the messages of its failed test cases
    (hidden ones included: this is the instructor's view)."""

    score: float
    possible: float
    failures: list[str] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return abs(self.score - self.possible) < 1e-9


@dataclass
class Grades:
    """What :func:`grade` returns: ``questions`` maps each auto-graded question to its
    :class:`QuestionGrade` (manual questions are graded by hand and are not in it)."""

    questions: dict[str, QuestionGrade]
    #: why the whole notebook scored 0 (a grading rule refused it), "" otherwise
    refused: str = ""

    @property
    def total(self) -> float:
        return sum(q.score for q in self.questions.values())

    @property
    def possible(self) -> float:
        return sum(q.possible for q in self.questions.values())

    def messages(self, question: str) -> str:
        """Every failure message of ``question`` in one string ('' if it passed)."""
        return "\n".join(self.questions[question].failures)

    def format(self, messages: bool = False) -> str:
        """One line per question (``q1_haar_level  3.0 / 3``), the total, and with
        ``messages`` the failure messages under each failed question."""
        width = max([len(n) for n in self.questions] + [5])
        lines = []
        for name, q in self.questions.items():
            lines.append(f"{name:{width}s}  {q.score:4.1f} / {q.possible:g}")
            if messages:
                lines += ["    " + line for failure in q.failures for line in failure.splitlines()]
        lines.append(f"{'total':{width}s}  {self.total:4.1f} / {self.possible:g}")
        return "\n".join(lines)


def apply_rules(grades: Grades, tampered: list[str] | None = None) -> Grades:
    """The course's two rules on top of the tests' points:

    * a question whose graded function calls the code it is compared with (a failure of
      :func:`~inpaintlib.coursework.checks.check_own_code`) scores 0, however many of its
      other test cases passed;
    * a notebook that changes code it did not write (``tampered``: the statements
      :func:`~inpaintlib.coursework.integrity.tampering` found) scores 0 on every question.
    """
    graded, reason = {}, ""
    if tampered:
        reason = ("grading refused: this notebook changes code it did not write ("
                  + "; ".join(tampered[:3]) + (" ..." if len(tampered) > 3 else "")
                  + "); remove those lines and submit again")
    for name, q in grades.questions.items():
        if tampered:
            graded[name] = QuestionGrade(0.0, q.possible, [reason])
        elif any(OWN_CODE in f for f in q.failures):
            graded[name] = QuestionGrade(0.0, q.possible, q.failures)
        else:
            graded[name] = q
    return Grades(graded, refused=reason)


def grades_from(test_files: Iterable) -> Grades:
    """:class:`Grades` from otter ``TestFile`` objects that have been run."""
    graded = {}
    for test_file in test_files:
        failures = []
        for case in test_file.test_case_results:
            if not case.passed:
                extra = case.test_case.failure_message
                failures.append((case.message or "") + (f"\n{extra}" if extra else ""))
        graded[test_file.name] = QuestionGrade(float(test_file.score), float(test_file.possible), failures)
    return Grades(dict(sorted(graded.items())))


def autograder_zip(name: str, out: str | os.PathLike | None = None) -> Path:
    """The autograder zip of assignment ``name`` built into ``out`` (default ``runs/assignments/``);
    ``FileNotFoundError`` naming the build command if there is none."""
    folder = Path(out or output_dir("assignments")) / name / "autograder"
    found = sorted(folder.glob(f"{name}-autograder_*.zip"))
    if not found:
        raise FileNotFoundError(f"no autograder zip in {folder}; build it with: make assignments "
                                f"(or python -m inpaintlib assignments --only {name.split('_')[0]})")
    return found[-1]


def process_pool(jobs: int):
    """A process pool for otter runs (otter changes the working directory, so threads
    cannot share a process)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


def grade(notebook: str | os.PathLike, autograder: str | os.PathLike, threads: int = 1,
          env: Mapping[str, str] | None = None) -> Grades:
    """Grade one submitted notebook with an autograder zip, without Docker (what
    ``otter run -a <zip> <notebook>`` does): the notebook is executed top to bottom in a
    fresh kernel of this environment, errors and all, then every test, hidden ones
    included, is run, and :func:`apply_rules` applied (the tampering scan reads the
    notebook here, in this process, not in the kernel). ``threads`` and ``env``: see
    :func:`kernel_environment`."""
    import warnings

    from otter.api import grade_submission
    with kernel_environment(threads, env), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")   # otter's own pandas calls
        results = grade_submission(str(notebook), str(autograder), quiet=True)
    return apply_rules(grades_from(results.results.values()), tampering(notebook))


def grade_many(submissions: Iterable[tuple[str | os.PathLike, str | os.PathLike]], jobs: int = 1,
               threads: int = 1, env: Mapping[str, str] | None = None) -> list[Grades]:
    """:func:`grade` for each ``(notebook, autograder zip)``, ``jobs`` at once (one
    process each); the grades in the order given."""
    submissions = [(str(nb), str(zp)) for nb, zp in submissions]
    if jobs <= 1 or len(submissions) <= 1:
        return [grade(nb, zp, threads, env) for nb, zp in submissions]
    with process_pool(min(jobs, len(submissions))) as pool:
        futures = [pool.submit(grade, nb, zp, threads, env) for nb, zp in submissions]
        return [f.result() for f in futures]
