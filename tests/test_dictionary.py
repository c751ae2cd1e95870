"""The data dictionary: the public fact names, and what each declares."""

from __future__ import annotations

import re

import pytest

import liverfail_criteria as lc

#: The fact names the public API promises (the core issue's list).
PUBLIC_NAMES = """
age birth_date assessment_date sex body_weight cirrhosis hepatic_decompensation
total_bilirubin total_bilirubin_uln albumin platelets inr prothrombin_activity
pao2_fio2_ratio pao2 fio2 refractory_ascites portal_hypertension
hepatic_encephalopathy_grade fatigue anorexia vomiting abdominal_distension
progressive_jaundice diagnosis_date ascites_onset_date hepatic_encephalopathy_onset_date
standard_treatment_duration improved_on_treatment brain_edema cerebral_herniation
intracranial_hemorrhage liver_cancer hypoxemia_uncorrectable dic active_hemorrhage
uncontrolled_infection thrombocytopenia_uncorrectable hiv_positive sars_cov_2_positive
drug_abuse_past_year last_drug_abuse_date hemodynamic_instability pregnant lactating
clinician_excluded
""".split()  # noqa: SIM905


def test_every_public_name_is_declared() -> None:
    assert set(PUBLIC_NAMES) <= set(lc.VARIABLES)


def test_every_fact_the_trial_reads_is_in_the_dictionary() -> None:
    assert set(v.name for v in lc.ELIGIBILITY.variables()) <= set(lc.VARIABLES)  # noqa: C401


@pytest.mark.parametrize("variable", lc.VARIABLES.values(), ids=lambda v: v.name)
def test_declarations_are_complete(variable: lc.Variable) -> None:
    assert variable.label
    assert variable.description.endswith(".")
    assert all(re.fullmatch(r"\d{1,6}-\d", code) for code in variable.loinc)
    if variable.type.kind is lc.Kind.QUANTITY:
        assert variable.type.unit is not None
        assert variable.plausible is not None
        low, high = variable.plausible
        assert low < high


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("total_bilirubin", "umol/L"),
        ("albumin", "g/L"),
        ("platelets", "10*9/L"),
        ("inr", "1"),
        ("prothrombin_activity", "%"),
        ("pao2_fio2_ratio", "mm[Hg]"),
        ("body_weight", "kg"),
        ("age", "a"),
        ("standard_treatment_duration", "d"),
    ],
)
def test_canonical_units(name: str, canonical: str) -> None:
    unit = lc.VARIABLES[name].type.unit
    assert unit is not None
    assert unit.canonical == canonical


def test_variable_lookup_suggests() -> None:
    assert lc.variable("albumin") is lc.VARIABLES["albumin"]
    with pytest.raises(KeyError, match="did you mean 'albumin'"):
        lc.variable("albumen")


def test_dictionary_is_read_only() -> None:
    with pytest.raises(TypeError):
        lc.VARIABLES["x"] = lc.VARIABLES["age"]  # type: ignore[index]
