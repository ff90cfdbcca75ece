"""Argument checks shared by the library's entry points: a wrong type or value is a
``ValueError`` that names the argument, raised before any work is done (never a failure
deep inside numpy or torch)."""

from __future__ import annotations

import numpy as np


def check_whole(name: str, value, smallest: int | None = None) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is a whole number (not a bool)
    ``>= smallest``: the one argument check of sizes, counts and seeds."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number{f' >= {smallest}' if smallest is not None else ''}, "
                         f"got {value!r} ({type(value).__name__})")
    if smallest is not None and value < smallest:
        raise ValueError(f"{name} must be >= {smallest}, got {value}")
