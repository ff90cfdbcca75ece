"""Downloads against a real HTTP server on 127.0.0.1, and safe archive extraction."""

from __future__ import annotations

import hashlib
import io
import tarfile

import numpy as np
import pytest

from inpaintlib.data.download import (ChecksumError, DownloadError, UnsafeArchiveError,
                                      download_url, safe_extract)

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


def test_http_error_and_unreachable_host_are_clear(http_server, tmp_path):
    url = http_server.serve("/file.bin", BODY).replace("file.bin", "missing.bin")
    with pytest.raises(DownloadError, match="failed after 1 attempts") as info:
        download_url(url, tmp_path / "x.bin", MD5, retries=0, progress=False)
    assert "HTTP 404" in str(info.value.__context__)
    port = http_server.httpd.server_port
    http_server.close()  # nothing listens on the port any more
    with pytest.raises(DownloadError) as info:
        download_url(f"http://127.0.0.1:{port}/file.bin", tmp_path / "x.bin", MD5, retries=0,
                     progress=False)
    assert "cannot reach" in str(info.value.__context__)
    assert list(tmp_path.iterdir()) == []


def _tar(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return buf.getvalue()


@pytest.mark.parametrize("members, links", [
    ({"data/ok.txt": b"ok", "../evil.txt": b"x"}, None),
    ({"data/ok.txt": b"ok", "data/../../evil.txt": b"x"}, None),
    ({"/tmp/evil.txt": b"x"}, None),
    ({"data/ok.txt": b"ok"}, {"data/link": "../../evil.txt"}),
])
def test_unsafe_members_refuse_the_whole_archive(tmp_path, members, links):
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(_tar(members, links))
    target = tmp_path / "out"
    with pytest.raises(UnsafeArchiveError, match="refusing"):
        safe_extract(archive, target, progress=False)
    assert not (tmp_path / "evil.txt").exists()
    assert list(target.iterdir()) == []  # not even the safe members were written


def test_safe_extract_unpacks_and_replaces(tmp_path):
    archive = tmp_path / "a.tar.gz"
    archive.write_bytes(_tar({"data/a.txt": b"new", "data/sub/b.txt": b"b"}))
    target = tmp_path / "out"
    (target / "data").mkdir(parents=True)
    (target / "data" / "stale.txt").write_text("old")
    assert safe_extract(archive, target, progress=False) == ["data"]
    assert (target / "data" / "a.txt").read_bytes() == b"new"
    assert (target / "data" / "sub" / "b.txt").read_bytes() == b"b"
    assert not (target / "data" / "stale.txt").exists()
    assert sorted(p.name for p in target.iterdir()) == ["data"]  # no staging folder left
