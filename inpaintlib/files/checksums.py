"""``SHA256SUMS`` manifests: the lines ``<64 hex digits>  <name>`` that record what a
committed file (a mask set, a reference checkpoint) must hash to.

    sums = read_checksums(Path("data/masks/SHA256SUMS"), restore="git checkout -- ...")
    write_checksums(path, {**sums, "thick_96px_n10000_seed0": digest})

Reading checks every line: a malformed one raises
:class:`~inpaintlib.files.safeload.CorruptFileError` naming the file, the line and ``restore``
(how to get a good copy). Writing is atomic and sorted, so diffs stay small.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from .atomic import atomic_write
from .safeload import corrupt_file

#: The manifest's file name.
CHECKSUMS = "SHA256SUMS"


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_checksums(path: Path, restore: str) -> dict[str, str]:
    """``{name: sha256}`` from the manifest at ``path`` (empty if it does not exist)."""
    if not path.exists():
        return {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise corrupt_file(path, "a SHA256SUMS list", restore, "not UTF-8 text") from None
    sums = {}
    for number, line in enumerate(lines, start=1):
        if match := re.fullmatch(r"([0-9a-fA-F]{64})\s+\*?(\S+)", line.strip()):
            sums[match.group(2)] = match.group(1).lower()
        elif line.strip():
            raise corrupt_file(path, "a SHA256SUMS list", f"fix or delete line {number}, or {restore}",
                               f"{CHECKSUMS}, line {number} is {line[:80]!r}, not '<64 hex digits>  <name>'")
    return sums


def write_checksums(path: Path, sums: dict[str, str]) -> None:
    """Write ``sums`` as a manifest at ``path``, sorted by name, atomically."""
    text = "".join(f"{sums[name]}  {name}\n" for name in sorted(sums))
    atomic_write(path, lambda fh: fh.write(text.encode()))
