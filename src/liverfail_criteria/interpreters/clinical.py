"""Write criteria out in words, for the clinicians who check them against the protocol.

The clinical reading is one more interpreter over the criteria trees, alongside the
evaluator: ``>`` reads "above", ``≥`` "at least", ``<`` "below", ``≤`` "at most",
``=`` "is"; a :func:`~liverfail_criteria.dsl.coalesce` reads "X (or, if not recorded,
Y)"; a parameter names its default; and a lower and an upper bound on one value read as
one phrase that says whether the ends are strict or inclusive::

    >>> import liverfail_criteria as lc
    >>> clinical(lc.CLF.find("clf.body_weight").expr)
    'body weight above 40 kg'

:func:`boundaries` lists every threshold a rule compares a value with, and whether a
value exactly at it satisfies the comparison. The documentation site
(:mod:`.markdown`) is built from both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import attrs

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
    Kind,
    Not,
    Parameter,
    Ratio,
    Ruleset,
    Scaled,
    Variable,
    YearsBetween,
)
from ..errors import DefinitionError
from .text import describe

__all__ = [
    "OPERATOR_WORDS",
    "PLAIN",
    "Boundary",
    "Wording",
    "boundaries",
    "clinical",
    "clinical_items",
    "default_text",
    "noun",
]

#: How each comparison operator reads in the clinical rendering.
OPERATOR_WORDS = {
    ">": "above",
    ">=": "at least",
    "<": "below",
    "<=": "at most",
    "==": "is",
    "!=": "is not",
}
_LOWER_BOUNDS = (">", ">=")
_UPPER_BOUNDS = ("<", "<=")
_INCLUSIVE = ("<=", ">=", "==")


def _plain(text: str) -> str:
    return text


def _as_titled(node: Criterion | Ruleset, text: str) -> str:
    return text


def noun(label: str) -> str:
    """A dictionary label as it reads inside a sentence.

    The first word is lower-cased when it is an ordinary capitalised word ("Total
    bilirubin" → "total bilirubin"); abbreviations keep their case ("INR", "PaO2/FiO2
    ratio", "ULN of total bilirubin").
    """
    first, sep, rest = label.partition(" ")
    tail = first[1:].replace("-", "")
    if len(first) > 1 and first[0].isupper() and tail.isalpha() and tail.islower():
        return first[0].lower() + first[1:] + sep + rest
    return label


def default_text(parameter: Parameter) -> str:
    """A parameter's default as people read it: ``"100 ×10⁹/L"``, ``"false"``, or none."""
    if parameter.default is None:
        return "no default"
    value, given = parameter.parse(parameter.default)
    if isinstance(value, bool):
        return "default true" if value else "default false"
    unit = parameter.value_type.unit
    if unit is not None and isinstance(value, float):
        return "default " + describe(Constant(value, parameter.value_type, given))
    return f"default {given}"


@attrs.frozen
class Wording:
    """How the clinical rendering writes names, so that other formats can mark them up.

    Attributes:
        code: writes an identifier, such as a parameter's name (Markdown: in backticks).
        reference: writes a criterion or ruleset named inside a rule (Markdown: a link
            to it), given the node and its title as it reads in the sentence.
    """

    code: Callable[[str], str] = _plain
    reference: Callable[[Criterion | Ruleset, str], str] = _as_titled


#: Plain text: names and references written as they are.
PLAIN = Wording()


def clinical(expr: Expr, wording: Wording = PLAIN) -> str:
    """``expr`` written out in words for a clinician, as one phrase.

    Args:
        expr: any expression: a criterion's rule, a value, a combination of rulesets
            (a criterion or ruleset inside it is named by its title).
        wording: how identifiers and references are written (plain text by default).

    Returns:
        The phrase, starting in lower case unless it starts with an abbreviation
        (``"total bilirubin above ULN of total bilirubin (or, ...) and below 10 × ULN
        of total bilirubin, both strict"``).
    """
    return _Writer(wording).phrase(expr, nested=False)


def clinical_items(expr: Expr, wording: Wording = PLAIN) -> tuple[str, tuple[str, ...]]:
    """``expr`` in words, split into a lead and a list when it combines several parts.

    A rule that combines other combinations (``fatigue and (anorexia or vomiting)``)
    reads better as a list: this returns ``("all of:", ("obvious fatigue", "anorexia,
    vomiting or abdominal distension"))``. A rule that is one phrase returns
    ``(phrase, ())``. A parameter's choice returns the default reading and the
    alternative as the two items.
    """
    writer = _Writer(wording)
    if isinstance(expr, Choice):
        first, second, other = _branches(expr)
        name = wording.code(expr.parameter.name)
        return (
            f"depends on the parameter {name}:",
            (
                f"by default: {writer.phrase(first, nested=False)}",
                f"when {name} is {other}: {writer.phrase(second, nested=False)}",
            ),
        )
    combined = isinstance(expr, (AllOf, AnyOf, AtLeast)) and _between(expr) is None
    if combined and any(
        isinstance(o, (AllOf, AnyOf, AtLeast, Choice)) and _between(o) is None
        for o in _operands(expr)
    ):
        assert isinstance(expr, (AllOf, AnyOf, AtLeast))
        return _lead(expr), tuple(writer.phrase(o, nested=False) for o in expr.operands)
    return writer.phrase(expr, nested=False), ()


def _operands(expr: Expr) -> tuple[Expr, ...]:
    return expr.operands if isinstance(expr, (AllOf, AnyOf, AtLeast)) else ()


def _branches(expr: Choice) -> tuple[Expr, Expr, str]:
    """A choice's default branch, its other branch, and the parameter value that picks it."""
    if expr.parameter.default is True:
        return expr.if_true, expr.if_false, "false"
    return expr.if_false, expr.if_true, "true"


def _lead(expr: AllOf | AnyOf | AtLeast) -> str:
    if isinstance(expr, AllOf):
        return "all of:"
    if isinstance(expr, AnyOf):
        return "any of:"
    return f"at least {expr.n} of:"


def _between(expr: Expr) -> tuple[Compare, Compare] | None:
    """A lower and an upper bound on one value (``a > x & a < y``), if that is what it is."""
    if not isinstance(expr, AllOf) or len(expr.operands) != 2:
        return None
    low, high = expr.operands
    if not (isinstance(low, Compare) and isinstance(high, Compare)):
        return None
    if low.left != high.left:
        return None
    if low.op in _LOWER_BOUNDS and high.op in _UPPER_BOUNDS:
        return low, high
    if low.op in _UPPER_BOUNDS and high.op in _LOWER_BOUNDS:
        return high, low
    return None


def _join(parts: list[str], word: str) -> str:
    if len(parts) <= 2:
        return f" {word} ".join(parts)
    return ", ".join(parts[:-1]) + f" {word} " + parts[-1]


class _Writer:
    """One rendering: remembers the coalesces already written out in full."""

    def __init__(self, wording: Wording, *, short: bool = False) -> None:
        self.wording = wording
        self.short = short
        self.seen: set[Coalesce] = set()

    def value(self, expr: Expr) -> str:
        """A value (not a true/false condition) in words."""
        w = self.wording
        if isinstance(expr, Variable):
            return noun(expr.label)
        if isinstance(expr, Parameter):
            if self.short:
                return w.code(expr.name)
            return f"the parameter {w.code(expr.name)} ({default_text(expr)})"
        if isinstance(expr, Constant):
            return describe(expr)
        if isinstance(expr, Scaled):
            if expr.unit is not None:  # a unit conversion: the operand is what was written
                return self.value(expr.operand)
            return f"{expr.factor:g} × {self.value(expr.operand)}"
        if isinstance(expr, Ratio):
            return f"{self.value(expr.numerator)} / {self.value(expr.denominator)}"
        if isinstance(expr, DaysBetween):
            return f"days from {self.value(expr.start)} to {self.value(expr.end)}"
        if isinstance(expr, YearsBetween):
            return f"completed years from {self.value(expr.start)} to {self.value(expr.end)}"
        if isinstance(expr, Coalesce):
            first, *rest = expr.operands
            if self.short or expr in self.seen:
                return self.value(first)
            self.seen.add(expr)
            written = self.value(first)
            for other in rest:
                written += f" (or, if not recorded, {self.value(other)})"
            return written
        if isinstance(expr, Choice):
            return self.choice(expr, self.value)
        return self.phrase(expr, nested=True)

    def choice(self, expr: Choice, write: Callable[[Expr], str]) -> str:
        """A parameter's choice: the default reading, then the alternative."""
        first, second, other = _branches(expr)
        name = self.wording.code(expr.parameter.name)
        return f"by default, {write(first)}; when the parameter {name} is {other}, {write(second)}"

    def phrase(self, expr: Expr, *, nested: bool) -> str:
        """A true/false condition in words; ``nested`` puts combinations in brackets."""
        w = self.wording
        bounds = _between(expr)
        if bounds is not None:
            low, high = bounds
            ends = {
                (True, True): "both inclusive",
                (False, False): "both strict",
                (True, False): "lower inclusive, upper strict",
                (False, True): "lower strict, upper inclusive",
            }[(low.op in _INCLUSIVE, high.op in _INCLUSIVE)]
            text = (
                f"{self.value(low.left)} {OPERATOR_WORDS[low.op]} {self.value(low.right)} "
                f"and {OPERATOR_WORDS[high.op]} {self.value(high.right)}, {ends}"
            )
            return f"({text})" if nested else text
        if isinstance(expr, Compare):
            return f"{self.value(expr.left)} {OPERATOR_WORDS[expr.op]} {self.value(expr.right)}"
        if isinstance(expr, (AllOf, AnyOf)):
            parts = [self.phrase(o, nested=True) for o in expr.operands]
            text = _join(parts, "and" if isinstance(expr, AllOf) else "or")
            return f"({text})" if nested and len(parts) > 1 else text
        if isinstance(expr, AtLeast):
            parts = [self.phrase(o, nested=True) for o in expr.operands]
            text = f"at least {expr.n} of: {'; '.join(parts)}"
            return f"({text})" if nested else text
        if isinstance(expr, Not):
            operand = expr.operand
            if isinstance(operand, Ruleset):
                quantifier = "none of" if operand.mode == "any" else "not all of"
                return f"{quantifier} {w.reference(operand, noun(operand.title))}"
            return f"not {self.phrase(operand, nested=True)}"
        if isinstance(expr, Coalesce):
            first, *rest = expr.operands
            if self.short:
                return self.phrase(first, nested=nested)
            text = self.phrase(first, nested=True)
            for other in rest:
                text += f" (or, if not recorded, {self.phrase(other, nested=False)})"
            return text
        if isinstance(expr, Choice):
            text = self.choice(expr, lambda e: self.phrase(e, nested=False))
            return f"({text})" if nested else text
        if isinstance(expr, (Criterion, Ruleset)):
            return w.reference(expr, noun(expr.title))
        if isinstance(expr, Parameter) and expr.type.kind is Kind.BOOLEAN:
            return f"the parameter {w.code(expr.name)} is true ({default_text(expr)})"
        if isinstance(expr, Constant) and expr.type.kind is Kind.BOOLEAN:
            return expr.text
        if isinstance(expr, (Variable, Parameter, Constant, Scaled, Ratio)):
            return self.value(expr)
        if isinstance(expr, (DaysBetween, YearsBetween)):
            return self.value(expr)
        raise DefinitionError(f"no clinical text for {type(expr).__name__}")


@attrs.frozen
class Boundary:
    """One threshold a rule compares a value with.

    Attributes:
        value: the value compared, in words, in short ("age", not how it is derived
            when it is not recorded: the formal rule says that).
        op: the comparison operator (``">"``, ``">="``, ...).
        threshold: what it is compared with, in words, in full ("ULN of total
            bilirubin (or, if not recorded, the parameter total_bilirubin_uln ...)").
        at: the threshold in short, for "a value of exactly ..." ("ULN of total
            bilirubin").
        condition: when the comparison applies, if not always ("by default", "when
            aclf_coagulopathy_inclusive is true", "if drug abuse within 1 year is not
            recorded").
    """

    value: str
    op: str
    threshold: str
    at: str
    condition: str | None = None

    @property
    def inclusive(self) -> bool:
        """Whether a value exactly at the threshold satisfies the comparison."""
        return self.op in _INCLUSIVE

    @property
    def comparison(self) -> str:
        """The comparison in words: ``"body weight above 40 kg"``."""
        return f"{self.value} {OPERATOR_WORDS[self.op]} {self.threshold}"

    @property
    def reading(self) -> str:
        """Inclusive or strict, with what that means at the threshold."""
        if self.op in ("==", "!="):
            return "equality"
        if self.inclusive:
            return f"inclusive: exactly {self.at} satisfies it"
        return f"strict: exactly {self.at} does not satisfy it"


def boundaries(expr: Expr, wording: Wording = PLAIN) -> tuple[Boundary, ...]:
    """Every comparison in ``expr``, in order, with the condition under which it applies.

    The comparisons of a parameter's two readings are both listed, each with its
    condition; those in a coalesce's later alternatives say when they are used.
    Criteria and rulesets inside ``expr`` are not entered: they have their own.
    """
    return tuple(_boundaries(expr, wording, None))


def _boundaries(expr: Expr, wording: Wording, condition: str | None) -> Iterator[Boundary]:
    if isinstance(expr, Compare):
        full, short = _Writer(wording), _Writer(wording, short=True)
        yield Boundary(
            value=short.value(expr.left),
            op=expr.op,
            threshold=full.value(expr.right),
            at=short.value(expr.right),
            condition=condition,
        )
        return
    if isinstance(expr, Choice):
        first, second, value = _branches(expr)
        name = wording.code(expr.parameter.name)
        yield from _boundaries(first, wording, _and(condition, "by default"))
        yield from _boundaries(second, wording, _and(condition, f"when {name} is {value}"))
        return
    if isinstance(expr, Coalesce):
        head, *rest = expr.operands
        yield from _boundaries(head, wording, condition)
        missing = _Writer(wording, short=True).value(head)
        for alternative in rest:
            yield from _boundaries(
                alternative, wording, _and(condition, f"if {missing} is not recorded")
            )
        return
    if isinstance(expr, (Criterion, Ruleset)):
        return
    if isinstance(expr, (AllOf, AnyOf, AtLeast)):
        for operand in expr.operands:
            yield from _boundaries(operand, wording, condition)
    elif isinstance(expr, Not):
        yield from _boundaries(expr.operand, wording, condition)
    elif not isinstance(expr, (Variable, Parameter, Constant)):  # a true/false value: none
        raise DefinitionError(f"no boundaries for {type(expr).__name__}")


def _and(outer: str | None, inner: str) -> str:
    return inner if outer is None else f"{outer}, {inner}"
