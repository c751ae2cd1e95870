"""A corpus of hostile inputs, run through every engine: nothing lost, nothing silently wrong.

Files are made at test time under ``tmp_path`` (no checked-in binaries). Each input is
screened by the polars engine, the DuckDB engine, and the SQL of ``lc.to_sql`` run in
DuckDB, and through the command line; each row's outcomes are checked against the
reference evaluator (``explain_row`` refuses a row whose outcomes disagree). The
properties: the same answer everywhere or the same library error; as many rows out as
in, ids in order; every bad cell listed in its row's ``errors``.
"""

from __future__ import annotations

import codecs
import datetime as dt
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import liverfail_criteria as lc

pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

from conftest import examples  # noqa: E402
from liverfail_criteria.cli import main  # noqa: E402
from liverfail_criteria.cohort.duck import scan_spellings  # noqa: E402
from liverfail_criteria.cohort.source import column_kinds, to_lazyframe  # noqa: E402

ENGINES = ("polars", "duckdb", "sql")
HEADER = "id,age,total_bilirubin,hiv_positive,sex\n"
ROWS = "p1,52,5 mg/dL,true,female\np2,40,85 umol/L,false,male\n"
GOOD = (HEADER + ROWS).encode()


def run_sql(data: Any, **options: Any) -> Any:
    """``lc.to_sql`` on the table as the engines read it, executed in DuckDB."""
    frame = to_lazyframe(data, options.get("id_column", "id")).collect()
    kinds = column_kinds(frame.schema)
    con = duckdb.connect()
    con.register("cohort", frame.to_arrow())
    from sqlglot import exp

    from liverfail_criteria.interpreters.plan import prepare

    prepared = prepare(
        None,
        kinds,
        columns=options.get("columns"),
        units=options.get("units"),
        unit_columns=None,
        params=None,
        assume_absent=options.get("assume_absent", ()),
        id_column=options.get("id_column", "id"),
        passthrough=options.get("passthrough", ()),
    )
    spellings = scan_spellings(con, exp.to_table("cohort"), prepared.plan)
    query = lc.to_sql(table="cohort", schema=kinds, unit_spellings=spellings or None, **options)
    return pl.from_arrow(con.sql(query).to_arrow_table())


def screen(engine: str, data: Any, **options: Any) -> Any:
    if engine == "sql":
        return run_sql(data, **options)
    return lc.screen(data, engine=engine, **options)


def outcome(engine: str, data: Any, **options: Any) -> Any:
    """The result table, or the library error's class and text."""
    try:
        return screen(engine, data, **options)
    except lc.CriteriaInputError as exc:
        return (type(exc), str(exc))


COMPARED = ("status", "groups", "missing", "errors")


def assert_everywhere(
    data: Any, rows: int | None, may_refuse: bool = False, **options: Any
) -> list[Any]:
    """Every engine gives the same answer (``rows`` rows) or the same library error."""
    got = {engine: outcome(engine, data, **options) for engine in ENGINES}
    first = got["polars"]
    if isinstance(first, tuple):
        assert rows is None or may_refuse, first
        assert got["duckdb"] == first
        # lc.to_sql compiles without the data: a refusal found by scanning it (a column
        # of plain numbers with no unit) cannot happen there; any other refusal must.
        sql = got["sql"]
        assert (isinstance(sql, tuple) and sql == first) or "a unit for its numbers" in first[1]
        return []
    assert rows is not None and first.height == rows
    ids = first.columns[0]
    for engine, other in got.items():
        assert not isinstance(other, tuple), (engine, other)
        assert other.height == rows, engine
        assert other[ids].cast(pl.String).to_list() == first[ids].cast(pl.String).to_list()
        for column in COMPARED:
            assert other[column].to_list() == first[column].to_list(), (engine, column)
    for i in range(rows):  # the reference evaluator agrees with every row's outcomes
        lc.explain_row(first, i)
    return list(first.iter_rows(named=True))


def cli(path: Path, *args: str) -> int:
    return main(["screen", str(path), "--units", "age=a", *args])


# -- files -----------------------------------------------------------------------------

UNREADABLE = "UnreadableSourceError"

CSV_CASES: dict[str, tuple[bytes, int | str]] = {
    "plain": (GOOD, 2),
    "crlf": (GOOD.replace(b"\n", b"\r\n"), 2),
    "bare-cr": (GOOD.replace(b"\n", b"\r"), 2),
    "no-final-newline": (GOOD.rstrip(b"\n"), 2),
    "trailing-blank-lines": (GOOD + b"\n\n", 2),
    "utf8-bom": (codecs.BOM_UTF8 + GOOD, 2),
    "header-only": (HEADER.encode(), 0),
    "quoted-newline": (HEADER.encode() + b'"p\n1",52,,,\n', 1),
    "quoted-comma": (HEADER.encode() + b'"p,1",52,,,\n', 1),
    "doubled-quote": (HEADER.encode() + b'"p""1",52,,,\n', 1),
    "full-width-digits": (HEADER.encode() + "p1,５２,,,\n".encode(), 1),
    "control-char": (HEADER.encode() + b"p1,52,5 mg/dL\x1c,,female\x1f\n", 1),
    "nul-byte": (HEADER.encode() + b"p1,52,5 mg/dL\x00,,\n", 1),
    "empty": (b"", UNREADABLE),
    "blank": (b"\n\n\n", UNREADABLE),
    "blank-line-between": (HEADER.encode() + b"p1,52,,,\n\np2,40,,,\n", UNREADABLE),
    "ragged-long": (GOOD + b"p3,40,,,,extra\n", UNREADABLE),
    "ragged-short": (GOOD + b"p3,40\n", UNREADABLE),
    "latin-1": ((HEADER + "p1,52,,,f\xe9minin\n").encode("latin-1"), UNREADABLE),
    "utf-16": ((HEADER + ROWS).encode("utf-16"), UNREADABLE),
    "utf-16-be": (codecs.BOM_UTF16_BE + (HEADER + ROWS).encode("utf-16-be"), UNREADABLE),
    "duplicate-column": (b"id,age,age\np1,52,40 a\n", UNREADABLE),
    "spaced-header": (b"id, age\np1,52\n", UNREADABLE),
    "empty-header-name": (b"id,,age\np1,x,52 a\n", UNREADABLE),
    "near-miss-name": (b"id,age,hiv_postive\np1,52,true\n", "CriteriaInputError"),
}


@pytest.mark.parametrize("case", sorted(CSV_CASES))
def test_csv_corpus_every_engine_and_the_cli(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, expected = CSV_CASES[case]
    path = tmp_path / f"{case}.csv"
    path.write_bytes(data)
    rows = expected if isinstance(expected, int) else None
    got = assert_everywhere(str(path), rows, units={"age": "a"})
    if isinstance(expected, str):
        with pytest.raises(lc.CriteriaInputError) as raised:
            lc.screen(str(path), units={"age": "a"})
        assert type(raised.value).__name__ == expected
    status = {"UnreadableSourceError": 3, "CriteriaInputError": 2}.get(str(expected), 0)
    for engine in ("polars", "duckdb"):
        capsys.readouterr()
        assert cli(path, "--engine", engine) == status, engine
        err = capsys.readouterr().err
        assert (len(err.strip().splitlines()) == 1) is (status != 0), err
        assert "Traceback" not in err
    for row in got:  # every invalid cell listed: no cell vanishes without an error
        for field, value in row["record"].items():
            if value is None and field in ("total_bilirubin", "sex", "age"):
                listed = {e["field"] for e in row["errors"]}
                source = {"total_bilirubin", "sex", "age"} & listed
                assert field in source or field not in listed


def test_bare_cr_is_read_as_lines(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(GOOD.replace(b"\n", b"\r"))
    for engine in ("polars", "duckdb"):
        results = lc.screen(str(path), units={"age": "a"}, engine=engine)
        assert results["id"].to_list() == ["p1", "p2"]
        assert results["record"][0]["total_bilirubin"] == {
            "value": 5.0,
            "unit": "mg/dL",
            "comparator": None,
        }


def test_a_control_character_makes_a_cell_invalid_everywhere(tmp_path: Path) -> None:
    path = tmp_path / "ctl.csv"
    path.write_bytes(HEADER.encode() + b"p1,52,5 mg/dL\x1c,,female\x1f\n")
    for engine in ENGINES:
        row = screen(engine, str(path), units={"age": "a"}).row(0, named=True)
        assert {e["field"] for e in row["errors"]} == {"total_bilirubin", "sex"}, engine
    with pytest.raises(lc.CriteriaInputError, match="control character"):
        lc.evaluate({"total_bilirubin": "5 mg/dL\x1c"})
    with pytest.raises(lc.CriteriaInputError, match="sex"):
        lc.evaluate({"sex": "female\x1f"})


def test_unreadable_files_say_so(tmp_path: Path) -> None:
    cases = {
        "latin.csv": ("id,sex\np1,f\xe9minin\n".encode("latin-1"), "is not UTF-8"),
        "u16.csv": ("id,sex\n".encode("utf-16"), "UTF-16"),
        "zero.csv": (b"", "0 bytes"),
        "ragged.csv": (b"id,sex\np1\n", r"line 2 \(1 cells\)"),
        "fake.parquet": (GOOD, "a Parquet file"),
    }
    for name, (data, fragment) in cases.items():
        (tmp_path / name).write_bytes(data)
        for engine in ("polars", "duckdb"):
            with pytest.raises(lc.UnreadableSourceError, match=fragment):
                lc.screen(str(tmp_path / name), engine=engine)


# -- frames: dtypes, NaN, timezones, pandas ----------------------------------------


def frame_cases() -> dict[str, tuple[Any, int | None]]:
    tz = dt.timezone(dt.timedelta(hours=9))
    late = dt.datetime(2025, 6, 1, 23, 30)
    return {
        "nan-and-inf": (
            pl.DataFrame(
                {
                    "id": ["a", "b", "c", "d"],
                    "inr": [math.nan, math.inf, -math.inf, 1.5],
                    "total_bilirubin": [math.nan, 5.0, None, -0.0],
                    "hepatic_encephalopathy_grade": [math.nan, 2.0, 1.5, None],
                },
            ),
            4,
        ),
        "tz-aware": (
            pl.DataFrame({"id": ["a", "b"], "assessment_date": [late, late]}).with_columns(
                pl.col("assessment_date").dt.replace_time_zone("Asia/Tokyo")
            ),
            2,
        ),
        "tz-utc-ns": (
            pl.DataFrame(
                {"id": ["a"], "diagnosis_date": [dt.datetime(1850, 1, 1, tzinfo=tz)]}
            ).with_columns(pl.col("diagnosis_date").cast(pl.Datetime("ns", "UTC"))),
            1,
        ),
        "nanoseconds": (
            pl.DataFrame(
                {"id": ["a"], "diagnosis_date": [dt.datetime(2101, 1, 1, 5)]}
            ).with_columns(pl.col("diagnosis_date").cast(pl.Datetime("ns"))),
            1,
        ),
        "every-dtype": (
            pl.DataFrame(
                {
                    "id": pl.Series(["a", "b"], dtype=pl.Categorical),
                    "age": pl.Series([52, 40], dtype=pl.Int8),
                    "inr": pl.Series([1.5, None], dtype=pl.Float32),
                    "sex": pl.Series(["female", "x"], dtype=pl.Enum(["female", "x"])),
                    "hiv_positive": pl.Series([None, None], dtype=pl.Null),
                    "assessment_date": pl.Series([dt.date(2025, 1, 1), None]),
                    "platelets": pl.Series([80, None], dtype=pl.Decimal(10, 2)),
                }
            ),
            2,
        ),
        "binary": (pl.DataFrame({"brain_edema": pl.Series([b"1"], dtype=pl.Binary)}), None),
        "duration": (
            pl.DataFrame({"standard_treatment_duration": pl.Series([dt.timedelta(days=5)])}),
            None,
        ),
        "time": (pl.DataFrame({"diagnosis_date": pl.Series([dt.time(1, 2)])}), None),
        "list": (pl.DataFrame({"sex": pl.Series([["female"]])}), None),
        "integer-flag": (pl.DataFrame({"cirrhosis": pl.Series([1], dtype=pl.UInt8)}), None),
    }


@pytest.mark.parametrize(
    "case",
    [
        "nan-and-inf",
        "tz-aware",
        "tz-utc-ns",
        "nanoseconds",
        "every-dtype",
        "binary",
        "duration",
        "time",
        "list",
        "integer-flag",
    ],
)
def test_frame_corpus(case: str) -> None:
    data, rows = frame_cases()[case]
    options: dict[str, Any] = {"units": {"age": "a", "total_bilirubin": "mg/dL"}}
    if case in ("every-dtype", "duration"):
        options["units"] = {"age": "a", "standard_treatment_duration": "d", "platelets": "10*9/L"}
    kept = {k: v for k, v in options["units"].items() if k in data.columns}
    got = assert_everywhere(data, rows, units=kept)
    if case == "nan-and-inf":
        by_id = {r["id"]: r for r in got}
        assert by_id["a"]["errors"] == []  # NaN is missing, not an error
        assert by_id["a"]["record"]["inr"] is None
        assert {e["field"] for e in by_id["b"]["errors"]} >= {"inr"}  # inf is refused
        assert {e["field"] for e in by_id["c"]["errors"]} >= {
            "inr",
            "hepatic_encephalopathy_grade",
        }
    if case == "tz-aware":  # the wall-clock time where it was recorded, not UTC's
        assert got[0]["errors"][0]["value"] == "2025-06-01 23:30:00.000000"
        assert got[0]["errors"][0]["expected"] == "a date without a time of day"


def test_tz_aware_parquet_read_where_it_lies(tmp_path: Path) -> None:
    data, _ = frame_cases()["tz-aware"]
    nan, _ = frame_cases()["nan-and-inf"]
    data.write_parquet(tmp_path / "tz.parquet")
    nan.write_parquet(tmp_path / "nan.parquet")
    units = {"total_bilirubin": "mg/dL"}
    for name in ("tz.parquet", "nan.parquet"):
        polars = lc.screen(str(tmp_path / name), units=units if "nan" in name else None)
        duck = lc.screen(
            str(tmp_path / name), units=units if "nan" in name else None, engine="duckdb"
        )
        for column in ("status", "errors", "record"):
            assert duck[column].to_list() == polars[column].to_list(), (name, column)


def test_pandas_index_object_columns_and_duplicates() -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    indexed = pd.DataFrame({"inr": [1.2, 2.5]}, index=pd.Index(["p1", "p2"], name="patient"))
    for engine in ENGINES:
        assert screen(engine, indexed)["id"].to_list() == ["p1", "p2"], engine
    named = screen("polars", indexed, id_column="patient")
    assert named["patient"].to_list() == ["p1", "p2"]
    plain = pd.DataFrame({"inr": [1.2, 2.5]})
    assert lc.screen(plain)["row"].to_list() == [0, 1]
    mixed = pd.DataFrame({"id": ["a", "b", "c"], "inr": [1.5, "high", None]}, dtype=object)
    got = assert_everywhere(mixed, 3)
    assert [e["field"] for e in got[1]["errors"]] == ["inr"]
    duplicated = pd.DataFrame([[1.2, 1.3]], columns=["inr", "inr"])
    for engine in ENGINES:
        with pytest.raises(lc.UnreadableSourceError, match="'inr' twice"):
            screen(engine, duplicated)


# -- names, ids and arguments ------------------------------------------------------


def test_a_misspelt_fact_is_an_error_not_a_missing_value() -> None:
    frame = pl.DataFrame({"id": ["a"], "hiv_postive": [True]})
    for engine in ENGINES:
        with pytest.raises(lc.CriteriaInputError, match="did you mean 'hiv_positive'"):
            screen(engine, frame, assume_absent=["hiv_positive"])
    with pytest.raises(lc.CriteriaInputError, match="did you mean 'hiv_positive'"):
        lc.evaluate({"hiv_postive": True})
    kept = lc.screen(frame.rename({"hiv_postive": "note"}), passthrough=["note"])
    assert kept.columns[:3] == ["id", "note", "status"]
    duck = lc.screen(frame.rename({"hiv_postive": "note"}), passthrough=["note"], engine="duckdb")
    assert duck.columns[:3] == ["id", "note", "status"]
    assert duck["note"].to_list() == [True]


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"id_column": "patient_id"}, "id_column: got 'patient_id'; expected a column"),
        ({"id_column": 5}, "id_column: got 5"),
        ({"params": 5}, "params: got 5; expected a mapping"),
        ({"params": ["x"]}, "params: got"),
        ({"assume_absent": 5}, "assume_absent: got 5"),
        ({"assume_absent": [5]}, "assume_absent: got 5"),
        ({"units": "kg"}, "units: got 'kg'; expected a mapping"),
        ({"units": {"inr": 5}}, r"units\['inr'\]: got 5"),
        ({"passthrough": ["nope"]}, "passthrough: got 'nope'"),
        ({"passthrough": ["status"]}, "passthrough: got 'status'"),
        ({"keep_record": "no"}, "keep_record"),
    ],
)
def test_bad_arguments_are_named_library_errors(options: dict[str, Any], fragment: str) -> None:
    frame = pl.DataFrame({"id": ["a"], "inr": [1.2], "status": ["x"]})
    for engine in ENGINES:
        with pytest.raises(lc.CriteriaInputError, match=fragment):
            screen(engine, frame if "status" in str(options) else frame.drop("status"), **options)


def test_result_functions_refuse_what_is_not_a_result(tmp_path: Path) -> None:
    results = lc.screen(pl.DataFrame({"id": ["a", "b"], "inr": [1.2, 2.0]}))
    with pytest.raises(lc.CriteriaInputError, match="i: got -1; expected a row number from 0"):
        lc.explain_row(results, -1)
    for call in (lc.funnel, lc.missingness):
        with pytest.raises(lc.CriteriaInputError, match="results: got 'NoneType'"):
            call(None)
    with pytest.raises(lc.CriteriaInputError, match="results"):
        lc.explain_row(None, 0)
    summary = lc.funnel(results)
    pytest.importorskip("matplotlib")
    with pytest.raises(lc.UnwritableOutputError, match="existing folder"):
        summary.plot(str(tmp_path / "missing" / "f.png"))
    with pytest.raises(lc.UnwritableOutputError, match="not a folder"):
        summary.plot(str(tmp_path))
    with pytest.raises(lc.CriteriaInputError, match=r"\.png, \.svg, \.pdf"):
        summary.plot(str(tmp_path / "f.gif"))


def test_from_dict_checks_the_schema_and_the_tree(tmp_path: Path) -> None:
    from records import CLF_PATIENT

    data = lc.evaluate(CLF_PATIENT).to_dict()
    assert lc.Result.from_dict(data).to_dict() == data
    bad = {
        "groups": ({**data, "groups": "CLF"}, "groups"),
        "unknown group": ({**data, "groups": ["XYZ"]}, "groups"),
        "group not met": ({**data, "groups": ["ACLF"]}, "groups"),
        "status": ({**data, "status": "ineligible"}, "status"),
        "version bool": ({**data, "schema_version": True}, "schema_version"),
    }
    for name, (doc, field) in bad.items():
        with pytest.raises(lc.CriteriaInputError, match=f"^{field}"):
            lc.Result.from_dict(doc)
        assert name
    deep: dict[str, Any] = {"id": "x", "title": "x", "kind": "all_of", "outcome": "met"}
    for _ in range(5000):
        deep = {"id": "x", "title": "x", "kind": "all_of", "outcome": "met", "children": [deep]}
    with pytest.raises(lc.CriteriaInputError, match="levels deep"):
        lc.Result.from_dict({**data, "tree": deep})
    lie = lc.evaluate(CLF_PATIENT).to_dict()
    node = lie["tree"]
    node["outcome"] = "not_met" if node["outcome"] == "met" else "met"
    with pytest.raises(lc.CriteriaInputError):
        lc.Result.from_dict(lie)


# -- the command line ----------------------------------------------------------------


def test_cli_failures_are_one_line_with_documented_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(GOOD)
    (tmp_path / "a.json").write_text('{"age": "52 a"}')
    (tmp_path / "u16.json").write_bytes('{"age": "52 a"}'.encode("utf-16"))
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "dup.json").write_text('{"age": "52 a", "age": "60 a"}')
    (tmp_path / "latin.csv").write_bytes("id,sex\np,f\xe9\n".encode("latin-1"))
    (tmp_path / "fake.parquet").write_bytes(GOOD)
    (tmp_path / "folder.json").mkdir()
    units = ["--units", "age=a"]
    cases: list[tuple[list[str], int]] = [
        (["evaluate", str(tmp_path / "u16.json")], 3),
        (["evaluate", str(tmp_path / "deep.json")], 3),
        (["evaluate", str(tmp_path / "dup.json")], 3),
        (["evaluate", str(tmp_path / "folder.json")], 3),
        (["screen", str(tmp_path / "latin.csv"), "--engine", "duckdb"], 3),
        (["screen", str(tmp_path / "fake.parquet"), "--engine", "duckdb"], 3),
        (["screen", str(tmp_path / "fake.parquet")], 3),
        (["screen", str(good), *units, "--batch-rows", "0"], 2),
        (["screen", str(good), *units, "--id-column", "nope"], 2),
        (["screen", str(good), *units, "--out", str(tmp_path / "no" / "r.csv")], 4),
        (["screen", str(good), *units, "--out", str(tmp_path)], 4),
        (["screen", str(good), *units, "--figure", str(tmp_path / "f.gif")], 2),
        (["screen", str(good), *units, "--keep", "nope"], 2),
        (["sql", "--units", "kg"], 2),
    ]
    for args, status in cases:
        capsys.readouterr()
        assert main(args) == status, args
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, (args, err)
        assert err.startswith("liverfail-criteria: error: ")


def test_cli_stdout_on_a_full_disk_is_exit_4(tmp_path: Path) -> None:
    import subprocess
    import sys

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    (tmp_path / "a.json").write_text('{"age": "52 a"}')
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "liverfail_criteria", "evaluate", str(tmp_path / "a.json")],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            env={**__import__("os").environ, "PYTHONPATH": str(Path(lc.__file__).parents[1])},
        )
    assert done.returncode == 4
    assert done.stderr.strip().splitlines() == [
        "liverfail-criteria: error: cannot write the output (No space left on device)"
    ]


# -- random hostile tables ---------------------------------------------------------

JUNK = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["5 mg/dL", "85 umol/L", "5 mg/dL\x1c", "５ mg/dL", " 5\u3000mg/dL ", "nan"]),
    st.sampled_from(["true", "false", "TRUE", "yes", "1", "", "2025-01-01", "female"]),
)


@settings(
    max_examples=examples(10),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(
        st.tuples(JUNK, JUNK, JUNK, st.one_of(st.none(), st.floats())),
        min_size=0,
        max_size=6,
    )
)
def test_random_hostile_tables_agree_everywhere(rows: list[tuple[Any, ...]]) -> None:
    frame = pl.DataFrame(
        {
            "id": [f"r{i}" for i in range(len(rows))],
            "total_bilirubin": [r[0] for r in rows],
            "hiv_positive": [r[1] for r in rows],
            "sex": [r[2] for r in rows],
            "inr": [r[3] for r in rows],
        },
        schema={
            "id": pl.String,
            "total_bilirubin": pl.String,
            "hiv_positive": pl.String,
            "sex": pl.String,
            "inr": pl.Float64,
        },
    )
    got = assert_everywhere(frame, len(rows), may_refuse=True)
    if not got:  # refused alike by every engine (checked above)
        return
    assert [r["id"] for r in got] == list(frame["id"])
    for row, given_row in zip(got, rows, strict=True):
        texts = given_row[:3]
        for field, cell in zip(("total_bilirubin", "hiv_positive", "sex"), texts, strict=True):
            text = cell if isinstance(cell, str) else None
            read = row["record"][field]
            listed = field in {e["field"] for e in row["errors"]}
            if text is not None and text.strip(" \t\u3000") not in ("", "nan"):
                assert (read is not None) or listed, (field, cell, row)
