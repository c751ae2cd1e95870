"""Random cohorts for the differential tests: tables as lab exports have them.

Nulls, NaN, boundary values written in every accepted unit, mixed units row by row,
text cells with their own units, invalid cells (unknown units, units of another
dimension, implausible values, unreadable text), dates after the assessment, and
contradictions between facts. Each table comes with the options ``screen`` needs for
it, and :func:`row_record` turns a row back into the record a caller of
``lc.evaluate`` would write for it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from hypothesis import strategies as st

import liverfail_criteria as lc
from liverfail_criteria.dsl import Compare, Constant, Kind, Variable

pl: Any = None  # set by the tests, after importorskip

BASE = dt.date(2025, 6, 1)
# Refused everywhere, or for most facts: "mm hg" and "k/ul" are misspelt (case), and
# "G/L" is a count where a mass concentration is expected (albumin), "d" an age in days.
BAD_UNITS = ("mgdl", "kPa", "umol", "", None, "10*9", "mm hg", "k/ul", "G/L", "d")
_INTEGER = re.compile(r"^\s*[+-]?\d+(?:\.0*)?\s*$")


def thresholds(name: str) -> list[float]:
    """Every constant the trial's criteria compare fact ``name`` with (canonical)."""
    found: list[float] = []
    for node in lc.ELIGIBILITY.walk():
        if (
            isinstance(node, Compare)
            and isinstance(node.left, Variable)
            and node.left.name == name
            and isinstance(node.right, Constant)
        ):
            found.append(float(node.right.value))  # type: ignore[arg-type]
    for p in lc.PARAMETERS.values():
        if p.type == lc.VARIABLES[name].type and p.default is not None:
            found.append(float(p.parse(p.default)[0]))  # type: ignore[arg-type]
    return found


def _interesting(variable: Variable) -> list[float]:
    values = thresholds(variable.name)
    if variable.plausible is not None:
        lo, hi = variable.plausible
        # Both sides of each edge; and values off by a likely unit mistake (a factor
        # of 1000, 17.1, 10, 7.5, 100), which are refused with a suggestion.
        values += [lo, hi, lo - 0.001, hi + 0.001, hi * 1.5, -1.0, lo / 1000, hi * 1000]
        values += [lo / 17.104, hi * 17.104, lo / 10, lo / 7.5, lo / 100]
    extra = {
        "total_bilirubin": [17.1, 20.0, 171.0, 200.0, 85.0, 84.99],
        "total_bilirubin_uln": [17.1, 20.0, 21.0],
        "pao2": [40.0, 80.0, 53.3],
        "fio2": [0.21, 0.4, 0.5],
        "pao2_fio2_ratio": [200.0, 199.9, 190.5, 381.0],
    }
    return values + extra.get(variable.name, [])


@st.composite
def quantity_column(draw: st.DrawFn, variable: Variable, n: int) -> dict[str, Any]:
    """A quantity's column(s) and options: per-row units, a fixed unit, or text."""
    spec = variable.type.unit
    assert spec is not None
    accepted = list(spec.accepted)
    mode = draw(st.sampled_from(["unit_column", "fixed", "text"]))
    cells: list[Any] = []
    unit_cells: list[Any] = []
    fixed = draw(st.sampled_from(accepted)) if mode == "fixed" else None
    bad = list(BAD_UNITS)
    if mode == "text" and not spec.bare_number:
        # A bare number in a text column of a dimensional fact stops the screening
        # before it starts (tested on its own): keep every cell's unit here.
        bad = [u for u in bad if u]
    for _ in range(n):
        unit = fixed or draw(st.sampled_from(accepted + bad))
        canonical = draw(
            st.one_of(
                st.sampled_from(_interesting(variable)),
                st.floats(min_value=0, max_value=(variable.plausible or (0, 1000))[1] * 1.2),
            )
        )
        try:
            factor = spec.factor(unit) if unit else 1.0
        except lc.CriteriaInputError:
            factor = 1.0
        value: float | None = canonical / factor
        kind = draw(st.sampled_from(["value"] * 8 + ["none", "nan", "inf"]))
        if kind == "none":
            value = None
        elif kind == "nan":
            value = math.nan
        elif kind == "inf":
            value = math.inf
        if mode == "text":
            if value is None or math.isnan(value):
                cells.append(None)
            else:
                shown = draw(st.sampled_from([repr(value), f"{value:.6g}"]))
                garbage = draw(st.sampled_from([None] * 12 + ["abc", "1.5.3 mg", "+"]))
                cells.append(garbage or f"{shown} {unit or ''}".strip())
        else:
            cells.append(value)
            unit_cells.append(unit)
    out: dict[str, Any] = {"mode": mode}
    if mode == "text":
        out["columns"] = {variable.name: pl.Series(cells, dtype=pl.String)}
    else:
        out["columns"] = {variable.name: pl.Series(cells, dtype=pl.Float64)}
        if mode == "unit_column":
            out["columns"][f"{variable.name}_unit"] = pl.Series(unit_cells, dtype=pl.String)
        else:
            out["units"] = {variable.name: fixed}
    return out


def _date_near(draw: st.DrawFn, name: str) -> dt.date:
    if name == "birth_date":
        years = draw(st.integers(16, 68))
        return BASE - dt.timedelta(days=365 * years + draw(st.integers(-400, 400)))
    if name == "last_drug_abuse_date":
        return BASE - dt.timedelta(days=draw(st.sampled_from([-3, 0, 10, 364, 365, 366, 900])))
    if name == "assessment_date":
        return BASE + dt.timedelta(days=draw(st.integers(-2, 2)))
    if name == "diagnosis_date":
        return BASE - dt.timedelta(days=draw(st.integers(-1, 40)))
    return BASE - dt.timedelta(days=draw(st.integers(-2, 35)))


@st.composite
def other_column(draw: st.DrawFn, variable: Variable, n: int) -> dict[str, Any]:
    """A true/false, grade, category or date column, typed or as text."""
    kind = variable.type.kind
    as_text = draw(st.booleans()) if kind is not Kind.CATEGORY else True
    cells: list[Any] = []
    for _ in range(n):
        if draw(st.integers(0, 9)) == 0:
            cells.append(None)
            continue
        if kind is Kind.BOOLEAN:
            b = draw(st.booleans())
            if as_text:
                cells.append(draw(st.sampled_from([str(b).lower(), str(b).upper(), "yes", "1"])))
            else:
                cells.append(b)
        elif kind is Kind.ORDINAL:
            grade = draw(st.sampled_from([0, 1, 2, 3, 4, 5, -1]))
            cells.append(
                draw(st.sampled_from([str(grade), f"{grade}.0", "2.5"])) if as_text else grade
            )
        elif kind is Kind.CATEGORY:
            cells.append(draw(st.sampled_from(["male", "female", " Female ", "MALE", "other"])))
        else:
            day = _date_near(draw, variable.name)
            if as_text:
                cells.append(draw(st.sampled_from([day.isoformat()] * 6 + ["2025-02-30", "soon"])))
            else:
                cells.append(day)
    dtype = {
        Kind.BOOLEAN: pl.Boolean,
        Kind.ORDINAL: pl.Int64,
        Kind.DATE: pl.Date,
        Kind.CATEGORY: pl.String,
    }[kind]
    return {"columns": {variable.name: pl.Series(cells, dtype=pl.String if as_text else dtype)}}


PARAMS = [
    {},
    {"total_bilirubin_uln": "17.1 umol/L"},
    {"total_bilirubin_uln": "1 mg/dL", "aclf_coagulopathy_inclusive": True},
    {"clf_require_coagulopathy": True, "clf_platelet_threshold": "150 10*9/L"},
    {"clf_require_coagulopathy": False, "aclf_onset_days_before_diagnosis": "3 d"},
    {"aclf_onset_days_before_diagnosis": "72 h", "aclf_coagulopathy_inclusive": True},
]
BOOLEAN_FACTS = [n for n, v in lc.VARIABLES.items() if v.type.kind is Kind.BOOLEAN]


@st.composite
def cohorts(draw: st.DrawFn, max_rows: int = 12) -> dict[str, Any]:
    """A random table and the options to screen it with."""
    n = draw(st.integers(1, max_rows))
    columns: dict[str, Any] = {"id": pl.Series([f"P{i}" for i in range(n)], dtype=pl.String)}
    units: dict[str, str] = {}
    modes: dict[str, str] = {}
    for name, variable in lc.VARIABLES.items():
        if draw(st.integers(0, 9)) < 2:  # about one fact in five has no column
            continue
        if variable.type.kind is Kind.QUANTITY:
            got = draw(quantity_column(variable, n))
            modes[name] = got["mode"]
            units.update(got.get("units", {}))
        else:
            got = draw(other_column(variable, n))
        columns.update(got["columns"])
    return {
        "frame": pl.DataFrame(columns),
        "units": units,
        "modes": modes,
        "params": draw(st.sampled_from(PARAMS)),
        "assume_absent": draw(st.lists(st.sampled_from(BOOLEAN_FACTS), unique=True, max_size=6)),
    }


def row_record(frame: Any, i: int, units: dict[str, str]) -> dict[str, Any]:
    """Row ``i`` of a generated table as a caller of ``lc.evaluate`` would write it."""
    row = frame.row(i, named=True)
    record: dict[str, Any] = {}
    for name, variable in lc.VARIABLES.items():
        if name not in row:
            continue
        value = row[name]
        if value is None:
            continue
        kind = variable.type.kind
        if kind is Kind.QUANTITY:
            if isinstance(value, float):
                if math.isnan(value):
                    continue
                unit = units.get(name, row.get(f"{name}_unit"))
                record[name] = {"value": value, "unit": unit or ""}
            else:
                record[name] = value
        elif kind is Kind.BOOLEAN and isinstance(value, str):
            lowered = value.strip().lower()
            record[name] = {"true": True, "false": False}.get(lowered, value)
        elif kind is Kind.ORDINAL and isinstance(value, str):
            record[name] = int(float(value)) if _INTEGER.match(value) else value
        else:
            record[name] = value
    return record
