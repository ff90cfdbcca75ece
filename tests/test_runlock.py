"""One trainer per run folder (inpaintlib.runlock), and what a resumed run does with a
damaged ``last.pt``."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from inpaintlib.runlock import LOCK_NAME, RunLock, RunLockedError, read_holder
from inpaintlib.safeload import CorruptFileError
from inpaintlib.train import TrainConfig, Trainer, load_checkpoint

pytestmark = pytest.mark.usefixtures("committed_masks")


@pytest.fixture
def live_process():
    """A process that is alive for the duration of the test."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc
    proc.kill()
    proc.wait()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def hold(folder, pid: int, host: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / LOCK_NAME).write_text(json.dumps({"pid": pid, "host": host or socket.gethostname(),
                                                "started": "2026-01-01 00:00:00"}))


def tiny(tmp_path, **kw) -> TrainConfig:
    settings = dict(model="cnn", preset="tiny", dataset="samples", train_images=8, val_images=4,
                    epochs=1, sgd_epochs=0, batch=4, amp="off", device="cpu", progress=False,
                    out=str(tmp_path / "run"))
    return TrainConfig(**{**settings, **kw})


def test_lock_file_names_its_holder_and_goes_away(tmp_path):
    with RunLock(tmp_path / "run") as lock:
        holder = read_holder(lock.path)
        assert holder["host"] == socket.gethostname() and isinstance(holder["pid"], int)
        with pytest.raises(RunLockedError, match=f"process {holder['pid']}"):
            RunLock(tmp_path / "run").acquire()        # even the same process cannot take it twice
    assert not (tmp_path / "run" / LOCK_NAME).exists()


def test_lock_is_released_when_the_block_raises(tmp_path):
    with pytest.raises(KeyError):
        with RunLock(tmp_path / "run"):
            raise KeyError("boom")
    RunLock(tmp_path / "run").acquire().release()


def test_a_live_holder_keeps_the_folder(tmp_path, live_process):
    hold(tmp_path / "run", live_process.pid)
    with pytest.raises(RunLockedError, match=f"process {live_process.pid} .*another output folder"):
        RunLock(tmp_path / "run").acquire()


def test_a_dead_holder_is_taken_over_with_a_notice(tmp_path, capsys):
    pid = dead_pid()
    hold(tmp_path / "run", pid)
    lock = RunLock(tmp_path / "run").acquire()
    assert f"stale lock of process {pid}" in capsys.readouterr().out
    assert read_holder(lock.path)["pid"] != pid
    lock.release()


def test_a_holder_on_another_host_is_not_judged_from_here(tmp_path):
    hold(tmp_path / "run", dead_pid(), host="some-other-machine")
    with pytest.raises(RunLockedError, match="some-other-machine"):
        RunLock(tmp_path / "run").acquire()


def test_an_unreadable_lock_says_which_file_to_delete(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / LOCK_NAME).write_text("not json")
    with pytest.raises(RunLockedError, match="cannot be read.*delete"):
        RunLock(tmp_path / "run").acquire()


def test_a_second_trainer_is_refused_and_writes_nothing(tmp_path, live_process):
    hold(tmp_path / "run", live_process.pid)
    with pytest.raises(RunLockedError, match="in use by another trainer"):
        Trainer(tiny(tmp_path)).fit()
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == [LOCK_NAME]


def test_the_trainer_releases_its_lock(tmp_path):
    Trainer(tiny(tmp_path)).fit()
    assert not (tmp_path / "run" / LOCK_NAME).exists() and (tmp_path / "run" / "last.pt").exists()


@pytest.mark.parametrize("damage", ["truncated", "not a checkpoint"])
def test_damaged_checkpoints_are_reported_not_loaded(tmp_path, damage):
    Trainer(tiny(tmp_path, epochs=2)).fit()
    for name in ("last.pt", "best.pt"):
        path = tmp_path / "run" / name
        raw = path.read_bytes()
        if damage == "truncated":
            path.write_bytes(raw[: len(raw) // 2])
        else:
            import torch
            torch.save({"format": 1, "weights": torch.zeros(2)}, path)
    message = r"is corrupt or not a training checkpoint.*delete the run folder and train again"
    with pytest.raises(CorruptFileError, match=message) as err:
        Trainer(tiny(tmp_path, epochs=3)).fit(resume=True)
    assert "last.pt" in str(err.value) and "weights_only" not in str(err.value)
    with pytest.raises(CorruptFileError, match=message) as err:
        load_checkpoint(tmp_path / "run" / "best.pt")
    assert "best.pt" in str(err.value) and "weights_only" not in str(err.value)
