"""Observation values beyond valueQuantity: numbers as text, and qualitative results."""

from __future__ import annotations

from typing import Any

import pytest

import liverfail_criteria as lc
from fhir_build import DAY, LOINC, SCT, both, bundle, cond, obs
from liverfail_criteria.records.api import RecordProblemsWarning

pl = pytest.importorskip("polars")

DETECTED = {"coding": [{"system": SCT, "code": "260373001", "display": "Detected"}]}
NOT_DETECTED = {"coding": [{"system": SCT, "code": "260415000", "display": "Not detected"}]}
POSITIVE = {"coding": [{"system": LOINC, "code": "LA6576-8", "display": "Positive"}]}


# -- valueString -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fact", "code", "text", "value"),
    [
        ("platelets", "777-3", "<20", None),  # no unit: listed as invalid
        ("platelets", "777-3", "< 20 10*9/L", "<20.0 10*9/L"),
        ("platelets", "777-3", "<=5 10*9/L", "<=5.0 10*9/L"),
        ("total_bilirubin", "14631-6", "85 umol/L", "85.0 umol/L"),
        ("total_bilirubin", "14631-6", "85umol/L", "85.0 umol/L"),
        ("inr", "6301-6", "1.7", "1.7"),
    ],
)
def test_value_string_numbers_are_read_with_comparator_and_unit(
    fact: str, code: str, text: str, value: str | None
) -> None:
    rec, row = both(bundle(obs("o1", code, "2026-10-19T08:00:00Z", valueString=text)))
    if value is None:
        assert fact not in rec
        assert rec.invalid[fact].startswith("Observation/o1")
        assert row[fact] == "<20.0 (no unit)"  # listed by the screening as invalid
        return
    shown = rec[fact].value
    assert str(shown) == value or shown == float(value)
    assert rec[fact].origin.source == "Observation/o1"
    assert str(row[fact]) == value and row[f"{fact}_source"] == "Observation/o1"


def test_unreadable_value_string_is_listed_with_its_id_and_why() -> None:
    b = bundle(
        obs(
            "old", "777-3", "2026-10-18T08:00:00Z", valueQuantity={"value": 150, "code": "10*9/L"}
        ),
        obs("new", "777-3", "2026-10-19T08:00:00Z", valueString="12,5 10*9/L"),
    )
    rec, row = both(b)
    assert "platelets" not in rec  # the earlier result is not used in its place
    assert rec.invalid["platelets"] == (
        "Observation/new: '12,5 10*9/L' is not a number with an optional comparator and unit"
    )
    assert row["platelets"] == "12,5 10*9/L" and row["platelets_source"] == "Observation/new"
    screened = lc.screen(pl.DataFrame([row]))
    assert [e["field"] for e in screened["errors"][0]] == ["platelets"]


def test_extract_text_values_use_the_same_parser() -> None:
    df = pl.DataFrame(
        {
            "patient": ["a", "b", "c"],
            "time": ["2026-10-19T08:00:00Z"] * 3,
            "code": ["777-3", "14631-6", "777-3"],
            "value": ["< 20 10*9/L", "85umol/L", "<20"],
            "unit": [None, None, "10*9/L"],
        }
    )
    table = lc.from_events(df, assessment_date=DAY).sort("id")
    assert table["platelets"].to_list() == ["<20.0 10*9/L", None, "<20.0 10*9/L"]
    assert table["total_bilirubin"].to_list() == [None, "85.0 umol/L", None]


# -- valueCodeableConcept: qualitative tests ------------------------------------------


def test_positive_sars_cov_2_pcr_within_the_window_is_covid() -> None:
    b = bundle(obs("pcr", "94500-6", "2026-10-01T08:00:00Z", valueCodeableConcept=DETECTED))
    rec, row = both(b)
    assert rec["sars_cov_2_positive"].value is True
    o = rec["sars_cov_2_positive"].origin
    assert (o.source, o.code) == ("Observation/pcr", "94500-6")
    assert "260373001" in o.original
    assert row["sars_cov_2_positive"] is True
    assert row["sars_cov_2_positive_source"] == "Observation/pcr"
    # 28 days is the edge: the 22nd of September is 28 days before, the 21st 29.
    assert both(b, "2026-10-29")[0]["sars_cov_2_positive"].value is True
    rec, row = both(b, "2026-10-30")
    assert "sars_cov_2_positive" not in rec and row["sars_cov_2_positive"] is None
    assert "94500-6" in rec.searched["sars_cov_2_positive"]


def test_a_negative_test_is_not_evidence_of_absence() -> None:
    b = bundle(obs("pcr", "94309-2", "2026-10-19T08:00:00Z", valueCodeableConcept=NOT_DETECTED))
    rec, row = both(b)
    assert "sars_cov_2_positive" not in rec and rec.problems == ()
    assert row["sars_cov_2_positive"] is None  # unknown, not false
    result = lc.evaluate(rec)
    assert "sars_cov_2_positive" in result.missing


def test_confirmatory_hiv_test_is_hiv_and_a_condition_is_named_first() -> None:
    wb = obs("wb", "5221-7", "2020-03-01", valueCodeableConcept=POSITIVE)
    rec, row = both(bundle(wb))
    assert rec["hiv_positive"].origin.source == "Observation/wb"  # any time: it does not resolve
    assert row["hiv_positive"] is True and row["hiv_positive_source"] == "Observation/wb"
    both_kinds = bundle(wb, cond("hiv", "http://hl7.org/fhir/sid/icd-10", "B20.1"))
    rec, row = both(both_kinds)
    assert rec["hiv_positive"].origin.source == "Condition/hiv"
    assert row["hiv_positive_source"] == "Condition/hiv"


def test_a_screening_immunoassay_is_not_read() -> None:
    screen = obs("ag-ab", "56888-1", "2026-10-19", valueCodeableConcept=POSITIVE)
    rec, row = both(bundle(screen))
    assert "hiv_positive" not in rec and rec.problems == ()
    assert row["hiv_positive"] is None


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ({"valueString": "Detected"}, "'Detected'"),
        ({"valueCodeableConcept": {"text": "pos"}}, "'pos'"),
        ({"valueCodeableConcept": {"coding": [{"system": SCT, "code": "1"}]}}, "sct|1'"),
        ({"valueQuantity": {"value": 1}}, "no value"),
    ],
)
def test_unreadable_qualitative_results_are_reported_with_id_and_why(
    value: dict[str, Any], why: str
) -> None:
    b = bundle(obs("pcr", "94500-6", "2026-10-19", **value))
    with pytest.warns(RecordProblemsWarning, match="Observation/pcr"):
        rec = lc.record_from_fhir(b, assessment_date=DAY)
    [problem] = rec.problems
    assert problem.source == "Observation/pcr"
    assert why in problem.reason and "coded answer" in problem.reason
    assert "sars_cov_2_positive" not in rec
