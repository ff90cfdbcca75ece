"""One source for each number (issue 24): what the prose and the README state is what the
notebooks print.

* Every decimal number in a tutorial's prose (before its Exercises, which pose hypotheticals)
  equals, at the precision written, a number printed or written in the notebook's code or
  outputs (in the same unit, in millions, thousands or per cent), or is listed in ``ELSEWHERE``
  with where it comes from (the papers, arithmetic written out in the sentence).
* The README's table of reference hole PSNRs is notebook 08's pooled table.
* The README's parameter counts are the ones the architecture notebooks print.

Speeds in the README (images per second, minutes of training) are measured by
``python -m inpaintlib bench`` and the training logs on the reference machine, not by the
notebooks, and are not checked here.
"""

from __future__ import annotations

import json
import re

import pytest

from inpaintlib.paths import NOTEBOOKS_DIR, REPO_ROOT

TUTORIALS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))

#: (notebook number, number as written) -> where it comes from, when no cell prints it.
ELSEWHERE = {
    ("00", "2.6"): "STL-10's download size, from its website",
    ("01", "5.3"): "2304² written out in the sentence",
    ("02", "1.6"): "144 / 9216, a 12×12 hole in a 96×96 image, written out in the sentence",
    ("02", "0.99"): "the paper's ablation SSIMs (Tables 2 and 3)",
    ("02", "4.5"): "the sizes of the committed files in data/masks/",
    ("03", "0.5"): "the dropout of the authors' training script",
    ("03", "3.3"): "the ratio of two GFLOPs of the preset table above it",
    ("06", "70.3"): "the WaveMix paper's Table 1 (LaMa's FID)",
    ("06", "0.893"): "the WaveMix paper's Table 1 (LaMa's SSIM)",
    ("06", "2.6"): "the ratio of the GFLOPs printed for LaMa and WaveMix",
    ("07", "2.4"): "the course's earlier references, measured in notebook 08 before the push-pull recipe",
    ("08", "12.7"): "the Student-t quantile t(0.975, 1), named in the sentence",
    ("09", "3.5"): "the WaveMix paper's Table 1 (LaMa's training time relative to WaveMix)",
    ("11", "0.56"): "the difference of LaMa's and Telea's hole PSNR in the table above it",
}

NUMBER = re.compile(r"(?<![\w.])[-+]?\d[\d,]*\.?\d*(?:e[-+]?\d+)?")


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _code_and_outputs(cells) -> str:
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


def printed_values(text: str) -> set[float]:
    values = set()
    for match in NUMBER.finditer(text):
        try:
            values.add(abs(float(match.group(0).replace(",", ""))))
        except ValueError:
            pass
    return values


def shown(value: str, printed: set[float]) -> bool:
    """``value`` (as written, e.g. "0.42") equals a printed number at its precision, directly
    or in millions, thousands or per cent."""
    decimals = len(value.split(".")[1])
    target = float(value)
    return any(round(x * scale, decimals) == target for x in printed for scale in (1, 1e-6, 1e-3, 100))


def prose_numbers(cells) -> list[tuple[str, str]]:
    """(number, context) for each decimal number in the markdown before the Exercises."""
    found = []
    for cell in cells:
        text = "".join(cell["source"])
        if cell["cell_type"] != "markdown" or text.startswith("## References"):
            continue
        text = text.split("## Exercises")[0]
        for m in re.finditer(r"(?<![\w.\-/])(\d+\.\d+)(?![\d.]*\w)", text):
            found.append((m.group(1), " ".join(text[max(0, m.start() - 60):m.end() + 15].split())))
    return found


@pytest.mark.parametrize("notebook", TUTORIALS, ids=lambda p: p.name[:2])
def test_prose_numbers_are_printed_by_the_notebook(notebook):
    cells = _cells(notebook)
    printed = printed_values(_code_and_outputs(cells))
    number = notebook.name[:2]
    unsourced = [(v, ctx) for v, ctx in prose_numbers(cells)
                 if not shown(v, printed) and (number, v) not in ELSEWHERE]
    assert not unsourced, (f"{notebook.name}: prose numbers no cell prints (print them, or list their "
                           f"source in ELSEWHERE): " + "; ".join(f"{v} in '...{c}...'" for v, c in unsourced))


def test_every_listed_source_is_still_needed():
    stale = [key for key in ELSEWHERE
             if not any(v == key[1]
                        for v, _ in prose_numbers(_cells(next(NOTEBOOKS_DIR.glob(f"{key[0]}_*.ipynb")))))]
    assert not stale, f"ELSEWHERE lists numbers the prose no longer has: {stale}"


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


def test_a_planted_wrong_number_is_caught():
    """The check can fail: notebook 08 says the truth differs from the pre-fill by 26.5 grey
    levels (printed); changed to 62.5 in the prose, no cell prints it. (A change to a number that
    some other cell happens to print, e.g. 25.6, still passes: the check ties a number to the
    notebook, not to the cell that makes it.)"""
    cells = _cells(NOTEBOOKS_DIR / "08_evaluation.ipynb")
    printed = printed_values(_code_and_outputs(cells))
    written = [v for v, _ in prose_numbers(cells)]
    assert "26.5" in written and shown("26.5", printed)
    planted = [dict(c, source="".join(c["source"]).replace("26.5", "62.5")) if c["cell_type"] == "markdown"
               else c for c in cells]
    assert [v for v, _ in prose_numbers(planted) if not shown(v, printed)] == ["62.5"]
