"""The shared bodies of the assignment tests: for a question whose public test and hidden test
check the same case, one function here that both call, so that the two differ only in what
they reveal.

The public test calls the body as it is: its checks say by how much and where an answer is off,
with a formula hint. The hidden test passes ``mistakes``, a function of the case (its inputs and
the library's results, as attributes) that returns the catalogue of known mistakes of each check,
``{check: {explanation: what that mistake gives}}``; a check whose answer matches one names that
mistake. The catalogues stay in the hidden cells of the sources: this package ships in the
student release, so it holds what the public tests already show (inputs, hints, the procedure)
and never an explanation of a mistake. A hidden test of other inputs builds them with the
helpers here and keeps the inputs in its cell.

One module per assignment: :mod:`.a1` ... :mod:`.a6`. Every body gets its graded function
through :func:`~inpaintlib.coursework.checks.graded` (the one rule for earlier questions'
helpers)."""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

#: A hidden test's catalogue: the case -> {check: {explanation: what that mistake gives}}.
Mistakes = Callable[[SimpleNamespace], dict]


def catalogue(mistakes: Mistakes | None, **case) -> dict:
    """``mistakes`` applied to ``case`` (keywords: the case's inputs and reference results),
    ``{}`` without one (a public test): look a check's catalogue up with ``.get(check)``."""
    return mistakes(SimpleNamespace(**case)) if mistakes else {}
