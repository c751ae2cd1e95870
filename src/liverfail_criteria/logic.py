"""Three-valued (Kleene) logic: the kernel every interpreter agrees with.

``UNKNOWN`` stands for a truth value that the available facts do not decide. The
connectives follow Kleene's strong logic, as SQL and HL7 CQL do: ``NOT_MET`` dominates
a conjunction, ``MET`` dominates a disjunction, and anything else involving ``UNKNOWN``
is ``UNKNOWN``. ``tests/test_cql_conformance.py`` checks these functions against the
HL7 CQL conformance truth tables.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

__all__ = [
    "Outcome",
    "and_",
    "at_least",
    "coalesce",
    "implies",
    "not_",
    "or_",
    "xor",
]


class Outcome(enum.Enum):
    """The three-valued outcome of a criterion or expression."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, value: bool | None) -> Outcome:
        """``True`` → ``MET``, ``False`` → ``NOT_MET``, ``None`` → ``UNKNOWN``."""
        if value is None:
            return cls.UNKNOWN
        return cls.MET if value else cls.NOT_MET

    def as_bool(self) -> bool | None:
        """The outcome as ``True``, ``False`` or ``None`` (SQL and polars' null)."""
        return _AS_BOOL[self]

    @property
    def known(self) -> bool:
        """Whether the outcome is decided (``MET`` or ``NOT_MET``)."""
        return self is not Outcome.UNKNOWN

    def __bool__(self) -> bool:
        raise TypeError(
            "an Outcome has three values and cannot be used as a bool; compare it "
            "with Outcome.MET, or use .as_bool()"
        )


_AS_BOOL = {Outcome.MET: True, Outcome.NOT_MET: False, Outcome.UNKNOWN: None}
MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN


def not_(a: Outcome) -> Outcome:
    """Kleene negation: ``UNKNOWN`` stays ``UNKNOWN``."""
    if a is MET:
        return NOT_MET
    if a is NOT_MET:
        return MET
    return UNKNOWN


def and_(outcomes: Iterable[Outcome]) -> Outcome:
    """Kleene conjunction; the empty conjunction is ``MET``."""
    result = MET
    for o in outcomes:
        if o is NOT_MET:
            return NOT_MET
        if o is UNKNOWN:
            result = UNKNOWN
    return result


def or_(outcomes: Iterable[Outcome]) -> Outcome:
    """Kleene disjunction; the empty disjunction is ``NOT_MET``."""
    result = NOT_MET
    for o in outcomes:
        if o is MET:
            return MET
        if o is UNKNOWN:
            result = UNKNOWN
    return result


def implies(a: Outcome, b: Outcome) -> Outcome:
    """Kleene implication, ``(not a) or b``."""
    return or_((not_(a), b))


def xor(a: Outcome, b: Outcome) -> Outcome:
    """Kleene exclusive or: ``UNKNOWN`` if either side is."""
    if a is UNKNOWN or b is UNKNOWN:
        return UNKNOWN
    return MET if (a is MET) != (b is MET) else NOT_MET


def at_least(n: int, outcomes: Iterable[Outcome]) -> Outcome:
    """At least ``n`` of the outcomes are met.

    ``MET`` if at least ``n`` are met for certain, ``NOT_MET`` if even every ``UNKNOWN``
    turning out met could not reach ``n``, else ``UNKNOWN``.
    """
    met = unknown = 0
    for o in outcomes:
        if o is MET:
            met += 1
        elif o is UNKNOWN:
            unknown += 1
    if met >= n:
        return MET
    if met + unknown < n:
        return NOT_MET
    return UNKNOWN


def coalesce(outcomes: Iterable[Outcome]) -> Outcome:
    """The first decided outcome, or ``UNKNOWN`` if none is."""
    for o in outcomes:
        if o is not UNKNOWN:
            return o
    return UNKNOWN
