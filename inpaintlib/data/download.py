"""Downloading and unpacking dataset archives without ever leaving a broken file behind.

* :func:`download_url` streams to ``<dest>.part`` with a tqdm progress bar, resumes a
  partial ``.part`` with an HTTP ``Range`` request (also after a dropped connection,
  up to ``retries`` times), checks the MD5 and only then renames to ``dest``. A
  checksum mismatch deletes the ``.part`` and raises :class:`ChecksumError`; nothing
  ever appears at ``dest`` unless it verified.
* :func:`safe_extract` unpacks a tar archive into a temporary folder next to the
  target, refusing members that would land outside it (``../``, absolute paths,
  links pointing out, device files), then moves the result into place.
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
# Python >= 3.10.12 / 3.11.4 also vet members themselves ("data" filter): a second line of defence.
_EXTRACT_KW = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


class DownloadError(RuntimeError):
    """A transfer failed (network error, HTTP error, or it stopped early)."""


class ChecksumError(DownloadError):
    """The downloaded bytes do not have the expected MD5."""


class UnsafeArchiveError(RuntimeError):
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
        raise DownloadError(f"HTTP {err.code} {err.reason} for {url}") from err
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
    On a dropped connection the transfer resumes up to ``retries`` more times; after
    that :class:`DownloadError` is raised and the ``.part`` stays for the next call.
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
        except DownloadError:
            if attempt == retries:
                raise DownloadError(
                    f"download of {url} failed after {retries + 1} attempts; the partial file "
                    f"{part} is kept and the next call resumes from it") from None
    if md5 is not None:
        actual = md5sum(part, progress=progress)
        if actual != md5:
            part.unlink()
            raise ChecksumError(f"MD5 mismatch for {url}: expected {md5}, got {actual}. "
                                "The corrupt download was deleted; run the command again.")
    os.replace(part, dest)
    return dest


def _check_member(member: tarfile.TarInfo, target: Path) -> None:
    """Raise UnsafeArchiveError if ``member`` would escape ``target``."""
    name = member.name
    resolved = (target / name).resolve()
    if os.path.isabs(name) or not resolved.is_relative_to(target):
        raise UnsafeArchiveError(f"refusing archive member {name!r}: it points outside {target}")
    if member.issym() or member.islnk():
        link_base = resolved.parent if member.issym() else target
        link_target = (link_base / member.linkname).resolve()
        if os.path.isabs(member.linkname) or not link_target.is_relative_to(target):
            raise UnsafeArchiveError(
                f"refusing link {name!r} -> {member.linkname!r}: it points outside {target}")
    elif not (member.isfile() or member.isdir()):
        raise UnsafeArchiveError(f"refusing archive member {name!r}: not a file or folder")


def safe_extract(archive: str | os.PathLike, target: str | os.PathLike,
                 progress: bool = True) -> list[str]:
    """Extract a (possibly compressed) tar ``archive`` into the folder ``target``.

    Every member is checked before anything is written; one unsafe member refuses the
    whole archive. Extraction happens in a temporary folder inside ``target`` and the
    top-level entries are moved into place at the end, so an interrupted extraction
    never leaves a half-filled dataset folder. Existing entries of the same name are
    replaced. Returns the names of the top-level entries.
    """
    target = Path(target).resolve()
    target.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        for member in members:
            _check_member(member, target)
        staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=target))
        try:
            for member in tqdm(members, desc=f"extract {Path(archive).name}", unit="file",
                               disable=not progress):
                tar.extract(member, staging, **_EXTRACT_KW)
            tops = sorted(p.name for p in staging.iterdir())
            for top in tops:
                final = target / top
                if final.is_dir() and not final.is_symlink():
                    shutil.rmtree(final)
                elif final.exists() or final.is_symlink():
                    final.unlink()
                os.replace(staging / top, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return tops


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
    tops = safe_extract(archive, root, progress=progress)
    if folder not in tops:
        raise DownloadError(f"{archive.name} does not contain the folder {folder!r} (found {tops})")
    for rel, expected in (files_md5 or {}).items():
        actual = md5sum(root / folder / rel, progress=progress)
        if actual != expected:
            raise ChecksumError(f"{root / folder / rel}: MD5 {actual}, expected {expected}")
    if not keep_archive:
        archive.unlink()
    return root / folder
