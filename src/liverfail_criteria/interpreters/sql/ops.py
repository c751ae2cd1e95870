"""Small builders of sqlglot expressions that parenthesise their operands.

sqlglot renders a tree as it is built, without adding the parentheses operator
precedence needs (``a - (b - c)`` built from nodes prints as ``a - b - c`` unless the
inner node is wrapped). Every builder here wraps any operand that is not atomic, and
copies an operand that already belongs to another tree, so an expression can be used
in several places.
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
    "not_",
    "or_",
    "sub",
]


def _compound(e: Any) -> bool:
    """Whether ``e`` prints as an operator expression that needs parentheses inside another.

    (sqlglot's ``And`` and ``Or`` are functions too: test for operators first.)
    """
    from sqlglot import exp

    if isinstance(e, exp.Paren):
        return False
    return isinstance(e, (exp.Binary, exp.Unary, exp.In, exp.Between))


def _use(e: Any) -> Any:
    """``e`` ready to be put in a new tree: copied if it is in one, wrapped if compound."""
    from sqlglot import exp

    if e.parent is not None:
        e = e.copy()
    return exp.Paren(this=e) if _compound(e) else e


def _binary(kind: str, a: Any, b: Any) -> Any:
    from sqlglot import exp

    cls = getattr(exp, kind)
    return cls(this=_use(a), expression=_use(b))


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
    from sqlglot import exp

    return exp.Div(this=_use(a), expression=_use(b), typed=False, safe=False)


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
    from sqlglot import exp

    return exp.Not(this=_use(a))


def is_null(a: Any) -> Any:
    """``a IS NULL``."""
    from sqlglot import exp

    return exp.Is(this=_use(a), expression=exp.Null())


def is_not_null(a: Any) -> Any:
    """``NOT a IS NULL``."""
    from sqlglot import exp

    return exp.Not(this=exp.Paren(this=is_null(a)))


def case(branches: Sequence[tuple[Any, Any]], default: Any = None) -> Any:
    """``CASE WHEN c1 THEN v1 ... ELSE default END`` (no ``ELSE``: NULL)."""
    from sqlglot import exp

    ifs = [exp.If(this=_use(c), true=_use(v)) for c, v in branches]
    return exp.Case(ifs=ifs, default=_use(default) if default is not None else None)


@functools.lru_cache(maxsize=64)
def _data_type(type_: str) -> Any:
    from sqlglot import exp

    return exp.DataType.build(type_)


def cast(value: Any, type_: str) -> Any:
    """``CAST(value AS type_)``; ``value`` itself if it is cast to that type already.

    Unlike sqlglot's ``exp.cast``, the type is parsed once per spelling, and ``value``
    is copied only if it belongs to another tree.
    """
    from sqlglot import exp

    to = _data_type(type_)
    if isinstance(value, exp.Cast) and value.to == to:
        return value
    if value.parent is not None:
        value = value.copy()
    return exp.Cast(this=value, to=to.copy())


def coalesce(*operands: Any) -> Any:
    """The first operand that is not NULL."""
    from sqlglot import exp

    first, *rest = [_use(o) for o in operands]
    return exp.Coalesce(this=first, expressions=rest)


def concat(*operands: Any) -> Any:
    """Text joined with ``||``: NULL if any part is NULL (as polars' ``concat_str``)."""
    return functools.reduce(lambda a, b: _binary("DPipe", a, b), operands)


def lit(value: object) -> Any:
    """A text, whole-number or boolean literal."""
    from sqlglot import exp

    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    raise TypeError(f"no literal for {value!r}")  # pragma: no cover - internal misuse
