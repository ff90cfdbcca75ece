"""ONNX export: the reference networks as files a browser can run (the site's "Try it" page).

    python -m inpaintlib export-onnx --out runs/onnx      # one <name>.onnx per reference + models.json

Every exported graph is called the way the course's models are::

    inputs   masked (1, 3, S, S) float32 in [0, 1], the photo with its holes (hole values ignored)
             mask   (1, 1, S, S) float32, 1 = hole, 0 = known
    output   image  (1, 3, s, s) float32 in [0, 1], the composited fill: known pixels exact

``S`` is the page's working size (:data:`SIZE`, 96 px). Most references take it as it is
(``s = S``). The second paper's U-Nets were trained on 32 px crops: their graphs first shrink
the input ``S / 32`` times (:class:`Shrink`: the photo by averaging, the mask so that a small
pixel is a hole when any of its pixels is), so they output a 32 px image (``s = 32``).

What is exported is the model's *network path*: the hole presentation (zeros or the push-pull
pre-fill), :meth:`~inpaintlib.models.base.InpaintingModel.predict` and the composite, without
the Python input checks of ``forward`` (:class:`NetworkPath`). Three pieces are rewritten for
ONNX, each tested equal to the original:

* the push-pull fill loops until a pyramid level is complete, a data-dependent loop; traced
  with an all-hole example mask it runs to the 1x1 level, which gives the same fill for any
  mask (a complete level stays as it is on the way back up);
* the WaveMix blocks' fast Haar transform writes into preallocated views, which the tracer
  does not follow: the graphs take the same sums in plain operations (:class:`PlainHaar`);
* LaMa's Fourier unit takes ``torch.fft.rfft2`` / ``irfft2``; the graphs use the same
  transforms written as products with cosine and sine matrices (:func:`rfft2`,
  :func:`irfft2`), which every ONNX runtime computes (plain ``MatMul``).

:func:`export_onnx` reads whatever ``data/pretrained`` holds when it runs (nothing exported is
committed); :func:`run_onnx` runs a file with ONNX Runtime, as the page does.
"""

from __future__ import annotations

import copy
import json
import math
import os
import tempfile
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .files.atomic import atomic_write
from .models.base import composite
from .models.fill import present
from .models.lama import FourierUnit

#: The side of the square images the page works on (the Table 1 references' training size).
SIZE = 96
#: The references the page shows: the Table 1 trio (seed 0), the box-trained WaveMix and the
#: second paper's two U-Nets.
REFERENCES = ("wavemix", "cnn", "lama", "wavemix_box12", "unet", "convmixer_unet")
#: What the page calls each reference.
LABELS = {"wavemix": "WaveMix", "cnn": "CNN (paper 1)", "lama": "LaMa", "wavemix_box12": "WaveMix, 12 px "
                                                                                         "boxes",
          "unet": "U-Net (paper 2)", "convmixer_unet": "ConvMixer U-Net (paper 2)"}
#: The pre-fill every reference refines, exported as a model of its own.
PREFILL = "push_pull"
#: ONNX opset of the exported graphs.
OPSET = 17
#: Names of the graphs' inputs and output.
INPUTS, OUTPUT = ("masked", "mask"), "image"
#: The manifest written next to the ONNX files.
MANIFEST = "models.json"


# ---------------------------------------------------------------------------------------
# rfft2 / irfft2 as matrix products
# ---------------------------------------------------------------------------------------

def _cos_sin(rows: int, cols: int, period: int, dtype: torch.dtype, device) -> tuple[Tensor, Tensor]:
    """``cos`` and ``sin`` of ``2 pi r c / period`` for r < rows, c < cols, over ``sqrt(period)``
    (the "ortho" normalisation), computed in float64 and cast to ``dtype``."""
    r = torch.arange(rows, dtype=torch.float64, device=device)[:, None]
    c = torch.arange(cols, dtype=torch.float64, device=device)[None, :]
    angle = 2 * math.pi * torch.remainder(r * c, period) / period
    scale = 1 / math.sqrt(period)
    return (torch.cos(angle) * scale).to(dtype), (torch.sin(angle) * scale).to(dtype)


def rfft2(x: Tensor) -> tuple[Tensor, Tensor]:
    """``torch.fft.rfft2(x, norm="ortho")`` as matrix products: ``x`` (..., H, W) real ->
    (real, imag), each (..., H, W // 2 + 1)."""
    h, w = x.shape[-2:]
    cos_w, sin_w = _cos_sin(w, w // 2 + 1, w, x.dtype, x.device)       # (W, K)
    re, im = x @ cos_w, -(x @ sin_w)                                   # along W: real input
    cos_h, sin_h = _cos_sin(h, h, h, x.dtype, x.device)                # (H, H), symmetric
    return cos_h @ re + sin_h @ im, cos_h @ im - sin_h @ re            # along H: (C - iS)(re + i im)


def irfft2(re: Tensor, im: Tensor, w: int) -> Tensor:
    """``torch.fft.irfft2(torch.complex(re, im), s=(H, w), norm="ortho")`` as matrix products:
    (..., H, w // 2 + 1) twice -> (..., H, w) real. As in torch, the imaginary parts of the
    bins without a mirror image (0 and, for an even ``w``, ``w / 2``) are ignored."""
    h, k = re.shape[-2:]
    cos_h, sin_h = _cos_sin(h, h, h, re.dtype, re.device)
    re, im = cos_h @ re - sin_h @ im, cos_h @ im + sin_h @ re           # inverse along H: (C + iS)
    cos_w, sin_w = _cos_sin(k, w, w, re.dtype, re.device)              # (K, W)
    twice = torch.full((k, 1), 2.0, dtype=re.dtype, device=re.device)  # bins that stand for two
    twice[0] = 1.0
    if w % 2 == 0:
        twice[-1] = 1.0
    return re @ (cos_w * twice) - im @ (sin_w * twice)


class MatrixFourierUnit(nn.Module):
    """:class:`~inpaintlib.models.lama.FourierUnit` with its FFTs as matrix products
    (:func:`rfft2`, :func:`irfft2`): the same function of (N, c, H, W), sharing its layers."""

    def __init__(self, unit: FourierUnit):
        super().__init__()
        self.conv, self.bn, self.relu = unit.conv, unit.bn, unit.relu

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        re, im = rfft2(x)
        z = torch.stack([re, im], dim=2).reshape(n, 2 * c, h, -1)      # [re_0, im_0, re_1, ...]
        z = self.relu(self.bn(self.conv(z))).reshape(n, c, 2, h, -1)
        return irfft2(z[:, :, 0], z[:, :, 1], w)


class PlainHaar(nn.Module):
    """One Haar level with the bands stacked, :func:`inpaintlib.wavelets.haar_dwt_stacked`,
    in plain tensor operations: (N, C, H, W) -> (N, 4C, H/2, W/2) (H, W even), channels
    ``[LL (C), then LH, HL, HH of channel 0, of channel 1, ...]``. The library's fast kernel
    writes into preallocated views, which the ONNX tracer does not follow."""

    def stacked(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        a, b = x[:, :, 0::2, 0::2], x[:, :, 0::2, 1::2]
        cc, d = x[:, :, 1::2, 0::2], x[:, :, 1::2, 1::2]
        bands = torch.stack([a + b - cc - d, a - b + cc - d, a - b - cc + d], dim=2) / 2
        return torch.cat([(a + b + cc + d) / 2, bands.reshape(n, 3 * c, h // 2, w // 2)], dim=1)


def for_onnx(model: nn.Module) -> nn.Module:
    """A copy of ``model`` that the ONNX tracer follows: its Fourier units compute their FFTs
    as matrix products (:class:`MatrixFourierUnit`) and its one-level Haar transforms use
    plain tensor operations (:class:`PlainHaar`). The same function; ``model`` is unchanged."""
    from .wavelets import DWT
    model = copy.deepcopy(model)
    for parent in list(model.modules()):
        for name, child in parent.named_children():
            if isinstance(child, FourierUnit):
                setattr(parent, name, MatrixFourierUnit(child))
            elif isinstance(child, DWT) and child.levels == 1:
                setattr(parent, name, PlainHaar())
    return model


# ---------------------------------------------------------------------------------------
# What is exported
# ---------------------------------------------------------------------------------------

class NetworkPath(nn.Module):
    """``model``'s forward without its Python input checks: present the holes as the model
    does (``model.fill``), :meth:`predict`, composite. (N, 3, H, W), (N, 1, H, W) 1 = hole ->
    (N, 3, H, W); equal to ``model(masked, mask)`` on inputs that pass the checks."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, masked: Tensor, mask: Tensor) -> Tensor:
        hole = mask > 0.5
        presented = present(masked, hole, self.model.fill)
        return composite(self.model.predict(presented, hole.to(masked.dtype)), presented, hole)


class Shrink(nn.Module):
    """Run ``model`` on the inputs shrunk ``factor`` times: the photo by ``factor`` x
    ``factor`` averages, the mask by maxima (a shrunk pixel is a hole when any of its pixels
    is). (N, 3, H, W), (N, 1, H, W) -> ``model``'s output at (H / factor, W / factor)."""

    def __init__(self, model: nn.Module, factor: int):
        super().__init__()
        self.model, self.factor = model, factor

    def forward(self, masked: Tensor, mask: Tensor) -> Tensor:
        return self.model(F.avg_pool2d(masked, self.factor), F.max_pool2d(mask, self.factor))


@dataclass(frozen=True)
class Exported:
    """One exported model, as ``models.json`` lists it for the page."""

    name: str          # reference name, or "push_pull"
    file: str          # <name>.onnx, next to the manifest
    label: str         # what the page calls it
    size: int          # side of the output image (the input is always SIZE)
    params: int        # trainable parameters
    note: str          # one line the page shows under the fill ("" if none)


def trained_size(name: str, root: str | os.PathLike | None = None) -> int:
    """The crop size reference ``name`` was trained on (its ``config.json``)."""
    from . import pretrained
    return int(pretrained.training_config(name, root)["size"])


def graph_for(name: str, size: int = SIZE, root: str | os.PathLike | None = None) -> tuple[nn.Module,
    Exported]:
    """The module to export for ``name`` (a reference of :data:`REFERENCES` or
    :data:`PREFILL`) and its manifest entry. A reference trained on smaller crops runs on the
    input shrunk to its training size (which must divide ``size``)."""
    from . import models, pretrained
    if name == PREFILL:
        model = models.build(PREFILL).eval()
        return NetworkPath(model), Exported(name, f"{name}.onnx", "push-pull pre-fill", size, 0,
                                            "the smooth guess every reference starts from")
    if name not in REFERENCES:
        raise ValueError(f"no ONNX export for {name!r}; choose one of {[*REFERENCES, PREFILL]}")
    model = pretrained.load(name, "cpu", root)
    params = sum(p.numel() for p in model.parameters())
    graph: nn.Module = NetworkPath(for_onnx(model))
    trained, note = trained_size(name, root), ""
    if trained != size:
        if size % trained:
            raise ValueError(f"reference {name} was trained on {trained} px crops; the page size {size} "
                             f"must be a multiple of it")
        graph = Shrink(graph, size // trained)
        note = (f"trained on {trained} px crops: runs on the photo shrunk {size // trained}x "
                f"to {trained} px, scored there")
    return graph.eval(), Exported(name, f"{name}.onnx", LABELS[name], trained, params, note)


def example_inputs(size: int = SIZE) -> tuple[Tensor, Tensor]:
    """The tracing example: a grey image and an **all-hole** mask (so the push-pull loop runs
    to its coarsest level, which the graph then does for every mask)."""
    return torch.full((1, 3, size, size), 0.5), torch.ones(1, 1, size, size)


def export_graph(graph: nn.Module, path: str | os.PathLike, size: int = SIZE) -> Path:
    """Write ``graph`` (called as ``graph(masked, mask)``) to the ONNX file ``path``
    atomically, with fixed shapes (1, 3, size, size) and (1, 1, size, size)."""
    path = Path(path)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.stem}.") as tmp:
        scratch = Path(tmp) / path.name
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")              # tracer warnings about the baked-in loop
            torch.onnx.export(graph, example_inputs(size), str(scratch), dynamo=False, opset_version=OPSET,
                              input_names=list(INPUTS), output_names=[OUTPUT], do_constant_folding=True)
        data = scratch.read_bytes()
    return atomic_write(path, lambda fh: fh.write(data))


def export_onnx(out: str | os.PathLike | None = None, names: tuple[str, ...] | None = None,
                size: int = SIZE, root: str | os.PathLike | None = None,
                progress: bool = True) -> list[Exported]:
    """Export the pre-fill and every reference of :data:`REFERENCES` (or ``names``) present in
    ``data/pretrained`` into ``out`` (default ``runs/onnx``), plus :data:`MANIFEST` listing
    them in the order exported (the pre-fill first) and, under ``"missing"``, each reference
    left out and why. Returns the entries exported.

    A reference whose files are missing is left out; a damaged one raises
    :class:`~inpaintlib.pretrained.PretrainedError` naming the command that rebuilds it."""
    from . import pretrained
    from .paths import output_dir
    out = Path(out) if out is not None else output_dir("onnx")
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file, not a folder: give --out a folder (it is created if missing)")
    out.mkdir(parents=True, exist_ok=True)
    wanted = [PREFILL, *REFERENCES] if names is None else list(names)
    found = set(pretrained.available(root))
    exported, missing = [], {}
    for name in wanted:
        if name in REFERENCES and name not in found:
            missing[name] = f"no reference checkpoint in data/pretrained/{name} when the page was built"
            if progress:
                print(f"export-onnx: {name} left out: {missing[name]}", flush=True)
            continue
        graph, entry = graph_for(name, size, root)
        export_graph(graph, out / entry.file, size)
        exported.append(entry)
        if progress:
            print(f"export-onnx: {entry.file} ({entry.params:,} parameters, output {entry.size} px)",
                  flush=True)
    manifest = json.dumps({"size": size, "inputs": list(INPUTS), "output": OUTPUT,
                           "models": [asdict(e) for e in exported], "missing": missing}, indent=1).encode()
    atomic_write(out / MANIFEST, lambda fh: fh.write(manifest))
    if progress:
        print(f"export-onnx: {len(exported)} models and {MANIFEST} in {out}", flush=True)
    return exported


def run_onnx(path: str | os.PathLike, masked: Tensor, mask: Tensor) -> Tensor:
    """Run the exported file ``path`` with ONNX Runtime (CPU) on ``masked`` (1, 3, S, S) and
    ``mask`` (1, 1, S, S), as the page does: the composited image (1, 3, s, s)."""
    import onnxruntime as ort
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    feed = {INPUTS[0]: masked.float().numpy(), INPUTS[1]: mask.float().numpy()}
    return torch.from_numpy(session.run([OUTPUT], feed)[0])


__all__ = ["INPUTS", "LABELS", "MANIFEST", "OPSET", "OUTPUT", "PREFILL", "REFERENCES", "SIZE", "Exported",
           "MatrixFourierUnit", "NetworkPath", "Shrink", "example_inputs", "export_graph",
           "export_onnx", "for_onnx", "graph_for", "irfft2", "PlainHaar", "rfft2", "run_onnx", "trained_size"]
