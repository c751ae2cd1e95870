"""Values read from clinical records, as a record mapping holds them.

A :class:`Derived` is what :func:`~liverfail_criteria.record_from_fhir` puts in a
record: the value as a record would hold it (``"5.2 mg/dL"``, ``"<5 10*9/L"``,
``True``, a date) with its :class:`~liverfail_criteria.result.Origin`. ``lc.evaluate``
reads it like the plain value and shows the origin in the tree and its JSON.
A :class:`Censored` is a value known only as a bound (``"<5 10*9/L"``).
"""

from __future__ import annotations

import operator
import re
from typing import NamedTuple

import attrs

from ..result import Origin
from ..whitespace import WS

__all__ = [
    "COMPARATORS",
    "TEXT_VALUE",
    "Censored",
    "Derived",
    "parse_text_value",
    "split_comparator",
]

#: The comparators of censored values, and their spellings.
_WS_CHARS = WS[1:-1]  # the class's members, to negate it

COMPARATORS: dict[str, str] = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "≤": "<=", "≥": ">="}
#: A result written as text: an optional comparator, a number, an optional unit
#: ("<20", "< 20 10*9/L", "85 umol/L", "85umol/L"). One pattern for every reader: FHIR
#: ``valueString`` (:func:`parse_text_value`) and lab extracts' text values (the same
#: pattern in polars); the groups are the comparator, the number and the unit.
#: Whitespace is :data:`~liverfail_criteria.whitespace.WS` (Unicode White_Space), not
#: ``re``'s ``\s``, which also matches U+001C to U+001F: the pattern means the same in
#: Python's ``re`` and in polars' regex engine.
TEXT_VALUE = (
    rf"^{WS}*(<=|>=|<|>|≤|≥)?{WS}*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
    rf"(?:{WS}*([^{_WS_CHARS}0-9.,+-].*?|{WS}[0-9].*?))?{WS}*$"
)
_TEXT_VALUE = re.compile(TEXT_VALUE, re.S)
_LEADING = re.compile(rf"^{WS}*(<=|>=|<|>|≤|≥){WS}*([^{_WS_CHARS}].*)$", re.S)


@attrs.frozen
class Derived:
    """A fact's value derived from clinical records, with where it came from.

    Attributes:
        value: the value as a record holds it.
        origin: its provenance.
    """

    value: object
    origin: Origin


class Censored(NamedTuple):
    """A value known only as a bound: ``comparator bound`` (``< 5``).

    Attributes:
        comparator: ``"<"``, ``"<="``, ``">"`` or ``">="``.
        bound: the bound, in the fact's canonical unit.
    """

    comparator: str
    bound: float

    def compare(self, op: str, threshold: float) -> bool | None:
        """Whether every value in the interval satisfies ``value op threshold``.

        ``True`` when all do, ``False`` when none does, ``None`` when it depends on
        the value (three-valued). ``op`` is ``<``, ``<=``, ``>`` or ``>=``; any other
        comparison of an interval is ``None``. The rule is :func:`interval_rule`.
        """
        rule = interval_rule(self.comparator, op)
        if rule is None:
            return None
        rel, result = rule
        return result if _RELATIONS[rel](self.bound, threshold) else None

    def __str__(self) -> str:
        return f"{self.comparator}{self.bound:g}"


_RELATIONS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def interval_rule(comparator: str, op: str) -> tuple[str, bool] | None:
    """How an interval ``comparator bound`` meets ``value op threshold``: ``(rel, result)``.

    Where ``bound rel threshold`` holds, the comparison is ``result`` for every value of
    the interval; elsewhere it depends on the value (unknown). ``None`` for an ``op``
    that never decides an interval (``==``, ``!=``). One rule for every interpreter: the
    reference (:meth:`Censored.compare`) and the vectorised compiler both read it.
    """
    if op not in _RELATIONS:
        return None
    below = comparator in ("<", "<=")  # (-inf, b) or (-inf, b]; else (b, inf) or [b, inf)
    if op in ("<", "<="):
        if below:  # never all false: the interval is unbounded below
            return ("<" if comparator == "<=" and op == "<" else "<="), True
        return (">" if comparator == ">=" and op == "<=" else ">="), False
    if not below:  # never all false: unbounded above
        return (">" if comparator == ">=" and op == ">" else ">="), True
    return ("<" if comparator == "<=" and op == ">=" else "<="), False


def split_comparator(text: str) -> tuple[str | None, str]:
    """``"<20 10*9/L"`` -> ``("<", "20 10*9/L")``; text without a comparator as it is."""
    m = _LEADING.match(text)
    if m is None:
        return None, text
    return COMPARATORS[m.group(1)], m.group(2)


def parse_text_value(text: str) -> tuple[str | None, float, str | None] | None:
    """A result written as text, or ``None`` when it is not a number.

    ``"< 20 10*9/L"`` -> ``("<", 20.0, "10*9/L")``; ``"85 umol/L"`` -> ``(None, 85.0,
    "umol/L")``; ``"<20"`` -> ``("<", 20.0, None)``; ``"Detected"`` -> ``None``.
    """
    m = _TEXT_VALUE.match(text)
    if m is None:
        return None
    comparator = COMPARATORS[m.group(1)] if m.group(1) else None
    unit = m.group(3).strip() if m.group(3) else None
    return comparator, float(m.group(2)), unit or None
