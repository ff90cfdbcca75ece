"""Reference checkpoints: export, checksum-verified weights-only loading, clear errors, the
course profile's equal budgets, and the committed references themselves."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from inpaintlib import pretrained, train
from inpaintlib.files import CHECKSUMS, file_sha256, write_checksums
from inpaintlib.models import build

pytestmark = pytest.mark.usefixtures("committed_masks")
REPO_DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    """A WaveMix trained for two tiny epochs with the reference's own settings."""
    tmp = tmp_path_factory.mktemp("tiny")
    shutil.copytree(REPO_DATA / "masks", tmp / "data" / "masks")
    mp = pytest.MonkeyPatch()
    mp.setenv("INPAINT_DATA", str(tmp / "data"))
    cfg = pretrained.reference_config("wavemix", train_images=32, val_images=8, epochs=2, sgd_epochs=1,
                                      out=str(tmp / "run"), progress=False)
    train.Trainer(cfg).fit()
    mp.undo()
    return tmp / "run" / "best.pt"


def _export(tiny_checkpoint, root):
    return pretrained.export("wavemix", tiny_checkpoint, root=root)


def test_export_and_load_round_trip(tiny_checkpoint, tmp_path):
    folder = _export(tiny_checkpoint, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "history.csv", "weights.pt"]
    stored = torch.load(folder / "weights.pt", weights_only=True)
    assert all(v.dtype == torch.float16 for v in stored["state_dict"].values() if v.is_floating_point())
    model = pretrained.load("wavemix", root=tmp_path)
    original, _ = train.load_checkpoint(tiny_checkpoint)
    assert not model.training and next(model.parameters()).dtype == torch.float32
    x, m = torch.rand(2, 3, 96, 96), torch.zeros(2, 1, 96, 96)
    m[:, :, 30:60, 30:60] = 1
    with torch.no_grad():
        torch.testing.assert_close(model(x, m), original(x, m), atol=5e-3, rtol=0)  # fp16 storage
    assert pretrained.training_config("wavemix", root=tmp_path)["masks"] == "train"
    assert [h["epoch"] for h in pretrained.history("wavemix", root=tmp_path)] == [1, 2]
    assert pretrained.available(tmp_path) == ["wavemix"]


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_damaged_weights_are_refused_with_the_regenerate_command(tiny_checkpoint, tmp_path, damage):
    folder = _export(tiny_checkpoint, tmp_path)
    path = folder / "weights.pt"
    raw = path.read_bytes()
    if damage == "flip":
        path.write_bytes(raw[:100] + bytes([raw[100] ^ 1]) + raw[101:])
    elif damage == "truncate":
        path.write_bytes(raw[: len(raw) // 2])
    else:
        path.unlink()
    with pytest.raises(pretrained.PretrainedError) as err:
        pretrained.load("wavemix", root=tmp_path)
    message = str(err.value)
    assert "weights.pt" in message and "python -m inpaintlib pretrained build --only wavemix" in message
    assert "weights_only=False" not in message


def test_a_rewritten_file_with_a_matching_checksum_is_still_read_safely(tiny_checkpoint, tmp_path):
    """Someone replaces weights.pt *and* its manifest line: the checksum passes, but
    weights-only loading still refuses anything but tensors, with our message."""
    folder = _export(tiny_checkpoint, tmp_path)

    class Evil:
        def __reduce__(self):
            return (Path.touch, (tmp_path / "pwned",))

    import pickle
    (folder / "weights.pt").write_bytes(pickle.dumps({"format": 2, "x": Evil()}, protocol=2))
    sums = pretrained.read_checksums(tmp_path)
    sums["wavemix/weights.pt"] = file_sha256(folder / "weights.pt")
    write_checksums(pretrained.pretrained_dir(tmp_path) / CHECKSUMS, sums)
    with pytest.raises(pretrained.PretrainedError, match="is corrupt or not a reference checkpoint"):
        pretrained.load("wavemix", root=tmp_path)
    assert not (tmp_path / "pwned").exists()


def test_malformed_manifest_and_unknown_names(tiny_checkpoint, tmp_path):
    _export(tiny_checkpoint, tmp_path)
    (tmp_path / "pretrained" / "SHA256SUMS").write_text("not a checksum line\n")
    with pytest.raises(pretrained.PretrainedError, match="SHA256SUMS, line 1"):
        pretrained.load("wavemix", root=tmp_path)
    with pytest.raises(ValueError, match="unknown reference 'resnet'"):
        pretrained.load("resnet", root=tmp_path)


def test_course_references_share_the_budget():
    configs = {name: pretrained.reference_config(name) for name in pretrained.names()}
    assert set(configs) >= {"wavemix", "cnn", "lama", "unet", "convmixer_unet", "wavemix_box12"}
    trio = [configs[n].to_dict() for n in ("wavemix", "cnn", "lama")]
    for cfg in trio:    # identical but for the model and the output folder
        assert {k: v for k, v in cfg.items() if k not in ("model", "out")} == \
               {k: v for k, v in trio[0].items() if k not in ("model", "out")}
    assert trio[0]["masks"] == "train" and trio[0]["sgd_epochs"] > 0
    box, lama_trained = configs["wavemix_box12"].to_dict(), configs["wavemix"].to_dict()
    assert {k for k in box if box[k] != lama_trained[k]} == {"masks", "val_masks", "out"}
    assert configs["unet"].size == configs["convmixer_unet"].size == 32


def test_run_folders_are_named_after_what_defines_the_run():
    base = train.profile_config("wavemix", "quick")
    assert Path(base.out).name == "wavemix"
    assert Path(train.profile_config("wavemix", "quick", device="cpu", seed=0).out).name == "wavemix"
    assert Path(train.profile_config("wavemix", "quick", seed=1).out).name == "wavemix-seed=1"
    assert Path(train.profile_config("wavemix", "quick", loss="mse").out).name == "wavemix-loss=mse"


def test_committed_references_verify_and_inpaint():
    """The checkpoints in data/pretrained/ are intact, load, and fill a hole in a real test
    crop better than the mean colour of the known pixels does."""
    missing = [n for n in pretrained.names() if n not in pretrained.available(REPO_DATA)]
    assert not missing, f"reference checkpoints missing: {missing}; run `make pretrained`"
    total = sum(p.stat().st_size for p in (REPO_DATA / "pretrained").rglob("*") if p.is_file())
    assert total < 25e6
    from inpaintlib.data import load_dataset

    def hole_mse(name, size, box):
        """Hole MSE of reference ``name`` and of the mean fill on 6 test crops with one box hole."""
        img = torch.stack([load_dataset("samples", "test", size=size)[i] for i in range(6)])
        mask = torch.zeros(6, 1, size, size)
        (y0, y1), (x0, x1) = box
        mask[:, :, y0:y1, x0:x1] = 1
        model = pretrained.load(name, root=REPO_DATA)
        with torch.no_grad():
            pred = model(img * (1 - mask), mask)
            fill = build("mean_fill")(img * (1 - mask), mask)
        err = lambda x: float(((x - img) ** 2 * mask).sum() / mask.sum() / 3)  # noqa: E731
        return err(pred), err(fill)

    large, box12, small32 = ((36, 60), (30, 66)), ((42, 54), (40, 52)), ((12, 20), (10, 18))
    for name, size, box in [("wavemix", 96, large), ("cnn", 96, large), ("lama", 96, large),
                            ("wavemix_box12", 96, box12), ("unet", 32, small32),
                            ("convmixer_unet", 32, small32)]:
        err, floor = hole_mse(name, size, box)
        assert err < floor, f"{name}: hole MSE {err:.4f} is not below the mean fill's {floor:.4f}"
    # notebook 10 compares these two: they must differ in their training masks only
    a, b = pretrained.training_config("wavemix", REPO_DATA), pretrained.training_config("wavemix_box12",
        REPO_DATA)
    assert {k for k in a if a[k] != b[k]} == {"masks", "val_masks"}


def test_mean_fill_uses_the_known_pixels_only():
    img = torch.rand(2, 3, 8, 8)
    mask = torch.zeros(2, 1, 8, 8)
    mask[:, :, :4] = 1
    out = build("mean_fill")(img, mask)
    expected = img[:, :, 4:].mean(dim=(2, 3))
    torch.testing.assert_close(out[:, :, 0, 0], expected)
    torch.testing.assert_close(out[:, :, 4:], img[:, :, 4:], rtol=0, atol=0)
    assert torch.equal(build("mean_fill")(img, torch.ones(2, 1, 8, 8)), torch.full_like(img, 0.5))


def test_table1_references_continue_the_colours_of_unseen_photos():
    """On 180 crops of the nine test photos (20 each, never trained or tuned on) with LaMa
    `thick` masks, every Table 1 reference fills the holes at least 3 dB of hole PSNR better
    than the mean colour of the known pixels, and WaveMix comes within 1 dB of Telea."""
    from inpaintlib.data import MaskedImages, first, load_dataset
    from inpaintlib.evaluate import evaluate
    from inpaintlib.masks import fixed_masks
    test = MaskedImages(first(load_dataset("samples", "test"), 180),
                        fixed_masks("thick", 96, 10_000, root=REPO_DATA))
    psnr = {name: evaluate(model, test, batch=60, fid=None, progress=False).summary["psnr_hole"]
            for name, model in {**{n: pretrained.load(n, root=REPO_DATA) for n in ("wavemix", "cnn", "lama")},
                                "telea": build("telea"), "mean_fill": build("mean_fill")}.items()}
    for name in ("wavemix", "cnn", "lama"):
        assert psnr[name] >= psnr["mean_fill"] + 3, psnr
    assert psnr["wavemix"] >= psnr["telea"] - 1, psnr


def test_committed_references_were_trained_with_todays_recipe():
    """Every committed reference (and extra seed) carries the configuration that
    `pretrained build` would use now: a changed recipe without retraining fails here."""
    folder = pretrained.pretrained_dir(REPO_DATA)
    present = pretrained.names() + [n for n in pretrained.seed_names() if (folder / n).exists()]
    for name in present:
        wanted = train.comparable_config(pretrained.reference_config(name).to_dict())
        assert train.comparable_config(pretrained.training_config(name, REPO_DATA)) == wanted, name


def test_build_exports_the_last_epoch_not_the_best_on_validation(tiny_checkpoint, tmp_path, monkeypatch):
    """Equal budget: a reference ships the weights of its last epoch (issue 22)."""
    run = tiny_checkpoint.parent
    cfg = train.TrainConfig(**{**json.loads((run / "config.json").read_text()), "progress": False})
    monkeypatch.setattr(pretrained, "reference_config", lambda name, **kw: cfg)
    monkeypatch.setenv("INPAINT_DATA", str(tmp_path))
    pretrained.build_reference("wavemix")                       # finished run: nothing to train
    shipped = pretrained.load("wavemix").state_dict()
    last, _ = train.load_checkpoint(run / "last.pt")
    for key, value in last.state_dict().items():
        if value.is_floating_point():
            torch.testing.assert_close(shipped[key], value.half().float(), atol=0, rtol=0)
