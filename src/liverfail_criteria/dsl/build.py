"""Functions that build expressions, for the cases operators do not cover."""

from __future__ import annotations

from .nodes import AllOf, AnyOf, AtLeast, Choice, Coalesce, DaysBetween, Expr, YearsBetween
from .variable import Parameter

__all__ = [
    "all_of",
    "any_of",
    "at_least",
    "choice",
    "coalesce",
    "days_between",
    "years_between",
]


def all_of(*exprs: Expr) -> AllOf:
    """Met when every expression is met (Kleene conjunction)."""
    return AllOf(exprs)


def any_of(*exprs: Expr) -> AnyOf:
    """Met when at least one expression is met (Kleene disjunction)."""
    return AnyOf(exprs)


def at_least(n: int, *exprs: Expr) -> AtLeast:
    """Met when at least ``n`` of the expressions are met."""
    return AtLeast(n, exprs)


def coalesce(*exprs: Expr) -> Coalesce:
    """The first expression whose value is known (``age``, else the age from dates)."""
    return Coalesce(exprs)


def days_between(start: Expr, end: Expr) -> DaysBetween:
    """Whole days from the ``start`` date to the ``end`` date, as a quantity in days."""
    return DaysBetween(start, end)


def years_between(start: Expr, end: Expr) -> YearsBetween:
    """Completed calendar years from ``start`` to ``end`` (age from a birth date)."""
    return YearsBetween(start, end)


def choice(parameter: Parameter, if_true: Expr, if_false: Expr) -> Choice:
    """``if_true`` when the boolean ``parameter`` is set, else ``if_false``."""
    return Choice(parameter, if_true, if_false)
