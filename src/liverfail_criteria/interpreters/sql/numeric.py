"""Numbers in SQL exactly as the reference interpreter computes them.

The method of :mod:`..frame.numeric`, step by step in IEEE double arithmetic, which
DuckDB, Spark and PostgreSQL all perform identically (each operator on its own, so no
fused multiply-add): scale a magnitude in :data:`~liverfail_criteria.units.QUANTISE_RANGE`
by an exact power of ten into ``[1e11, 1e12)``, find the product's exact rounding error
with Dekker's error-free transformation, round to an integer with ties to even, divide
by the power of ten once. Powers of ten are literals picked from a list (``POW`` may
be inexact), and every literal is read from its shortest text (:meth:`SqlDialect.double`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...units import QUANTISE_RANGE
from .dialect import SqlDialect
from .frame import Frame, ref
from .ops import add, and_, case, div, eq, ge, gt, lt, mul, ne, not_, or_, sub

__all__ = ["quantise_stages", "round_half_even"]

_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for doubles
_LOWEST = -1
_POWERS = {k: 10.0**k for k in range(_LOWEST, 24)}  # exact for 0 <= k <= 22


def _high(d: SqlDialect, x: Any) -> Any:
    """The high half of ``x`` in Veltkamp's split (the low half is ``x`` less it)."""
    c = mul(x, d.double(_SPLIT))
    return sub(c, sub(c.copy(), x.copy()))


def _product_error(d: SqlDialect, a: Any, ah: Any, b: Any, p: Any) -> Any:
    """The exact error ``a * b - p`` of the double product ``p = a * b`` (Dekker).

    ``ah``: the high half of ``a`` (:func:`_high`), read from a column.
    """
    al = sub(a, ah)
    bh = _high(d, b)
    bl = sub(b.copy(), bh)
    return sub(mul(al, bl), sub(sub(sub(p, mul(ah, bh)), mul(al, bh)), mul(ah, bl)))


def _power(d: SqlDialect, k: Any) -> Any:
    """``10.0 ** k`` for a whole number ``k`` from -1 to 23, exactly as Python has it."""
    return d.pick(list(_POWERS.values()), k, -_LOWEST)


def _odd(d: SqlDialect, f: Any) -> Any:
    """Whether the whole number ``f`` (a double) is odd: ``f / 2`` is exact."""
    half = div(f, d.double(2.0))
    return not_(eq(d.floor(half), half))


def quantise_stages(frame: Frame, d: SqlDialect, columns: Mapping[str, Any]) -> None:
    """Add each ``name: expression`` of ``columns`` to ``frame``, rounded as the reference.

    The rounding of many columns is done together, in a few stages whose expressions
    read the previous stage's columns, so nothing is computed twice.
    """
    from sqlglot import exp

    if not columns:
        return
    lo, hi = QUANTISE_RANGE
    names = list(columns)

    def c(kind: str, name: str) -> Any:
        return ref(f"q.{kind}.{name}")

    frame.add({f"q.x.{n}": exp.cast(e, "DOUBLE") for n, e in columns.items()})
    stage: dict[str, Any] = {}
    for n in names:
        a = exp.Abs(this=c("x", n))
        inside = and_(ge(a, d.double(lo)), lt(a.copy(), d.double(hi)))
        stage[f"q.in.{n}"] = exp.Coalesce(this=inside, expressions=[exp.false()])
        stage[f"q.a.{n}"] = case([(inside.copy(), a.copy())], d.double(1.0))
    frame.add(stage)
    frame.add(
        {
            f"q.k0.{n}": exp.cast(sub(exp.Literal.number(11), d.floor(d.log10(c("a", n)))), "INT")
            for n in names
        }
    )
    # the first guess of the scale; the high half of the magnitude, for the error below
    stage = {}
    for n in names:
        stage[f"q.p0.{n}"] = mul(c("a", n), _power(d, c("k0", n)))
        stage[f"q.ah.{n}"] = _high(d, c("a", n))
    frame.add(stage, inline=False)
    frame.add(
        {
            f"q.s.{n}": _power(
                d,
                add(
                    c("k0", n),
                    case(
                        [
                            (ge(c("p0", n), d.double(1e12)), exp.Literal.number(-1)),
                            (lt(c("p0", n), d.double(1e11)), exp.Literal.number(1)),
                        ],
                        exp.Literal.number(0),
                    ),
                ),
            )
            for n in names
        }
    )
    # the product, its floor and fraction, its exact error, the scale with x's sign:
    # each a column, so that the rounding below reads each by name
    stage = {}
    for n in names:
        a, s = c("a", n), c("s", n)
        p = mul(a, s)
        stage[f"q.f.{n}"] = d.floor(p)
        stage[f"q.h.{n}"] = sub(p.copy(), d.floor(p.copy()))
        stage[f"q.e.{n}"] = _product_error(d, a.copy(), c("ah", n), s.copy(), p.copy())
        negative = lt(c("x", n), d.double(0.0))
        stage[f"q.t.{n}"] = case([(negative, exp.Neg(this=s.copy()))], s.copy())
    frame.add(stage, inline=False)
    final: dict[str, Any] = {}
    for n in names:
        f, h, e = c("f", n), c("h", n), c("e", n)
        half, zero = d.double(0.5), d.double(0.0)
        odd = ne(d.floor(div(f, d.double(2.0))), div(f.copy(), d.double(2.0)))
        up = or_(
            gt(h, half),
            and_(
                eq(h.copy(), half.copy()), or_(gt(e, zero), and_(eq(e.copy(), zero.copy()), odd))
            ),
        )
        # (f + 1) / t or f / t: -(y / s) and y / -s are the same double
        rounded = div(case([(up, add(f.copy(), d.double(1.0)))], f.copy()), c("t", n))
        final[n] = case([(c("in", n), rounded)], c("x", n))
    frame.add(final)


def round_half_even(d: SqlDialect, x: Any) -> Any:
    """``x`` rounded to a whole number, ties to even (as polars' ``round(0)``)."""
    f = d.floor(x)
    frac = sub(x.copy(), f)
    half = d.double(0.5)
    one = d.double(1.0)
    return case(
        [
            (gt(frac, half), add(f.copy(), one)),
            (lt(frac.copy(), half.copy()), f.copy()),
            (_odd(d, f.copy()), add(f.copy(), one.copy())),
        ],
        f.copy(),
    )
