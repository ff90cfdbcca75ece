"""Dataset readers, splits, the offline samples and the MaskedImages wrapper."""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile

import numpy as np
import pytest
import torch

from inpaintlib import data
from inpaintlib.__main__ import main
from inpaintlib.data import cifar10, samples, stl10
from inpaintlib.files import CorruptFileError


def asymmetric_images(n: int, side: int) -> np.ndarray:
    """Images whose orientation is unmistakable: red grows down the rows, green grows
    along the columns, blue marks the top-left corner, and the image index is encoded
    in pixel (side-1, 0) so that swapped images are caught too."""
    rows, cols = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    img = np.zeros((n, side, side, 3), np.uint8)
    img[..., 0] = rows * 255 // (side - 1)
    img[..., 1] = cols * 255 // (side - 1)
    img[:, :10, :5, 2] = 200
    img[:, side - 1, 0, 2] = np.arange(n)
    return img


def write_stl10_bin(path, images: np.ndarray) -> None:
    """Write images in STL-10's documented layout: per image the R, G and B planes,
    each plane column-major (Fortran order)."""
    with open(path, "wb") as fh:
        for img in images:
            for c in range(3):
                fh.write(img[:, :, c].tobytes(order="F"))


def test_stl10_reader_returns_upright_images(tmp_path):
    images = asymmetric_images(5, 96)
    write_stl10_bin(tmp_path / "x.bin", images)
    got = data.read_stl10_bin(tmp_path / "x.bin")
    assert got.shape == (5, 96, 96, 3) and got.dtype == np.uint8
    np.testing.assert_array_equal(got, images)
    assert got[0, 0, 0, 2] == 200 and got[0, 95, 95, 2] == 0       # corner marker top-left
    assert got[0, 95, 0, 0] == 255 and got[0, 0, 95, 1] == 255      # red down, green right
    # the mistake the reader avoids: a plain reshape gives transposed pictures
    naive = np.fromfile(tmp_path / "x.bin", np.uint8).reshape(5, 3, 96, 96).transpose(0, 2, 3, 1)
    assert not np.array_equal(naive, images)


def test_stl10_reader_rejects_truncated_file(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"\0" * (stl10.IMAGE_BYTES + 7))
    with pytest.raises(ValueError, match="x.bin is corrupt .* not a whole number of 27,648-byte"):
        data.read_stl10_bin(tmp_path / "x.bin")


def test_split_indices_deterministic_and_disjoint():
    counts = data.fraction_counts(100_000, data.datasets.STL10_FRACTIONS)
    assert counts == [80_000, 10_000, 10_000]
    a = data.split_indices(100_000, counts, seed=0)
    b = data.split_indices(100_000, counts, seed=0)
    c = data.split_indices(100_000, counts, seed=1)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])
    union = np.concatenate(a)
    assert len(union) == 100_000 and len(np.unique(union)) == 100_000


def test_stl10_missing_names_the_download_command(tmp_path):
    with pytest.raises(data.DatasetNotFoundError, match="python -m inpaintlib download stl10"):
        data.load_dataset("stl10", "train", root=tmp_path)


def _stl10_archive(images: np.ndarray, tmp_path) -> tuple[bytes, str]:
    write_stl10_bin(tmp_path / "unlabeled.bin", images)
    raw = (tmp_path / "unlabeled.bin").read_bytes()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("stl10_binary/unlabeled_X.bin")
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
    return buf.getvalue(), hashlib.md5(raw).hexdigest()


def test_stl10_download_command_end_to_end(http_server, tmp_path, monkeypatch, capsys):
    images = asymmetric_images(20, 96)
    archive, inner_md5 = _stl10_archive(images, tmp_path)
    monkeypatch.setattr(stl10, "URL", http_server.serve("/stl10_binary.tar.gz", archive,
                                                         cuts=[len(archive) // 3]))
    monkeypatch.setattr(stl10, "MD5", hashlib.md5(archive).hexdigest())
    monkeypatch.setattr(stl10, "FILES_MD5", {"unlabeled_X.bin": inner_md5})
    monkeypatch.setattr(stl10, "UNLABELED_COUNT", 20)  # the real file holds 100,000
    root = tmp_path / "data"
    assert main(["download", "stl10", "--root", str(root)]) == 0
    assert "stl10 ready" in capsys.readouterr().out
    assert not (root / "downloads" / "stl10_binary.tar.gz").exists()  # archive removed
    parts = {s: data.load_dataset("stl10", s, root=root) for s in data.SPLITS}
    assert [len(parts[s]) for s in data.SPLITS] == [16, 2, 2]
    seen = sorted(int(round(parts[s][i][2, 95, 0].item() * 255)) for s in parts
                  for i in range(len(parts[s])))
    assert seen == list(range(20))  # every image once, in no two splits
    first = parts["train"][0]
    assert first.shape == (3, 96, 96) and first.dtype == torch.float32
    assert 0.0 <= first.min() and first.max() <= 1.0


def test_download_command_reports_checksum_failure(http_server, tmp_path, monkeypatch, capsys):
    archive, _ = _stl10_archive(asymmetric_images(2, 96), tmp_path)
    monkeypatch.setattr(stl10, "URL", http_server.serve("/stl10_binary.tar.gz", archive))
    monkeypatch.setattr(stl10, "MD5", "f" * 32)
    assert main(["download", "stl10", "--root", str(tmp_path / "data")]) == 1
    assert "MD5 mismatch" in capsys.readouterr().err
    assert not (tmp_path / "data" / "downloads" / "stl10_binary.tar.gz").exists()


def test_cifar10_reader_and_splits(tmp_path):
    folder = tmp_path / cifar10.FOLDER
    folder.mkdir()
    images = asymmetric_images(60, 32)
    for i, name in enumerate([*cifar10.TRAIN_BATCHES, cifar10.TEST_BATCH]):
        chunk = images[i * 10:(i + 1) * 10]
        rows = chunk.transpose(0, 3, 1, 2).reshape(10, -1)  # R plane, G plane, B plane
        with open(folder / name, "wb") as fh:
            pickle.dump({b"data": rows, b"labels": list(range(10))}, fh)
    cifar10.load_images.cache_clear()
    got, labels = cifar10.read_batch(folder / "data_batch_1")
    np.testing.assert_array_equal(got, images[:10])
    train = data.load_dataset("cifar10", "train", size=None, root=tmp_path)
    val = data.load_dataset("cifar10", "val", size=None, root=tmp_path)
    test = data.load_dataset("cifar10", "test", size=32, root=tmp_path)
    assert (len(train), len(val), len(test)) == (45, 5, 10)
    assert train[0].shape == (3, 32, 32)

    def ids(ds):
        return {int(round(ds[i][2, 31, 0].item() * 255)) for i in range(len(ds))}
    assert ids(train) | ids(val) == set(range(50)) and not ids(train) & ids(val)
    assert ids(test) == set(range(50, 60))
    assert data.load_dataset("cifar10", "train", size=96, root=tmp_path)[0].shape == (3, 96, 96)
    cifar10.load_images.cache_clear()


def test_samples_deterministic_and_split_by_photo():
    a = data.load_dataset("samples", "train", size=64, seed=3)
    b = data.load_dataset("samples", "train", size=64, seed=3)
    c = data.load_dataset("samples", "train", size=64, seed=4)
    torch.testing.assert_close(a[7], b[7], rtol=0, atol=0)
    assert not torch.equal(a[7], c[7])
    assert a[7].shape == (3, 64, 64) and 0 <= a[7].min() and a[7].max() <= 1
    for split in data.SPLITS:
        ds = data.load_dataset("samples", split)
        used = {ds.source(i) for i in range(60)}
        assert used <= set(samples.PHOTOS[split])
        assert len(ds) == samples.LENGTHS[split]


def test_samples_splits_are_disjoint_by_photo_and_by_scene():
    photos = {s: set(samples.PHOTOS[s]) for s in data.SPLITS}
    for a, b in (("train", "val"), ("train", "test"), ("val", "test")):
        assert not photos[a] & photos[b], f"{a} and {b} share photos {photos[a] & photos[b]}"
        scenes_a = {samples.scene(p) for p in photos[a]}
        scenes_b = {samples.scene(p) for p in photos[b]}
        assert not scenes_a & scenes_b, f"{a} and {b} share scenes {scenes_a & scenes_b}"
    # every photo is used once, and the committed ones are all used
    listed = [p for s in data.SPLITS for p in samples.PHOTOS[s]]
    assert len(listed) == len(set(listed))
    assert set(samples.OPENCV_PHOTOS) <= set(listed)


def test_samples_test_split_has_enough_natural_photos():
    test = samples.PHOTOS["test"]
    assert len(test) >= 8 and len(samples.PHOTOS["val"]) >= 3
    assert {"chelsea", "coffee", "astronaut"} <= set(test)        # comparable with earlier versions
    colour = [p for p in test if _is_colour(samples.load_photo(p))]
    assert len(colour) >= 8, f"only {colour} are colour photos"
    # unlike each other: some bright, some dark; some smooth, some textured
    means = [samples.load_photo(p).mean() for p in test]
    assert max(means) - min(means) > 60
    # each test photo has the same number of crops, and each crop says where it comes from
    ds = data.load_dataset("samples", "test")
    assert len(ds) % len(test) == 0
    assert [ds.source(i) for i in range(len(test))] == list(test)


def _is_colour(img) -> bool:
    img = img.astype(float)
    return float(abs(img[..., 0] - img[..., 1]).mean() + abs(img[..., 1] - img[..., 2]).mean()) > 4


def test_committed_photos_are_small_licensed_and_readable():
    folder = samples.PHOTOS_DIR
    files = sorted(folder.glob("*.jpg"))
    assert {f.stem for f in files} == set(samples.OPENCV_PHOTOS)
    assert sum(f.stat().st_size for f in files) < 6_000_000
    licence = (folder / "README.md").read_text()
    assert "Apache-2.0" in licence and "BSD-3-Clause" in licence
    for name in samples.OPENCV_PHOTOS:
        assert name in licence
        img = samples.load_photo(name)
        assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[2] == 3 and min(img.shape[:2]) >= 300


def test_a_damaged_photo_names_the_fix(tmp_path, monkeypatch):
    bad = tmp_path / "orange.jpg"
    bad.write_bytes(b"not a jpeg")
    monkeypatch.setattr(samples, "PHOTOS_DIR", tmp_path)
    samples.load_photo.cache_clear()
    try:
        with pytest.raises(ValueError, match="git checkout -- data/photos/"):
            samples.load_photo("orange")
        bad.unlink()
        with pytest.raises(FileNotFoundError, match="git checkout -- data/photos/"):
            samples.load_photo("orange")
    finally:
        samples.load_photo.cache_clear()


def test_auto_falls_back_to_samples_with_notice(tmp_path, capsys):
    ds = data.load_dataset("auto", "val", root=tmp_path)
    assert isinstance(ds, data.SampleCrops)
    out = capsys.readouterr().out
    assert "samples" in out and "python -m inpaintlib download stl10" in out


def test_bad_names_and_splits_are_clear():
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        data.load_dataset("imagenet", "train")
    with pytest.raises(ValueError, match="split must be one of"):
        data.load_dataset("samples", "training")


def test_masked_images():
    ds = data.load_dataset("samples", "test", size=32)
    masks = np.zeros((3, 32, 32), np.uint8)
    masks[:, 8:16, 8:16] = 1
    masks[1, 0, 0] = 1
    mi = data.MaskedImages(ds, masks)
    masked, mask, target = mi[4]  # uses mask 4 % 3 = 1
    assert masked.shape == target.shape == (3, 32, 32) and mask.shape == (1, 32, 32)
    torch.testing.assert_close(mask[0], torch.from_numpy(masks[1]).float())
    torch.testing.assert_close(masked, target * (1 - mask))
    assert masked[:, 8:16, 8:16].abs().sum() == 0
    torch.testing.assert_close(masked[:, 20:, 20:], target[:, 20:, 20:])


def test_masked_images_rejects_bad_masks():
    ds = data.load_dataset("samples", "test", size=32)
    with pytest.raises(ValueError, match="binary"):
        data.MaskedImages(ds, np.full((2, 32, 32), 0.5, np.float32))
    with pytest.raises(ValueError, match="masks are 16x16 but the images are 32x32"):
        data.MaskedImages(ds, np.zeros((2, 16, 16), np.uint8))
    with pytest.raises(ValueError, match=r"shape \(n, H, W\)"):
        data.MaskedImages(ds, np.zeros((32, 32), np.uint8))
    on_the_fly = data.MaskedImages(ds, lambda i: np.full((32, 32), 2, np.uint8))
    with pytest.raises(ValueError, match="binary"):
        on_the_fly[0]


# -- the STL-10 stand-in (paper-smoke profile) ---------------------------------------------
def test_standin_round_trips_through_the_stl10_reader(tmp_path, monkeypatch):
    folder = stl10.write_standin(tmp_path / "standin", count=30, seed=1)
    assert (folder / stl10.STANDIN_FILE).exists()
    crops = samples.SampleCrops("train", size=96, seed=1, length=30)
    monkeypatch.setenv(stl10.LOCATION_VAR, str(tmp_path / "standin"))
    read = stl10.load_unlabeled(stl10.location())                    # the reader's byte order
    assert read.shape == (30, 96, 96, 3)
    expected = (crops[7].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    np.testing.assert_array_equal(read[7], expected)                 # upright and in RGB order
    parts = {s: data.load_dataset("stl10", s) for s in data.SPLITS}
    assert [len(parts[s]) for s in data.SPLITS] == [24, 3, 3]
    assert parts["test"].name == "stl10 (stand-in)" and parts["test"].source(0).startswith("#")


def test_standin_is_idempotent_and_never_replaces_the_real_dataset(tmp_path):
    folder = stl10.write_standin(tmp_path, count=12)
    before = (folder / stl10.UNLABELED).stat().st_mtime_ns
    stl10.write_standin(tmp_path, count=12)                          # same stand-in: kept
    assert (folder / stl10.UNLABELED).stat().st_mtime_ns == before
    real = tmp_path / "real"
    (real / stl10.FOLDER).mkdir(parents=True)
    write_stl10_bin(real / stl10.FOLDER / stl10.UNLABELED, asymmetric_images(3, 96))
    with pytest.raises(FileExistsError, match="real STL-10"):
        stl10.write_standin(real, count=12)


def test_without_its_note_a_small_file_is_not_stl10(tmp_path):
    folder = stl10.write_standin(tmp_path, count=12)
    (folder / stl10.STANDIN_FILE).unlink()                           # the note makes it a stand-in
    with pytest.raises(CorruptFileError, match="expected 100,000"):
        data.load_dataset("stl10", "train", root=tmp_path)
    (folder / stl10.STANDIN_FILE).write_text("{not json")
    with pytest.raises(CorruptFileError, match="stand-in note"):
        data.load_dataset("stl10", "train", root=tmp_path)
