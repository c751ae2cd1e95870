"""Numbers in polars exactly as the reference interpreter computes them.

:func:`quantise` rounds a column to 12 significant digits giving, bit for bit, the
double that :func:`liverfail_criteria.units.quantise` gives for each value: the nearest
double to the value correctly rounded (ties to even) to 12 significant decimal
digits. polars' own ``round_sig_figs`` rounds ties away from zero and rounds twice
(once in the multiplication), which differs for a few values in every hundred
thousand; a boundary could then flip between interpreters.

The method, for a magnitude ``a`` in :data:`~liverfail_criteria.units.QUANTISE_RANGE`:
scale by an exact power of ten ``s = 10**k`` (exact for ``k <= 22``) so that
``1e11 <= a * s < 1e12``; compute the product ``p = a * s`` and, with Dekker's
error-free transformation, the exact rounding error ``e`` of that product, so that
``a * s = p + e`` exactly; round ``p + e`` to an integer ``n`` with ties to even
(only an exact ``.5`` fraction of ``p`` needs ``e`` to decide); then ``n / s`` is a
single correctly rounded division of an exact integer by an exact power of ten, which
is the nearest double to the 12-digit decimal. Every step is IEEE double arithmetic
that any engine performs identically.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...units import QUANTISE_RANGE

__all__ = ["quantise_columns"]

_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for doubles
_POWERS = {k: 10.0**k for k in range(-1, 24)}  # exact for 0 <= k <= 22
_T = "__lc.q."


def _split(a: Any) -> tuple[Any, Any]:
    c = a * _SPLIT
    hi = c - (c - a)
    return hi, a - hi


def _product_error(a: Any, b: Any, p: Any) -> Any:
    """The exact error ``a * b - p`` of the double product ``p = a * b`` (Dekker)."""
    ah, al = _split(a)
    bh, bl = _split(b)
    return al * bl - (((p - ah * bh) - al * bh) - ah * bl)


def quantise_columns(lf: Any, columns: Mapping[str, Any]) -> Any:
    """Add each ``name: expr`` of ``columns`` to ``lf``, rounded as the reference rounds.

    The rounding of many columns is done together, in a few ``with_columns`` stages
    whose expressions read the previous stage's columns, so nothing is computed twice.
    """
    import polars as pl

    if not columns:
        return lf
    lo, hi = QUANTISE_RANGE
    names = list(columns)

    def c(kind: str, name: str) -> Any:
        return pl.col(f"{_T}{kind}.{name}")

    def power(k: Any) -> Any:
        return k.replace_strict(_POWERS, default=None, return_dtype=pl.Float64)

    lf = lf.with_columns(**{f"{_T}x.{n}": e.cast(pl.Float64) for n, e in columns.items()})
    stage: dict[str, Any] = {}
    for n in names:
        x = c("x", n)
        a = x.abs()
        inside = (a >= lo) & (a < hi)
        stage[f"{_T}in.{n}"] = inside.fill_null(False)
        stage[f"{_T}a.{n}"] = pl.when(inside).then(a).otherwise(pl.lit(1.0))
    lf = lf.with_columns(**stage)
    lf = lf.with_columns(
        **{f"{_T}k0.{n}": (11 - c("a", n).log10().floor()).cast(pl.Int32) for n in names}
    )
    lf = lf.with_columns(**{f"{_T}p0.{n}": c("a", n) * power(c("k0", n)) for n in names})
    lf = lf.with_columns(
        **{
            f"{_T}s.{n}": power(
                pl.when(c("p0", n) >= 1e12)
                .then(c("k0", n) - 1)
                .when(c("p0", n) < 1e11)
                .then(c("k0", n) + 1)
                .otherwise(c("k0", n))
            )
            for n in names
        }
    )
    lf = lf.with_columns(**{f"{_T}p.{n}": c("a", n) * c("s", n) for n in names})
    lf = lf.with_columns(
        **{f"{_T}e.{n}": _product_error(c("a", n), c("s", n), c("p", n)) for n in names}
    )
    final: dict[str, Any] = {}
    for n in names:
        p, e, x = c("p", n), c("e", n), c("x", n)
        f = p.floor()
        d = p - f
        up = (d > 0.5) | ((d == 0.5) & ((e > 0) | ((e == 0) & ((f % 2) == 1))))
        rounded = (f + up.cast(pl.Float64)) / c("s", n)
        signed = pl.when(x < 0).then(-rounded).otherwise(rounded)
        final[n] = pl.when(c("in", n)).then(signed).otherwise(x)
    lf = lf.with_columns(**final)
    return lf.drop(
        [f"{_T}{k}.{n}" for k in ("x", "in", "a", "k0", "p0", "s", "p", "e") for n in names]
    )
