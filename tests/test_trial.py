"""The trial's rulesets: faithful to the protocol text, and the decisions behind them."""

from __future__ import annotations

import re

import pytest

import liverfail_criteria as lc
from conftest import SHARED
from records import ACLF_PATIENT, CLF_PATIENT, NO_EXCLUSIONS

TRIAL_TEXT = (SHARED / "seed" / "trial.txt").read_text(encoding="utf-8")


def _protocol_text(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("criterion", lc.ELIGIBILITY.criteria(), ids=lambda c: c.id)
def test_each_criterion_quotes_the_protocol_verbatim(criterion: lc.Criterion) -> None:
    assert criterion.protocol_text in _protocol_text(TRIAL_TEXT)
    assert criterion.decisions, "every criterion names the decisions it depends on"


@pytest.mark.parametrize("ruleset", lc.ELIGIBILITY.rulesets(), ids=lambda r: r.id)
def test_each_ruleset_quotes_the_protocol_verbatim(ruleset: lc.Ruleset) -> None:
    assert ruleset.protocol_text in _protocol_text(TRIAL_TEXT)


@pytest.mark.parametrize("decision", lc.DECISIONS, ids=lambda d: d.id)
def test_each_decision_quotes_the_protocol_and_is_used(decision: lc.Decision) -> None:
    assert decision.protocol_text in _protocol_text(TRIAL_TEXT)
    assert decision.decision and decision.rationale and decision.alternative
    used = decision in lc.ELIGIBILITY.decisions() or decision.id == "aclf-preamble"
    assert used, f"decision {decision.id} is attached to no criterion"
    if decision.parameter is not None:
        assert decision.parameter in lc.ELIGIBILITY.parameters()


def test_every_protocol_item_is_encoded() -> None:
    # Each ';'-separated item of the eligibility text is quoted by some criterion,
    # ruleset or decision: nothing in the protocol was silently left out.
    quoted = " ".join(
        [c.protocol_text for c in lc.ELIGIBILITY.criteria()]
        + [r.protocol_text for r in lc.ELIGIBILITY.rulesets()]
        + [d.protocol_text for d in lc.DECISIONS]
    )
    eligibility = _protocol_text(TRIAL_TEXT).split("Eligibility Criteria ")[1].split(" Sites")[0]
    for item in re.split(r";\s*| OR (?=B\.)", eligibility):
        for sentence in re.split(r"(?<=[a-z)])\. (?=[A-Z])|: (?=[A-Z])", item.strip()):
            sentence = sentence.strip().rstrip(".").strip()
            if sentence and not sentence.startswith(("Inclusion Criteria", "Exclusion Criteria")):
                assert sentence in quoted, f"not encoded: {sentence!r}"


def test_ids_are_unique_and_stable() -> None:
    ids = [c.id for c in lc.ELIGIBILITY.criteria()] + [r.id for r in lc.ELIGIBILITY.rulesets()]
    assert len(ids) == len(set(ids))
    assert {"clf", "aclf", "exclusions", "inclusion", "eligibility"} <= set(ids)


def test_the_trial() -> None:
    trial = lc.TRIAL
    assert trial.registry_id == "NCT05727722"
    assert trial.title in TRIAL_TEXT
    doses = [arm.dose.to("cell").magnitude / 1e9 for arm in trial.arms]
    assert doses == pytest.approx([0.15, 0.5, 1.5, 4.5])
    assert all(arm.infusions == 1 for arm in trial.arms)
    assert all(arm.follow_up.to("d").magnitude == 60 for arm in trial.arms)
    assert all(arm.name in TRIAL_TEXT for arm in trial.arms)


def test_both_groups_and_groups_despite_exclusion() -> None:
    assert lc.evaluate(CLF_PATIENT).groups == {"CLF"}
    assert lc.evaluate(ACLF_PATIENT).groups == {"ACLF"}
    both = {
        **ACLF_PATIENT,
        "cirrhosis": True,
        "hepatic_decompensation": True,
        "total_bilirubin": "150 umol/L",
    }
    result = lc.evaluate(both)
    assert result.groups == {"CLF", "ACLF"}
    assert result.status is lc.Eligibility.ELIGIBLE
    excluded = lc.evaluate({**CLF_PATIENT, "liver_cancer": True})
    assert excluded.status is lc.Eligibility.INELIGIBLE
    assert excluded.groups == {"CLF"}
    assert excluded.missing == ()


def test_ineligible_has_no_missing_facts() -> None:
    result = lc.evaluate({"body_weight": "38 kg", "liver_cancer": True})
    assert result.status is lc.Eligibility.INELIGIBLE
    assert result.missing == ()


def test_every_fact_missing_is_undetermined_and_lists_the_gating_facts() -> None:
    result = lc.evaluate({})
    assert result.status is lc.Eligibility.UNDETERMINED
    assert "albumin" not in result.missing  # informational: it cannot decide anything
    assert {"total_bilirubin", "platelets", "inr", "hiv_positive"} <= set(result.missing)


def test_uln_from_the_record_else_the_parameter_else_unknown() -> None:
    record = {k: v for k, v in CLF_PATIENT.items() if k != "total_bilirubin_uln"}
    unknown = lc.evaluate(record, lc.CLF)
    assert unknown.tree.find("clf.bilirubin").outcome is lc.Outcome.UNKNOWN
    assert unknown.missing == ("total_bilirubin_uln",)
    with_param = lc.evaluate(record, lc.CLF, params={"total_bilirubin_uln": "21 umol/L"})
    node = with_param.tree.find("clf.bilirubin")
    assert node.outcome is lc.Outcome.MET
    upper = node.children[0].children[1]
    assert upper.threshold is not None
    assert upper.threshold.value == 210.0
    assert "parameter total_bilirubin_uln" in upper.threshold.text
    own = lc.evaluate(CLF_PATIENT, lc.CLF, params={"total_bilirubin_uln": "21 umol/L"})
    lower = own.tree.find("clf.bilirubin").children[0].children[0]
    assert lower.threshold is not None and lower.threshold.value == 17.1  # record wins


def test_informational_items_never_gate_unless_asked() -> None:
    record = {
        **CLF_PATIENT,
        "albumin": "40 g/L",
        "platelets": "250 10*9/L",
        "inr": 1.0,
        "prothrombin_activity": "95 %",
        "refractory_ascites": False,
        "portal_hypertension": False,
    }
    result = lc.evaluate(record, lc.CLF)
    assert result.status is lc.Eligibility.ELIGIBLE
    info = [n for n in result.tree.children if not n.gating]
    assert {n.id for n in info} == {
        "clf.albumin",
        "clf.platelets",
        "clf.coagulopathy",
        "clf.ascites_portal_hypertension",
    }
    assert all(n.outcome is lc.Outcome.NOT_MET for n in info)
    required = lc.evaluate(record, lc.CLF, params={"clf_require_coagulopathy": True})
    assert required.status is lc.Eligibility.INELIGIBLE
    assert required.tree.find("clf.coagulopathy").gating


def test_clf_encephalopathy_grade_three_fails() -> None:
    assert lc.evaluate({**CLF_PATIENT, "hepatic_encephalopathy_grade": 3}).groups == frozenset()


def test_aclf_window_and_absence_of_complications() -> None:
    record = {**ACLF_PATIENT, "ascites": False}
    del record["ascites_onset_date"]
    result = lc.evaluate(record, lc.ACLF)
    assert result.tree.find("aclf.complications").outcome is lc.Outcome.NOT_MET
    he = {
        **record,
        "hepatic_encephalopathy_grade": 2,
        "hepatic_encephalopathy_onset_date": "2026-02-20",
    }
    assert lc.evaluate(he, lc.ACLF).status is lc.Eligibility.ELIGIBLE


def test_drug_abuse_from_flag_or_date() -> None:
    base = {k: v for k, v in NO_EXCLUSIONS.items() if k != "drug_abuse_past_year"}
    dated = {**base, "assessment_date": "2026-03-01", "last_drug_abuse_date": "2025-06-01"}
    assert lc.evaluate(dated, lc.EXCLUSIONS).status is lc.Eligibility.ELIGIBLE  # excluded
    agreeing = {**dated, "drug_abuse_past_year": True}
    assert lc.evaluate(agreeing, lc.EXCLUSIONS).status is lc.Eligibility.ELIGIBLE
    with pytest.raises(lc.CriteriaInputError, match="drug_abuse_past_year"):
        lc.evaluate({**dated, "drug_abuse_past_year": False}, lc.EXCLUSIONS)
    no_date = lc.evaluate(base, lc.EXCLUSIONS)
    assert no_date.missing == ("drug_abuse_past_year", "last_drug_abuse_date", "assessment_date")


def test_oxygenation_from_ratio_or_from_pao2_and_fio2() -> None:
    base = {k: v for k, v in NO_EXCLUSIONS.items() if k != "pao2_fio2_ratio"}
    low = {**base, "pao2": "60 mmHg", "fio2": 0.5, "hypoxemia_uncorrectable": True}
    node = lc.evaluate(low, lc.EXCLUSIONS).tree.find("exclusion.oxygenation")
    assert node.outcome is lc.Outcome.MET
    ratio = node.children[0].children[0].observed
    assert ratio is not None and ratio.value == 120.0
    assert [f.name for f in ratio.facts] == ["pao2", "fio2"]
