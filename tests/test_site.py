"""The course website (issue 24): `make site` renders the executed notebooks with Jupyter Book,
without executing them; every internal link and image resolves; Chromium opens three pages.

The home page's screenshot is saved to ``runs/site_home.png`` (``figures/site_home.png`` is a
committed copy of one). Chromium comes from the system, as for the studio's browser test.
"""

from __future__ import annotations

import json

import pytest
from chromium import CHROMIUM, needs_chromium

from inpaintlib import export
from inpaintlib.__main__ import main
from inpaintlib.paths import NOTEBOOKS_DIR, REPO_ROOT
from inpaintlib.tools import site

SCREENSHOT = REPO_ROOT / "runs" / "site_home.png"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return site.build_site(tmp_path_factory.mktemp("site"), progress=False)


def test_every_notebook_is_a_page_and_nothing_was_executed(built):
    notebooks = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    for nb in notebooks:
        page = (built / "notebooks" / f"{nb.stem}.html").read_text()
        first_output = next(o for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code"
                            for o in c.get("outputs", []) if o.get("output_type") == "stream")
        assert "".join(first_output["text"]).splitlines()[0].strip()[:40] in page   # the committed output
    home = (built / "README.html").read_text()
    assert all(f'href="notebooks/{nb.stem}.html"' in home
               for nb in notebooks)      # README links became pages
    assert (built / "index.html").exists() and (built / "CONTRIBUTING.html").exists()
    assert not list((built.parent / "book").rglob("*.ipynb.executed*"))            # no execution cache


def test_internal_links_and_images_resolve(built):
    assert site.broken_links(built) == []
    images = list((built / "_images").glob("*.png"))
    assert len(images) >= 10                          # README figures and notebook outputs


def test_the_try_it_page_has_its_models_webassembly_and_links(built):
    app = built / "tryit"
    assert (app / "index.html").exists()
    assert (app / "ort" / "ort-wasm-simd-threaded.wasm").stat().st_size > 1e6
    manifest = json.loads((app / "models" / "models.json").read_text())
    shown = [m["name"] for m in manifest["models"]]
    assert shown[0] == export.PREFILL and set(shown) | set(manifest["missing"]) == {export.PREFILL,
        *export.REFERENCES}
    assert all((app / "models" / m["file"]).stat().st_size > 1000 for m in manifest["models"])
    studio_canvas = REPO_ROOT / "inpaintlib" / "studio" / "canvas.js"
    assert (app / "canvas.js").read_bytes() == studio_canvas.read_bytes()
    assert 'src="../tryit/index.html"' in (built / "notebooks" / "tryit.html").read_text()
    assert 'href="notebooks/tryit.html"' in (built / "README.html").read_text()      # the table of contents
    studio = (built / "notebooks" / "11_inpaint_studio.html").read_text()
    assert 'href="tryit.html"' in studio.split("<main", 1)[1].split("</main>",
                                                                    1)[0]   # notebook 11's own link


def test_broken_links_are_found(tmp_path):
    (tmp_path / "a.html").write_text('<a href="b.html#x">b</a><img src="missing.png"><a '
                                     'href="https://x.org">x</a>')
    (tmp_path / "b.html").write_text("<p>b</p>")
    assert site.broken_links(tmp_path) == ["a.html -> missing.png"]


def test_site_command(tmp_path, capsys):
    assert main(["site", "--out", str(tmp_path / "s")]) == 0
    assert "open index.html" in capsys.readouterr().out and (tmp_path / "s" / "html" / "README.html").exists()


@needs_chromium("the site's browser test")
def test_three_pages_render_in_chromium(built):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for rel, words in [("README.html", "Start here"), ("notebooks/01_dwt_token_mixing.html", "Haar"),
                           ("notebooks/08_evaluation.html", "Figure 2")]:
            page.goto((built / rel).as_uri())
            page.wait_for_load_state("load")
            assert words in page.inner_text("main"), rel
            broken = page.evaluate("[...document.images].filter(i => i.complete && i.naturalWidth === "
                                   "0).map(i => i.src)")
            assert broken == [], (rel, broken)
            nav = page.evaluate("[...document.querySelectorAll('nav a')].map(a => a.textContent)")
            assert sum("·" in t for t in nav) >= 12, (rel, nav[:20])                # the twelve notebooks
            if rel == "README.html":
                SCREENSHOT.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(SCREENSHOT))
        browser.close()
