"""Files from a data or runs folder are not trusted: loading a hostile one runs no code,
and a damaged one gives one kind of error (``CorruptFileError``) that names the file,
says it is corrupt, gives the command that makes a good copy, and never suggests
loading it unsafely (``weights_only=False``, ``allow_pickle=True``)."""

from __future__ import annotations

import io
import os
import pickle
import struct

import numpy as np
import pytest
import torch

from inpaintlib import data
from inpaintlib import masks as M
from inpaintlib.data import cifar10, stl10
from inpaintlib.files.safeload import CorruptFileError, load_torch_file

UNSAFE_ADVICE = ("weights_only", "allow_pickle", "trust")


def assert_clear(err: pytest.ExceptionInfo, path, *phrases: str) -> None:
    """The error names ``path``, says it is corrupt, contains ``phrases`` and no unsafe
    advice, and does not carry a library's message along as its cause."""
    text = str(err.value)
    assert str(path) in text and "is corrupt or not" in text
    for phrase in phrases:
        assert phrase in text
    for advice in UNSAFE_ADVICE:
        assert advice not in text.lower()
    assert err.value.__cause__ is None
    assert err.value.__context__ is None or err.value.__suppress_context__


class RunsCode:
    """A pickle payload that, when unpickled, calls ``func(*args)``."""

    def __init__(self, func, *args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def payloads(marker):
    """Pickled objects that create ``marker`` when unpickled with plain ``pickle``."""
    return [RunsCode(exec, f"open({str(marker)!r}, 'w').write('pwned')"),
            RunsCode(os.system, f"touch '{marker}'")]


# --- CIFAR-10 batches --------------------------------------------------------------------

def cifar_batch(n: int = 10) -> dict:
    rows = np.random.default_rng(0).integers(0, 256, (n, 3072), dtype=np.uint8)
    return {b"data": rows, b"labels": list(range(n))}


class Py2Pickler(pickle._Pickler):
    """Pickles ``str`` and ``bytes`` as Python 2 strings (BINSTRING), as the official
    CIFAR-10 files, written by Python 2, do."""
    dispatch = pickle._Pickler.dispatch.copy()

    def save_py2_string(self, obj):
        raw = obj.encode("latin-1") if isinstance(obj, str) else obj
        self.write(pickle.BINSTRING + struct.pack("<i", len(raw)) + raw)
        self.memoize(obj)

    dispatch[str] = dispatch[bytes] = save_py2_string


def test_cifar_batch_in_the_official_layout_is_read(tmp_path):
    batch = {"batch_label": "testing batch 1 of 1", "labels": [3, 8, 8],
             "data": cifar_batch(3)[b"data"], "filenames": ["a.png", "b.png", "c.png"]}
    buf = io.BytesIO()
    Py2Pickler(buf, protocol=2).dump(batch)
    raw = buf.getvalue().replace(b"numpy._core.multiarray\n", b"numpy.core.multiarray\n")
    assert raw.startswith(b"\x80\x02}") and b"cnumpy.core.multiarray\n_reconstruct\n" in raw
    (tmp_path / "test_batch").write_bytes(raw)
    images, labels = cifar10.read_batch(tmp_path / "test_batch")
    assert images.shape == (3, 32, 32, 3) and labels.tolist() == [3, 8, 8]
    np.testing.assert_array_equal(images[1, :, :, 0].ravel(), batch["data"][1, :1024])


@pytest.mark.parametrize("which", [0, 1])
def test_malicious_cifar_batch_runs_no_code(tmp_path, which):
    marker = tmp_path / "pwned"
    payload = pickle.dumps({b"data": payloads(marker)[which], b"labels": []}, protocol=2)
    pickle.loads(payload)                 # what plain pickle.load would do ...
    assert marker.exists()                # ... it runs the code
    marker.unlink()
    path = tmp_path / "test_batch"
    path.write_bytes(payload)
    with pytest.raises(CorruptFileError) as err:
        cifar10.read_batch(path)
    assert not marker.exists()
    assert_clear(err, path, "a CIFAR-10 batch", "which a CIFAR-10 batch never contains",
                 "re-download it with: python -m inpaintlib download cifar10")


@pytest.mark.parametrize("content, reason", [
    (b"this is not a pickle at all", "UnpicklingError"),
    (b"", "EOFError"),
    (pickle.dumps(cifar_batch())[:500], ""),                         # truncated
    (pickle.dumps([1, 2, 3]), "it holds a list, not a dict"),
    (pickle.dumps({b"labels": [0]}), "no 'data' entry"),
    (pickle.dumps({"data": cifar_batch()[b"data"]}), "no 'labels' entry"),
    (pickle.dumps({b"data": np.zeros((10, 1024), np.uint8), b"labels": [0] * 10}),
     "'data' should be uint8 rows of 3072 bytes, got (10, 1024)"),
    (pickle.dumps({b"data": np.zeros((2, 3072), np.float32), b"labels": [0, 1]}),
     "'data' should be uint8 rows"),
    (pickle.dumps({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}),
     "'labels' should be 2 integers"),
])
def test_damaged_cifar_batch_is_reported_clearly(tmp_path, content, reason):
    path = tmp_path / "data_batch_1"
    path.write_bytes(content)
    with pytest.raises(CorruptFileError) as err:
        cifar10.read_batch(path)
    assert_clear(err, path, reason, "python -m inpaintlib download cifar10")


def test_load_dataset_reports_the_damaged_batch(tmp_path):
    folder = tmp_path / cifar10.FOLDER
    folder.mkdir()
    for name in [*cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH]:
        (folder / name).write_bytes(pickle.dumps(cifar_batch()))
    (folder / "data_batch_3").write_bytes(b"\x00" * 100)
    cifar10.load_images.cache_clear()
    with pytest.raises(CorruptFileError, match="data_batch_3 is corrupt"):
        data.load_dataset("cifar10", "train", root=tmp_path)
    cifar10.load_images.cache_clear()


# --- STL-10 ------------------------------------------------------------------------------

def test_stl10_file_of_wrong_size_is_reported_clearly(tmp_path):
    path = tmp_path / "train_X.bin"
    path.write_bytes(b"\0" * (2 * stl10.IMAGE_BYTES + 5))
    with pytest.raises(CorruptFileError) as err:
        stl10.read_stl10_bin(path)
    assert_clear(err, path, "an STL-10 image file", "55,301 bytes is not a whole number",
                 "re-download it with: python -m inpaintlib download stl10")


def test_stl10_unlabeled_file_must_hold_100000_images(tmp_path, monkeypatch):
    path = tmp_path / stl10.FOLDER / stl10.UNLABELED
    path.parent.mkdir()
    path.write_bytes(b"\0" * (3 * stl10.IMAGE_BYTES))
    monkeypatch.setattr(np, "memmap", None)  # the size is checked before any mapping
    with pytest.raises(CorruptFileError) as err:
        data.load_dataset("stl10", "train", root=tmp_path)
    assert_clear(err, path, "it holds 3 images, expected 100,000",
                 "python -m inpaintlib download stl10")


# --- fixed mask sets ---------------------------------------------------------------------

REGENERATE = "fixed_masks('box4', 16, 5, seed=0)"


@pytest.fixture
def mask_set(tmp_path):
    """A small fixed mask set (5 masks of 16 px) saved and recorded under tmp_path."""
    M.fixed_masks("box4", 16, 5, seed=0, root=tmp_path)
    return tmp_path / "masks" / "box4_16px_n5_seed0.npz"


def test_mask_file_of_random_bytes(tmp_path, mask_set):
    mask_set.write_bytes(os.urandom(300))
    with pytest.raises(CorruptFileError) as err:
        M.fixed_masks("box4", 16, 5, seed=0, root=tmp_path)
    assert_clear(err, mask_set, "a mask set (not an .npz archive)", REGENERATE)


def test_truncated_mask_file(tmp_path, mask_set):
    mask_set.write_bytes(mask_set.read_bytes()[:-40])
    with pytest.raises(CorruptFileError) as err:
        M.fixed_masks("box4", 16, 5, seed=0, root=tmp_path)
    assert_clear(err, mask_set, "delete it and regenerate it with", REGENERATE)


def test_mask_file_with_a_pickle_inside_runs_no_code(tmp_path, mask_set):
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = payloads(marker)[0]
    with open(mask_set, "wb") as fh:
        np.savez(fh, bits=evil)
    with pytest.raises(CorruptFileError) as err:
        M.fixed_masks("box4", 16, 5, seed=0, root=tmp_path)
    assert not marker.exists()
    assert_clear(err, mask_set, "(it holds pickled objects)", REGENERATE)
    with np.load(mask_set, allow_pickle=True) as f:   # the file really is hostile
        f["bits"]
    assert marker.exists()


def test_mask_file_with_wrong_shape(tmp_path, mask_set):
    np.savez_compressed(mask_set, bits=np.zeros((4, 16, 2), np.uint8))
    with pytest.raises(CorruptFileError) as err:
        M.fixed_masks("box4", 16, 5, seed=0, root=tmp_path)
    assert_clear(err, mask_set, "'bits' is uint8 (4, 16, 2), expected uint8 (5, 16, 2)")


def test_malformed_checksum_line_names_file_and_line(tmp_path, mask_set):
    sums = tmp_path / "masks" / "SHA256SUMS"
    sums.write_text(sums.read_text() + "\nnot-a-digest  thick_96px_n10000_seed0\n")
    with pytest.raises(CorruptFileError) as err:
        M.fixed_masks("box4", 16, 5, seed=0, root=tmp_path)
    assert_clear(err, sums, "a SHA256SUMS list",
                 "line 3 is 'not-a-digest  thick_96px_n10000_seed0'", "fix or delete line 3",
                 "git checkout -- data/masks/SHA256SUMS")


def test_committed_checksums_are_well_formed(committed_masks):
    sums = M.mask_checksums(committed_masks)
    assert len(sums) >= 8 and all(len(v) == 64 for v in sums.values())


# --- torch checkpoints -------------------------------------------------------------------

COMMAND = "python -m inpaintlib train --model unet --resume"


@pytest.fixture
def checkpoint(tmp_path):
    path = tmp_path / "last.pt"
    torch.save({"epoch": 3, "state_dict": {"w": torch.arange(4.0)}}, path)
    return path


def test_good_checkpoint_loads(checkpoint):
    state = load_torch_file(checkpoint, "a training checkpoint", COMMAND)
    assert state["epoch"] == 3 and torch.equal(state["state_dict"]["w"], torch.arange(4.0))


@pytest.mark.parametrize("damage", ["truncated", "random", "empty"])
def test_damaged_checkpoint(checkpoint, damage):
    raw = checkpoint.read_bytes()
    checkpoint.write_bytes({"truncated": raw[:len(raw) // 2], "random": os.urandom(2000),
                            "empty": b""}[damage])
    with pytest.raises(CorruptFileError) as err:
        load_torch_file(checkpoint, "a training checkpoint", COMMAND)
    assert_clear(err, checkpoint, "a training checkpoint", f"regenerate it with: {COMMAND}")


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("protocol", [2, 4])
def test_checkpoint_with_a_disallowed_global_runs_no_code(tmp_path, checkpoint, protocol):
    marker = tmp_path / "pwned"
    checkpoint.write_bytes(pickle.dumps({"x": payloads(marker)[1]}, protocol=protocol))
    with pytest.raises(CorruptFileError) as err:
        load_torch_file(checkpoint, "a training checkpoint", COMMAND)
    assert not marker.exists()
    assert_clear(err, checkpoint, COMMAND)
    if protocol == 2:
        assert "GLOBAL posix.system" in str(err.value)


def test_missing_checkpoint_is_not_called_corrupt(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_torch_file(tmp_path / "nothing.pt", "a training checkpoint", COMMAND)
