"""Text tables (inpaintlib.tables)."""

from __future__ import annotations

from inpaintlib.tables import format_table


def test_numbers_align_right_text_left_with_readable_formats():
    rows = [{"model": "wavemix", "params": 455_331, "ssim": 0.89412, "share": 0.25, "fid": None},
            {"model": "cnn", "params": 12, "ssim": 1.0, "share": 1.0, "fid": 3.5}]
    lines = format_table(rows).splitlines()
    assert lines[0] == "model     params   ssim   share    fid"
    assert lines[1] == "-------  -------  -----  ------  -----"
    assert lines[2] == "wavemix  455,331  0.894   25.0%      -"
    assert lines[3] == "cnn           12  1.000  100.0%  3.500"


def test_columns_choose_and_order_and_missing_cells_stay_empty():
    rows = [{"a": 1, "b": "x"}, {"a": 2}]
    assert format_table(rows, ["b", "a"]).splitlines() == ["b  a", "-  -", "x  1", "   2"]
    assert format_table([{"flag": True}]).splitlines()[2] == "True"     # bools are words, not numbers
