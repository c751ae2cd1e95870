"""lc.to_sql: SQL built with sqlglot for every dialect, and clear errors for bad input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import liverfail_criteria as lc

sqlglot = pytest.importorskip("sqlglot")

from liverfail_criteria.interpreters.sql.api import to_sql  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cohort" / "cohort.csv"
UNITS = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}
DIALECTS = ["duckdb", "spark", "postgres"]


@pytest.fixture
def deep_recursion() -> Any:
    # sqlglot's parser recurses once per operand of a long chain of ORs and CASEs
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20000))
    yield
    sys.setrecursionlimit(limit)


@pytest.mark.usefixtures("deep_recursion")
@pytest.mark.parametrize("dialect", DIALECTS)
def test_the_sql_parses_back_in_its_dialect(dialect: str) -> None:
    text = to_sql(table="cohort", units=UNITS, dialect=dialect, pretty=False)
    parsed = sqlglot.parse_one(text, read=dialect)
    assert isinstance(parsed, sqlglot.exp.Select)
    again = parsed.sql(dialect=dialect)
    assert sqlglot.parse_one(again, read=dialect).sql(dialect=dialect) == again
    assert len(again) > 0.9 * len(text)
    names = [e.alias_or_name for e in parsed.expressions]
    rulesets = [r.id for r in lc.ELIGIBILITY.rulesets()]
    criteria = [c.id for c in lc.ELIGIBILITY.criteria()]
    assert names == ["id", "status", "groups", "missing", "errors", *rulesets, *criteria, "record"]


def test_record_can_be_left_out_and_rows_are_numbered_without_an_id() -> None:
    text = to_sql(lc.CLF, table="t", units=UNITS, keep_record=False, id_column=None)
    names = [e.alias_or_name for e in sqlglot.parse_one(text, read="duckdb").expressions]
    assert names[0] == "row" and "record" not in names


def test_a_table_expression_and_a_schema_of_sql_types() -> None:
    text = to_sql(
        lc.EXCLUSIONS,
        table="read_parquet('cohort.parquet')",
        schema={
            "id": "VARCHAR",
            "dic": "BOOLEAN",
            "platelets": "DOUBLE",
            "platelets_unit": "TEXT",
        },
    )
    assert "READ_PARQUET('cohort.parquet')" in text


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dialect": "oracle"}, "one of 'duckdb', 'spark', 'postgres'"),
        ({"units": {"total_bilirubn": "mg/dL"}}, "did you mean 'total_bilirubin'"),
        ({"units": {"total_bilirubin": "kPa"}}, "a unit of substance concentration"),
        ({"units": {"body_weight": "furlongs"}}, "a unit such as"),
        ({"table": "cohort WHERE 1 = 1"}, "a table name or one table expression"),
        ({"table": ""}, "a table name"),
        ({"schema": {"id": "NOT A TYPE ("}}, "a column kind"),
        ({"unit_spellings": {"sex": ["kg"]}}, "names of quantity facts"),
        ({"unit_spellings": {"albumin": "g/L"}}, "a list of unit spellings"),
        ({"assume_absent": ["age"]}, "names of true/false facts"),
        ({"params": {"nope": 1}}, "a parameter of ruleset"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(kwargs: dict[str, Any], match: str) -> None:
    options: dict[str, Any] = {"table": "cohort", "units": UNITS, **kwargs}
    with pytest.raises(lc.CriteriaInputError, match=match):
        to_sql(**options)


def test_a_dimensional_number_column_without_a_unit_is_refused() -> None:
    with pytest.raises(lc.CriteriaInputError, match="a unit for its numbers"):
        to_sql(table="t", schema={"total_bilirubin": "DOUBLE"})


def test_a_spelling_the_query_was_not_built_for_is_an_invalid_cell() -> None:
    duckdb = pytest.importorskip("duckdb")
    pl = pytest.importorskip("polars")
    con = duckdb.connect()
    frame = pl.DataFrame(
        {
            "id": ["a", "b"],
            "total_bilirubin": [0.085, 85.0],
            "total_bilirubin_unit": ["mmol/l", "umol/L"],  # read, but not a documented one
        }
    )
    con.register("t", frame.to_arrow())
    schema = {"id": "string", "total_bilirubin": "number", "total_bilirubin_unit": "string"}
    text = to_sql(lc.ACLF, table="t", schema=schema, keep_record=False)
    rows = con.execute(text).fetchall()
    errors = rows[0][4]
    assert errors[0]["field"] == "total_bilirubin"
    assert "unit_spellings=" in errors[0]["expected"]
    text = to_sql(
        lc.ACLF,
        table="t",
        schema=schema,
        keep_record=False,
        unit_spellings={"total_bilirubin": ["mmol/l", "umol/L"]},
    )
    rows = con.execute(text).fetchall()
    assert rows[0][4] == [] and rows[1][4] == []


def test_import_does_not_load_the_sql_engines() -> None:
    import subprocess

    code = (
        "import sys, liverfail_criteria as lc; lc.VARIABLES; "
        "print(sorted(m for m in ('sqlglot', 'duckdb', 'pyspark') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_without_sqlglot_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlglot", None)
    with pytest.raises(lc.MissingDependencyError, match=r"liverfail-criteria\[sql\]"):
        to_sql(table="cohort", units=UNITS)


def test_the_example_cohort_in_duckdb_sql_equals_the_polars_engine(tmp_path: Path) -> None:
    pl = pytest.importorskip("polars")
    pytest.importorskip("duckdb")
    from liverfail_criteria.cohort.duck import screen_duckdb

    expected = lc.screen(EXAMPLE, units=UNITS)
    assert screen_duckdb(EXAMPLE, units=UNITS).equals(expected)
    table = pl.read_csv(EXAMPLE, infer_schema_length=None, try_parse_dates=True)
    table.write_parquet(tmp_path / "c.parquet")
    from_parquet = lc.screen(tmp_path / "c.parquet", units=UNITS)
    assert screen_duckdb(tmp_path / "c.parquet", units=UNITS).equals(from_parquet)
    explained = lc.explain_row(screen_duckdb(EXAMPLE, units=UNITS), 3)
    assert explained.status.value == expected["status"][3]


def test_a_duckdb_database_file(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    pytest.importorskip("polars")
    from liverfail_criteria.cohort.duck import screen_duckdb

    path = tmp_path / "c.duckdb"
    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE cohort AS SELECT * FROM read_csv('{EXAMPLE}')")
    con.close()
    results = screen_duckdb(path, table="cohort", units=UNITS)
    assert results.height == 1000
    with pytest.raises(lc.CriteriaInputError, match=r"a table of 'c\.duckdb'"):
        screen_duckdb(path, table="nope", units=UNITS)
    with pytest.raises(lc.CriteriaInputError, match="the name of a table"):
        screen_duckdb(path, units=UNITS)
