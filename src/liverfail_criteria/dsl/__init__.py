"""The criteria DSL: frozen expression nodes, criteria, rulesets and decisions."""

from __future__ import annotations

from .build import all_of, any_of, at_least, choice, coalesce, days_between, years_between
from .nodes import (
    AllOf,
    AnyOf,
    AtLeast,
    Choice,
    Coalesce,
    Compare,
    Constant,
    DaysBetween,
    Expr,
    Not,
    Ratio,
    Scaled,
    YearsBetween,
)
from .rules import Criterion, Decision, Ruleset
from .types import Kind, ValueType
from .variable import Parameter, Variable
from .walk import children, group_paths, walk

__all__ = [
    "AllOf",
    "AnyOf",
    "AtLeast",
    "Choice",
    "Coalesce",
    "Compare",
    "Constant",
    "Criterion",
    "DaysBetween",
    "Decision",
    "Expr",
    "Kind",
    "Not",
    "Parameter",
    "Ratio",
    "Ruleset",
    "Scaled",
    "ValueType",
    "Variable",
    "YearsBetween",
    "all_of",
    "any_of",
    "at_least",
    "children",
    "choice",
    "coalesce",
    "days_between",
    "group_paths",
    "walk",
    "years_between",
]
