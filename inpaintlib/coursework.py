"""The graded coursework: build the otter-grader assignments, grade submissions, and the
checks that the assignment tests call.

The sources are otter-grader notebooks (its v1 format, exception-based tests) in
``notebooks/assignments/``, ``A1_haar_dwt.ipynb`` ... ``A6_band_project.ipynb``: the
questions with their solutions and their public and hidden tests. :func:`build` runs
``otter assign`` on each and writes::

    runs/assignments/<name>/student/<name>.ipynb          hand this out (no solutions, public tests)
    runs/assignments/<name>/autograder/<name>.ipynb       the solution notebook
    runs/assignments/<name>/autograder/<name>-autograder_<time>.zip   every test, hidden ones included

then grades the solution notebook with that autograder and stops with
:class:`AssignmentCheckError` unless every auto-graded question scores full marks.
:func:`grade` grades one submission without Docker (what ``otter run`` does) and returns the
points of every auto-graded question with the messages of its failed tests.

The tests compare a student's result with the library's through :func:`check_close` (and
:func:`check_coverage` for random masks), whose message says by how much, where, and, given
the known mistakes of a question, what the likely bug is. :func:`check_own_code` checks that a
graded function does not call the library function it is compared with. Everything runs
offline: no Docker, no PDF export.

    from inpaintlib import coursework
    built = coursework.build(["A1"])                     # python -m inpaintlib assignments --only A1
    grades = coursework.grade(built["A1_haar_dwt"].student, built["A1_haar_dwt"].autograder_zip)
    print(grades.format())

:func:`run_cells` and :func:`run_tests` do the same in this Python process, without a kernel:
the fast path ``tests/test_assignments.py`` uses to grade many deliberately wrong answers.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import sys
import tempfile
import types
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .paths import NOTEBOOKS_DIR, runs_dir
from .runtime import environ

#: Where the assignment sources live.
ASSIGNMENTS_DIR = NOTEBOOKS_DIR / "assignments"


# ---------------------------------------------------------------------------------------
# The assignments and their questions
# ---------------------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------------------
# Building and grading (otter-grader, no Docker)
# ---------------------------------------------------------------------------------------

class AssignmentCheckError(RuntimeError):
    """The solution notebook of an assignment does not score full marks with its own
    autograder (a broken solution or test); the message lists the failed tests."""


def kernel_environment(threads: int = 1, env: Mapping[str, str] | None = None) -> contextlib.AbstractContextManager:
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


def _grades_from(test_files: Iterable) -> Grades:
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


def default_output() -> Path:
    """Where :func:`build` writes by default: ``runs/assignments/`` (``$INPAINT_RUNS``)."""
    return runs_dir() / "assignments"


def autograder_zip(name: str, out: str | os.PathLike | None = None) -> Path:
    """The autograder zip of assignment ``name`` built into ``out`` (default
    :func:`default_output`); ``FileNotFoundError`` naming the build command if there is none."""
    folder = Path(out or default_output()) / name / "autograder"
    found = sorted(folder.glob(f"{name}-autograder_*.zip"))
    if not found:
        raise FileNotFoundError(f"no autograder zip in {folder}; build it with: make assignments "
                                f"(or python -m inpaintlib assignments --only {name.split('_')[0]})")
    return found[-1]


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


def _pool(jobs: int):
    """A process pool for otter runs (otter changes the working directory, so threads
    cannot share a process)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


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
    out = Path(out or default_output()).resolve()
    sources = Path(folder or ASSIGNMENTS_DIR).resolve()
    chosen = resolve(selection, sources)
    if progress:
        print(f"otter assign {', '.join(chosen)} -> {out}" + (" (and grading the solutions)" if check else ""),
              flush=True)
    if jobs <= 1 or len(chosen) == 1:
        built = {}
        for name in chosen:
            built[name] = _build_one(name, out, check, threads, env, sources)
            if progress:
                print(f"  {name}: done", flush=True)
        return built
    with _pool(min(jobs, len(chosen))) as pool:
        futures = {name: pool.submit(_build_one, name, out, check, threads, env, sources) for name in chosen}
        return {name: future.result() for name, future in futures.items()}


def grade(notebook: str | os.PathLike, autograder: str | os.PathLike, threads: int = 1,
          env: Mapping[str, str] | None = None) -> Grades:
    """Grade one submitted notebook with an autograder zip, without Docker (what
    ``otter run -a <zip> <notebook>`` does): the notebook is executed top to bottom in a
    fresh kernel of this environment, errors and all, then every test, hidden ones
    included, is run. ``threads`` and ``env``: see :func:`kernel_environment`."""
    import warnings

    from otter.api import grade_submission
    with kernel_environment(threads, env), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The inplace keyword")   # otter's own pandas calls
        results = grade_submission(str(notebook), str(autograder), quiet=True)
    return _grades_from(results.results.values())


def grade_many(submissions: Iterable[tuple[str | os.PathLike, str | os.PathLike]], jobs: int = 1,
               threads: int = 1, env: Mapping[str, str] | None = None) -> list[Grades]:
    """:func:`grade` for each ``(notebook, autograder zip)``, ``jobs`` at once (one
    process each); the grades in the order given."""
    submissions = [(str(nb), str(zp)) for nb, zp in submissions]
    if jobs <= 1 or len(submissions) <= 1:
        return [grade(nb, zp, threads, env) for nb, zp in submissions]
    with _pool(min(jobs, len(submissions))) as pool:
        futures = [pool.submit(grade, nb, zp, threads, env) for nb, zp in submissions]
        return [f.result() for f in futures]


# ---------------------------------------------------------------------------------------
# The same in this process: fast, for checking the tests themselves
# ---------------------------------------------------------------------------------------

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
    from otter.test_files import create_test_file
    from otter.nbmeta_config import NBMetadataConfig
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
    return _grades_from(files)


# ---------------------------------------------------------------------------------------
# What the assignment tests call
# ---------------------------------------------------------------------------------------

def defined(**objects) -> None:
    """``AssertionError`` naming the first of ``objects`` that is None, i.e. that the
    notebook never defined (otter passes None for a missing name)."""
    for name, value in objects.items():
        if value is None:
            raise AssertionError(f"`{name}` is not defined: run the cell that defines it (and keep its name)")


def _as_array(value, what: str) -> np.ndarray:
    """A tensor, array or number as float64 numpy (bf16 and fp16 included)."""
    try:
        import torch
        if isinstance(value, torch.Tensor):
            if value.is_complex():
                raise AssertionError(f"your {what} is a complex tensor, expected real numbers")
            return value.detach().to("cpu", torch.float64).numpy()
    except ImportError:  # pragma: no cover (torch is a dependency)
        pass
    try:
        return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise AssertionError(f"your {what} is a {type(value).__name__}, expected numbers "
                             "(a tensor, an array or a float)") from None


def _errors(got: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Absolute errors; NaN where only one side is NaN is an infinite error, NaN on both
    sides or the same infinity on both sides is none."""
    same = (np.isnan(got) & np.isnan(ref)) | (np.isinf(got) & (got == ref))
    with np.errstate(invalid="ignore"):
        err = np.abs(got - ref)
    return np.where(same, 0.0, np.nan_to_num(err, nan=np.inf, posinf=np.inf))


def _close(got: np.ndarray, value, atol: float) -> bool:
    ref = _as_array(value, "reference")
    return got.shape == ref.shape and bool((_errors(got, ref) <= atol).all())


def check_close(what: str, mine, reference, atol: float, hint: str = "",
                mistakes: Mapping[str, object] | None = None) -> None:
    """``AssertionError`` unless ``mine`` equals ``reference`` to ``atol`` (largest absolute
    difference), with a message a student can act on::

        your level-1 LL band differs from the reference by 0.5 (max abs) at [0, 0, 0, 0]
        (yours 2.5, reference 5; tolerance 1e-05): did you divide by 4 (the mean) instead of 2?

    ``mine``, ``reference``: tensors, arrays or numbers. ``mistakes`` maps the explanation of
    a known mistake to what that mistake would produce; if ``mine`` matches one (to
    ``atol``), its explanation is the hint, otherwise ``hint`` is. NaN matches NaN.
    """
    if mine is None:
        raise AssertionError(f"your {what} is None: the function returned nothing; replace the `...` "
                             "with your code and return the result")
    got, ref = _as_array(mine, what), _as_array(reference, "reference")
    if _close(got, ref, atol):
        return
    for explanation, value in (mistakes or {}).items():
        if _close(got, value, atol):
            hint = explanation
            break
    suffix = f": {hint}" if hint else ""
    if got.shape != ref.shape:
        raise AssertionError(f"your {what} has shape {tuple(got.shape)}, expected {tuple(ref.shape)}{suffix}")
    err = _errors(got, ref)
    where = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
    raise AssertionError(f"your {what} differs from the reference by {err[where]:.3g} (max abs) at "
                         f"{[int(i) for i in where]} (yours {got[where]:.6g}, reference {ref[where]:.6g}; "
                         f"tolerance {atol:g}){suffix}")


def _float_tensors(weights) -> dict:
    """The floating-point tensors of a module's ``state_dict()`` (or of a state dict)."""
    state = weights.state_dict() if hasattr(weights, "state_dict") else dict(weights)
    return {k: v for k, v in state.items() if getattr(v, "is_floating_point", lambda: False)()}


def check_weights_close(what: str, mine, reference, atol: float, hint: str = "",
                        mistakes: Mapping[str, object] | None = None) -> None:
    """:func:`check_close` for the weights of two models (modules or state dicts), e.g.
    after a few training steps: ``AssertionError`` naming the parameter that differs most,
    by how much, and (``mistakes``: explanation -> the weights a known mistake gives) why."""
    got, ref = _float_tensors(mine), _float_tensors(reference)
    if set(got) != set(ref):
        raise AssertionError(f"{what}: the models have different parameters ({sorted(set(got) ^ set(ref))[:4]} ...)")

    def all_close(other: dict) -> bool:
        return all(_close(_as_array(got[k], k), other[k], atol) for k in ref)

    if all_close(ref):
        return
    for explanation, weights in (mistakes or {}).items():
        if all_close(_float_tensors(weights)):
            hint = explanation
            break
    errors = {k: float(_errors(_as_array(got[k], k), _as_array(ref[k], k)).max()) for k in ref}
    # name a weight rather than a BatchNorm statistic when both differ
    weights = {k: e for k, e in errors.items() if e > atol and "running_" not in k} or errors
    worst = max(weights, key=weights.get)
    check_close(f"{what}: parameter {worst!r}", got[worst], ref[worst], atol, hint)


def unpack(what: str, value, n: int) -> tuple:
    """``value`` as a tuple of ``n`` results, or an ``AssertionError`` saying what came
    back instead (``None`` means the function body is still ``...``)."""
    if value is None:
        raise AssertionError(f"{what} returned None: replace the `...` with your code and return "
                             f"{n} values")
    if not isinstance(value, (tuple, list)) or len(value) != n:
        got = f"{len(value)} values" if isinstance(value, (tuple, list)) else f"a {type(value).__name__}"
        raise AssertionError(f"{what} must return {n} values, got {got}")
    return tuple(value)


def load_weights_file(path: str | os.PathLike, how: str) -> dict:
    """The state dict saved in ``path``, loaded with ``torch.load(..., weights_only=True)``, or
    an ``AssertionError`` saying what is wrong with the file; ``how`` says how to write it."""
    import torch
    path = Path(path)
    if not path.is_file():
        raise AssertionError(f"{path.name} is missing in {path.parent.name}/: {how}")
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as err:  # noqa: BLE001 (pickled modules, truncated files, ...)
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise AssertionError(f"{path.name} cannot be loaded with torch.load(..., weights_only=True) ({first[:120]}): "
                             f"{how}") from None
    if not isinstance(state, dict):
        raise AssertionError(f"{path.name} holds a {type(state).__name__}, expected a state dict: {how}")
    return state


# -- random masks: judged by their statistics ------------------------------------------

def check_masks(what: str, masks, n: int, size: int) -> np.ndarray:
    """``masks`` as a numpy array, or ``AssertionError`` unless it is ``n`` binary masks
    ``(n, size, size)`` of dtype uint8 (1 = hole). ``n = 0``: one mask ``(size, size)``."""
    if masks is None:
        raise AssertionError(f"your {what} is None: the function returned nothing; replace the `...` "
                             "with your code and return the mask")
    expected = (n, size, size) if n else (size, size)
    arr = np.asarray(masks)
    if arr.shape != expected:
        raise AssertionError(f"your {what} has shape {arr.shape}, expected {expected}")
    if arr.dtype != np.uint8:
        raise AssertionError(f"your {what} has dtype {arr.dtype}, expected uint8 (np.zeros(..., np.uint8))")
    values = np.unique(arr)
    if not set(values.tolist()) <= {0, 1}:
        raise AssertionError(f"your {what} holds the values {values[:6].tolist()}, expected only 0 and 1 "
                             "(1 = hole): draw with colour 1, not 255")
    return arr


QUANTILES = (0.1, 0.5, 0.9)


def coverage_summary(masks) -> dict[str, float]:
    """Coverage statistics of a mask set (n, H, W): the mean hole fraction and its 10 %,
    50 % and 90 % quantiles, ``{"mean": ..., "q10": ..., "q50": ..., "q90": ...}``."""
    cov = np.asarray(masks).reshape(len(masks), -1).mean(axis=1, dtype=np.float64)
    out = {"mean": float(cov.mean())}
    out.update({f"q{round(100 * q)}": float(np.quantile(cov, q)) for q in QUANTILES})
    return out


def _summary_text(s: Mapping[str, float]) -> str:
    return f"{s['mean']:.3f} on average (10/50/90 % quantiles {s['q10']:.3f} / {s['q50']:.3f} / {s['q90']:.3f})"


def _summary_distance(a: Mapping[str, float], b: Mapping[str, float], atol_mean: float,
                      atol_quantile: float) -> float:
    """How far apart two coverage summaries are, in tolerances (<= 1: within them)."""
    return max([abs(a["mean"] - b["mean"]) / atol_mean] +
               [abs(a[k] - b[k]) / atol_quantile for k in a if k != "mean"])


def check_coverage(what: str, mine, reference, atol_mean: float = 0.03, atol_quantile: float = 0.06,
                   hint: str = "", mistakes: Mapping[str, object] | None = None) -> None:
    """``AssertionError`` unless the masks ``mine`` (n, H, W) cover the image like the masks
    ``reference`` (m, H, W): mean coverage within ``atol_mean``, the 10/50/90 % quantiles
    within ``atol_quantile``. Random masks drawn in another order cannot match pixel for
    pixel, but a few hundred of them pin these statistics down to about 0.01.

    ``mistakes`` maps explanations to mask sets a known mistake produces; the one whose
    statistics are closest to those of ``mine``, if within twice the tolerances (a mistake's
    masks are random too), is the hint, otherwise ``hint`` is.
    """
    got, ref = coverage_summary(mine), coverage_summary(reference)
    if _summary_distance(got, ref, atol_mean, atol_quantile) <= 1:
        return
    distances = {explanation: _summary_distance(got, coverage_summary(masks), atol_mean, atol_quantile)
                 for explanation, masks in (mistakes or {}).items()}
    if distances and min(distances.values()) <= 2:
        hint = min(distances, key=distances.get)
    if not hint:
        hint = ("they cover too much" if got["mean"] > ref["mean"] else "they cover too little") + \
               "; compare your sizes, counts and scale with the table in the question"
    raise AssertionError(f"your {what} cover {_summary_text(got)}, the library's {_summary_text(ref)} "
                         f"over {len(mine)} and {len(reference)} masks; allowed: mean within {atol_mean:g}, "
                         f"quantiles within {atol_quantile:g}: {hint}")


# -- the graded function must be the student's own ---------------------------------------

def _module_of(value) -> str:
    if isinstance(value, types.ModuleType):
        return value.__name__
    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)):
        return getattr(value, "__module__", None) or ""
    return type(value).__module__ or ""


def library_uses(fn: Callable, forbidden: Iterable) -> list[str]:
    """The names through which ``fn``, or a notebook function it calls, reaches something
    ``forbidden``: objects (functions, classes) or module names (``"inpaintlib.wavelets"``
    covers the module, everything defined in it and instances of its classes).

    A static look at the names the code refers to (globals, attributes and imports inside
    the body; nested functions and lambdas included), resolved in ``fn``'s global namespace
    or among the imported modules. It cannot see through ``getattr`` with computed names."""
    forbidden = list(forbidden)
    prefixes = tuple(f for f in forbidden if isinstance(f, str))
    objects = [f for f in forbidden if not isinstance(f, str)]

    def bad(value) -> bool:
        if any(value is o for o in objects):
            return True
        module = _module_of(value)
        return any(module == p or module.startswith(p + ".") for p in prefixes)

    found: list[str] = []
    seen: set[int] = set()

    def walk(func) -> None:
        if id(func) in seen or not hasattr(func, "__code__"):
            return
        seen.add(id(func))
        used, stack = set(), [func.__code__]
        while stack:
            code = stack.pop()
            used |= set(code.co_names)
            stack += [c for c in code.co_consts if isinstance(c, types.CodeType)]
        scope = func.__globals__
        for name in sorted(used):
            if name in scope:
                value = scope[name]
            elif name in sys.modules:                          # `from inpaintlib.x import y` in the body
                value = sys.modules[name]
            else:
                continue
            if bad(value):
                found.append(name)
            elif isinstance(value, types.FunctionType) and value.__globals__ is scope:
                walk(value)                                    # a helper of the notebook
            elif isinstance(value, types.ModuleType):
                for attr in sorted(used):                      # e.g. inpaintlib.wavelets.haar_dwt
                    try:
                        inner = getattr(value, attr, None)
                    except Exception:  # noqa: BLE001 (a module's lazy __getattr__)
                        inner = None
                    if inner is not None and not isinstance(inner, (int, float, str)) and bad(inner):
                        found.append(f"{name}.{attr}")

    walk(fn)
    return sorted(set(found))


def check_own_code(what: str, fn: Callable, forbidden: Iterable, reason: str = "") -> None:
    """``AssertionError`` if the graded function ``fn`` (named ``what``) uses anything
    ``forbidden`` (see :func:`library_uses`): the library is what it is compared with."""
    uses = library_uses(fn, forbidden)
    if uses:
        raise AssertionError(f"{what} uses {', '.join(uses)} from the library; the graded code must "
                             f"compute this itself{': ' + reason if reason else ''} (the library is the "
                             "reference it is compared with)")
