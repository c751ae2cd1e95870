"""The expression tree: small frozen nodes, checked when they are built.

Every node is plain data. Interpreters (the single-record evaluator, the text renderer,
later the cohort and SQL compilers) walk the same nodes; none of the evaluation logic
lives here. Operators on nodes build new nodes, as in polars: ``bilirubin > "85 umol/L"``
is a :class:`Compare`, ``a & b`` an :class:`AllOf`. ``bool(node)`` raises, so ``and``,
``or`` and ``if`` cannot silently misuse a node.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ..errors import CriteriaInputError, DefinitionError
from ..units import MAGNITUDE_RANGE
from ..units.specs import DAYS, YEARS
from .types import BOOLEAN, Kind, ValueType

if TYPE_CHECKING:
    from .variable import Parameter

__all__ = [
    "AllOf",
    "AnyOf",
    "AtLeast",
    "Choice",
    "Coalesce",
    "Compare",
    "Constant",
    "DaysBetween",
    "Expr",
    "Not",
    "Op",
    "Ratio",
    "Scaled",
    "YearsBetween",
]

Op = Literal["<", "<=", ">", ">=", "==", "!="]
_ORDERED = (Kind.QUANTITY, Kind.ORDINAL, Kind.DATE)


class Expr:
    """Base of every node. Subclasses are frozen attrs classes with a ``type``."""

    __slots__ = ()

    @property
    def type(self) -> ValueType:
        """The type of the value this expression evaluates to."""
        raise NotImplementedError

    def __bool__(self) -> bool:
        raise DefinitionError(
            "a criteria expression has no truth value while it is being defined; "
            "combine expressions with &, | and ~ (or all_of / any_of), not and/or/not/if"
        )

    # -- predicates -------------------------------------------------------------------
    def __and__(self, other: Expr) -> AllOf:
        return AllOf((self, other))

    def __rand__(self, other: Expr) -> AllOf:
        return AllOf((other, self))

    def __or__(self, other: Expr) -> AnyOf:
        return AnyOf((self, other))

    def __ror__(self, other: Expr) -> AnyOf:
        return AnyOf((other, self))

    def __invert__(self) -> Not:
        return Not(self)

    # -- comparisons ------------------------------------------------------------------
    def __lt__(self, other: object) -> Compare:
        return Compare.build(self, "<", other)

    def __le__(self, other: object) -> Compare:
        return Compare.build(self, "<=", other)

    def __gt__(self, other: object) -> Compare:
        return Compare.build(self, ">", other)

    def __ge__(self, other: object) -> Compare:
        return Compare.build(self, ">=", other)

    def eq(self, other: object) -> Compare:
        """``self = other``; ``==`` itself compares definitions, as for any attrs class."""
        return Compare.build(self, "==", other)

    def ne(self, other: object) -> Compare:
        """``self ≠ other``."""
        return Compare.build(self, "!=", other)

    def between(
        self,
        low: object,
        high: object,
        *,
        closed: Literal["both", "left", "right", "none"] = "both",
    ) -> AllOf:
        """``low ≤ self ≤ high``; ``closed`` says which ends are inclusive."""
        lower: Op = ">=" if closed in ("both", "left") else ">"
        upper: Op = "<=" if closed in ("both", "right") else "<"
        return AllOf((Compare.build(self, lower, low), Compare.build(self, upper, high)))

    # -- arithmetic -------------------------------------------------------------------
    def __mul__(self, factor: float) -> Scaled:
        return Scaled(self, factor)

    def __rmul__(self, factor: float) -> Scaled:
        return Scaled(self, factor)

    def __truediv__(self, other: Expr) -> Ratio:
        return Ratio(self, other)


def _require_boolean(node: object, where: str) -> None:
    if not isinstance(node, Expr):
        hint = (
            " (use .eq() to build an equality; == compares definitions)"
            if isinstance(node, bool)
            else ""
        )
        raise DefinitionError(f"{where} takes criteria expressions, got {node!r}{hint}")
    if node.type.kind is not Kind.BOOLEAN:
        raise DefinitionError(f"{where} takes true/false expressions, got a {node.type}: {node!r}")


def _operands(value: Iterable[Expr]) -> tuple[Expr, ...]:
    return tuple(value)


def _check_operands(where: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: tuple[Expr, ...]) -> None:
        if not value:
            raise DefinitionError(f"{where} needs at least one expression")
        for node in value:
            _require_boolean(node, where)

    return check


@attrs.frozen(order=False)
class Constant(Expr):
    """A literal value, already in its type's canonical unit.

    Attributes:
        value: the canonical value (a float for a quantity).
        value_type: its type.
        text: the value as it was written in the definition (``"85 umol/L"``).
    """

    value: float | int | bool | str | dt.date
    value_type: ValueType
    text: str

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return self.value_type

    @classmethod
    def of(cls, raw: object, value_type: ValueType, field: str | None = None) -> Constant:
        """Build a constant of ``value_type`` from a raw value, as facts are parsed."""
        kind = value_type.kind
        try:
            if kind is Kind.QUANTITY:
                assert value_type.unit is not None
                value, text = value_type.unit.convert(raw, field)
                return cls(value, value_type, text)
            if kind is Kind.ORDINAL and isinstance(raw, int) and not isinstance(raw, bool):
                return cls(raw, value_type, str(raw))
            if kind is Kind.BOOLEAN and isinstance(raw, bool):
                return cls(raw, value_type, "true" if raw else "false")
            if kind is Kind.CATEGORY and raw in value_type.categories:
                assert isinstance(raw, str)
                return cls(raw, value_type, raw)
            if kind is Kind.DATE and isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
                return cls(raw, value_type, raw.isoformat())
        except CriteriaInputError as exc:
            raise DefinitionError(str(exc)) from None
        raise DefinitionError(f"{raw!r} cannot be compared with a {value_type}")


def _coerce(raw: object, like: ValueType) -> Expr:
    """A comparison's right-hand side as an expression of the left's type."""
    if isinstance(raw, Expr):
        return raw
    return Constant.of(raw, like)


@attrs.frozen(order=False)
class Compare(Expr):
    """``left op right``: ``UNKNOWN`` when either side is missing."""

    left: Expr
    op: Op
    right: Expr

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.left, Expr) or not isinstance(self.right, Expr):
            raise DefinitionError(f"compare takes expressions, got {self.left!r}, {self.right!r}")
        if self.op not in ("<", "<=", ">", ">=", "==", "!="):
            raise DefinitionError(f"unknown comparison operator {self.op!r}")
        lt, rt = self.left.type, self.right.type
        if self.op in ("<", "<=", ">", ">=") and lt.kind not in _ORDERED:
            raise DefinitionError(f"{self.op} needs ordered values, not a {lt}")
        if lt.kind is not rt.kind:
            raise DefinitionError(f"cannot compare a {lt} with a {rt}")
        if lt.kind is Kind.QUANTITY:
            assert lt.unit is not None
            assert rt.unit is not None
            if lt.unit.canonical != rt.unit.canonical:
                raise DefinitionError(
                    f"cannot compare a {lt} with a {rt}: put both sides in one unit"
                )

    @classmethod
    def build(cls, left: Expr, op: Op, right: object) -> Compare:
        """Compare ``left`` with ``right``, a node or a raw value of ``left``'s type."""
        if op in ("<", "<=", ">", ">=") and left.type.kind not in _ORDERED:
            raise DefinitionError(f"{op} needs ordered values, not a {left.type}")
        rhs = _coerce(right, left.type)
        lt, rt = left.type, rhs.type
        if (
            lt.kind is Kind.QUANTITY
            and rt.kind is Kind.QUANTITY
            and lt.unit is not None
            and rt.unit is not None
            and lt.unit.canonical != rt.unit.canonical
        ):
            try:
                factor = lt.unit.factor(rt.unit.canonical)
            except CriteriaInputError as exc:
                raise DefinitionError(f"cannot compare a {lt} with a {rt}: {exc}") from None
            rhs = Scaled(rhs, factor, unit=lt.unit)
        return cls(left, op, rhs)

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return BOOLEAN


@attrs.frozen(order=False)
class AllOf(Expr):
    """Kleene conjunction of its operands (``a & b``, :func:`all_of`)."""

    operands: tuple[Expr, ...] = attrs.field(
        converter=_operands, validator=_check_operands("all_of")
    )

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return BOOLEAN


@attrs.frozen(order=False)
class AnyOf(Expr):
    """Kleene disjunction of its operands (``a | b``, :func:`any_of`)."""

    operands: tuple[Expr, ...] = attrs.field(
        converter=_operands, validator=_check_operands("any_of")
    )

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return BOOLEAN


@attrs.frozen(order=False)
class AtLeast(Expr):
    """At least ``n`` of the operands are met (Kleene: see :func:`logic.at_least`)."""

    n: int
    operands: tuple[Expr, ...] = attrs.field(
        converter=_operands, validator=_check_operands("at_least")
    )

    def __attrs_post_init__(self) -> None:
        if not 1 <= self.n <= len(self.operands):
            raise DefinitionError(
                f"at_least({self.n}, ...) needs 1 ≤ n ≤ {len(self.operands)} operands"
            )

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return BOOLEAN


@attrs.frozen(order=False)
class Not(Expr):
    """Kleene negation (``~a``)."""

    operand: Expr

    def __attrs_post_init__(self) -> None:
        _require_boolean(self.operand, "~ (not)")

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return BOOLEAN


@attrs.frozen(order=False)
class Coalesce(Expr):
    """The first operand whose value is known: a fact, else the next way to learn it."""

    operands: tuple[Expr, ...] = attrs.field(converter=_operands)

    def __attrs_post_init__(self) -> None:
        if len(self.operands) < 2:
            raise DefinitionError("coalesce needs at least two expressions")
        first = self.operands[0].type
        for other in self.operands[1:]:
            if other.type != first:
                raise DefinitionError(f"coalesce needs one type, got {first} and {other.type}")

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return self.operands[0].type


@attrs.frozen(order=False)
class Scaled(Expr):
    """A quantity multiplied by a dimensionless factor (``10 * uln``).

    ``unit`` is set when the factor converts between units (then it is the result's
    unit); it is ``None`` for a plain multiple, which keeps the operand's unit.
    """

    operand: Expr
    factor: float
    unit: Any = None  # UnitSpec | None; Any keeps attrs from importing units here

    def __attrs_post_init__(self) -> None:
        if self.operand.type.kind is not Kind.QUANTITY:
            raise DefinitionError(f"only a quantity can be scaled, not a {self.operand.type}")
        if isinstance(self.factor, bool) or not isinstance(self.factor, (int, float)):
            raise DefinitionError(f"a quantity is scaled by a number, not {self.factor!r}")
        if not math.isfinite(self.factor) or self.factor <= 0:
            raise DefinitionError(f"a scale factor must be positive and finite: {self.factor}")
        if not MAGNITUDE_RANGE[0] <= self.factor <= MAGNITUDE_RANGE[1]:
            raise DefinitionError(f"a scale factor is from 1e-50 to 1e50, not {self.factor}")
        _check_exponents(self)

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        if self.unit is not None:
            return ValueType(Kind.QUANTITY, unit=self.unit)
        return self.operand.type


@attrs.frozen(order=False)
class Ratio(Expr):
    """A quantity divided by a dimensionless quantity (PaO2 / FiO2)."""

    numerator: Expr
    denominator: Expr

    def __attrs_post_init__(self) -> None:
        n, d = self.numerator.type, self.denominator.type
        if n.kind is not Kind.QUANTITY or d.kind is not Kind.QUANTITY:
            raise DefinitionError(f"a ratio divides quantities, not a {n} by a {d}")
        assert d.unit is not None
        if d.unit.canonical != "1":
            raise DefinitionError(
                f"a ratio's denominator must be a dimensionless fraction, not a {d}"
            )
        _check_exponents(self)

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return self.numerator.type


def _date_operand(where: str) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: Expr) -> None:
        if not isinstance(value, Expr) or value.type.kind is not Kind.DATE:
            raise DefinitionError(f"{where} takes dates, got {value!r}")

    return check


@attrs.frozen(order=False)
class DaysBetween(Expr):
    """Whole days from ``start`` to ``end`` (negative if ``end`` is earlier)."""

    start: Expr = attrs.field(validator=_date_operand("days_between"))
    end: Expr = attrs.field(validator=_date_operand("days_between"))

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return ValueType(Kind.QUANTITY, unit=DAYS)


@attrs.frozen(order=False)
class YearsBetween(Expr):
    """Completed calendar years from ``start`` to ``end`` (age at a date)."""

    start: Expr = attrs.field(validator=_date_operand("years_between"))
    end: Expr = attrs.field(validator=_date_operand("years_between"))

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return ValueType(Kind.QUANTITY, unit=YEARS)


@attrs.frozen(order=False)
class Choice(Expr):
    """``if_true`` when a boolean parameter is set, else ``if_false``.

    An interpretation decision with a documented alternative: interpreters resolve it
    once, from the evaluation's parameters, before any record is read.
    """

    parameter: Parameter
    if_true: Expr
    if_false: Expr

    def __attrs_post_init__(self) -> None:
        if self.parameter.type.kind is not Kind.BOOLEAN:
            raise DefinitionError(f"choice needs a boolean parameter, not {self.parameter.name}")
        if self.if_true.type != self.if_false.type:
            raise DefinitionError("both branches of a choice must have one type")

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return self.if_true.type


# -- arithmetic stays far from a double's limits ------------------------------------

#: The decimal exponents of every nonzero value a fact, parameter or constant holds: a
#: number from 1e-50 to 1e50 (the rule ``number-magnitude``) times a unit's factor,
#: also from 1e-50 to 1e50.
_LEAF_EXPONENTS = (2 * math.log10(MAGNITUDE_RANGE[0]), 2 * math.log10(MAGNITUDE_RANGE[1]))
#: The largest decimal exponent an arithmetic node's value may reach, either way: far
#: from a double's overflow (1.8e308) and underflow (5e-324), which PostgreSQL raises
#: as errors, so no engine meets either.
ARITHMETIC_EXPONENT = 300.0


def _exponents(e: Expr) -> tuple[float, float]:
    """The decimal exponents between which ``e``'s value lies, when it is not 0."""
    if isinstance(e, Scaled):
        lo, hi = _exponents(e.operand)
        k = math.log10(e.factor)
        return lo + k, hi + k
    if isinstance(e, Ratio):  # NULL where the denominator is 0
        n, d = _exponents(e.numerator), _exponents(e.denominator)
        return n[0] - d[1], n[1] - d[0]
    parts: tuple[Expr, ...] = ()
    if isinstance(e, Coalesce):
        parts = e.operands
    elif isinstance(e, Choice):
        parts = (e.if_true, e.if_false)
    if parts:
        bounds = [_exponents(p) for p in parts]
        return min(b[0] for b in bounds), max(b[1] for b in bounds)
    return _LEAF_EXPONENTS


def _check_exponents(e: Scaled | Ratio) -> None:
    """Refuse arithmetic whose value could come near a double's overflow or underflow."""
    lo, hi = _exponents(e)
    if max(hi, -lo) > ARITHMETIC_EXPONENT:
        raise DefinitionError(
            f"a {type(e).__name__.lower()} whose value could be as large as 1e{hi:.0f} or "
            f"as small as 1e{lo:.0f} (values are 1e-100 to 1e100, and arithmetic on them "
            f"must stay within 1e-{ARITHMETIC_EXPONENT:.0f} to 1e{ARITHMETIC_EXPONENT:.0f})"
        )
