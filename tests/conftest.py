"""Shared fixtures: a local HTTP server for download tests, isolated output folders; the system
Chromium that the browser tests drive."""

from __future__ import annotations

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch


class _Handler(BaseHTTPRequestHandler):
    """Serves ``server.files`` with Range support; can drop connections mid-body or
    answer with an HTTP error status."""

    def do_GET(self):  # noqa: N802 (http.server's naming)
        srv = self.server
        srv.requests.append((self.path, self.headers.get("Range")))
        body = srv.files.get(self.path)
        if body is None:
            self.send_error(404, "not found")
            return
        if srv.statuses.get(self.path):
            self.send_error(srv.statuses[self.path].pop(0))
            return
        start, rng = 0, self.headers.get("Range")
        if rng and srv.honour_range:
            start = int(rng.split("=", 1)[1].split("-", 1)[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        cuts = srv.cuts.get(self.path)
        if cuts:  # send only this many bytes, then hang up
            self.wfile.write(payload[:cuts.pop(0)])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(payload)

    def log_message(self, *args):  # keep test output clean
        pass


class LocalServer:
    """A real HTTP server on 127.0.0.1 serving in-memory files."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.files, self.httpd.requests, self.httpd.cuts = {}, [], {}
        self.httpd.statuses = {}
        self.httpd.honour_range = True
        self.closed = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def serve(self, path: str, body: bytes, cuts: list[int] | None = None,
              statuses: list[int] | None = None) -> str:
        """Serve ``body`` at ``path``; the first requests are answered with the HTTP error
        ``statuses[i]``, the next ones send only ``cuts[i]`` bytes."""
        self.httpd.files[path] = body
        self.httpd.cuts[path] = list(cuts or [])
        self.httpd.statuses[path] = list(statuses or [])
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"

    @property
    def requests(self) -> list[tuple[str, str | None]]:
        return self.httpd.requests

    def close(self):
        if not self.closed:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.closed = True


@pytest.fixture
def http_server():
    server = LocalServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _isolated_outputs(tmp_path, monkeypatch):
    """Unit tests never write into the checkout's data/, figures/ or runs/."""
    monkeypatch.setenv("INPAINT_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("INPAINT_FIGURES", str(tmp_path / "figures"))
    monkeypatch.setenv("INPAINT_RUNS", str(tmp_path / "runs"))


@pytest.fixture
def committed_masks(tmp_path):
    """The repository's fixed evaluation mask sets, copied into the isolated data folder
    (generating a 10,000-mask set takes seconds; tests should not pay for it)."""
    from pathlib import Path
    source = Path(__file__).resolve().parents[1] / "data" / "masks"
    shutil.copytree(source, tmp_path / "data" / "masks")
    return tmp_path / "data" / "masks"


class TinyFeatures(torch.nn.Module):
    """A small fixed feature extractor for FID tests: per-channel statistics of 4x4
    average-pooled images (12 features)."""

    def forward(self, x):
        p = torch.nn.functional.avg_pool2d(x.float(), 4)
        return torch.cat([p.mean((2, 3)), p.std((2, 3)), p[:, :, ::3, ::3].flatten(2).mean(2),
                          p.amax((2, 3))], 1).double()


@pytest.fixture
def tiny_features() -> TinyFeatures:
    return TinyFeatures()
