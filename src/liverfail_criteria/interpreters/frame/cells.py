"""Reading a table's cells in polars: :mod:`..cells`' reading, with polars expressions.

:class:`PolarsCells` is the polars :class:`~..cells.CellBackend`: a LazyFrame to which
the reading adds its stages (``with_columns``), and the polars spelling of each
operation. An invalid cell is marked by a cheap flag column; the error's text is an
expression kept aside (:attr:`Cells.errors`), meant for the few rows with a flag set
(see :mod:`liverfail_criteria.cohort.screen`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ...dsl import Kind
from ...dsl.variable import DATE_RANGE, ISO_DATE_TEXT
from ...records.value import COMPARATORS
from ...units import NUMBER_TEXT
from ...whitespace import WS
from .. import cells
from ..plan import Plan, UnitTable
from .numeric import quantise_columns

__all__ = [
    "COMPARATOR_PATTERN",
    "ERROR_DTYPE",
    "NUMBER_PATTERN",
    "SPELLING_PATTERN",
    "Cells",
    "PolarsCells",
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


def _dtype() -> Any:
    import polars as pl

    return pl.Struct({"field": pl.String, "value": pl.String, "expected": pl.String})


ERROR_DTYPE = _dtype  # a function: polars is imported only when it is called


def polars_dtype(kind: Kind) -> Any:
    """The polars type of a fact of this kind, as the engine holds it."""
    return _TYPES()[cells.TYPE_OF[kind]]


def _TYPES() -> dict[str, Any]:
    import polars as pl

    return {
        "boolean": pl.Boolean,
        "bigint": pl.Int64,
        "text": pl.String,
        "date": pl.Date,
        "double": pl.Float64,
    }


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


def _lit(value: Any) -> Any:
    import polars as pl

    return value if isinstance(value, pl.Expr) else pl.lit(value)


class PolarsCells:
    """The polars :class:`~..cells.CellBackend`: stages added to a LazyFrame.

    Args:
        lf: the table, as a LazyFrame.
    """

    def __init__(self, lf: Any) -> None:
        self.lf = lf
        self.pending: dict[str, str] = {}  # aliases not yet copied: logical -> existing
        self.errors: dict[str, Any] = {}  # mark -> its error expression
        self.texts: dict[str, Any] = {}  # mark -> its error's expected text

    # -- columns and stages -------------------------------------------------------------
    def col(self, logical: str) -> Any:
        """``__lc.<logical>`` (an alias is copied first, with every pending alias)."""
        import polars as pl

        if logical in self.pending:
            self.flush()
        return pl.col(_P + logical)

    def source(self, column: str) -> Any:
        """A column of the table."""
        import polars as pl

        return pl.col(column)

    def flush(self) -> None:
        """Copy the pending aliases, in one ``with_columns`` (polars copies no data)."""
        import polars as pl

        if self.pending:
            copies = {_P + k: pl.col(_P + v) for k, v in self.pending.items()}
            self.pending = {}
            self.lf = self.lf.with_columns(**copies)

    def add(self, columns: Mapping[str, Any]) -> None:
        """One ``with_columns``."""
        self.flush()
        if columns:
            self.lf = self.lf.with_columns(**{_P + k: v for k, v in columns.items()})

    def alias(self, logical: str, existing: str) -> None:
        """``logical`` holds a copy of ``existing`` (made with the next stage)."""
        self.pending[logical] = self.pending.get(existing, existing)

    def quantise(self, columns: Mapping[str, Any]) -> None:
        """See :func:`.numeric.quantise_columns`."""
        self.flush()
        self.lf = quantise_columns(self.lf, {_P + k: v for k, v in columns.items()})

    def mark(
        self, key: str, field: str, branches: Sequence[tuple[Any, Any]], shown: Any
    ) -> dict[str, Any]:
        """A flag column; the error (built only where the flag is set) kept aside."""
        import polars as pl

        conditions = [c for c, _ in branches]
        expected: Any
        if len(branches) == 1:  # the flag says it: the condition is not read again
            flag, expected = conditions[0], _lit(branches[0][1])
        else:  # read again at the end (of columns no later stage replaces)
            flag, expected = pl.any_horizontal(conditions), None
            for condition, text in branches:
                step = pl.when(condition) if expected is None else expected.when(condition)
                expected = step.then(_lit(text))
            expected = expected.otherwise(pl.lit(None, dtype=pl.String))
        struct = pl.struct(
            field=pl.lit(field), value=shown.cast(pl.String), expected=expected.cast(pl.String)
        )
        when = self.col(f"invalid.{key}")
        self.errors[key] = pl.when(when).then(struct).otherwise(pl.lit(None, dtype=_dtype()))
        self.texts[key] = expected
        return {f"invalid.{key}": flag.fill_null(False)}

    def flagged(self, key: str) -> Any:
        """The mark's flag column."""
        return self.col(f"invalid.{key}")

    def last_stage(self, marks: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """None: the errors are built apart, for the marked rows only."""
        return {}

    def same_mark(self, key: str, existing: str, field: str, shown: Any) -> None:
        """The flag of ``existing``; its text with ``field`` and ``shown``."""
        import polars as pl

        self.alias(f"invalid.{key}", f"invalid.{existing}")
        expected = self.texts[existing]
        struct = pl.struct(
            field=pl.lit(field), value=shown.cast(pl.String), expected=expected.cast(pl.String)
        )
        when = self.col(f"invalid.{existing}")
        self.errors[key] = pl.when(when).then(struct).otherwise(pl.lit(None, dtype=_dtype()))

    # -- text ---------------------------------------------------------------------------
    def split_quantity(self, name: str, text: Any) -> list[dict[str, Any]]:
        """Two patterns, each matched once into a struct, then its fields."""
        import polars as pl

        parts = self.col(f"cparts.{name}")
        found = parts.struct.field("1")
        comparator = found.replace_strict(COMPARATORS, default=None, return_dtype=pl.String)
        rest = pl.when(found.is_not_null()).then(parts.struct.field("2")).otherwise(text)
        numbers = self.col(f"nparts.{name}")
        return [
            {f"cparts.{name}": text.str.extract_groups(COMPARATOR_PATTERN)},
            {f"cmp.{name}": comparator, f"rest.{name}": rest},
            {f"nparts.{name}": self.col(f"rest.{name}").str.extract_groups(NUMBER_PATTERN)},
            {
                f"n.{name}": numbers.struct.field("n").cast(pl.Float64, strict=False),
                f"u.{name}": numbers.struct.field("u"),
            },
        ]

    def whole_number(self, text: Any) -> Any:
        """The text as a double where it is a whole number."""
        import polars as pl

        return pl.when(text.str.contains(_INTEGER)).then(text.cast(pl.Float64, strict=False))

    def text_date(self, name: str, text: Any) -> tuple[list[dict[str, Any]], Any, Any, Any]:
        """The date, read once where the text has the ISO form."""
        import polars as pl

        parsed = pl.when(text.str.contains(ISO_DATE_TEXT)).then(
            text.str.to_date("%Y-%m-%d", strict=False)
        )
        day = self.col(f"day.{name}")
        in_range = (day >= _EARLIEST) & (day <= _LATEST)
        return [{f"day.{name}": parsed}], day.is_not_null(), in_range, day

    def day_of(self, moment: Any) -> tuple[Any, Any]:
        """Whether a datetime is at midnight; its date."""
        return moment.dt.truncate("1d") == moment, moment.dt.date()

    def strip(self, x: Any) -> Any:
        """As text, stripped."""
        import polars as pl

        return x.cast(pl.String).str.strip_chars()

    def length(self, text: Any) -> Any:
        """``str.len_chars``."""
        return text.str.len_chars()

    def matches(self, text: Any, pattern: str) -> Any:
        """``str.contains``."""
        return text.str.contains(pattern)

    def lower(self, x: Any) -> Any:
        """Lower case."""
        return x.str.to_lowercase()

    def to_text(self, x: Any, kind: str) -> Any:
        """Polars' own text of a value."""
        import polars as pl

        return x.cast(pl.String)

    def concat(self, *xs: Any) -> Any:
        """``concat_str`` (null if any part is)."""
        import polars as pl

        return pl.concat_str(list(xs))

    # -- expressions --------------------------------------------------------------------
    def lit(self, value: str | int | bool) -> Any:
        """A constant."""
        import polars as pl

        return pl.lit(value)

    def double(self, value: float) -> Any:
        """A Float64 constant."""
        import polars as pl

        return pl.lit(float(value), dtype=pl.Float64)

    def date(self, text: str) -> Any:
        """A date constant."""
        import datetime as dt

        import polars as pl

        return pl.lit(dt.date.fromisoformat(text))

    def null(self, type_: str) -> Any:
        """A typed null."""
        import polars as pl

        return pl.lit(None, dtype=_TYPES()[type_])

    def case(self, branches: Sequence[tuple[Any, Any]], default: Any = None) -> Any:
        """``when/then`` chained."""
        import polars as pl

        chain: Any = None
        for condition, value in branches:
            chain = (pl.when(condition) if chain is None else chain.when(condition)).then(value)
        return chain if default is None else chain.otherwise(default)

    def lookup(self, x: Any, mapping: Mapping[str, Any], type_: str, default: Any = None) -> Any:
        """``replace_strict``."""
        if not mapping:
            return self.null(type_) if default is None else self.lit(default)
        return x.replace_strict(dict(mapping), default=default, return_dtype=_TYPES()[type_])

    def coalesce(self, x: Any, y: Any) -> Any:
        """``fill_null``."""
        return x.fill_null(y)

    def and_(self, *xs: Any) -> Any:
        """``&``."""
        return functools.reduce(lambda a, b: a & b, xs)

    def or_(self, *xs: Any) -> Any:
        """``|``."""
        return functools.reduce(lambda a, b: a | b, xs)

    def not_(self, x: Any) -> Any:
        """``~``."""
        return ~x

    def is_null(self, x: Any) -> Any:
        """``is_null``."""
        return x.is_null()

    def not_null(self, x: Any) -> Any:
        """``is_not_null``."""
        return x.is_not_null()

    def fill_false(self, x: Any) -> Any:
        """``fill_null(False)``."""
        return x.fill_null(False)

    def compare(self, op: str, a: Any, b: Any) -> Any:
        """Polars' comparison operators."""
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        if op == "<":
            return a < b
        if op == "<=":
            return a <= b
        if op == ">":
            return a > b
        assert op == ">="
        return a >= b

    def arith(self, op: str, a: Any, b: Any) -> Any:
        """Polars' arithmetic operators."""
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        assert op == "/"
        return a / b

    def abs(self, x: Any) -> Any:
        """``abs``."""
        return x.abs()

    def floor(self, x: Any) -> Any:
        """``floor``."""
        return x.floor()

    def round_half_even(self, x: Any) -> Any:
        """``round(0)``, ties to even."""
        return x.round(0, mode="half_to_even")

    def to_double(self, x: Any, kind: str) -> Any:
        """As Float64; NaN as null."""
        import polars as pl

        number = x.cast(pl.Float64)
        if kind == "integer":
            return number
        return pl.when(number.is_nan()).then(None).otherwise(number)

    def to_bigint(self, x: Any) -> Any:
        """As Int64."""
        import polars as pl

        return x.cast(pl.Int64)

    def struct(self, fields: Mapping[str, Any]) -> Any:
        """``pl.struct``."""
        import polars as pl

        return pl.struct(**fields)

    def days(self, start: Any, end: Any) -> Any:
        """Whole days."""
        return (end - start).dt.total_days()

    def years(self, start: Any, end: Any) -> Any:
        """See :func:`completed_years`."""
        return completed_years(start, end)


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
    """Add the facts' internal columns to ``lf`` (see :func:`..cells.read_cells`).

    After this, :func:`fact_column` holds each fact ready for the criteria (``null``
    where missing, invalid or left out) and :func:`given_column` each fact as read.
    """
    import polars as pl

    backend = PolarsCells(lf)
    marks = cells.read_cells(backend, plan, tables, assume_absent)
    backend.flush()
    flags: dict[str, list[str]] = {}
    for key, field in marks:
        flags.setdefault(field, []).append(f"{_P}invalid.{key}")
    every = [pl.col(c) for columns in flags.values() for c in columns]
    invalid = pl.any_horizontal(every) if every else pl.lit(False)
    return Cells(
        backend.lf,
        invalid,
        tuple(backend.errors[key] for key, _ in marks),
        {k: tuple(v) for k, v in flags.items()},
    )
