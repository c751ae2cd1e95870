"""The trial's rulesets: faithful to the protocol text, and the decisions behind them."""

from __future__ import annotations

import re

import pytest

import liverfail_criteria as lc
from conftest import SHARED
from liverfail_criteria.trial import DECISIONS as TRIAL_DECISIONS
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


@pytest.mark.parametrize("decision", TRIAL_DECISIONS, ids=lambda d: d.id)
def test_each_decision_quotes_the_protocol_and_is_used(decision: lc.Decision) -> None:
    # The decisions in reading records are used by derivations (tests/test_records_catalog.py).
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
        "coagulopathy_other_cause": False,
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


def test_informational_items_never_gate_and_the_coagulopathy_gates_by_default() -> None:
    record = {
        **CLF_PATIENT,
        "albumin": "40 g/L",
        "platelets": "250 10*9/L",
        "refractory_ascites": False,
        "portal_hypertension": False,
    }
    result = lc.evaluate(record, lc.CLF)
    assert result.status is lc.Eligibility.ELIGIBLE
    info = [n for n in result.tree.children if not n.gating]
    assert {n.id for n in info} == {
        "clf.albumin",
        "clf.platelets",
        "clf.ascites_portal_hypertension",
    }
    assert all(n.outcome is lc.Outcome.NOT_MET for n in info)
    assert result.tree.find("clf.coagulopathy").gating
    # The case: bilirubin 3 × ULN, INR 1.2, PTA 70 % is not liver failure.
    mild = {**record, "total_bilirubin": "51.3 umol/L", "inr": 1.2, "prothrombin_activity": "70 %"}
    result = lc.evaluate(mild, lc.CLF)
    assert result.status is lc.Eligibility.INELIGIBLE
    assert result.tree.find("clf.coagulopathy").outcome is lc.Outcome.NOT_MET
    optional = lc.evaluate(mild, lc.CLF, params={"clf_require_coagulopathy": False})
    assert optional.status is lc.Eligibility.ELIGIBLE
    assert not optional.tree.find("clf.coagulopathy").gating


@pytest.mark.parametrize(
    ("inr", "pta", "other", "expected"),
    [
        (1.5, None, False, lc.Outcome.MET),  # INR ≥ 1.5: inclusive, as written
        (1.49, "95 %", False, lc.Outcome.NOT_MET),
        (None, "40 %", False, lc.Outcome.MET),  # PTA ≤ 40 %: inclusive
        (1.0, "40.1 %", False, lc.Outcome.NOT_MET),
        (1.8, "30 %", True, lc.Outcome.NOT_MET),  # explained by another cause
        (1.8, None, None, lc.Outcome.UNKNOWN),  # the cause not recorded: unknown
        (1.2, "70 %", None, lc.Outcome.NOT_MET),  # no coagulopathy: the cause is moot
        (1.2, "70 %", True, lc.Outcome.NOT_MET),
    ],
)
def test_clf_coagulopathy_other_causes_excluded(
    inr: float | None, pta: str | None, other: bool | None, expected: lc.Outcome
) -> None:
    record = {**CLF_PATIENT, "inr": inr, "prothrombin_activity": pta}
    record["coagulopathy_other_cause"] = other
    result = lc.evaluate(record, lc.CLF)
    assert result.tree.find("clf.coagulopathy").outcome is expected
    if expected is lc.Outcome.UNKNOWN:
        assert result.missing == ("coagulopathy_other_cause",)
        assumed = lc.evaluate(record, lc.CLF, assume_absent={"coagulopathy_other_cause"})
        assert assumed.status is lc.Eligibility.ELIGIBLE


def test_clf_encephalopathy_grade_three_fails() -> None:
    assert lc.evaluate({**CLF_PATIENT, "hepatic_encephalopathy_grade": 3}).groups == frozenset()


def test_aclf_window_and_absence_of_complications() -> None:
    record = {**ACLF_PATIENT, "ascites": False}
    del record["ascites_onset_date"]
    result = lc.evaluate(record, lc.ACLF)
    assert result.tree.find("aclf.complications").outcome is lc.Outcome.NOT_MET
    he = {
        **record,
        "hepatic_encephalopathy": None,
        "hepatic_encephalopathy_grade": 2,
        "hepatic_encephalopathy_onset_date": "2026-02-20",
    }
    assert lc.evaluate(he, lc.ACLF).status is lc.Eligibility.ELIGIBLE


def _complications(record: dict[str, object], **params: object) -> lc.Node:
    return lc.evaluate(record, lc.ACLF, params=params).tree.find("aclf.complications")


def _leaf(node: lc.Node, name: str) -> lc.Node:
    found = [n for n in node.walk() if n.kind == "fact" and n.title == name]
    assert found, name
    return found[0]


def test_an_onset_date_alone_meets_its_branch_and_marks_the_finding_implied() -> None:
    """The issue's first case: ascites 4 days after the diagnosis, no ascites value."""
    record = {**ACLF_PATIENT, "ascites": None, "ascites_onset_date": "2026-02-05"}
    node = _complications(record)
    assert node.outcome is lc.Outcome.MET
    (fact,) = _leaf(node, "ascites").observed.facts  # type: ignore[union-attr]
    assert (fact.name, fact.value, fact.source) == ("ascites", True, lc.Source.IMPLIED)
    assert "ascites_onset_date" in _leaf(node, "ascites").observed.text  # type: ignore[union-attr]


def test_resolved_encephalopathy_in_the_window_meets_the_criterion() -> None:
    """The issue's second case: grade II HE from day 5, grade 0 now on lactulose."""
    record = {
        **ACLF_PATIENT,
        "ascites": False,
        "ascites_onset_date": None,
        "hepatic_encephalopathy": None,
        "hepatic_encephalopathy_grade": 0,
        "hepatic_encephalopathy_onset_date": "2026-02-06",
    }
    assert _complications(record).outcome is lc.Outcome.MET
    assert lc.evaluate(record, lc.ACLF).status is lc.Eligibility.ELIGIBLE
    # Without the onset date, grade 0 now says nothing about the past: unknown.
    undated = {**record, "hepatic_encephalopathy_onset_date": None}
    assert _complications(undated).outcome is lc.Outcome.UNKNOWN
    assert "hepatic_encephalopathy" in lc.evaluate(undated, lc.ACLF).missing
    never = {**undated, "hepatic_encephalopathy": False}
    assert _complications(never).outcome is lc.Outcome.NOT_MET


@pytest.mark.parametrize(
    ("given", "implied", "premise"),
    [
        ({"refractory_ascites": True}, "ascites", "refractory_ascites"),
        ({"ascites_onset_date": "2026-02-03"}, "ascites", "ascites_onset_date"),
        ({"hepatic_encephalopathy_grade": 1}, "hepatic_encephalopathy", "grade"),
        ({"hepatic_encephalopathy_grade": 4}, "hepatic_encephalopathy", "grade"),
        (
            {"hepatic_encephalopathy_onset_date": "2026-02-03"},
            "hepatic_encephalopathy",
            "hepatic_encephalopathy_onset_date",
        ),
    ],
)
def test_each_implication_marks_the_implied_value(
    given: dict[str, object], implied: str, premise: str
) -> None:
    result = lc.evaluate(given, lc.ACLF)
    node = _leaf(result.tree.find("aclf.complications"), implied)
    assert node.outcome is lc.Outcome.MET
    (fact,) = node.observed.facts  # type: ignore[union-attr]
    assert fact.source is lc.Source.IMPLIED
    assert premise in node.observed.text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("given", "not_implied"),
    [
        ({"refractory_ascites": False}, "ascites"),
        ({"hepatic_encephalopathy_grade": 0}, "hepatic_encephalopathy"),
    ],
)
def test_the_other_side_of_each_implication_implies_nothing(
    given: dict[str, object], not_implied: str
) -> None:
    result = lc.evaluate(given, lc.ACLF)
    assert not_implied in result.missing
    node = _leaf(result.tree.find("aclf.complications"), not_implied)
    assert node.outcome is lc.Outcome.UNKNOWN


@pytest.mark.parametrize(
    ("record", "field", "other"),
    [
        ({"ascites": False, "ascites_onset_date": "2026-02-03"}, "ascites", "ascites_onset_date"),
        ({"ascites": False, "refractory_ascites": True}, "ascites", "refractory_ascites"),
        (
            {"hepatic_encephalopathy": False, "hepatic_encephalopathy_onset_date": "2026-02-03"},
            "hepatic_encephalopathy",
            "hepatic_encephalopathy_onset_date",
        ),
        (
            {"hepatic_encephalopathy": False, "hepatic_encephalopathy_grade": 1},
            "hepatic_encephalopathy",
            "hepatic_encephalopathy_grade",
        ),
        (
            {"hepatic_encephalopathy": False, "hepatic_encephalopathy_grade": 3},
            "hepatic_encephalopathy",
            "hepatic_encephalopathy_grade",
        ),
    ],
)
def test_a_complication_said_never_to_have_developed_and_dated_is_refused(
    record: dict[str, object], field: str, other: str
) -> None:
    with pytest.raises(lc.CriteriaInputError) as caught:
        lc.evaluate({"diagnosis_date": "2026-02-01", **record})
    assert caught.value.field == field
    assert other in str(caught.value)


@pytest.mark.parametrize(
    "record",
    [
        {"ascites": True, "ascites_onset_date": "2026-02-03", "refractory_ascites": True},
        {"ascites": False, "refractory_ascites": False},
        {"hepatic_encephalopathy": False, "hepatic_encephalopathy_grade": 0},
        {"hepatic_encephalopathy": True, "hepatic_encephalopathy_grade": 0},
        {"hepatic_encephalopathy": True, "hepatic_encephalopathy_grade": 2},
    ],
)
def test_agreeing_facts_are_accepted(record: dict[str, object]) -> None:
    lc.evaluate({"diagnosis_date": "2026-02-01", **record})


def test_aclf_coagulopathy_title_follows_its_parameter() -> None:
    strict = lc.evaluate(ACLF_PATIENT, lc.ACLF).tree.find("aclf.coagulopathy")
    assert strict.title == "Coagulation disorder: INR > 1.5 or PTA < 40 %"
    inclusive = lc.evaluate(
        ACLF_PATIENT, lc.ACLF, params={"aclf_coagulopathy_inclusive": True}
    ).tree.find("aclf.coagulopathy")
    assert inclusive.title == "Coagulation disorder: INR ≥ 1.5 or PTA ≤ 40 %"


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
