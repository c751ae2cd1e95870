"""Facts and criteria the CLF and ACLF groups share."""

from __future__ import annotations

from ..dictionary import VARIABLES as V
from ..dsl import Criterion, all_of, coalesce, years_between
from . import decisions as d

__all__ = ["AGE_YEARS", "age", "body_weight", "treatment"]

#: Age: the recorded age, else completed years from birth_date to assessment_date.
AGE_YEARS = coalesce(V["age"], years_between(V["birth_date"], V["assessment_date"]))


def body_weight(group: str) -> Criterion:
    """Body weight > 40 kg, for the group with id prefix ``group``."""
    return Criterion(
        f"{group}.body_weight",
        "Body weight above 40 kg",
        "Body weight>40kg",
        V["body_weight"] > "40 kg",
        decisions=(d.BODY_WEIGHT, d.PLAUSIBLE_VALUES, d.NUMBER_MAGNITUDE),
    )


def age(group: str) -> Criterion:
    """Aged 18 to 65 in completed years."""
    return Criterion(
        f"{group}.age",
        "Aged 18 to 65 years",
        "Aged between 18 to 65 years old",
        all_of(AGE_YEARS >= "18 a", AGE_YEARS < "66 a"),
        decisions=(d.AGE, d.AGE_DURATION_UNITS, d.PLAUSIBLE_VALUES, d.NUMBER_MAGNITUDE),
    )


def treatment(group: str) -> Criterion:
    """More than 3 days of regular treatment without obvious improvement."""
    return Criterion(
        f"{group}.no_improvement",
        "No obvious improvement after more than 3 days of treatment",
        "No obvious improvement after more than 3 days' regular clinical treatments.",
        all_of(V["standard_treatment_duration"] > "3 d", ~V["improved_on_treatment"]),
        decisions=(d.TREATMENT,),
    )
