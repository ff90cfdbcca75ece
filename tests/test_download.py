"""Downloads against a real HTTP server on 127.0.0.1 (resume, retries, HTTP errors), and
archive extraction that stays safe without Python's tar filters."""

from __future__ import annotations

import hashlib
import io
import tarfile

import numpy as np
import pytest

from inpaintlib.data.download import (
    ChecksumError,
    DownloadError,
    HTTPClientError,
    UnsafeArchiveError,
    download_url,
    safe_extract,
)

BODY = np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes()
MD5 = hashlib.md5(BODY).hexdigest()


def test_download_success(http_server, tmp_path):
    url = http_server.serve("/file.bin", BODY)
    dest = download_url(url, tmp_path / "file.bin", MD5, progress=False)
    assert dest.read_bytes() == BODY
    assert not (tmp_path / "file.bin.part").exists()
    # a second call finds the verified file and does not download again
    download_url(url, dest, MD5, progress=False)
    assert len(http_server.requests) == 1


def test_checksum_mismatch_leaves_nothing(http_server, tmp_path):
    url = http_server.serve("/file.bin", BODY)
    wrong = "0" * 32
    with pytest.raises(ChecksumError, match=f"expected {wrong}, got {MD5}"):
        download_url(url, tmp_path / "file.bin", wrong, progress=False)
    assert list(tmp_path.iterdir()) == []  # no final file, no .part


def test_interrupted_transfer_resumes_on_next_call(http_server, tmp_path):
    url = http_server.serve("/file.bin", BODY, cuts=[12_345])
    dest = tmp_path / "file.bin"
    with pytest.raises(DownloadError, match="partial file .* is kept"):
        download_url(url, dest, MD5, retries=0, progress=False)
    assert not dest.exists()
    assert (tmp_path / "file.bin.part").stat().st_size == 12_345
    download_url(url, dest, MD5, retries=0, progress=False)
    assert dest.read_bytes() == BODY
    assert http_server.requests == [("/file.bin", None), ("/file.bin", "bytes=12345-")]


def test_dropped_connections_are_retried_with_resume(http_server, tmp_path):
    url = http_server.serve("/file.bin", BODY, cuts=[1_000, 3_000])
    dest = download_url(url, tmp_path / "file.bin", MD5, retries=3, progress=False)
    assert dest.read_bytes() == BODY
    assert [r for _, r in http_server.requests] == [None, "bytes=1000-", "bytes=4000-"]


def test_server_without_range_support_restarts(http_server, tmp_path):
    http_server.httpd.honour_range = False
    url = http_server.serve("/file.bin", BODY)
    (tmp_path / "file.bin.part").write_bytes(b"stale bytes from another file")
    dest = download_url(url, tmp_path / "file.bin", MD5, progress=False)
    assert dest.read_bytes() == BODY


def test_http_4xx_is_not_retried_and_names_the_status(http_server, tmp_path):
    url = http_server.serve("/file.bin", BODY).replace("file.bin", "missing.bin")
    with pytest.raises(HTTPClientError, match=f"^HTTP 404 not found for {url}$"):
        download_url(url, tmp_path / "x.bin", MD5, retries=3, progress=False)
    assert len(http_server.requests) == 1
    url = http_server.serve("/secret.bin", BODY, statuses=[403])
    with pytest.raises(HTTPClientError, match="HTTP 403 Forbidden for"):
        download_url(url, tmp_path / "x.bin", MD5, retries=3, progress=False)
    assert len(http_server.requests) == 2
    assert list(tmp_path.iterdir()) == []


def test_http_5xx_is_retried_then_reported_with_its_status(http_server, tmp_path):
    url = http_server.serve("/file.bin", BODY, statuses=[503, 502])
    dest = download_url(url, tmp_path / "file.bin", MD5, retries=3, progress=False)
    assert dest.read_bytes() == BODY and len(http_server.requests) == 3
    url = http_server.serve("/down.bin", BODY, statuses=[500, 500])
    with pytest.raises(DownloadError, match=r"failed after 2 attempts \(HTTP 500 Internal Server"):
        download_url(url, tmp_path / "down.bin", MD5, retries=1, progress=False)


def test_unreachable_host_is_clear(http_server, tmp_path):
    port = http_server.httpd.server_port
    http_server.close()  # nothing listens on the port any more
    with pytest.raises(DownloadError, match="failed after 1 attempts .*cannot reach"):
        download_url(f"http://127.0.0.1:{port}/file.bin", tmp_path / "x.bin", MD5, retries=0,
                     progress=False)
    assert list(tmp_path.iterdir()) == []


# --- safe extraction ---------------------------------------------------------------------

FILE, DIR, SYM, HARD = tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE


def _archive(path, *entries):
    """Write a .tar.gz of ``(type, name, data or link target)`` entries, in this order."""
    with tarfile.open(path, "w:gz") as tar:
        for kind, name, arg in entries:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind in (SYM, HARD):
                info.linkname = arg
            data = arg if kind == FILE else b""
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.fixture(autouse=True)
def no_tarfile_extraction(monkeypatch):
    """Safety must not come from tarfile's ``filter="data"`` (missing before Python
    3.10.12 / 3.11.4): extraction here may not call tarfile's extract methods at all."""
    def refuse(*args, **kwargs):
        raise AssertionError("safe_extract must write members itself")
    monkeypatch.setattr(tarfile.TarFile, "extract", refuse)
    monkeypatch.setattr(tarfile.TarFile, "extractall", refuse)


@pytest.mark.parametrize("entries", [
    [(FILE, "data/ok.txt", b"ok"), (FILE, "../evil.txt", b"x")],
    [(FILE, "data/ok.txt", b"ok"), (FILE, "data/../../evil.txt", b"x")],
    [(FILE, "/tmp/evil.txt", b"x")],
    [(FILE, "data/ok.txt", b"ok"), (SYM, "data/link", "../../evil.txt")],
    [(SYM, "data/etc", "/etc")],
    [(SYM, "data/esc", "../../../outside")],
    # a link to outside, then a regular file written through it
    [(SYM, "data/esc", "../../../outside"), (FILE, "data/esc/pwned.txt", b"x")],
    # chains: each link stays inside on its own, together they lead out
    [(SYM, "data/a", "."), (SYM, "data/a/b", ".."), (SYM, "data/a/b/c", ".."),
     (SYM, "data/a/b/c/d", ".."), (FILE, "data/a/b/c/d/outside/pwned.txt", b"x")],
    [(DIR, "data", None), (SYM, "data/a", "."), (SYM, "data/b", "a/..")],
    [(SYM, "data/l", "."), (SYM, "data/up", "l/l/l/../../../outside")],
    [(SYM, "data/b", "a/../../outside"), (SYM, "data/a", "sub"), (DIR, "data/sub", None)],
    # hard links: to outside, absolute, to a link that leads out
    [(FILE, "data/ok.txt", b"ok"), (HARD, "data/h", "../../outside/secret.txt")],
    [(HARD, "data/h", "/etc/passwd")],
    [(SYM, "data/s", "../../../outside/secret.txt"), (HARD, "data/h", "data/s")],
    # devices and pipes
    [(tarfile.CHRTYPE, "data/tty", None)],
    [(tarfile.FIFOTYPE, "data/fifo", None)],
])
def test_unsafe_members_refuse_the_whole_archive(tmp_path, entries):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret")
    archive = _archive(tmp_path / "a.tar.gz", *entries)
    target = tmp_path / "out"
    with pytest.raises(UnsafeArchiveError, match="refusing"):
        safe_extract(archive, target, "data", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.tar.gz", "out", "outside"]
    assert [p.name for p in outside.iterdir()] == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "secret"
    assert list(target.iterdir()) == []  # not even the safe members were installed


def test_safe_extract_installs_only_the_expected_folder(tmp_path):
    archive = _archive(tmp_path / "a.tar.gz", (DIR, "./", None),
                       (FILE, "./data/a.txt", b"new"), (FILE, "data/sub/b.txt", b"b"),
                       (SYM, "data/link", "sub/b.txt"), (HARD, "data/copy", "data/a.txt"),
                       (FILE, "masks/evil.npz", b"x"), (FILE, "README", b"x"))
    target = tmp_path / "out"
    (target / "data").mkdir(parents=True)
    (target / "data" / "stale.txt").write_text("old")
    (target / "masks").mkdir()
    (target / "masks" / "keep.npz").write_text("user's masks")
    assert safe_extract(archive, target, "data", progress=False) == target.resolve() / "data"
    assert (target / "data" / "a.txt").read_bytes() == b"new"
    assert (target / "data" / "sub" / "b.txt").read_bytes() == b"b"
    assert (target / "data" / "link").is_symlink()
    assert (target / "data" / "link").read_bytes() == b"b"
    assert (target / "data" / "copy").read_bytes() == b"new"
    assert not (target / "data" / "stale.txt").exists()        # the folder was replaced
    assert [p.name for p in (target / "masks").iterdir()] == ["keep.npz"]  # others untouched
    assert sorted(p.name for p in target.iterdir()) == ["data", "masks"]  # no README, no staging


def test_failed_verification_keeps_the_installed_folder(tmp_path):
    archive = _archive(tmp_path / "a.tar.gz", (FILE, "data/a.txt", b"new"))
    target = tmp_path / "out"
    (target / "data").mkdir(parents=True)
    (target / "data" / "old.txt").write_text("old")
    with pytest.raises(ChecksumError, match="data/a.txt in a.tar.gz: MD5"):
        safe_extract(archive, target, "data", files_md5={"a.txt": "0" * 32}, progress=False)
    assert [p.name for p in (target / "data").iterdir()] == ["old.txt"]
    assert [p.name for p in target.iterdir()] == ["data"]
    md5 = hashlib.md5(b"new").hexdigest()
    safe_extract(archive, target, "data", files_md5={"a.txt": md5}, progress=False)
    assert [p.name for p in (target / "data").iterdir()] == ["a.txt"]


def test_archive_without_the_folder_is_refused(tmp_path):
    archive = _archive(tmp_path / "a.tar.gz", (FILE, "other/x", b"x"), (SYM, "data", "other"))
    target = tmp_path / "out"
    with pytest.raises(DownloadError, match="does not contain the folder 'data'"):
        safe_extract(archive, target, "data", progress=False)
    assert list(target.iterdir()) == []
