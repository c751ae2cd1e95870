"""The trial itself: registry identity, arms, doses and follow-up."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["TRIAL", "Arm", "Trial"]


@attrs.frozen
class Arm:
    """One dose cohort.

    Attributes:
        name: the arm's name in the registry.
        cells: cells per infusion.
        infusions: how many infusions each participant receives.
        follow_up_days: follow-up after the infusion, in days.
    """

    name: str
    cells: float
    infusions: int
    follow_up_days: int

    @property
    def dose(self) -> Any:
        """Cells per infusion, a pint quantity in ``cell`` (imports pint)."""
        from ..units import registry

        return registry().Quantity(self.cells, "cell")

    @property
    def follow_up(self) -> Any:
        """Follow-up after the infusion, a pint quantity of time (imports pint)."""
        from ..units import registry

        return registry().Quantity(self.follow_up_days, "d")


@attrs.frozen
class Trial:
    """The trial whose eligibility criteria this library encodes.

    Attributes:
        registry_source: where the facts that the protocol text does not give (the
            sponsor, the phase and design, the follow-up visit days) come from.
    """

    title: str
    registry_id: str
    sponsor: str
    phase: str
    conditions: tuple[str, ...]
    arms: tuple[Arm, ...]
    follow_up_visits_days: tuple[int, ...]
    registry_source: str = ""


def _arm(n: int, billions_of_cells: float) -> Arm:
    return Arm(
        name=f"Micro-encapsulated Hepatocyte Intraperitoneal Transplantation Cohort {n}",
        cells=billions_of_cells * 1e9,
        infusions=1,
        follow_up_days=60,
    )


#: Micro-encapsulated Hepatocyte Intraperitoneal Transplantation in Liver Failure Adults.
TRIAL = Trial(
    title="Micro-encapsulated Hepatocyte Intraperitoneal Transplantation in Liver Failure Adults",
    registry_id="NCT05727722",
    sponsor="RenJi Hospital, Shanghai",
    phase="Phase 1, open label, single centre; accelerated titration then 3+3 dose escalation",
    conditions=("Acute-On-Chronic Liver Failure", "Chronic Liver Failure"),
    arms=(_arm(1, 0.15), _arm(2, 0.5), _arm(3, 1.5), _arm(4, 4.5)),
    follow_up_visits_days=(1, 3, 7, 14, 28, 60),
    registry_source="ClinicalTrials.gov registry record NCT05727722",
)
