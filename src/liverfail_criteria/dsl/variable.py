"""Facts and parameters: the leaves of the expression tree.

A :class:`Variable` is one fact about a patient, declared once in the data dictionary
with its type, canonical unit, plausible range and LOINC code; it is also an expression,
so criteria are written with it directly (``total_bilirubin >= "85 umol/L"``). A
:class:`Parameter` is a value the caller sets for a whole evaluation (a laboratory's
ULN, a switch between two readings of the protocol).
"""

from __future__ import annotations

import datetime as dt
import math
import re

import attrs

from ..errors import CriteriaInputError, DefinitionError
from ..whitespace import strip
from .nodes import Expr
from .types import Kind, ValueType

__all__ = ["DATE_RANGE", "ISO_DATE_TEXT", "Parameter", "Variable", "parse_value"]

#: A date as text: ``YYYY-MM-DD`` (ASCII digits).
ISO_DATE_TEXT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ISO_DATE = re.compile(ISO_DATE_TEXT)
#: The earliest and the latest date a fact may hold.
DATE_RANGE = (dt.date(1900, 1, 1), dt.date(2100, 12, 31))
_EARLIEST, _LATEST = DATE_RANGE

Native = float | int | bool | str | dt.date


def _fmt(x: float) -> str:
    return f"{x:g}"


def parse_value(
    raw: object,
    value_type: ValueType,
    field: str,
    plausible: tuple[float, float] | None = None,
    hint: str = "",
) -> tuple[Native, str]:
    """Parse and check one raw value of ``value_type``.

    Returns the value in canonical form (a float in the canonical unit for a quantity)
    and the value as given, for display. Raises :class:`CriteriaInputError`, naming
    ``field``, the value and what was expected.
    """
    kind = value_type.kind
    if kind is Kind.QUANTITY:
        assert value_type.unit is not None
        spec = value_type.unit
        magnitude, written, given = spec.read(raw, field)
        if plausible is not None and not plausible[0] <= magnitude <= plausible[1]:
            unit = spec.symbol
            shown = f"{magnitude:.12g} {unit}".strip()  # every digit the library keeps
            suggestion = spec.suggestion(written, *plausible)
            expected = (
                f"a value from {_fmt(plausible[0])} to {_fmt(plausible[1])} {unit}".rstrip()
                + f" (it is {shown}{' after conversion' if given != shown else ''})"
                + (f"; {hint}" if hint else "")
                + (f"; {suggestion}" if suggestion else "")
            )
            raise CriteriaInputError(field, raw, expected)
        return magnitude, given
    if kind is Kind.BOOLEAN:
        if isinstance(raw, bool):
            return raw, "true" if raw else "false"
        raise CriteriaInputError(field, raw, "true or false")
    if kind is Kind.ORDINAL:
        assert value_type.levels is not None
        lo, hi = value_type.levels
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # 2.0, as tables with missing values hold whole numbers
        if isinstance(raw, int) and not isinstance(raw, bool) and lo <= raw <= hi:
            return raw, str(raw)
        raise CriteriaInputError(field, raw, f"a whole-number grade from {lo} to {hi}")
    if kind is Kind.CATEGORY:
        if isinstance(raw, str) and strip(raw).lower() in value_type.categories:
            return strip(raw).lower(), raw
        raise CriteriaInputError(field, raw, value_type.__str__())
    if kind is Kind.DATE:
        day = _parse_date(raw, field)
        if not _EARLIEST <= day <= _LATEST:
            raise CriteriaInputError(field, raw, f"a date from {_EARLIEST} to {_LATEST}")
        return day, day.isoformat()
    raise DefinitionError(f"unknown kind {kind}")  # pragma: no cover


def _parse_date(raw: object, field: str) -> dt.date:
    if isinstance(raw, dt.datetime):
        raise CriteriaInputError(field, raw, "a date without a time (use value.date())")
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str) and _ISO_DATE.match(strip(raw)):
        try:
            return dt.date.fromisoformat(strip(raw))
        except ValueError:
            pass
    raise CriteriaInputError(field, raw, "a date as datetime.date or 'YYYY-MM-DD'")


def _check_plausible(
    instance: Variable | Parameter, attribute: object, value: tuple[float, float] | None
) -> None:
    if value is None:
        return
    if instance.value_type.kind is not Kind.QUANTITY:
        raise DefinitionError(f"{instance.name}: only a quantity has a plausible range")
    lo, hi = value
    if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
        raise DefinitionError(f"{instance.name}: bad plausible range {value!r}")


@attrs.frozen(order=False)
class Variable(Expr):
    """One fact about a patient, as declared in the data dictionary.

    Attributes:
        name: the fact's name in records, tables and JSON (``"total_bilirubin"``).
        value_type: its type; for a quantity, its unit specification.
        label: a short name for people (``"Total bilirubin"``).
        description: what the fact means and how to record it.
        plausible: for a quantity, the inclusive range of values (canonical unit)
            accepted as real; anything outside is an input error, with a suggestion
            of the likely unit mistake (the unit specification's ``mistakes``).
        loinc: the LOINC codes of the observation, where they exist.
        hint: advice added to the error for an out-of-range value.
        plausible_reason: why the plausible range is what it is (physiology, and
            the units laboratories report), for the data dictionary.
    """

    name: str
    value_type: ValueType
    label: str
    description: str
    plausible: tuple[float, float] | None = attrs.field(default=None, validator=_check_plausible)
    loinc: tuple[str, ...] = ()
    hint: str = ""
    plausible_reason: str = ""

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return self.value_type

    def parse(self, raw: object) -> tuple[Native, str]:
        """Parse and check a raw value of this fact (see :func:`parse_value`)."""
        return parse_value(raw, self.value_type, self.name, self.plausible, self.hint)

    def __repr__(self) -> str:
        return f"Variable({self.name!r}, {self.value_type})"


@attrs.frozen(order=False)
class Parameter(Expr):
    """A value set for a whole evaluation, with a documented default.

    Attributes:
        name: the key callers use in ``params=``.
        value_type: its type.
        description: what it controls, for the documentation.
        default: the raw default (``None`` for no value: then it is missing).
        plausible: for a quantity, the inclusive range of values (canonical unit) a
            caller may set, checked as a fact's plausible range is.
        plausible_reason: why the range is what it is, for the documentation.
    """

    name: str
    value_type: ValueType
    description: str
    default: object = None
    plausible: tuple[float, float] | None = attrs.field(default=None, validator=_check_plausible)
    plausible_reason: str = ""

    def __attrs_post_init__(self) -> None:
        if self.default is not None:
            self.parse(self.default)  # a bad default is a definition error at import

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return self.value_type

    def parse(self, raw: object) -> tuple[Native, str]:
        """Parse and check a value given for this parameter."""
        return parse_value(raw, self.value_type, self.name, self.plausible)

    def __repr__(self) -> str:
        return f"Parameter({self.name!r}, {self.value_type})"
