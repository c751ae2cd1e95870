"""Derivations over several records: PaO2 and FiO2 of one blood gas."""

from __future__ import annotations

from typing import Any

import pytest

import liverfail_criteria as lc
from fhir_build import both, bundle, cond, obs

pl = pytest.importorskip("polars")


def gas(rid: str, pao2_at: str, fio2_at: str | None, pao2: float = 55.0, fio2: float = 0.5):
    out = [obs(f"{rid}-pao2", "2703-7", pao2_at, valueQuantity={"value": pao2, "code": "mm[Hg]"})]
    if fio2_at is not None:
        out.append(obs(f"{rid}-fio2", "3150-0", fio2_at, valueQuantity={"value": fio2}))
    return out


def pair(rec: Any, row: dict[str, Any]) -> tuple[Any, ...]:
    """(pao2 source, fio2 source) of the record, checked equal to the table's."""
    got = tuple(rec[f].origin.source if f in rec else None for f in ("pao2", "fio2"))
    assert got == (row["pao2_source"], row["fio2_source"])
    return got


@pytest.mark.parametrize(
    ("fio2_at", "paired"),
    [
        ("2026-10-19T08:00:00Z", True),  # the same time: one blood gas
        ("2026-10-19T07:00:00Z", True),  # 60 minutes before: the edge counts
        ("2026-10-19T06:59:00Z", False),  # 61 minutes before
        ("2026-10-19T08:01:00Z", False),  # after the sample: not the FiO2 it was drawn on
    ],
)
def test_fio2_pairs_with_pao2_at_the_same_time_or_up_to_an_hour_before(
    fio2_at: str, paired: bool
) -> None:
    rec, row = both(bundle(*gas("g", "2026-10-19T08:00:00Z", fio2_at)))
    expected = ("Observation/g-pao2", "Observation/g-fio2") if paired else (None, None)
    assert pair(rec, row) == expected
    if not paired:
        assert "3150-0" in rec.searched["fio2"] and "60 minutes" in rec.searched["pao2"]


def test_an_unpaired_latest_pao2_is_not_paired_with_another_days_fio2() -> None:
    b = bundle(
        *gas("old", "2026-10-17T08:00:00Z", "2026-10-17T08:00:00Z", pao2=80.0, fio2=0.3),
        *gas("new", "2026-10-19T08:00:00Z", None),  # no FiO2 with it
        obs("fio2-18", "3150-0", "2026-10-18T12:00:00Z", valueQuantity={"value": 0.6}),
    )
    rec, row = both(b)
    assert pair(rec, row) == ("Observation/old-pao2", "Observation/old-fio2")  # the latest pair
    # The tree's oxygenation leaf reads the pair, each value with its source.
    tree = lc.evaluate(rec).tree
    facts = {f.name: f for n in tree.walk() if n.observed for f in n.observed.facts}
    assert facts["pao2"].origin.source == "Observation/old-pao2"
    assert facts["fio2"].origin.source == "Observation/old-fio2"


def test_the_latest_fio2_before_the_sample_is_its_partner() -> None:
    b = bundle(
        *gas("g", "2026-10-19T08:00:00Z", "2026-10-19T07:10:00Z", fio2=0.3),
        obs("set", "3150-0", "2026-10-19T07:50:00Z", valueQuantity={"value": 0.6}),
    )
    rec, row = both(b)
    assert pair(rec, row) == ("Observation/g-pao2", "Observation/set")
    assert rec["fio2"].value == 0.6


# -- the ACLF diagnosis date, drug abuse within a year, recorded dates ------------------

ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"


def test_diagnosis_date_is_the_earliest_acute_hepatic_failure_within_28_days() -> None:
    b = bundle(
        cond("old", ICD10_CM, "K72.00", "2026-09-21"),  # 29 days before: another episode
        cond("first", ICD10_CM, "K72.01", "2026-09-22"),  # 28 days before: counts
        cond("again", ICD10, "K72.0", "2026-10-10"),
        cond("chronic", ICD10, "K72.1", "2026-09-25"),  # the background, not the episode
    )
    rec, row = both(b)
    assert str(rec["diagnosis_date"].value) == "2026-09-22"
    assert rec["diagnosis_date"].origin.source == "Condition/first"
    assert str(row["diagnosis_date"]) == "2026-09-22"
    assert row["diagnosis_date_source"] == "Condition/first"
    rec, row = both(bundle(cond("chronic", ICD10, "K72.1", "2026-10-01")))
    assert "diagnosis_date" not in rec and row["diagnosis_date"] is None
    assert "K72.0*" in rec.searched["diagnosis_date"]


@pytest.mark.parametrize(
    ("onset", "past_year"),
    [("2025-10-20", True), ("2025-10-19", None), ("2026-04-01", True)],  # 365 d is the edge
)
def test_drug_abuse_past_year_agrees_with_the_last_drug_abuse_date(
    onset: str, past_year: bool | None
) -> None:
    rec, row = both(bundle(cond("f11", ICD10_CM, "F11.20", onset)))
    assert str(rec["last_drug_abuse_date"].value) == onset
    assert row["drug_abuse_past_year"] is past_year
    if past_year:
        assert rec["drug_abuse_past_year"].origin.source == "Condition/f11"
    else:
        assert "drug_abuse_past_year" not in rec  # unknown, and the date decides it
    node = lc.evaluate(rec).tree.find("exclusion.drug_abuse")  # never a contradiction
    assert node.outcome is (lc.Outcome.MET if past_year else lc.Outcome.NOT_MET)
    screened = lc.screen(pl.DataFrame([row]))
    assert screened["exclusion.drug_abuse"][0] is bool(past_year)


def test_a_condition_without_onset_is_dated_by_its_recorded_date() -> None:
    covid = cond("covid", ICD10, "U07.1")
    covid["recordedDate"] = "2026-10-15T09:00:00+02:00"
    rec, row = both(bundle(covid))
    assert rec["sars_cov_2_positive"].value is True
    o = rec["sars_cov_2_positive"].origin
    assert o.time == "2026-10-15T07:00:00+00:00" and "recorded date" in o.original
    assert row["sars_cov_2_positive_source"] == "Condition/covid"
    # Too long ago for an acute condition, by its recorded date.
    assert "sars_cov_2_positive" not in both(bundle(covid), "2026-11-13")[0]


@pytest.mark.parametrize("onset", [{"onsetDateTime": "2026"}, {"onsetString": "last week"}])
def test_a_partial_or_textual_onset_is_not_replaced_by_the_recorded_date(
    onset: dict[str, str],
) -> None:
    covid = {**cond("covid", ICD10, "U07.1"), **onset, "recordedDate": "2026-10-15"}
    rec, row = both(bundle(covid))
    assert "sars_cov_2_positive" not in rec and row["sars_cov_2_positive"] is None


@pytest.mark.parametrize(
    ("ratio_at", "kept"),
    [
        ("2026-10-18T08:00:00Z", {"pao2", "fio2"}),  # the pair is the later gas
        ("2026-10-19T09:00:00Z", {"pao2_fio2_ratio"}),  # the reported ratio is later
        ("2026-10-19T08:00:00Z", {"pao2", "fio2", "pao2_fio2_ratio"}),  # one gas
    ],
)
def test_a_ratio_and_a_pair_from_two_gases_are_not_mixed(ratio_at: str, kept: set[str]) -> None:
    ratio = 120.0 if len(kept) == 3 else 300.0  # one gas agrees: 60 / 0.5
    b = bundle(
        obs("r", "50984-4", ratio_at, valueQuantity={"value": ratio, "code": "mm[Hg]"}),
        *gas("g", "2026-10-19T08:00:00Z", "2026-10-19T08:00:00Z", pao2=60.0, fio2=0.5),
    )
    rec, row = both(b)
    facts = {"pao2", "fio2", "pao2_fio2_ratio"}
    assert {f for f in facts if f in rec} == kept
    assert {f for f in facts if row[f] is not None} == kept
    for fact in facts - kept:
        assert "left out: the later blood gas" in rec.searched[fact]
    result = lc.evaluate(rec)  # never a contradiction between two gases
    node = result.tree.find("exclusion.oxygenation")
    screened = lc.screen(pl.DataFrame([row]))
    assert len(screened["errors"][0]) == 0
    assert (
        screened["exclusion.oxygenation"][0]
        == {lc.Outcome.MET: True, lc.Outcome.NOT_MET: False, lc.Outcome.UNKNOWN: None}[
            node.outcome
        ]
    )
