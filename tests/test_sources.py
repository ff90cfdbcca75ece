"""Where the course comes from (issue 24): the licence, how to cite it, and in every notebook the
papers and code it reproduces or uses, with links a student can follow."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from inpaintlib.paths import NOTEBOOKS_DIR, REPO_ROOT

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
#: The two papers the course reproduces, by a link that identifies each.
PAPERS = ("arxiv.org/abs/2307.00407", "github.com/umar07/image-inpainting")


def test_licence_is_the_mit_text_and_names_the_third_party_material():
    text = (REPO_ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text
    assert "data/photos/README.md" in text                          # the photos keep their licences
    assert 'license = { text = "MIT" }' in (REPO_ROOT / "pyproject.toml").read_text()


def test_citation_file_is_valid_and_cites_both_papers():
    cff = yaml.safe_load((REPO_ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "MIT" and cff["authors"]
    text = json.dumps(cff["references"])
    assert all(link in text for link in PAPERS)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_every_notebook_ends_with_references_that_link_to_a_paper(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    refs = [c for c in cells if c["cell_type"] == "markdown"
            and "".join(c["source"]).startswith("## References")]
    assert refs and cells[-1] is refs[0], f"{notebook.name}: the last cell must be '## References'"
    text = "".join(refs[0]["source"])
    links = re.findall(r"\]\((https?://[^)]+)\)", text)
    assert links and any(p in text for p in PAPERS), f"{notebook.name}: no link to the papers it reproduces"
    assert all(re.match(r"https://(arxiv\.org|doi\.org|github\.com|proceedings\.mlr\.press|www\.cs\.toronto\.edu|"
                        r"anywidget\.dev|otter-grader\.readthedocs\.io)(/|$)", link) for link in links), links
