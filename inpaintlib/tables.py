"""Text tables for notebooks and the command line: rows of dicts -> aligned columns.

    print(format_table([{"model": "wavemix", "params": 455_331, "ssim": 0.8941}]))
    model     params   ssim
    -------  -------  -----
    wavemix  455,331  0.894
"""

from __future__ import annotations


def format_table(rows: list[dict], columns: list[str] | None = None) -> str:
    """Rows of dicts as a fixed-width text table (ints with thousands separators, floats
    with 3 decimals, ``share`` columns as percentages, None as "-")."""
    columns = columns or list(rows[0])

    def fmt(key: str, v) -> str:
        if v is None:
            return "-"
        if isinstance(v, bool):
            return str(v)
        if isinstance(v, int):
            return f"{v:,}"
        if isinstance(v, float):
            return f"{100 * v:.1f}%" if key == "share" else f"{v:.3f}"
        return str(v)
    cells = [[fmt(c, r.get(c, "")) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    numeric = [all(r.get(c) is None or isinstance(r.get(c), (int, float)) and not isinstance(r.get(c), bool)
                   for r in rows) for c in columns]
    line = lambda vals: "  ".join(v.rjust(w) if num else v.ljust(w)  # noqa: E731
                                  for v, w, num in zip(vals, widths, numeric)).rstrip()
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(r) for r in cells])
