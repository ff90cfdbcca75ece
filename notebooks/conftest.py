"""nbval settings for the course notebooks (``make test`` runs them with ``--nbval-lax``).

Executing a notebook under test must not change the checkout: the kernels inherit
``INPAINT_FIGURES`` and ``INPAINT_RUNS`` pointing into a temporary folder, so figures and
checkpoints go there and ``git status`` stays clean (the committed figures are refreshed
by ``make notebooks`` / ``make run``, not by tests). ``TQDM_DISABLE`` keeps progress bars
out of the outputs nbval compares; ``INPAINT_HEADLESS`` makes notebook 11 show static results
instead of its widget. The coursework sources under ``assignments/`` are not tutorials: their
own tests (``tests/test_coursework.py``) run them through otter-grader.

Notebooks 07 and 08 run "as on another CPU" (:func:`other_cpu_environment`): AVX2 kernels and
the opposite bf16 detection, so their checked outputs are shown to hold on any x86-64 CPU.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

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


#: The notebooks whose checked outputs come from training on this machine (07 trains, 08
#: evaluates what 07 trained): under test their kernels run as on another CPU, so nbval's
#: comparison with the committed outputs shows these do not depend on the CPU.
OTHER_CPU_NOTEBOOKS = ("07_training.ipynb", "08_evaluation.ipynb")


def other_cpu_environment(notebook) -> dict[str, str]:
    """Kernel environment for ``notebook`` (a path) "as on another CPU": PyTorch's own kernels
    (``ATEN_CPU_CAPABILITY``), oneDNN's convolutions and MKL's matrix products held to AVX2,
    and bf16 detection (``INPAINT_CPU_BF16``) the opposite of what the committed outputs were
    made with (recorded by ``make notebooks`` in the notebook's metadata; on when unrecorded)."""
    metadata = json.loads(Path(notebook).read_text()).get("metadata", {})
    made_with = metadata.get("inpaint", {}).get("executed_on", {})
    return {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2", "MKL_ENABLE_INSTRUCTIONS": "AVX2",
            "INPAINT_CPU_BF16": "0" if made_with.get("cpu_bf16") else "1"}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before nbval starts a notebook's kernel (at its first cell), set the environment it
    inherits: :func:`other_cpu_environment` for :data:`OTHER_CPU_NOTEBOOKS`, the machine's own
    for every other notebook."""
    saved = item.config.__dict__.setdefault("_inpaint_saved_env", {})
    for name, value in saved.items():                 # undo the previous notebook's settings
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    saved.clear()
    if item.fspath.basename in OTHER_CPU_NOTEBOOKS:
        for name, value in other_cpu_environment(str(item.fspath)).items():
            saved[name] = os.environ.get(name)
            os.environ[name] = value
