"""Notebook 11's studio in a real browser: JupyterLab + Chromium driven by Playwright.

The test starts JupyterLab on 127.0.0.1 (a free port, a random token, every Jupyter
folder in a temporary directory, a copy of the notebook as its only file), opens
notebook 11, runs all cells, drags the mouse across the studio's canvas and checks

* that Python received the stroke: the status line, written by the Python side from the
  mask it computed, reports a hole spanning the rows and columns of the drag;
* that every model's result image changed.

It saves a screenshot of the studio to ``runs/studio_browser.png`` (the README's
``figures/11_studio_browser.png`` is a copy of one) and stops the server.

Chromium comes from the system (Debian: ``apt-get install chromium``); Playwright's own
browser download needs the internet. Without Chromium the test is skipped with that hint.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from chromium import CHROMIUM, needs_chromium

from inpaintlib.paths import NOTEBOOKS_DIR, REPO_ROOT

NOTEBOOK = "11_inpaint_studio.ipynb"
SCREENSHOT = REPO_ROOT / "runs" / "studio_browser.png"
FAILURE_SCREENSHOT = REPO_ROOT / "runs" / "studio_browser_failure.png"
#: The data root the kernel reads the reference checkpoints from (captured at import, before
#: the unit tests' autouse fixture points INPAINT_DATA at an empty temporary folder).
DATA = os.environ.get("INPAINT_DATA") or str(REPO_ROOT / "data")
pytestmark = needs_chromium("the studio's browser test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """A JupyterLab server serving a copy of notebook 11; yields (url, token)."""
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(NOTEBOOKS_DIR / NOTEBOOK, work / NOTEBOOK)
    env = {k: v for k, v in os.environ.items() if k != "INPAINT_HEADLESS"}   # a person is "there"
    for var, sub in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                     ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("INPAINT_RUNS", "runs"),
                     ("INPAINT_FIGURES", "figures")]:
        env[var] = str(tmp_path / sub)
    # No "official Jupyter news?" notification over the studio in the screenshot.
    news = tmp_path / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false"}')
    env["INPAINT_DATA"] = DATA          # read only: notebook 11 loads the references from it
    env["OMP_NUM_THREADS"] = "1"     # the kernel shares 2 cores with the server and the browser
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")       # CI containers run as root
    log = open(tmp_path / "jupyter.log", "wb")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=work)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n"
                                       + (tmp_path / "jupyter.log").read_text(errors="replace")[-3000:])
                time.sleep(0.5)
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def status_text(page) -> str:
    return page.locator(".studio-status").inner_text()


def result_pixels(page) -> list[str] | None:
    """The pixels of every result image (as PNG data URLs), None while one is loading."""
    return page.evaluate("""() => {
        const images = Array.from(document.querySelectorAll(".studio-result"));
        if (!images.every(img => img.complete && img.naturalWidth > 0)) return null;
        return images.map(img => {
            const canvas = document.createElement("canvas");
            canvas.width = img.naturalWidth;
            canvas.height = img.naturalHeight;
            canvas.getContext("2d").drawImage(img, 0, 0);
            return canvas.toDataURL();
        });
    }""")


def test_drawing_in_the_browser_reaches_python_and_changes_the_results(lab):
    from playwright.sync_api import sync_playwright
    url, token = lab
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={token}")
            # Wait until the notebook is open and its kernel is ready, then run every cell.
            page.wait_for_function("""() => {
                const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                const session = w && w.sessionContext && w.sessionContext.session;
                const kernel = session && session.kernel;
                return kernel && kernel.status === "idle";
            }""", timeout=60_000)
            page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")

            canvas = page.locator(".studio-canvas")
            canvas.wait_for(state="visible", timeout=90_000)
            page.wait_for_function("() => document.querySelectorAll('.studio-result').length === 5",
                                   timeout=60_000)
            canvas.scroll_into_view_if_needed()
            assert "hole 0 px" in status_text(page) and "0 stroke(s)" in status_text(page)
            page.wait_for_function("() => Array.from(document.querySelectorAll('.studio-result'))"
                                   ".every(img => img.complete && img.naturalWidth > 0)", timeout=30_000)
            before = result_pixels(page)

            # Drag across the photo from image pixel (10, 20) to (70, 50) with the 8 px brush.
            box = canvas.bounding_box()
            size = 96

            def to_screen(x, y):
                return box["x"] + x * box["width"] / size, box["y"] + y * box["height"] / size
            page.mouse.move(*to_screen(10, 20))
            page.mouse.down()
            for step in range(1, 21):
                page.mouse.move(*to_screen(10 + 3 * step, 20 + 1.5 * step))
            page.mouse.up()

            page.wait_for_function(
                "() => document.querySelector('.studio-status').innerText.includes('1 stroke(s)')",
                timeout=30_000)
            status = status_text(page)
            found = re.search(r"hole (\d+) px .* rows (\d+)-(\d+) · cols (\d+)-(\d+)", status)
            assert found, status
            pixels, r0, r1, c0, c1 = map(int, found.groups())
            # An 8 px brush from (10, 20) to (70, 50): rows 16-54, cols 6-74, give or take a pixel.
            assert abs(r0 - 16) <= 2 and abs(r1 - 53) <= 2 and abs(c0 - 6) <= 2 and abs(c1 - 73) <= 2, status
            assert 400 < pixels < 900, status       # about 8 px x 67 px of path

            deadline = time.monotonic() + 30
            while True:                            # the results refresh after the stroke
                after = result_pixels(page)
                if after and len(after) == len(before) and all(a != b for a, b in zip(after, before)):
                    break
                assert time.monotonic() < deadline, "the result images did not change after drawing"
                time.sleep(0.5)
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.locator(".inpaint-studio").screenshot(path=str(SCREENSHOT))
        except Exception:
            FAILURE_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(FAILURE_SCREENSHOT))      # what the browser showed
            raise
        finally:
            browser.close()
