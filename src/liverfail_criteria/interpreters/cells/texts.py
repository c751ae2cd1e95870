"""The texts of the errors a cell or a check across facts gets: data, written once."""

from __future__ import annotations

from collections.abc import Iterable

from ...dsl.variable import DATE_RANGE
from ..plan import FactColumn

EARLIEST, LATEST = DATE_RANGE


def fmt(x: float) -> str:
    """A number as the texts write it (``%g``: 1.5, 1e+50)."""
    return f"{x:g}"


# -- the texts of the errors ------------------------------------------------------------

#: A quantity's cell that is not a number with a unit (``{unit}``: its first spelling).
NOT_A_QUANTITY = "a number with a unit, such as '85 {unit}'"
#: A cell with its own unit where the unit comes from ``units=`` or a unit column.
NOT_A_PLAIN_NUMBER = "a plain number: the unit comes from {source}"
NOT_BOOLEAN = "true or false"
NOT_A_GRADE = "a whole-number grade from {lo} to {hi}"
NOT_A_DATE = "a date as 'YYYY-MM-DD'"
NOT_A_DAY = "a date without a time of day"
DATE_OUT_OF_RANGE = f"a date from {EARLIEST} to {LATEST}"
#: An event dated after the assessment.
LATE = "a date on or before assessment_date ({assessment_date})"


def unknown_spelling(fact: FactColumn, known: Iterable[str]) -> str:
    """What an error says of a unit spelling the reading was not built with."""
    shown = ", ".join(repr(k) for k in known if k) or "none"
    return (
        f"a unit spelling the query was built for ({shown}); give the data's spellings "
        f"in unit_spellings={{{fact.name!r}: [...]}}"
    )


def outside_text(lo: float, hi: float, symbol: str) -> str:
    """What a value outside its plausible range should have been (``{value}``: as it is)."""
    head = f"a value from {fmt(lo)} to {fmt(hi)} {symbol}".rstrip()
    tail = f" {symbol}".rstrip() + " after conversion)"
    return head + " (it is {value}" + tail
