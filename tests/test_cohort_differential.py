"""The cohort engine against the reference interpreter, row by row, criterion by criterion.

Random tables (see ``cohort_strategies``) are screened whole; each row is then
evaluated alone by ``lc.evaluate`` from the record a caller would write for it. They
must agree on every criterion, every ruleset, the status, the groups and the missing
facts; the cells ``screen`` reports invalid must be exactly those the reference
refuses (alone, or as a contradiction between facts); and ``explain_row`` must give
the reference's own result.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import liverfail_criteria as lc

pl = pytest.importorskip("polars")

import cohort_strategies as cs  # noqa: E402

cs.pl = pl

# Facts a contradiction between facts can leave out (see interpreters/frame/cells.py).
CROSS_FACTS = {
    "assessment_date",
    "birth_date",
    "diagnosis_date",
    "ascites_onset_date",
    "hepatic_encephalopathy_onset_date",
    "last_drug_abuse_date",
    "age",
    "drug_abuse_past_year",
    "pao2_fio2_ratio",
    "pao2",
    "fio2",
    "sex",
    "pregnant",
    "lactating",
    "ascites",
    "refractory_ascites",
    "hepatic_encephalopathy",
    "hepatic_encephalopathy_grade",
}
NODES = [*lc.ELIGIBILITY.rulesets(), *lc.ELIGIBILITY.criteria()]


def refused_alone(name: str, value: Any) -> bool:
    try:
        lc.evaluate({name: value})
    except lc.CriteriaInputError:
        return True
    return False


def check_row(case: dict[str, Any], results: Any, i: int) -> None:
    frame, params = case["frame"], case["params"]
    record = cs.row_record(frame, i, case["units"])
    row = results.row(i, named=True)
    reported = {e["field"] for e in row["errors"]}
    alone = {name for name, value in record.items() if refused_alone(name, value)}
    assert alone <= reported, (record, row["errors"])
    across = reported - alone
    assert across <= CROSS_FACTS, row["errors"]
    assume = case["assume_absent"]

    valid = {k: v for k, v in record.items() if k not in alone}
    try:
        lc.evaluate(valid, params=params, assume_absent=[n for n in assume if n not in alone])
        contradiction = False
    except lc.CriteriaInputError:
        contradiction = True
    assert contradiction == bool(across), (valid, row["errors"])

    kept = {k: v for k, v in record.items() if k not in reported}
    ref = lc.evaluate(kept, params=params, assume_absent=[n for n in assume if n not in reported])
    assert row["status"] == ref.status.value
    assert sorted(row["groups"]) == sorted(ref.groups)
    assert tuple(row["missing"]) == ref.missing
    for node in NODES:
        assert row[node.id] == ref.tree.find(node.id).outcome.as_bool(), (node.id, kept)

    explained = lc.explain_row(results, i)
    assert explained.status is ref.status
    assert explained.missing == ref.missing
    assert [(n.id, n.outcome) for n in explained.tree.walk()] == [
        (n.id, n.outcome) for n in ref.tree.walk()
    ]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(cs.cohorts())
def test_screen_agrees_with_the_reference_row_by_row(case: dict[str, Any]) -> None:
    results = lc.screen(
        case["frame"],
        units=case["units"],
        params=case["params"],
        assume_absent=case["assume_absent"],
    )
    assert results.height == case["frame"].height
    assert results["id"].to_list() == case["frame"]["id"].to_list()
    for i in range(results.height):
        check_row(case, results, i)
