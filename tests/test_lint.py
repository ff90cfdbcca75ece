"""The linter (issue 32): ``ruff check inpaintlib tests notebooks/conftest.py`` passes, with the settings in
pyproject.toml's ``[tool.ruff]`` (pycodestyle, pyflakes: unused imports and names, import
order, lines of at most 110 columns). ``make test`` runs it through this test."""

from __future__ import annotations

import subprocess
import sys

from inpaintlib.paths import REPO_ROOT

#: What ruff reads: the library, the tests and the notebooks' nbval settings (not the notebooks).
LINTED = ["inpaintlib", "tests", "notebooks/conftest.py"]


def test_ruff_check_passes():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", *LINTED], cwd=REPO_ROOT,
                          capture_output=True, text=True)
    assert "No module named ruff" not in proc.stderr, "ruff is missing: pip install -r requirements-lock.txt"
    assert proc.returncode == 0, f"ruff check {' '.join(LINTED)} failed:\n{proc.stdout}{proc.stderr}"
