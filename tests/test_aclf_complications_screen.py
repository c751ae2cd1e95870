"""ACLF complications, CLF coagulopathy and the implications between facts, screened.

The same records as the reference tests (test_trial.py, test_boundaries.py) through
``lc.screen`` (polars) and the DuckDB engine: each must give the reference's outcome,
and each contradiction must be reported as a row error naming both fields, with the
row kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import liverfail_criteria as lc
from records import ACLF_PATIENT, CLF_PATIENT

pl = pytest.importorskip("polars")
pytest.importorskip("duckdb")
pytest.importorskip("sqlglot")

from liverfail_criteria.sql import screen_duckdb  # noqa: E402

UNITS: dict[str, str] = {}  # the cells carry their units ("44 a")
ENGINES = {"polars": lc.screen, "duckdb": screen_duckdb}
DIAGNOSED = dt.date(2026, 2, 1)


def _table(rows: list[dict[str, Any]]) -> Any:
    names = dict.fromkeys(k for r in rows for k in r)
    filled = [{k: r.get(k) for k in names} for r in rows]
    for i, row in enumerate(filled):
        row["id"] = f"R{i}"
    frame = pl.DataFrame(filled, infer_schema_length=None)
    # dates as dates, so the engines read them as the reference does
    return frame.with_columns(
        pl.col(c).str.to_date()
        for c in ("diagnosis_date", "ascites_onset_date", "hepatic_encephalopathy_onset_date")
        if c in frame.columns and frame.schema[c] == pl.String
    )


def _screen(engine: str, rows: list[dict[str, Any]], **params: Any) -> Any:
    return ENGINES[engine](_table(rows), units=UNITS, params=params)


def _ref(record: dict[str, Any], **params: Any) -> lc.Result:
    return lc.evaluate({k: v for k, v in record.items() if v is not None}, params=params)


def _aclf(**changes: Any) -> dict[str, Any]:
    record = {**ACLF_PATIENT, "diagnosis_date": DIAGNOSED.isoformat(), **changes}
    return {k: v for k, v in record.items() if v is not None}


def _onset(days: int, path: str) -> dict[str, Any]:
    day = (DIAGNOSED + dt.timedelta(days=days)).isoformat()
    if path == "ascites":
        return _aclf(ascites=None, ascites_onset_date=day)
    return _aclf(
        ascites=False,
        ascites_onset_date=None,
        hepatic_encephalopathy=None,
        hepatic_encephalopathy_grade=0,
        hepatic_encephalopathy_onset_date=day,
    )


def _agree(engine: str, rows: list[dict[str, Any]], **params: Any) -> Any:
    """Screen ``rows``; every criterion, status and missing list as the reference gives."""
    results = _screen(engine, rows, **params)
    for i, record in enumerate(rows):
        ref = _ref(record, **params)
        row = results.row(i, named=True)
        assert row["errors"] == []
        assert row["status"] == ref.status.value, (record, row["missing"])
        assert tuple(row["missing"]) == ref.missing
        for node in lc.ELIGIBILITY.criteria():
            assert row[node.id] == ref.tree.find(node.id).outcome.as_bool(), node.id
    return results


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", ["ascites", "encephalopathy"])
def test_the_window_edges_with_and_without_the_parameter(engine: str, path: str) -> None:
    days = [-8, -7, -4, -3, -1, 0, 1, 27, 28, 29]
    rows = [_onset(d, path) for d in days]
    for before, start in (("0 d", 0), ("3 d", -3), ("1 wk", -7)):
        results = _agree(engine, rows, aclf_onset_days_before_diagnosis=before)
        got = results["aclf.complications"].to_list()
        assert got == [start <= d <= 28 for d in days], before


@pytest.mark.parametrize("engine", ENGINES)
def test_the_issue_cases_and_each_implication(engine: str) -> None:
    rows = [
        _aclf(ascites=None, ascites_onset_date="2026-02-05"),  # the onset date alone
        _onset(5, "encephalopathy"),  # grade II from day 5, grade 0 now
        _aclf(ascites=None, refractory_ascites=True),
        _aclf(
            ascites=False,
            ascites_onset_date=None,
            hepatic_encephalopathy=None,
            hepatic_encephalopathy_grade=2,
            hepatic_encephalopathy_onset_date="2026-02-09",
        ),
        _aclf(ascites=False, ascites_onset_date=None, hepatic_encephalopathy=None),  # unknown
        _aclf(ascites=False, ascites_onset_date=None, hepatic_encephalopathy=False),  # never
        _aclf(ascites=None, ascites_onset_date=None, refractory_ascites=False),
        {**ACLF_PATIENT, "sex": "male"},
    ]
    results = _agree(engine, rows)
    assert results["aclf.complications"].to_list() == [
        True, True, True, True, None, False, None, True,
    ]  # fmt: skip


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("cells", "fields"),
    [
        (
            {"ascites": False, "ascites_onset_date": "2026-02-03"},
            {"ascites", "ascites_onset_date"},
        ),
        ({"ascites": False, "refractory_ascites": True}, {"ascites", "refractory_ascites"}),
        (
            {"hepatic_encephalopathy": False, "hepatic_encephalopathy_onset_date": "2026-02-03"},
            {"hepatic_encephalopathy", "hepatic_encephalopathy_onset_date"},
        ),
        (
            {"hepatic_encephalopathy": False, "hepatic_encephalopathy_grade": 1},
            {"hepatic_encephalopathy", "hepatic_encephalopathy_grade"},
        ),
        (
            {"sex": "male", "pregnant": True},
            {"sex", "pregnant"},
        ),
    ],
)
def test_each_contradiction_is_a_row_error_naming_both_fields(
    engine: str, cells: dict[str, Any], fields: set[str]
) -> None:
    base = {"id": "X", "diagnosis_date": "2026-02-01", "ascites": None, "pregnant": None}
    base.update(
        ascites_onset_date=None,
        hepatic_encephalopathy=None,
        hepatic_encephalopathy_onset_date=None,
        hepatic_encephalopathy_grade=None,
        refractory_ascites=None,
        sex=None,
    )
    fine = {**base, "ascites": True, "refractory_ascites": True}
    results = _screen(engine, [{**base, **cells}, fine])
    assert results.height == 2  # the row is kept
    errors = results["errors"].to_list()[0]
    assert {e["field"] for e in errors} == fields
    (implied,) = fields & {"ascites", "hepatic_encephalopathy", "pregnant"}
    (premise,) = fields - {implied}
    by_field = {e["field"]: e for e in errors}
    assert premise in by_field[implied]["expected"]
    assert implied in by_field[premise]["expected"]
    assert results["errors"].to_list()[1] == []
    with pytest.raises(lc.CriteriaInputError) as caught:
        lc.evaluate({k: v for k, v in {**base, **cells}.items() if v is not None and k != "id"})
    assert caught.value.field == implied
    assert premise in str(caught.value)


@pytest.mark.parametrize("engine", ENGINES)
def test_clf_coagulopathy_required_and_other_causes(engine: str) -> None:
    rows = [
        {**CLF_PATIENT, "inr": 1.5},
        {**CLF_PATIENT, "inr": 1.49, "prothrombin_activity": "41 %"},
        {**CLF_PATIENT, "inr": None, "prothrombin_activity": "40 %"},
        {**CLF_PATIENT, "coagulopathy_other_cause": True},
        {**CLF_PATIENT, "coagulopathy_other_cause": None},
        {
            **CLF_PATIENT,
            "inr": 1.2,
            "prothrombin_activity": "70 %",
            "coagulopathy_other_cause": None,
        },
    ]
    rows = [{k: v for k, v in r.items() if v is not None} for r in rows]
    for params in ({}, {"clf_require_coagulopathy": False}):
        results = _agree(engine, rows, **params)
        assert results["clf.coagulopathy"].to_list() == [True, False, True, False, None, False]
    assert _screen(engine, rows)["clf"].to_list() == [True, False, True, False, None, False]
