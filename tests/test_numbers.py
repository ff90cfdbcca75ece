"""One source for each number (issues 24 and 31): what the prose and the README state is what the
notebooks print, tied to the output that prints it.

* Every number in a tutorial's prose (its markdown before the Exercises, which pose hypotheticals,
  and outside its References) has an entry in ``prose_sources.SOURCES`` under its markdown cell, in
  the order the prose states them. A number is a decimal ("0.63", the 0.20 of "-0.20 dB", both ends
  of "19.40-19.78", "13.64M") or an integer followed by a unit: dB, %, a ratio ("20×"), times, ms,
  s, minutes, hours ("GTX 1080 hours"), grey levels, img/s or images/s, M or k (parameters),
  GFLOPs, MB, GB; both ends of a range count ("50-52 dB", "16 to 39 times", "4,861 vs 1,387 s"). A
  number without an entry fails, and the message suggests entries: the output lines that print it.
* A ``Printed`` entry names a code cell, one line of its outputs (``row``: the line's label, the
  text before its first number, or where labels repeat the line's leading text; ``section``: the
  block of lines, up to a blank line, that begins with this text) and ``column`` (the n-th number on
  that line, from 0). That number must equal the prose's at the precision written, directly or in
  millions, thousands or per cent; signs are ignored (the prose says "by 0.20 dB" for a printed
  -0.200). A re-execution that changes the output fails here until the prose follows. A ``Code``
  entry does the same for a line of the cell's source (a constant such as the paper's Dice values).
* An ``Elsewhere`` entry says where a number that no cell prints comes from (the papers, a method
  setting, arithmetic written out in the sentence, a run time measured by ``make run``).
* An entry whose number the prose no longer states fails.
* The README's table of reference hole PSNRs is notebook 08's pooled table.
* The README's parameter counts are the ones the architecture notebooks print.

Not checked: integers without a unit or with another ("900 crops", "96 px", "12×12"), numbers in
words, the prose's signs, the reasons of ``Elsewhere`` entries, and whether an entry's output line
states the quantity the sentence means (that is what a reviewer of ``prose_sources.py`` reads).
Speeds in the README (images per second, minutes of training) are measured by
``python -m inpaintlib bench`` and the training logs on the reference machine, not by the
notebooks, and are not checked here.
"""

from __future__ import annotations

import difflib
import json
import re
from itertools import takewhile

import pytest
from prose_sources import SOURCES, Code, Elsewhere, Printed

from inpaintlib.paths import NOTEBOOKS_DIR, REPO_ROOT

TUTORIALS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))

#: A number in an output or a code line, as found there (sign included).
NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*\.?\d*(?:e[-+]?\d+)?")
#: A number printed in these units may stand for the prose's: units, millions, thousands, per cent.
SCALES = (1, 1e-6, 1e-3, 100)

_NOT_IN_A_WORD = r"(?<![\w.])(?<![A-Za-z]-)"   # not "Apache-2.0", "t3-6", "v1.2"
#: A decimal in the prose, without its sign; "13.64M" counts, "2.7.0" does not.
DECIMAL = re.compile(_NOT_IN_A_WORD + r"\d+\.\d+(?![\d.]*(?!M\b)\w)")
_UNIT = (r"(?:\s*(?:dB|%|times|minutes?|min|seconds?|s|ms|(?:GTX 1080 )?hours?|grey levels|img/s|images/s"
         r"|M|k|GFLOPs|MB|GB)(?![\w$])|[×x](?!\w|\s*\d))")
#: An integer in the prose followed by a unit, directly or as the first end of a range ("50-52 dB").
INTEGER = re.compile(_NOT_IN_A_WORD + r"(?<![\d,])(?<!GTX )\d[\d,]*(?![\d,]*\.\d)"
                     r"(?=(?:\s*(?:-|–|to|vs)\s*[\d.,]+)?" + _UNIT + ")")


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _code_and_outputs(cells) -> str:
    """Every code cell's source and outputs, as one text."""
    parts = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        parts.append("".join(cell["source"]))
        for out in cell.get("outputs", []):
            parts.append("".join(out.get("text", "")))
            for kind in ("text/plain", "text/html", "text/markdown"):
                parts.append("".join(out.get("data", {}).get(kind, "")))
    return "\n".join(parts)


def prose_numbers(cells) -> dict[str, list[tuple[str, str]]]:
    """Markdown cell id -> (number as written, the words around it), in the order of the prose."""
    found = {}
    for cell in cells:
        text = "".join(cell["source"])
        if cell["cell_type"] != "markdown" or text.startswith("## References"):
            continue
        text = text.split("## Exercises")[0]
        matches = sorted({m.start(): m for rx in (DECIMAL, INTEGER) for m in rx.finditer(text)}.items())
        if matches:
            found[cell["id"]] = [(m.group(0), " ".join(text[max(0, m.start() - 50):m.end() + 20].split()))
                                 for _, m in matches]
    return found


def output_lines(cell) -> list[str]:
    """The lines a code cell printed (stream text, text/plain, text/markdown), spaces collapsed."""
    text = []
    for out in cell.get("outputs", []):
        text.append("".join(out.get("text", "")))
        text += ["".join(out.get("data", {}).get(kind, "")) for kind in ("text/plain", "text/markdown")]
    return [" ".join(line.split()) for part in text for line in part.splitlines()]


def source_lines(cell) -> list[str]:
    """The lines of a code cell's source, spaces collapsed."""
    return [" ".join(line.split()) for line in "".join(cell["source"]).splitlines()]


def label(line: str) -> str:
    """The text before a line's first number."""
    first = NUMBER.search(line)
    return line[:first.start()].strip() if first else line


def _begins(line: str, text: str) -> bool:
    """``line`` begins with ``text``, which ends at a word boundary ("square 4px" is not "square 48px")."""
    return line.startswith(text) and not (text[-1:].isalnum() and line[len(text):len(text) + 1].isalnum())


def find_line(lines: list[str], row: str, section: str = "") -> str:
    """The one line that ``row`` names: the line labelled ``row``, or else the line that begins with it;
    with ``section``, among the lines from the one that begins with ``section`` to the next blank one."""
    if section:
        start = next((i for i, line in enumerate(lines) if line.startswith(section)), None)
        if start is None:
            raise LookupError(f"no line begins with {section!r}")
        lines = list(takewhile(bool, lines[start:]))
    found = [line for line in lines if label(line) == row] or [line for line in lines if _begins(line, row)]
    if len(found) != 1:
        raise LookupError(f"{len(found)} lines are labelled or begin with {row!r}")
    return found[0]


def shows(printed: str, written: str) -> bool:
    """``printed`` (as found in an output) equals ``written`` (as the prose writes it) at the prose's
    precision, in the same unit or in millions, thousands or per cent, whatever the signs."""
    try:
        value = abs(float(printed.replace(",", "")))
    except ValueError:
        return False
    decimals = len(written.split(".")[1]) if "." in written else 0
    half_step = 0.5 * 10 ** -decimals * (1 + 1e-9)
    return any(abs(value * scale - float(written.replace(",", ""))) <= half_step for scale in SCALES)


def problem(written: str, source, cells_by_id) -> str | None:
    """Why ``source`` does not show ``written``, or None when it does (always for ``Elsewhere``)."""
    if isinstance(source, Elsewhere):
        return None if source.reason else "an Elsewhere entry needs a reason"
    cell = cells_by_id.get(source.cell)
    if cell is None or cell["cell_type"] != "code":
        return f"no code cell {source.cell!r}"
    lines = source_lines(cell) if isinstance(source, Code) else output_lines(cell)
    try:
        line = find_line(lines, source.row, getattr(source, "section", ""))
    except LookupError as err:
        return f"cell {source.cell}: {err}"
    numbers = NUMBER.findall(line)
    if source.column >= len(numbers):
        return f"cell {source.cell}: {line!r} has no number {source.column}"
    if not shows(numbers[source.column], written):
        return f"cell {source.cell}: {line!r} shows {numbers[source.column]}, not {written}"
    return None


def _names(lines: list[str], line: str, row: str, section: str = "") -> bool:
    """``row`` (within ``section``) names ``line``."""
    try:
        return find_line(lines, row, section) == line
    except LookupError:
        return False


def entry_for(cell_id: str, lines: list[str], line: str, column: int) -> str:
    """The simplest ``Printed`` entry for number ``column`` of output ``line``: by its label, by its
    label within the block (after a blank line) that holds it, or by its leading words."""
    block = next(lines[i] for i in range(lines.index(line), -1, -1) if i == 0 or not lines[i - 1])
    if _names(lines, line, label(line)):
        return f"Printed({cell_id!r}, {label(line)!r}, {column})"
    if _names(lines, line, label(line), block):
        return f"Printed({cell_id!r}, {label(line)!r}, {column}, section={block!r})"
    words = line.split(" ")
    row = next((r for r in (" ".join(words[:k]) for k in range(1, len(words) + 1))
                if len(r) > len(label(line)) and _names(lines, line, r)), line)
    return f"Printed({cell_id!r}, {row!r}, {column})"


def suggestions(written: str, cells, near: str, most: int = 3) -> list[str]:
    """Entries that would tie ``written`` to an output line that prints it, each with that line: the
    lines that print it as written first, then those in its unit, then from the code cells nearest
    before the markdown cell ``near``."""
    at = next(i for i, cell in enumerate(cells) if cell["id"] == near)
    found = []
    for i, cell in enumerate(cells):
        lines = output_lines(cell) if cell["cell_type"] == "code" else []
        for line in lines:
            for column, number in enumerate(NUMBER.findall(line)):
                if shows(number, written):
                    unit = abs(abs(float(number.replace(",", ""))) - float(written.replace(",", ""))) < 1
                    rank = (number.lstrip("+-") != written, not unit, i > at, abs(at - i))
                    found.append((rank, f"({written!r}, {entry_for(cell['id'], lines, line, column)}),"
                                        f"   # {line[:70]}"))
    return [entry for _, entry in sorted(found, key=lambda f: f[0])[:most]]


def _aligned(written: list[str], entries: list[str]):
    """(prose positions without an entry, entry positions without a prose number)."""
    unmatched, stale = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, written, entries, autojunk=False).get_opcodes():
        if tag != "equal":
            unmatched += range(i1, i2)
            stale += range(j1, j2)
    return unmatched, stale


def unsourced(cells, sources) -> list[str]:
    """The prose numbers that have no entry in ``sources`` (a notebook's part of SOURCES)."""
    missing = []
    for cell_id, numbers in prose_numbers(cells).items():
        entries = [number for number, _ in sources.get(cell_id, [])]
        for i in _aligned([n for n, _ in numbers], entries)[0]:
            number, context = numbers[i]
            options = suggestions(number, cells, cell_id) or [f'({number!r}, Elsewhere("where from")),']
            missing.append(f"cell {cell_id}: {number} in '...{context}...'; an entry could be\n    "
                           + "\n    ".join(options))
    return missing


def stale(cells, sources) -> list[str]:
    """The entries of ``sources`` whose number the prose of their markdown cell does not state."""
    numbers = prose_numbers(cells)
    found = []
    for cell_id, entries in sources.items():
        written = [n for n, _ in numbers.get(cell_id, [])]
        found += [f"cell {cell_id}: {entries[j]}" for j in _aligned(written, [n for n, _ in entries])[1]]
    return found


def mismatches(cells, sources) -> list[str]:
    """The entries whose source does not show their number."""
    by_id = {cell["id"]: cell for cell in cells}
    found = [(number, problem(number, source, by_id))
             for entries in sources.values() for number, source in entries]
    return [f"{number}: {why}" for number, why in found if why]


@pytest.mark.parametrize("notebook", TUTORIALS, ids=lambda p: p.name[:2])
def test_every_prose_number_has_a_source(notebook):
    missing = unsourced(_cells(notebook), SOURCES.get(notebook.stem, {}))
    assert not missing, (f"{notebook.name}: prose numbers without an entry in tests/prose_sources.py:\n"
                         + "\n".join(missing))


@pytest.mark.parametrize("notebook", TUTORIALS, ids=lambda p: p.name[:2])
def test_every_source_shows_its_number(notebook):
    wrong = mismatches(_cells(notebook), SOURCES.get(notebook.stem, {}))
    assert not wrong, (f"{notebook.name}: the prose and the output it names disagree (update the prose, or "
                       "the entry in tests/prose_sources.py):\n" + "\n".join(wrong))


@pytest.mark.parametrize("notebook", TUTORIALS, ids=lambda p: p.name[:2])
def test_every_source_is_still_used_by_the_prose(notebook):
    unused = stale(_cells(notebook), SOURCES.get(notebook.stem, {}))
    assert not unused, (f"{notebook.name}: entries in tests/prose_sources.py whose number the prose no "
                        "longer states:\n" + "\n".join(unused))


def test_sources_name_the_tutorials():
    assert set(SOURCES) == {path.stem for path in TUTORIALS}


def _planted(cells, cell_id: str, old: str, new: str, in_outputs: bool = False):
    """A copy of ``cells`` with ``old`` replaced by ``new`` in cell ``cell_id``'s source (or outputs)."""
    def edit(cell):
        if cell["id"] != cell_id:
            return cell
        if in_outputs:
            return dict(cell, outputs=[dict(out, text="".join(out.get("text", "")).replace(old, new))
                                       for out in cell["outputs"]])
        return dict(cell, source="".join(cell["source"]).replace(old, new))
    return [edit(cell) for cell in cells]


NOTEBOOK_08 = NOTEBOOKS_DIR / "08_evaluation.ipynb"
PROSE_CELL = "bdb337a5"   # "... where the truth differs from it by 26.5, ..."
ENTRY = ("26.5", Printed("fb58b85f", "truth minus pre-fill in the holes:", 0))


def test_a_changed_prose_number_is_caught():
    """Notebook 08 says the truth differs from the pre-fill by 26.5 grey levels. Changed to 25.6,
    which another cell of 08 prints (so the old check, against every printed number, passed it),
    the number has no entry and its entry is stale."""
    cells, sources = _cells(NOTEBOOK_08), SOURCES["08_evaluation"]
    assert ENTRY in sources[PROSE_CELL] and not unsourced(cells, sources)
    assert any(shows(n, "25.6") for n in NUMBER.findall(_code_and_outputs(cells))), "08 no longer prints 25.6"
    planted = _planted(cells, PROSE_CELL, "by 26.5,", "by 25.6,")
    assert [m.split(" in ")[0] for m in unsourced(planted, sources)] == [f"cell {PROSE_CELL}: 25.6"]
    assert stale(planted, sources) == [f"cell {PROSE_CELL}: {ENTRY}"]


def test_a_changed_output_is_caught():
    """A re-execution that prints 26.4 grey levels where the prose says 26.5 fails."""
    cells, sources = _cells(NOTEBOOK_08), SOURCES["08_evaluation"]
    assert not mismatches(cells, sources)
    planted = _planted(cells, ENTRY[1].cell, "26.5 grey levels", "26.4 grey levels", in_outputs=True)
    assert mismatches(planted, sources) == [
        f"26.5: cell {ENTRY[1].cell}: 'truth minus pre-fill in the holes: 26.4 grey levels; 95% intervals "
        "over 9 photos, 900 crops' shows 26.4, not 26.5"]


def _pooled_hole_psnr() -> dict[str, dict[str, str]]:
    """Notebook 08's pooled tables: mask set -> model -> hole PSNR as printed."""
    text = _code_and_outputs(_cells(NOTEBOOKS_DIR / "08_evaluation.ipynb"))
    tables = {}
    for kind, body in re.findall(r"'(\w+)' masks\nmodel\s+hole PSNR.*?\n-[- ]+\n(.*?)(?:\n\n|$)", text,
                                 flags=re.S):
        tables[kind] = {line[:17].strip(): line[17:].split()[0] for line in body.splitlines()}
    return tables


def test_readme_hole_psnr_table_is_notebook_08s():
    readme = (REPO_ROOT / "README.md").read_text()
    header = re.search(r"^\| masks \| (.*) \|$", readme, flags=re.M)
    names = [h.strip() for h in header.group(1).split("|")]
    columns = {"WaveMix": "wavemix", "LaMa": "lama", "CNN": "cnn", "Telea": "telea",
               "Navier-Stokes": "navier_stokes", "biharmonic": "biharmonic",
               "push-pull fill": "push_pull", "mean-colour fill": "mean_fill"}
    pooled = _pooled_hole_psnr()
    assert set(pooled) == {"medium", "thick"}, f"notebook 08's pooled tables not found: {sorted(pooled)}"
    for kind in pooled:
        row = re.search(rf"^\| `{kind}` \| (.*) \|$", readme, flags=re.M)
        assert row, f"README has no `{kind}` row in its hole PSNR table"
        for name, value in zip(names, row.group(1).split("|")):
            printed = float(pooled[kind][columns[name]])
            assert f"{printed:.2f}" == value.strip(), (
                f"README says {name} {value.strip()} dB on `{kind}`, notebook 08 prints {printed:.2f}: "
                "update the README")


@pytest.mark.parametrize("model, notebook", [("wavemix", "03"), ("cnn", "04"), ("lama", "06"),
                                             ("unet", "05"), ("convmixer_unet", "05")])
def test_readme_parameter_counts_are_printed_by_the_notebooks(model, notebook):
    readme = (REPO_ROOT / "README.md").read_text()
    row = re.search(rf"^\| `{model}` \|[^|]*\| ([\d,]+) ", readme, flags=re.M)
    assert row, f"README's model table has no parameter count for {model}"
    text = _code_and_outputs(_cells(next(NOTEBOOKS_DIR.glob(f"{notebook}_*.ipynb"))))
    assert row.group(1) in text, (f"README says {model} has {row.group(1)} parameters; notebook "
                                  f"{notebook} does not print it")
