"""The test cells of the assignment sources (issue 32), read without building anything:

* one rule for "a later question is graded with the reference helper":
  ``coursework.assignments.REFERENCE_HELPERS``, applied by ``coursework.graded``; no test cell
  spells a substitution out, every test of a declared function goes through the rule, and the
  declaration agrees with what the questions tell students;
* one shared body per question: a public test and its hidden twin call the same function of
  ``coursework.cases`` and differ in what they reveal, so few lines repeat between public and
  hidden cells (:func:`repeated_share`).

That the grading itself keeps the rule (a planted bug in an earlier question costs points only
there) is proved in ``tests/test_coursework.py``, which builds and grades.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
from pathlib import Path

import nbformat
import pytest
import torch

from inpaintlib import coursework
from inpaintlib.coursework import checks, references
from inpaintlib.coursework.assignments import REFERENCE_HELPERS, reference_helpers

NAMES = coursework.names()
#: The most a source's test lines may repeat between its public and hidden cells (issue 32:
#: 33-63 % before the shared bodies, 0-9 % after).
MAX_REPEATED_SHARE = 0.15


def test_cells(path: str | os.PathLike) -> list[tuple[bool, str]]:
    """``(hidden, source)`` of each test cell (a code cell between ``# BEGIN TESTS`` and
    ``# END TESTS``) of the assignment source ``path``."""
    nb = nbformat.read(Path(path), as_version=4)
    out, inside = [], False
    for cell in nb.cells:
        first = cell.source.strip().splitlines()[0].strip().upper() if cell.source.strip() else ""
        if cell.cell_type == "raw" and first.startswith(("# BEGIN TESTS", "# END TESTS")):
            inside = first.startswith("# BEGIN")
        elif inside and cell.cell_type == "code":
            out.append((first.startswith("# HIDDEN"), cell.source))
    return out


test_cells.__test__ = False      # a helper, not a pytest test


def significant_lines(source: str) -> list[str]:
    """The stripped lines of a test cell that carry code: no blank lines, comments (the
    ``# HIDDEN`` marker included) or imports (two tests may well import the same names; the
    same convention as ``tests/test_structure.py``)."""
    return [line.strip() for line in source.splitlines()
            if line.strip() and not line.strip().startswith(("#", "import ", "from "))]


def repeated_share(path: str | os.PathLike) -> float:
    """The share of the significant lines of the test cells of source ``path`` whose text is
    in a public test cell and in a hidden one: what a public test and a hidden test write
    twice instead of calling one shared body."""
    cells = [(hidden, significant_lines(source)) for hidden, source in test_cells(path)]
    public = {line for hidden, lines in cells if not hidden for line in lines}
    hidden = {line for is_hidden, lines in cells if is_hidden for line in lines}
    total = sum(len(lines) for _, lines in cells)
    return sum(line in public and line in hidden for _, lines in cells for line in lines) / max(total, 1)


def source(name: str) -> Path:
    return coursework.ASSIGNMENTS_DIR / f"{name}.ipynb"


@pytest.mark.parametrize("name", NAMES)
def test_public_and_hidden_tests_share_bodies_not_lines(name):
    share = repeated_share(source(name))
    assert share <= MAX_REPEATED_SHARE, (f"{name}: {share:.0%} of the test lines are written in a public and "
                                         f"in a hidden test cell; give the question one body in "
                                         f"inpaintlib/coursework/cases/ that both call")


def test_the_share_counts_lines_written_twice(tmp_path):
    """The measure itself: a hidden test that repeats its public twin's body is counted."""
    body = "    x = make()\n    check(x)\n"
    cells = [("# BEGIN TESTS", "raw"), ("def test_a(f):\n    import torch\n" + body, "code"),
             ("# HIDDEN\ndef test_b(f):\n    import torch\n" + body + "    extra(x)\n", "code"),
             ("# END TESTS", "raw")]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_raw_cell(s) if kind == "raw" else
                                         nbformat.v4.new_code_cell(s) for s, kind in cells])
    nbformat.write(nb, tmp_path / "A9_x.ipynb")
    assert repeated_share(tmp_path / "A9_x.ipynb") == 4 / 7          # x = make(), check(x), twice each


# -- one rule for the reference helpers ----------------------------------------------------

def test_no_test_cell_spells_out_a_substitution():
    """``with_helpers`` is applied in one place, :func:`coursework.graded`: not in a test cell,
    not in a shared body."""
    for name in NAMES:
        spelled = [re.search(r"def (test_\w+)", s).group(1) for _, s in test_cells(source(name))
                   if "with_helpers" in s]
        assert not spelled, f"{name}: {spelled} substitute helpers themselves; call coursework.graded"
    library = Path(coursework.__file__).parent
    calls = sorted(p.relative_to(library).as_posix() for p in library.rglob("*.py")
                   if "with_helpers(" in p.read_text().replace("def with_helpers(", ""))
    assert calls == ["checks.py"], calls


def _passes_through_the_rule(cell: str, function: str) -> bool:
    """Whether test cell ``cell`` hands the notebook's ``function`` to ``graded`` itself or to a
    shared body of ``coursework.cases`` that does."""
    for node in ast.walk(ast.parse(cell)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        arg = node.args[-1] if isinstance(node.func, ast.Name) and node.func.id == "graded" else node.args[0]
        if not (isinstance(arg, ast.Name) and arg.id == function):
            continue
        if isinstance(node.func, ast.Name) and node.func.id == "graded":
            return True
        if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            try:
                module = importlib.import_module(f"inpaintlib.coursework.cases.{node.func.value.id}")
            except ImportError:
                continue
            body = getattr(module, node.func.attr, None)
            if body is not None and f'graded("{function}", {function})' in inspect.getsource(body):
                return True
    return False


@pytest.mark.parametrize("name", sorted(REFERENCE_HELPERS))
def test_every_test_of_a_later_question_goes_through_the_rule(name):
    for function in REFERENCE_HELPERS[name]:
        for _, cell in test_cells(source(name)):
            if re.search(rf"^def test_\w+\([^)]*\b{function}\b", cell, flags=re.M):
                assert _passes_through_the_rule(cell, function), (
                    f"{name}: a test of {function} does not get it through coursework.graded:\n{cell[:300]}")


def _question_prose(name: str) -> dict[str, str]:
    """Each function that a question of ``name`` asks for -> the markdown of that question."""
    nb = nbformat.read(source(name), as_version=4)
    prose, text = {}, ""
    for cell in nb.cells:
        if cell.cell_type == "raw" and cell.source.strip().upper().startswith("# BEGIN QUESTION"):
            text = ""
        elif cell.cell_type == "markdown":
            text += cell.source + "\n"
        elif cell.cell_type == "code" and "# BEGIN SOLUTION" in cell.source:
            for function in re.findall(r"^def (\w+)\(", cell.source, flags=re.M):
                prose[function] = text
    return prose


@pytest.mark.parametrize("name", NAMES)
def test_the_rule_is_what_the_questions_say(name):
    """A question says "... in place of yours" exactly when its function is declared with
    reference helpers, and each helper is a function an earlier question asks for."""
    prose = _question_prose(name)
    declared = REFERENCE_HELPERS.get(name, {})
    said = {function for function, text in prose.items() if "in place of yours" in text}
    assert said == set(declared), f"{name}: the prose says {sorted(said)}, the rule {sorted(declared)}"
    order = list(prose)
    for function, helpers in declared.items():
        for helper in helpers:
            assert helper in order[:order.index(function)], f"{name}: {helper} is asked for after {function}"
            assert callable(getattr(references, helper, None)), f"no reference for {helper}"


def test_graded_runs_a_later_question_with_the_reference_helpers():
    """The student's own later function, a wrong earlier one in the notebook: graded runs the
    later one with the library's helper, and the own-code check still reads the student's."""
    from inpaintlib.wavelets import DWT
    notebook: dict = {}
    exec(compile("import torch\n"
                 "def haar_level(x):\n    return x[..., ::2, ::2], torch.zeros(0)\n"   # wrong
                 "def haar_pyramid(x, levels):\n    ll, yh = x, []\n    for _ in range(levels):\n"
                 "        ll, bands = haar_level(ll)\n        yh.append(bands)\n    return ll, yh\n",
                 "<notebook>", "exec"), notebook)
    x = torch.rand(1, 2, 8, 8, generator=torch.Generator().manual_seed(0))
    yl, yh = coursework.graded("haar_pyramid", notebook["haar_pyramid"])(x, 2)
    ref_yl, ref_yh = DWT(2)(x)
    assert torch.allclose(yl, ref_yl) and all(torch.allclose(a, b) for a, b in zip(yh, ref_yh))
    assert notebook["haar_pyramid"](x, 2)[1][0].numel() == 0                # the notebook is untouched
    assert coursework.graded("haar_level", notebook["haar_level"]) is notebook["haar_level"]
    graded_copy = coursework.graded("haar_pyramid", notebook["haar_pyramid"])
    assert checks.library_uses(graded_copy, ["torch"]) == ["torch"]     # the notebook's own haar_level
    with pytest.raises(AssertionError, match="`haar_pyramid` is not defined"):
        coursework.graded("haar_pyramid", None)


def test_a_graded_function_has_one_rule():
    names = [function for declared in REFERENCE_HELPERS.values() for function in declared]
    assert len(names) == len(set(names)), names
    assert reference_helpers("fit") == ("my_train_step", "optimizer_for", "make_optimizer")
    assert reference_helpers("haar_level") == ()
