"""lc.screen: inputs, column and unit mapping, invalid cells, results, explain_row."""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import pytest

import liverfail_criteria as lc

pl = pytest.importorskip("polars")

from liverfail_criteria.cohort.explain import row_record  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cohort" / "cohort.csv"
EXAMPLE_UNITS = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}

CLF_PATIENT: dict[str, Any] = {
    "id": "A",
    "age": 52.0,
    "body_weight": 70.0,
    "cirrhosis": True,
    "hepatic_decompensation": True,
    "total_bilirubin": 5.0,
    "total_bilirubin_unit": "mg/dL",
    "total_bilirubin_uln": 17.1,
    "total_bilirubin_uln_unit": "umol/L",
    "hepatic_encephalopathy_grade": 1,
    "inr": 1.7,
    "coagulopathy_other_cause": False,
    "standard_treatment_duration": 5.0,
    "improved_on_treatment": False,
}
UNITS = {"age": "a", "body_weight": "kg", "standard_treatment_duration": "d"}


def frame(*rows: dict[str, Any]) -> Any:
    return pl.DataFrame(list(rows), infer_schema_length=None)


# -- results ---------------------------------------------------------------------------


def test_result_columns_types_and_order() -> None:
    results = lc.screen(frame(CLF_PATIENT, {**CLF_PATIENT, "id": "B"}), units=UNITS)
    rulesets = [r.id for r in lc.ELIGIBILITY.rulesets()]
    criteria = [c.id for c in lc.ELIGIBILITY.criteria()]
    expected = ["id", "status", "groups", "missing", "errors", *rulesets, *criteria, "record"]
    assert results.columns == expected
    assert results["id"].to_list() == ["A", "B"]
    assert results.schema["status"] == pl.Enum(["eligible", "ineligible", "undetermined"])
    assert results.schema["groups"] == pl.List(pl.String)
    assert all(results.schema[c] == pl.Boolean for c in [*rulesets, *criteria])
    row = results.row(0, named=True)
    assert row["status"] == "undetermined"  # no exclusion facts
    assert row["groups"] == ["CLF"]
    assert row["clf.bilirubin"] is True and row["exclusion.dic"] is None
    assert row["missing"] == list(lc.evaluate(row_record(row)).missing)


def test_rows_keep_their_order_and_a_table_without_ids_is_numbered() -> None:
    rows = [{**CLF_PATIENT, "body_weight": float(w)} for w in (30, 80, 40, 41)]
    results = lc.screen(frame(*rows).drop("id"), units=UNITS)
    assert results.columns[0] == "row"
    assert results["row"].to_list() == [0, 1, 2, 3]
    assert results["clf.body_weight"].to_list() == [False, True, False, True]


def test_every_input_form_gives_the_same_result(tmp_path: Path) -> None:
    df = frame(CLF_PATIENT, {**CLF_PATIENT, "id": "B", "total_bilirubin": None})
    expected = lc.screen(df, units=UNITS).drop("record")
    df.write_parquet(tmp_path / "c.parquet")
    df.write_csv(tmp_path / "c.csv")
    forms: list[Any] = [df.lazy(), tmp_path / "c.parquet", str(tmp_path / "c.csv")]
    if importlib.util.find_spec("pandas") is not None:
        forms.append(df.to_pandas())
    for data in forms:
        got = lc.screen(data, units=UNITS).drop("record")
        assert got.equals(expected), type(data)


def test_columns_are_mapped_by_name() -> None:
    df = frame(CLF_PATIENT).rename({"total_bilirubin": "TBIL", "total_bilirubin_unit": "TU"})
    results = lc.screen(
        df,
        units=UNITS,
        columns={"total_bilirubin": "TBIL"},
        unit_columns={"total_bilirubin": "TU"},
    )
    assert results["clf.bilirubin"][0] is True


# -- units -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "value"),
    [
        ("umol/L", 85.0),
        ("mg/dL", 85 / 17.104),
        ("mmol/L", 0.085),
        ("µmol/L", 85.0),
        ("mg/L", 49.6959),
    ],
)
def test_a_boundary_in_any_unit_as_the_reference_reads_it(unit: str, value: float) -> None:
    # Each row in its own unit, all in one column: the factor is applied row by row.
    rows = [
        {"total_bilirubin": value, "total_bilirubin_unit": unit, "progressive_jaundice": True},
        {"total_bilirubin": 85.0, "total_bilirubin_unit": "umol/L", "progressive_jaundice": True},
    ]
    results = lc.screen(frame(*rows), lc.ACLF)
    reference = lc.evaluate({"total_bilirubin": {"value": value, "unit": unit}}, lc.ACLF)
    node = "aclf.jaundice.0.1"  # total_bilirubin >= 85 umol/L
    expected = reference.tree.find(node).outcome.as_bool()
    assert expected is (unit != "mg/L")  # 49.6959 mg/L is 84.9999... µmol/L
    assert results["aclf.jaundice"].to_list() == [expected, True]


def test_a_dimensional_column_without_a_unit_is_an_error_naming_it() -> None:
    df = frame({"total_bilirubin": 85.0})
    with pytest.raises(lc.CriteriaInputError, match=r"total_bilirubin.*units=") as info:
        lc.screen(df)
    assert info.value.field == "total_bilirubin"
    text = frame({"total_bilirubin": "85"})  # text: the unit could be in the cell, it is not
    with pytest.raises(lc.CriteriaInputError, match="a unit for its numbers"):
        lc.screen(text)
    # a plain number is fine for a dimensionless fact
    assert lc.screen(frame({"inr": 1.6, "prothrombin_activity": "50 %"}), lc.ACLF)[
        "aclf.coagulopathy"
    ][0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"units": {"total_bilirubin": "kPa"}}, "a unit of substance concentration"),
        ({"units": {"total_bilirubin": "furlongs"}}, "a unit such as"),
        ({"units": {"total_bilirubn": "mg/dL"}}, "did you mean 'total_bilirubin'"),
        ({"columns": {"total_bilirubin": "TBIL"}}, "a column of the table"),
        ({"unit_columns": {"albumin": "alb_unit"}}, "a column of the table"),
        ({"units": {"sex": "kg"}}, "no unit"),
        ({"assume_absent": ["hiv"]}, "names of true/false facts"),
        ({"assume_absent": ["age"]}, "names of true/false facts"),
        ({"params": {"total_bilirubin_uln": "17"}}, "total_bilirubin_uln"),
        ({"errors": "ignore"}, "'report' or 'raise'"),
    ],
)
def test_bad_configuration_is_refused_before_screening(kwargs: dict[str, Any], match: str) -> None:
    df = frame({"total_bilirubin": "85 umol/L", "sex": "male"})
    with pytest.raises(lc.CriteriaInputError, match=match):
        lc.screen(df, **kwargs)


def test_a_fixed_unit_beside_a_unit_column_is_ambiguous() -> None:
    df = frame({"total_bilirubin": 85.0, "total_bilirubin_unit": "umol/L"})
    with pytest.raises(lc.CriteriaInputError, match="one source of units"):
        lc.screen(df, units={"total_bilirubin": "mg/dL"})


# -- missing and invalid cells ---------------------------------------------------------


def test_nan_is_missing_never_a_number() -> None:
    df = frame({"platelets": math.nan, "platelets_unit": "10*9/L"}, {"platelets": 10.0})
    df = df.with_columns(pl.col("platelets_unit").fill_null("10*9/L"))
    results = lc.screen(df, lc.EXCLUSIONS)
    assert results["errors"].to_list() == [[], []]
    node = "exclusion.thrombocytopenia.0.0"
    assert results["exclusion.thrombocytopenia"][0] is None
    assert "platelets" in results["missing"][0].to_list()
    ref = lc.evaluate({"platelets": "10 10*9/L"}, lc.EXCLUSIONS)
    assert ref.tree.find(node).outcome is lc.Outcome.MET


def test_invalid_cells_are_reported_and_their_rows_kept() -> None:
    rows = [
        {"id": "neg", "total_bilirubin": -5.0, "total_bilirubin_unit": "umol/L"},
        {"id": "unit", "total_bilirubin": 5.0, "total_bilirubin_unit": "mgdl"},
        {"id": "dim", "total_bilirubin": 5.0, "total_bilirubin_unit": "kPa"},
        {"id": "heavy", "body_weight": 700.0},
        {"id": "inf", "total_bilirubin": math.inf, "total_bilirubin_unit": "umol/L"},
        {"id": "ok", "total_bilirubin": 120.0, "total_bilirubin_unit": "umol/L"},
    ]
    results = lc.screen(frame(*rows), units={"body_weight": "kg"})
    assert results.height == len(rows)
    errors = {r["id"]: r["errors"] for r in results.iter_rows(named=True)}
    assert errors["neg"] == [
        {
            "field": "total_bilirubin",
            "value": "-5.0 umol/L",
            "expected": "a value from 0 to 1500 µmol/L (it is -5.0 µmol/L after conversion)",
        }
    ]
    assert "a unit such as" in errors["unit"][0]["expected"]
    assert "substance concentration" in errors["dim"][0]["expected"]
    assert errors["heavy"][0]["field"] == "body_weight"
    assert errors["inf"][0]["expected"] == lc.units.NOT_A_MAGNITUDE
    assert errors["ok"] == []
    # the invalid cell is left out: its criteria are unknown, not false
    by_id = {r["id"]: r for r in results.iter_rows(named=True)}
    assert by_id["neg"]["clf.bilirubin"] is None
    assert by_id["neg"]["record"]["total_bilirubin"] is None
    assert by_id["heavy"]["clf.body_weight"] is None


def test_errors_raise_stops_at_the_first_with_the_row() -> None:
    rows = [{"id": "ok", "body_weight": 70.0}, {"id": "bad", "body_weight": -1.0}]
    with pytest.raises(lc.CriteriaInputError, match=r"body_weight.*row id = 'bad'"):
        lc.screen(frame(*rows), units={"body_weight": "kg"}, errors="raise")


def test_contradictions_leave_out_every_cell_they_involve() -> None:
    row = {
        "id": "x",
        "sex": "male",
        "pregnant": True,
        "age": 40.0,
        "birth_date": dt.date(1990, 1, 1),
        "assessment_date": dt.date(2025, 6, 1),
        "last_drug_abuse_date": dt.date(2025, 7, 1),
    }
    results = lc.screen(frame(row), units={"age": "a"})
    fields = sorted(e["field"] for e in results["errors"][0])
    assert fields == ["age", "birth_date", "last_drug_abuse_date", "pregnant", "sex"]
    record = results["record"][0]
    assert record["sex"] is None and record["pregnant"] is None and record["age"] is None


def test_assume_absent_fills_empty_cells_never_invalid_ones() -> None:
    df = frame({"hiv_positive": None}, {"hiv_positive": "maybe"}).with_columns(
        pl.col("hiv_positive").cast(pl.String)
    )
    results = lc.screen(df, lc.EXCLUSIONS, assume_absent=["hiv_positive"])
    node = "exclusion.hiv_sars_cov_2"
    assert results["errors"][1][0]["field"] == "hiv_positive"
    ref_empty = lc.evaluate({}, lc.EXCLUSIONS, assume_absent=["hiv_positive"])
    assert results[node][0] == ref_empty.tree.find(node).outcome.as_bool()
    assert results[node][1] is None


def test_datetimes_at_midnight_are_dates_others_are_invalid() -> None:
    df = pl.DataFrame(
        {
            "assessment_date": [dt.datetime(2025, 6, 1), dt.datetime(2025, 6, 1, 9, 30)],
            "last_drug_abuse_date": [dt.date(2024, 6, 1), dt.date(2024, 6, 1)],
        }
    )
    results = lc.screen(df, lc.EXCLUSIONS)
    assert results["exclusion.drug_abuse"].to_list() == [True, None]
    assert results["errors"][1][0]["expected"] == "a date without a time of day"


# -- explain_row -----------------------------------------------------------------------


def test_explain_row_is_the_reference_result() -> None:
    results = lc.screen(frame(CLF_PATIENT), units=UNITS, params={"clf_require_coagulopathy": True})
    explained = lc.explain_row(results, 0)
    assert explained.record_id == "A"
    assert explained.tree.find("clf.coagulopathy").gating is True
    assert "total_bilirubin = 5.0 mg/dL" in explained.explain()


def test_explain_row_of_a_derived_table_checks_its_settings() -> None:
    optional = {"clf_require_coagulopathy": False}  # not the default
    mild = {**CLF_PATIENT, "inr": 1.1}  # no coagulopathy: the setting decides
    results = lc.screen(frame(mild), units=UNITS, params=optional)
    copy = results.filter(pl.col("id") == "A")  # a new table: settings are not known
    with pytest.raises(lc.CriteriaInputError, match="screened with"):
        lc.explain_row(copy, 0)
    again = lc.explain_row(copy, 0, params=optional)
    assert again.status.value == copy["status"][0]
    assert again.tree.find("clf.coagulopathy").gating is False
    with pytest.raises(lc.CriteriaInputError, match="a row number"):
        lc.explain_row(results, 5)
    with pytest.raises(lc.CriteriaInputError, match="keep_record"):
        lc.explain_row(results.drop("record"), 0)


# -- the bundled example ---------------------------------------------------------------


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("cohort_gen", EXAMPLE.with_name("generate.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_example_cohort_agrees_with_the_reference_row_by_row() -> None:
    gen = _generator()
    results = lc.screen(EXAMPLE, units=EXAMPLE_UNITS)
    table = gen.read_cohort(EXAMPLE)
    nodes = [*lc.ELIGIBILITY.rulesets(), *lc.ELIGIBILITY.criteria()]
    for i, row in enumerate(table.iter_rows(named=True)):
        got = results.row(i, named=True)
        invalid = {e["field"] for e in got["errors"]}
        record = {k: v for k, v in gen.to_record(row).items() if k not in invalid}
        ref = lc.evaluate(record)
        assert got["status"] == ref.status.value, row["id"]
        assert tuple(got["missing"]) == ref.missing
        for node in nodes:
            assert got[node.id] == ref.tree.find(node.id).outcome.as_bool(), (row["id"], node.id)


# -- the extra -------------------------------------------------------------------------


def test_without_polars_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(lc.MissingDependencyError, match=r"liverfail-criteria\[cohort\]"):
        lc.screen({"not": "a frame"})
    with pytest.raises(ImportError):  # it is an ImportError too
        lc.screen(EXAMPLE)


def test_a_ruleset_id_may_not_take_a_result_column_name() -> None:
    clash = lc.Ruleset("status", "Clash", (lc.variable("dic"),))
    with pytest.raises(lc.DefinitionError, match="name of a result column"):
        lc.screen(frame({"dic": True}), clash)


def test_a_table_with_no_fact_columns_keeps_its_rows() -> None:
    results = lc.screen(pl.DataFrame({"note": ["a", "b", "c"]}), passthrough=["note"])
    assert results["row"].to_list() == [0, 1, 2]
    assert results["note"].to_list() == ["a", "b", "c"]
    assert set(results["status"].to_list()) == {"undetermined"}


def test_an_unknown_engine_is_refused() -> None:
    with pytest.raises(lc.CriteriaInputError, match="'polars' or 'duckdb'"):
        lc.screen(frame(CLF_PATIENT), units=UNITS, engine="spark")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("day", "valid"),
    [("1899-12-31", False), ("1900-01-01", True), ("2100-12-31", True), ("2101-01-01", False)],
)
def test_the_date_range_on_both_sides_of_each_end(day: str, valid: bool) -> None:
    for cell in (day, dt.date.fromisoformat(day)):  # as text (CSV) and as a date
        row = lc.screen(frame({"birth_date": cell})).row(0, named=True)
        assert (row["errors"] == []) is valid
        assert (row["record"]["birth_date"] is not None) is valid


def test_masks_across_a_word_boundary() -> None:
    # 70 facts: bits 0-62 in the first word of a mask, 63-69 in the second.
    flags = [
        lc.Variable(f"flag_{i:02d}", lc.ValueType(lc.Kind.BOOLEAN), f"Flag {i}", "A test flag.")
        for i in range(70)
    ]
    wide = lc.Ruleset("wide", "Seventy flags", tuple(flags), mode="all")
    for absent in ([62], [63], [62, 63, 64], [0, 69], list(range(70))):
        row = {f.name: (None if i in absent else True) for i, f in enumerate(flags)}
        results = lc.screen(pl.DataFrame([row], schema=dict.fromkeys(row, pl.Boolean)), wide)
        expected = lc.evaluate({k: v for k, v in row.items() if v is not None}, wide)
        assert tuple(results["missing"][0]) == expected.missing
        assert expected.missing == tuple(f"flag_{i:02d}" for i in absent)


def test_explain_row_carries_an_id_column_of_any_name() -> None:
    df = frame(CLF_PATIENT).rename({"id": "patient"})
    results = lc.screen(df, units=UNITS, id_column="patient")
    assert results.columns[0] == "patient"
    assert lc.explain_row(results, 0).record_id == "A"
