"""Value types: what an expression evaluates to, checked when the expression is built."""

from __future__ import annotations

import enum

import attrs

from ..units import UnitSpec

__all__ = ["Kind", "ValueType"]


class Kind(enum.Enum):
    """The kinds of value a fact or expression can have."""

    BOOLEAN = "boolean"
    QUANTITY = "quantity"
    ORDINAL = "ordinal"
    DATE = "date"
    CATEGORY = "category"


@attrs.frozen
class ValueType:
    """The type of an expression's value.

    Attributes:
        kind: boolean, quantity, ordinal grade, date or category.
        unit: for a quantity, how it is written and its canonical unit.
        categories: for a category, the allowed values.
        levels: for an ordinal grade, the lowest and highest grade.
    """

    kind: Kind
    unit: UnitSpec | None = None
    categories: tuple[str, ...] = ()
    levels: tuple[int, int] | None = None

    def __str__(self) -> str:
        if self.kind is Kind.QUANTITY and self.unit is not None:
            return f"quantity in {self.unit.symbol or 'no unit'}"
        if self.kind is Kind.ORDINAL and self.levels is not None:
            return f"ordinal grade {self.levels[0]} to {self.levels[1]}"
        if self.kind is Kind.CATEGORY:
            return "one of " + ", ".join(repr(c) for c in self.categories)
        return str(self.kind.value)


BOOLEAN = ValueType(Kind.BOOLEAN)
DATE = ValueType(Kind.DATE)
