"""``liverfail-criteria screen``: the funnel, saved results, figures, one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import liverfail_criteria as lc

pl = pytest.importorskip("polars")

from liverfail_criteria.cohort.files import flatten, screen_file  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cohort" / "cohort.csv"
UNITS = [
    "--units",
    "body_weight=kg",
    "--units",
    "age=a",
    "--units",
    "standard_treatment_duration=d",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liverfail_criteria", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


def test_screen_prints_the_funnel_and_saves_results(tmp_path: Path) -> None:
    out, figure = tmp_path / "r.parquet", tmp_path / "funnel.png"
    done = run("screen", str(EXAMPLE), *UNITS, "--out", str(out), "--figure", str(figure))
    assert done.returncode == 0, done.stderr
    expected = lc.screen(
        EXAMPLE, units={"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}
    )
    assert str(lc.funnel(expected)) in done.stdout
    saved = pl.read_parquet(out)
    assert saved.drop("record").equals(expected.drop("record"))
    assert figure.read_bytes()[:4] == b"\x89PNG"


def test_csv_output_flattens_lists_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "r.csv"
    done = run("screen", str(EXAMPLE), *UNITS, "--out", str(out), "--missingness")
    assert done.returncode == 0, done.stderr
    assert "fact" in done.stdout and "deciding" in done.stdout
    table = pl.read_csv(out, infer_schema=False)
    assert "record" not in table.columns
    bad = table.filter(pl.col("errors").is_not_null())
    assert bad.height > 0
    assert bad["errors"][0].split(": got ")[0] in lc.VARIABLES


def test_batches_give_the_same_result_as_one_pass() -> None:
    units = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}
    whole = lc.screen(EXAMPLE, units=units)
    batched = screen_file(EXAMPLE, batch_rows=137, progress=False, units=units)
    assert batched.equals(whole)
    no_ids = pl.read_csv(EXAMPLE, infer_schema=False).drop("id")
    path = Path(EXAMPLE).with_name("no_ids.csv")
    try:
        no_ids.write_csv(path)
        batched = screen_file(path, batch_rows=300, progress=False, units=units)
        assert batched["row"].to_list() == list(range(no_ids.height))
        assert batched.drop("row").equals(whole.drop("id"))
    finally:
        path.unlink()
    assert flatten(whole).width == whole.width - 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["screen", "missing.csv"], "an existing CSV or Parquet file"),
        (["screen", str(EXAMPLE)], "a unit for its numbers"),
        (["screen", str(EXAMPLE), *UNITS, "--units", "inr"], "expected FACT=VALUE"),
        (["screen", str(EXAMPLE), *UNITS, "--units", "albumin=kPa"], "albumin"),
        (["screen", str(EXAMPLE), *UNITS, "--strict"], "row id = "),
        (["screen", str(EXAMPLE), *UNITS, "--out", "x.txt"], "a file path ending in .parquet"),
        (["screen", str(ROOT / "README.md")], "a file ending in .csv"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    done = run(*args)
    assert done.returncode == 2
    assert done.stderr.startswith("liverfail-criteria: error: ")
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert message in done.stderr


def test_the_duckdb_engine_gives_the_same_funnel(tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    pytest.importorskip("sqlglot")
    polars_run = run("screen", str(EXAMPLE), *UNITS)
    duckdb_run = run("screen", str(EXAMPLE), *UNITS, "--engine", "duckdb")
    assert duckdb_run.returncode == 0, duckdb_run.stderr
    assert duckdb_run.stdout == polars_run.stdout


def test_sql_prints_one_query_for_the_dialect() -> None:
    pytest.importorskip("sqlglot")
    done = run("sql", "--dialect", "spark", "--table", "cohort", *UNITS, "--no-record")
    assert done.returncode == 0, done.stderr
    query = done.stdout
    assert query.lstrip().startswith("WITH")
    assert "`exclusion.dic`" in query and "FROM cohort" in query
    units = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}
    same = lc.to_sql(table="cohort", dialect="spark", units=units, keep_record=False)
    assert query.rstrip("\n") == same  # the library's query, printed as it is
    bad = run("sql", "--units", "albumin=kPa")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert "albumin" in bad.stderr
