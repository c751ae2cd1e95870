"""The trial NCT05727722 encoded: its rulesets, decisions, parameters and arms."""

from __future__ import annotations

from types import MappingProxyType

from ..dsl import Parameter
from .aclf import ACLF
from .clf import CLF
from .decisions import (
    ACLF_COAGULOPATHY_INCLUSIVE,
    CLF_PLATELET_THRESHOLD,
    CLF_REQUIRE_COAGULOPATHY,
    DECISIONS,
    TOTAL_BILIRUBIN_ULN,
)
from .eligibility import ELIGIBILITY, INCLUSION
from .exclusions import EXCLUSIONS
from .study import TRIAL, Arm, Trial

#: Every parameter of the trial's rulesets, by name. Read-only.
PARAMETERS: MappingProxyType[str, Parameter] = MappingProxyType(
    {p.name: p for p in ELIGIBILITY.parameters()}
)

__all__ = [
    "ACLF",
    "ACLF_COAGULOPATHY_INCLUSIVE",
    "CLF",
    "CLF_PLATELET_THRESHOLD",
    "CLF_REQUIRE_COAGULOPATHY",
    "DECISIONS",
    "ELIGIBILITY",
    "EXCLUSIONS",
    "INCLUSION",
    "PARAMETERS",
    "TOTAL_BILIRUBIN_ULN",
    "TRIAL",
    "Arm",
    "Trial",
]
