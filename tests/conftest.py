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
