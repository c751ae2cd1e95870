"""The SQL on a real PostgreSQL server: the same outcomes as the polars engine.

``lc.to_sql(dialect="postgres")`` was only parsed back before; here it runs. The server
is the one ``.ci/postgres.sh start`` starts (CI: ``nox -s tests_postgres``); without
``LIVERFAIL_PG_DSN`` these tests are skipped, saying so.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import liverfail_criteria as lc

pl = pytest.importorskip("polars")
pytest.importorskip("sqlglot")
pytest.importorskip("psycopg")

import cohort_strategies as cs  # noqa: E402
from conftest import examples  # noqa: E402
from liverfail_criteria.sql import screen_postgres  # noqa: E402
from pg_tables import load  # noqa: E402

cs.pl = pl

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cohort" / "cohort.csv"
EXAMPLE_UNITS = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}
NODES = [n.id for n in (*lc.ELIGIBILITY.rulesets(), *lc.ELIGIBILITY.criteria())]
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _words(text: str) -> str:
    """A text with each number in it replaced by ``#`` (PostgreSQL writes 700, not 700.0)."""
    return _NUMBER.sub("#", text)


def assert_same_outcomes(expected: Any, got: Any, id_column: str = "id") -> None:
    assert got.height == expected.height
    rows = {r[id_column]: r for r in got.iter_rows(named=True)}
    for row in expected.iter_rows(named=True):
        other = rows[row[id_column]]
        for column in ("status", "groups", "missing", *NODES):
            if column in row:
                assert other[column] == row[column], (row[id_column], column)
        assert [e["field"] for e in other["errors"]] == [e["field"] for e in row["errors"]]
        assert [_words(e["expected"]) for e in other["errors"]] == [
            _words(e["expected"]) for e in row["errors"]
        ], row[id_column]


def test_the_example_cohort_on_postgres(pg: Any) -> None:
    from liverfail_criteria.cohort.source import CSV_NULL_VALUES

    table = pl.read_csv(EXAMPLE, infer_schema=False, null_values=list(CSV_NULL_VALUES))
    name = load(pg, table)
    expected = lc.screen(EXAMPLE, units=EXAMPLE_UNITS)
    got = screen_postgres(pg, name, units=EXAMPLE_UNITS)
    assert_same_outcomes(expected, got)
    assert got["status"].value_counts().sort("status").rows() == (
        expected["status"].value_counts().sort("status").rows()
    )


def test_to_sql_runs_on_postgres_as_written(pg: Any) -> None:
    # The public text, for the natural schema (no look at the data), run as it is.
    frame = pl.DataFrame(
        {
            "id": ["a", "b", "c"],
            "total_bilirubin": [90.0, 5.0, None],
            "total_bilirubin_unit": ["umol/L", "mg/dL", None],
            "cirrhosis": [True, None, False],
            "assessment_date": [dt.date(2025, 6, 1)] * 3,
        }
    )
    name = load(pg, frame)
    schema = {"id": "TEXT", "total_bilirubin": "DOUBLE PRECISION"} | {
        "total_bilirubin_unit": "TEXT",
        "cirrhosis": "BOOLEAN",
        "assessment_date": "DATE",
    }
    query = lc.to_sql(table=name, dialect="postgres", schema=schema)
    rows = pg.execute(f"SELECT id, status, missing FROM ({query}) AS q ORDER BY id").fetchall()
    expected = lc.screen(frame)
    assert [(r[0], r[1], r[2]) for r in rows] == [
        (r["id"], str(r["status"]), r["missing"]) for r in expected.iter_rows(named=True)
    ]


@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(cs.cohorts())
def test_random_cohorts_on_postgres(pg: Any, case: dict[str, Any]) -> None:
    frame = case["frame"]
    options = {
        "units": case["units"],
        "params": case["params"],
        "assume_absent": case["assume_absent"],
    }
    expected = lc.screen(frame, **options)
    name = load(pg, frame)
    got = screen_postgres(pg, name, **options)
    assert_same_outcomes(expected, got)


@settings(max_examples=examples(5), deadline=None, database=None)
@given(cs.cohorts(max_rows=6))
def test_random_cohorts_without_ids_on_postgres(pg: Any, case: dict[str, Any]) -> None:
    frame = case["frame"].drop("id")
    expected = lc.screen(frame, units=case["units"], params=case["params"])
    got = screen_postgres(pg, load(pg, frame), units=case["units"], params=case["params"])
    assert_same_outcomes(expected, got, id_column="row")


def test_passthrough_and_errors_on_postgres(pg: Any) -> None:
    # The same options as screen_duckdb, through the one runner: columns carried after
    # the id, an unread column refused, and errors="raise" raising the first invalid cell.
    frame = pl.DataFrame(
        {
            "id": ["a", "b", "c"],
            "site": ["Beijing", "Shanghai", None],
            "total_bilirubin": ["90 umol/L", "5 furlongs", None],
            "cirrhosis": [True, None, False],
            "assessment_date": [dt.date(2025, 6, 1)] * 3,
        }
    )
    name = load(pg, frame)
    expected = lc.screen(frame, passthrough=["site"])
    got = screen_postgres(pg, name, passthrough=["site"])
    assert got.columns[:2] == expected.columns[:2] == ["id", "site"]
    assert got["site"].to_list() == expected["site"].to_list()
    assert_same_outcomes(expected, got)
    assert got["status"].dtype == expected["status"].dtype
    with pytest.raises(lc.CriteriaInputError, match="site"):
        screen_postgres(pg, name)  # a column nobody reads is an error, as in screen
    with pytest.raises(lc.CriteriaInputError, match="total_bilirubin") as raised:
        screen_postgres(pg, name, passthrough=["site"], errors="raise")
    with pytest.raises(lc.CriteriaInputError, match="total_bilirubin") as reference:
        lc.screen(frame, passthrough=["site"], errors="raise")
    assert type(raised.value) is type(reference.value)
    with pytest.raises(lc.CriteriaInputError, match="errors"):
        screen_postgres(pg, name, passthrough=["site"], errors="ignore")  # type: ignore[arg-type]


def test_censored_values_on_postgres(pg: Any) -> None:
    from conftest import records_table
    from test_censored_engines import RECORDS, with_context

    records = RECORDS + with_context(RECORDS[::3])
    table = records_table([{"id": f"r{i}", **r} for i, r in enumerate(records)])
    name = load(pg, table)
    expected = lc.screen(table)
    assert not any(expected["errors"].to_list())
    got = screen_postgres(pg, name)
    assert_same_outcomes(expected, got)
    got_records = dict(zip(got["id"], got["record"], strict=True))
    assert [got_records[i] for i in expected["id"]] == expected["record"].to_list()


def _long_ids() -> Any:
    # Two ids that share their first 63 bytes: PostgreSQL would truncate both to one name.
    stem = "site_specific.platelets_below_the_transfusion_threshold_for_the_procedure"
    low = lc.Criterion(f"{stem}.low", "low", "low", lc.variable("platelets") < "20 10*9/L")
    high = lc.Criterion(f"{stem}.high", "high", "high", lc.variable("platelets") >= "20 10*9/L")
    return lc.Ruleset("site", "Site rules", (low, high))


def test_ids_longer_than_postgres_keeps_come_back_whole(pg: Any) -> None:
    ruleset = _long_ids()
    assert all(len(c.id.encode()) > 63 for c in ruleset.criteria())
    table = pl.DataFrame({"id": ["a", "b", "c"], "platelets": ["5 10*9/L", "25 10*9/L", None]})
    name = load(pg, table)
    got = screen_postgres(pg, name, ruleset)
    expected = lc.screen(table, ruleset)
    assert got.columns == expected.columns
    for c in ruleset.criteria():
        assert got[c.id].to_list() == expected[c.id].to_list()
    assert got[ruleset.criteria()[0].id].to_list() == [True, False, None]


def test_to_sql_refuses_a_name_postgres_would_truncate() -> None:
    # written as it is, PostgreSQL would cut both ids to one 63-byte name: an error,
    # never a silently wrong column; DuckDB and Spark keep long names
    with pytest.raises(lc.DefinitionError, match="63 bytes"):
        lc.to_sql(_long_ids(), dialect="postgres", table="t")
    for dialect in ("duckdb", "spark"):
        assert ".low" in lc.to_sql(_long_ids(), dialect=dialect, table="t")


def test_an_id_of_exactly_63_bytes_is_kept_and_64_refused() -> None:
    # the edge of PostgreSQL's limit, on both sides and on it (bytes, not characters)
    for n, ok in ((62, True), (63, True), (64, False)):
        name = "c." + "é" * ((n - 2) // 2) + "x" * ((n - 2) % 2)
        assert len(name.encode()) == n
        rule = lc.Criterion(name, "t", "t", lc.variable("platelets") < "20 10*9/L")
        ruleset = lc.Ruleset("r", "R", (rule,))
        if ok:
            assert f'"{name}"' in lc.to_sql(ruleset, dialect="postgres", table="t")
        else:
            with pytest.raises(lc.DefinitionError, match="64 bytes"):
                lc.to_sql(ruleset, dialect="postgres", table="t")
