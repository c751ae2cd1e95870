"""Exact thresholds: a comparison of a rounded value, as a comparison of the value itself.

The reference evaluator compares ``quantise(x)`` with a threshold ``t``, where ``x`` is
the double a cell's number times its unit's factor gives and :func:`~..units.quantise`
rounds it to 12 significant digits. Rounding is monotone (``x <= y`` implies
``quantise(x) <= quantise(y)``), so the doubles ``x`` with ``quantise(x) >= t`` are all
those from a least one upward, and likewise for ``> t``. This module finds those least
doubles, once per threshold, by bisection over the doubles in their order (at most 64
calls of ``quantise`` each), and rewrites each comparison as one or two comparisons of
``x`` itself::

    quantise(x) >= t   <=>   x >= least(quantise(x) >= t)
    quantise(x) >  t   <=>   x >= least(quantise(x) >  t)
    quantise(x) <  t   <=>   x <  least(quantise(x) >= t)
    quantise(x) <= t   <=>   x <  least(quantise(x) >  t)

So the vectorised engines compare each value against a threshold computed exactly once,
in Python, and need no rounding stage for it: the answers are the reference's for every
double, by construction, not only for the values the tests try. ``quantise`` is also
idempotent, so a value that is rounded already compares the same way.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Callable
from typing import Literal

from ..units import quantise

__all__ = ["Bound", "exact_bounds", "least_double", "outside_bounds"]

#: A comparison of the unrounded value: ``(">=", bound)`` or ``("<", bound)``.
Bound = tuple[Literal[">=", "<"], float]

_SIGN = 1 << 63


def _key(x: float) -> int:
    """The position of ``x`` in the order of the doubles (-0.0 and 0.0 share one)."""
    bits: int = struct.unpack("<q", struct.pack("<d", x))[0]
    return bits if bits >= 0 else -(bits & (_SIGN - 1))


def _double(key: int) -> float:
    """The double at position ``key`` (the inverse of :func:`_key`)."""
    bits = key if key >= 0 else (-key) | _SIGN
    value: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


def least_double(holds: Callable[[float], bool]) -> float | None:
    """The least double (``-inf`` to ``inf``) for which a monotone ``holds`` is true.

    ``holds`` must be false up to some double and true from it on; ``None`` if it is
    never true.
    """
    lo, hi = _key(-math.inf), _key(math.inf)
    if holds(-math.inf):
        return -math.inf
    if not holds(math.inf):
        return None
    while hi - lo > 1:  # holds(lo) is false, holds(hi) true
        mid = (lo + hi) // 2
        if holds(_double(mid)):
            hi = mid
        else:
            lo = mid
    return _double(hi)


@functools.lru_cache(maxsize=4096)
def exact_bounds(op: str, threshold: float) -> tuple[Bound, ...] | None:
    """``quantise(x) op threshold`` as comparisons of ``x`` (all must hold), exactly.

    ``==`` gives two bounds; ``!=`` is not rewritten (``None``: compare the rounded
    value), nor is a threshold that is not finite or whose bound would be infinite.
    """
    if op == "!=" or not math.isfinite(threshold):
        return None
    at_least = least_double(lambda x: quantise(x) >= threshold)
    above = least_double(lambda x: quantise(x) > threshold)
    if at_least is None or above is None:
        return None
    if not (math.isfinite(at_least) and math.isfinite(above)):
        return None
    bounds: dict[str, tuple[Bound, ...]] = {
        ">=": ((">=", at_least),),
        ">": ((">=", above),),
        "<": (("<", at_least),),
        "<=": (("<", above),),
        "==": ((">=", at_least), ("<", above)),
    }
    return bounds[op]


@functools.lru_cache(maxsize=256)
def outside_bounds(lo: float, hi: float) -> tuple[float, float]:
    """``(a, b)``: ``quantise(x) < lo or quantise(x) > hi`` exactly when ``x < a or x >= b``."""
    a = least_double(lambda x: quantise(x) >= lo)
    b = least_double(lambda x: quantise(x) > hi)
    # inf rounds to inf: both hold there
    assert a is not None
    assert b is not None
    return a, b
