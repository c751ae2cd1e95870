"""The DuckDB engine against the polars engine, every row, every column.

The polars engine is itself checked row by row against the reference evaluator
(test_cohort_differential.py); here random cohorts (``cohort_strategies``) screened by
``screen_duckdb`` must give a DataFrame equal to ``lc.screen``'s: same columns, dtypes
and values, including the texts of the errors and the facts as read. And the SQL
rounding equals ``units.quantise`` bit for bit.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import liverfail_criteria as lc
from liverfail_criteria.units import QUANTISE_RANGE, quantise

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")

import cohort_strategies as cs  # noqa: E402
from conftest import examples  # noqa: E402
from liverfail_criteria.cohort.duck import screen_duckdb  # noqa: E402
from liverfail_criteria.interpreters.sql.dialect import DuckDB  # noqa: E402
from liverfail_criteria.interpreters.sql.frame import Frame, ref  # noqa: E402
from liverfail_criteria.interpreters.sql.numeric import quantise_stages  # noqa: E402

cs.pl = pl


def assert_same(expected: Any, got: Any) -> None:
    assert got.columns == expected.columns
    assert got.schema == expected.schema
    for column in expected.columns:
        assert got[column].to_list() == expected[column].to_list(), column
    assert got.equals(expected)


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cs.cohorts())
def test_duckdb_equals_the_polars_engine(case: dict[str, Any]) -> None:
    options = {
        "units": case["units"],
        "params": case["params"],
        "assume_absent": case["assume_absent"],
    }
    expected = lc.screen(case["frame"], **options)
    got = screen_duckdb(case["frame"], **options)
    assert_same(expected, got)


@settings(deadline=None, max_examples=examples(10))
@given(cs.cohorts(max_rows=6))
def test_duckdb_without_ids_numbers_the_rows(case: dict[str, Any]) -> None:
    frame = case["frame"].drop("id")
    expected = lc.screen(frame, units=case["units"], params=case["params"])
    got = screen_duckdb(frame, units=case["units"], params=case["params"])
    assert_same(expected, got)


# -- rounding --------------------------------------------------------------------------


def sql_quantise(xs: list[float | None]) -> list[float | None]:
    d = DuckDB()
    con = duckdb.connect()
    con.register("v", pl.DataFrame({"x": xs}, schema={"x": pl.Float64}).to_arrow())
    frame = Frame(sqlglot.exp.to_table("v"), ["x"])
    frame.add({"i": d.row_index()})
    quantise_stages(frame, d, {"y": sqlglot.exp.column("x", quoted=True)})
    query = frame.select([("i", ref("i")), ("y", ref("y"))]).sql("duckdb")
    rows = sorted(con.execute(query).fetchall())
    return [y for _, y in rows]


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    if math.isnan(a):
        return math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def ties(n: int, shift: int) -> float:
    return (2 * n + 1) / 2 * 2.0**-shift


doubles = st.floats(allow_nan=True, allow_infinity=True)
in_range = st.floats(min_value=QUANTISE_RANGE[0], max_value=QUANTISE_RANGE[1], exclude_max=True)
halfway = st.builds(ties, st.integers(10**11, 10**12 - 1), st.integers(0, 30))
by_bits = st.integers(0, 2**64 - 1).map(lambda b: struct.unpack("d", struct.pack("Q", b))[0])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(doubles, in_range, halfway, by_bits, st.none()), max_size=60))
@example([1000.001953125, 1234567890.125, 85.00000000000001, 12 * 17.104, 0.0, -0.0])
@example([1e-10, 9.99999999999e-11, 1e12, 999999999999.5, 999999999999.4999, 9.9999999999995])
def test_sql_rounding_equals_the_reference(xs: list[float | None]) -> None:
    got = sql_quantise(xs)
    for x, y in zip(xs, got, strict=True):
        assert same(y, None if x is None else quantise(x)), (x, y)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(doubles, by_bits, in_range), min_size=1, max_size=40))
@example([1e-05, 1.5e-07, 1.2345678901234568e-05, -2e-05, 1e-16, 1e20, 1e16, 700.0, -5.0])
def test_numbers_are_written_as_polars_writes_them(xs: list[float]) -> None:
    d = DuckDB()
    con = duckdb.connect()
    con.register("v", pl.DataFrame({"x": xs}, schema={"x": pl.Float64}).to_arrow())
    column = sqlglot.exp.column("x", quoted=True)
    text = d.to_text(column, "number").sql("duckdb")
    got = [r[0] for r in con.execute(f"SELECT {text} FROM v").fetchall()]
    expected = pl.Series(xs, dtype=pl.Float64).cast(pl.String).to_list()
    for x, a, b in zip(xs, got, expected, strict=True):
        if math.isnan(x):
            continue  # NaN is a missing value: never written
        assert a == b, x
