"""The trainer: optimizer switch, exact resume, atomic checkpoints, NaN stop, DDP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from inpaintlib import train as train_mod
from inpaintlib.files import CorruptFileError, RunLock, RunLockedError
from inpaintlib.files.lock import HOLDER_NAME
from inpaintlib.train import (
    PROFILES,
    NonFiniteLossError,
    TrainConfig,
    Trainer,
    checkpoint,
    epoch_batches,
    load_checkpoint,
    resolve_amp,
)

pytestmark = pytest.mark.usefixtures("committed_masks")


def config(tmp_path: Path, **kw) -> TrainConfig:
    settings = dict(model="wavemix", preset="tiny", dataset="samples", train_images=24, val_images=8,
                    epochs=3, sgd_epochs=1, batch=8, amp="off", device="cpu", progress=False,
                    out=str(tmp_path / "run"))
    return TrainConfig(**{**settings, **kw})


def assert_same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=0, atol=0, msg=k)


def test_epoch_batches_are_seeded_disjoint_and_drop_the_last_partial_batch():
    a = epoch_batches(21, 4, epoch=0, seed=0)
    assert a == epoch_batches(21, 4, epoch=0, seed=0)
    assert a != epoch_batches(21, 4, epoch=1, seed=0)
    assert len(a) == 5 and all(len(b) == 4 for b in a)
    r0, r1 = epoch_batches(20, 4, 0, 0, rank=0, world=2), epoch_batches(20, 4, 0, 0, rank=1, world=2)
    assert len(r0) == len(r1) == 5 and all(len(b) == 2 for b in r0)
    assert not set(sum(r0, [])) & set(sum(r1, []))
    with pytest.raises(ValueError, match="fewer than one batch"):
        epoch_batches(3, 4, 0, 0)
    with pytest.raises(ValueError, match="divisible"):
        epoch_batches(20, 5, 0, 0, rank=0, world=2)


def test_optimizer_switches_to_sgd_for_the_final_epochs(tmp_path):
    seen = {}

    def on_step(trainer, epoch, step, loss):
        seen.setdefault(epoch, trainer.optimizer)
    result = Trainer(config(tmp_path, epochs=4, sgd_epochs=2), on_step=on_step).fit()
    assert {e: type(o).__name__ for e, o in seen.items()} == {0: "AdamW", 1: "AdamW", 2: "SGD", 3: "SGD"}
    assert seen[0] is seen[1] and seen[2] is seen[3]          # one optimizer per phase
    assert [row["optimizer"] for row in result.history] == ["adamw", "adamw", "sgd", "sgd"]
    group = seen[0].param_groups[0]
    assert (group["lr"], group["betas"], group["eps"], group["weight_decay"]) == (1e-3, (0.9, 0.999),
        1e-8, 0.01)
    group = seen[2].param_groups[0]
    assert (group["lr"], group["momentum"]) == (1e-3, 0.9)


def test_files_history_and_plain_state_dict_checkpoints(tmp_path):
    result = Trainer(config(tmp_path, epochs=2)).fit()
    out = tmp_path / "run"
    assert {p.name for p in out.iterdir()} >= {"config.json", "last.pt", "best.pt", "history.csv"}
    state = torch.load(out / "last.pt", weights_only=True)
    assert state["epoch"] == 2 and state["model_spec"]["name"] == "wavemix"
    lines = (out / "history.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,optimizer,lr,train_loss,val_loss,val_ssim")
    assert len(lines) == 3
    model, _ = load_checkpoint(out / "last.pt")
    assert_same_weights(model.state_dict(), result.model.state_dict())
    best, _ = load_checkpoint(out / "best.pt")
    assert _["history"][-1]["val_ssim"] == max(r["val_ssim"] for r in result.history[: _["epoch"]])
    assert not best.training


@pytest.mark.parametrize("stop_at", [(0, 1), (2, 0)], ids=["adamw-epoch", "sgd-epoch"])
def test_resume_after_ctrl_c_equals_an_uninterrupted_run(tmp_path, stop_at):
    full = Trainer(config(tmp_path / "a")).fit()

    def interrupt(trainer, epoch, step, loss):
        if (epoch, step) == stop_at:
            os.kill(os.getpid(), signal.SIGINT)   # what Ctrl-C does
    cfg = config(tmp_path / "b")
    with pytest.raises(KeyboardInterrupt):
        Trainer(cfg, on_step=interrupt).fit()
    saved = torch.load(tmp_path / "b" / "run" / "last.pt", weights_only=True)
    assert (saved["epoch"], saved["progress"]["steps"]) == (stop_at[0], stop_at[1] + 1)
    resumed = Trainer(cfg).fit(resume=True)
    assert_same_weights(full.model.state_dict(), resumed.model.state_dict())
    timing = {"seconds", "img_s"}
    strip = lambda rows: [{k: v for k, v in r.items() if k not in timing} for r in rows]  # noqa: E731
    assert strip(resumed.history) == strip(full.history)


def test_existing_run_needs_resume_and_the_same_config(tmp_path):
    Trainer(config(tmp_path, epochs=1, sgd_epochs=0)).fit()
    with pytest.raises(FileExistsError, match="resume"):
        Trainer(config(tmp_path, epochs=1, sgd_epochs=0)).fit()
    with pytest.raises(ValueError, match="lr"):
        Trainer(config(tmp_path, epochs=1, sgd_epochs=0, lr=0.5)).fit(resume=True)
    done = Trainer(config(tmp_path, epochs=1, sgd_epochs=0)).fit(resume=True)   # finished: no training
    assert len(done.history) == 1


def test_interrupted_checkpoint_write_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    cfg = config(tmp_path, epochs=2, sgd_epochs=0)
    real_write = checkpoint.atomic_write
    calls = []

    def failing_write(path, write):
        if Path(path).name == "last.pt" and calls:       # the second epoch's checkpoint
            def half(fh):
                data = __import__("io").BytesIO()
                write(data)
                fh.write(data.getvalue()[: len(data.getvalue()) // 2])
                raise KeyboardInterrupt                  # killed mid-write
            return real_write(path, half)
        if Path(path).name == "last.pt":
            calls.append(path)
        return real_write(path, write)
    monkeypatch.setattr(checkpoint, "atomic_write", failing_write)
    with pytest.raises(KeyboardInterrupt):
        Trainer(cfg).fit()
    model, state = load_checkpoint(tmp_path / "run" / "last.pt")
    assert state["epoch"] == 1
    assert [p.name for p in (tmp_path / "run").iterdir() if p.name.endswith(".tmp")] == []
    monkeypatch.setattr(checkpoint, "atomic_write", real_write)
    assert len(Trainer(cfg).fit(resume=True).history) == 2


def test_nan_loss_stops_cleanly_and_keeps_the_last_good_checkpoint(tmp_path):
    from inpaintlib.losses import SSIMMAELoss
    base, calls = SSIMMAELoss(), []

    def flaky_loss(pred, target):
        calls.append(1)
        loss = base(pred, target)
        # Epoch 1 calls the loss 4 times (3 steps, 1 validation batch): call 6 is epoch 2, step 2.
        return loss * torch.nan if len(calls) == 6 else loss
    trainer = Trainer(config(tmp_path, epochs=2, sgd_epochs=0), loss_fn=flaky_loss)
    with pytest.raises(NonFiniteLossError, match="epoch 2, step 2.*last good checkpoint"):
        trainer.fit()
    model, state = load_checkpoint(tmp_path / "run" / "last.pt")
    assert state["epoch"] == 1
    assert all(torch.isfinite(p).all() for p in trainer.model.parameters())


def test_bf16_autocast_training_on_cpu(tmp_path):
    result = Trainer(config(tmp_path, epochs=1, sgd_epochs=0, amp="bf16")).fit()
    assert resolve_amp("bf16", torch.device("cpu")) == torch.bfloat16
    assert torch.isfinite(torch.tensor(result.history[0]["train_loss"]))
    with pytest.raises(ValueError, match="CUDA"):
        resolve_amp("fp16", torch.device("cpu"))


def test_config_errors():
    with pytest.raises(ValueError, match="sgd_epochs"):
        TrainConfig(epochs=2, sgd_epochs=3)
    with pytest.raises(ValueError, match="unknown mask kind"):
        TrainConfig(masks="circles")
    with pytest.raises(ValueError, match="amp"):
        TrainConfig(amp="fp8")
    with pytest.raises(ValueError, match=r"batch must be >= 1"):
        TrainConfig(batch=0)
    with pytest.raises(ValueError, match=r"epochs must be int, got '3' \(str\)"):
        TrainConfig(epochs="3")
    with pytest.raises(ValueError, match=r"train_images must be int or None"):
        TrainConfig(train_images=2.5)
    with pytest.raises(ValueError, match=r"progress must be bool"):
        TrainConfig(progress=1)
    assert TrainConfig(lr=1).lr == 1                     # an int is a fine float
    with pytest.raises(ValueError, match=r"unknown training setting\(s\) \['epoch'\]"):
        train_mod.profile_config("cnn", "quick", epoch=3)


def test_the_default_output_folder_is_per_model_and_never_a_profiles():
    from inpaintlib.paths import ADHOC_GROUP, run_dir
    assert Path(TrainConfig(model="cnn").out) == run_dir("checkpoints", ADHOC_GROUP, "cnn-quick")
    lama = TrainConfig(model="lama", preset=None)
    assert Path(lama.out) == run_dir("checkpoints", ADHOC_GROUP, "lama-paper")
    # an ad-hoc run and the quick profile's run of the same model do not share a folder
    assert TrainConfig(model="wavemix").out != train_mod.profile_config("wavemix", "quick").out
    assert ADHOC_GROUP not in train_mod.PROFILES


def test_two_process_ddp_on_cpu_keeps_identical_weights(tmp_path):
    worker = Path(__file__).with_name("ddp_worker.py")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                           "--nproc_per_node", "2", str(worker), str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0 = torch.load(tmp_path / "rank0.pt", weights_only=True)
    r1 = torch.load(tmp_path / "rank1.pt", weights_only=True)
    assert_same_weights(r0, r1)
    state = torch.load(tmp_path / "run" / "last.pt", weights_only=True)
    assert_same_weights(state["state_dict"], r0)
    assert state["history"][-1]["epoch"] == 2


def test_train_and_evaluate_commands(tmp_path, capsys):
    from inpaintlib.__main__ import main
    out = tmp_path / "cli"
    args = ["train", "--model", "cnn", "--preset", "tiny", "--dataset", "samples", "--epochs", "2",
            "--batch", "8", "--train-images", "16", "--val-images", "8", "--workers", "0",
            "--device", "cpu", "--amp", "off", "--out", str(out)]
    assert main(args) == 0
    history = (out / "history.csv").read_text().splitlines()
    assert [line.split(",")[1] for line in history[1:]] == ["adamw", "sgd"]   # --sgd-epochs: half
    assert main(args) == 1                                                    # exists, no --resume
    assert "--resume" in capsys.readouterr().err
    assert main(args + ["--resume"]) == 0
    assert main(["evaluate", "--checkpoint", str(out / "best.pt"), "--dataset", "samples", "--n", "8",
                 "--device", "cpu"]) == 0
    text = capsys.readouterr().out
    assert "ssim_hole" in text and "FID:" in text and "by mask coverage" in text
    report = __import__("json").loads((out / "eval_samples_test_medium.json").read_text())
    assert report["images"] == 8 and 0 < report["summary"]["ssim"] <= 1


def test_profile_config():
    from inpaintlib.paths import runs_dir
    quick = train_mod.profile_config("wavemix", "quick")
    assert (quick.preset, quick.epochs, quick.sgd_epochs) == ("quick", 4, 2)
    assert Path(quick.out) == runs_dir() / "checkpoints" / "quick" / "wavemix"
    paper = train_mod.profile_config("lama", "paper", device="cuda")
    assert (paper.preset, paper.dataset, paper.epochs, paper.sgd_epochs, paper.batch) == (None, "stl10",
        100, 50, 40)
    assert train_mod.profile_config("unet", "quick").preset is None      # no quick preset: paper size
    with pytest.raises(ValueError, match="unknown profile"):
        train_mod.profile_config("cnn", "huge")


@pytest.mark.parametrize("argv, message", [
    (["train", "--model", "cnn", "--val-images", "0"], "--val-images: must be >= 1, got 0"),
    (["train", "--model", "cnn", "--size", "0"], "--size: must be >= 1, got 0"),
    (["train", "--model", "cnn", "--sgd-epochs", "-1"], "--sgd-epochs: must be >= 0, got -1"),
    (["train", "--model", "cnn", "--batch", "four"], "--batch: expected a whole number >= 1, got 'four'"),
    (["evaluate", "--model", "telea", "--n", "0"], "--n: must be >= 1, got 0"),
    (["bench", "models", "--threads", "0"], "--threads: must be >= 1, got 0"),
])
def test_cli_counts_are_checked_before_any_work(argv, message, capsys, tmp_path, monkeypatch):
    from inpaintlib.__main__ import main
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err
    assert list((tmp_path / "cwd").iterdir()) == []      # nothing was created


def test_train_help_lists_every_config_field_with_the_library_default(capsys):
    import dataclasses

    from inpaintlib.__main__ import main
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())          # argparse wraps lines
    for f in dataclasses.fields(TrainConfig):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        assert "--" + f.name.replace("_", "-") in text, f.name
        assert " ".join(f"{f.metadata['doc']} (default: {default!r})".split()) in text, f.name


def test_train_flags_reach_the_config(monkeypatch, capsys):
    from types import SimpleNamespace

    from inpaintlib.__main__ import main
    seen = []

    def fake_fit(self, resume=False):
        seen.append(self.config)
        return SimpleNamespace(best={"epoch": 1, "val_ssim": 0.5})
    monkeypatch.setattr(Trainer, "fit", fake_fit)
    assert main(["train", "--model", "cnn", "--profile", "course", "--seed", "3", "--weight-decay", "0.05",
                 "--model-cfg", '{"widths": [8, 8, 8, 8, 8]}', "--no-progress", "--channels-last",
                 "off"]) == 0
    cfg = seen[0]
    course = PROFILES["course"]                                # the profile's settings, not copies
    assert (cfg.model, cfg.preset) == ("cnn", "quick")
    assert (cfg.epochs, cfg.sgd_epochs, cfg.batch) == (course["epochs"], course["sgd_epochs"],
                                                       course["batch"])
    assert (cfg.seed, cfg.weight_decay, cfg.progress, cfg.channels_last) == (3, 0.05, False, "off")
    assert cfg.model_cfg == {**course["model_cfg"], "widths": [8, 8, 8, 8, 8]}   # adds to the profile's
    assert cfg.augment == course["augment"] == "colour"
    assert Path(cfg.out).parent.name == "course"             # named by what changes the training
    assert Path(cfg.out).name == "cnn-channels_last=off-model_cfg=widths[8,8,8,8,8]-seed=3-weight_decay=0.05"
    assert main(["train", "--model", "cnn", "--epochs", "4"]) == 0   # no profile: library defaults
    assert (seen[1].epochs, seen[1].sgd_epochs, seen[1].batch, seen[1].preset) == (4, 2, 40, "quick")


# -- one trainer per folder, damaged checkpoints -----------------------------------------
def test_a_second_trainer_is_refused_and_writes_nothing(tmp_path):
    with RunLock(tmp_path / "run"):
        with pytest.raises(RunLockedError, match="in use by another trainer"):
            Trainer(config(tmp_path)).fit()
        assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [".lock", ".lock.json"]
    assert not (tmp_path / "run").exists()       # the holder made the folder and wrote nothing: removed


def test_the_trainer_releases_its_lock(tmp_path):
    Trainer(config(tmp_path, epochs=1, sgd_epochs=0)).fit()
    assert not (tmp_path / "run" / HOLDER_NAME).exists() and (tmp_path / "run" / "last.pt").exists()
    RunLock(tmp_path / "run").acquire().release()


@pytest.mark.parametrize("damage", ["truncated", "not a checkpoint"])
def test_damaged_checkpoints_are_reported_not_loaded(tmp_path, damage):
    Trainer(config(tmp_path, epochs=2, sgd_epochs=0)).fit()
    for name in ("last.pt", "best.pt"):
        path = tmp_path / "run" / name
        raw = path.read_bytes()
        if damage == "truncated":
            path.write_bytes(raw[: len(raw) // 2])
        else:
            torch.save({"format": checkpoint.FORMAT, "weights": torch.zeros(2)}, path)
    message = r"is corrupt or not a training checkpoint.*delete the run folder and train again"
    with pytest.raises(CorruptFileError, match=message) as err:
        Trainer(config(tmp_path, epochs=3, sgd_epochs=0)).fit(resume=True)
    assert "last.pt" in str(err.value) and "weights_only" not in str(err.value)
    with pytest.raises(CorruptFileError, match=message) as err:
        load_checkpoint(tmp_path / "run" / "best.pt")
    assert "best.pt" in str(err.value) and "weights_only" not in str(err.value)


def test_a_custom_loss_is_recorded_and_its_run_cannot_be_resumed(tmp_path):
    import dataclasses

    from inpaintlib.losses import mse_loss
    cfg = config(tmp_path, epochs=1, sgd_epochs=0)
    Trainer(cfg, loss_fn=mse_loss).fit()
    assert load_checkpoint(tmp_path / "run" / "last.pt")[1]["config"]["loss"] == "custom"
    with pytest.raises(ValueError, match="custom loss_fn"):
        Trainer(cfg, loss_fn=mse_loss).fit(resume=True)
    with pytest.raises(ValueError, match="needs the loss itself"):
        Trainer(dataclasses.replace(cfg, loss="custom"))
