"""The trial's eligibility rule: in the CLF or the ACLF group, and not excluded."""

from __future__ import annotations

from ..dsl import Ruleset
from .aclf import ACLF
from .clf import CLF
from .exclusions import EXCLUSIONS

__all__ = ["ELIGIBILITY", "INCLUSION"]

INCLUSION = Ruleset(
    "inclusion",
    "Inclusion: CLF group or ACLF group",
    (CLF, ACLF),
    mode="any",
    protocol_text="Inclusion Criteria:",
)

ELIGIBILITY = Ruleset(
    "eligibility",
    "Eligible: meets an inclusion group and no exclusion",
    (INCLUSION, ~EXCLUSIONS),
    mode="all",
)
