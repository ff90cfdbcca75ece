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
graded function does not call the library function it is compared with. Every test gets the
function it grades through :func:`graded`, which applies the one rule for a later question that
calls an earlier one's function (:data:`~.assignments.REFERENCE_HELPERS`: it runs with the
library's version, :mod:`.references`). A question's public and hidden tests call one shared body
(:mod:`.cases`) and differ only in what they reveal: the hidden one passes the catalogue of known
mistakes. Everything runs offline: no Docker, no PDF export.

    from inpaintlib import coursework
    built = coursework.build(["A1"])                     # python -m inpaintlib assignments --only A1
    grades = coursework.grade(built["A1_haar_dwt"].student, built["A1_haar_dwt"].autograder_zip)
    print(grades.format())

Grading applies two rules on top of the tests (:func:`apply_rules`): a question whose function
calls code that does its work scores 0, and a notebook that changes code it did not write
(:mod:`~inpaintlib.coursework.integrity`) scores 0 everywhere. :mod:`~inpaintlib.coursework.classroom`
grades a whole class (a process and a time limit per notebook, CSV, feedback, written answers);
:mod:`~inpaintlib.coursework.release` writes what students receive.

The tests grade many deliberately wrong answers in their own process without a kernel
(``tests/grading_in_process.py``: test code, not part of this package).
"""


from .assign import AssignmentCheckError, Built, build
from .assignments import ASSIGNMENTS_DIR, Question, names, questions, resolve
from .checks import (
                     LIBRARY_CODE,
                     OWN_CODE,
                     check_close,
                     check_coverage,
                     check_masks,
                     check_own_code,
                     check_weights_close,
                     coverage_summary,
                     defined,
                     graded,
                     library_uses,
                     load_weights_file,
                     unpack,
                     with_helpers,
)
from .grading import Grades, QuestionGrade, apply_rules, autograder_zip, grade, grade_many, kernel_environment

__all__ = ["ASSIGNMENTS_DIR", "LIBRARY_CODE", "OWN_CODE", "AssignmentCheckError", "Built", "Grades",
           "Question", "QuestionGrade", "apply_rules", "autograder_zip", "build", "check_close",
           "check_coverage", "check_masks", "check_own_code", "check_weights_close", "coverage_summary",
           "defined", "grade", "graded",
           "grade_many", "kernel_environment", "library_uses", "load_weights_file", "names", "questions",
           "resolve", "unpack", "with_helpers"]
