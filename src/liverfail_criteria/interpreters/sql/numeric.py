"""Numbers in SQL exactly as the reference interpreter computes them.

The method of :mod:`..frame.numeric`, step by step in IEEE double arithmetic, which
DuckDB, Spark and PostgreSQL all perform identically (each operator on its own, so no
fused multiply-add): scale a magnitude in :data:`~liverfail_criteria.units.QUANTISE_RANGE`
by an exact power of ten into ``[1e11, 1e12)``, find the product's exact rounding error
with Dekker's error-free transformation, round to an integer with ties to even, divide
by the power of ten once. Powers of ten are literals picked by a ``CASE`` (``POW`` may
be inexact), and every literal is read from its shortest text (:meth:`SqlDialect.double`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...units import QUANTISE_RANGE
from .dialect import SqlDialect
from .frame import Frame, ref
from .ops import add, and_, case, div, eq, ge, gt, lt, mul, not_, or_, sub

__all__ = ["quantise_stages", "round_half_even"]

_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for doubles
_POWERS = {k: 10.0**k for k in range(-1, 24)}  # exact for 0 <= k <= 22


def _product_error(d: SqlDialect, a: Any, b: Any, p: Any) -> Any:
    """The exact error ``a * b - p`` of the double product ``p = a * b`` (Dekker)."""

    def split(x: Any) -> tuple[Any, Any]:
        c = mul(x, d.double(_SPLIT))
        hi = sub(c, sub(c, x))
        return hi, sub(x, hi)

    ah, al = split(a)
    bh, bl = split(b)
    return sub(mul(al, bl), sub(sub(sub(p, mul(ah, bh)), mul(al, bh)), mul(ah, bl)))


def _power(d: SqlDialect, k: Any) -> Any:
    from sqlglot import exp

    return exp.Case(
        this=k,
        ifs=[exp.If(this=exp.Literal.number(i), true=d.double(p)) for i, p in _POWERS.items()],
    )


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
    frame.add({f"q.p0.{n}": mul(c("a", n), _power(d, c("k0", n))) for n in names})
    frame.add(
        {
            f"q.s.{n}": _power(
                d,
                case(
                    [
                        (ge(c("p0", n), d.double(1e12)), sub(c("k0", n), exp.Literal.number(1))),
                        (lt(c("p0", n), d.double(1e11)), add(c("k0", n), exp.Literal.number(1))),
                    ],
                    c("k0", n),
                ),
            )
            for n in names
        }
    )
    frame.add({f"q.p.{n}": mul(c("a", n), c("s", n)) for n in names})
    frame.add({f"q.e.{n}": _product_error(d, c("a", n), c("s", n), c("p", n)) for n in names})
    frame.add({f"q.f.{n}": d.floor(c("p", n)) for n in names})
    final: dict[str, Any] = {}
    for n in names:
        p, e, x, f = c("p", n), c("e", n), c("x", n), c("f", n)
        frac = sub(p, f)
        half = d.double(0.5)
        zero = d.double(0.0)
        up = or_(
            gt(frac, half),
            and_(
                eq(frac.copy(), half.copy()),
                or_(gt(e, zero), and_(eq(e.copy(), zero.copy()), _odd(d, f.copy()))),
            ),
        )
        bump = case([(up, d.double(1.0))], d.double(0.0))
        rounded = div(add(f.copy(), bump), c("s", n))
        signed = case(
            [(lt(x, zero.copy()), exp.Neg(this=exp.Paren(this=rounded)))], rounded.copy()
        )
        final[n] = case([(c("in", n), signed)], x.copy())
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
