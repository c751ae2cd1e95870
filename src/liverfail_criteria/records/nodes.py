"""The derivation nodes: how a fact is read from a patient's events.

A derivation is a small frozen tree, the same vocabulary as ehrQL or CQL uses:

* :class:`Select` keeps the events of one kind whose code is in the code sets and
  whose statuses count;
* :class:`Window` keeps those dated within a lookback from the assessment date (both
  ends inclusive, by the event's date in UTC; nothing after the assessment date);
* :class:`Derive` takes the latest (or earliest) of them and reads its value with its
  unit, or its date, or whether there is any, or how many;
* :class:`Trend` reads a rise across serial values (progressive jaundice);
* :class:`Paired` reads one of two results taken together (PaO2 and the FiO2 of the
  same blood gas);
* :class:`AnyOf` is true when any of several presence derivations finds an event (a
  Condition, or a positive laboratory test), and names the first that does.

Ties break deterministically: events are ordered by ``(time, source)`` and the
latest is the last of that order, the earliest the first. The events of one source
(one resource with several codings) count once.
"""

from __future__ import annotations

import enum

import attrs

from ..errors import DefinitionError
from .codes import CodeSet
from .schema import CONDITION, OBSERVATION

__all__ = [
    "AnyOf",
    "Derivation",
    "Derive",
    "Paired",
    "Read",
    "Select",
    "Take",
    "Trend",
    "Window",
    "reads_value",
]


class Take(enum.Enum):
    """Which of the selected events a derivation uses."""

    LATEST = "latest"
    EARLIEST = "earliest"
    ANY = "any"
    COUNT = "count"


class Read(enum.Enum):
    """What a derivation reads from the event it takes."""

    VALUE = "value"  # the value with its unit (and comparator)
    DATE = "date"  # the event's date (a condition's onset)
    PRESENT = "present"  # true when there is one (never false: absence is unknown)
    NUMBER = "number"  # how many there are (with Take.COUNT)


def _check_kind(instance: object, attribute: object, value: str) -> None:
    if value not in (OBSERVATION, CONDITION):
        raise DefinitionError(f"event kind {value!r}: expected {OBSERVATION!r} or {CONDITION!r}")


@attrs.frozen
class Select:
    """The events of one kind, coded in the code sets, whose statuses count.

    Attributes:
        kind: ``"observation"`` or ``"condition"``.
        codes: the code sets; an event matches when its (system, code) is in any.
        statuses: the ``status`` values that count; ``None`` in it means an event
            without a status counts (extracts and OMOP record none).
        verifications: the ``verification`` values that count (``None``: without
            one), or ``None`` to not look at verification (observations).
        values: for a qualitative observation, the coded answers that count (a
            result "Detected" or "Positive"): the event's ``value_text`` must be
            ``"<system>|<code>"`` of a code in one of these sets (see
            :func:`value_tokens`); ``None`` to not look at the value.
    """

    kind: str = attrs.field(validator=_check_kind)
    codes: tuple[CodeSet, ...]
    statuses: tuple[str | None, ...]
    verifications: tuple[str | None, ...] | None = None
    values: tuple[CodeSet, ...] | None = None

    def value_tokens(self) -> tuple[str, ...] | None:
        """The ``value_text`` of the answers that count, sorted; ``None``: any value."""
        if self.values is None:
            return None
        return tuple(sorted(value_token(s.system, c) for s in self.values for c in s.exact()))


def value_token(system: str, code: str) -> str:
    """How a coded value (``valueCodeableConcept``) is written in ``value_text``."""
    return f"{system}|{code.strip()}"


@attrs.frozen
class Window:
    """The days before the assessment date within which an event counts.

    An event counts when ``assessment_date - days <= date(time) <= assessment_date``.
    With ``days=None`` there is no lower bound, and an event without a date (a
    condition without an onset) counts too; with a lower bound it does not.

    Attributes:
        days: the lookback in days, or ``None`` for no lower bound.
        parameter: the name of the parameter that overrides ``days``, if any.
    """

    days: int | None
    parameter: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.days is not None and self.days < 0:
            raise DefinitionError(f"a window of {self.days} days")

    def resolve(self, params: dict[str, int] | None = None) -> int | None:
        """The lookback in days, with a parameter's value if one was given."""
        if params and self.parameter is not None and self.parameter in params:
            return params[self.parameter]
        return self.days


@attrs.frozen
class Derive:
    """One fact read from the selected events in the window.

    Attributes:
        fact: the fact's name in the data dictionary.
        select: the events.
        window: the window.
        take: which event (or all, or how many).
        read: what is read from it.
        decisions: the ids of the decisions this derivation applies.
    """

    fact: str
    select: Select
    window: Window
    take: Take
    read: Read
    decisions: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        ok = {
            Read.VALUE: (Take.LATEST, Take.EARLIEST),
            Read.DATE: (Take.LATEST, Take.EARLIEST),
            Read.PRESENT: (Take.ANY,),
            Read.NUMBER: (Take.COUNT,),
        }[self.read]
        if self.take not in ok:
            raise DefinitionError(f"{self.fact}: cannot read {self.read.value} of {self.take}")
        if self.read is Read.VALUE and self.select.kind != OBSERVATION:
            raise DefinitionError(f"{self.fact}: only observations have values")


@attrs.frozen
class Trend:
    """True when serial values rise fast enough; false when they are known not to.

    Of the selected events in the window with an exact (uncensored) readable value,
    compare the earliest and the latest on different dates: the fact is true when
    the value rose by at least ``min_daily_rise`` (in the fact's canonical unit) per
    day between their dates, false when it did not, and unknown with fewer than two
    such dates.

    Attributes:
        fact: the fact's name.
        select: the events (observations).
        window: the window.
        value_fact: the fact whose unit reads the values (``"total_bilirubin"``).
        min_daily_rise: the rise per day, in the value fact's canonical unit.
        decisions: the ids of the decisions this derivation applies.
    """

    fact: str
    select: Select
    window: Window
    value_fact: str
    min_daily_rise: float
    decisions: tuple[str, ...] = ()


@attrs.frozen
class AnyOf:
    """True when any of its parts finds an event; the first part that does is the source.

    Each part is a presence derivation (:attr:`Read.PRESENT`) of the same fact with
    its own selection and window (a Condition at any time, or a positive test within
    weeks). The value is true when one finds an event, and missing otherwise (never
    false); the source is the latest event of the first part, in order, that finds
    one.

    Attributes:
        fact: the fact's name.
        parts: the presence derivations, in order of preference.
        decisions: the ids of the decisions this derivation applies, its parts' too.
    """

    fact: str
    parts: tuple[Derive, ...]
    decisions: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        if not self.parts:
            raise DefinitionError(f"{self.fact}: AnyOf of no derivations")
        for part in self.parts:
            if part.read is not Read.PRESENT or part.fact != self.fact:
                raise DefinitionError(
                    f"{self.fact}: AnyOf takes presence derivations of the same fact"
                )


@attrs.frozen
class Paired:
    """A value from a pair of results taken together: PaO2 and the FiO2 it was drawn on.

    The pairs are the anchor events (PaO2) in the window with a time, each with the
    partner events (FiO2) in the window at the same time or at most
    ``tolerance_minutes`` before it (the setting in effect when the sample was drawn),
    the latest of them by ``(time, source)``. The pair taken is the one of the latest
    anchor (by ``(time, source)``) that has a partner; an anchor without one is never
    paired with a result from another time. The fact is the anchor's value, or with
    ``read_partner`` the partner's.

    Attributes:
        fact: the fact's name.
        select: the anchor events (observations with a value).
        partner: the partner events.
        window: the window, for both.
        tolerance_minutes: how long before the anchor a partner may be.
        read_partner: read the partner's value (FiO2) rather than the anchor's.
        decisions: the ids of the decisions this derivation applies.
    """

    fact: str
    select: Select
    partner: Select
    window: Window
    tolerance_minutes: int
    read_partner: bool = False
    decisions: tuple[str, ...] = ()

    def __attrs_post_init__(self) -> None:
        if self.tolerance_minutes < 0:
            raise DefinitionError(f"{self.fact}: a tolerance of {self.tolerance_minutes} min")
        if self.select.kind != OBSERVATION or self.partner.kind != OBSERVATION:
            raise DefinitionError(f"{self.fact}: only observations are paired")


#: Any derivation node.
Derivation = Derive | Trend | AnyOf | Paired


def reads_value(d: Derivation) -> bool:
    """Whether a derivation gives a value with its unit (a laboratory result)."""
    return isinstance(d, Paired) or (isinstance(d, Derive) and d.read is Read.VALUE)
