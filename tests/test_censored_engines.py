"""Censored values ("<20 10*9/L") in the table engines: read as the reference reads them.

A quantity written with a comparator is an interval: a comparison with a threshold is
true when every value of the interval passes, false when none does, and unknown (the
fact missing) when it depends on the value. Each engine's outcomes, missing facts and
record are checked against ``lc.evaluate`` at and next to every threshold the trial
compares a quantity with, for each comparator, in two units.
"""

from __future__ import annotations

from typing import Any

import pytest

import liverfail_criteria as lc
from conftest import Engine, records_table

SPELLINGS = ("<", "<=", ">", ">=", "≤", "≥")

#: fact -> (thresholds in the canonical unit, (unit, canonical value of 1 unit), ...)
THRESHOLDS: dict[str, tuple[tuple[float, ...], tuple[tuple[str, float], ...]]] = {
    # 85 µmol/L (ACLF), the ULN and 10 × the ULN (20 µmol/L: parameter or per-row)
    "total_bilirubin": ((85.0, 20.0, 200.0), (("umol/L", 1.0), ("mg/dL", 17.104))),
    "inr": ((1.5,), (("1", 1.0), ("{INR}", 1.0))),
    "prothrombin_activity": ((40.0,), (("%", 1.0), ("percent", 1.0))),
    # 20 ×10⁹/L (exclusion) and the CLF parameter (100 ×10⁹/L by default)
    "platelets": ((20.0, 100.0), (("10*9/L", 1.0), ("/uL", 1e-3))),
    "pao2_fio2_ratio": ((200.0,), (("mmHg", 1.0), ("kPa", 7.50061683))),
    "body_weight": ((40.0,), (("kg", 1.0), ("g", 1e-3))),
    "age": ((18.0, 65.0, 66.0), (("years", 1.0), ("mo", 1 / 12))),
}


def _number(canonical: float, per_unit: float) -> str:
    return repr(canonical / per_unit) if per_unit != 1.0 else repr(canonical)


def censored_records() -> list[dict[str, object]]:
    """One record per fact, threshold, nearby value, unit and comparator spelling."""
    records: list[dict[str, object]] = []
    for name, (thresholds, units) in THRESHOLDS.items():
        for t in thresholds:
            step = 0.01 if t < 10 else 1.0
            for value in (t - step, t, t + step):
                for unit, per_unit in units:
                    for c in SPELLINGS:
                        for space in ("", " "):
                            text = f"{c}{space}{_number(value, per_unit)} {unit}"
                            records.append({name: text})
    return records


def with_context(records: list[dict[str, object]]) -> list[dict[str, object]]:
    """The records again, with the facts that make the censored comparisons count."""
    context: dict[str, object] = {
        "cirrhosis": True,
        "hepatic_decompensation": True,
        "progressive_jaundice": True,
        "total_bilirubin_uln": "20 umol/L",  # the ULN per row: a generic comparison
        "prothrombin_activity": "50 %",
        "inr": "1.2",
        "fio2": "0.5",
    }
    return [{**context, **r} for r in records]


RECORDS = censored_records()


def test_a_censored_age_beside_a_birth_date_is_not_checked_against_it(engine: Engine) -> None:
    # the age is an interval, not a number of years: the birth date gives the age
    records = [
        {"age": f"{c}{n} years", "birth_date": born, "assessment_date": "2026-01-01"}
        for c in ("<", ">=")
        for n in (17, 18, 60)
        for born in ("1950-01-01", "1990-01-01", "2010-01-01")
    ]
    got = engine.all_outcomes(lc.ELIGIBILITY, records)
    assert got == Engine("reference").all_outcomes(lc.ELIGIBILITY, records)
    assert {r["clf.age"] for r in got} == {lc.Outcome.MET, lc.Outcome.NOT_MET}


@pytest.mark.parametrize("params", [None, {"total_bilirubin_uln": "20 umol/L"}])
def test_censored_values_give_the_reference_outcomes(engine: Engine, params: Any) -> None:
    ruleset = lc.ELIGIBILITY
    records = RECORDS + with_context(RECORDS[::3])
    got = engine.all_outcomes(ruleset, records, params)
    expected = Engine("reference").all_outcomes(ruleset, records, params)
    differ = [(r, g, e) for r, g, e in zip(records, got, expected, strict=True) if g != e]
    assert not differ, differ[:2]
    # the records do decide censored comparisons: not every outcome is unknown
    decided = {o for row in expected for o in row.values()}
    assert {lc.Outcome.MET, lc.Outcome.NOT_MET} <= decided


@pytest.mark.parametrize("name", ["polars", "duckdb"])
def test_censored_values_missing_facts_and_record_as_the_reference(name: str) -> None:
    pytest.importorskip("polars")
    if name == "duckdb":
        pytest.importorskip("duckdb")
        pytest.importorskip("sqlglot")
    records = with_context(RECORDS[::5])
    results = lc.screen(records_table(records), id_column=None, engine=name)
    for i, (record, row) in enumerate(zip(records, results.iter_rows(named=True), strict=True)):
        result = lc.evaluate(record)
        assert row["status"] == result.status.value, record
        assert sorted(row["missing"]) == sorted(result.missing), record
        assert row["errors"] == [], record
        if i % 7 == 0:  # the row's record rebuilds the censored cell
            assert lc.explain_row(results, i).status is result.status


def test_polars_and_duckdb_records_are_identical() -> None:
    pytest.importorskip("duckdb")
    pytest.importorskip("sqlglot")
    table = records_table(with_context(RECORDS[::5]))
    polars = lc.screen(table)
    duck = lc.screen(table, engine="duckdb")
    assert polars.equals(duck)
    censored = [r for r in polars["record"].to_list() if r["platelets"] is not None]
    assert {r["platelets"]["comparator"] for r in censored} == {"<", "<=", ">", ">="}


def test_a_lone_comparator_is_invalid_in_every_engine() -> None:
    pytest.importorskip("duckdb")
    pytest.importorskip("sqlglot")
    table = records_table([{"platelets": "<"}, {"platelets": "< 10*9/L"}])
    with pytest.raises(lc.CriteriaInputError):
        lc.evaluate({"platelets": "<"})
    for name in ("polars", "duckdb"):
        results = lc.screen(table, id_column=None, engine=name)
        assert [[e["field"] for e in r] for r in results["errors"]] == [["platelets"]] * 2


def test_a_censored_plain_number_takes_its_unit_from_units() -> None:
    pytest.importorskip("duckdb")
    pytest.importorskip("sqlglot")
    import polars as pl

    cells = ["<5", "≥ 30", "<=20", "<20 10*9/L", "<"]
    table = pl.DataFrame({"platelets": cells, "thrombocytopenia_uncorrectable": [True] * 5})
    polars = lc.screen(table, id_column=None, units={"platelets": "10*9/L"})
    duck = lc.screen(table, id_column=None, units={"platelets": "10*9/L"}, engine="duckdb")
    assert polars.equals(duck)
    for i, cell in enumerate(cells[:3]):
        record = {"platelets": f"{cell} 10*9/L", "thrombocytopenia_uncorrectable": True}
        assert polars["status"][i] == lc.evaluate(record).status.value
        assert lc.explain_row(polars, i).status.value == polars["status"][i]
    # a unit in the cell beside units=, and a comparator alone: invalid, listed
    assert [[e["field"] for e in r] for r in polars["errors"]][3:] == [["platelets"]] * 2


@pytest.mark.parametrize("separator", ["\x1c", "\x1f"])
def test_an_information_separator_after_a_comparator_is_invalid_in_every_engine(
    separator: str,
) -> None:
    # Python's re counts U+001C..U+001F as whitespace (\s); the library does not: the
    # reference reads the comparator with the engines' whitespace, and lists the cell.
    pytest.importorskip("duckdb")
    pytest.importorskip("sqlglot")
    from liverfail_criteria.records.value import parse_text_value

    cell = f"<{separator}5 10*9/L"
    assert parse_text_value(f"<{separator}5") is None
    with pytest.raises(lc.CriteriaInputError, match="platelets"):
        lc.evaluate({"platelets": cell})
    for name in ("polars", "duckdb"):
        results = lc.screen(records_table([{"platelets": cell}]), id_column=None, engine=name)
        assert [e["field"] for e in results["errors"][0]] == ["platelets"]
    # the whitespace the library does count, between comparator and number, is read
    spaced = lc.evaluate({"platelets": "<\u20035 10*9/L", "thrombocytopenia_uncorrectable": True})
    assert spaced.tree.find("exclusion.thrombocytopenia").outcome is lc.Outcome.MET
