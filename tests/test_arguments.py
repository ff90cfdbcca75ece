"""The shared argument check (inpaintlib.arguments)."""

from __future__ import annotations

import numpy as np
import pytest

from inpaintlib.arguments import check_whole


@pytest.mark.parametrize("value", [0, 7, np.int64(3), np.uint8(9)])
def test_whole_numbers_pass(value):
    check_whole("n", value, 0)


@pytest.mark.parametrize("value, message", [
    (None, r"n must be a whole number >= 1, got None \(NoneType\)"),
    (2.0, r"n must be a whole number >= 1, got 2.0 \(float\)"),
    ("3", r"n must be a whole number >= 1, got '3' \(str\)"),
    (True, r"n must be a whole number >= 1, got True \(bool\)"),
    (0, r"n must be >= 1, got 0"),
])
def test_everything_else_is_named_and_explained(value, message):
    with pytest.raises(ValueError, match=message):
        check_whole("n", value, 1)


def test_without_a_lower_bound_negative_numbers_pass():
    check_whole("seed", -5)
    with pytest.raises(ValueError, match="seed must be a whole number, got 1.5"):
        check_whole("seed", 1.5)
