"""Reading a table's cells into facts, in polars: the cohort twin of :mod:`..facts`.

Each fact column of the :class:`~liverfail_criteria.interpreters.plan.Plan` becomes three
internal columns: the fact's canonical value (a float in the canonical unit, a bool, a
grade, a category, a date), the value as read before conversion (for the row's
``record``), and an error (``{field, value, expected}``) for a cell that cannot be
used. Then the checks across facts that the reference interpreter makes (dates after
the assessment, an age that contradicts the birth date, ...) leave out every cell of a
contradiction, and the implications of ``sex = "male"`` and the caller's
``assume_absent`` fill in facts, as :func:`..facts.read_record` does.

The work is done in a few ``with_columns`` stages, each reading the columns the last
one made, so no expression is computed twice. Only a cheap flag per cell says it is
invalid; the error's text is built by :attr:`Cells.errors`, an expression meant for
the few rows with a flag set (see :mod:`liverfail_criteria.cohort.screen`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ...dictionary import (
    DRUG_ABUSE_WINDOW_DAYS,
    IMPLICATIONS,
    NOT_AFTER_ASSESSMENT,
    PAO2_FIO2_TOLERANCE_MMHG,
    Implication,
    implication_groups,
    premise_expected,
)
from ...dsl import Kind
from ...dsl.variable import DATE_RANGE, ISO_DATE_TEXT
from ...errors import CriteriaInputError
from ...records.value import COMPARATORS
from ...units import NUMBER_TEXT
from ...whitespace import WS
from ..facts import CHECKED_FACTS
from ..plan import FactColumn, Plan, UnitTable
from ..thresholds import outside_bounds
from .numeric import quantise_columns

__all__ = [
    "COMPARATOR_PATTERN",
    "ERROR_DTYPE",
    "NUMBER_PATTERN",
    "SPELLING_PATTERN",
    "Cells",
    "bound_column",
    "comparator_column",
    "completed_years",
    "fact_column",
    "given_column",
    "polars_dtype",
    "read_cells",
]

_P = "__lc."
#: A number, then its unit, as the reference reads a value's text (ASCII digits only).
NUMBER_PATTERN = rf"^\s*(?P<n>{NUMBER_TEXT})\s*(?P<u>.*?)\s*$"
_PLAIN_NUMBER = rf"^{NUMBER_TEXT}$"
#: A censored value's leading comparator, then the value ("<20 10*9/L"), as the
#: reference's ``split_comparator`` reads it (the text is stripped already).
COMPARATOR_PATTERN = rf"^(<=|>=|<|>|≤|≥){WS}*(.+)$"
#: A number and its unit after an optional comparator: the unit spellings a text
#: column holds are found with it.
SPELLING_PATTERN = rf"^\s*(?:(?:<=|>=|<|>|≤|≥){WS}*)?(?P<n>{NUMBER_TEXT})\s*(?P<u>.*?)\s*$"
_INTEGER = r"^\s*[+-]?[0-9]+(?:\.0*)?\s*$"
_EARLIEST, _LATEST = DATE_RANGE


def fact_column(name: str) -> str:
    """The internal column holding fact ``name``'s canonical value."""
    return f"{_P}fact.{name}"


def bound_column(name: str) -> str:
    """The internal column holding a censored fact's bound (canonical unit, unrounded)."""
    return f"{_P}bound.{name}"


def comparator_column(name: str) -> str:
    """The internal column holding a censored fact's comparator (``<``, ``<=``, ...)."""
    return f"{_P}comparator.{name}"


def given_column(name: str) -> str:
    """The internal column holding fact ``name`` as read, before conversion."""
    return f"{_P}given.{name}"


def _flag_column(name: str, n: int = 0) -> str:
    return f"{_P}invalid.{n}.{name}"


def _before_checks(name: str) -> str:
    return f"{_P}pre.{name}"


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


def _text(fact: FactColumn) -> Any:
    """The column's text, stripped (made once, in the first stage)."""
    import polars as pl

    return pl.col(_tmp("text", fact.name))


def _rest(fact: FactColumn) -> Any:
    """A text quantity's text after its comparator, if any (made in the first stage)."""
    import polars as pl

    return pl.col(_tmp("rest", fact.name))


def _comparator_stage(fact: FactColumn) -> dict[str, Any]:
    """Stage 0b of a text quantity: its comparator (normalised, or null), and the rest."""
    import polars as pl

    text = _text(fact)
    parts = text.str.extract_groups(COMPARATOR_PATTERN)
    found = parts.struct.field("1")
    return {
        _tmp("cmp", fact.name): found.replace_strict(
            COMPARATORS, default=None, return_dtype=pl.String
        ),
        _tmp("rest", fact.name): pl.when(found.is_not_null())
        .then(parts.struct.field("2"))
        .otherwise(text),
    }


def _has_unit_source(fact: FactColumn) -> bool:
    return fact.unit is not None or fact.unit_column is not None


def _quantity_split(fact: FactColumn) -> dict[str, Any]:
    """Stage 1 of a text quantity: its number and unit, split once."""
    import polars as pl

    text = _rest(fact)
    if _has_unit_source(fact):
        # The unit comes from elsewhere: a cell is a plain number, or invalid.
        plain = text.str.contains(_PLAIN_NUMBER)
        number = pl.when(plain).then(text.cast(pl.Float64, strict=False))
        return {_tmp("num0", fact.name): number}
    parts = text.str.extract_groups(NUMBER_PATTERN)
    return {_tmp("parts", fact.name): parts}


def _quantity_parse(fact: FactColumn) -> dict[str, Any]:
    """Stage 2 of a quantity: the number (NaN: missing), its unit spelling, a parse flag."""
    import polars as pl

    name = fact.name
    number: Any
    if fact.kind == "string":
        text = _rest(fact)
        if _has_unit_source(fact):
            number = pl.col(_tmp("num0", name))
            unit = _unit_source(fact)
        else:
            parts = pl.col(_tmp("parts", name))
            number = parts.struct.field("n").cast(pl.Float64, strict=False)
            unit = parts.struct.field("u")
        unparsed = (text != "") & number.is_null()
        return {
            _tmp("num", name): number,
            _tmp("unit", name): unit,
            _tmp("bad", name): unparsed.fill_null(False),
        }
    if fact.kind not in ("number", "integer", "null"):
        raise _kind_mismatch(fact, "numbers, or text such as '85 umol/L'")
    number = pl.col(fact.column).cast(pl.Float64)
    return {
        _tmp("num", name): pl.when(number.is_nan()).then(None).otherwise(number),
        _tmp("unit", name): _unit_source(fact),
        _tmp("bad", name): pl.lit(False),
    }


def _parse_message(fact: FactColumn) -> Any:
    """What a text cell that could not be read should have been (for its error only)."""
    import polars as pl

    spec = fact.variable.type.unit
    assert spec is not None
    example = pl.lit(f"a number with a unit, such as '85 {spec.accepted[0]}'")
    if not _has_unit_source(fact):
        return example
    source = repr(fact.unit) if fact.unit is not None else f"column {fact.unit_column!r}"
    parts = _rest(fact).str.extract_groups(NUMBER_PATTERN)
    own_unit = parts.struct.field("n").is_not_null() & (parts.struct.field("u") != "")
    return (
        pl.when(own_unit)
        .then(pl.lit(f"a plain number: the unit comes from {source}"))
        .otherwise(example)
    )


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


def _quantity_final(fact: FactColumn) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """Stage 4 of a quantity: the invalid flag; then the fact, as read; and the error."""
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
    unread = _parse_message(fact) if fact.kind == "string" else pl.lit(None, dtype=pl.String)
    expected: Any = (
        pl.when(pl.col(_tmp("bad", name)))
        .then(unread)
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
        outside = present & _outside(variable, converted)
        expected = expected.when(outside).then(
            pl.concat_str(
                pl.format(
                    f"a value from {_fmt(lo)} to {_fmt(hi)} {symbol}".rstrip()
                    + " (it is {}"
                    + f" {symbol}".rstrip()
                    + " after conversion)"
                    + (f"; {variable.hint}" if variable.hint else ""),
                    converted.cast(pl.String),
                ),
                _suggestion(spec, lo, hi, number),
            )
        )
    expected = expected.otherwise(pl.lit(None, dtype=pl.String))
    invalid = pl.col(_tmp("bad", name)) | (
        present
        & (
            ~finite
            | pl.col(_tmp("unit_error", name)).is_not_null()
            | ~converted.is_finite()
            | _outside(variable, converted)
        )
    )
    if fact.kind == "string":
        shown = _text(fact)
        if _has_unit_source(fact):
            shown = pl.concat_str([shown, unit], separator=" ").str.strip_chars()
    else:
        shown = pl.concat_str([pl.col(fact.column).cast(pl.String), unit], separator=" ")
        shown = shown.str.strip_chars()
    flag = pl.col(_flag_column(name))
    ok = present & ~flag
    comparator = (
        pl.col(_tmp("cmp", name)) if fact.kind == "string" else pl.lit(None, dtype=pl.String)
    )
    exact = comparator.is_null()
    return (
        {
            _flag_column(name): invalid.fill_null(False),
        },
        {
            fact_column(name): pl.when(ok & exact).then(converted),
            bound_column(name): pl.when(ok & ~exact).then(converted),
            comparator_column(name): pl.when(ok).then(comparator),
            given_column(name): pl.when(ok).then(
                pl.struct(value=number, unit=unit, comparator=comparator)
            ),
        },
        _error(name, shown, expected, flag),
    )


def _suggestion(spec: Any, lo: float, hi: float, number: Any) -> Any:
    """The likely unit mistake of a value outside its range, as the reference gives it.

    The first of the unit specification's mistakes in whose unit the number as written
    is a value from ``lo`` to ``hi`` (the plain product, as the reference compares it);
    an empty text if none.
    """
    import polars as pl

    chosen: Any = None
    for factor, text in spec.mistake_factors():
        product = number * factor
        fits = (product >= lo) & (product <= hi)
        said = pl.format("; " + text, number.cast(pl.String))
        chosen = pl.when(fits).then(said) if chosen is None else chosen.when(fits).then(said)
    if chosen is None:
        return pl.lit("")
    return chosen.otherwise(pl.lit(""))


def _outside(variable: Any, converted: Any) -> Any:
    """Whether the value, rounded as the reference rounds it, is outside its range."""
    import polars as pl

    if variable.plausible is None:
        return pl.lit(False)
    lo, hi = variable.plausible
    below, above = outside_bounds(lo, hi)
    return (converted < below) | (converted >= above)


def _other_fact(fact: FactColumn) -> tuple[dict[str, Any], dict[str, Any], Any]:
    """A true/false fact, a grade, a category or a date: value; flag; error."""
    import polars as pl

    name = fact.name
    value_type = fact.variable.type
    kind = value_type.kind
    src = pl.col(fact.column)
    text = _text(fact) if fact.kind == "string" else None
    value: Any
    expected_text: Any
    number: Any
    parsed: Any
    if fact.kind == "null":
        value = pl.lit(None, dtype=polars_dtype(kind))
        return (
            {fact_column(name): value},
            {_flag_column(name): pl.lit(False)},
            pl.lit(None, dtype=_dtype()),
        )
    if kind is Kind.BOOLEAN:
        expected_text = "true or false"
        if text is not None:
            words = {"true": True, "false": False}
            value = text.str.to_lowercase().replace_strict(
                words, default=None, return_dtype=pl.Boolean
            )
            present = text.is_not_null() & (text != "")
        elif fact.kind == "boolean":
            value, present = src, pl.lit(False)
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
    elif kind is Kind.CATEGORY:
        expected_text = str(value_type)
        if text is None:
            raise _kind_mismatch(fact, "text")
        categories = {c: c for c in value_type.categories}
        value = text.str.to_lowercase().replace_strict(categories, default=None)
        present = text.is_not_null() & (text != "")
    elif kind is Kind.DATE:
        expected_text = "a date as 'YYYY-MM-DD'"
        if text is not None:
            iso = text.str.contains(ISO_DATE_TEXT)
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
        expected_text = (
            pl.when(parsed.is_not_null() & ~in_range)
            .then(pl.lit(f"a date from {_EARLIEST} to {_LATEST}"))
            .otherwise(pl.lit(expected_text))
        )
    else:  # pragma: no cover - every kind is handled above
        raise CriteriaInputError(name, fact.column, f"a fact of a known kind, not {kind}")
    shown = src.cast(pl.String)
    # The flag reads the fact's column, made in the same stage: it is a second stage.
    flag = (present & pl.col(fact_column(name)).is_null()).fill_null(False)
    return (
        {fact_column(name): value},
        {_flag_column(name): flag},
        _error(name, shown, expected_text, pl.col(_flag_column(name))),
    )


def polars_dtype(kind: Kind) -> Any:
    """The polars type of a fact of this kind, as the engine holds it."""
    import polars as pl

    return {
        Kind.BOOLEAN: pl.Boolean,
        Kind.ORDINAL: pl.Int64,
        Kind.CATEGORY: pl.String,
        Kind.DATE: pl.Date,
        Kind.QUANTITY: pl.Float64,
    }[kind]


# -- across facts ---------------------------------------------------------------------


def completed_years(start: Any, end: Any) -> Any:
    """Whole calendar years from date ``start`` to date ``end``, as the reference counts."""
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
    """The checks across facts: which cells each contradiction leaves out, and why.

    Each check is a flag column (which rows it leaves the cell out of), made in the
    stage that runs it, and an error expression for the rows with the flag set, which
    reads the facts as they were before any check (``pre`` columns), not as left.
    """

    def __init__(self, plan: Plan) -> None:
        self.present = {f.name for f in plan.facts}
        self.flags: dict[str, Any] = {}  # flag column -> condition, for the current stage
        self.errors: list[Any] = []
        self.cleared: dict[str, list[str]] = {}  # fact -> its flag columns

    def has(self, *names: str) -> bool:
        return all(n in self.present for n in names)

    def clear(self, name: str, when: Any, shown: Any, expected: Any) -> None:
        import polars as pl

        n = len(self.errors) + 1
        flag = _flag_column(name, n)
        self.flags[flag] = when.fill_null(False)
        self.errors.append(_error(name, shown, expected, pl.col(flag)))
        self.cleared.setdefault(name, []).append(flag)

    def stage(self) -> dict[str, Any]:
        """The flag columns of the checks added since the last stage."""
        flags, self.flags = self.flags, {}
        return flags


def _fact(name: str) -> Any:
    import polars as pl

    return pl.col(fact_column(name))


def _pre(name: str) -> Any:
    import polars as pl

    return pl.col(_before_checks(name))


def _check_dates(checks: _Checks) -> None:
    """Events dated after the assessment are left out."""
    import polars as pl

    if not checks.has("assessment_date"):
        return
    for name in NOT_AFTER_ASSESSMENT:
        if checks.has(name):
            checks.clear(
                name,
                _fact(name) > _fact("assessment_date"),
                _pre(name).cast(pl.String),
                pl.format(
                    "a date on or before assessment_date ({})",
                    _pre("assessment_date").cast(pl.String),
                ),
            )


def _check_consistency(checks: _Checks) -> None:
    """Contradictions between facts (with late events left out): every cell of one."""
    import polars as pl

    if checks.has("assessment_date", "age", "birth_date"):
        wrong = _fact("age").floor() != completed_years(
            _fact("birth_date"), _fact("assessment_date")
        ).cast(pl.Float64)
        years = completed_years(_pre("birth_date"), _pre("assessment_date"))
        why = pl.format(
            "{} completed years, as birth_date {} and assessment_date {} give",
            years,
            _pre("birth_date"),
            _pre("assessment_date"),
        )
        checks.clear("age", wrong, _pre("age").cast(pl.String) + pl.lit(" years"), why)
        checks.clear(
            "birth_date",
            wrong,
            _pre("birth_date").cast(pl.String),
            pl.format("a birth date that agrees with age ({} years)", _pre("age")),
        )
    if checks.has("assessment_date", "drug_abuse_past_year", "last_drug_abuse_date"):

        def within(last: Any, assessed: Any) -> tuple[Any, Any]:
            days = (assessed - last).dt.total_days()
            return (days >= 0) & (days <= DRUG_ABUSE_WINDOW_DAYS), days

        inside, _ = within(_fact("last_drug_abuse_date"), _fact("assessment_date"))
        wrong = _fact("drug_abuse_past_year") != inside
        shown_inside, days = within(_pre("last_drug_abuse_date"), _pre("assessment_date"))
        why = pl.format(
            "{}, as last_drug_abuse_date is {} days before assessment_date",
            shown_inside.cast(pl.String).str.to_lowercase(),
            days,
        )
        checks.clear(
            "drug_abuse_past_year", wrong, _pre("drug_abuse_past_year").cast(pl.String), why
        )
        checks.clear(
            "last_drug_abuse_date",
            wrong,
            _pre("last_drug_abuse_date").cast(pl.String),
            "a date that agrees with drug_abuse_past_year",
        )
    if checks.has("pao2_fio2_ratio", "pao2", "fio2"):
        wrong = (
            _fact("pao2_fio2_ratio") - _fact("pao2") / _fact("fio2")
        ).abs() > PAO2_FIO2_TOLERANCE_MMHG
        why = pl.format(
            "a ratio within {} mmHg of pao2 / fio2 = {} mmHg",
            pl.lit(_fmt(PAO2_FIO2_TOLERANCE_MMHG)),
            (_pre("pao2") / _pre("fio2")).round(0),
        )
        for name in ("pao2_fio2_ratio", "pao2", "fio2"):
            checks.clear(name, wrong, _pre(name).cast(pl.String), why)
    _check_implications(checks)


def _premise(i: Implication) -> Any:
    """Where implication ``i``'s premise holds (false where the premise is missing)."""
    import polars as pl

    premise = _fact(i.premise)
    if i.test == "equals":
        return (premise == pl.lit(i.operand)).fill_null(False)
    if i.test == "true":
        return premise.fill_null(False)
    if i.test == "given":
        return premise.is_not_null()
    return (premise >= pl.lit(i.operand)).fill_null(False)


def _premise_shown(i: Implication) -> Any:
    import polars as pl

    if i.test == "equals":
        return pl.lit(str(i.operand))
    if i.test == "true":
        return pl.lit("true")
    return _pre(i.premise).cast(pl.String)


def _check_implications(checks: _Checks) -> None:
    """A fact given the value its premise rules out: the cells of both are left out."""
    import polars as pl

    for group in implication_groups():
        if not checks.has(group[0].premise):
            continue
        found = [i for i in group if checks.has(i.fact)]
        contradicted = [_premise(i) & (_fact(i.fact) == (not i.value)) for i in found]
        for i, wrong in zip(found, contradicted, strict=True):
            shown = pl.lit("false" if i.value else "true")
            checks.clear(i.fact, wrong, shown, i.expected)
        if contradicted:
            checks.clear(
                group[0].premise,
                pl.any_horizontal(contradicted),
                _premise_shown(group[0]),
                premise_expected(tuple(found)),
            )


@attrs.frozen
class Cells:
    """A table's cells read into facts.

    Attributes:
        frame: the LazyFrame with the facts' internal columns added.
        invalid: an expression, per row: whether any cell was left out.
        errors: the error expressions (``{field, value, expected}`` or null), one per
            check, to evaluate on the rows where ``invalid`` holds.
        flags: the flag columns, by fact: where its cell was left out.
    """

    frame: Any
    invalid: Any
    errors: tuple[Any, ...]
    flags: Mapping[str, tuple[str, ...]]


def read_cells(
    lf: Any,
    plan: Plan,
    tables: Mapping[str, UnitTable],
    assume_absent: Iterable[str] = (),
) -> Cells:
    """Add the facts' internal columns to ``lf``.

    After this, :func:`fact_column` holds each fact ready for the criteria (``null``
    where missing, invalid or left out) and :func:`given_column` each fact as read.
    """
    import polars as pl

    quantities = [f for f in plan.facts if f.is_quantity]
    others = [f for f in plan.facts if not f.is_quantity]
    errors: list[Any] = []
    flags: dict[str, list[str]] = {}
    texts = [f for f in plan.facts if f.kind == "string"]
    if texts:  # each text once, stripped; a text quantity split once into number, unit
        lf = lf.with_columns(
            **{
                _tmp("text", f.name): pl.col(f.column).cast(pl.String).str.strip_chars()
                for f in texts
            }
        )
        lf = lf.with_columns(
            **{k: v for f in texts if f.is_quantity for k, v in _comparator_stage(f).items()}
        )
        split = {k: v for f in texts if f.is_quantity for k, v in _quantity_split(f).items()}
        if split:
            lf = lf.with_columns(**split)
    stage1: dict[str, Any] = {}
    stage1b: dict[str, Any] = {}
    for f in quantities:
        stage1.update(_quantity_parse(f))
    for f in others:
        value, flag, error = _other_fact(f)
        stage1.update(value)
        stage1b.update(flag)
        errors.append(error)
        flags[f.name] = [_flag_column(f.name)]
    lf = lf.with_columns(**stage1)
    # As read: the same column, before checks and implications change the fact.
    stage1b.update({given_column(f.name): _fact(f.name) for f in others})
    lf = lf.with_columns(**stage1b)
    if quantities:
        lf = lf.with_columns(
            **{k: v for f in quantities for k, v in _quantity_factor(f, tables[f.name]).items()}
        )
        # The value stays unrounded (the criteria compare it by exact thresholds), but
        # for the facts the checks across facts compute with, rounded as the reference.
        lf = lf.with_columns(
            **{_tmp("conv", f.name): pl.col(_tmp("product", f.name)) for f in quantities}
        )
        lf = quantise_columns(
            lf,
            {
                _tmp("conv", f.name): pl.col(_tmp("product", f.name))
                for f in quantities
                if f.name in _CHECKED
            },
        )
        stage4a: dict[str, Any] = {}
        stage4b: dict[str, Any] = {}
        for f in quantities:
            flag, columns, error = _quantity_final(f)
            stage4a.update(flag)
            stage4b.update(columns)
            errors.append(error)
            flags[f.name] = [_flag_column(f.name)]
        lf = lf.with_columns(**stage4a).with_columns(**stage4b)

    checks = _Checks(plan)
    involved = [n for n in _CHECKED if n in checks.present]
    if involved:
        lf = lf.with_columns(**{_before_checks(n): _fact(n) for n in involved})
    _check_dates(checks)
    lf = _apply_checks(lf, checks)
    _check_consistency(checks)
    lf = _apply_checks(lf, checks)
    errors += checks.errors
    for name, cleared in checks.cleared.items():
        flags.setdefault(name, []).extend(cleared)
    absent = _absent_facts(plan)
    if absent:
        lf = lf.with_columns(**absent)
    lf = lf.with_columns(**_implied(plan, assume_absent, flags))
    every_flag = [pl.col(c) for columns in flags.values() for c in columns]
    invalid = pl.any_horizontal(every_flag) if every_flag else pl.lit(False)
    return Cells(lf, invalid, tuple(errors), {k: tuple(v) for k, v in flags.items()})


_CHECKED = CHECKED_FACTS


def _apply_checks(lf: Any, checks: _Checks) -> Any:
    """Add the flags of the checks just made, then leave out the cells they flag."""
    import polars as pl

    flags = checks.stage()
    if not flags:
        return lf
    lf = lf.with_columns(**flags)
    cleared: dict[str, list[str]] = {}
    for name, columns in checks.cleared.items():
        cleared[name] = [c for c in columns if c in flags]
    updates: dict[str, Any] = {}
    for name, columns in cleared.items():
        if not columns:
            continue
        out = pl.any_horizontal([pl.col(c) for c in columns])
        updates[fact_column(name)] = pl.when(out).then(None).otherwise(_fact(name))
        updates[given_column(name)] = pl.when(out).then(None).otherwise(pl.col(given_column(name)))
    return lf.with_columns(**updates)


def _absent_facts(plan: Plan) -> dict[str, Any]:
    """Typed null columns for the facts the table does not hold."""
    import polars as pl

    present = {f.name for f in plan.facts}
    out = {
        fact_column(name): pl.lit(None, dtype=polars_dtype(v.type.kind))
        for name, v in plan.variables.items()
        if name not in present
    }
    for name, v in plan.variables.items():
        if name not in present and v.type.kind is Kind.QUANTITY:
            out[bound_column(name)] = pl.lit(None, dtype=pl.Float64)
            out[comparator_column(name)] = pl.lit(None, dtype=pl.String)
    return out


def _implied(
    plan: Plan, assume_absent: Iterable[str], flags: Mapping[str, Sequence[str]]
) -> dict[str, Any]:
    """Facts implied by other facts and by the caller's closed-world assumptions.

    A fact whose cell was invalid is not assumed absent: an unreadable value is not
    the absence of a record.
    """
    import polars as pl

    out: dict[str, Any] = {}
    present = {f.name for f in plan.facts}
    for i in IMPLICATIONS:
        if i.premise in present and i.fact in plan.variables:
            current = out.get(fact_column(i.fact), _fact(i.fact))
            out[fact_column(i.fact)] = (
                pl.when(current.is_null() & _premise(i)).then(i.value).otherwise(current)
            )
    for name in assume_absent:
        current = out.get(fact_column(name), _fact(name))
        own = [pl.col(c) for c in flags.get(name, ())]
        invalid = pl.any_horizontal(own) if own else pl.lit(False)
        out[fact_column(name)] = (
            pl.when(current.is_null() & ~invalid).then(False).otherwise(current)
        )
    return out
