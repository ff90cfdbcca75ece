"""What grading does not let a submission do: change the code that grades it.

The tests of an assignment run in the same Python process as the student's cells, so a cell
could replace the checking helpers with no-ops or make ``torch.allclose`` always true. The
grader therefore reads every code cell *before* the notebook runs, in its own process, and
:func:`tampering` lists each statement that changes code the notebook did not write:

* assigning to (or deleting) an attribute of an imported module, at any depth
  (``torch.allclose = ...``, ``cw.check_close = ...``, ``np.testing.assert_allclose = ...``);
* the tools that do the same indirectly: ``setattr``, ``delattr``, ``exec``, ``eval``,
  ``compile``, ``__import__``, ``globals()``, ``sys.modules``, ``builtins`` and
  ``__builtins__``, ``importlib.reload``, ``ctypes``, ``gc``.

A notebook with any of these scores 0 on every auto-graded question, with a message that
names the cell and the line (:func:`inpaintlib.coursework.grading.apply_rules`). None of the
assignments needs them. A static reading cannot see everything (code built from strings at
run time is refused outright, which is why ``exec`` and friends are on the list).
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

#: Calls and names that change code indirectly (see the module docstring).
FORBIDDEN_CALLS = ("setattr", "delattr", "exec", "eval", "compile", "__import__", "globals")
FORBIDDEN_NAMES = ("__builtins__", "builtins", "ctypes", "gc")
FORBIDDEN_ATTRIBUTES = (("sys", "modules"), ("importlib", "reload"))
#: Modules whose settings a notebook may change (plot styles): they cannot touch the grading.
HARMLESS = ("matplotlib",)


def _python_source(cell_source: str) -> str:
    """A code cell without IPython's ``%magic`` and ``!shell`` lines (blank lines instead,
    so line numbers stay)."""
    return "\n".join("" if re.match(r"\s*[%!]", line) else line for line in cell_source.splitlines())


def _root_name(node: ast.AST) -> str | None:
    """``torch`` for ``torch.nn.functional.conv2d``; None if the chain does not start at a name."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def scan_source(source: str) -> list[tuple[int, str]]:
    """``(line, reason)`` for each tampering statement in one cell's Python ``source``
    (a cell that does not parse is skipped: it fails when it runs)."""
    try:
        tree = ast.parse(_python_source(source))
    except SyntaxError:
        return []
    modules = {}                                           # local name -> imported module (or object)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules |= {(a.asname or a.name.split(".")[0]): a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules |= {a.asname or a.name: f"{node.module}.{a.name}" for a in node.names}
    modules = {name: full for name, full in modules.items() if not full.startswith(HARMLESS)}
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            for t in (target.elts if isinstance(target, ast.Tuple) else [target]):
                root = _root_name(t)
                if isinstance(t, (ast.Attribute, ast.Subscript)) and root in modules:
                    found.append((node.lineno, f"changes `{ast.unparse(t)}`, part of the imported module "
                                               f"{root}"))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
            found.append((node.lineno, f"calls {node.func.id}()"))
        if isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            found.append((node.lineno, f"uses {node.id}"))
        if isinstance(node, ast.alias) and node.name.split(".")[0] in FORBIDDEN_NAMES:
            found.append((getattr(node, "lineno", 0), f"imports {node.name}"))
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and (node.value.id, node.attr) in FORBIDDEN_ATTRIBUTES):
            found.append((node.lineno, f"uses {node.value.id}.{node.attr}"))
    return sorted(set(found))


def tampering(notebook: str | os.PathLike) -> list[str]:
    """Every tampering statement in the code cells of ``notebook``, as
    ``"cell 7, line 2: changes `torch.allclose`, part of the imported module torch"``;
    an empty list for an honest notebook."""
    import nbformat
    nb = nbformat.read(Path(notebook), as_version=4)
    out = []
    for index, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "code":
            out += [f"cell {index}, line {line}: {reason}" for line, reason in scan_source(cell.source)]
    return out
