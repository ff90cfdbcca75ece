"""The library's shape (issue: one architecture a newcomer can see): no import cycles,
no module over 450 lines, no block of six lines written twice, and CONTRIBUTING.md's
layout section naming exactly the modules and packages that exist."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from inpaintlib.paths import REPO_ROOT

LIB = REPO_ROOT / "inpaintlib"
MODULES = sorted(p for p in LIB.rglob("*.py") if "__pycache__" not in p.parts)
MAX_LINES = 450
REPEAT = 6


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_level_imports(path: Path) -> set[str]:
    """The inpaintlib modules ``path`` imports when it is imported (not inside functions)."""
    tree = ast.parse(path.read_text())
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if any(module_name(m) == candidate for m in MODULES) else base)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {name for name in found if name.startswith("inpaintlib")}


def test_no_import_cycles():
    graph = {module_name(p): module_level_imports(p) for p in MODULES}
    # a package's __init__ importing its own submodules is how packages work, not a cycle
    edges = {m: {d for d in deps if d in graph and not d.startswith(m + ".")} for m, deps in graph.items()}
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for dep in sorted(edges[node]):
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep] if dep in stack else [node, dep]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if dep not in state:
                visit(dep, stack + [dep])
        state[node] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])


def test_no_module_is_too_long():
    long = {str(p.relative_to(REPO_ROOT)): n for p in MODULES
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not long, f"split these modules (over {MAX_LINES} lines): {long}"


def significant_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, stripped text) of the lines that carry code: no blank lines, comments,
    lone brackets or import lines (two modules may well import the same five names)."""
    out = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#") or re.fullmatch(r"[\)\]\}\"',:]*", text):
            continue
        if text.startswith(("import ", "from ")):
            continue
        out.append((number, text))
    return out


def test_no_block_of_six_lines_is_repeated():
    seen: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for path in MODULES:
        lines = significant_lines(path)
        for i in range(len(lines) - REPEAT + 1):
            window = tuple(text for _, text in lines[i:i + REPEAT])
            seen[window].append(f"{path.relative_to(REPO_ROOT)}:{lines[i][0]}")
    repeated = {places[0]: places[1:] for places in seen.values() if len(places) > 1}
    assert not repeated, f"blocks of {REPEAT} lines written more than once (make one function): {repeated}"


def layout_entries() -> set[str]:
    """The ``inpaintlib/...`` entries of CONTRIBUTING.md's layout block."""
    text = (REPO_ROOT / "CONTRIBUTING.md").read_text()
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    entries, package = set(), None
    for line in block.splitlines():
        if not line.strip():
            continue
        name = line.split()[0]
        indent = len(line) - len(line.lstrip())
        if name == "inpaintlib/":
            package = "inpaintlib/"
        elif package and indent == 2 and (name.endswith(".py") or name.endswith("/")):
            entries.add(package + name)
        elif indent == 0:
            package = None
    return entries


def test_contributing_layout_matches_the_tree():
    tree = {f"inpaintlib/{p.name}" for p in LIB.glob("*.py")}
    tree |= {f"inpaintlib/{p.name}/" for p in LIB.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    listed = layout_entries()
    assert tree - listed == set(), f"not in CONTRIBUTING.md's layout: {sorted(tree - listed)}"
    assert listed - tree == set(), (f"in CONTRIBUTING.md's layout but not in inpaintlib/: "
                                    f"{sorted(listed - tree)}")
