"""Seeding, device choice, environment report and figure saving."""

from __future__ import annotations

import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest
import torch

from inpaintlib import runtime, viz


def test_seed_everything_repeats_random_streams():
    runtime.seed_everything(5)
    a = torch.rand(3)
    gen = runtime.seed_everything(5)
    torch.testing.assert_close(torch.rand(3), a)
    assert torch.equal(torch.rand(2, generator=gen),
                       torch.rand(2, generator=torch.Generator().manual_seed(5)))


def test_choose_device():
    assert runtime.choose_device("cpu") == torch.device("cpu")
    auto = runtime.choose_device("auto")
    assert auto.type == ("cuda" if torch.cuda.is_available() else auto.type)
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            runtime.choose_device("cuda")


def test_environment_report_lists_versions():
    report = runtime.environment_report(torch.device("cpu"))
    assert report["torch"] == torch.__version__
    assert report["device"] == "cpu"
    assert report["bf16 autocast native"] in ("yes", "no (emulated: slower)")


def test_save_figure_is_atomic_and_reproducible(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    path = viz.save_figure(fig, "line")
    assert path == tmp_path / "figures" / "line.png"  # INPAINT_FIGURES set by conftest
    first = path.read_bytes()
    viz.save_figure(fig, "line")
    assert path.read_bytes() == first  # no timestamps: same figure, same bytes
    assert [p.name for p in path.parent.iterdir()] == ["line.png"]
    with pytest.raises(ValueError, match="bare name"):
        viz.save_figure(fig, "sub/line.png")
    plt.close(fig)


def test_image_grid_accepts_tensors_and_arrays():
    fig = viz.image_grid(torch.rand(5, 3, 8, 8), ncols=3, titles=list("abcde"))
    assert len(fig.axes) == 6
    plt.close(fig)
    fig = viz.show_rows({"a": torch.rand(2, 3, 8, 8), "b": torch.rand(2, 1, 8, 8)})
    assert len(fig.axes) == 4
    plt.close(fig)


def test_environ_sets_then_restores_or_removes(monkeypatch):
    from inpaintlib.runtime import environ
    monkeypatch.setenv("INPAINT_TEST_OLD", "before")
    monkeypatch.delenv("INPAINT_TEST_NEW", raising=False)
    with pytest.raises(KeyError):
        with environ({"INPAINT_TEST_OLD": "during", "INPAINT_TEST_NEW": "1"}):
            assert os.environ["INPAINT_TEST_OLD"] == "during" and os.environ["INPAINT_TEST_NEW"] == "1"
            raise KeyError("restored even when the body fails")
    assert os.environ["INPAINT_TEST_OLD"] == "before" and "INPAINT_TEST_NEW" not in os.environ


def test_bf16_detection_can_be_overridden(monkeypatch):
    """INPAINT_CPU_BF16 answers cpu_has_native_bf16() (nbval runs 07 and 08 with the opposite
    of the committed answer); anything but 0/1 is refused."""
    from inpaintlib.runtime import cpu_has_native_bf16
    for value, answer in (("1", True), ("0", False)):
        monkeypatch.setenv("INPAINT_CPU_BF16", value)
        assert cpu_has_native_bf16() is answer
    monkeypatch.setenv("INPAINT_CPU_BF16", "yes")
    with pytest.raises(ValueError, match="'1' or '0'"):
        cpu_has_native_bf16()


def test_other_cpu_environment_reaches_a_kernel():
    """The environment nbval gives notebooks 07 and 08 holds a fresh Python's PyTorch kernels
    to AVX2 and flips bf16 detection against what the committed notebook was made with."""
    import importlib.util
    import json
    import subprocess
    import sys

    from inpaintlib.paths import NOTEBOOKS_DIR
    spec = importlib.util.spec_from_file_location("nbconftest", NOTEBOOKS_DIR / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conftest)
    for name in conftest.OTHER_CPU_NOTEBOOKS:
        notebook = NOTEBOOKS_DIR / name
        env = conftest.other_cpu_environment(notebook)
        made_with = json.loads(notebook.read_text())["metadata"].get("inpaint", {}).get("executed_on", {})
        probe = ("import torch; from inpaintlib.runtime import cpu_has_native_bf16; "
                 "print(torch.backends.cpu.get_cpu_capability(), cpu_has_native_bf16())")
        out = subprocess.run([sys.executable, "-c", probe], env={**os.environ, **env}, capture_output=True,
                             text=True, check=True).stdout.split()
        assert out == ["AVX2", str(not made_with.get("cpu_bf16", False))], (name, out)
