"""Inclusion group A: chronic liver failure (CLF)."""

from __future__ import annotations

from ..dictionary import VARIABLES as V
from ..dsl import Criterion, Ruleset, all_of, any_of, coalesce
from . import decisions as d
from .common import age, body_weight, treatment

__all__ = ["CLF"]

_ULN = coalesce(V["total_bilirubin_uln"], d.TOTAL_BILIRUBIN_ULN)
_TB = V["total_bilirubin"]

CLF = Ruleset(
    "clf",
    "Chronic liver failure (CLF) group",
    (
        Criterion(
            "clf.cirrhosis_decompensation",
            "Progressive decline or decompensation after cirrhosis",
            "The progressive liver function decline or decompensation after liver cirrhosis",
            all_of(V["cirrhosis"], V["hepatic_decompensation"]),
            decisions=(d.CLF_BACKGROUND,),
        ),
        body_weight("clf"),
        age("clf"),
        Criterion(
            "clf.bilirubin",
            "Total bilirubin above the ULN and below 10 × ULN",
            "Serum Total bilirubin was higher than the normal range and lower than 10 "
            "times the upper limit of normal value (ULN)",
            all_of(_TB > _ULN, _TB < 10 * _ULN),
            decisions=(d.BILIRUBIN_ULN, d.CLF_BILIRUBIN_STRICT),
        ),
        Criterion(
            "clf.albumin",
            "Serum albumin below 35 g/L",
            "With or without significantly decreased serum albumin value, lower than 35",
            V["albumin"] < "35 g/L",
            decisions=(d.CLF_ALBUMIN_UNIT,),
            gating=False,
        ),
        Criterion(
            "clf.platelets",
            "Significantly decreased platelets",
            "With or without significantly decreased platelet (PLT) value",
            V["platelets"] < d.CLF_PLATELET_THRESHOLD,
            decisions=(d.CLF_PLATELETS, d.CLF_WITH_OR_WITHOUT),
            gating=False,
        ),
        Criterion(
            "clf.coagulopathy",
            "PTA ≤ 40 % or INR ≥ 1.5, other causes excluded",
            "prothrombin activity (PTA)≤40% (or international normalized ratio (INR)≥1.5), "
            "other reasons excluded",
            all_of(
                any_of(V["prothrombin_activity"] <= "40 %", V["inr"] >= 1.5),
                ~V["coagulopathy_other_cause"],
            ),
            decisions=(d.CLF_COAGULOPATHY,),
            gating=d.CLF_REQUIRE_COAGULOPATHY,
        ),
        Criterion(
            "clf.ascites_portal_hypertension",
            "Refractory ascites or portal hypertension",
            "With or without refractory ascites or portal hypertension",
            any_of(V["refractory_ascites"], V["portal_hypertension"]),
            decisions=(d.CLF_WITH_OR_WITHOUT,),
            gating=False,
        ),
        Criterion(
            "clf.hepatic_encephalopathy",
            "No hepatic encephalopathy, or grade I to II",
            "With or without a stage I or II hepatic encephalopathy",
            V["hepatic_encephalopathy_grade"] <= 2,
            decisions=(d.CLF_ENCEPHALOPATHY,),
        ),
        treatment("clf"),
    ),
    mode="all",
    protocol_text="A. Chronic liver failure (CLF) group: The progressive liver function "
    "decline or decompensation after liver cirrhosis:",
    group="CLF",
)
