"""Run the numbered course notebooks headless with papermill.

``run_notebooks("quick")`` executes ``notebooks/NN_*.ipynb`` in number order with the
parameters of ``notebooks/profiles/quick.yaml`` and writes the executed copies to
``runs/quick/``, and the figures they save to ``runs/quick/figures/``: a reader's
``make run`` never rewrites a tracked file (figures drawn from training on another CPU
differ in their last bits). The committed ``figures/`` are refreshed by
:func:`execute_in_place` (``make notebooks``, for maintainers). It stops at the first failing notebook with a
:class:`NotebookRunError` that names the notebook and the cell.

Profile files hold ``common`` parameters, given to every notebook that declares them in
its ``parameters`` cell, and per-notebook overrides under ``notebooks: {"07": {...}}``.
Three optional keys prepare a run (the ``paper-smoke`` profile uses all three):

* ``only: ["07", "08"]``: the notebooks the profile runs (``--only`` still overrides);
* ``environment: {VAR: value}``: environment variables for the kernels; ``{runs}`` in a
  value stands for the runs folder (``$INPAINT_RUNS`` or ``runs/``);
* ``stand_in: {stl10: 600}``: an STL-10-format stand-in of that many images is written to
  ``$INPAINT_STL10`` first (:func:`inpaintlib.data.stl10.write_standin`).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill as pm
import yaml

from ..paths import FIGURES_VAR, NOTEBOOKS_DIR, display_path, runs_dir
from ..runtime import HEADLESS_VAR, environ

KERNEL = "python3"


class NotebookRunError(RuntimeError):
    """A notebook failed; the message names the notebook, the cell and the error."""


@dataclass
class NotebookResult:
    """Outcome of one notebook run."""
    name: str
    seconds: float
    output: Path


def list_notebooks(notebooks_dir: Path = NOTEBOOKS_DIR, only: list[str] | None = None) -> list[Path]:
    """Numbered notebooks ``NN_*.ipynb`` in order, optionally only those numbered in ``only``
    (``["0", "03"]`` both work). An unknown number is an error, not a silent no-op."""
    found = sorted(Path(notebooks_dir).glob("[0-9][0-9]_*.ipynb"))
    if only is None:
        return found
    wanted = {f"{int(n):02d}" for n in only}
    by_number = {nb.name[:2]: nb for nb in found}
    missing = sorted(wanted - by_number.keys())
    if missing:
        raise ValueError(f"no notebook numbered {', '.join(missing)} in {notebooks_dir}; "
                         f"have {', '.join(sorted(by_number))}")
    return [by_number[n] for n in sorted(wanted)]


def load_profile(profile: str, notebooks_dir: Path = NOTEBOOKS_DIR) -> dict:
    """The parsed ``profiles/<profile>.yaml``: ``{"common": {...}, "notebooks": {...}}``."""
    path = Path(notebooks_dir) / "profiles" / f"{profile}.yaml"
    if not path.exists():
        names = sorted(p.stem for p in path.parent.glob("*.yaml"))
        raise ValueError(f"unknown profile {profile!r}: no {path} (profiles: {', '.join(names)})")
    data = yaml.safe_load(path.read_text()) or {}
    unknown = sorted(set(data) - set(PROFILE_KEYS))
    if unknown:
        raise ValueError(f"{path}: unknown key(s) {unknown}; a profile holds {list(PROFILE_KEYS)}")
    stand_in = data.get("stand_in") or {}
    if set(stand_in) - {"stl10"}:
        raise ValueError(f"{path}: stand_in can only write 'stl10', got {sorted(stand_in)}")
    if stand_in and "INPAINT_STL10" not in (data.get("environment") or {}):
        raise ValueError(f"{path}: a stand-in needs environment: INPAINT_STL10 (where to write it)")
    return {"common": data.get("common") or {}, "notebooks": data.get("notebooks") or {},
            "only": data.get("only"), "environment": data.get("environment") or {}, "stand_in": stand_in}


#: The keys a profile file may hold.
PROFILE_KEYS = ("common", "notebooks", "only", "environment", "stand_in")


def prepare_profile(settings: dict) -> dict[str, str]:
    """The environment that ``settings`` (a :func:`load_profile` result) asks for, with
    ``{runs}`` resolved, after writing its stand-in datasets."""
    env = {name: str(value).format(runs=runs_dir()) for name, value in settings["environment"].items()}
    if "stl10" in settings["stand_in"]:
        from ..data import stl10
        folder = stl10.write_standin(env["INPAINT_STL10"], count=settings["stand_in"]["stl10"])
        print(f"STL-10 stand-in: {settings['stand_in']['stl10']} images in {display_path(folder)}",
              flush=True)
    return env


def notebook_parameters(notebook: Path, profile: dict) -> dict:
    """Profile values for the parameters ``notebook`` declares: ``common`` values it does
    not declare are skipped; an override for this notebook that it does not declare is an
    error (a typo would otherwise be silently ignored)."""
    declared = pm.inspect_notebook(str(notebook))
    own = profile["notebooks"].get(notebook.name[:2]) or {}
    unknown = sorted(set(own) - set(declared))
    if unknown:
        raise ValueError(f"profile overrides {unknown} for {notebook.name}, which declares only "
                         f"{sorted(declared)}")
    values = {**profile["common"], **own}
    return {k: v for k, v in values.items() if k in declared}


def _failure_message(notebook: Path, output: Path, err: Exception) -> str:
    cell = getattr(err, "exec_count", None)
    index = getattr(err, "cell_index", None)
    where = f"cell [{cell}]" if cell is not None else "a cell"
    if index is not None:
        where += f" (cell #{index + 1} of the notebook)"
    ename, evalue = getattr(err, "ename", type(err).__name__), getattr(err, "evalue", str(err))
    return (f"notebook {notebook.name} failed in {where}: {ename}: {evalue}\n"
            f"The executed copy with the full traceback is {output}")


#: Environment of a headless run, inherited by the kernels: ``TQDM_DISABLE`` keeps the
#: one-line-per-epoch logs but no progress-bar frames (hundreds per cell otherwise);
#: ``INPAINT_HEADLESS`` tells notebook 11 that nobody is there to draw (no widget, so no
#: widget state in the executed notebook).
HEADLESS_SETTINGS = {"TQDM_DISABLE": "1", HEADLESS_VAR: "1"}
#: Kernel arguments of a headless run: the kernel's own log shows errors only (not, for
#: example, its warning that a local kernel talks to papermill over unencrypted TCP).
QUIET_KERNEL = ["--IPKernelApp.log_level=ERROR"]


def run_notebooks(profile: str = "quick", only: list[str] | None = None,
                  notebooks_dir: Path = NOTEBOOKS_DIR, output_dir: Path | None = None,
                  progress: bool = True) -> list[NotebookResult]:
    """Execute the numbered notebooks in order with ``profile``'s parameters.

    Executed copies go to ``output_dir`` (default ``runs/<profile>/``) and their figures to
    ``output_dir/figures`` (unless ``INPAINT_FIGURES`` is set); each runs with
    ``notebooks_dir`` as its working directory. Returns per-notebook run times; raises
    :class:`NotebookRunError` at the first failure, without running the rest.
    """
    settings = load_profile(profile, notebooks_dir)
    notebooks = list_notebooks(notebooks_dir, only if only is not None else settings["only"])
    output_dir = Path(output_dir) if output_dir is not None else runs_dir() / profile
    env = {**HEADLESS_SETTINGS, FIGURES_VAR: os.environ.get(FIGURES_VAR, str(output_dir / "figures")),
           **prepare_profile(settings)}
    output_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for i, nb in enumerate(notebooks, 1):
        params = notebook_parameters(nb, settings)
        out = output_dir / nb.name
        if progress:
            print(f"[{i}/{len(notebooks)}] {nb.name} ({profile}) ...", end=" ", flush=True)
        start = time.perf_counter()
        try:
            with environ(env):
                pm.execute_notebook(str(nb), str(out), parameters=params, kernel_name=KERNEL,
                                    cwd=str(nb.parent), progress_bar=False, log_output=False,
                                    extra_arguments=QUIET_KERNEL)
        except pm.PapermillExecutionError as err:
            if progress:
                print("failed", flush=True)
            raise NotebookRunError(_failure_message(nb, out, err)) from None
        results.append(NotebookResult(nb.name, time.perf_counter() - start, out))
        if progress:
            print(f"{results[-1].seconds:.0f} s", flush=True)
    return results


def executed_on() -> dict:
    """What a notebook's outputs may depend on besides its code: the CPU kernels PyTorch
    dispatches to and whether the CPU has native bf16 (recorded in the metadata of the
    committed notebooks; the tests re-execute 07 and 08 with the opposite bf16 answer)."""
    import torch

    from ..runtime import cpu_has_native_bf16
    return {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "cpu_bf16": cpu_has_native_bf16()}


def execute_in_place(notebook: Path, timeout: int = 1800) -> float:
    """Re-execute ``notebook`` with its default parameters and overwrite it (for committing
    executed notebooks). Uses nbclient, the engine under papermill, without papermill's
    per-cell metadata, so the committed file only changes where outputs change.
    Returns the run time in seconds; raises NotebookRunError naming the failing cell."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name=KERNEL, extra_arguments=QUIET_KERNEL,
                            resources={"metadata": {"path": str(Path(notebook).parent)}})
    start = time.perf_counter()
    try:
        with environ(HEADLESS_SETTINGS):
            client.execute()
    except CellExecutionError as err:
        index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code"
                      and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        err.cell_index = index
        raise NotebookRunError(_failure_message(Path(notebook), Path(notebook), err)) from None
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    nb.metadata.setdefault("inpaint", {})["executed_on"] = executed_on()
    nbformat.write(nb, notebook)
    return time.perf_counter() - start


def format_times(results: list[NotebookResult]) -> str:
    """A small table of notebook run times."""
    width = max((len(r.name) for r in results), default=8)
    lines = [f"{'notebook':<{width}}  seconds"]
    lines += [f"{r.name:<{width}}  {r.seconds:7.1f}" for r in results]
    lines.append(f"{'total':<{width}}  {sum(r.seconds for r in results):7.1f}")
    return "\n".join(lines)
