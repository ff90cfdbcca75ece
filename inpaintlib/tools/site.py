"""The course website: the executed notebooks as a static HTML site (``make site``).

    python -m inpaintlib site          # -> runs/site/html/index.html (open it in a browser)

Built with Jupyter Book 1 (Sphinx and MyST-NB, installed from the package registry, offline):
the README is the home page, then the Try it page (``notebooks/tryit.md``), the twelve notebooks
in order, their worked solutions (``notebooks/solutions/``), the coursework guide, the data notes
and CONTRIBUTING.md, with the figures. The Try it page embeds the in-browser app that
:func:`inpaintlib.tools.tryit.build_page` writes into ``html/tryit/`` (the references exported to
ONNX at build time, ONNX Runtime Web from the pinned npm package). The notebooks are rendered as committed:
**nothing is re-executed** (``execute_notebooks: off``), so the site shows exactly the outputs
that nbval checks. The sources are staged in ``runs/site/src`` (the repository is never
written), and :func:`broken_links` checks every internal link and image of the result.
"""

from __future__ import annotations

import html.parser
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..paths import NOTEBOOKS_DIR, REPO_ROOT, output_dir

#: The page that embeds the in-browser app (``html/tryit/``), first after the home page.
TRYIT_PAGE = "notebooks/tryit.md"
#: The pages, in order: the home page, the Try it page, the notebooks and their solutions (found
#: at build time), then these.
EXTRA_PAGES = ("notebooks/assignments/README.md", "data/README.md", "CONTRIBUTING.md")

CONFIG = """\
title: Resource-efficient image inpainting
author: the course's contributors
only_build_toc_files: true
execute:
  execute_notebooks: "off"        # the committed outputs, as nbval checks them
sphinx:
  config:
    myst_heading_anchors: 3        # links such as CONTRIBUTING.md#glossary
    html_show_copyright: false
    suppress_warnings: ["mystnb.unknown_mime_type"]
html:
  use_repository_button: false
  use_issues_button: false
  use_edit_page_button: false
"""


def _numbered(folder: Path) -> list[str]:
    """The ``NN_*.ipynb`` notebooks of ``folder`` in order, relative to the repository."""
    from .notebook_runner import list_notebooks
    return [p.relative_to(REPO_ROOT).as_posix() for p in list_notebooks(folder)]


def stage(src: Path) -> list[str]:
    """Copy the pages and figures into ``src`` (replacing it) and write Jupyter Book's
    ``_config.yml`` and ``_toc.yml``; return the pages in order."""
    shutil.rmtree(src, ignore_errors=True)
    parts = {"Try it in your browser": [TRYIT_PAGE], "Notebooks": _numbered(NOTEBOOKS_DIR),
             "Solutions to the exercises": _numbered(NOTEBOOKS_DIR / "solutions"),
             "Coursework, data and maintainers": list(EXTRA_PAGES)}
    pages = ["README.md", *(page for chapter in parts.values() for page in chapter)]
    for rel in pages:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / rel, src / rel)
    shutil.copytree(REPO_ROOT / "figures", src / "figures")
    (src / "_config.yml").write_text(CONFIG)
    toc = ["format: jb-book", "root: README", "parts:"]
    for caption, chapter in parts.items():
        if chapter:
            toc += [f"  - caption: {caption}", "    chapters:"]
            toc += [f"      - file: {Path(p).with_suffix('').as_posix()}" for p in chapter]
    (src / "_toc.yml").write_text("\n".join(toc) + "\n")
    return pages


def build_site(out: str | os.PathLike | None = None, progress: bool = True) -> Path:
    """Stage the sources and build the site into ``out/html`` (default ``runs/site/``), with the
    Try it app in ``out/html/tryit/`` (ONNX Runtime Web installed by npm into ``out/npm``);
    return the HTML folder. A failed build raises ``RuntimeError`` with Jupyter Book's
    last lines, a broken internal link or image (:func:`broken_links`) one naming it."""
    from .tryit import build_page, npm_install
    out = Path(out or output_dir("site")).resolve()
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file, not a folder: give --out a folder (it is created if missing)")
    npm_install(out / "npm")              # before the long part: without npm, say so at once
    src = out / "src"
    stage(src)
    jb = Path(sys.executable).with_name("jupyter-book")
    if not jb.exists():
        raise RuntimeError(f"{jb} is missing: install the course's locked packages (make setup)")
    cmd = [str(jb), "build", str(src), "--path-output", str(out / "book"), "--keep-going"]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("jupyter-book build failed:\n"
                           + "\n".join((done.stdout + done.stderr).splitlines()[-15:]))
    html_dir = out / "html"
    shutil.rmtree(html_dir, ignore_errors=True)
    shutil.copytree(out / "book" / "_build" / "html", html_dir)
    build_page(html_dir / "tryit", npm_dir=out / "npm", progress=progress)
    broken = broken_links(html_dir)
    if broken:
        raise RuntimeError(f"{len(broken)} broken internal links or images: " + "; ".join(broken[:5]))
    if progress:
        print(f"site: {sum(1 for _ in html_dir.rglob('*.html'))} pages in {html_dir} (open index.html; "
              f"for the "
              f"Try it page serve it: python -m http.server --directory {html_dir})")
    return html_dir


class _Links(html.parser.HTMLParser):
    """The ``href`` and ``src`` targets of one HTML page."""

    def __init__(self):
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name == "src" or (name == "href" and tag in ("a", "link"))):
                self.targets.append(value)


def broken_links(html_dir: str | os.PathLike) -> list[str]:
    """Every internal link or image of the site under ``html_dir`` whose target file does
    not exist, as ``"page.html -> target"`` (external links and in-page anchors are not
    followed)."""
    html_dir = Path(html_dir)
    broken = []
    for page in sorted(html_dir.rglob("*.html")):
        if page.relative_to(html_dir).parts[0] == "_static":     # the theme's templates, not pages
            continue
        parser = _Links()
        parser.feed(page.read_text(errors="replace"))
        for target in parser.targets:
            url = urlparse(target)
            if url.scheme or url.netloc or target.startswith(("#", "mailto:", "javascript:", "data:")):
                continue
            path = unquote(url.path)
            if not path:
                continue
            resolved = (page.parent / path).resolve()
            if not resolved.exists():
                broken.append(f"{page.relative_to(html_dir)} -> {target}")
    return broken
