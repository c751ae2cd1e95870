"""Write your own ruleset with the public DSL: the APASL definition of ACLF.

The Asian Pacific Association for the Study of the Liver (APASL) defines ACLF as an
acute hepatic insult with jaundice (serum bilirubin ≥ 5 mg/dL, 85 µmol/L) and
coagulopathy (INR ≥ 1.5 or prothrombin activity < 40 %), complicated within 4 weeks
by clinical ascites and/or encephalopathy, in a patient with previously diagnosed or
undiagnosed chronic liver disease or cirrhosis.

Run it: ``python examples/apasl_aclf.py``.
"""

from __future__ import annotations

import liverfail_criteria as lc

V = lc.VARIABLES


def within_4_weeks_of_diagnosis(onset: str) -> lc.Expr:
    """Onset 0 to 28 days (inclusive) after the ACLF diagnosis date."""
    return lc.days_between(V["diagnosis_date"], V[onset]).between("0 d", "28 d")


APASL_ACLF = lc.Ruleset(
    "apasl_aclf",
    "APASL acute-on-chronic liver failure",
    (
        lc.Criterion(
            "apasl.jaundice",
            "Jaundice: serum bilirubin ≥ 5 mg/dL (85 µmol/L)",
            "Jaundice (serum bilirubin ≥5 mg/dL [85 μmol/L])",
            V["total_bilirubin"] >= "5 mg/dL",
        ),
        lc.Criterion(
            "apasl.coagulopathy",
            "Coagulopathy: INR ≥ 1.5 or PTA < 40 %",
            "coagulopathy (INR ≥1.5 or prothrombin activity <40%)",
            lc.any_of(V["inr"] >= 1.5, V["prothrombin_activity"] < "40 %"),
        ),
        lc.Criterion(
            "apasl.complications",
            "Ascites and/or encephalopathy within 4 weeks",
            "complicated within 4 weeks by clinical ascites and/or encephalopathy",
            lc.any_of(
                V["ascites"] & within_4_weeks_of_diagnosis("ascites_onset_date"),
                (V["hepatic_encephalopathy_grade"] >= 1)
                & within_4_weeks_of_diagnosis("hepatic_encephalopathy_onset_date"),
            ),
        ),
    ),
    group="APASL-ACLF",
)


if __name__ == "__main__":
    patient = {
        "total_bilirubin": "260 umol/L",  # 15.2 mg/dL
        "inr": 1.8,
        "ascites": True,
        "diagnosis_date": "2026-02-10",
        "ascites_onset_date": "2026-02-20",
    }
    result = lc.evaluate(patient, APASL_ACLF)
    print(result.explain())
    # 5 mg/dL is 85.52 µmol/L, so 85 µmol/L falls just short of the APASL threshold
    # written in mg/dL: the comparison happens in µmol/L, after one exact conversion.
    borderline = lc.evaluate({**patient, "total_bilirubin": "85 umol/L"}, APASL_ACLF)
    print("\n85 µmol/L against ≥ 5 mg/dL:", borderline.tree.find("apasl.jaundice").outcome.value)
