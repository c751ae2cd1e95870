"""Write expressions out as text, for evaluation trees and documentation.

Four styles: ``"names"`` uses fact names (``total_bilirubin > total_bilirubin_uln``),
for developers; ``"labels"`` uses the dictionary's labels, for clinicians
(``Total bilirubin > ULN of total bilirubin``); ``"short"`` is ``"names"`` with each
:func:`coalesce` written as its first alternative, for tree titles, where the observed
value already says where it came from; ``"clinical"`` writes the rule in words, as the
documentation site does (``total bilirubin above ULN of total bilirubin ...``, see
:mod:`.clinical`).
"""

from __future__ import annotations

from typing import Literal

from ..dsl import (
    AllOf,
    AnyOf,
    AtLeast,
    Choice,
    Coalesce,
    Compare,
    Constant,
    Criterion,
    DaysBetween,
    Expr,
    Not,
    Parameter,
    Ratio,
    Ruleset,
    Scaled,
    Variable,
    YearsBetween,
)
from ..errors import DefinitionError

__all__ = ["OPERATOR_SYMBOLS", "describe"]

Style = Literal["names", "labels", "short", "clinical"]

#: How each comparison operator is printed.
OPERATOR_SYMBOLS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "=", "!=": "≠"}


def _fmt_number(x: float | int) -> str:
    return f"{x:g}"


def describe(expr: Expr, style: Style = "names") -> str:
    """``expr`` written out as one line of text, in one of the styles above."""
    if style == "clinical":
        from .clinical import clinical

        return clinical(expr)
    return _describe(expr, style, top=True)


def _describe(expr: Expr, style: Style, top: bool = False) -> str:
    d = _describe
    if isinstance(expr, Variable):
        return expr.label if style == "labels" else expr.name
    if isinstance(expr, Parameter):
        return f"parameter {expr.name}"
    if isinstance(expr, Constant):
        unit = expr.value_type.unit
        if unit is not None and isinstance(expr.value, float):
            number = _fmt_number(expr.value)
            canonical = f"{number} {unit.symbol}".strip()
            as_written = expr.text.replace(" ", "")
            if as_written in (canonical.replace(" ", ""), f"{number}{unit.canonical}", number):
                return canonical
            return f"{expr.text} ({canonical})"  # "5 mg/dL (85.52 µmol/L)"
        return expr.text
    if isinstance(expr, Scaled):
        if expr.unit is not None:  # a unit conversion: show the operand
            return d(expr.operand, style)
        return f"{_fmt_number(expr.factor)} × {d(expr.operand, style)}"
    if isinstance(expr, Ratio):
        return f"{d(expr.numerator, style)} / {d(expr.denominator, style)}"
    if isinstance(expr, DaysBetween):
        return f"days from {d(expr.start, style)} to {d(expr.end, style)}"
    if isinstance(expr, YearsBetween):
        return f"completed years from {d(expr.start, style)} to {d(expr.end, style)}"
    if isinstance(expr, Coalesce):
        first, *rest = expr.operands
        if style == "short":
            return d(first, style)
        alternatives = "".join(f", else {d(o, style)}" for o in rest)
        return f"{d(first, style)}{alternatives}" if top else f"({d(first, style)}{alternatives})"
    if isinstance(expr, Compare):
        return f"{d(expr.left, style)} {OPERATOR_SYMBOLS[expr.op]} {d(expr.right, style)}"
    if isinstance(expr, (AllOf, AnyOf)):
        joiner = " and " if isinstance(expr, AllOf) else " or "
        text = joiner.join(d(o, style) for o in expr.operands)
        return text if top else f"({text})"
    if isinstance(expr, AtLeast):
        return f"at least {expr.n} of ({', '.join(d(o, style) for o in expr.operands)})"
    if isinstance(expr, Not):
        return f"not {d(expr.operand, style)}"
    if isinstance(expr, Choice):
        return (
            f"{d(expr.if_false, style, top)} "
            f"[if {expr.parameter.name}: {d(expr.if_true, style, top)}]"
        )
    if isinstance(expr, (Criterion, Ruleset)):
        return expr.title
    raise DefinitionError(f"no text for {type(expr).__name__}")
