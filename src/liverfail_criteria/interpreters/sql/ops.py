"""Small builders of sqlglot expressions that parenthesise their operands.

sqlglot renders a tree as it is built, without adding the parentheses operator
precedence needs (``a - (b - c)`` built from nodes prints as ``a - b - c`` unless the
inner node is wrapped). Every builder here wraps an operand in parentheses where the
operators' precedence, the same in every dialect written (:func:`needs_parens`), asks
for them, and nowhere else (a ``CASE`` branch or a function's argument never needs
them); and copies an operand that already belongs to another tree, so an expression
can be used in several places.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

__all__ = [
    "add",
    "and_",
    "case",
    "cast",
    "coalesce",
    "compound",
    "concat",
    "div",
    "eq",
    "ge",
    "gt",
    "is_not_null",
    "is_null",
    "le",
    "lit",
    "lt",
    "mul",
    "ne",
    "needs_parens",
    "not_",
    "or_",
    "sqlglot_exp",
    "sub",
]


@functools.cache
def sqlglot_exp() -> Any:
    """The module ``sqlglot.exp``, imported on first use (then without a lookup)."""
    from sqlglot import exp

    return exp


@functools.lru_cache(maxsize=1)
def _levels() -> dict[type, int]:
    """How tightly each operator binds (higher: tighter), in every dialect written.

    The levels all three engines agree on: ``OR`` < ``AND`` < ``NOT`` < the comparisons
    and predicates (``=``, ``IS``, ``IN``, ``LIKE``, ``RLIKE``: never nested in one
    another without parentheses, since PostgreSQL ranks them apart) < ``||`` <
    ``+``/``-`` < ``*``/``/``/``%``. ``||`` and arithmetic are never mixed without
    parentheses either: Spark ranks ``||`` with ``+``, PostgreSQL above the comparisons.
    """
    exp = sqlglot_exp()

    levels: dict[type, int] = {exp.Or: 1, exp.And: 2, exp.Not: 3}
    predicates: tuple[type, ...] = (exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE, exp.Is)
    predicates += (exp.In, exp.Like, exp.ILike, exp.RegexpLike, exp.Between)
    levels.update(dict.fromkeys(predicates, 4))
    levels[exp.DPipe] = 5
    levels.update({exp.Add: 6, exp.Sub: 6, exp.Mul: 7, exp.Div: 7, exp.Mod: 7})
    return levels


def compound(e: Any) -> bool:
    """Whether ``e`` prints as an operator expression (which may need parentheses).

    (sqlglot's ``And`` and ``Or`` are functions too: test for operators first.) A
    negative number literal counts, as a unary minus does.
    """
    exp = sqlglot_exp()

    if isinstance(e, exp.Paren):
        return False
    if isinstance(e, exp.Literal):
        return not e.is_string and str(e.this).startswith("-")
    return isinstance(e, (exp.Binary, exp.Unary, exp.In, exp.Between))


def needs_parens(parent: type, e: Any, right: bool = False) -> bool:
    """Whether operand ``e`` of an operator of class ``parent`` needs parentheses.

    ``right``: ``e`` is the right operand (of a binary operator). An operand binds more
    tightly than its operator, or is a left operand at the same level (operators group
    from the left), or sits under ``AND``/``OR`` of its own kind (associative); anything
    else, and any operator this module does not rank, is parenthesised. ``AND`` under
    ``OR`` is parenthesised too, for a reader who does not know the levels.
    """
    if not compound(e):
        return False
    levels = _levels()
    mine, theirs = levels.get(type(e)), levels.get(parent)
    if mine is None or theirs is None:
        return True
    if theirs <= 2:  # AND, OR: the same connective, or a comparison or tighter
        return mine <= 2 and type(e) is not parent
    if theirs == 3:  # NOT of a comparison
        return mine <= 3
    if theirs == 4:  # a comparison of arithmetic or text
        return mine <= 4
    if (mine == 5) != (theirs == 5):  # || and arithmetic never mix bare
        return True
    return mine < theirs or (mine == theirs and right and mine != 5)


def _use(e: Any, parent: type | None = None, right: bool = False) -> Any:
    """``e`` ready to be an operand of ``parent``: copied if in a tree, wrapped if needed.

    With no ``parent``, ``e`` goes where any expression may stand (a function's argument,
    a ``CASE`` branch): it is never wrapped.
    """
    exp = sqlglot_exp()

    if e.parent is not None:
        e = e.copy()
    return exp.Paren(this=e) if parent is not None and needs_parens(parent, e, right) else e


def _binary(kind: str, a: Any, b: Any) -> Any:
    exp = sqlglot_exp()

    cls = getattr(exp, kind)
    return cls(this=_use(a, cls), expression=_use(b, cls, right=True))


def add(a: Any, b: Any) -> Any:
    """``a + b``."""
    return _binary("Add", a, b)


def sub(a: Any, b: Any) -> Any:
    """``a - b``."""
    return _binary("Sub", a, b)


def mul(a: Any, b: Any) -> Any:
    """``a * b``."""
    return _binary("Mul", a, b)


def div(a: Any, b: Any) -> Any:
    """``a / b`` (of doubles)."""
    exp = sqlglot_exp()

    return exp.Div(
        this=_use(a, exp.Div), expression=_use(b, exp.Div, right=True), typed=False, safe=False
    )


def eq(a: Any, b: Any) -> Any:
    """``a = b``."""
    return _binary("EQ", a, b)


def ne(a: Any, b: Any) -> Any:
    """``a <> b``."""
    return _binary("NEQ", a, b)


def lt(a: Any, b: Any) -> Any:
    """``a < b``."""
    return _binary("LT", a, b)


def le(a: Any, b: Any) -> Any:
    """``a <= b``."""
    return _binary("LTE", a, b)


def gt(a: Any, b: Any) -> Any:
    """``a > b``."""
    return _binary("GT", a, b)


def ge(a: Any, b: Any) -> Any:
    """``a >= b``."""
    return _binary("GTE", a, b)


def balanced(combine: Any, operands: Sequence[Any]) -> Any:
    """``combine`` over ``operands`` as a balanced tree, for an associative operation.

    A chain of hundreds of operands nested one inside the next is too deep for sqlglot
    (and Python's recursion limit) to write; a balanced tree is as deep as its log.
    """
    if len(operands) == 1:
        return operands[0]
    middle = len(operands) // 2
    return combine(balanced(combine, operands[:middle]), balanced(combine, operands[middle:]))


def and_(*operands: Any) -> Any:
    """Kleene conjunction of ``operands`` (SQL's ``AND``, associative)."""
    return balanced(lambda a, b: _binary("And", a, b), operands)


def or_(*operands: Any) -> Any:
    """Kleene disjunction of ``operands`` (SQL's ``OR``, associative)."""
    return balanced(lambda a, b: _binary("Or", a, b), operands)


def not_(a: Any) -> Any:
    """Kleene negation (SQL's ``NOT``)."""
    exp = sqlglot_exp()

    return exp.Not(this=_use(a, exp.Not))


def is_null(a: Any) -> Any:
    """``a IS NULL``."""
    exp = sqlglot_exp()

    return exp.Is(this=_use(a, exp.Is), expression=exp.Null())


def is_not_null(a: Any) -> Any:
    """``a IS NOT NULL``."""
    exp = sqlglot_exp()

    return exp.Is(this=_use(a, exp.Is), expression=exp.Null(), negate=True)


def case(branches: Sequence[tuple[Any, Any]], default: Any = None) -> Any:
    """``CASE WHEN c1 THEN v1 ... ELSE default END`` (no ``ELSE``: NULL)."""
    exp = sqlglot_exp()

    ifs = [exp.If(this=_use(c), true=_use(v)) for c, v in branches]
    return exp.Case(ifs=ifs, default=_use(default) if default is not None else None)


@functools.lru_cache(maxsize=64)
def _data_type(type_: str) -> Any:
    exp = sqlglot_exp()

    return exp.DataType.build(type_)


def cast(value: Any, type_: str) -> Any:
    """``CAST(value AS type_)``; ``value`` itself if it is cast to that type already.

    Unlike sqlglot's ``exp.cast``, the type is parsed once per spelling, and ``value``
    is copied only if it belongs to another tree.
    """
    exp = sqlglot_exp()

    to = _data_type(type_)
    if isinstance(value, exp.Cast) and value.to == to:
        return value
    if value.parent is not None:
        value = value.copy()
    return exp.Cast(this=value, to=to.copy())


def coalesce(*operands: Any) -> Any:
    """The first operand that is not NULL."""
    exp = sqlglot_exp()

    first, *rest = [_use(o) for o in operands]
    return exp.Coalesce(this=first, expressions=rest)


def concat(*operands: Any) -> Any:
    """Text joined with ``||``: NULL if any part is NULL (as polars' ``concat_str``)."""
    return functools.reduce(lambda a, b: _binary("DPipe", a, b), operands)


def lit(value: object) -> Any:
    """A text, whole-number or boolean literal."""
    exp = sqlglot_exp()

    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"no literal for {value!r}")  # pragma: no cover - internal misuse
