"""File safety: the machinery that keeps files whole and honest (no notebook imports it).

* :mod:`~inpaintlib.files.atomic`: a file is either its old self or completely new;
* :mod:`~inpaintlib.files.checksums`: ``SHA256SUMS`` manifests of committed files;
* :mod:`~inpaintlib.files.safeload`: ``torch.load`` with ``weights_only=True`` and errors
  that name the file and the command that regenerates it;
* :mod:`~inpaintlib.files.lock`: one writer per run folder (``filelock``).
"""

from .atomic import atomic_write
from .checksums import CHECKSUMS, file_sha256, read_checksums, write_checksums
from .lock import RunLock, RunLockedError
from .safeload import CorruptFileError, corrupt_file, describe, load_torch_file

__all__ = ["CHECKSUMS", "CorruptFileError", "RunLock", "RunLockedError", "atomic_write", "corrupt_file",
           "describe", "file_sha256", "load_torch_file", "read_checksums", "write_checksums"]
