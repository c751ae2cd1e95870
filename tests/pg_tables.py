"""Polars frames as PostgreSQL tables, for the tests that run SQL on a real server."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

_TYPES = {
    "String": "TEXT",
    "Float64": "DOUBLE PRECISION",
    "Float32": "REAL",
    "Int64": "BIGINT",
    "Int32": "INTEGER",
    "Boolean": "BOOLEAN",
    "Date": "DATE",
    "Null": "TEXT",
}
_names = itertools.count()


def pg_type(dtype: Any) -> str:
    text = str(dtype)
    if text.startswith("Datetime"):
        return "TIMESTAMPTZ" if "UTC" in text or "tz" in text.lower() else "TIMESTAMP"
    return _TYPES[text]


def load(con: Any, frame: Any, name: str | None = None) -> str:
    """Copy ``frame`` into a new table (named ``name``, or a fresh name); return the name."""
    name = name or f"frame_{next(_names)}"
    columns = ", ".join(f'"{column}" {pg_type(dtype)}' for column, dtype in frame.schema.items())
    con.execute(f'DROP TABLE IF EXISTS "{name}"')
    con.execute(f'CREATE TABLE "{name}" ({columns})')
    if frame.width == 0:  # a table of rows and no columns, as polars has them
        for _ in range(frame.height):
            con.execute(f'INSERT INTO "{name}" DEFAULT VALUES')
        return name
    quoted = ", ".join(f'"{c}"' for c in frame.columns)
    with con.cursor() as cur, cur.copy(f'COPY "{name}" ({quoted}) FROM STDIN') as copy:
        for row in frame.iter_rows():
            copy.write_row([_cell(v) for v in row])
    return name


def _cell(value: Any) -> Any:
    # NaN is a value of a DOUBLE PRECISION column in PostgreSQL, as in polars.
    if isinstance(value, dt.datetime | dt.date | float | int | str | bool) or value is None:
        return value
    raise TypeError(f"no PostgreSQL cell for {value!r}")
