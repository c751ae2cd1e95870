"""Reading a table's cells in SQL: :mod:`..cells`' reading, with sqlglot expressions.

:class:`SqlCells` is the SQL :class:`~..cells.CellBackend`: a :class:`.frame.Frame` to
which the reading adds its stages (one CTE each), and the dialect's spelling of each
operation. An invalid cell is marked by the text of what it should have been (NULL
where the cell is fine); each mark becomes an error record (``field``, ``value``,
``expected``) in the last stage.

A unit spelling is converted by a ``CASE`` over the spellings known when the query is
built (those found in the data, or declared by the caller): a spelling not among them
makes its cell invalid, with an error that says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...dsl.variable import DATE_RANGE
from ...records.value import COMPARATORS
from .. import cells
from ..cells import unknown_spelling
from ..plan import Plan, UnitTable
from .dialect import ANY, SqlDialect
from .frame import Frame, ref, source_column
from .numeric import quantise_stages, round_half_even
from .ops import (
    and_,
    case,
    coalesce,
    concat,
    div,
    eq,
    ge,
    gt,
    is_not_null,
    is_null,
    le,
    lit,
    lt,
    mul,
    ne,
    not_,
    or_,
    sub,
)

__all__ = [
    "ErrorColumn",
    "SqlCells",
    "bound_ref",
    "comparator_pattern",
    "comparator_ref",
    "completed_years",
    "fact_ref",
    "given_ref",
    "number_pattern",
    "read_cells",
    "spelling_pattern",
    "unknown_spelling",
]

_D = "[0-9]"
ISO_DATE = f"^{_D}{_D}{_D}{_D}-{_D}{_D}-{_D}{_D}$"
_EARLIEST, _LATEST = DATE_RANGE


def number_pattern(d: SqlDialect) -> str:
    """A number, then its unit: polars' ``NUMBER_PATTERN`` in the dialect's regex syntax."""
    ws = d.ws
    return f"^{ws}*([+-]?(?:{_D}+(?:[.]{_D}*)?|[.]{_D}+)(?:[eE][+-]?{_D}+)?){ws}*({ANY}*?){ws}*$"


def spelling_pattern(d: SqlDialect) -> str:
    """A number and its unit after an optional comparator: polars' ``SPELLING_PATTERN``."""
    ws = d.ws
    return (
        f"^{ws}*(?:(?:<=|>=|<|>|≤|≥){ws}*)?([+-]?(?:{_D}+(?:[.]{_D}*)?|[.]{_D}+)"
        f"(?:[eE][+-]?{_D}+)?){ws}*({ANY}*?){ws}*$"
    )


def comparator_pattern(d: SqlDialect) -> str:
    """A censored value's comparator, then the value: polars' ``COMPARATOR_PATTERN``."""
    return f"^(<=|>=|<|>|≤|≥){d.ws}*({ANY}+)$"


def integer_pattern(d: SqlDialect) -> str:
    """A whole number, perhaps written ``2.0``."""
    return f"^{d.ws}*[+-]?{_D}+(?:[.]0*)?{d.ws}*$"


#: An error column: its logical name and the field its errors name.
ErrorColumn = tuple[str, str]


def fact_ref(name: str) -> Any:
    """A reference to fact ``name``'s canonical value."""
    return ref(f"fact.{name}")


def bound_ref(name: str) -> Any:
    """A reference to censored fact ``name``'s bound (canonical unit, unrounded)."""
    return ref(f"bound.{name}")


def comparator_ref(name: str) -> Any:
    """A reference to censored fact ``name``'s comparator (``<``, ``<=``, ``>``, ``>=``)."""
    return ref(f"comparator.{name}")


def given_ref(name: str) -> Any:
    """A reference to fact ``name`` as read, before conversion."""
    return ref(f"given.{name}")


def _copy(e: Any) -> Any:
    return e.copy() if e.parent is not None else e


def completed_years(d: SqlDialect, start: Any, end: Any) -> Any:
    """Whole calendar years from date ``start`` to date ``end``."""

    def p(part: str, x: Any) -> Any:
        return d.date_part(part, _copy(x))

    before = or_(
        lt(p("month", end), p("month", start)),
        and_(eq(p("month", end), p("month", start)), lt(p("day", end), p("day", start))),
    )
    years = sub(p("year", end), p("year", start))
    return sub(years, case([(before, lit(1))], lit(0)))


class SqlCells:
    """The SQL :class:`~..cells.CellBackend`: stages added to a :class:`.frame.Frame`.

    Args:
        frame: the query under construction.
        d: the dialect.
    """

    def __init__(self, frame: Frame, d: SqlDialect) -> None:
        self.frame = frame
        self.d = d
        self.shown: dict[str, tuple[str, Any]] = {}  # mark -> (field, value shown)

    # -- columns and stages -------------------------------------------------------------
    def col(self, logical: str) -> Any:
        """A reference, resolved when its stage is added."""
        return ref(logical)

    def source(self, column: str) -> Any:
        """A column of the table."""
        return source_column(column)

    def add(self, columns: Mapping[str, Any]) -> None:
        """One CTE."""
        self.frame.add(columns)

    def alias(self, logical: str, existing: str) -> None:
        """No new column: ``logical`` names ``existing``'s."""
        self.frame.alias(logical, existing)

    def quantise(self, columns: Mapping[str, Any]) -> None:
        """See :func:`.numeric.quantise_stages`."""
        quantise_stages(self.frame, self.d, columns)

    def mark(
        self, key: str, field: str, branches: Sequence[tuple[Any, Any]], shown: Any
    ) -> dict[str, Any]:
        """A column of what the cell should have been (NULL: it is fine)."""
        self.shown[key] = (field, _copy(shown))
        texts = [(c, lit(t) if isinstance(t, str) else t) for c, t in branches]
        return {f"expected.{key}": case(texts)}

    def flagged(self, key: str) -> Any:
        """Whether the mark's column holds a text."""
        return is_not_null(ref(f"expected.{key}"))

    def same_mark(self, key: str, existing: str, field: str, shown: Any) -> None:
        """The column of ``existing`` (no new column)."""
        self.shown[key] = (field, _copy(shown))
        self.frame.alias(f"expected.{key}", f"expected.{existing}")

    def last_stage(self, marks: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """One error record (or NULL) per mark."""
        from sqlglot import exp

        d = self.d
        columns: dict[str, Any] = {}
        for key, _ in marks:
            field, shown = self.shown[key]
            expected = ref(f"expected.{key}")
            record = d.struct(
                {
                    "field": lit(field),
                    "value": exp.cast(shown.copy(), d.text_type()),
                    "expected": expected,
                }
            )
            columns[f"err.{key}"] = case([(is_not_null(expected.copy()), record)])
        return columns

    # -- text ---------------------------------------------------------------------------
    def split_quantity(self, name: str, text: Any) -> list[dict[str, Any]]:
        """Whether a comparator leads; it and the rest; whether a number and unit; them."""
        from sqlglot import exp

        d = self.d
        pattern = comparator_pattern(d)
        # the pattern only where a comparator could start (most cells: a number)
        starts = or_(*[exp.Like(this=text.copy(), expression=lit(f"{c}%")) for c in "<>≤≥"])
        found = d.extract(text.copy(), pattern, 1)
        spelled = [(eq(found, lit(k)), lit(v)) for k, v in COMPARATORS.items() if k != v]
        number = number_pattern(d)
        rest = ref(f"rest.{name}")
        matched = ref(f"m.{name}")
        return [
            {f"cm.{name}": case([(starts, d.matches(text.copy(), pattern))], lit(False))},
            {
                f"cmp.{name}": case([(ref(f"cm.{name}"), case(spelled, found.copy()))]),
                f"rest.{name}": case(
                    [(ref(f"cm.{name}"), d.extract(text.copy(), pattern, 2))], text.copy()
                ),
            },
            {f"m.{name}": d.matches(rest, number)},
            {
                f"n.{name}": case([(matched, d.to_double(d.extract(rest.copy(), number, 1)))]),
                f"u.{name}": case([(matched.copy(), d.extract(rest.copy(), number, 2))]),
            },
        ]

    def whole_number(self, text: Any) -> Any:
        """The text as a double where it is a whole number."""
        d = self.d
        return case([(d.matches(_copy(text), integer_pattern(d)), d.to_double(text.copy()))])

    def text_date(self, name: str, text: Any) -> tuple[list[dict[str, Any]], Any, Any, Any]:
        """A ``YYYY-MM-DD`` text: its year, month and day, checked before it is cast.

        The cast is made only where they are good, so no engine is asked to read an
        impossible date such as ``2025-02-30``.
        """
        from sqlglot import exp

        d = self.d
        iso = d.matches(_copy(text), ISO_DATE)

        def part(start: int, length: int) -> Any:
            piece = exp.Substring(this=text.copy(), start=lit(start), length=lit(length))
            return exp.cast(piece, "BIGINT")

        parts = {
            f"year.{name}": case([(iso, part(1, 4))]),
            f"month.{name}": case([(iso.copy(), part(6, 2))]),
            f"dom.{name}": case([(iso.copy(), part(9, 2))]),
        }
        year, month, day = ref(f"year.{name}"), ref(f"month.{name}"), ref(f"dom.{name}")

        def divisible(n: int) -> Any:
            return eq(exp.Mod(this=year.copy(), expression=lit(n)), lit(0))

        leap = and_(divisible(4), or_(not_(divisible(100)), divisible(400)))
        days = case(
            [
                (eq(month, lit(2)), case([(leap, lit(29))], lit(28))),
                (exp.In(this=month.copy(), expressions=[lit(m) for m in (4, 6, 9, 11)]), lit(30)),
            ],
            lit(31),
        )
        valid = and_(
            ge(month.copy(), lit(1)), le(month.copy(), lit(12)), ge(day, lit(1)), le(day, days)
        )
        in_range = and_(ge(year, lit(_EARLIEST.year)), le(year.copy(), lit(_LATEST.year)))
        stages = [parts, {f"dok.{name}": valid}]
        return stages, ref(f"dok.{name}"), in_range, exp.cast(text.copy(), "DATE")

    def day_of(self, moment: Any) -> tuple[Any, Any]:
        """Whether a timestamp is at midnight; its date."""
        from sqlglot import exp

        day = exp.cast(_copy(moment), "DATE")
        return eq(exp.cast(day, "TIMESTAMP"), moment.copy()), day.copy()

    def strip(self, x: Any) -> Any:
        """As text, stripped."""
        from sqlglot import exp

        return self.d.strip(exp.cast(_copy(x), self.d.text_type()))

    def length(self, text: Any) -> Any:
        """``LENGTH``: characters."""
        from sqlglot import exp

        return exp.Length(this=_copy(text))

    def matches(self, text: Any, pattern: str) -> Any:
        """The dialect's regular-expression match."""
        return self.d.matches(_copy(text), pattern)

    def lower(self, x: Any) -> Any:
        """``LOWER``."""
        from sqlglot import exp

        return exp.Lower(this=_copy(x))

    def to_text(self, x: Any, kind: str) -> Any:
        """As the polars engine writes it (:meth:`.dialect.SqlDialect.to_text`)."""
        return self.d.to_text(_copy(x), kind)

    def concat(self, *xs: Any) -> Any:
        """``||``."""
        return concat(*xs)

    # -- expressions --------------------------------------------------------------------
    def lit(self, value: str | int | bool) -> Any:
        """A constant."""
        return lit(value)

    def double(self, value: float) -> Any:
        """A double constant, exactly."""
        return self.d.double(value)

    def date(self, text: str) -> Any:
        """A date constant."""
        return self.d.date(text)

    def null(self, type_: str) -> Any:
        """A typed NULL."""
        d = self.d
        names = {
            "double": "DOUBLE",
            "text": d.text_type(),
            "boolean": "BOOLEAN",
            "bigint": "BIGINT",
            "date": "DATE",
        }
        return d.null(names[type_])

    def case(self, branches: Sequence[tuple[Any, Any]], default: Any = None) -> Any:
        """``CASE WHEN``."""
        return case(branches, default)

    def _constant(self, value: Any, type_: str) -> Any:
        if value is None:
            return self.null(type_)
        if type_ == "double":
            return self.d.double(value)
        return lit(value)

    def lookup(self, x: Any, mapping: Mapping[str, Any], type_: str, default: Any = None) -> Any:
        """``CASE x WHEN ...``, or ``CASE WHEN x IN (...) THEN x`` for a set of words."""
        from sqlglot import exp

        if not mapping:
            return self._constant(default, type_)
        if default is None and all(k == v for k, v in mapping.items()):
            found = exp.In(this=_copy(x), expressions=[lit(k) for k in mapping])
            return case([(found, x.copy())])
        ifs = [exp.If(this=lit(k), true=self._constant(v, type_)) for k, v in mapping.items()]
        otherwise = None if default is None else self._constant(default, type_)
        return exp.Case(this=_copy(x), ifs=ifs, default=otherwise)

    def coalesce(self, x: Any, y: Any) -> Any:
        """``COALESCE``."""
        return coalesce(x, y)

    def and_(self, *xs: Any) -> Any:
        """``AND``."""
        return and_(*xs)

    def or_(self, *xs: Any) -> Any:
        """``OR``."""
        return or_(*xs)

    def not_(self, x: Any) -> Any:
        """``NOT`` (of a ``NOT``: what it negates; of ``IS NOT NULL``: ``IS NULL``)."""
        from sqlglot import exp

        if isinstance(x, exp.Is) and x.args.get("negate"):
            return is_null(x.this)
        if isinstance(x, exp.Not):
            inner = x.this
            return _copy(inner.this if isinstance(inner, exp.Paren) else inner)
        return not_(x)

    def is_null(self, x: Any) -> Any:
        """``IS NULL``."""
        return is_null(x)

    def not_null(self, x: Any) -> Any:
        """``IS NOT NULL``."""
        return is_not_null(x)

    def fill_false(self, x: Any) -> Any:
        """``COALESCE(x, FALSE)``."""
        return coalesce(x, lit(False))

    def compare(self, op: str, a: Any, b: Any) -> Any:
        """A comparison."""
        return {"==": eq, "!=": ne, "<": lt, "<=": le, ">": gt, ">=": ge}[op](a, b)

    def arith(self, op: str, a: Any, b: Any) -> Any:
        """Arithmetic on doubles."""
        from .ops import add

        return {"+": add, "-": sub, "*": mul, "/": div}[op](a, b)

    def abs(self, x: Any) -> Any:
        """``ABS``."""
        from sqlglot import exp

        return exp.Abs(this=_copy(x))

    def floor(self, x: Any) -> Any:
        """A double's floor, as a double."""
        return self.d.floor(_copy(x))

    def round_half_even(self, x: Any) -> Any:
        """See :func:`.numeric.round_half_even`."""
        return round_half_even(self.d, _copy(x))

    def to_double(self, x: Any, kind: str) -> Any:
        """``CAST(x AS DOUBLE)``, with NaN as NULL unless the column is of integers.

        (NaN = NaN in all three engines.) A decimal out of the double's range is out
        of range as a double too, never an error (:meth:`.SqlDialect.number_to_double`).
        """
        from sqlglot import exp

        if kind == "integer":
            return exp.cast(_copy(x), "DOUBLE")
        return self.d.number_to_double(_copy(x))

    def to_bigint(self, x: Any) -> Any:
        """``CAST(x AS BIGINT)``."""
        from sqlglot import exp

        return exp.cast(_copy(x), "BIGINT")

    def struct(self, fields: Mapping[str, Any]) -> Any:
        """A record (a ``jsonb`` object in PostgreSQL)."""
        return self.d.struct({k: _copy(v) for k, v in fields.items()})

    def days(self, start: Any, end: Any) -> Any:
        """Whole days, an integer."""
        return self.d.days(_copy(start), _copy(end))

    def years(self, start: Any, end: Any) -> Any:
        """See :func:`completed_years`."""
        return completed_years(self.d, start, end)


def read_cells(
    frame: Frame,
    plan: Plan,
    tables: Mapping[str, UnitTable],
    d: SqlDialect,
    assume_absent: Iterable[str] = (),
) -> list[ErrorColumn]:
    """Add the facts' internal columns to ``frame``; return the error columns.

    After this, :func:`fact_ref` reads each fact ready for the criteria (NULL where
    missing, invalid or left out), :func:`given_ref` each fact as read, and each
    returned error column holds one error record (or NULL) about its field.
    """
    marks = cells.read_cells(SqlCells(frame, d), plan, tables, assume_absent)
    return [(f"err.{key}", field) for key, field in marks]
