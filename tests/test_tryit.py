"""The Try it page's sources and builder (issue 33), without a browser: it names no other host,
it draws with the studio's own canvas code, its random masks are the committed evaluation sets',
and its build fails clearly and leaves the previous page in place
(tests/test_tryit_browser.py runs it in Chromium)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest

from inpaintlib import export
from inpaintlib.__main__ import main
from inpaintlib.masks import fixed_masks
from inpaintlib.tools import tryit

REPO_DATA = Path(__file__).resolve().parents[1] / "data"
#: Everything the page loads that the course wrote (ONNX Runtime's files are checked in the browser).
SOURCES = [tryit.HERE / name for name in tryit.PAGE_FILES] + [tryit.CANVAS]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_page_names_no_other_host(path):
    text = path.read_text()
    assert re.findall(r"https?://\S*", text) == []
    assert re.findall(r"//\w[\w.-]*\.\w+/",
                      text) == []                                # no protocol-relative URL
    for target in re.findall(r'(?:from|import)\s*\(?\s*"([^"]+)"|(?:src|href)="([^"]+)"', text):
        target = next(t for t in target if t)
        assert target.startswith(("./", "data:")) or re.fullmatch(r"[\w.-]+", target), target   # this folder


def test_the_page_and_the_studio_draw_with_the_same_code():
    page_js = (tryit.HERE / "tryit.js").read_text()
    canvas_js = tryit.CANVAS.read_text()
    imported = re.search(r'import \{([^}]*)\} from "\./canvas\.js"', page_js)
    assert imported and {"attachDrawing", "paint"} <= {n.strip() for n in imported.group(1).split(",")}
    assert "pointerdown" not in page_js and "function paint" not in page_js      # no second copy of either
    render = canvas_js.split("function render(", 1)[1]
    assert "attachDrawing(canvas" in render and "pointerdown" not in render  # the studio's widget uses it too
    assert "canvas.js" not in tryit.PAGE_FILES and not list(tryit.HERE.glob("canvas*"))
    from inpaintlib.studio.widget import MaskCanvas
    assert str(MaskCanvas._esm) == canvas_js                                      # the widget loads that file


def test_random_masks_are_the_first_of_the_committed_sets():
    presets = tryit.mask_presets()
    assert set(presets) == {"thick", "medium"}
    for kind, encoded in presets.items():
        committed = fixed_masks(kind, export.SIZE, 10_000, root=REPO_DATA)[:tryit.MASKS_PER_PRESET]
        decoded = [np.unpackbits(np.frombuffer(base64.b64decode(e), np.uint8)) for e in encoded]
        np.testing.assert_array_equal(np.stack(decoded).reshape(committed.shape), committed)


def test_without_npm_the_error_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(tryit.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"npm not found: .*apt-get install nodejs npm"):
        tryit.build_page(tmp_path / "tryit", npm_dir=tmp_path / "npm")
    assert main(["site", "--out", str(tmp_path / "site")]) == 1              # at once, before Jupyter Book
    err = capsys.readouterr().err
    assert err.startswith("python -m inpaintlib site: npm not found") and len(err.strip().splitlines()) == 1


def test_a_failed_npm_ci_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(tryit.shutil, "which", lambda name: "/bin/false")
    with pytest.raises(RuntimeError, match="npm ci of onnxruntime-web failed .* npm registry"):
        tryit.npm_install(tmp_path / "npm")


def test_a_failed_build_leaves_the_previous_page(tmp_path, monkeypatch):
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in tryit.ORT_FILES:
        (dist / name).write_text("stand-in")
    monkeypatch.setattr(tryit, "npm_install", lambda folder: dist)
    monkeypatch.setattr(export, "export_onnx", lambda out,
                        **kw: (out.mkdir(), (out / "models.json").write_text("{}")))
    index = tryit.build_page(tmp_path / "tryit", progress=False)
    page = json.loads((index.parent / "page.json").read_text())
    assert [p["index"] for p in page["photos"]] == list(tryit.PHOTO_INDICES)
    assert all((index.parent / "photos" / p["file"]).stat().st_size > 1000 for p in page["photos"])

    def broken(out, **kw):
        raise RuntimeError("export failed")
    monkeypatch.setattr(export, "export_onnx", broken)
    with pytest.raises(RuntimeError, match="export failed"):
        tryit.build_page(tmp_path / "tryit", progress=False)
    assert index.exists() and (index.parent / "page.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist",
                                                          "tryit"]                 # no half-built folder
