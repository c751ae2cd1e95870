"""The screening funnel and the missingness table: counts that add up, and figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import liverfail_criteria as lc

pl = pytest.importorskip("polars")

import cohort_strategies as cs  # noqa: E402

cs.pl = pl

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "cohort" / "cohort.csv"
UNITS = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}


@pytest.fixture(scope="module")
def results() -> Any:
    return lc.screen(EXAMPLE, units=UNITS)


def check_adds_up(funnel: Any, results: Any) -> None:
    steps = funnel.table.filter(pl.col("level") == 0)
    assert funnel.screened == results.height
    assert funnel.eligible + funnel.undetermined + funnel.ineligible == results.height
    entering = results.height
    for row in steps.iter_rows(named=True):
        assert row["entering"] == entering
        assert row["met"] + row["not_met"] + row["undetermined"] == entering
        assert row["remaining"] == entering - row["removed"]
        counts = [d["rows"] for d in row["lacking"]]
        assert all(1 <= n <= row["undetermined"] for n in counts)
        assert counts == sorted(counts, reverse=True)  # the commonest first
        entering = row["remaining"]
    assert int(steps["removed"].sum()) == funnel.ineligible
    assert entering == funnel.eligible + funnel.undetermined


def test_the_example_funnel_adds_up(results: Any) -> None:
    funnel = lc.funnel(results)
    check_adds_up(funnel, results)
    ids = funnel.table["id"].to_list()
    assert ids[:3] == ["inclusion", "clf", "aclf"]
    assert ids[3:] == [c.id for c in lc.EXCLUSIONS.criteria()]
    assert funnel.with_errors == int((results["errors"].list.len() > 0).sum()) > 0
    clf = funnel.table.row(1, named=True)
    assert clf["met"] == int(results["clf"].sum())


def test_lacking_facts_are_the_steps_own_and_decide_the_row(results: Any) -> None:
    funnel = lc.funnel(results)
    for row in funnel.table.filter(pl.col("level") == 0).iter_rows(named=True):
        node = lc.ELIGIBILITY.find(row["id"])
        reads = (
            {v.name for v in node.variables()}
            if isinstance(node, lc.Ruleset)
            else {n.name for n in lc.dsl.walk(node) if isinstance(n, lc.Variable)}
        )
        for entry in row["lacking"]:
            assert entry["fact"] in reads
    # the counts are those of rows undetermined at the step whose missing facts name it
    cerebral = funnel.table.filter(pl.col("id") == "exclusion.cerebral").row(0, named=True)
    first = cerebral["lacking"][0]
    in_play = results.filter(pl.col("inclusion").fill_null(True))
    expected = in_play.filter(
        pl.col("exclusion.cerebral").is_null() & pl.col("missing").list.contains(first["fact"])
    ).height
    assert first["rows"] == expected


@settings(deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(cs.cohorts(max_rows=20))
def test_random_funnels_add_up(case: dict[str, Any]) -> None:
    results = lc.screen(
        case["frame"],
        units=case["units"],
        params=case["params"],
        assume_absent=case["assume_absent"],
    )
    check_adds_up(lc.funnel(results), results)


def test_a_funnel_for_one_group(results: Any) -> None:
    clf_only = lc.screen(EXAMPLE, lc.CLF, units=UNITS)
    funnel = lc.funnel(clf_only)
    # gating: always, or by a parameter whose default is true (clf.coagulopathy)
    gating = [
        c.id
        for c in lc.CLF.criteria()
        if c.gating is True or (not isinstance(c.gating, bool) and c.gating.default is True)
    ]
    assert funnel.table["id"].to_list() == gating
    check_adds_up(funnel, clf_only)


def test_text_html_and_figures(results: Any, tmp_path: Path) -> None:
    funnel = lc.funnel(results)
    text = str(funnel)
    assert text.startswith("Screened: 1000")
    assert f"Eligible: {funnel.eligible}; undetermined: {funnel.undetermined}" in text
    assert "<table" in funnel._repr_html_()
    png, svg = tmp_path / "f.png", tmp_path / "f.svg"
    funnel.plot(str(png))
    funnel.plot(str(svg), title="Example cohort")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Example cohort" in svg.read_text()
    assert f"Ineligible: {funnel.ineligible}" in svg.read_text()


def test_missingness(results: Any) -> None:
    table = lc.missingness(results)
    assert table["fact"].to_list() == list(lc.evaluate({}).missing) + [
        f for f in table["fact"].to_list() if f not in lc.evaluate({}).missing
    ]
    by_fact = {r["fact"]: r for r in table.iter_rows(named=True)}
    errors = results.select(pl.col("errors").explode().struct.field("field")).to_series()
    for fact, row in by_fact.items():
        assert row["invalid"] == int((errors == fact).sum())
        assert row["deciding"] == int(results["missing"].list.contains(fact).sum())
        held = results.select(pl.col("record").struct.field(fact).is_not_null().sum()).item()
        assert row["empty"] + row["invalid"] + held == results.height
    assert by_fact["albumin"]["deciding"] == 0  # informational: never deciding


def test_funnel_refuses_a_table_that_is_not_a_result() -> None:
    with pytest.raises(lc.CriteriaInputError, match="screen"):
        lc.funnel(pl.DataFrame({"status": ["eligible"]}))
