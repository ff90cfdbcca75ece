"""One writer per run folder: an operating-system file lock that a trainer holds while it
writes there.

    with RunLock("runs/checkpoints/quick/wavemix"):
        ...   # no other process can take the folder's lock until the block ends

Two trainers on the same folder would both "succeed" while overwriting each other's
``last.pt`` and ``history.csv``. The lock is taken with :mod:`filelock` on
``<folder>/.lock`` (an ``flock`` on POSIX): the operating system releases it when its
holder exits, however it exits (killed, power cut), so a lock can never go stale. Next to
it, ``<folder>/.lock.json`` records ``{"pid", "host", "started"}`` of the holder, so a
refusal can say who holds the folder.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from filelock import FileLock, Timeout

from .atomic import atomic_write

#: The lock file's name inside the run folder.
LOCK_NAME = ".lock"
#: Who holds the lock: ``{"pid", "host", "started"}``.
HOLDER_NAME = ".lock.json"


class RunLockedError(RuntimeError):
    """Another process (or another :class:`RunLock` in this one) holds the folder's lock."""


def read_holder(folder: str | os.PathLike) -> dict | None:
    """The ``{"pid", "host", "started"}`` of the lock's holder; None if unknown."""
    try:
        holder = json.loads((Path(folder) / HOLDER_NAME).read_text())
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


class RunLock:
    """The lock of run folder ``folder`` (created if missing): :meth:`acquire` /
    :meth:`release`, or use it as a context manager. Not re-entrant: a second
    :class:`RunLock` on the same folder is refused even in the same process. A folder the
    lock created and nothing else wrote to is removed again on release, so a run refused
    before its first file (a missing dataset, say) leaves nothing behind."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_NAME
        self._lock = FileLock(self.path, timeout=0, thread_local=False)
        self._created: list[Path] = []      # the folders acquire() made, innermost first

    @property
    def held(self) -> bool:
        return self._lock.is_locked

    def acquire(self) -> RunLock:
        """Take the lock now or raise :class:`RunLockedError` (it never waits)."""
        self._created = [p for p in (self.folder, *self.folder.parents) if not p.exists()]
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire()
        except Timeout:
            raise RunLockedError(self._refusal(read_holder(self.folder))) from None
        me = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                         "started": time.strftime("%Y-%m-%d %H:%M:%S")}).encode()
        atomic_write(self.folder / HOLDER_NAME, lambda fh: fh.write(me))
        return self

    def release(self) -> None:
        """Let the folder go (and forget the holder) if this object holds it."""
        if self.held:
            (self.folder / HOLDER_NAME).unlink(missing_ok=True)
            self._lock.release()
            if self._created and [p.name for p in self.folder.iterdir()] == [LOCK_NAME]:
                self.path.unlink(missing_ok=True)
                for folder in self._created:         # nothing was written: leave no trace
                    try:
                        folder.rmdir()
                    except OSError:                  # not empty (another run's folder): keep it
                        break

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    def _refusal(self, holder: dict | None) -> str:
        who = ("a process whose details cannot be read" if holder is None else
               f"process {holder.get('pid')} on {holder.get('host')} (started {holder.get('started', '?')})")
        return (f"{self.folder} is in use by another trainer: {who}. Wait for it to finish, or "
                "choose another output folder; the lock goes away by itself when that process ends")
