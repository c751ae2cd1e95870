"""Numbers in polars exactly as the reference interpreter computes them.

:func:`quantise_columns` rounds columns to 12 significant digits giving, bit for bit,
the double that :func:`liverfail_criteria.units.quantise` gives for each value: the
nearest double to the value correctly rounded (ties to even) to 12 significant decimal
digits. polars' own ``round_sig_figs`` rounds ties away from zero and rounds twice
(once in the multiplication), which differs for a few values in every hundred
thousand; a boundary could then flip between interpreters.

The method, for a magnitude ``a`` in :data:`~liverfail_criteria.units.QUANTISE_RANGE`:
scale by an exact power of ten ``s = 10**k`` (exact for ``k <= 22``) so that
``1e11 <= a * s < 1e12``; round the double product ``p = a * s`` to an integer ``n``,
ties to even; then ``n / s`` is one correctly rounded division of an exact integer by
an exact power of ten: the nearest double to the 12-digit decimal. This is exact
unless the fraction of ``p`` is exactly one half: only then can the product's own
rounding error decide the direction. Those rows (none in most tables, a handful in a
million random values) are handed to the reference function itself, so the result is
the reference's by construction. (The SQL interpreter, which cannot call Python,
decides them with Dekker's error-free product instead.)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ...units import QUANTISE_RANGE, quantise

__all__ = ["quantise_columns"]

_POWERS = [10.0**k for k in range(24)]  # exact for k <= 22
#: Veltkamp's splitter for doubles, 2**27 + 1: the SQL interpreter, which cannot hand
#: ties to Python, decides them with Dekker's error-free product, which splits by it.
_SPLIT = 134217729.0
_T = "__lc.q."


def _fix_ties(parts: Any) -> Any:
    """The fast result, with the values whose scaled fraction was one half done exactly."""
    import polars as pl

    fast = parts.struct.field("fast")
    tie = parts.struct.field("tie")
    if not tie.any():
        return fast
    x = parts.struct.field("x")
    where = tie.arg_true()
    exact = [quantise(v) for v in x.gather(where).to_list()]
    return fast.scatter(where, pl.Series(exact, dtype=pl.Float64))


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
    powers = pl.Series(_POWERS, dtype=pl.Float64)

    def c(kind: str, name: str) -> Any:
        return pl.col(f"{_T}{kind}.{name}")

    lf = lf.with_columns(**{f"{_T}x.{n}": e.cast(pl.Float64) for n, e in columns.items()})
    # a: the magnitude, clipped into the range (values outside it are restored last)
    lf = lf.with_columns(
        **{
            f"{_T}a.{n}": c("x", n).abs().clip(lo, math.nextafter(hi, 0)).fill_nan(1.0)
            for n in names
        }
    )
    lf = lf.with_columns(
        **{f"{_T}k0.{n}": (11 - c("a", n).log10().floor()).cast(pl.Int32) for n in names}
    )
    # k0 can be one off next to a power of ten: the scaled value says which way
    lf = lf.with_columns(
        **{f"{_T}p0.{n}": c("a", n) * pl.lit(powers).gather(c("k0", n)) for n in names}
    )
    lf = lf.with_columns(
        **{
            f"{_T}s.{n}": pl.lit(powers).gather(
                c("k0", n)
                - (c("p0", n) >= 1e12).cast(pl.Int32)
                + (c("p0", n) < 1e11).cast(pl.Int32)
            )
            for n in names
        }
    )
    lf = lf.with_columns(**{f"{_T}p.{n}": c("a", n) * c("s", n) for n in names})
    stage: dict[str, Any] = {}
    for n in names:
        x, p = c("x", n), c("p", n)
        inside = (x.abs() >= lo) & (x.abs() < hi)
        rounded = p.round(0, mode="half_to_even") / c("s", n)
        fast = pl.when(inside).then(rounded * x.sign()).otherwise(x)
        tie = inside & ((p - p.floor()) == 0.5)
        stage[n] = pl.struct(x=x, fast=fast, tie=tie.fill_null(False)).map_batches(
            _fix_ties, return_dtype=pl.Float64, is_elementwise=True
        )
    lf = lf.with_columns(**stage)
    return lf.drop([f"{_T}{k}.{n}" for k in ("x", "a", "k0", "p0", "s", "p") for n in names])
