"""Training batches cut on the device: dead-leaves images, the stream, the trainer on it."""

from __future__ import annotations

import os
import signal

import pytest
import torch

from inpaintlib.data.samples import PHOTOS
from inpaintlib.data.stream import TrainingStream, symmetry
from inpaintlib.data.synthetic import dead_leaves, power_law_radii
from inpaintlib.train import TrainConfig, Trainer
from inpaintlib.train.config import comparable_config, with_added_fields

pytestmark = pytest.mark.usefixtures("committed_masks")


def test_dead_leaves_are_seeded_images_in_range_with_edges():
    a = dead_leaves(4, 32, torch.Generator().manual_seed(1))
    b = dead_leaves(4, 32, torch.Generator().manual_seed(1))
    c = dead_leaves(4, 32, torch.Generator().manual_seed(2))
    assert a.shape == (4, 3, 32, 32) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert 0 <= a.min() and a.max() <= 1
    # not flat: several colour regions per image
    assert all(len(torch.unique((img * 255).round())) > 20 for img in a)
    with pytest.raises(ValueError, match="size"):
        dead_leaves(1, 0, torch.Generator())


def test_power_law_radii_stay_in_range_and_favour_small_discs():
    r = power_law_radii((20000,), 0.02, 0.5, torch.Generator().manual_seed(0))
    assert 0.02 <= r.min() and r.max() <= 0.5
    assert (r < 0.04).float().mean() > 0.5          # density ~ r^-3: most discs are small


def test_symmetry_gives_the_eight_transforms_of_a_square():
    x = torch.arange(9.0).reshape(3, 3)
    assert len({tuple(symmetry(x, k).flatten().tolist()) for k in range(8)}) == 8


def test_stream_batches_are_a_function_of_seed_epoch_and_step():
    stream = TrainingStream(32, "square4-16", synthetic=0.25, seed=3, bank=16)
    masked, mask, target = stream.batch(0, 5, 8)
    again = TrainingStream(32, "square4-16", synthetic=0.25, seed=3, bank=16).batch(0, 5, 8)
    assert all(torch.equal(x, y) for x, y in zip((masked, mask, target), again))
    assert not torch.equal(target, stream.batch(0, 6, 8)[2])
    assert masked.shape == target.shape == (8, 3, 32, 32) and mask.shape == (8, 1, 32, 32)
    assert set(mask.unique().tolist()) <= {0.0, 1.0} and mask.sum() > 0
    assert torch.equal(masked, target * (1 - mask))
    assert 0 <= target.min() and target.max() <= 1


def test_stream_refuses_validation_and_test_photos():
    with pytest.raises(ValueError, match="never train on them"):
        TrainingStream(32, "square4-16", photos=(PHOTOS["train"][0], PHOTOS["test"][0]), bank=4)
    with pytest.raises(ValueError, match="share"):
        TrainingStream(32, "square4-16", synthetic=1.5, bank=4)


def stream_config(tmp_path, **kw) -> TrainConfig:
    settings = dict(model="cnn", preset="tiny", source="stream", synthetic=0.5, steps_per_epoch=3, size=32,
                    masks="square4-16", val_masks="square4-16", val_images=8, epochs=2, sgd_epochs=0,
                    batch=4, loss="l1", model_cfg={"fill": "push_pull"}, amp="off", device="cpu",
                    progress=False, out=str(tmp_path / "run"))
    return TrainConfig(**{**settings, **kw})


def test_trainer_on_the_stream_logs_the_gain_over_the_pre_fill_and_resumes_exactly(tmp_path):
    full = Trainer(stream_config(tmp_path / "a")).fit()
    rows = full.history
    assert len(rows) == 2 and {"val_psnr_hole", "val_gain_db"} <= rows[0].keys()

    def interrupt(trainer, epoch, step, loss):
        if (epoch, step) == (1, 0):
            os.kill(os.getpid(), signal.SIGINT)
    cfg = stream_config(tmp_path / "b")
    with pytest.raises(KeyboardInterrupt):
        Trainer(cfg, on_step=interrupt).fit()
    resumed = Trainer(cfg).fit(resume=True)
    for key, value in full.model.state_dict().items():
        torch.testing.assert_close(resumed.model.state_dict()[key], value, rtol=0, atol=0)


def test_stream_settings_are_checked():
    with pytest.raises(ValueError, match="samples"):
        TrainConfig(source="stream", dataset="cifar10")
    with pytest.raises(ValueError, match="source='stream'"):
        TrainConfig(synthetic=0.5)
    with pytest.raises(ValueError, match="share"):
        TrainConfig(source="stream", synthetic=2.0)


def test_configs_saved_before_the_stream_existed_compare_equal_to_todays():
    added = ("source", "synthetic", "steps_per_epoch", "start", "schedule")
    old = {k: v for k, v in TrainConfig().to_dict().items() if k not in added}
    assert with_added_fields(old) == TrainConfig().to_dict()
    assert comparable_config(old) == comparable_config(TrainConfig().to_dict())


def test_parallel_runs_train_side_by_side_and_a_deadline_saves_them(tmp_path):
    from inpaintlib.train.parallel import train_all
    quick = stream_config(tmp_path / "q", epochs=1)
    slow = stream_config(tmp_path / "s", epochs=50, steps_per_epoch=200)
    codes = train_all({"quick": quick, "slow": slow}, deadline=20, log_dir=tmp_path / "logs")
    assert codes["quick"] == 0 and codes["slow"] != 0
    assert (tmp_path / "q" / "run" / "history.csv").exists()
    saved = torch.load(tmp_path / "s" / "run" / "last.pt", weights_only=True)   # saved at the deadline
    assert saved["epoch"] < 50
    assert "Ctrl-C" in (tmp_path / "logs" / "slow.log").read_text()
