"""Plausible ranges, likely unit mistakes and laboratory spellings, in every engine.

Every quantity's range is tested on both sides of both edges through ``lc.evaluate``,
the polars engine (``lc.screen``) and the SQL engine (DuckDB); a value outside its range
is refused with the likely unit mistake where one fits ("15 /uL" platelets: 15 ×10³/µL
was probably meant); parameters get the same checks as record values; and the
spellings laboratories print are read as they mean, or refused with a helpful message.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

import liverfail_criteria as lc
from liverfail_criteria.units import specs

pl = pytest.importorskip("polars")

RANGED = [name for name, v in lc.VARIABLES.items() if v.plausible is not None]
NUMBER = r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![\w.])"
STEP = 0.001  # beyond the edge, well inside the library's 12 significant digits


def write(name: str, x: float) -> str:
    """``x`` in the fact's canonical unit, as a record or a text cell writes it."""
    spec = lc.VARIABLES[name].type.unit
    assert spec is not None
    return f"{x!r} {spec.canonical}" if spec.canonical != "1" else repr(x)


def edge_cases() -> list[tuple[str, str, bool]]:
    """(fact, value, accepted): each edge, and one step outside it."""
    cases = []
    for name in RANGED:
        lo, hi = lc.VARIABLES[name].plausible or (0, 0)
        cases += [
            (name, write(name, lo), True),
            (name, write(name, hi), True),
            (name, write(name, round(lo - STEP, 6)), False),
            (name, write(name, round(hi + STEP, 6)), False),
        ]
    return cases


EDGES = edge_cases()


def refusal(record: dict[str, Any], params: Any = None) -> lc.CriteriaInputError | None:
    try:
        lc.evaluate(record, params=params)
    except lc.CriteriaInputError as exc:
        return exc
    return None


def same_text(message: str) -> str:
    """A message with every number to 6 significant digits (15.0 → 15).

    Each engine writes numbers its own way (the reference 15, polars 15.0); and the
    engines say "after conversion" always, the reference only when the value was
    written otherwise.
    """
    numbers = re.sub(NUMBER, lambda m: f"{float(m.group(0)):.6g}", message)
    return numbers.replace(" after conversion)", ")")


def screen_both(frame: Any, **options: Any) -> Any:
    """Screen with polars and with DuckDB; they must give the same frame."""
    got = lc.screen(frame, **options)
    duckdb = pytest.importorskip("duckdb")
    del duckdb
    from liverfail_criteria.sql import screen_duckdb

    other = screen_duckdb(frame, **options)
    assert other.equals(got)
    return got


def read_as(result: lc.Result, name: str) -> set[object]:
    """The values of fact ``name`` that the result's comparisons read."""
    return {
        f.value
        for node in result.tree.walk()
        for shown in (node.observed, node.threshold)
        if shown is not None
        for f in shown.facts
        if f.name == name
    }


def errors_by_row(results: Any) -> list[dict[str, str]]:
    return [{e["field"]: e["expected"] for e in row} for row in results["errors"].to_list()]


@pytest.mark.parametrize(("name", "raw", "accepted"), EDGES, ids=[f"{n}={r}" for n, r, _ in EDGES])
def test_each_range_edge_in_evaluate(name: str, raw: str, accepted: bool) -> None:
    exc = refusal({name: raw})
    if accepted:
        assert exc is None, exc
    else:
        assert exc is not None
        assert exc.field == name
        lo, hi = lc.VARIABLES[name].plausible or (0, 0)
        assert f"a value from {lo:g} to {hi:g}" in exc.expected


def test_each_range_edge_in_both_screen_engines() -> None:
    """One row per edge case, every fact a text column: invalid exactly where refused."""
    rows: list[dict[str, str | None]] = []
    for name, raw, _ in EDGES:
        rows.append({n: (raw if n == name else None) for n in RANGED})
    frame = pl.DataFrame(rows, schema=dict.fromkeys(RANGED, pl.String))
    got = errors_by_row(screen_both(frame))
    for (name, raw, accepted), errors in zip(EDGES, got, strict=True):
        assert (name not in errors) is accepted, (name, raw, errors)
        if not accepted:
            exc = refusal({name: raw})
            assert exc is not None
            assert same_text(errors[name]) == same_text(exc.expected)


# -- likely unit mistakes ------------------------------------------------------------

MISTAKES = [
    ("platelets", "15 /uL", "15 ×10³/µL was probably meant"),
    ("platelets", "15 /mm3", "15 ×10³/µL was probably meant"),
    ("platelets", "150000 10*9/L", "150000 /µL was probably meant"),
    ("platelets", "150000 G/L", "150000 /µL was probably meant"),
    ("platelets", "150000 K/uL", "150000 /µL was probably meant"),
    ("total_bilirubin", "100 mg/dL", "100 µmol/L was probably meant"),
    ("total_bilirubin_uln", "1.2 umol/L", "1.2 mg/dL was probably meant"),
    ("total_bilirubin_uln", "17.1 mg/dL", "17.1 µmol/L was probably meant"),
    ("albumin", "3.2 g/L", "3.2 g/dL was probably meant"),
    ("albumin", "32 g/dL", "32 g/L was probably meant"),
    ("pao2", "10 mmHg", "10 kPa was probably meant"),
    ("pao2_fio2_ratio", "12 mm Hg", "12 kPa was probably meant"),
    ("prothrombin_activity", "0.35 %", "0.35 looks like a fraction of normal"),
    ("fio2", "40", "40 % was probably meant"),
    ("body_weight", "70 g", "70 kg was probably meant"),
    ("body_weight", "70000 kg", "70000 g was probably meant"),
    ("body_weight", "450 kg", "450 lb was probably meant"),
]
NO_SUGGESTION = [
    ("platelets", "-5 10*9/L"),
    ("total_bilirubin", "-17.1 umol/L"),
    ("total_bilirubin", "1e9 umol/L"),
    ("prothrombin_activity", "500 %"),
    ("pao2", "1e6 mmHg"),
]


@pytest.mark.parametrize(("name", "raw", "suggestion"), MISTAKES)
def test_a_likely_unit_mistake_is_suggested(name: str, raw: str, suggestion: str) -> None:
    exc = refusal({name: raw})
    assert exc is not None
    assert exc.field == name
    assert exc.expected.endswith("; " + suggestion) or ("; " + suggestion) in exc.expected
    frame = pl.DataFrame({name: [raw]}, schema={name: pl.String})
    (errors,) = errors_by_row(screen_both(frame))
    assert same_text(errors[name]) == same_text(exc.expected)


@pytest.mark.parametrize(("name", "raw"), NO_SUGGESTION)
def test_no_suggestion_where_no_unit_makes_the_value_plausible(name: str, raw: str) -> None:
    exc = refusal({name: raw})
    assert exc is not None
    assert "probably meant" not in exc.expected
    frame = pl.DataFrame({name: [raw]}, schema={name: pl.String})
    (errors,) = errors_by_row(screen_both(frame))
    assert same_text(errors[name]) == same_text(exc.expected)


def test_suggestions_from_a_numeric_column_with_a_unit_column() -> None:
    frame = pl.DataFrame(
        {"platelets": [15.0, 150.0, 150000.0], "platelets_unit": ["/uL", "/uL", "10*9/L"]}
    )
    errors = errors_by_row(screen_both(frame))
    assert "15.0 ×10³/µL was probably meant" in errors[0]["platelets"]
    assert "150.0 ×10³/µL was probably meant" in errors[1]["platelets"]
    assert "150000.0 /µL was probably meant" in errors[2]["platelets"]


# -- parameters get the same checks ------------------------------------------------------

BAD_PARAMS = [
    ({"total_bilirubin_uln": "0.6 umol/L"}, "0.6 mg/dL was probably meant"),
    ({"total_bilirubin_uln": "-17.1 umol/L"}, "a value from 10 to 40"),
    ({"total_bilirubin_uln": "9.999 umol/L"}, "a value from 10 to 40"),
    ({"total_bilirubin_uln": "40.001 umol/L"}, "a value from 10 to 40"),
    ({"clf_platelet_threshold": "-5 10*9/L"}, "a value from 1 to 3000"),
    ({"clf_platelet_threshold": "100 /uL"}, "100 ×10³/µL was probably meant"),
    ({"aclf_onset_days_before_diagnosis": "-1 d"}, "a value from 0 to 28"),
    ({"aclf_onset_days_before_diagnosis": "29 d"}, "a value from 0 to 28"),
]


@pytest.mark.parametrize(("params", "fragment"), BAD_PARAMS, ids=repr)
def test_parameters_are_checked_as_record_values(params: dict[str, str], fragment: str) -> None:
    (name,) = params
    exc = refusal({}, params)
    assert exc is not None
    assert exc.field == name
    assert fragment in exc.expected
    frame = pl.DataFrame({"platelets": ["150 G/L"]})
    with pytest.raises(lc.CriteriaInputError, match=re.escape(fragment)):
        lc.screen(frame, params=params)
    from liverfail_criteria.sql import screen_duckdb

    pytest.importorskip("duckdb")
    with pytest.raises(lc.CriteriaInputError, match=re.escape(fragment)):
        screen_duckdb(frame, params=params)
    with pytest.raises(lc.CriteriaInputError, match=re.escape(fragment)):
        lc.to_sql(table="patients", params=params)


@pytest.mark.parametrize(
    "params",
    [
        {"total_bilirubin_uln": "10 umol/L"},
        {"total_bilirubin_uln": "40 umol/L"},
        {"total_bilirubin_uln": "1.2 mg/dL"},
        {"clf_platelet_threshold": "1 10*9/L"},
        {"clf_platelet_threshold": "150 G/L"},
        {"aclf_onset_days_before_diagnosis": "0 d"},
        {"aclf_onset_days_before_diagnosis": "4 wk"},
    ],
    ids=repr,
)
def test_parameters_at_their_range_edges_are_accepted(params: dict[str, str]) -> None:
    assert refusal({}, params) is None


def test_every_quantity_parameter_has_a_range_with_a_reason() -> None:
    for p in lc.PARAMETERS.values():
        if p.type.unit is not None:
            assert p.plausible is not None, p.name
            assert p.plausible_reason, p.name


def test_every_range_has_its_reason() -> None:
    for name in RANGED:
        assert lc.VARIABLES[name].plausible_reason, name


# -- laboratory spellings in the engines, and case ---------------------------------------

SPELLINGS = [
    ("platelets", "150 G/L", 150.0),
    ("platelets", "150 x10^9/L", 150.0),
    ("platelets", "150 10^9/L", 150.0),
    ("platelets", "150 K/uL", 150.0),
    ("platelets", "150 x10^3/uL", 150.0),
    ("pao2_fio2_ratio", "200 mm Hg", 200.0),
    ("total_bilirubin", "85 μmol/L", 85.0),  # Greek mu
    ("total_bilirubin", "85 µmol/L", 85.0),  # micro sign
    ("total_bilirubin", "85 umol/l", 85.0),
    ("total_bilirubin", "5 mg/dl", 85.52),
    ("albumin", "3.5 g/dl", 35.0),
    ("age", "630 mo", 52.5),
]
REFUSED = [
    ("platelets", "150 g/L", "units are case-sensitive: write 'G/L'"),
    ("albumin", "35 G/L", "units are case-sensitive: write 'g/L'"),
    ("platelets", "150 k/uL", "a unit such as"),
    ("pao2", "80 mm hg", "a unit such as"),
    ("age", "6574 d", "give birth_date"),
    ("age", "939 wk", "give birth_date"),
]


@pytest.mark.parametrize(("name", "raw", "canonical"), SPELLINGS)
def test_laboratory_spellings_mean_what_they_say(name: str, raw: str, canonical: float) -> None:
    assert read_as(lc.evaluate({name: raw}), name) == {canonical}
    frame = pl.DataFrame({name: [raw]}, schema={name: pl.String})
    got = screen_both(frame)
    assert got["errors"].to_list() == [[]]
    from liverfail_criteria.cohort import explain_row

    assert read_as(explain_row(got, 0), name) == {canonical}


@pytest.mark.parametrize(("name", "raw", "fragment"), REFUSED)
def test_other_spellings_are_refused_helpfully(name: str, raw: str, fragment: str) -> None:
    exc = refusal({name: raw})
    assert exc is not None
    assert exc.field == name
    assert fragment in exc.expected
    frame = pl.DataFrame({name: [raw]}, schema={name: pl.String})
    (errors,) = errors_by_row(screen_both(frame))
    assert fragment in errors[name]


def test_age_in_days_as_a_declared_unit_is_refused() -> None:
    frame = pl.DataFrame({"age": [6574.0, 20000.0]})
    with pytest.raises(lc.CriteriaInputError, match="give birth_date"):
        lc.screen(frame, units={"age": "d"})
    from liverfail_criteria.sql import screen_duckdb

    with pytest.raises(lc.CriteriaInputError, match="give birth_date"):
        screen_duckdb(frame, units={"age": "d"})
    assert refusal({"age": {"value": 6574, "unit": "d"}}) is not None


def test_spellings_documented_for_each_spec_are_read() -> None:
    for spec in (specs.PLATELETS, specs.BILIRUBIN, specs.PRESSURE, specs.MASS_CONCENTRATION):
        for spelling in spec.accepted:
            assert spec.factor(spelling) > 0
