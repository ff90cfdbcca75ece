"""The course site's "Try it" page: every reference fills a hole you draw, in the reader's browser.

    python -m inpaintlib site           # the site, with this page in runs/site/html/tryit/
    build_page("runs/tryit")            # just the page

The page (this folder's ``index.html``, ``tryit.js``, ``metrics.js``, ``tryit.css``) runs the
reference checkpoints exported to ONNX (:mod:`inpaintlib.export`) with ONNX Runtime Web's
WebAssembly backend on one thread, so any static web server will do (no cross-origin isolation
headers), and it loads nothing from another host. :func:`build_page` writes into one folder:

=====================  ==========================================================================
``index.html`` ...     the page, copied from this package
``canvas.js``          the studio's drawing canvas, ``inpaintlib/studio/canvas.js``, the same file
``ort/``               ONNX Runtime Web's WebAssembly build (MIT licence), from the npm package pinned
                       in this folder's ``package.json`` / ``package-lock.json`` (``npm ci`` into
                       ``npm_dir``, reused while the lock is unchanged)
``models/``            one ONNX file per reference in ``data/pretrained`` and the push-pull
                       pre-fill, with ``models.json`` (:func:`inpaintlib.export.export_onnx`)
``photos/``            96 px crops of the course's test photos, PNG (:data:`PHOTO_INDICES`)
``page.json``          the working size, the photos, and random masks (the first
                       :data:`MASKS_PER_PRESET` of the fixed ``thick`` and ``medium`` evaluation
                       sets, bit-packed and base64-encoded)
=====================  ==========================================================================

The folder is built next to its destination and swapped in whole: a failed build leaves the
previous page as it was.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ...paths import runs_dir

#: This folder: the page's sources and the npm lock.
HERE = Path(__file__).resolve().parent
#: The page's own files, copied as they are.
PAGE_FILES = ("index.html", "tryit.css", "tryit.js", "metrics.js")
#: The drawing canvas the page shares with the studio (copied unchanged as ``canvas.js``).
CANVAS = HERE.parents[1] / "studio" / "canvas.js"
#: The files of ONNX Runtime Web the page needs: the WebAssembly-only ES module and its runtime.
ORT_FILES = ("ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
#: The test crops offered (``samples`` test split, 96 px): one of each of the nine test photos;
#: crop 28 (a cup and saucer, notebook 11's) is selected first.
PHOTO_INDICES = tuple(range(27, 36))
DEFAULT_PHOTO = 28
#: The random masks offered: this many of each fixed evaluation set.
MASK_PRESETS, MASKS_PER_PRESET = ("thick", "medium"), 24
#: What to do when npm is missing.
INSTALL_NODE = ("the Try it page needs Node.js and npm to fetch ONNX Runtime Web (once): install them "
                "(Debian/Ubuntu: sudo apt-get install nodejs npm; elsewhere: https://nodejs.org) and run "
                "make site again")


def npm_install(npm_dir: str | os.PathLike) -> Path:
    """``npm ci`` the pinned ``onnxruntime-web`` into ``npm_dir`` (skipped while the lock file is
    unchanged since the last install there); returns the package's ``dist`` folder."""
    npm_dir = Path(npm_dir)
    npm_dir.mkdir(parents=True, exist_ok=True)
    lock = (HERE / "package-lock.json").read_bytes()
    stamp = npm_dir / "node_modules" / ".installed-lock-sha256"
    dist = npm_dir / "node_modules" / "onnxruntime-web" / "dist"
    if not (stamp.exists() and stamp.read_text() == hashlib.sha256(lock).hexdigest() and dist.is_dir()):
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(f"npm not found: {INSTALL_NODE}")
        for name in ("package.json", "package-lock.json"):
            shutil.copy2(HERE / name, npm_dir / name)
        done = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=npm_dir,
                              capture_output=True, text=True)
        if done.returncode != 0:
            last = " ".join((done.stdout + done.stderr).split()[-60:])
            raise RuntimeError(f"npm ci of onnxruntime-web failed in {npm_dir} (it needs the npm "
                               f"registry the first "
                               f"time): {last}")
        stamp.write_text(hashlib.sha256(lock).hexdigest())
    return dist


def mask_presets() -> dict[str, list[str]]:
    """The first :data:`MASKS_PER_PRESET` masks of each fixed evaluation set of
    :data:`MASK_PRESETS` (96 px, seed 0; the committed ``data/masks`` sets start with exactly
    these), each as base64 of its ``np.packbits`` bits (row-major, most significant bit first)."""
    from ...export import SIZE
    from ...masks import generate_eval_set
    return {kind: [base64.b64encode(np.packbits(m.reshape(-1))).decode("ascii")
                   for m in generate_eval_set(kind, SIZE, MASKS_PER_PRESET)] for kind in MASK_PRESETS}


def write_photos(folder: Path) -> list[dict]:
    """The test crops of :data:`PHOTO_INDICES` as PNG files in ``folder``; returns
    ``[{"file", "label", "index"}]`` in order."""
    from ...data import load_dataset
    from ...export import SIZE
    from ...studio.photos import png_bytes
    folder.mkdir(parents=True, exist_ok=True)
    crops = load_dataset("samples", "test", size=SIZE)
    photos = []
    for index in PHOTO_INDICES:
        name = f"test_{index:03d}.png"
        (folder / name).write_bytes(png_bytes(crops[index]))
        photos.append({"file": name, "label": f"test crop {index} ({crops.source(index)}), {SIZE} px",
                       "index": index})
    return photos


def build_page(out: str | os.PathLike, npm_dir: str | os.PathLike | None = None,
               root: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Write the Try it page into ``out`` (replacing it) and return ``out/index.html``.

    ``npm_dir``: where ONNX Runtime Web is installed (default ``runs/npm/tryit``); ``root``: the
    data root whose ``pretrained/`` references are exported (default ``data/``)."""
    from ...export import SIZE, export_onnx
    out = Path(out).resolve()
    dist = npm_install(npm_dir if npm_dir is not None else runs_dir() / "npm" / "tryit")
    staging = out.with_name(f".{out.name}.building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        for name in PAGE_FILES:
            shutil.copy2(HERE / name, staging / name)
        shutil.copy2(CANVAS, staging / "canvas.js")
        (staging / "ort").mkdir()
        for name in ORT_FILES:
            shutil.copy2(dist / name, staging / "ort" / name)
        export_onnx(staging / "models", root=root, progress=progress)
        photos = write_photos(staging / "photos")
        page = {"size": SIZE, "photos": photos, "default_photo": PHOTO_INDICES.index(DEFAULT_PHOTO),
                "masks": mask_presets()}
        (staging / "page.json").write_text(json.dumps(page))
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if out.exists():
            out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if progress:
        print(f"try it: {out / 'index.html'} (serve the folder over HTTP: browsers do not run WebAssembly "
              "from a file)")
    return out / "index.html"
