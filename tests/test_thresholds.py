"""Exact thresholds: comparing the unrounded value gives the rounded value's answer.

The vectorised engines compare a quantity's unrounded value (its number times its unit's
factor) against a bound found once per threshold, instead of rounding every value to 12
significant digits as the reference does. These tests check the rewriting for any double
and any threshold, and next to the bound, where a mistake would show.
"""

from __future__ import annotations

import math
import operator

from hypothesis import given
from hypothesis import strategies as st

from liverfail_criteria.interpreters.thresholds import exact_bounds, least_double, outside_bounds
from liverfail_criteria.units import quantise

OPS = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
}
COMPARE = {">=": operator.ge, "<": operator.lt}
finite = st.floats(allow_nan=False, allow_infinity=False)
clinical = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


def rewritten(op: str, threshold: float, x: float) -> bool:
    bounds = exact_bounds(op, threshold)
    assert bounds is not None
    return all(COMPARE[o](x, bound) for o, bound in bounds)


def neighbours(x: float, n: int = 3) -> list[float]:
    """``x`` and the ``n`` doubles on each side of it."""
    out = [x]
    lo = hi = x
    for _ in range(n):
        lo, hi = math.nextafter(lo, -math.inf), math.nextafter(hi, math.inf)
        out += [lo, hi]
    return out


@given(op=st.sampled_from(sorted(OPS)), threshold=clinical.map(quantise), x=finite)
def test_any_value_against_any_threshold(op: str, threshold: float, x: float) -> None:
    assert rewritten(op, threshold, x) == OPS[op](quantise(x), threshold)


@given(op=st.sampled_from(sorted(OPS)), threshold=clinical.map(quantise), data=st.data())
def test_the_doubles_next_to_each_bound(op: str, threshold: float, data: st.DataObject) -> None:
    bounds = exact_bounds(op, threshold)
    assert bounds is not None
    for _, bound in bounds:
        for x in neighbours(bound):
            assert rewritten(op, threshold, x) == OPS[op](quantise(x), threshold), x


def test_the_trial_boundaries_in_their_units() -> None:
    """85 µmol/L, INR 1.5, PTA 40 %: the written boundary and its neighbours."""
    for threshold, written, factor in [
        (85.0, 5.0, 17.1),  # 5 mg/dL of bilirubin in µmol/L (17.1 µmol/L per mg/dL)
        (1.5, 1.5, 1.0),
        (40.0, 40.0, 1.0),
        (0.4, 40.0, 0.01),
    ]:
        for x in neighbours(written * factor, 5):
            for op, compare in OPS.items():
                assert rewritten(op, threshold, x) == compare(quantise(x), threshold)


def test_least_double_is_the_least() -> None:
    bound = least_double(lambda x: x >= 1.0)
    assert bound == 1.0
    assert least_double(lambda x: False) is None
    assert least_double(lambda x: True) == -math.inf


def test_not_equal_and_infinite_thresholds_are_not_rewritten() -> None:
    assert exact_bounds("!=", 1.0) is None
    assert exact_bounds(">=", math.inf) is None


@given(lo=clinical.map(quantise), width=st.floats(0, 1e6).map(quantise), x=finite)
def test_outside_a_range(lo: float, width: float, x: float) -> None:
    hi = quantise(lo + width)
    below, above = outside_bounds(lo, hi)
    assert (x < below or x >= above) == (quantise(x) < lo or quantise(x) > hi)
