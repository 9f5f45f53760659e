"""A page's table rows (a list of dicts) as a pyarrow Table for st.dataframe, built without pandas (issue 27).

st.dataframe turns a list of dicts into a pandas DataFrame before it sends the table as Arrow, and pyarrow's own
converters (pa.array, pa.table) import pandas to ask whether a value is a pandas object: pandas with its pyarrow
bridge is ~80 MB of the server's memory, loaded for good by the first table a session draws. Here each column
is laid out in Arrow's buffers directly (pa.Array.from_buffers imports nothing more), with the types pandas
would have given it: integers, decimals or floats as numbers, True/False as booleans, text as text, a missing
value as an empty cell; a column mixing kinds is shown as text, as Streamlit shows such a pandas column.
"""
from __future__ import annotations

import struct
from decimal import Decimal
from numbers import Integral, Real

_INT64 = (-(1 << 63), (1 << 63) - 1)


def _kind(values: list) -> str:
    kinds = set()
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            kinds.add("bool")
        elif isinstance(v, Integral):
            kinds.add("int" if _INT64[0] <= v <= _INT64[1] else "text")
        elif isinstance(v, (Real, Decimal)):
            kinds.add("float")
        elif isinstance(v, str):
            kinds.add("text")
        else:
            kinds.add("other")
    if kinds <= {"int"}:
        return "int" if kinds else "text"      # a column with no value at all: empty text cells
    if kinds <= {"int", "float"}:
        return "float"
    if kinds == {"bool"}:
        return "bool"
    return "text"


def _validity(values: list, pa):
    """Arrow's validity bitmap (bit i set: row i has a value), or None when no value is missing."""
    if all(v is not None for v in values):
        return None
    bits = bytearray((len(values) + 7) // 8)
    for i, v in enumerate(values):
        if v is not None:
            bits[i >> 3] |= 1 << (i & 7)
    return pa.py_buffer(bytes(bits))


def _column(values: list, pa):
    n, valid = len(values), _validity(values, pa)
    kind = _kind(values)
    if kind == "int":
        return pa.Array.from_buffers(pa.int64(), n, [valid, pa.py_buffer(
            struct.pack(f"<{n}q", *(0 if v is None else int(v) for v in values)))])
    if kind == "float":
        return pa.Array.from_buffers(pa.float64(), n, [valid, pa.py_buffer(
            struct.pack(f"<{n}d", *(0.0 if v is None else float(v) for v in values)))])
    if kind == "bool":
        bits = bytearray((n + 7) // 8)
        for i, v in enumerate(values):
            if v:
                bits[i >> 3] |= 1 << (i & 7)
        return pa.Array.from_buffers(pa.bool_(), n, [valid, pa.py_buffer(bytes(bits))])
    data, offsets = bytearray(), [0]
    for v in values:
        if v is not None:
            data += (v if isinstance(v, str) else str(v)).encode("utf-8")
        offsets.append(len(data))
    return pa.Array.from_buffers(pa.string(), n, [valid, pa.py_buffer(struct.pack(f"<{n + 1}i", *offsets)),
                                                   pa.py_buffer(bytes(data))])


def table(rows: list[dict]):
    """The rows as a pyarrow Table: one column per key, in the order the keys first appear; a row without a
    key has an empty cell there."""
    import pyarrow as pa   # third-party, loaded with the first table drawn (st.dataframe needs it then anyway)

    names = list(dict.fromkeys(k for r in rows for k in r))
    return pa.Table.from_arrays([_column([r.get(k) for r in rows], pa) for k in names], names=[str(k) for k in names])


if __name__ == "__main__":   # this file opened as a page before app.py ran once: app.py instead (the PIN form)
    import runpy
    from pathlib import Path

    runpy.run_path(str(Path(__file__).resolve().parent.parent / "app.py"), run_name="__main__")
