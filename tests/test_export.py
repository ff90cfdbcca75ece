"""ONNX export (issue 33): every reference and the push-pull pre-fill, run by ONNX Runtime, give
the torch model's fill; the pieces rewritten for ONNX (FFTs as matrix products, the plain Haar
transform) equal the originals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from inpaintlib import export, pretrained
from inpaintlib.__main__ import main
from inpaintlib.masks import MaskSampler
from inpaintlib.models import build
from inpaintlib.models.lama import FourierUnit
from inpaintlib.wavelets import haar_dwt_stacked

pytest.importorskip("onnxruntime")
REPO_DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("shape", [(2, 3, 12, 12), (1, 2, 7, 10), (1, 1, 9, 7)])
def test_fft_as_matrix_products_equals_torch_fft(shape):
    x = torch.randn(shape, dtype=torch.float64)
    spec = torch.fft.rfft2(x, norm="ortho")
    re, im = export.rfft2(x)
    torch.testing.assert_close(re, spec.real)
    torch.testing.assert_close(im, spec.imag)
    # any half spectrum, including imaginary parts that irfft2 must ignore (bins 0 and W/2)
    half = torch.randn(*shape[:-1], shape[-1] // 2 + 1, 2, dtype=torch.float64)
    expected = torch.fft.irfft2(torch.complex(half[..., 0], half[..., 1]), s=shape[-2:], norm="ortho")
    torch.testing.assert_close(export.irfft2(half[..., 0], half[..., 1], shape[-1]), expected)


def test_matrix_fourier_unit_and_plain_haar_equal_the_originals():
    torch.manual_seed(0)
    unit = FourierUnit(4).eval()
    torch.nn.init.normal_(unit.bn.running_mean)
    x = torch.randn(2, 4, 12, 10)
    torch.testing.assert_close(export.MatrixFourierUnit(unit)(x), unit(x), atol=1e-5, rtol=1e-5)
    y = torch.randn(2, 8, 12, 10)
    torch.testing.assert_close(export.PlainHaar().stacked(y), haar_dwt_stacked(y), atol=1e-6, rtol=1e-6)
    lama = build("lama", "tiny").eval()
    swapped = export.for_onnx(lama)
    assert any(isinstance(m, export.MatrixFourierUnit) for m in swapped.modules())
    assert not any(isinstance(m, export.MatrixFourierUnit) for m in lama.modules())   # original untouched


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("onnx")
    return out, export.export_onnx(out, root=REPO_DATA, progress=False)


def test_every_export_equals_its_torch_model(exported):
    out, entries = exported
    assert [e.name for e in entries] == [export.PREFILL, *export.REFERENCES]
    manifest = json.loads((out / export.MANIFEST).read_text())
    assert [m["file"] for m in manifest["models"]] == [e.file for e in entries] and manifest["missing"] == {}
    torch.manual_seed(0)
    for entry in entries:
        model = build(entry.name) if entry.name == export.PREFILL else pretrained.load(entry.name,
            root=REPO_DATA)
        factor = export.SIZE // entry.size
        if entry.name != export.PREFILL:
            assert entry.size == pretrained.training_config(entry.name, REPO_DATA)["size"]
            assert ("trained on" in entry.note) == (factor != 1)           # the page says why it is smaller
        for kind, index in [("thick", 0), ("medium", 1), ("box12", 2)]:
            img = torch.rand(1, 3, export.SIZE, export.SIZE)
            mask = torch.from_numpy(MaskSampler(kind, export.SIZE, 7)(index)).float()[None, None]
            masked = img * (1 - mask)
            with torch.no_grad():
                expected = model(F.avg_pool2d(masked, factor), F.max_pool2d(mask, factor))
            got = export.run_onnx(out / entry.file, masked, mask)
            assert got.shape == (1, 3, entry.size, entry.size)
            assert float((got - expected).abs().max()) < 1e-4, (entry.name, kind)


def test_the_u_nets_run_at_their_training_size(exported):
    _, entries = exported
    sizes = {e.name: e.size for e in entries}
    assert sizes["unet"] == sizes["convmixer_unet"] == 32 and sizes["wavemix"] == sizes["lama"] == 96


def test_missing_references_are_listed_and_the_command_writes_the_prefill(tmp_path, capsys):
    # the autouse fixture points INPAINT_DATA at an empty folder: no reference is there
    assert main(["export-onnx", "--out", str(tmp_path / "onnx")]) == 0
    manifest = json.loads((tmp_path / "onnx" / export.MANIFEST).read_text())
    assert [m["name"] for m in manifest["models"]] == [export.PREFILL]
    assert sorted(manifest["missing"]) == sorted(export.REFERENCES)
    assert "lama left out" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "onnx").iterdir()) == [export.MANIFEST, "push_pull.onnx"]


def test_unknown_name_is_refused():
    with pytest.raises(ValueError, match="no ONNX export for 'resnet'"):
        export.graph_for("resnet")
