"""Inclusion group B: acute-on-chronic liver failure (ACLF)."""

from __future__ import annotations

from ..dictionary import VARIABLES as V
from ..dsl import AllOf, Criterion, Ruleset, all_of, any_of, choice, days_between
from . import decisions as d
from .common import age, body_weight, treatment

__all__ = ["ACLF"]


def _in_window(onset: str) -> AllOf:
    """The onset 28 days after diagnosis at the latest, and not earlier than allowed."""
    return all_of(
        days_between(V[onset], V["diagnosis_date"]) <= d.ACLF_ONSET_DAYS_BEFORE_DIAGNOSIS,
        days_between(V["diagnosis_date"], V[onset]) <= "28 d",
    )


_INR, _PTA = V["inr"], V["prothrombin_activity"]

ACLF = Ruleset(
    "aclf",
    "Acute-on-chronic liver failure (ACLF) group",
    (
        body_weight("aclf"),
        age("aclf"),
        Criterion(
            "aclf.symptoms",
            "Obvious fatigue with a gastrointestinal symptom",
            "With obvious fatigue, accompanied by other gastrointestinal symptoms such as "
            "anorexia, vomiting, and abdominal distension",
            all_of(
                V["fatigue"],
                any_of(V["anorexia"], V["vomiting"], V["abdominal_distension"]),
            ),
            decisions=(d.ACLF_SYMPTOMS,),
        ),
        Criterion(
            "aclf.complications",
            "Ascites or hepatic encephalopathy within 4 weeks of diagnosis",
            "Complicated with ascites and/or hepatic encephalopathy within 4 weeks after "
            "being diagnosed",
            any_of(
                all_of(V["ascites"], _in_window("ascites_onset_date")),
                all_of(
                    V["hepatic_encephalopathy"],
                    _in_window("hepatic_encephalopathy_onset_date"),
                ),
            ),
            decisions=(d.ACLF_COMPLICATION_DEVELOPED, d.ACLF_ONSET_WINDOW),
        ),
        Criterion(
            "aclf.jaundice",
            "Progressive jaundice, total bilirubin ≥ 85 µmol/L",
            "Progressive aggravation of jaundice, total serum bilirubin≥85umol/L",
            all_of(V["progressive_jaundice"], V["total_bilirubin"] >= "85 umol/L"),
            decisions=(d.ACLF_JAUNDICE,),
        ),
        Criterion(
            "aclf.coagulopathy",
            "Coagulation disorder: INR > 1.5 or PTA < 40 %",
            "Coagulation disorders, INR>1.5 or PTA<40%",
            choice(
                d.ACLF_COAGULOPATHY_INCLUSIVE,
                any_of(_INR >= 1.5, _PTA <= "40 %"),
                any_of(_INR > 1.5, _PTA < "40 %"),
            ),
            decisions=(d.ACLF_COAGULOPATHY,),
            title_when=(
                d.ACLF_COAGULOPATHY_INCLUSIVE,
                "Coagulation disorder: INR ≥ 1.5 or PTA ≤ 40 %",
            ),
        ),
        treatment("aclf"),
    ),
    mode="all",
    protocol_text="B. Acute-on-chronic liver failure (ACLF) group: With known or unknown "
    "basic liver diseases, subjects undergoing acute liver failure syndrome (clinical "
    "manifestations indicated as an early stage liver failure).",
    group="ACLF",
)
