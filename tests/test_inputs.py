"""Bad input: a CriteriaInputError (a ValueError) naming the field, the value and what
was expected; and the input rules for sex, closed-world assumptions and record ids."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import pytest

import liverfail_criteria as lc
from liverfail_criteria.result import Source
from records import CLF_PATIENT, NO_EXCLUSIONS


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("total_bilirubn", "85 umol/L", "did you mean 'total_bilirubin'"),
        ("body_weight", 70, "bare number"),
        ("body_weight", "70 mmHg", "mass"),
        ("total_bilirubin", "-5 umol/L", "from 0 to 1500"),
        ("total_bilirubin", {"value": math.inf, "unit": "umol/L"}, "1e-50 to 1e50"),
        ("body_weight", "4000 kg", "from 1 to 400"),
        ("fio2", 40, "write a percentage as '40 %'"),
        ("inr", "inf", "a number with a unit"),
        ("assessment_date", "2026-13-01", "YYYY-MM-DD"),
        ("assessment_date", "01/02/2026", "YYYY-MM-DD"),
        ("assessment_date", dt.datetime(2026, 1, 2, 3, 4), "without a time"),
        ("assessment_date", "1850-01-01", "from 1900-01-01"),
        ("platelets", "150 furlongs", "a unit such as"),
        ("cirrhosis", "yes", "true or false"),
        ("cirrhosis", 1, "true or false"),
        ("hepatic_encephalopathy_grade", 5, "grade from 0 to 4"),
        ("hepatic_encephalopathy_grade", True, "grade from 0 to 4"),
        ("hepatic_encephalopathy_grade", 1.5, "grade from 0 to 4"),
        ("sex", "unknown", "'male', 'female'"),
        ("inr", True, "quantity"),
    ],
)
def test_bad_values_name_field_value_and_expectation(
    field: str, value: Any, fragment: str
) -> None:
    with pytest.raises(lc.CriteriaInputError, match=fragment) as info:
        lc.evaluate({**CLF_PATIENT, field: value})
    error = info.value
    assert isinstance(error, ValueError)
    assert error.field == field
    assert str(error).startswith(f"{field}: got ")
    assert error.expected


def test_none_means_missing() -> None:
    result = lc.evaluate({**CLF_PATIENT, "cirrhosis": None})
    assert result.status is lc.Eligibility.UNDETERMINED
    assert result.missing == ("cirrhosis",)


def test_record_must_be_a_mapping() -> None:
    with pytest.raises(lc.CriteriaInputError, match="mapping"):
        lc.evaluate([("age", "50 a")])  # type: ignore[arg-type]


def test_unknown_parameter_is_an_error_with_suggestion() -> None:
    with pytest.raises(lc.CriteriaInputError, match="did you mean 'total_bilirubin_uln'"):
        lc.evaluate(CLF_PATIENT, params={"total_bilirubin_ul": "17 umol/L"})
    with pytest.raises(lc.CriteriaInputError, match="total_bilirubin_uln"):
        lc.evaluate(CLF_PATIENT, params={"total_bilirubin_uln": "17"})


def test_male_is_known_not_pregnant_or_lactating() -> None:
    record = dict(NO_EXCLUSIONS)
    result = lc.evaluate(record, lc.EXCLUSIONS)
    node = result.tree.find("exclusion.pregnancy_lactation")
    assert node.outcome is lc.Outcome.NOT_MET
    facts = [leaf.observed for leaf in node.walk() if leaf.kind == "fact"]
    assert facts and all(f is not None and f.facts[0].source is Source.IMPLIED for f in facts)
    female = lc.evaluate({**record, "sex": "female"}, lc.EXCLUSIONS)
    assert female.tree.find("exclusion.pregnancy_lactation").outcome is lc.Outcome.UNKNOWN
    assert female.missing == ("pregnant", "lactating")


def test_a_pregnant_man_is_refused() -> None:
    with pytest.raises(lc.CriteriaInputError, match="sex is 'male'"):
        lc.evaluate({"sex": "male", "pregnant": True})


def test_assume_absent_is_explicit_and_marked() -> None:
    record = {k: v for k, v in NO_EXCLUSIONS.items() if k != "hiv_positive"}
    undecided = lc.evaluate(record, lc.EXCLUSIONS)
    assert undecided.status is lc.Eligibility.UNDETERMINED
    assert undecided.missing == ("hiv_positive",)
    assumed = lc.evaluate(record, lc.EXCLUSIONS, assume_absent={"hiv_positive"})
    assert assumed.status is lc.Eligibility.INELIGIBLE  # EXCLUSIONS: no exclusion is met
    leaf = assumed.tree.find("exclusion.hiv_sars_cov_2").children[0].children[0]
    assert leaf.observed is not None
    assert leaf.observed.facts[0].source is Source.ASSUMED
    assert "assumed" in leaf.observed.text
    # A recorded value always wins over the assumption.
    recorded = lc.evaluate(
        {**record, "hiv_positive": True}, lc.EXCLUSIONS, assume_absent={"hiv_positive"}
    )
    assert recorded.status is lc.Eligibility.ELIGIBLE


@pytest.mark.parametrize("name", ["platelets", "hiv", "age"])
def test_assume_absent_takes_only_true_false_facts(name: str) -> None:
    with pytest.raises(lc.CriteriaInputError, match="assume_absent"):
        lc.evaluate({}, assume_absent={name})


def test_record_id_is_carried_and_other_keys_are_facts() -> None:
    assert lc.evaluate({"id": 17}).record_id == "17"
    assert lc.evaluate({}).record_id is None


def test_dates_as_objects_or_iso_strings_agree() -> None:
    base = {**CLF_PATIENT}
    del base["age"]
    as_text = lc.evaluate({**base, "birth_date": "1970-05-01", "assessment_date": "2026-03-02"})
    as_dates = lc.evaluate(
        {**base, "birth_date": dt.date(1970, 5, 1), "assessment_date": dt.date(2026, 3, 2)}
    )
    assert as_text == as_dates
    assert as_text.status is lc.Eligibility.ELIGIBLE


@pytest.mark.parametrize(
    "name", ["birth_date", "diagnosis_date", "ascites_onset_date", "last_drug_abuse_date"]
)
def test_past_events_cannot_follow_the_assessment(name: str) -> None:
    record = {"assessment_date": "2026-03-02", name: "2026-03-03"}
    with pytest.raises(
        lc.CriteriaInputError, match=r"on or before assessment_date \(2026-03-02\)"
    ):
        lc.evaluate(record)
    same_day = lc.evaluate({**record, name: "2026-03-02"})  # the same day is allowed
    assert same_day.status is not lc.Eligibility.ELIGIBLE


@pytest.mark.parametrize(
    ("record", "field", "fragment"),
    [
        (
            {"age": "52 a", "birth_date": "1975-03-03", "assessment_date": "2026-03-02"},
            "age",
            "50 completed years",
        ),
        (
            {
                "drug_abuse_past_year": False,
                "last_drug_abuse_date": "2025-06-01",
                "assessment_date": "2026-03-02",
            },
            "drug_abuse_past_year",
            "true, as last_drug_abuse_date 2025-06-01 is 274 days before",
        ),
        (
            {
                "drug_abuse_past_year": True,
                "last_drug_abuse_date": "2020-06-01",
                "assessment_date": "2026-03-02",
            },
            "drug_abuse_past_year",
            "false, as last_drug_abuse_date",
        ),
        (
            {"pao2_fio2_ratio": "350 mmHg", "pao2": "60 mmHg", "fio2": 0.5},
            "pao2_fio2_ratio",
            "120 mmHg, as pao2 / fio2 give",
        ),
    ],
)
def test_contradictory_facts_are_refused(
    record: dict[str, Any], field: str, fragment: str
) -> None:
    # A criterion reads the recorded fact before deriving it: a contradiction would
    # silently hide one of the two values.
    with pytest.raises(lc.CriteriaInputError, match=re.escape(fragment)) as info:
        lc.evaluate(record)
    assert info.value.field == field


@pytest.mark.parametrize(
    "record",
    [
        {"age": "50.9 a", "birth_date": "1975-03-03", "assessment_date": "2026-03-02"},
        {
            "drug_abuse_past_year": True,
            "last_drug_abuse_date": "2025-03-02",
            "assessment_date": "2026-03-02",
        },
        {"pao2_fio2_ratio": "200 mmHg", "pao2": "10.6657909932 kPa", "fio2": "40 %"},
        {"pao2_fio2_ratio": "26.7 kPa", "pao2": "80 mmHg", "fio2": 0.4},
    ],
)
def test_consistent_facts_are_accepted(record: dict[str, Any]) -> None:
    lc.evaluate(record)


def test_a_whole_number_float_is_a_grade() -> None:
    # Tables with missing values hold grades as floats (2.0); a fraction is refused.
    as_float = lc.evaluate({"hepatic_encephalopathy_grade": 2.0}, lc.CLF)
    as_int = lc.evaluate({"hepatic_encephalopathy_grade": 2}, lc.CLF)
    node = "clf.hepatic_encephalopathy"
    assert as_float.tree.find(node).outcome is as_int.tree.find(node).outcome is lc.Outcome.MET


def test_the_caches_of_values_read_never_change_an_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    # Texts, whole numbers and dates are read once and shared (facts._PARSED, which
    # forgets everything when full), and criteria of shared values build their node
    # once per combination (at most 512 kept). Past both bounds, answers are the same.
    from liverfail_criteria.interpreters import facts

    monkeypatch.setattr(facts, "_PARSED_MAX", 5)
    monkeypatch.setattr(facts, "_PARSED", {})
    start = dt.date(2024, 1, 1)
    for k in range(700):  # 700 distinct assessment dates: more than either cache holds
        assessed = start + dt.timedelta(days=k)
        record = {"assessment_date": assessed.isoformat(), "last_drug_abuse_date": "2023-06-01"}
        node = lc.evaluate(record, lc.EXCLUSIONS).tree.find("exclusion.drug_abuse")
        days = (assessed - dt.date(2023, 6, 1)).days
        assert node.outcome.as_bool() is (0 <= days <= 365), assessed
        assert len(facts._PARSED) <= 5
