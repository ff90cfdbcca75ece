"""One writer per run folder: a lock file that a trainer holds while it writes there.

    with RunLock("runs/checkpoints/quick/wavemix"):
        ...   # nobody else can take the folder's lock until the block ends (exception or not)

Two trainers on the same folder would both "succeed" while overwriting each other's
``last.pt`` and ``history.csv``. The lock is ``<folder>/.lock``, created atomically
(``O_CREAT | O_EXCL``: of two processes, exactly one can create the file) and holding
``{"pid", "host", "started"}`` so a refusal can say who holds it. The lock of a process
that died without releasing it (killed, power cut) is *stale*: when the holder ran on this
host and its pid no longer exists, the next trainer takes the lock over and says so. A
holder on another host cannot be checked from here; delete the file by hand if that run
is dead.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

#: The lock file's name inside the run folder.
LOCK_NAME = ".lock"


class RunLockedError(RuntimeError):
    """Another process holds the run folder's lock."""


def read_holder(path: str | os.PathLike) -> dict | None:
    """The ``{"pid", "host", "started"}`` stored in a lock file; None if missing or unreadable."""
    try:
        holder = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def is_stale(holder: dict | None) -> bool:
    """True when ``holder`` ran on this host and its process no longer exists."""
    if (not holder or holder.get("host") != socket.gethostname()
            or not isinstance(holder.get("pid"), int) or os.name == "nt"):  # Windows: kill() kills
        return False
    try:
        os.kill(holder["pid"], 0)           # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:                 # it exists, owned by another user
        pass
    return False


class RunLock:
    """The lock of run folder ``folder`` (created if missing): :meth:`acquire` /
    :meth:`release`, or use it as a context manager."""

    def __init__(self, folder: str | os.PathLike):
        self.path = Path(folder) / LOCK_NAME
        self.held = False

    def acquire(self) -> RunLock:
        """Take the lock, taking over a stale one; :class:`RunLockedError` if it is held."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(),
              "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        for _ in range(3):                  # a retry per stale lock removed under us
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                holder = read_holder(self.path)
                if not is_stale(holder):
                    raise RunLockedError(self._refusal(holder)) from None
                print(f"{self.path}: taking over the stale lock of process {holder['pid']} on "
                      f"{holder['host']} (started {holder.get('started', '?')}), which is no "
                      "longer running", flush=True)
                self._remove_if_still(holder)
                continue
            with os.fdopen(fd, "w") as fh:
                json.dump(me, fh)
            self.held = True
            return self
        raise RunLockedError(f"{self.path}: could not take the lock (other processes keep taking it)")

    def release(self) -> None:
        """Remove the lock file if this object holds it."""
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()

    def _refusal(self, holder: dict | None) -> str:
        if holder is None:
            return (f"{self.path.parent} is locked by {self.path}, whose owner cannot be read; "
                    f"if no trainer is writing there, delete {self.path}")
        return (f"{self.path.parent} is in use by another trainer: process {holder.get('pid')} on "
                f"{holder.get('host')} (started {holder.get('started', '?')}). Wait for it, choose "
                f"another output folder, or, if that process is dead, delete {self.path}")

    def _remove_if_still(self, holder: dict) -> None:
        """Delete the lock file if it still holds ``holder``. Two new trainers may find the
        same stale lock: renaming it away first (atomic; only one rename finds the file)
        keeps the slower one from deleting the lock the faster one has just created."""
        grabbed = self.path.with_name(f"{LOCK_NAME}.{os.getpid()}.stale")
        try:
            os.rename(self.path, grabbed)
        except FileNotFoundError:
            return                          # someone else removed it: just try again
        if read_holder(grabbed) == holder:
            grabbed.unlink()
        else:                               # a fresh lock: put it back unless replaced meanwhile
            try:
                os.link(grabbed, self.path)
            except FileExistsError:
                pass
            grabbed.unlink()
