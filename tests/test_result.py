"""The result and its forms: explained text, HTML, and versioned JSON with a way back."""

from __future__ import annotations

import json

import pytest

import liverfail_criteria as lc
from records import ACLF_PATIENT, CLF_PATIENT


def test_explain_shows_status_groups_values_thresholds_and_margins() -> None:
    text = lc.evaluate({**CLF_PATIENT, "total_bilirubin": "5 mg/dL"}).explain()
    assert text.splitlines()[0] == "ELIGIBLE"
    assert "groups met: CLF" in text
    assert "total_bilirubin = 5 mg/dL (85.52 µmol/L)" in text
    assert "threshold 10 × total_bilirubin_uln = 17.1 umol/L = 171 µmol/L" in text
    assert "margin -85.48 µmol/L" in text
    assert "(informational)" in text
    hidden = lc.evaluate(CLF_PATIENT).explain(show_informational=False)
    assert "(informational)" not in hidden


def test_explain_of_undetermined_names_missing_facts() -> None:
    record = {k: v for k, v in CLF_PATIENT.items() if k != "dic"}
    text = lc.evaluate(record).explain()
    assert text.startswith("UNDETERMINED")
    assert "missing facts that could decide it: dic" in text
    assert "[UNKNOWN] exclusion.dic" in text


def test_html_is_a_collapsible_tree() -> None:
    html = lc.evaluate(ACLF_PATIENT)._repr_html_()
    assert html.startswith('<div class="liverfail-result">')
    assert html.count("<details") >= 5
    assert "ELIGIBLE" in html and "ACLF" in html
    assert "<script" not in html
    nasty = lc.evaluate({"id": "<b>x</b>"})
    assert "<b>x</b>" not in nasty.explain() or "&lt;" in nasty._repr_html_()


def test_json_round_trip_and_schema() -> None:
    result = lc.evaluate({**ACLF_PATIENT, "id": "P1"}, params={"total_bilirubin_uln": "20 umol/L"})
    data = json.loads(result.to_json())
    assert data["schema"] == "liverfail-criteria/result"
    assert data["schema_version"] == lc.SCHEMA_VERSION == 1
    assert data["status"] == "eligible"
    assert data["groups"] == ["ACLF"]
    assert data["record_id"] == "P1"
    assert lc.Result.from_dict(data) == result
    node = lc.Result.from_dict(data).tree.find("aclf.jaundice")
    assert node == result.tree.find("aclf.jaundice")


def test_from_dict_refuses_other_documents() -> None:
    data = lc.evaluate(CLF_PATIENT).to_dict()
    with pytest.raises(lc.CriteriaInputError, match="schema_version"):
        lc.Result.from_dict({**data, "schema_version": 99})
    with pytest.raises(lc.CriteriaInputError, match="schema"):
        lc.Result.from_dict({"status": "eligible"})
    broken = {**data, "tree": {"id": "x"}}
    with pytest.raises(lc.CriteriaInputError, match=r"^tree: .*schema allows"):
        lc.Result.from_dict(broken)


def test_tree_nodes_hold_observed_threshold_margin_and_missing() -> None:
    result = lc.evaluate({k: v for k, v in CLF_PATIENT.items() if k != "body_weight"}, lc.CLF)
    weight = result.tree.find("clf.body_weight")
    assert weight.outcome is lc.Outcome.UNKNOWN
    assert weight.missing == ("body_weight",)
    compare = weight.children[0]
    assert compare.kind == "compare"
    assert compare.observed is None
    assert compare.threshold is not None and compare.threshold.value == 40.0
    age = result.tree.find("clf.age").children[0].children[0]
    assert age.observed is not None and age.observed.value == 52.0
    assert age.margin == 34.0
    assert age.observed.facts[0].given == "52 a"
    assert age.observed.facts[0].source is lc.Source.RECORD


def test_result_is_immutable() -> None:
    result = lc.evaluate(CLF_PATIENT)
    with pytest.raises(AttributeError):
        result.status = lc.Eligibility.INELIGIBLE  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.tree.outcome = lc.Outcome.NOT_MET  # type: ignore[misc]


def test_results_validate_against_the_published_json_schema() -> None:
    import jsonschema

    schema = lc.Result.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    records = [
        {},
        CLF_PATIENT,
        ACLF_PATIENT,
        {**CLF_PATIENT, "dic": None, "id": 3},
        {"sex": "male"},
    ]
    for record in records:
        data = json.loads(
            lc.evaluate(record, params={"total_bilirubin_uln": "20 umol/L"}).to_json()
        )
        validator.validate(data)
    broken = {**data, "status": "maybe"}
    assert not validator.is_valid(broken)
