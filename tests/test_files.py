"""File safety (inpaintlib.files): atomic writes, SHA256SUMS manifests and the run lock.

Loading untrusted files (``files.safeload``) is tested in ``test_untrusted_files.py``,
against every reader that uses it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from inpaintlib.files import (
    CHECKSUMS,
    CorruptFileError,
    RunLock,
    RunLockedError,
    atomic_write,
    file_sha256,
    read_checksums,
    write_checksums,
)
from inpaintlib.files.lock import HOLDER_NAME, read_holder


# -- atomic writes ---------------------------------------------------------------------
def test_atomic_write_replaces_the_file_and_sets_its_mode(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")
    atomic_write(path, lambda fh: fh.write(b"new"), mode=0o640)
    assert path.read_text() == "new" and (path.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_write_that_fails_leaves_the_old_file_and_no_temporary(tmp_path, error):
    path = tmp_path / "a.txt"
    path.write_text("old")

    def half_then_fail(fh):
        fh.write(b"ne")
        raise error
    with pytest.raises(type(error)):
        atomic_write(path, half_then_fail)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["a.txt"]


# -- checksum manifests ----------------------------------------------------------------
def test_checksums_round_trip_sorted(tmp_path):
    (tmp_path / "x").write_bytes(b"abc")
    digest = file_sha256(tmp_path / "x")
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # SHA-256("abc")
    manifest = tmp_path / CHECKSUMS
    write_checksums(manifest, {"z": "0" * 64, "x": digest})
    assert manifest.read_text().splitlines() == [f"{digest}  x", f"{'0' * 64}  z"]
    assert read_checksums(manifest, "restore it") == {"x": digest, "z": "0" * 64}
    assert read_checksums(tmp_path / "missing", "restore it") == {}


@pytest.mark.parametrize("content, reason", [(b"1234  x\n", "line 1"), (b"\xff\xfe\n", "not UTF-8")])
def test_a_malformed_manifest_names_the_line_and_the_remedy(tmp_path, content, reason):
    manifest = tmp_path / CHECKSUMS
    manifest.write_bytes(content)
    with pytest.raises(CorruptFileError, match=f"(?s){reason}.*git checkout"):
        read_checksums(manifest, "git checkout -- SHA256SUMS")


# -- the run lock ----------------------------------------------------------------------
HOLD = textwrap.dedent("""
    import sys, time
    from inpaintlib.files import RunLock
    lock = RunLock(sys.argv[1]).acquire()
    print("held", flush=True)
    time.sleep(60)
""")


@pytest.fixture
def holder(tmp_path):
    """Another process that holds the lock of ``tmp_path / "run"`` until it is killed."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "run")], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    yield proc
    proc.kill()
    proc.wait()


def test_the_lock_names_its_holder_and_refuses_a_second_taker(tmp_path):
    with RunLock(tmp_path / "run"):
        who = read_holder(tmp_path / "run")
        assert who["pid"] == os.getpid()
        with pytest.raises(RunLockedError, match=f"process {os.getpid()} .*another output folder"):
            RunLock(tmp_path / "run").acquire()        # even the same process cannot take it twice
    assert not (tmp_path / "run" / HOLDER_NAME).exists()
    RunLock(tmp_path / "run").acquire().release()      # free again


def test_the_lock_is_released_when_the_block_raises(tmp_path):
    with pytest.raises(KeyError):
        with RunLock(tmp_path / "run"):
            raise KeyError("boom")
    RunLock(tmp_path / "run").acquire().release()


def test_a_live_process_keeps_the_folder(tmp_path, holder):
    with pytest.raises(RunLockedError, match=f"process {holder.pid} "):
        RunLock(tmp_path / "run").acquire()


def test_a_killed_holder_frees_the_folder_by_itself(tmp_path, holder):
    holder.kill()                                      # no clean-up code runs
    holder.wait()
    lock = RunLock(tmp_path / "run").acquire()
    assert read_holder(tmp_path / "run")["pid"] == os.getpid()
    lock.release()


def test_an_unreadable_holder_record_still_refuses_clearly(tmp_path, holder):
    (tmp_path / "run" / HOLDER_NAME).write_text("not json")
    with pytest.raises(RunLockedError, match="cannot be read"):
        RunLock(tmp_path / "run").acquire()
