"""A6 (the band project): what its public and hidden tests share, the project's model as saved
and as initialised, and the evaluation that the reported numbers must equal."""

from __future__ import annotations

from ..checks import check_close, defined, load_weights_file
from . import Mistakes, catalogue

#: The hole metrics the project reports for each fill, keys of an evaluation's summary.
HOLE_KEYS = ("psnr_hole", "ssim_hole", "l1_hole")


def saved_model(out, how: str):
    """The project's model (the tiny WaveMix) with the weights saved in ``out / "model.pt"``
    (:func:`load_weights_file`; ``how`` says how to write them)."""
    from ...models import build
    model = build("wavemix", "tiny")
    model.load_state_dict(load_weights_file(out / "model.pt", how))
    return model


def seeded_model(seed: int):
    """The project's model as the notebook initialises it, after ``torch.manual_seed(seed)``."""
    import torch

    from ...models import build
    torch.manual_seed(seed)
    return build("wavemix", "tiny")


def q3_recomputed(out, band_masks, test_images: int, size: int, test_seed: int,
                  mistakes: Mistakes | None = None) -> None:
    """The numbers in ``results.json`` equal those recomputed from ``model.pt`` on the same test
    set (arguments: the notebook's ``OUT``, ``band_masks``, ``TEST_IMAGES``, ``SIZE``,
    ``TEST_SEED``). ``mistakes`` gets, for each fill, the ``fill``, its ``summary`` and the test
    ``masks`` and names the checks of :data:`HOLE_KEYS`."""
    import json

    from ... import data, evaluate
    from ...models import build
    defined(OUT=out, band_masks=band_masks)
    assert (out / "results.json").is_file(), ("results.json is missing: json.dump(results, ...) to "
                                              "OUT / 'results.json'")
    saved = json.loads((out / "results.json").read_text())
    model = saved_model(out, "save model.state_dict() to OUT / 'model.pt' (Question 2)")
    crops = data.first(data.load_dataset("samples", "test", size=size), test_images)
    test_masks = band_masks(test_images, size, seed=test_seed)
    for name, fill in (("wavemix", model), ("telea", build("telea")), ("mean_fill", build("mean_fill"))):
        summary = evaluate.evaluate(fill, data.MaskedImages(crops, test_masks), batch=32, fid=None,
                                    progress=False).summary
        known = catalogue(mistakes, fill=fill, summary=summary, masks=test_masks)
        for key in HOLE_KEYS:
            check_close(f"{name} {key}", saved[name][key], summary[key], 1e-3,
                        "evaluate the saved model on the test crops with "
                        "band_masks(TEST_IMAGES, SIZE, seed=TEST_SEED)",
                        known.get(key))
