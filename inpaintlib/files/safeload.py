"""Reading files that may be damaged or hostile, with one style of error.

A file in ``data/`` or ``runs/`` can be truncated by a full disk, half-copied, or
replaced by someone else. Every reader of the course reports such a file the same way,
with :class:`CorruptFileError`::

    <path> is corrupt or not <what it should be> (<short reason>); <how to get a good copy>

The message never repeats a library's advice to load the file unsafely (PyTorch's
``weights_only=False``, NumPy's ``allow_pickle=True``): for a file that may have been
tampered with, that advice means running whatever code it contains. Such errors are
raised ``from None`` so that the library's message does not reappear in the traceback.
"""

from __future__ import annotations

import os
import re

# Phrases of library messages that suggest loading a file unsafely.
_UNSAFE_ADVICE = re.compile(r"weights_only|allow_pickle|trust|safe_globals", re.IGNORECASE)


class CorruptFileError(ValueError):
    """A file is corrupt or not what was expected; the message names the file and the
    command that regenerates or re-downloads it."""


def corrupt_file(path: str | os.PathLike, what: str, remedy: str,
                 reason: str = "") -> CorruptFileError:
    """The error for ``path``, which should be ``what`` (e.g. "a CIFAR-10 batch").

    ``remedy`` says how to get a good copy, e.g. "re-download it with: python -m
    inpaintlib download cifar10"; ``reason`` is a short detail, e.g. from :func:`describe`.
    """
    detail = f" ({reason})" if reason else ""
    return CorruptFileError(f"{path} is corrupt or not {what}{detail}; {remedy}")


def describe(err: BaseException) -> str:
    """A short reason for ``err``: the type and the first sentences of its message,
    leaving out every sentence that advises loading the file unsafely."""
    reason = ""
    for sentence in re.split(r"(?<=\.)\s+|\n+", str(err)):
        sentence = sentence.strip()
        if not sentence or _UNSAFE_ADVICE.search(sentence):
            continue
        if reason and len(reason) + len(sentence) > 160:
            break
        reason = f"{reason} {sentence}".strip()[:200]
    return f"{type(err).__name__}: {reason}" if reason else type(err).__name__


def load_torch_file(path: str | os.PathLike, what: str, regenerate: str,
                    map_location="cpu"):
    """``torch.load(path, map_location=..., weights_only=True)``: tensors and plain Python
    values only, never code.

    A missing file raises ``FileNotFoundError`` as usual. Any other failure (truncated
    zip, random bytes, a pickle that asks for a disallowed global such as ``os.system``)
    raises :class:`CorruptFileError` naming ``path``, saying it is corrupt or not
    ``what`` (e.g. "a training checkpoint") and giving the ``regenerate`` command.
    """
    import torch  # here, so that the data readers do not need torch to be importable

    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except FileNotFoundError:
        raise
    except Exception as err:  # noqa: BLE001 (every way a file can be unreadable)
        raise corrupt_file(path, what, f"regenerate it with: {regenerate}",
                           describe(err)) from None
