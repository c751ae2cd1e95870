"""The polars engine rounds exactly as the reference interpreter does, bit for bit."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from liverfail_criteria.units import QUANTISE_RANGE, quantise

pl = pytest.importorskip("polars")

from liverfail_criteria.interpreters.frame.numeric import quantise_columns  # noqa: E402


def vector_quantise(xs: list[float | None]) -> list[float | None]:
    frame = pl.DataFrame({"x": xs}, schema={"x": pl.Float64}).lazy()
    return quantise_columns(frame, {"y": pl.col("x")}).collect()["y"].to_list()


def same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    if math.isnan(a):
        return math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def ties(n: int, shift: int) -> float:
    """A double whose exact value lies halfway between two 12-digit decimals."""
    return (2 * n + 1) / 2 * 2.0**-shift


doubles = st.floats(allow_nan=True, allow_infinity=True)
in_range = st.floats(min_value=QUANTISE_RANGE[0], max_value=QUANTISE_RANGE[1], exclude_max=True)
halfway = st.builds(ties, st.integers(10**11, 10**12 - 1), st.integers(0, 30))
by_bits = st.integers(0, 2**64 - 1).map(lambda b: struct.unpack("d", struct.pack("Q", b))[0])


@settings(max_examples=300)
@given(st.lists(st.one_of(doubles, in_range, halfway, by_bits, st.none()), max_size=60))
@example([1000.001953125, 1234567890.125, 85.00000000000001, 12 * 17.104, 0.0, -0.0])
@example([1e-10, 9.99999999999e-11, 1e12, 999999999999.5, 999999999999.4999, 9.9999999999995])
def test_vector_rounding_equals_the_reference(xs: list[float | None]) -> None:
    got = vector_quantise(xs)
    for x, y in zip(xs, got, strict=True):
        assert same(y, None if x is None else quantise(x)), (x, y)


def test_polars_own_rounding_would_differ() -> None:
    # Why numeric.py exists: polars rounds this tie away from zero, Python to even.
    tie = 1000.001953125
    theirs = pl.Series([tie]).round_sig_figs(12)[0]
    assert theirs != quantise(tie)
    assert vector_quantise([tie]) == [quantise(tie)]
