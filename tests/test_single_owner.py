"""One owner per fact (issue 32): the run folder's file names, the fields a run's identity
leaves out, the evaluation-set size, "is this model classical", the model's ``spec``, and a
whole TrainConfig checked before anything touches the disk."""

from __future__ import annotations

import ast

import pytest
import torch

from inpaintlib import paths
from inpaintlib.models import CLASSICAL, build, is_classical, names
from inpaintlib.models.unet import UNet
from inpaintlib.train import TrainConfig, checkpoint
from inpaintlib.train.config import RESUMABLE_CHANGES, comparable_config

LIB = paths.REPO_ROOT / "inpaintlib"
RUN_FILES = (paths.LAST_CHECKPOINT, paths.BEST_CHECKPOINT, paths.RUN_CONFIG, paths.RUN_HISTORY)


def modules_spelling(literal: str) -> list[str]:
    """The inpaintlib modules with a string constant that is exactly ``literal``."""
    found = []
    for path in sorted(LIB.rglob("*.py")):
        tree = ast.parse(path.read_text())
        if any(isinstance(n, ast.Constant) and n.value == literal for n in ast.walk(tree)):
            found.append(path.relative_to(LIB).as_posix())
    return found


@pytest.mark.parametrize("literal", RUN_FILES)
def test_run_folder_file_names_are_spelled_in_paths_only(literal):
    assert modules_spelling(literal) == ["paths.py"], "use the constant of inpaintlib.paths"


def test_eval_set_size_has_one_owner():
    code = {p.relative_to(LIB).as_posix(): p.read_text() for p in LIB.rglob("*.py")}
    spelled = sorted(name for name, text in code.items() if "fixed_masks(" in text and "10_000)" in text)
    assert spelled == [], f"fixed_masks(..., 10_000) spelled out in {spelled}: use masks.EVAL_SET_SIZE"


def test_one_list_of_fields_outside_a_runs_identity():
    cfg = TrainConfig(model="cnn", preset="tiny", device="cpu", workers=2, progress=False, out="x")
    kept = comparable_config(cfg.to_dict())
    assert not set(RESUMABLE_CHANGES) & set(kept) and {"model", "seed", "epochs"} <= set(kept)
    text = (LIB / "pretrained.py").read_text()
    assert '"out", "device", "progress"' not in text and "comparable_config(" in text


@pytest.mark.parametrize("name", names())
def test_one_answer_to_is_this_model_classical(name):
    assert is_classical(name) == is_classical(build(name)) == (name in CLASSICAL)


def test_a_model_without_spec_says_how_to_save_it():
    model = UNet()                                   # built from its class, not by build()
    assert model.spec is None
    with pytest.raises(ValueError, match=r"inpaintlib\.models\.build"):
        checkpoint.model_state(model)
    assert checkpoint.model_state(build("unet"))["model_spec"]["name"] == "unet"


def test_meta_tensors_are_refused_with_where_they_must_be():
    model = build("cnn", "tiny")
    masked, mask = torch.rand(1, 3, 32, 32, device="meta"), torch.zeros(1, 1, 32, 32, device="meta")
    with pytest.raises(ValueError, match="meta device.*model's device"):
        model(masked, mask)


@pytest.mark.parametrize("field, value, match", [
    ("model", "nosuch", "unknown model"),
    ("preset", "nosuch", "has no preset"),
    ("dataset", "stl100", "dataset must be one of"),
    ("val_masks", "medum", "unknown mask kind"),
    ("device", "gpu", "device must be"),
])
def test_train_config_refuses_every_unknown_name(field, value, match, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(ValueError, match=match):
        TrainConfig(**{field: value, "out": str(out)})
    assert not out.exists() and list(tmp_path.iterdir()) == []
