"""The site's Try it page in a real browser (issue 33): Chromium, driven by Playwright, opens the
page from a local HTTP server on 127.0.0.1, draws a stroke with the mouse and waits for the fills.
Then:

* the page's mask is the one ``studio.paint`` makes of the stroke it recorded (the page and the
  studio share canvas.js; this checks its JS ``paint`` against the Python rules);
* every model's fill, computed by ONNX Runtime Web, equals the torch model's fill of the same photo
  and mask (within 1e-3), and its hole PSNR and SSIM equal ``inpaintlib.metrics``';
* a random mask is the first of the committed ``thick`` set, and an image of the reader's is cut
  to its central square, as the page says;
* every request went to the local server: the page loads nothing from another host.

The page's screenshot is saved to ``runs/tryit_page.png`` (``figures/tryit_page.png`` is a
committed copy of one). Chromium comes from the system, as for the studio's browser test.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from chromium import CHROMIUM, needs_chromium

from inpaintlib import export, pretrained, studio
from inpaintlib.data import load_dataset
from inpaintlib.masks import fixed_masks
from inpaintlib.metrics import image_metrics
from inpaintlib.models import build
from inpaintlib.paths import REPO_ROOT
from inpaintlib.tools import tryit

pytestmark = needs_chromium("the Try it page's browser test")
REPO_DATA = REPO_ROOT / "data"
SCREENSHOT = REPO_ROOT / "runs" / "tryit_page.png"
FAILURE_SCREENSHOT = REPO_ROOT / "runs" / "tryit_page_failure.png"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The page built into a temporary folder and served on 127.0.0.1; yields its URL."""
    site = tmp_path_factory.mktemp("tryit_site")
    tryit.build_page(site / "tryit", npm_dir=site.parent / "npm", root=REPO_DATA, progress=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def drag(page, points: list[tuple[float, float]]) -> None:
    """Drag the mouse over the drawing canvas through ``points`` in image pixels."""
    box = page.locator("#canvas").bounding_box()
    size = page.evaluate("window.tryit.size")

    def to_screen(x, y):
        return box["x"] + x * box["width"] / size, box["y"] + y * box["height"] / size
    page.mouse.move(*to_screen(*points[0]))
    page.mouse.down()
    for point in points[1:]:
        page.mouse.move(*to_screen(*point))
    page.mouse.up()


def page_state(page) -> dict:
    """What the page filled last: photo, operations, mask and every model's result, as lists."""
    return page.evaluate("""() => {
        const f = window.tryit.filled;
        return { photo: Array.from(f.photo), ops: f.ops, mask: Array.from(f.mask),
                 results: f.results.map(r => ({ name: r.name, size: r.size, image: Array.from(r.image),
                                                psnr: r.psnr, ssim: r.ssim, ms: r.ms })) };
    }""")


def test_every_model_fills_the_drawn_hole_as_in_torch(served):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        try:
            page.goto(f"{served}/tryit/index.html")
            page.wait_for_function("() => window.tryit && (window.tryit.ready || window.tryit.error)",
                                   timeout=60_000)
            assert page.evaluate("window.tryit.error") is None
            # A stroke with the 8 px brush across the cup, from image pixel (10, 20) to (70, 50).
            drag(page, [(10 + 3 * step, 20 + 1.5 * step) for step in range(21)])
            page.wait_for_function("() => window.tryit.filled && window.tryit.filled.ops.length === 1 "
                                   "&& !window.tryit.busy", timeout=60_000)
            state = page_state(page)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT))
            # A random mask: the first of the committed thick set, filled at once.
            page.get_by_role("button", name="thick").click()
            page.wait_for_function("() => window.tryit.filled && window.tryit.filled.ops.length === 0",
                                   timeout=60_000)
            thick = np.array(page.evaluate("Array.from(window.tryit.filled.mask)")).reshape(export.SIZE,
                export.SIZE)
            # A photo of the reader's, 200 x 120: red | green | blue thirds; the page keeps the green centre.
            own = np.zeros((120, 200, 3), np.uint8)
            own[:, :40, 0], own[:, 40:160, 1], own[:, 160:, 2] = 255, 255, 255
            png = studio.png_bytes(torch.from_numpy(own).permute(2, 0, 1) / 255)
            page.set_input_files("#file", files=[{"name": "mine.png", "mimeType": "image/png",
                                                  "buffer": png}])
            page.wait_for_function("() => window.tryit.photoLabel.startsWith('mine.png') && "
                                   "window.tryit.filled && !window.tryit.busy "
                                   "&& window.tryit.filled.photo === window.tryit.photo",
                                   timeout=60_000)
            own_photo = np.array(page.evaluate("Array.from(window.tryit.filled.photo)")).reshape(3, -1)
            own_label = page.inner_text("#photo-note")
        except Exception:
            FAILURE_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(FAILURE_SCREENSHOT), full_page=True)
            raise
        finally:
            browser.close()

    assert {url.split("/")[2] for url in requests if not url.startswith("data:")} == {served.split("/")[2]}
    np.testing.assert_array_equal(thick, fixed_masks("thick", export.SIZE, 10_000, root=REPO_DATA)[0])
    assert "200×120 px: its central 120×120 square (from x 40, y 0) shrunk to 96 px" in own_label
    np.testing.assert_allclose(own_photo.mean(1), [0, 1, 0], atol=0.02)              # the centre, all green

    size = export.SIZE
    photo = load_dataset("samples", "test", size=size)[tryit.DEFAULT_PHOTO][None]       # (1, 3, 96, 96)
    np.testing.assert_allclose(np.array(state["photo"]).reshape(photo.shape), photo.numpy(), atol=1e-6)
    mask = studio.paint(state["ops"], size)
    np.testing.assert_array_equal(np.array(state["mask"]).reshape(size, size),
                                  mask)   # JS paint == Python paint
    assert 300 < mask.sum() < 1000
    hole = torch.from_numpy(mask).float()[None, None]
    masked = photo * (1 - hole)

    names = [r["name"] for r in state["results"]]
    assert names == [export.PREFILL, *export.REFERENCES]
    for result in state["results"]:
        model = (build(export.PREFILL) if result["name"] == export.PREFILL
                 else pretrained.load(result["name"], root=REPO_DATA))
        factor = size // result["size"]
        with torch.no_grad():
            expected = model(F.avg_pool2d(masked, factor), F.max_pool2d(hole, factor))
        got = torch.tensor(result["image"], dtype=torch.float32).reshape(expected.shape)
        assert float((got - expected).abs().max()) < 1e-3, result["name"]
        scores = image_metrics(got, F.avg_pool2d(photo, factor), F.max_pool2d(hole, factor))
        assert abs(result["psnr"] - float(scores["psnr_hole"][0])) < 1e-3, result["name"]
        assert abs(result["ssim"] - float(scores["ssim_hole"][0])) < 1e-4, result["name"]
        assert result["ms"] > 0
