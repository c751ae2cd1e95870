"""The exclusion criteria: any one met excludes the patient."""

from __future__ import annotations

from ..dictionary import DRUG_ABUSE_WINDOW_DAYS
from ..dictionary import VARIABLES as V
from ..dsl import Criterion, Expr, Ruleset, all_of, any_of, coalesce, days_between
from . import decisions as d

__all__ = ["EXCLUSIONS", "PAO2_FIO2_RATIO"]

#: PaO2/FiO2: the recorded ratio, else PaO2 divided by FiO2.
PAO2_FIO2_RATIO = coalesce(V["pao2_fio2_ratio"], V["pao2"] / V["fio2"])


def _fact(id: str, title: str, text: str, expr: Expr) -> Criterion:
    decisions = (d.EXCLUSION_FACTS, d.MISSING_IS_UNKNOWN)
    return Criterion(f"exclusion.{id}", title, text, expr, decisions=decisions)


EXCLUSIONS = Ruleset(
    "exclusions",
    "Exclusion criteria",
    (
        _fact(
            "cerebral",
            "Brain edema, cerebral herniation or intracranial hemorrhage",
            "With obvious brain edema, cerebral hernia, or indicated intracranial hemorrhage",
            any_of(V["brain_edema"], V["cerebral_herniation"], V["intracranial_hemorrhage"]),
        ),
        _fact(
            "liver_cancer",
            "Primary or metastatic liver cancer, diagnosed or suspected",
            "Diagnosed or suspected as primary or metastatic liver cancer",
            V["liver_cancer"],
        ),
        Criterion(
            "exclusion.oxygenation",
            "Uncorrectable PaO2/FiO2 below 200 mmHg",
            "With uncorrectable oxygenation index (PaO2/FiO2)<200",
            all_of(PAO2_FIO2_RATIO < "200 mm[Hg]", V["hypoxemia_uncorrectable"]),
            decisions=(d.OXYGENATION, d.MISSING_IS_UNKNOWN),
        ),
        _fact(
            "dic",
            "Disseminated intravascular coagulation",
            "With disseminated intravascular coagulation",
            V["dic"],
        ),
        _fact(
            "active_hemorrhage", "Active hemorrhage", "Active hemorrhage", V["active_hemorrhage"]
        ),
        _fact(
            "infection",
            "Uncontrollable infection, including SBP",
            "Uncontrollable infection, including ascites infection such as spontaneous "
            "bacterial peritonitis",
            V["uncontrolled_infection"],
        ),
        Criterion(
            "exclusion.thrombocytopenia",
            "Uncorrectable platelets below 20 ×10⁹/L",
            "Uncorrectable decrease in PLT (<20×109/L)",
            all_of(V["platelets"] < "20 10*9/L", V["thrombocytopenia_uncorrectable"]),
            decisions=(d.THROMBOCYTOPENIA, d.MISSING_IS_UNKNOWN),
        ),
        _fact(
            "hiv_sars_cov_2",
            "HIV or SARS-CoV-2 positive",
            "HIV and/or SARS-CoV-Ⅱ positive",
            any_of(V["hiv_positive"], V["sars_cov_2_positive"]),
        ),
        Criterion(
            "exclusion.drug_abuse",
            "Drug abuse within 1 year",
            "Drug abuse within 1 year",
            coalesce(
                V["drug_abuse_past_year"],
                days_between(V["last_drug_abuse_date"], V["assessment_date"]).between(
                    "0 d", f"{DRUG_ABUSE_WINDOW_DAYS} d"
                ),
            ),
            decisions=(d.DRUG_ABUSE, d.MISSING_IS_UNKNOWN),
        ),
        _fact(
            "hemodynamic_instability",
            "Systemic hemodynamic instability",
            "Systemic hemodynamic instability",
            V["hemodynamic_instability"],
        ),
        Criterion(
            "exclusion.pregnancy_lactation",
            "Pregnancy or lactation",
            "Combined with pregnancy or lactation",
            any_of(V["pregnant"], V["lactating"]),
            decisions=(d.MALE_NOT_PREGNANT, d.MISSING_IS_UNKNOWN),
        ),
        _fact(
            "clinician",
            "Other situations excluded by clinician",
            "Other situations excluded by clinician",
            V["clinician_excluded"],
        ),
    ),
    mode="any",
    protocol_text="Exclusion Criteria:",
)
