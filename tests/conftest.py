"""Shared test configuration: hypothesis profiles and paths."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
#: The shared folder beside the project: the trial text and the CQL conformance suite.
SHARED = ROOT.parent / "shared"

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=300,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# CI's other runs (the later Pythons, the core alone): the same derandomized examples as
# ``ci``, but the first hundred; the first Python runs the full ``ci`` profile.
settings.register_profile(
    "ci-quick",
    deadline=None,
    max_examples=100,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# A long run for the differential and property tests: HYPOTHESIS_PROFILE=deep pytest ...
settings.register_profile(
    "deep",
    deadline=None,
    max_examples=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)


def examples(default: int) -> int:
    """A slow test's number of examples: ``default``, or twenty times it in the deep profile.

    For tests whose every example costs a second or more (a SQL query planned and run):
    they set this explicitly, so a profile that raises every test's count (``ci``)
    leaves them within the time CI has.
    """
    deep = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
    return default * 20 if deep else default


# -- every engine through one fixture ----------------------------------------------------


def records_table(records: list[dict[str, object]]) -> object:
    """The records as a polars table, a column per fact, as a caller would write it.

    A column of true/false values stays boolean, one of whole numbers integer, one of
    numbers a double and one of dates a date; any other column (quantities with units,
    categories, values of mixed kinds) holds each value's text. A fact empty in every
    record has no column.
    """
    import datetime as dt

    import polars as pl

    names = list(dict.fromkeys(k for r in records for k in r))
    columns = {}
    for name in names:
        values = [r.get(name) for r in records]
        kinds = {type(v) for v in values if v is not None}
        if not kinds:  # empty in every record: no column, as a caller would leave it out
            continue
        if kinds <= {bool}:
            columns[name] = pl.Series(name, values, dtype=pl.Boolean)
        elif kinds <= {int}:
            columns[name] = pl.Series(name, values, dtype=pl.Int64)
        elif kinds <= {int, float}:
            columns[name] = pl.Series(name, values, dtype=pl.Float64)
        elif kinds <= {dt.date}:
            columns[name] = pl.Series(name, values, dtype=pl.Date)
        else:
            texts = [None if v is None else v if isinstance(v, str) else repr(v) for v in values]
            columns[name] = pl.Series(name, texts, dtype=pl.String)
    return pl.DataFrame(columns)


class Engine:
    """One engine's outcomes for a batch of records: the reference, polars or DuckDB SQL."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def outcomes(
        self,
        ruleset: object,
        records: list[dict[str, object]],
        node: str,
        params: object = None,
    ) -> list[object]:
        """The outcome (an ``lc.Outcome``) of criterion or ruleset ``node`` for each record."""
        return [r[node] for r in self.all_outcomes(ruleset, records, params)]

    def all_outcomes(
        self, ruleset: Any, records: list[dict[str, object]], params: object = None
    ) -> list[dict[str, Any]]:
        """Each record's outcome of every criterion and ruleset, by id.

        A table engine must read every cell: a cell it reports invalid is a failure.
        """
        import liverfail_criteria as lc

        ids = [n.id for n in (*ruleset.rulesets(), *ruleset.criteria())]
        if self.name == "reference":
            trees = [lc.evaluate(r, ruleset, params=params).tree for r in records]
            return [{i: tree.find(i).outcome for i in ids} for tree in trees]
        if self.name == "postgres":
            results = _screen_on_postgres(records_table(records), ruleset, params)
        else:
            results = lc.screen(
                records_table(records),
                ruleset,
                params=params,
                id_column=None,
                keep_record=False,
                engine=self.name,
            )
        invalid = results.filter(results["errors"].list.len() > 0)["errors"].to_list()
        assert not invalid, invalid[:3]
        return [{i: lc.Outcome.of(row[i]) for i in ids} for row in results.iter_rows(named=True)]


def _screen_on_postgres(table: Any, ruleset: Any, params: object) -> Any:
    """``table`` screened by ``screen_postgres`` on the server, in its own schema."""
    import uuid

    import polars as pl
    import psycopg

    from liverfail_criteria.sql import screen_postgres
    from pg_tables import load

    table = table.with_row_index("case_id").with_columns(pl.col("case_id").cast(pl.Int64))
    # a fact named longer than PostgreSQL's 63 bytes is read from a shorter column
    long = [c for c in table.columns if len(c.encode()) > 63]
    columns = {c: f"fact_{i}" for i, c in enumerate(long)}
    table = table.rename(columns)
    schema = f"e_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(os.environ[PG_DSN], autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
        try:
            con.execute(f"SET search_path TO {schema}")
            name = load(con, table)
            results = screen_postgres(
                con,
                name,
                ruleset,
                columns=columns,
                params=params,
                id_column="case_id",
                keep_record=False,
            )
        finally:
            con.execute(f"DROP SCHEMA {schema} CASCADE")
    assert results["case_id"].to_list() == list(range(table.height))
    return results


#: The engines every ``engine`` test runs on; PostgreSQL where a server is given
#: (``nox -s tests_postgres`` runs those cases: ``-k postgres``).
ENGINES = ("reference", "polars", "duckdb") + (
    ("postgres",) if os.environ.get("LIVERFAIL_PG_DSN") else ()
)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each engine in turn: ``lc.evaluate``, ``lc.screen`` and ``lc.screen`` on DuckDB,
    and ``screen_postgres`` on a real server where ``LIVERFAIL_PG_DSN`` names one."""
    if request.param != "reference":
        pytest.importorskip("polars")
    if request.param in ("duckdb", "postgres"):
        pytest.importorskip("duckdb")
        pytest.importorskip("sqlglot")
    if request.param == "postgres":
        pytest.importorskip("psycopg")
    return Engine(request.param)


#: Where the PostgreSQL tests find their server: a libpq connection string, which
#: ``eval "$(.ci/postgres.sh start)"`` exports (CI does; ``nox -s tests_postgres``).
PG_DSN = "LIVERFAIL_PG_DSN"


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """The PostgreSQL server's connection string; the test is skipped without one.

    Where ``LIVERFAIL_PG_REQUIRED`` is set (the ``tests_postgres`` nox session), a
    missing server fails the test instead: CI must run these tests, not skip them.
    """
    pytest.importorskip("psycopg")
    dsn = os.environ.get(PG_DSN)
    if not dsn:
        reason = (
            f"no PostgreSQL server: {PG_DSN} is not set "
            '(start one with eval "$(.ci/postgres.sh start)")'
        )
        if os.environ.get("LIVERFAIL_PG_REQUIRED"):
            pytest.fail(reason)
        pytest.skip(reason)
    return dsn


@pytest.fixture(scope="module")
def pg(pg_dsn: str) -> Iterator[Any]:
    """A connection (autocommit) whose search path is a new schema, one per test module."""
    import uuid

    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_dsn, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
        con.execute(f"SET search_path TO {schema}")
        con.execute("SET statement_timeout = '300s'")  # a hang fails, not stalls CI
        try:
            yield con
        finally:
            con.execute(f"DROP SCHEMA {schema} CASCADE")
