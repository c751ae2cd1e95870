"""The SQL on Spark in local mode: the same outcomes as the polars engine.

Slow to start and to plan (tens of seconds a query), so few examples: the bundled
example cohort, and a few random cohorts. Runs where pyspark (the ``spark`` extra) and
Java are installed.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import liverfail_criteria as lc

pl = pytest.importorskip("polars")
pytest.importorskip("sqlglot")
pytest.importorskip("pyspark")
if shutil.which("java") is None:
    pytest.skip("Spark needs Java", allow_module_level=True)

import cohort_strategies as cs  # noqa: E402
from conftest import examples  # noqa: E402
from liverfail_criteria.cohort.spark import screen_spark  # noqa: E402

cs.pl = pl
pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cohort" / "cohort.csv"
EXAMPLE_UNITS = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}
NODES = [n.id for n in (*lc.ELIGIBILITY.rulesets(), *lc.ELIGIBILITY.criteria())]


@pytest.fixture(scope="session")
def spark() -> Any:
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("liverfail-criteria-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "6g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


_SPARK_TYPES = {
    "String": "string",
    "Float64": "double",
    "Int64": "bigint",
    "Boolean": "boolean",
    "Date": "date",
}


def to_spark(spark: Any, frame: Any, view: str) -> None:
    """A polars frame as a Spark temporary view (through rows: no pandas needed)."""
    schema = ", ".join(
        f"`{name}` {_SPARK_TYPES[str(dtype)]}" for name, dtype in frame.schema.items()
    )
    rows = [tuple(r) for r in frame.rows()]
    spark.createDataFrame(rows, schema=schema).createOrReplaceTempView(view)


def assert_same_outcomes(expected: Any, rows: list[Any]) -> None:
    assert len(rows) == expected.height
    got = {r["id"]: r.asDict(recursive=True) for r in rows}
    for row in expected.iter_rows(named=True):
        other = got[row["id"]]
        for column in ("status", "groups", "missing", *NODES):
            assert other[column] == row[column], (row["id"], column)
        assert [e["field"] for e in other["errors"]] == [e["field"] for e in row["errors"]]
        # Spark writes the numbers inside the texts its own way (1.0E-5): the words agree.
        assert [_words(e["expected"]) for e in other["errors"]] == [
            _words(e["expected"]) for e in row["errors"]
        ]


_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _words(text: str) -> str:
    """A text with each number in it replaced by ``#``."""
    return _NUMBER.sub("#", text)


def test_the_example_cohort_on_spark(spark: Any) -> None:
    from liverfail_criteria.cohort.source import CSV_NULL_VALUES

    table = pl.read_csv(EXAMPLE, infer_schema=False, null_values=list(CSV_NULL_VALUES))
    to_spark(spark, table, "cohort")
    expected = lc.screen(EXAMPLE, units=EXAMPLE_UNITS)
    rows = screen_spark(spark, "cohort", units=EXAMPLE_UNITS).collect()
    assert_same_outcomes(expected, rows)
    counts = expected["status"].value_counts().sort("status").rows()
    got: dict[str, int] = {}
    for r in rows:
        got[r["status"]] = got.get(r["status"], 0) + 1
    assert sorted(got.items()) == sorted((str(s), n) for s, n in counts)
    assert_default_planner(spark)


@settings(
    max_examples=examples(4),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(cs.cohorts(max_rows=8))
def test_random_cohorts_on_spark(spark: Any, case: dict[str, Any]) -> None:
    frame = case["frame"]
    options = {
        "units": case["units"],
        "params": case["params"],
        "assume_absent": case["assume_absent"],
    }
    expected = lc.screen(frame, **options)
    to_spark(spark, frame, "random_cohort")
    rows = screen_spark(spark, "random_cohort", **options).collect()
    assert_same_outcomes(expected, rows)


def test_dates_and_a_table_without_ids(spark: Any) -> None:
    frame = pl.DataFrame(
        {
            "assessment_date": [dt.date(2025, 6, 1), dt.date(2025, 6, 1)],
            "last_drug_abuse_date": [dt.date(2024, 6, 1), dt.date(2025, 7, 1)],
            "dic": [False, None],
        }
    )
    to_spark(spark, frame, "dated")
    rows = screen_spark(spark, "dated", lc.EXCLUSIONS).orderBy("row").collect()
    expected = lc.screen(frame, lc.EXCLUSIONS)
    assert [r["row"] for r in rows] == [0, 1]
    assert [r["exclusion.drug_abuse"] for r in rows] == expected["exclusion.drug_abuse"].to_list()
    assert [r["status"] for r in rows] == expected["status"].cast(pl.String).to_list()


def assert_default_planner(spark: Any) -> None:
    """The session plans with Spark's defaults: no optimizer rule left out, 100 rounds."""
    assert not spark.conf.get("spark.sql.optimizer.excludedRules", "")
    assert spark.conf.get("spark.sql.analyzer.maxIterations", "100") == "100"
    assert spark.conf.get("spark.sql.optimizer.maxIterations", "100") == "100"


def test_a_table_that_lacks_every_fact(spark: Any) -> None:
    # Every fact a constant NULL: stages of constants that Spark's CollapseProject rule
    # inlined into each other for many minutes, before the stages were written without
    # them (the rounding of a missing value is skipped). The default optimizer plans it.
    frame = pl.DataFrame({"id": ["a", "b"]})
    to_spark(spark, frame, "ids_only")
    rows = screen_spark(spark, "ids_only").orderBy("id").collect()
    expected = lc.screen(frame)
    assert [r["status"] for r in rows] == ["undetermined", "undetermined"]
    assert [r["missing"] for r in rows] == expected["missing"].to_list()
    assert_default_planner(spark)


# -- OMOP: derivation and screening in one query, on Spark ------------------------------


def _omop_generator() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "omop_generate", ROOT / "examples" / "omop" / "generate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _quantity(text: str | None) -> tuple[Any, ...] | None:
    if text is None:
        return None
    number, _, rest = text.partition(" ")
    comparator = number.rstrip("0123456789.eE+-")
    return (comparator, float(number[len(comparator) :]), rest)


def test_omop_derivations_and_screening_on_spark(spark: Any, tmp_path: Path) -> None:
    from liverfail_criteria.records.omop import demographics_sql, events_sql
    from liverfail_criteria.records.sql import derivations_sql

    source = _omop_generator().write(tmp_path / "omop", 40, seed=21)
    for file in sorted(source.glob("*.parquet")):
        spark.read.parquet(str(file)).createOrReplaceTempView(file.stem)
    facts = lc.from_omop(source, "2025-06-01")
    # The facts, fact for fact (numbers as numbers: Spark may write 5 where polars 5.0).
    query = derivations_sql(events_sql(), demographics_sql(), "2025-06-01", dialect="spark")
    got = {r["id"]: r.asDict() for r in spark.sql(query).collect()}
    assert sorted(got) == sorted(facts["id"].to_list())
    quantities = {n for n, v in lc.VARIABLES.items() if v.value_type.unit is not None}
    for row in facts.iter_rows(named=True):
        for column, value in row.items():
            other = got[row["id"]][column]
            if column in quantities:
                assert _quantity(other) == _quantity(value), (row["id"], column)
            else:
                assert other == value, (row["id"], column)
    assert facts["progressive_jaundice"].to_list().count(True) >= 2  # the trend is compared
    assert facts["cerebral_herniation"].to_list().count(True) >= 1  # found through Maps to
    # Derivation and screening in one query: the same outcomes and the same invalid
    # cells (the SQL's texts name the spellings it was built for, see test_omop).
    expected = lc.screen(facts).sort("id")
    rows = lc.screen_omop(spark, engine="spark", assessment_date="2025-06-01").collect()
    assert len(rows) == expected.height
    got_rows = {r["id"]: r.asDict(recursive=True) for r in rows}
    for row in expected.iter_rows(named=True):
        other = got_rows[row["id"]]
        for column in ("status", "groups", "missing", *NODES):
            assert other[column] == row[column], (row["id"], column)
        fields = [(e["field"], e["value"]) for e in row["errors"]]
        assert [(e["field"], e["value"]) for e in other["errors"]] == fields
    assert_default_planner(spark)


# -- Censored values ("<20 10*9/L") on Spark ------------------------------------------


def test_censored_values_on_spark(spark: Any) -> None:
    # The comparator grammar and the interval rule run in Spark's SQL as in the others:
    # every fact at and next to each threshold, each comparator spelling, two units.
    from conftest import records_table
    from test_censored_engines import RECORDS, with_context

    records = with_context(RECORDS[::2]) + RECORDS[1::4]
    frame = records_table(records).with_row_index("id").with_columns(pl.col("id").cast(pl.Int64))
    expected = lc.screen(frame)
    assert expected["errors"].list.len().max() == 0
    # the records decide censored comparisons: criteria are met and not met, not all unknown
    decided = {o for n in NODES if n.startswith("clf.") for o in expected[n].to_list()}
    assert {True, False} <= decided
    to_spark(spark, frame, "censored")
    rows = screen_spark(spark, "censored").collect()
    assert_same_outcomes(expected, rows)
    # and each row is the reference's answer, not only polars'
    got = {r["id"]: r["status"] for r in rows}
    for i, record in enumerate(records[::11]):
        assert got[i * 11] == lc.evaluate(record).status.value, record
