"""Patient records for tests: one complete eligible record per group, to vary from."""

from __future__ import annotations

from typing import Any

#: Every exclusion fact false: a record that no exclusion criterion excludes.
NO_EXCLUSIONS: dict[str, Any] = {
    "brain_edema": False,
    "cerebral_herniation": False,
    "intracranial_hemorrhage": False,
    "liver_cancer": False,
    "pao2_fio2_ratio": "380 mmHg",
    "hypoxemia_uncorrectable": False,
    "dic": False,
    "active_hemorrhage": False,
    "uncontrolled_infection": False,
    "platelets": "150 10*9/L",
    "thrombocytopenia_uncorrectable": False,
    "hiv_positive": False,
    "sars_cov_2_positive": False,
    "drug_abuse_past_year": False,
    "hemodynamic_instability": False,
    "sex": "male",
    "clinician_excluded": False,
}

#: Meets every CLF criterion and no ACLF symptom criterion.
CLF_PATIENT: dict[str, Any] = {
    **NO_EXCLUSIONS,
    "age": "52 a",
    "body_weight": "70 kg",
    "cirrhosis": True,
    "hepatic_decompensation": True,
    "total_bilirubin": "60 umol/L",
    "total_bilirubin_uln": "17.1 umol/L",
    "hepatic_encephalopathy_grade": 1,
    "inr": 1.8,
    "coagulopathy_other_cause": False,
    "standard_treatment_duration": "5 d",
    "improved_on_treatment": False,
    "fatigue": False,
}

#: Meets every ACLF criterion and not the CLF bilirubin criterion (≥ 10 × ULN).
ACLF_PATIENT: dict[str, Any] = {
    **NO_EXCLUSIONS,
    "age": "44 a",
    "body_weight": "61 kg",
    "cirrhosis": False,
    "fatigue": True,
    "anorexia": True,
    "ascites": True,
    "diagnosis_date": "2026-02-01",
    "ascites_onset_date": "2026-02-10",
    "hepatic_encephalopathy_grade": 0,
    "hepatic_encephalopathy": False,
    "progressive_jaundice": True,
    "total_bilirubin": "260 umol/L",
    "total_bilirubin_uln": "17.1 umol/L",
    "inr": 2.1,
    "standard_treatment_duration": "4 d",
    "improved_on_treatment": False,
}
