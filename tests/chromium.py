"""Chromium for the browser tests: where it is, and the skip (or failure) where it is not.

A plain module, not part of conftest.py: the tests import it by name (``from chromium import
...``), which would be ambiguous with the two conftest.py files of tests/ and notebooks/.
"""

from __future__ import annotations

import os
import shutil

import pytest

#: The system Chromium the browser tests drive with Playwright (whose own browser download needs the
#: internet): Debian's ``chromium``, or the binary named by INPAINT_CHROMIUM; None if there is none.
CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"),
                             os.environ.get("INPAINT_CHROMIUM")) if p), None)
HOW_TO_INSTALL_CHROMIUM = ("needs Chromium: `sudo apt-get install chromium` (Debian/Ubuntu), or set "
                           "INPAINT_CHROMIUM to a Chromium binary; `.ci/run` installs it")


def needs_chromium(what: str = "the browser test"):
    """A skip marker for tests that drive Chromium. CI sets INPAINT_REQUIRE_BROWSER=1: there a
    missing Chromium fails the module at collection, never a silent skip."""
    if CHROMIUM is None and os.environ.get("INPAINT_REQUIRE_BROWSER", "") not in ("", "0"):
        pytest.fail(f"INPAINT_REQUIRE_BROWSER is set but {what} {HOW_TO_INSTALL_CHROMIUM}", pytrace=False)
    return pytest.mark.skipif(CHROMIUM is None, reason=HOW_TO_INSTALL_CHROMIUM)
