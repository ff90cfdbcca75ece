"""nbval settings for the course notebooks (``make test`` runs them with ``--nbval-lax``).

Executing a notebook under test must not change the checkout: the kernels inherit
``INPAINT_FIGURES`` and ``INPAINT_RUNS`` pointing into a temporary folder, so figures and
checkpoints go there and ``git status`` stays clean (the committed figures are refreshed
by ``make notebooks`` / ``make run``, not by tests). ``TQDM_DISABLE`` keeps progress bars
out of the outputs nbval compares; ``INPAINT_HEADLESS`` makes notebook 11 show static results
instead of its widget. The coursework sources under ``assignments/`` are not tutorials: their
own tests (``tests/test_coursework.py``) run them through otter-grader.
"""

from __future__ import annotations

import os
import shutil
import tempfile


#: The coursework sources are not tutorials (otter-grader runs them, see above).
collect_ignore = ["assignments"]


def pytest_configure(config):
    scratch = tempfile.mkdtemp(prefix="inpaint-nbval-")
    config._inpaint_scratch = scratch
    os.environ.setdefault("INPAINT_FIGURES", os.path.join(scratch, "figures"))
    os.environ.setdefault("INPAINT_RUNS", os.path.join(scratch, "runs"))
    os.environ["TQDM_DISABLE"] = "1"
    os.environ["INPAINT_HEADLESS"] = "1"


def pytest_unconfigure(config):
    scratch = getattr(config, "_inpaint_scratch", None)
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
