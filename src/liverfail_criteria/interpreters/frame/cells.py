"""Reading a table's cells into facts, in polars: the cohort twin of :mod:`..facts`.

Each fact column of the :class:`~liverfail_criteria.cohort.plan.Plan` becomes three
internal columns: the fact's canonical value (a float in the canonical unit, a bool, a
grade, a category, a date), the value as read before conversion (for the row's
``record``), and an error (``{field, value, expected}``) for a cell that cannot be
used. Then the checks across facts that the reference interpreter makes (dates after
the assessment, an age that contradicts the birth date, ...) leave out every cell of a
contradiction, and the implications of ``sex = "male"`` and the caller's
``assume_absent`` fill in facts, as :func:`..facts.read_record` does.

The work is done in a few ``with_columns`` stages, each reading the columns the last
one made, so no expression is computed twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from ...cohort.plan import FactColumn, Plan, UnitTable
from ...dictionary import (
    DRUG_ABUSE_WINDOW_DAYS,
    IMPLIED_FALSE_FOR_MALE,
    NOT_AFTER_ASSESSMENT,
    PAO2_FIO2_TOLERANCE_MMHG,
)
from ...dsl import Kind
from ...errors import CriteriaInputError
from .numeric import quantise_columns

__all__ = ["ERROR_DTYPE", "fact_column", "given_column", "read_cells"]

_P = "__lc."
_NUMBER = r"^\s*(?P<n>[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<u>.*?)\s*$"
_INTEGER = r"^\s*[+-]?\d+(?:\.0*)?\s*$"
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
_EARLIEST, _LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def fact_column(name: str) -> str:
    """The internal column holding fact ``name``'s canonical value."""
    return f"{_P}fact.{name}"


def given_column(name: str) -> str:
    """The internal column holding fact ``name`` as read, before conversion."""
    return f"{_P}given.{name}"


def _error_column(name: str, n: int = 0) -> str:
    return f"{_P}err.{name}.{n}"


def _tmp(kind: str, name: str) -> str:
    return f"{_P}{kind}.{name}"


def _dtype() -> Any:
    import polars as pl

    return pl.Struct({"field": pl.String, "value": pl.String, "expected": pl.String})


ERROR_DTYPE = _dtype  # a function: polars is imported only when it is called


def _error(field: str, value: Any, expected: Any, when: Any) -> Any:
    """An error struct where ``when`` holds, else null."""
    import polars as pl

    if isinstance(expected, str):
        expected = pl.lit(expected)
    struct = pl.struct(
        field=pl.lit(field),
        value=value.cast(pl.String),
        expected=expected.cast(pl.String),
    )
    return pl.when(when).then(struct).otherwise(pl.lit(None, dtype=_dtype()))


def _fmt(x: float) -> str:
    return f"{x:g}"


# -- one cell at a time ---------------------------------------------------------------


def _kind_mismatch(fact: FactColumn, expected: str) -> CriteriaInputError:
    return CriteriaInputError(
        fact.name, f"column {fact.column!r} of {fact.kind} values", f"a column of {expected}"
    )


def _quantity_parse(fact: FactColumn) -> dict[str, Any]:
    """Stage 1 of a quantity: the number, its unit spelling, and a parse error."""
    import polars as pl

    src = pl.col(fact.column)
    name = fact.name
    parse_error: Any = pl.lit(None, dtype=pl.String)
    number: Any
    if fact.kind == "string":
        text = src.str.strip_chars()
        parts = text.str.extract_groups(_NUMBER)
        number = parts.struct.field("n").cast(pl.Float64, strict=False)
        cell_unit = parts.struct.field("u")
        spec = fact.variable.type.unit
        assert spec is not None
        example = f"a number with a unit, such as '85 {spec.accepted[0]}'"
        unparsed = text.is_not_null() & (text != "") & number.is_null()
        parse_error = pl.when(unparsed).then(pl.lit(example))
        if fact.unit is not None or fact.unit_column is not None:
            source = repr(fact.unit) if fact.unit is not None else f"column {fact.unit_column!r}"
            has_own = number.is_not_null() & (cell_unit != "")
            parse_error = parse_error.when(has_own).then(
                pl.lit(f"a plain number: the unit comes from {source}")
            )
            unit = _unit_source(fact)
        else:
            unit = cell_unit
        parse_error = parse_error.otherwise(pl.lit(None, dtype=pl.String))
    elif fact.kind in ("number", "integer", "null"):
        number = src.cast(pl.Float64)
        unit = _unit_source(fact)
    else:
        raise _kind_mismatch(fact, "numbers, or text such as '85 umol/L'")
    number = pl.when(number.is_nan()).then(None).otherwise(number)
    return {
        _tmp("num", name): number,
        _tmp("unit", name): unit,
        _tmp("bad", name): parse_error,
    }


def _unit_source(fact: FactColumn) -> Any:
    import polars as pl

    if fact.unit is not None:
        return pl.lit(fact.unit)
    if fact.unit_column is not None:
        return pl.col(fact.unit_column).cast(pl.String).str.strip_chars().fill_null("")
    return pl.lit("")


def _quantity_factor(fact: FactColumn, table: UnitTable) -> dict[str, Any]:
    """Stage 2 of a quantity: the number times its unit's factor."""
    import polars as pl

    name = fact.name
    unit = pl.col(_tmp("unit", name))
    factor = unit.replace_strict(dict(table.factors), default=None, return_dtype=pl.Float64)
    return {
        _tmp("product", name): pl.col(_tmp("num", name)) * factor,
        _tmp("unit_error", name): unit.replace_strict(
            dict(table.errors), default=None, return_dtype=pl.String
        ),
    }


def _quantity_final(fact: FactColumn) -> dict[str, Any]:
    """Stage 4 of a quantity: check the converted value; the fact, as read, and errors."""
    import polars as pl

    name = fact.name
    variable = fact.variable
    spec = variable.type.unit
    assert spec is not None
    number = pl.col(_tmp("num", name))
    unit = pl.col(_tmp("unit", name))
    converted = pl.col(_tmp("conv", name))
    present = number.is_not_null()
    finite = number.is_finite()
    expected: Any = (
        pl.when(pl.col(_tmp("bad", name)).is_not_null())
        .then(pl.col(_tmp("bad", name)))
        .when(present & ~finite)
        .then(pl.lit("a finite number"))
        .when(present & pl.col(_tmp("unit_error", name)).is_not_null())
        .then(pl.col(_tmp("unit_error", name)))
        .when(present & ~converted.is_finite())
        .then(pl.lit("a finite value"))
    )
    if variable.plausible is not None:
        lo, hi = variable.plausible
        symbol = spec.symbol
        outside = present & ((converted < lo) | (converted > hi))
        expected = expected.when(outside).then(
            pl.format(
                f"a value from {_fmt(lo)} to {_fmt(hi)} {symbol}".rstrip()
                + " (it is {}"
                + f" {symbol}".rstrip()
                + " after conversion)"
                + (f"; {variable.hint}" if variable.hint else ""),
                converted.cast(pl.String),
            )
        )
    expected = expected.otherwise(pl.lit(None, dtype=pl.String))
    if fact.kind == "string":
        shown = pl.col(fact.column).str.strip_chars()
        if fact.unit is not None or fact.unit_column is not None:
            shown = pl.concat_str([shown, unit], separator=" ").str.strip_chars()
    else:
        shown = pl.concat_str([pl.col(fact.column).cast(pl.String), unit], separator=" ")
        shown = shown.str.strip_chars()
    error = _error(name, shown, expected, expected.is_not_null())
    ok = present & expected.is_null()
    given = pl.when(ok).then(pl.struct(value=number, unit=unit))
    return {
        fact_column(name): pl.when(ok).then(converted),
        given_column(name): given,
        _error_column(name): error,
    }


def _other_fact(fact: FactColumn) -> dict[str, Any]:
    """A true/false fact, a grade, a category or a date: value, as read, and error."""
    import polars as pl

    name = fact.name
    value_type = fact.variable.type
    kind = value_type.kind
    src = pl.col(fact.column)
    text = src.cast(pl.String).str.strip_chars() if fact.kind == "string" else None
    value: Any
    expected_text: Any
    number: Any
    parsed: Any
    if fact.kind == "null":
        value = pl.lit(None, dtype=_polars_dtype(kind))
        return {
            fact_column(name): value,
            given_column(name): value,
            _error_column(name): pl.lit(None, dtype=_dtype()),
        }
    if kind is Kind.BOOLEAN:
        expected_text = "true or false"
        if text is not None:
            lowered = text.str.to_lowercase()
            value = pl.when(lowered == "true").then(True).when(lowered == "false").then(False)
            bad = text.is_not_null() & (text != "") & value.is_null()
        elif fact.kind == "boolean":
            value, bad = src, pl.lit(False)
        else:
            raise _kind_mismatch(fact, "true/false values")
    elif kind is Kind.ORDINAL:
        assert value_type.levels is not None
        lo, hi = value_type.levels
        expected_text = f"a whole-number grade from {lo} to {hi}"
        if text is not None:
            whole = text.str.contains(_INTEGER)
            number = pl.when(whole).then(text.cast(pl.Float64, strict=False))
            present = text.is_not_null() & (text != "")
        elif fact.kind in ("integer", "number"):
            number = src.cast(pl.Float64)
            number = pl.when(number.is_nan()).then(None).otherwise(number)
            present = number.is_not_null()
        else:
            raise _kind_mismatch(fact, "whole numbers")
        valid = (number == number.floor()) & (number >= lo) & (number <= hi)
        value = pl.when(valid).then(number.cast(pl.Int64))
        bad = present & value.is_null()
    elif kind is Kind.CATEGORY:
        expected_text = str(value_type)
        if text is None:
            raise _kind_mismatch(fact, "text")
        lowered = text.str.to_lowercase()
        value = pl.when(lowered.is_in(list(value_type.categories))).then(lowered)
        bad = text.is_not_null() & (text != "") & value.is_null()
    elif kind is Kind.DATE:
        expected_text = "a date as 'YYYY-MM-DD'"
        if text is not None:
            iso = text.str.contains(_ISO_DATE)
            parsed = pl.when(iso).then(text.str.to_date("%Y-%m-%d", strict=False))
            present = text.is_not_null() & (text != "")
        elif fact.kind == "date":
            parsed, present = src, src.is_not_null()
        elif fact.kind == "datetime":
            midnight = src.dt.truncate("1d") == src
            parsed = pl.when(midnight).then(src.dt.date())
            present = src.is_not_null()
            expected_text = "a date without a time of day"
        else:
            raise _kind_mismatch(fact, "dates")
        in_range = (parsed >= _EARLIEST) & (parsed <= _LATEST)
        value = pl.when(in_range).then(parsed)
        bad = present & value.is_null()
        expected_text = (
            pl.when(parsed.is_not_null() & ~in_range)
            .then(pl.lit(f"a date from {_EARLIEST} to {_LATEST}"))
            .otherwise(pl.lit(expected_text))
        )
    else:  # pragma: no cover - every kind is handled above
        raise CriteriaInputError(name, fact.column, f"a fact of a known kind, not {kind}")
    shown = src.cast(pl.String)
    return {
        fact_column(name): value,
        given_column(name): value,
        _error_column(name): _error(name, shown, expected_text, bad),
    }


def _polars_dtype(kind: Kind) -> Any:
    import polars as pl

    return {
        Kind.BOOLEAN: pl.Boolean,
        Kind.ORDINAL: pl.Int64,
        Kind.CATEGORY: pl.String,
        Kind.DATE: pl.Date,
        Kind.QUANTITY: pl.Float64,
    }[kind]


# -- across facts ---------------------------------------------------------------------


def _completed_years(start: Any, end: Any) -> Any:
    import polars as pl

    before_birthday = (end.dt.month() < start.dt.month()) | (
        (end.dt.month() == start.dt.month()) & (end.dt.day() < start.dt.day())
    )
    return (
        end.dt.year().cast(pl.Int64)
        - start.dt.year().cast(pl.Int64)
        - before_birthday.cast(pl.Int64)
    )


class _Checks:
    """The checks across facts: which cells each contradiction leaves out, and why."""

    def __init__(self, plan: Plan) -> None:
        self.present = {f.name for f in plan.facts}
        self.errors: list[Any] = []
        self.cleared: dict[str, list[Any]] = {}

    def has(self, *names: str) -> bool:
        return all(n in self.present for n in names)

    def clear(self, name: str, when: Any, shown: Any, expected: Any) -> None:
        self.errors.append(_error(name, shown, expected, when))
        self.cleared.setdefault(name, []).append(when)


def _fact(name: str) -> Any:
    import polars as pl

    return pl.col(fact_column(name))


def _check_dates(checks: _Checks) -> dict[str, Any]:
    """Stage: events dated after the assessment are left out."""
    import polars as pl

    out: dict[str, Any] = {}
    if not checks.has("assessment_date"):
        return out
    assessed = _fact("assessment_date")
    for name in NOT_AFTER_ASSESSMENT:
        if not checks.has(name):
            continue
        after = _fact(name) > assessed
        checks.clear(
            name,
            after,
            _fact(name).cast(pl.String),
            pl.format("a date on or before assessment_date ({})", assessed.cast(pl.String)),
        )
        out[fact_column(name)] = pl.when(after).then(None).otherwise(_fact(name))
    return out


def _check_consistency(checks: _Checks) -> None:
    """Contradictions between facts: every cell of one is left out."""
    import polars as pl

    if checks.has("assessment_date", "age", "birth_date"):
        years = _completed_years(_fact("birth_date"), _fact("assessment_date"))
        wrong = _fact("age").floor() != years.cast(pl.Float64)
        why = pl.format(
            "{} completed years, as birth_date {} and assessment_date {} give",
            years,
            _fact("birth_date"),
            _fact("assessment_date"),
        )
        checks.clear("age", wrong, _fact("age").cast(pl.String) + pl.lit(" years"), why)
        checks.clear(
            "birth_date",
            wrong,
            _fact("birth_date").cast(pl.String),
            pl.format("a birth date that agrees with age ({} years)", _fact("age")),
        )
    if checks.has("assessment_date", "drug_abuse_past_year", "last_drug_abuse_date"):
        days = (_fact("assessment_date") - _fact("last_drug_abuse_date")).dt.total_days()
        within = (days >= 0) & (days <= DRUG_ABUSE_WINDOW_DAYS)
        wrong = _fact("drug_abuse_past_year") != within
        why = pl.format(
            "{}, as last_drug_abuse_date is {} days before assessment_date",
            within.cast(pl.String).str.to_lowercase(),
            days,
        )
        checks.clear(
            "drug_abuse_past_year", wrong, _fact("drug_abuse_past_year").cast(pl.String), why
        )
        checks.clear(
            "last_drug_abuse_date",
            wrong,
            _fact("last_drug_abuse_date").cast(pl.String),
            "a date that agrees with drug_abuse_past_year",
        )
    if checks.has("pao2_fio2_ratio", "pao2", "fio2"):
        derived = _fact("pao2") / _fact("fio2")
        wrong = (_fact("pao2_fio2_ratio") - derived).abs() > PAO2_FIO2_TOLERANCE_MMHG
        why = pl.format(
            "a ratio within {} mmHg of pao2 / fio2 = {} mmHg",
            pl.lit(_fmt(PAO2_FIO2_TOLERANCE_MMHG)),
            derived.round(0),
        )
        for name in ("pao2_fio2_ratio", "pao2", "fio2"):
            checks.clear(name, wrong, _fact(name).cast(pl.String), why)
    if checks.has("sex"):
        male = _fact("sex") == "male"
        flags = [n for n in IMPLIED_FALSE_FOR_MALE if checks.has(n)]
        contradicted = [male & _fact(n).fill_null(False) for n in flags]
        for name, wrong in zip(flags, contradicted, strict=True):
            checks.clear(name, wrong, pl.lit("true"), "false or nothing, since sex is 'male'")
        if contradicted:
            checks.clear(
                "sex",
                pl.any_horizontal(contradicted),
                pl.lit("male"),
                "a sex that agrees with " + " and ".join(flags),
            )


def read_cells(
    lf: Any,
    plan: Plan,
    tables: Mapping[str, UnitTable],
    assume_absent: Iterable[str] = (),
) -> tuple[Any, list[str]]:
    """Add the facts' internal columns to ``lf``; return it and the error columns' names.

    After this, :func:`fact_column` holds each fact ready for the criteria (``null``
    where missing, invalid or left out), :func:`given_column` each fact as read, and
    the returned error columns one ``{field, value, expected}`` struct (or null) each.
    """
    import polars as pl

    quantities = [f for f in plan.facts if f.is_quantity]
    others = [f for f in plan.facts if not f.is_quantity]
    stage1: dict[str, Any] = {}
    for f in quantities:
        stage1.update(_quantity_parse(f))
    for f in others:
        stage1.update(_other_fact(f))
    lf = lf.with_columns(**stage1)
    if quantities:
        stage2: dict[str, Any] = {}
        for f in quantities:
            stage2.update(_quantity_factor(f, tables[f.name]))
        lf = lf.with_columns(**stage2)
        lf = quantise_columns(
            lf, {_tmp("conv", f.name): pl.col(_tmp("product", f.name)) for f in quantities}
        )
        stage4: dict[str, Any] = {}
        for f in quantities:
            stage4.update(_quantity_final(f))
        lf = lf.with_columns(**stage4)
    error_columns = [_error_column(f.name) for f in plan.facts]

    checks = _Checks(plan)
    dates = _check_dates(checks)
    date_errors = {f"{_P}check.{i}": e for i, e in enumerate(checks.errors)}
    if dates:
        lf = lf.with_columns(**dates, **date_errors)
        # the consistency checks read the facts with late events already left out
        lf = lf.with_columns(
            **{given_column(n[len(fact_column("")) :]): _given_cleared(n) for n in dates}
        )
    error_columns += list(date_errors)
    first = len(checks.errors)
    checks.cleared.clear()
    _check_consistency(checks)
    consistency_errors = {f"{_P}check.{i}": e for i, e in enumerate(checks.errors) if i >= first}
    final: dict[str, Any] = {}
    for name, whens in checks.cleared.items():
        cleared = pl.any_horizontal(whens).fill_null(False)
        final[fact_column(name)] = pl.when(cleared).then(None).otherwise(_fact(name))
        final[given_column(name)] = (
            pl.when(cleared).then(None).otherwise(pl.col(given_column(name)))
        )
    if consistency_errors:
        lf = lf.with_columns(**consistency_errors)
        error_columns += list(consistency_errors)
    if final:
        lf = lf.with_columns(**final)
    absent = _absent_facts(plan)
    if absent:
        lf = lf.with_columns(**absent)
    lf = lf.with_columns(**_implied(plan, assume_absent, error_columns))
    return lf, error_columns


def _absent_facts(plan: Plan) -> dict[str, Any]:
    """Typed null columns for the facts the table does not hold."""
    import polars as pl

    present = {f.name for f in plan.facts}
    return {
        fact_column(name): pl.lit(None, dtype=_polars_dtype(v.type.kind))
        for name, v in plan.variables.items()
        if name not in present
    }


def _given_cleared(fact_col: str) -> Any:
    """``given`` follows ``fact`` where a late event date was left out."""
    import polars as pl

    name = fact_col[len(fact_column("")) :]
    return pl.when(pl.col(fact_col).is_null()).then(None).otherwise(pl.col(given_column(name)))


def _implied(plan: Plan, assume_absent: Iterable[str], error_columns: list[str]) -> dict[str, Any]:
    """Facts implied by ``sex = "male"`` and the caller's closed-world assumptions.

    A fact whose cell was invalid is not assumed absent: an unreadable value is not
    the absence of a record.
    """
    import polars as pl

    out: dict[str, Any] = {}
    present = {f.name for f in plan.facts}

    def invalid(name: str) -> Any:
        # the fact's own error columns hold structs whose field is this name
        own = [c for c in error_columns if c.startswith(f"{_P}err.{name}.")]
        checks = [c for c in error_columns if c.startswith(f"{_P}check.")]  # field tested below
        conds = [pl.col(c).is_not_null() for c in own]
        conds += [pl.col(c).struct.field("field") == name for c in checks]
        return pl.any_horizontal(conds).fill_null(False) if conds else pl.lit(False)

    if "sex" in present:
        male = _fact("sex") == "male"
        for name in IMPLIED_FALSE_FOR_MALE:
            if name not in plan.variables:
                continue
            current = _fact(name)
            out[fact_column(name)] = (
                pl.when(current.is_null() & male.fill_null(False)).then(False).otherwise(current)
            )
    for name in assume_absent:
        current = out.get(fact_column(name), _fact(name))
        out[fact_column(name)] = (
            pl.when(current.is_null() & ~invalid(name)).then(False).otherwise(current)
        )
    return out
