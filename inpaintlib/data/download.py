"""Downloading and unpacking dataset archives without ever leaving a broken file behind.

* :func:`download_url` streams to ``<dest>.part`` with a tqdm progress bar, resumes a
  partial ``.part`` with an HTTP ``Range`` request (also after a dropped connection or
  an HTTP 5xx answer, up to ``retries`` times; an HTTP 4xx answer is final), checks
  the MD5 and only then renames to ``dest``. A checksum mismatch deletes the ``.part``
  and raises :class:`ChecksumError`; nothing ever appears at ``dest`` unless it verified.
* :func:`safe_extract` unpacks the one expected folder of a tar archive member by
  member into a staging folder, refusing members that would land outside it (``../``,
  absolute paths, links pointing out, device files) without relying on Python's tar
  filters, verifies it and only then moves it into place.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from tqdm import tqdm

CHUNK = 1 << 20  # bytes read per iteration


class DownloadError(RuntimeError):
    """A transfer failed (network error, HTTP error, or it stopped early)."""


class HTTPClientError(DownloadError):
    """The server answered 4xx (not found, forbidden, ...): retrying would not help."""


class ChecksumError(DownloadError):
    """The downloaded bytes do not have the expected MD5."""


class UnsafeArchiveError(DownloadError):
    """An archive member would be written outside the extraction folder."""


def md5sum(path: str | os.PathLike, chunk: int = CHUNK, progress: bool = False) -> str:
    """Hex MD5 of a file, read in chunks (optionally with a progress bar)."""
    path = Path(path)
    digest = hashlib.md5()
    with open(path, "rb") as fh, tqdm(total=path.stat().st_size, unit="B", unit_scale=True,
                                     desc=f"md5 {path.name}", disable=not progress) as bar:
        while block := fh.read(chunk):
            digest.update(block)
            bar.update(len(block))
    return digest.hexdigest()


def _open(url: str, start: int, timeout: float):
    """Open ``url``, asking for bytes from ``start`` on when ``start > 0``."""
    request = urllib.request.Request(url, headers={"User-Agent": "inpaintlib"})
    if start > 0:
        request.add_header("Range", f"bytes={start}-")
    return urllib.request.urlopen(request, timeout=timeout)


def _transfer(url: str, part: Path, timeout: float, progress: bool) -> None:
    """Append the rest of ``url`` to ``part``; raise DownloadError if it stops early."""
    start = part.stat().st_size if part.exists() else 0
    try:
        response = _open(url, start, timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and start > 0:  # nothing left to fetch: .part is complete
            return
        kind = HTTPClientError if 400 <= err.code < 500 else DownloadError
        raise kind(f"HTTP {err.code} {err.reason} for {url}") from err
    except (urllib.error.URLError, OSError) as err:
        raise DownloadError(f"cannot reach {url}: {err}") from err

    with response:
        if start > 0 and response.status != 206:  # server ignored Range: start again
            start = 0
        length = response.headers.get("Content-Length")
        total = start + int(length) if length is not None else None
        mode = "ab" if start > 0 else "wb"
        received = start
        with open(part, mode) as fh, tqdm(total=total, initial=start, unit="B", unit_scale=True,
                                          unit_divisor=1024, desc=part.name[:-5],
                                          disable=not progress) as bar:
            try:
                while block := response.read(CHUNK):
                    fh.write(block)
                    received += len(block)
                    bar.update(len(block))
            except (http.client.IncompleteRead, OSError) as err:
                raise DownloadError(f"transfer of {url} interrupted after {received:,} bytes: {err}") from err
    if total is not None and received < total:
        raise DownloadError(f"transfer of {url} stopped after {received:,} of {total:,} bytes")


def download_url(url: str, dest: str | os.PathLike, md5: str | None, *, retries: int = 3,
                 timeout: float = 60.0, progress: bool = True) -> Path:
    """Download ``url`` to ``dest``, resuming and verifying; return ``dest``.

    If ``dest`` already exists and matches ``md5`` nothing is downloaded. A partial
    ``<dest>.part`` from an earlier, interrupted attempt is continued, not restarted.
    On a dropped connection or an HTTP 5xx answer the transfer resumes up to ``retries``
    more times; after that :class:`DownloadError` is raised and the ``.part`` stays for
    the next call. An HTTP 4xx answer (e.g. 404) raises :class:`HTTPClientError` at once.
    ``md5=None`` skips verification (only for files without a published checksum).
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.exists():
        if md5 is None or md5sum(dest, progress=progress) == md5:
            return dest
        raise ChecksumError(f"{dest} exists but its MD5 is not {md5}; delete it and download again")

    part = dest.with_name(dest.name + ".part")
    for attempt in range(retries + 1):
        try:
            _transfer(url, part, timeout, progress)
            break
        except HTTPClientError:
            raise
        except DownloadError as err:
            if attempt == retries:
                kept = (f"; the partial file {part} is kept and the next call resumes from it"
                        if part.exists() else "")
                raise DownloadError(f"download of {url} failed after {retries + 1} attempts "
                                    f"({err}){kept}") from None
    if md5 is not None:
        actual = md5sum(part, progress=progress)
        if actual != md5:
            part.unlink()
            raise ChecksumError(f"MD5 mismatch for {url}: expected {md5}, got {actual}. "
                                "The corrupt download was deleted; run the command again.")
    os.replace(part, dest)
    return dest


def _parts(name: str, what: str) -> tuple[str, ...]:
    """The components of an archive path (``.`` components dropped), refusing absolute
    paths, ``..`` and Windows drives or separators."""
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if name.startswith("/") or any(p == ".." or "\\" in p or ":" in p for p in parts):
        raise UnsafeArchiveError(f"refusing {what} {name!r}: it points outside the archive folder")
    return parts


def _check_members(members: list[tarfile.TarInfo]) -> None:
    """Refuse the archive if any member could write outside its folder.

    Only names are checked here: no member may be absolute or contain ``..``, go
    through a symbolic link of the archive (``a -> .`` then ``a/b``), appear twice, or
    be a device or pipe; a hard link must name a regular file of the archive. Where
    symbolic links point is checked once they all exist (see :func:`safe_extract`).
    """
    links = {_parts(m.name, "member") for m in members if m.issym()}
    seen, files = set(), set()
    for m in members:
        parts = _parts(m.name, "member")
        if not parts and not m.isdir():
            raise UnsafeArchiveError(f"refusing {m.name!r}: not a file name")
        through = next((parts[:i] for i in range(1, len(parts)) if parts[:i] in links), None)
        if through:
            raise UnsafeArchiveError(f"refusing {m.name!r}: it goes through the link "
                                     f"{'/'.join(through)!r}")
        if parts in seen and not m.isdir():
            raise UnsafeArchiveError(f"refusing {m.name!r}: it appears twice in the archive")
        seen.add(parts)
        if m.islnk() and _parts(m.linkname, f"hard link {m.name!r} ->") not in files:
            raise UnsafeArchiveError(f"refusing hard link {m.name!r} -> {m.linkname!r}: "
                                     "the target is not an earlier file of the archive")
        if m.issym():
            if m.linkname.startswith("/") or "\\" in m.linkname or ":" in m.linkname:
                raise UnsafeArchiveError(f"refusing link {m.name!r} -> {m.linkname!r}: "
                                         "it points outside the archive folder")
        elif m.isfile():
            files.add(parts)
        elif not (m.isdir() or m.islnk()):
            raise UnsafeArchiveError(f"refusing {m.name!r}: not a file, folder or link")


def _unpack(tar: tarfile.TarFile, members: list[tarfile.TarInfo], staging: Path,
            folder: str, progress: bool) -> None:
    """Write ``members`` (already checked, all under ``folder``) into ``staging`` without
    ``tar.extract``: folders and files first (no link exists yet, so no write can follow
    one; a hard link becomes a copy), then symbolic links; then check that every link
    resolves to something inside ``staging/folder``."""
    links = []
    for m in tqdm(members, desc=f"extract {Path(tar.name).name}", unit="file",
                  disable=not progress):
        dest = staging.joinpath(*_parts(m.name, "member"))
        if m.isdir():
            dest.mkdir(parents=True, exist_ok=True)
        elif m.issym():
            links.append((m, dest))
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            if m.islnk():
                source = staging.joinpath(*_parts(m.linkname, "link"))
                if not source.is_file():
                    raise UnsafeArchiveError(f"refusing hard link {m.name!r} -> {m.linkname!r}: "
                                             f"the target is not a file of {folder}/")
                shutil.copyfile(source, dest)
            else:
                with tar.extractfile(m) as src, open(dest, "xb") as out:
                    shutil.copyfileobj(src, out, CHUNK)
    for m, dest in links:
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(m.linkname, dest)
    for m, dest in links:  # resolved only now, through all the links of the archive
        try:
            inside = Path(os.path.realpath(dest, strict=True)).is_relative_to(staging / folder)
        except OSError:  # dangling, a loop, or a path too long to resolve
            inside = False
        if not inside:
            raise UnsafeArchiveError(f"refusing link {m.name!r} -> {m.linkname!r}: "
                                     f"it does not lead into {folder}/")


def _replace_folder(new: Path, final: Path, trash: Path) -> None:
    """Put the folder ``new`` at ``final``; an existing ``final`` is first moved to
    ``trash`` (on the same disk) and is put back if the second rename fails."""
    if final.exists() or final.is_symlink():
        os.replace(final, trash)
    try:
        os.replace(new, final)
    except OSError:
        if trash.exists() or trash.is_symlink():
            os.replace(trash, final)
        raise


def safe_extract(archive: str | os.PathLike, target: str | os.PathLike, folder: str,
                 files_md5: dict[str, str] | None = None, progress: bool = True) -> Path:
    """Install the top-level ``folder`` of the tar ``archive`` as ``target/folder``.

    Safe without Python's tar filters (absent from Python < 3.10.12 / 3.11.4):

    * every member is checked before anything is written, and one unsafe member
      (absolute path, ``..``, a link leading outside, a device) refuses the archive;
    * members are written one by one into a fresh staging folder inside ``target``,
      never through a link, and symbolic links are resolved only after all exist;
    * only ``folder`` is installed; other top-level entries of the archive are ignored
      and nothing else in ``target`` is touched;
    * the files in ``files_md5`` (paths relative to ``folder``) are verified in the
      staging folder; only then does ``folder`` replace an existing ``target/folder``.

    The staging folder is removed in every case. Returns ``target / folder``.
    """
    target = Path(target).resolve()
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=target)).resolve()
    try:
        with tarfile.open(archive) as tar:
            members = tar.getmembers()
            _check_members(members)
            ours = [m for m in members if _parts(m.name, "member")[:1] == (folder,)]
            if not any(m.isdir() or len(_parts(m.name, "member")) > 1 for m in ours):
                raise DownloadError(f"{Path(archive).name} does not contain the folder {folder!r}")
            _unpack(tar, ours, staging, folder, progress)
        for rel, expected in (files_md5 or {}).items():
            actual = md5sum(staging / folder / rel, progress=progress)
            if actual != expected:
                raise ChecksumError(f"{folder}/{rel} in {Path(archive).name}: MD5 {actual}, "
                                    f"expected {expected}")
        _replace_folder(staging / folder, target / folder, staging / ".previous")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target / folder


class DatasetNotFoundError(FileNotFoundError):
    """A dataset is not on disk; the message names the command that downloads it."""


def fetch_archive(url: str, md5: str, root: Path, folder: str,
                  files_md5: dict[str, str] | None = None, keep_archive: bool = False,
                  progress: bool = True) -> Path:
    """Download a dataset archive into ``root/downloads/``, verify it, unpack it into
    ``root`` (it must contain the top-level ``folder``) and verify the files listed in
    ``files_md5`` (paths relative to ``folder``). Returns ``root / folder``.

    Resumable at every stage: an interrupted download continues, a failed extraction
    leaves no partial folder, and the verified archive is deleted only at the end
    (kept with ``keep_archive=True``).
    """
    root = Path(root)
    archive = download_url(url, root / "downloads" / url.rsplit("/", 1)[-1], md5,
                           progress=progress)
    safe_extract(archive, root, folder, files_md5, progress=progress)
    if not keep_archive:
        archive.unlink()
    return root / folder
