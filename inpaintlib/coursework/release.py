"""The student release: the folder students receive, without what only instructors hold.

    python -m inpaintlib student-release            # make student-release -> runs/student-release/

The course repository holds the assignment *sources* (solutions, hidden tests, written
model answers) in ``notebooks/assignments/``, so it stays private to the instructors. The
release is everything else that a student needs, built from the files git tracks:

* the library, the tutorials (executed), their figures, the data and reference checkpoints,
  the set-up files (``pyproject.toml``, the lock, ``environment.yml``, the ``Makefile``);
* ``notebooks/assignments/A*.ipynb``: the *student* notebooks that ``otter assign`` generates
  (questions, answer cells, public tests only), and a student guide in place of the
  instructors' one;
* no ``tests/`` (the course's tests quote solutions to prove that they are caught), no
  ``.ci/``, no assignment source, no autograder zip.

The release is written next to its destination and renamed into place, so an interrupted
build never leaves half a release. Publish it as its own repository (the two-repository
workflow of ``notebooks/assignments/README.md``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..paths import REPO_ROOT, output_dir
from .assignments import names, questions

#: Tracked paths (prefixes) that never reach students.
PRIVATE = ("notebooks/assignments/", "tests/", ".ci/")
#: Exceptions: tracked files under :data:`PRIVATE` that students need.
SHARED = ("tests/nbval_sanitize.cfg",)       # `make test` in the release checks the tutorials with nbval


def tracked_files(repo: Path = REPO_ROOT) -> list[str]:
    """The files git tracks in ``repo`` (paths relative to it)."""
    try:
        listing = subprocess.run(["git", "ls-files", "-z"], cwd=repo, check=True, capture_output=True).stdout
    except (OSError, subprocess.CalledProcessError) as err:
        raise RuntimeError(f"the student release is built from the files git tracks, and `git ls-files` "
                           f"failed "
                           f"in {repo} ({err}); build it from a git checkout of the course") from None
    return sorted(p for p in listing.decode().split("\0") if p)


def released(path: str) -> bool:
    """Whether tracked file ``path`` goes into the student release."""
    return path in SHARED or not path.startswith(PRIVATE)


def student_release(out: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Write the student release to ``out`` (default ``runs/student-release/``), replacing an
    earlier one, and return it."""
    from .assign import build
    out = Path(out or output_dir("student-release")).resolve()
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file, not a folder: give --out a folder (it is created if missing)")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for rel in filter(released, tracked_files()):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / rel, target)
        with tempfile.TemporaryDirectory() as tmp:
            built = build(out=tmp, check=False, progress=progress)
            folder = staging / "notebooks" / "assignments"
            folder.mkdir(parents=True, exist_ok=True)
            for b in built.values():
                shutil.copytree(b.student.parent, folder, dirs_exist_ok=True)
        (staging / "notebooks" / "assignments" / "README.md").write_text(student_guide())
        makefile = staging / "Makefile"
        makefile.write_text(_without_target(_without_target(makefile.read_text(), "assignments"),
                                            "student-release"))
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if progress:
        print(f"student release: {sum(1 for p in out.rglob('*') if p.is_file())} files in {out}")
    return out


def _without_target(makefile: str, target: str) -> str:
    """``makefile`` without ``target``'s rule, its comment line and its ``.PHONY`` entry
    (the release has no assignment sources to build)."""
    lines, out, skipping = makefile.splitlines(), [], False
    for line in lines:
        if skipping:
            if line.startswith("\t"):
                continue
            skipping = False
        if line.startswith(f"{target}:"):
            skipping = True
            continue
        if line.startswith(f"#   make {target} "):
            continue
        if line.startswith(".PHONY:"):
            line = " ".join(w for w in line.split(" ") if w != target)
        out.append(line)
    return "\n".join(out) + "\n"


def student_guide() -> str:
    """The README of the release's ``notebooks/assignments/``: how to work on, check and
    hand in an assignment, and the points of each."""
    rows = []
    for name in names():
        qs = questions(name)
        written = sum(q.points for q in qs if q.manual)
        rows.append(f"| `{name}.ipynb` | {len(qs)} | {sum(q.points for q in qs):g}"
                    f"{f' ({written:g} written)' if written else ''} |")
    return "\n".join([
        "# Graded assignments",
        "",
        "Each notebook here is one assignment. Open it in JupyterLab (`make lab` from the top folder),",
        "read each question, write your answer in the cells that say so, and run",
        "`grader.check(\"<question>\")` under it: that runs the question's **public** tests, which",
        "check the basics (shapes, types, a simple case). More tests run when your notebook is",
        "graded, so passing the public ones does not mean full marks.",
        "",
        "- **Keep the file name** (`A1_haar_dwt.ipynb`, ...): the checks and the grader look for it.",
        "- **Write your own code.** A question that asks you to implement something the course's",
        "  library (`inpaintlib`) or another package already does scores 0 if your function calls",
        "  that code; the question says what you may use.",
        "- **Before you hand in:** Kernel -> Restart Kernel and Run All Cells, check that every cell",
        "  ran without an error, save, and submit the `.ipynb` file.",
        "- Written questions are graded by hand: answer in the Markdown cell under the question.",
        "",
        "| notebook | questions | points |",
        "|---|---|---|",
        *rows,
        "",
    ])
