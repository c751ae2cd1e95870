"""The rule ``number-magnitude`` in every engine: 0, or 1e-50 to 1e50, and no more.

A number as written (a text, a column's double, a pint magnitude, a mapping's value, a
censored value) must be 0 or of a magnitude from 1e-50 to 1e50; a quantity's text has
at most 100 characters; a unit's factor to its canonical unit lies from 1e-50 to 1e50.
Each engine gives the reference's answer, or lists the cell with the reference's error
text; PostgreSQL (where ``LIVERFAIL_PG_DSN`` names a server) no longer fails the whole
query on one such cell.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import liverfail_criteria as lc
from conftest import Engine, examples
from liverfail_criteria.errors import DefinitionError
from liverfail_criteria.units import NOT_A_MAGNITUDE, TOO_LONG, specs

pl = pytest.importorskip("polars")

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
BIG, TINY = 1e50, 1e-50
ABOVE, BELOW = math.nextafter(BIG, math.inf), math.nextafter(TINY, 0.0)


def _words(text: str) -> str:
    """A text with its numbers as ``#`` (engines write 0 or 0.0, 700 or 700.0)."""
    return _NUMBER.sub("#", text)


def reference(record: dict[str, Any]) -> tuple[str | None, list[tuple[str | None, str]]]:
    """The reference's status, or the error it raises, as ``(status, [(field, expected)])``."""
    try:
        return lc.evaluate(record).status.value, []
    except lc.CriteriaInputError as exc:
        return None, [(exc.field, exc.expected)]


def screened(
    engine: Engine, frame: Any, units: dict[str, str]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each row's status and errors, screened by ``engine`` (not the reference)."""
    from conftest import _screen_on_postgres

    if engine.name == "postgres":
        # the helper reads no units: give them as unit columns
        frame = frame.with_columns(
            pl.lit(u, dtype=pl.String).alias(f"{name}_unit") for name, u in units.items()
        )
        results = _screen_on_postgres(frame, lc.ELIGIBILITY, None)
    else:
        results = lc.screen(frame, units=units, id_column=None, engine=engine.name)
    return [
        (row["status"], [(e["field"], e["expected"]) for e in row["errors"]])
        for row in results.iter_rows(named=True)
    ]


def agree(
    engine: Engine, frame: Any, units: dict[str, str], records: list[dict[str, Any]]
) -> None:
    """``engine`` gives each row the reference's status, or lists its error."""
    expected = [reference(r) for r in records]
    if engine.name == "reference":
        return  # the expectations are its own
    got = screened(engine, frame, units)
    for (status, errors), (row_status, row_errors), record in zip(
        expected, got, records, strict=True
    ):
        # numbers in a plausible range's text are written each engine's way (0.0, 0)
        errors = [(f, _words(t)) for f, t in errors]
        row_errors = [(f, _words(t)) for f, t in row_errors]
        assert row_errors == errors, (engine.name, record)
        if status is not None:
            assert row_status == status, (engine.name, record)


TEXTS = [
    "1e50 umol/L",
    f"{ABOVE!r} umol/L",
    "1e-50 umol/L",
    f"{BELOW!r} umol/L",
    "0 umol/L",
    "-0 umol/L",
    "0e999 umol/L",
    "0.000e-99999 mg/dL",
    "1e-400 umol/L",
    "0.0001e-400 umol/L",
    "1e400 umol/L",
    "1e308 mg/dL",
    "5e-324 mg/dL",
    "-1e51 mg/dL",
    "<1e-400 umol/L",
    ">1e400 umol/L",
    "<0e999 umol/L",
    "1." + "0" * 91 + " umol/L",  # 100 characters: 1 µmol/L
    "1." + "0" * 92 + " umol/L",  # 101 characters
    "1" + "0" * 300 + "e-299 umol/L",
    "0." + "0" * 300 + "1e301 umol/L",
    "85 umol/L",
]


def test_texts_at_and_beyond_the_magnitudes(engine: Engine) -> None:
    frame = pl.DataFrame({"total_bilirubin": TEXTS})
    agree(engine, frame, {}, [{"total_bilirubin": t} for t in TEXTS])


def test_the_rule_s_texts_in_the_reference() -> None:
    def refused(text: str) -> str | None:
        return (
            reference({"total_bilirubin": text})[1][0][1]
            if reference({"total_bilirubin": text})[1]
            else None
        )

    assert refused("1e50 umol/L") is not None  # plausible range: not the magnitude
    assert refused("1e50 umol/L") != NOT_A_MAGNITUDE
    assert refused(f"{ABOVE!r} umol/L") == NOT_A_MAGNITUDE
    assert refused("1e-50 umol/L") is None
    assert refused(f"{BELOW!r} umol/L") == NOT_A_MAGNITUDE
    for zero in ("0 umol/L", "-0 umol/L", "0e999 umol/L", "<0e999 umol/L"):
        assert refused(zero) is None, zero
    for text in ("1e-400 umol/L", "1e400 umol/L", "1e308 mg/dL", "5e-324 mg/dL"):
        assert refused(text) == NOT_A_MAGNITUDE, text
    assert refused("1." + "0" * 92 + " umol/L") == TOO_LONG
    with pytest.raises(lc.CriteriaInputError, match="1e-50 to 1e50"):
        lc.evaluate({"total_bilirubin": {"value": 1e308, "unit": "mg/dL"}})
    with pytest.raises(lc.CriteriaInputError, match="1e-50 to 1e50"):
        lc.evaluate({"inr": 5e-324})
    with pytest.raises(lc.CriteriaInputError, match="1e-50 to 1e50"):
        lc.evaluate({"total_bilirubin": lc.ureg.Quantity(1e60, "umol/L")})


NUMBERS = [1e308, BIG, ABOVE, TINY, BELOW, 0.0, -0.0, 5e-324, -1e-60, math.inf, 20.0, None]


@pytest.mark.parametrize("unit", ["umol/L", "mg/dL"])
def test_a_column_of_numbers_in_two_units(engine: Engine, unit: str) -> None:
    frame = pl.DataFrame({"total_bilirubin": NUMBERS}, schema={"total_bilirubin": pl.Float64})
    records = [
        {} if x is None else {"total_bilirubin": {"value": x, "unit": unit}} for x in NUMBERS
    ]
    agree(engine, frame, {"total_bilirubin": unit}, records)


def test_a_weight_in_grams_that_underflows(engine: Engine) -> None:
    cells = ["5e-324 g", "1e-49 g", "70000 g"]
    frame = pl.DataFrame({"body_weight": cells})
    agree(engine, frame, {}, [{"body_weight": c} for c in cells])


def test_grades_written_with_hundreds_of_digits(engine: Engine) -> None:
    # PostgreSQL casts only a text it can read; a whole number with more than 100
    # digits is no grade in any engine, and 2.000... is 2 in every one.
    cells = ["2." + "0" * 300, "1" * 300, "3"]
    frame = pl.DataFrame({"hepatic_encephalopathy_grade": cells})
    records: list[dict[str, Any]] = [
        {"hepatic_encephalopathy_grade": 2},
        {"hepatic_encephalopathy_grade": cells[1]},
        {"hepatic_encephalopathy_grade": 3},
    ]
    agree(engine, frame, {}, records)


_ANY_DOUBLE = st.one_of(
    st.floats(allow_nan=False),
    st.floats(min_value=0.0, max_value=1e-300),  # subnormals too
    st.floats(min_value=1e-52, max_value=1e-48),
    st.floats(min_value=1e48, max_value=1e52),
    st.sampled_from([0.0, -0.0, 5e-324, BIG, ABOVE, TINY, BELOW, 1.7976931348623157e308]),
).map(lambda x: x * 1.0)


@settings(
    max_examples=examples(10),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    numbers=st.lists(_ANY_DOUBLE, min_size=1, max_size=8),
    unit=st.sampled_from(["umol/L", "mg/dL", "mmol/L"]),
    written=st.sampled_from(["{x!r}", "{x:.3e}", "<{x!r}"]),
)
def test_any_double_written_or_stored_agrees_with_the_reference(
    engine: Engine, numbers: list[float], unit: str, written: str
) -> None:
    texts = [written.format(x=x) + f" {unit}" for x in numbers]
    frame = pl.DataFrame({"total_bilirubin": texts, "total_bilirubin_uln": numbers})
    records = [
        {"total_bilirubin": t, "total_bilirubin_uln": {"value": x, "unit": unit}}
        for t, x in zip(texts, numbers, strict=True)
    ]
    # each fact alone, so the reference's one error is the row's only one
    agree(engine, frame.select("total_bilirubin"), {}, [{"total_bilirubin": t} for t in texts])
    numeric = frame.select("total_bilirubin_uln")
    alone = [{"total_bilirubin_uln": r["total_bilirubin_uln"]} for r in records]
    agree(engine, numeric, {"total_bilirubin_uln": unit}, alone)


def test_a_unit_whose_factor_is_out_of_range_is_refused() -> None:
    assert specs.PLATELETS.factor("10*59/L") == 1e50
    with pytest.raises(ValueError, match=r"'10\*60/L' is 1e\+51 times") as caught:
        specs.PLATELETS.factor("10*60/L")
    assert isinstance(caught.value, lc.CriteriaInputError)
    assert caught.value.value == "10*60/L"
    with pytest.raises(lc.CriteriaInputError, match="from 1e-50 to 1e50 times"):
        lc.evaluate({"platelets": "1 10*60/L"})


def test_a_unit_whose_factor_is_out_of_range_is_listed(engine: Engine) -> None:
    cells = ["1 10*60/L", "1 10*59/L", "150 10*9/L"]
    frame = pl.DataFrame({"platelets": cells})
    agree(engine, frame, {}, [{"platelets": c} for c in cells])


def test_arithmetic_far_from_a_double_s_limits_is_refused_when_defined() -> None:
    bilirubin, fio2 = lc.VARIABLES["total_bilirubin"], lc.VARIABLES["fio2"]
    with pytest.raises(DefinitionError, match="1e-50 to 1e50"):
        _ = 1e51 * bilirubin
    ratio = (10 * bilirubin) / fio2  # up to 1e201: allowed
    with pytest.raises(DefinitionError, match="as large as 1e301"):
        _ = ratio / fio2


def test_a_numeric_column_beyond_the_double_s_range_on_postgres(pg: Any) -> None:
    # A NUMERIC holds 1e400 and 1e-400, which a cast to a double refuses with an error.
    from liverfail_criteria.sql import screen_postgres

    pg.execute('CREATE TABLE wide (id TEXT, "total_bilirubin" NUMERIC)')
    values = ["1e400", "-1e400", "1e-400", "20", "NaN", "0", "1e50", "1.0000000001e50"]
    for i, v in enumerate(values):
        pg.execute("INSERT INTO wide VALUES (%s, %s::NUMERIC)", (str(i), v))
    got = screen_postgres(pg, "wide", units={"total_bilirubin": "umol/L"}, keep_record=False)
    errors = {r["id"]: [e["expected"] for e in r["errors"]] for r in got.iter_rows(named=True)}
    out_of_range = [NOT_A_MAGNITUDE]
    assert [errors[str(i)] for i in range(len(values))][:3] == [out_of_range] * 3
    assert errors["3"] == errors["4"] == errors["5"] == []  # 20, missing, 0
    assert errors["6"] != out_of_range and errors["6"]  # 1e50: implausible, not unreadable
    assert errors["7"] == out_of_range
    missing = got.filter(pl.col("id") == "4")["missing"].to_list()[0]
    assert "total_bilirubin" in missing
