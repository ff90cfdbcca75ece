"""Grading a class: every submitted notebook in its own process with a time limit, a CSV
written as it goes, a student-safe feedback file per notebook and the written answers
gathered for hand grading.

    rows = grade_class("A1_haar_dwt", ["alice.ipynb", "bob.ipynb"], csv_path="a1.csv",
                       feedback_dir="feedback/", answers_html="a1_written.html")

A notebook that cannot be read, raises outside its cells, or runs longer than ``timeout``
seconds becomes an *error row* that names it and says why; the other notebooks are graded
all the same. The CSV is rewritten (atomically) after every notebook, so an interrupted
batch keeps every grade it reached.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..files.atomic import atomic_write
from .assignments import questions, resolve
from .grading import Grades, QuestionGrade, autograder_zip

#: Seconds one notebook may take to grade (its cells and every test) before it is stopped.
DEFAULT_TIMEOUT = 900


@dataclass
class ClassRow:
    """One graded notebook: its grades, or the ``error`` that stopped its grading."""

    notebook: Path
    grades: Grades | None = None
    error: str = ""
    #: the name the CSV, the feedback file and the answers page give it (:func:`row_labels`)
    label: str = ""

    def __post_init__(self):
        self.label = self.label or self.notebook.name

    @property
    def why_zero(self) -> str:
        """Why the notebook has no points: the error that stopped its grading, or the
        grading rule that refused it (tampering); "" for a graded notebook."""
        return self.error or (self.grades.refused if self.grades else "")


def row_labels(notebooks: Iterable[str | os.PathLike]) -> list[str]:
    """Each notebook's name in the class's results: its file name, with as many of its
    folders as it takes to tell it apart from the others (``alice/A1_haar_dwt.ipynb`` and
    ``bob/A1_haar_dwt.ipynb`` when every student submits the same file name)."""
    parts = [Path(nb).absolute().parts for nb in notebooks]
    depth = [1] * len(parts)
    while True:
        labels = ["/".join(p[-d:]) for p, d in zip(parts, depth)]
        clash = [i for i, label in enumerate(labels) if labels.count(label) > 1 and depth[i] < len(parts[i])]
        if not clash:
            return labels
        for i in clash:
            depth[i] += 1


def grade_class(assignment: str, notebooks: Iterable[str | os.PathLike],
                csv_path: str | os.PathLike | None = None,
                feedback_dir: str | os.PathLike | None = None, answers_html: str | os.PathLike | None = None,
                timeout: float = DEFAULT_TIMEOUT, threads: int = 1, out: str | os.PathLike | None = None,
                progress: bool = True) -> list[ClassRow]:
    """Grade every notebook of ``notebooks`` with the built autograder of ``assignment``,
    each in a fresh process stopped after ``timeout`` seconds (its kernel too).

    ``csv_path``: one row per notebook (points per auto-graded question, blank columns for
    the questions graded by hand, the total, the possible points and the error if any),
    after a first row ``possible`` with the points of every question; rewritten after each
    notebook. ``feedback_dir``: ``<notebook stem>.txt`` per notebook with the points and the
    failure messages (the messages only, never test source). ``answers_html``: the answers
    to the written questions of every notebook on one page, for hand grading.
    """
    name = resolve([assignment])[0]
    zip_path = autograder_zip(name, out)
    qs = questions(name)
    rows: list[ClassRow] = []
    notebooks = [Path(nb) for nb in notebooks]
    for path, label in zip(notebooks, row_labels(notebooks)):
        row = _grade_isolated(path, zip_path, timeout, threads)
        row.label = label
        rows.append(row)
        if progress:
            print(f"{label}: " + (f"{row.grades.total:g} / {row.grades.possible:g}" if row.grades
                                  else f"ERROR {row.error}"), flush=True)
        if csv_path:
            write_csv(csv_path, rows, qs)
        if feedback_dir:
            write_feedback(Path(feedback_dir), row, name)
    if answers_html:
        write_answers(answers_html, name, [r.notebook for r in rows], [r.label for r in rows])
    return rows


def _grade_isolated(notebook: Path, zip_path: Path, timeout: float, threads: int) -> ClassRow:
    """:func:`~inpaintlib.coursework.grading.grade` in a child process of its own session,
    killed with everything it started after ``timeout`` seconds."""
    if not notebook.is_file():
        return ClassRow(notebook, error="no such file")
    with tempfile.TemporaryDirectory(prefix="grading-") as tmp:
        return _run_worker(notebook, zip_path, Path(tmp) / "grades.json", timeout, threads)


def _run_worker(notebook: Path, zip_path: Path, result: Path, timeout: float, threads: int) -> ClassRow:
    cmd = [sys.executable, "-m", "inpaintlib.coursework.classroom", str(notebook.resolve()), str(zip_path),
           str(result), str(threads)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)            # the grader and the notebook's kernel
        proc.communicate()
        return ClassRow(notebook, error=f"stopped after {timeout:g} s (a cell that never finishes?)")
    data = json.loads(result.read_text()) if result.exists() else None
    if proc.returncode != 0 or data is None:
        last = [line for line in stderr.strip().splitlines() if line.strip()]
        return ClassRow(notebook, error=(last[-1] if last else f"grader exited with {proc.returncode}")[:300])
    graded = {q: QuestionGrade(g["score"], g["possible"], g["failures"])
              for q, g in data["questions"].items()}
    return ClassRow(notebook, Grades(graded, refused=data["refused"]))


def _worker(notebook: str, zip_path: str, result: str, threads: str) -> int:
    """The child process of :func:`_grade_isolated`: grade, write the grades as JSON."""
    from .grading import grade
    try:
        grades = grade(notebook, zip_path, threads=int(threads))
    except Exception as err:  # noqa: BLE001 (any failure is this notebook's error row)
        print(f"cannot grade {Path(notebook).name}: {type(err).__name__}: {str(err).strip()[:200]}",
              file=sys.stderr)
        return 1
    data = {"refused": grades.refused,
            "questions": {q: {"score": g.score, "possible": g.possible, "failures": g.failures}
                          for q, g in grades.questions.items()}}
    atomic_write(result, lambda fh: fh.write(json.dumps(data).encode()))
    return 0


def write_csv(path: str | os.PathLike, rows: list[ClassRow], qs) -> Path:
    """The class's grades as CSV (see :func:`grade_class`), written atomically."""
    columns = ["notebook", *(q.name for q in qs), "total", "possible", "error"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    possible = sum(q.points for q in qs)
    writer.writerow({"notebook": "possible", **{q.name: f"{q.points:g}" for q in qs},
                     "total": f"{possible:g}",
                     "possible": f"{possible:g}"})
    for row in rows:
        line = {"notebook": row.label, "possible": f"{possible:g}", "error": row.why_zero}
        if row.grades:
            line.update({q: f"{g.score:g}" for q, g in row.grades.questions.items() if q in columns})
            line["total"] = f"{row.grades.total:g}"   # auto-graded points; add the hand-graded columns
        writer.writerow(line)
    return atomic_write(path, lambda fh: fh.write(buffer.getvalue().encode()))


def student_message(failure: str) -> str:
    """What a student may read of a failed test: the assertion's message, without the
    traceback (whose lines would show the test's source)."""
    lines = [line for line in failure.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        match = re.match(r"\s*(\w+(Error|Exception))\s*:\s*(.*)", line)
        if match:
            kind, text = match.group(1), match.group(3)
            return text if kind == "AssertionError" else f"{kind}: {text}"
    return lines[-1] if lines else "failed"


def write_feedback(folder: Path, row: ClassRow, assignment: str) -> Path:
    """``folder/<label>.txt`` (the notebook's :attr:`ClassRow.label`, ``.ipynb`` replaced, so
    ``alice/A1_haar_dwt.txt`` when file names repeat): the points per question and why a test
    failed."""
    lines = [f"{assignment}: {row.label}", ""]
    if row.grades is None:
        lines.append(f"not graded: {row.error}. Restart the kernel, run every cell, save, and submit again.")
    else:
        for q, g in row.grades.questions.items():
            lines.append(f"{q}: {g.score:g} / {g.possible:g}")
            lines += [f"    - {student_message(f)}" for f in g.failures]
        lines += ["", f"auto-graded total: {row.grades.total:g} / {row.grades.possible:g} "
                      "(written answers are graded by hand)"]
    text = "\n".join(lines) + "\n"
    path = folder / Path(row.label).with_suffix(".txt")
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write(path, lambda fh: fh.write(text.encode()))


def written_answers(notebook: str | os.PathLike) -> list[tuple[str, str]]:
    """``(question heading, answer text)`` for every written question of a student notebook:
    the cells between otter's ``<!-- BEGIN QUESTION -->`` and ``<!-- END QUESTION -->``."""
    import nbformat
    nb = nbformat.read(notebook, as_version=4)
    found, heading, answer, inside = [], "", [], False
    for cell in nb.cells:
        text = cell.source
        if inside and "<!-- END QUESTION -->" in text:
            found.append((heading, "\n\n".join(answer).strip()))
            inside = False
            text = text.split("<!-- END QUESTION -->", 1)[1]
        if "<!-- BEGIN QUESTION -->" in text:
            body = text.split("<!-- BEGIN QUESTION -->", 1)[1]
            heading = next((line.lstrip("# ").strip() for line in body.splitlines() if line.strip()),
                           "question")
            answer, inside = [], True
        elif inside:
            answer.append(text)
    return found


def write_answers(path: str | os.PathLike, assignment: str, notebooks: Iterable[Path],
                  labels: Iterable[str] | None = None) -> Path:
    """One HTML page with every notebook's written answers, question by question, each under
    its label (default :func:`row_labels`)."""
    notebooks = list(notebooks)
    labels = list(labels) if labels is not None else row_labels(notebooks)
    by_question: dict[str, list[tuple[str, str]]] = {}
    for nb, label in zip(notebooks, labels):
        try:
            answers = written_answers(nb)
        except Exception as err:  # noqa: BLE001 (an unreadable notebook is listed, not fatal)
            answers = [("(unreadable notebook)", f"{type(err).__name__}: {err}")]
        for heading, text in answers:
            by_question.setdefault(heading, []).append((label, text))
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(assignment)}: written "
             "answers</title><style>body{font-family:sans-serif;max-width:60em;margin:auto}"
             "pre{white-space:pre-wrap;background:#f6f6f6;padding:.6em}</style></head><body>",
             f"<h1>{html.escape(assignment)}: written answers</h1>"]
    for heading, answers in by_question.items():
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for name, text in answers:
            parts.append(f"<h3>{html.escape(name)}</h3><pre>{html.escape(text) or '(no answer)'}</pre>")
    parts.append("</body></html>")
    page = "\n".join(parts)
    return atomic_write(path, lambda fh: fh.write(page.encode()))


if __name__ == "__main__":
    sys.exit(_worker(*sys.argv[1:5]))
