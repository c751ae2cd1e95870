"""What differs between SQL engines: one small class per dialect, all built with sqlglot.

Everything the SQL interpreter writes goes through sqlglot expressions; most render the
same in every dialect (``CASE``, ``COALESCE``, comparisons, arithmetic). The few
operations that engines spell or behave differently are here:

* **reading text**: regular expressions (RE2 in DuckDB, Java's in Spark, PostgreSQL's
  own), trimming (every engine's ``TRIM`` strips spaces only; polars strips all Unicode
  whitespace), and turning checked text into a number (``TRY_CAST`` where the engine
  has it; elsewhere the text is first matched by a pattern that admits only numbers);
* **lists and records**: DuckDB's ``[...]`` lists and ``{...}`` structs, Spark's
  ``ARRAY`` and ``STRUCT``, and PostgreSQL's arrays with ``jsonb`` objects (PostgreSQL
  has no anonymous record type with named fields);
* **numbers as text**: the polars engine writes ``1e-05`` as ``0.00001`` and
  ``1.5e-07`` as ``1.5e-7``; DuckDB writes them as Python does, so its text is rewritten
  to match. Spark and PostgreSQL write numbers in their own ways (``1.0E-5``, ``700``);
  only the texts of error messages show them;
* **a row's position**: ``ROW_NUMBER() OVER ()``, which Spark only accepts with an order.

Whitespace is what polars counts as whitespace (Unicode White_Space, Rust's
``char::is_whitespace``), written with each regex engine's escapes; the characters to
trim are one constant decoded from hexadecimal UTF-8, so the SQL text holds no
invisible characters. Digits are ``[0-9]``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ...errors import CriteriaInputError
from ...whitespace import WHITESPACE
from .ops import add, cast, sub

__all__ = ["ANY", "DIALECTS", "SAFE_NUMBER", "WHITESPACE", "SqlDialect", "dialect_for"]

_HEX = WHITESPACE.encode("utf-8").hex().upper()
# The class of WHITESPACE in RE2 and Java syntax, and in PostgreSQL's. White_Space is
# the controls \t to \r, U+0085, and the separators (category Z: U+0020, U+00A0,
# U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000, unchanged since
# Unicode 6.3 took U+180E out); tests/test_sql_ops.py checks the class against DuckDB.
_WS_RE2 = r"[\t-\r\x{85}\p{Z}]"
_WS_PG = r"[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
#: Any character but a line feed: what ``.`` matches in polars (and RE2).
ANY = r"[^\n]"
#: A number's text (sign, digits, point, exponent) whose value PostgreSQL casts to a
#: double without an error: 0 with any exponent, or at most 100 digits (leading zeros
#: aside) before the point, a nonzero digit among the first 100 after it, and an
#: exponent below 200, so from 1e-300 to 1e300. A text of a quantity that is not so is
#: out of :data:`~liverfail_criteria.units.MAGNITUDE_RANGE` or longer than
#: :data:`~liverfail_criteria.units.LONGEST_TEXT`; a whole number that is not so is
#: at least 1e100.
SAFE_NUMBER = (
    r"^(?:[+-]?[0.]+(?:[eE].*)?"
    r"|[+-]?0*[0-9]{0,100}(?:[.][0-9]{0,100}0*)?(?:[eE][+-]?0*1?[0-9]{1,2})?)$"
)


def _exp() -> Any:
    from sqlglot import exp

    return exp


def _plus(index: Any, n: int) -> Any:
    """``index + n``, the constant added to one that ``index`` ends with."""
    exp = _exp()
    last = index.expression if isinstance(index, exp.Add) else None
    if isinstance(last, exp.Literal) and not last.is_string:
        n += int(last.this)
        index = index.this
    return add(index, exp.Literal.number(n)) if n else index


def _shortest(x: float) -> str:
    """A short text with an exponent that reads as the finite double ``x`` (>= 0).

    Python's ``repr`` has the fewest significant digits that read back as ``x``: they
    are written with an exponent, as ``repr`` has it (``1e-10``, ``1e16``) or ``e0``
    (``17.104e0``); a whole number without its ``.0`` (``1500e0``), and with its
    trailing zeros as a power of ten where there are five or more (``1e12``). Each is
    the same decimal number as ``repr``'s, so every engine reads the same double.
    """
    text = repr(x).replace("e+", "e")
    if "e" in text:
        return text
    if not text.endswith(".0"):
        return f"{text}e0"
    whole = text[:-2]
    digits = whole.rstrip("0")
    zeros = len(whole) - len(digits)
    return f"{digits}e{zeros}" if digits and zeros >= 5 else f"{whole}e0"


class SqlDialect:
    """How one SQL dialect spells the operations that differ between engines.

    Attributes:
        name: the sqlglot dialect name (``"duckdb"``, ``"spark"``, ``"postgres"``).
        has_struct: whether the dialect has anonymous structs with named fields (else
            errors and records are ``jsonb``).
    """

    name = "duckdb"
    has_struct = True
    #: The longest identifier, in bytes, the engine keeps (``None``: no limit); a
    #: longer one it would truncate, so a query never asks for one (see
    #: :func:`.query.output_name`).
    max_identifier: int | None = None
    #: The regular-expression class of :data:`WHITESPACE`.
    ws = _WS_RE2

    # -- literals and types ------------------------------------------------------------
    def double(self, x: float) -> Any:
        """A double literal, exactly ``x``: its shortest text, read correctly rounded.

        A decimal literal such as ``17.104`` is a DECIMAL in DuckDB and Spark, and
        converting a wide one to a double can round twice; a literal with an exponent
        (``17.104e0``, ``1e12``) is read as a double at once. Infinities and NaN are cast
        from text.
        """
        exp = _exp()
        x = float(x)
        if not math.isfinite(x):
            return cast(exp.Literal.string(repr(x)), "DOUBLE")
        literal = exp.Literal.number(_shortest(abs(x)))
        return exp.Neg(this=literal) if math.copysign(1.0, x) < 0 else literal

    def null(self, type_: str) -> Any:
        """A typed NULL."""
        exp = _exp()
        return cast(exp.Null(), type_)

    def text_type(self) -> str:
        """The name of the text type."""
        return "VARCHAR"

    def date(self, text: str) -> Any:
        """A date literal from ISO text."""
        exp = _exp()
        return cast(exp.Literal.string(text), "DATE")

    # -- text --------------------------------------------------------------------------
    def whitespace(self) -> Any:
        """The text of every whitespace character (:data:`WHITESPACE`), as a constant."""
        exp = _exp()
        unhex = exp.Unhex(this=exp.Literal.string(_HEX))
        return exp.Anonymous(this="DECODE", expressions=[unhex])

    def strip(self, text: Any) -> Any:
        """``text`` without leading and trailing Unicode whitespace."""
        exp = _exp()
        return exp.Trim(this=text, expression=self.whitespace(), position="BOTH")

    def matches(self, text: Any, pattern: str) -> Any:
        """Whether ``pattern`` (anchored by the caller) matches ``text``."""
        exp = _exp()
        return exp.RegexpLike(this=text, expression=exp.Literal.string(pattern))

    def extract(self, text: Any, pattern: str, group: int) -> Any:
        """Group ``group`` of ``pattern``, where the caller knows that it matches ``text``."""
        exp = _exp()
        return exp.RegexpExtract(
            this=text, expression=exp.Literal.string(pattern), group=exp.Literal.number(group)
        )

    def group(self, text: Any, pattern: str, group: int) -> Any:
        """Group ``group`` of ``pattern`` in ``text``; NULL where it does not match."""
        exp = _exp()
        extract = self.extract(text.copy(), pattern, group)
        return exp.Case(ifs=[exp.If(this=self.matches(text, pattern), true=extract)])

    def to_double(self, text: Any) -> Any:
        """Text already matched as a number, as a double (an overflow is infinite)."""
        exp = _exp()
        return exp.TryCast(this=text, to=exp.DataType.build("DOUBLE"))

    def number_to_double(self, x: Any) -> Any:
        """A column of numbers (doubles, decimals) as a double, NaN as NULL."""
        exp = _exp()
        return exp.Nullif(this=cast(x, "DOUBLE"), expression=self.double(float("nan")))

    def to_text(self, value: Any, kind: str) -> Any:
        """A value as the polars engine writes it in a message.

        ``kind`` is the column kind (``"number"`` for floating point).
        """
        exp = _exp()
        text = cast(value, self.text_type())
        if kind == "datetime":
            return exp.Anonymous(
                this="STRFTIME", expressions=[value, exp.Literal.string("%Y-%m-%d %H:%M:%S.%f")]
            )
        if kind != "number":
            return text
        # Python's repr, as DuckDB writes doubles, to polars' text: exponents -6 to -9
        # lose their leading zero (1e-7); exponent -5 is written out (0.00001). The
        # two patterns match apart (at most one rewrites a text).
        short = exp.RegexpReplace(
            this=text,
            expression=exp.Literal.string("e-0([6-9])$"),
            replacement=exp.Literal.string("e-\\1"),
        )
        return exp.RegexpReplace(
            this=short,
            expression=exp.Literal.string("^(-?)([0-9])[.]?([0-9]*)e-05$"),
            replacement=exp.Literal.string("\\10.0000\\2\\3"),
        )

    # -- numbers and dates -------------------------------------------------------------
    def pick(self, values: Sequence[float], index: Any, offset: int = 0) -> Any:
        """``values[index + offset]`` (counting from 0), each value an exact double.

        A list indexed (DuckDB counts from 1): faster and shorter than a ``CASE``. The
        index is written as given (``offset=1``: sqlglot adds nothing to it).
        """
        exp = _exp()
        items = exp.Array(expressions=[self.double(v) for v in values])
        return exp.Bracket(this=items, expressions=[_plus(index, offset + 1)], offset=1)

    def floor(self, x: Any) -> Any:
        """The largest whole number not above ``x``, as a double."""
        exp = _exp()
        return exp.Floor(this=x)

    def log10(self, x: Any) -> Any:
        """The base-10 logarithm of ``x``."""
        exp = _exp()
        return exp.Anonymous(this="LOG10", expressions=[x])

    def days(self, start: Any, end: Any) -> Any:
        """Whole days from date ``start`` to date ``end``, as an integer."""
        return sub(end, start)

    def date_part(self, part: str, x: Any) -> Any:
        """The year, month or day of a date, as an integer."""
        exp = _exp()
        node = {"year": exp.Year, "month": exp.Month, "day": exp.Day}[part](this=x)
        return cast(node, "BIGINT")

    # -- lists and records -------------------------------------------------------------
    def struct(self, fields: Mapping[str, Any]) -> Any:
        """A record with named fields."""
        exp = _exp()
        return exp.Struct(
            expressions=[
                exp.PropertyEQ(this=exp.to_identifier(k), expression=v) for k, v in fields.items()
            ]
        )

    def array(self, items: Sequence[Any]) -> Any:
        """A list of ``items``."""
        exp = _exp()
        return exp.Array(expressions=list(items))

    def named_bits(self, names: Sequence[str], word: Any) -> Any:
        """The ``names`` whose bits are set in ``word`` (name ``j`` is bit ``j``), in order.

        ``None`` where the dialect has no list filter with an index (then a ``CASE``
        per name is written instead).
        """
        exp = _exp()
        i = exp.column("i")
        shift = exp.Paren(this=exp.Sub(this=i, expression=exp.Literal.number(1)))
        return self._filter_bits(names, word, shift)

    def _filter_bits(self, names: Sequence[str], word: Any, shift: Any) -> Any:
        exp = _exp()
        bit = exp.BitwiseAnd(
            this=exp.Paren(this=exp.BitwiseRightShift(this=word, expression=shift)),
            expression=exp.Literal.number(1),
        )
        test = exp.EQ(this=exp.Paren(this=bit), expression=exp.Literal.number(1))
        listed = self.array([exp.Literal.string(n) for n in names])
        chosen = exp.Lambda(
            this=test, expressions=[exp.to_identifier("n"), exp.to_identifier("i")]
        )
        return exp.ArrayFilter(this=listed, expression=chosen)

    def compact(self, items: Sequence[Any]) -> Any:
        """The list of ``items`` without its NULLs."""
        exp = _exp()
        v = exp.to_identifier("v")
        return exp.ArrayFilter(
            this=self.array(items),
            expression=exp.Lambda(
                this=exp.Not(this=exp.Is(this=exp.column("v"), expression=exp.Null())),
                expressions=[v],
            ),
        )

    def empty(self, element_type: str) -> Any:
        """An empty list of ``element_type``."""
        exp = _exp()
        return cast(exp.Array(expressions=[]), f"ARRAY<{element_type}>")

    def error_type(self) -> str:
        """The type of one error record."""
        return "STRUCT<field VARCHAR, value VARCHAR, expected VARCHAR>"

    # -- stages ------------------------------------------------------------------------
    def stage_fence(self) -> str:
        """What ends each stage's ``SELECT`` so the engine plans the stage as written."""
        return ""

    # -- rows --------------------------------------------------------------------------
    def row_index(self) -> Any:
        """Each row's position in the table, from 0."""
        exp = _exp()
        return exp.Sub(
            this=exp.Window(this=exp.RowNumber()),
            expression=exp.Literal.number(1),
        )


class DuckDB(SqlDialect):
    """DuckDB: RE2 patterns, ``TRY_CAST``, lists and structs."""

    name = "duckdb"

    def strip(self, text: Any) -> Any:
        """``text`` without leading and trailing Unicode whitespace.

        A pattern, not ``TRIM(text, characters)``: DuckDB's ``TRIM`` with a set of
        characters is several times slower than RE2.
        """
        exp = _exp()
        return exp.RegexpReplace(
            this=text,
            expression=exp.Literal.string(f"^{self.ws}+|{self.ws}+$"),
            replacement=exp.Literal.string(""),
            modifiers=exp.Literal.string("g"),
        )


class Spark(SqlDialect):
    """Spark SQL: Java patterns, ``ARRAY``/``STRUCT``, no ``TRY_CAST`` needed."""

    name = "spark"

    def whitespace(self) -> Any:
        """The whitespace characters: UTF-8 bytes decoded."""
        exp = _exp()
        unhex = exp.Unhex(this=exp.Literal.string(_HEX))
        return exp.Anonymous(this="DECODE", expressions=[unhex, exp.Literal.string("UTF-8")])

    def to_double(self, text: Any) -> Any:
        """Text already matched as a number, as a double (Java reads it; never fails)."""
        return cast(text, "DOUBLE")

    def text_type(self) -> str:
        """The name of the text type."""
        return "STRING"

    def to_text(self, value: Any, kind: str) -> Any:
        """A value as text: Java's way for numbers (``1.0E-5``); dates in ISO form."""
        exp = _exp()
        if kind == "datetime":
            return exp.Anonymous(
                this="DATE_FORMAT",
                expressions=[value, exp.Literal.string("yyyy-MM-dd HH:mm:ss.SSSSSS")],
            )
        return cast(value, "STRING")

    def pick(self, values: Sequence[float], index: Any, offset: int = 0) -> Any:
        """``values[index + offset]``: ``ELEMENT_AT`` of an array (counting from 1)."""
        exp = _exp()
        items = exp.Array(expressions=[self.double(v) for v in values])
        return exp.Anonymous(this="ELEMENT_AT", expressions=[items, _plus(index, offset + 1)])

    def floor(self, x: Any) -> Any:
        """``FLOOR`` is a BIGINT in Spark: back to a double (exact below 2**53)."""
        exp = _exp()
        return cast(exp.Floor(this=x), "DOUBLE")

    def days(self, start: Any, end: Any) -> Any:
        """Whole days from ``start`` to ``end``: ``DATEDIFF(end, start)``."""
        exp = _exp()
        return exp.Anonymous(this="DATEDIFF", expressions=[end, start])

    def named_bits(self, names: Sequence[str], word: Any) -> Any:
        """The ``names`` whose bits are set in ``word``: ``FILTER`` counts from 0."""
        exp = _exp()
        return self._filter_bits(names, word, exp.column("i"))

    def row_index(self) -> Any:
        """Each row's position, from 0; Spark needs an order for ``ROW_NUMBER``."""
        exp = _exp()
        window = exp.Window(
            this=exp.RowNumber(),
            order=exp.Order(
                expressions=[exp.Ordered(this=exp.Anonymous(this="MONOTONICALLY_INCREASING_ID"))]
            ),
        )
        return exp.Sub(this=window, expression=exp.Literal.number(1))


class Postgres(SqlDialect):
    """PostgreSQL: its own patterns, arrays, and ``jsonb`` for records."""

    name = "postgres"
    has_struct = False
    max_identifier = 63  # NAMEDATALEN - 1: longer names are truncated, with a NOTICE
    ws = _WS_PG

    def double(self, x: float) -> Any:
        """A double literal: ``'17.104'::float8``, text read once, correctly rounded.

        A literal with an exponent is NUMERIC in PostgreSQL. ``::`` binds more tightly
        than any other operator, so the literal is written as one (sqlglot has no
        node that prints this short form, and would print a cast as ``CAST(...)``).
        """
        exp = _exp()
        return exp.Literal(this=f"'{float(x)!r}'::float8", is_string=False)

    def pick(self, values: Sequence[float], index: Any, offset: int = 0) -> Any:
        """``values[index + offset]``: an array read from its text (each number exactly)."""
        exp = _exp()
        text = "{" + ",".join(_shortest(float(v)) for v in values) + "}"
        items = exp.Paren(this=cast(exp.Literal.string(text), "ARRAY<DOUBLE>"))
        return exp.Bracket(this=items, expressions=[_plus(index, offset + 1)], offset=1)

    def whitespace(self) -> Any:
        """The whitespace characters: UTF-8 bytes decoded."""
        exp = _exp()
        raw = exp.Anonymous(
            this="DECODE", expressions=[exp.Literal.string(_HEX), exp.Literal.string("hex")]
        )
        return exp.Anonymous(this="CONVERT_FROM", expressions=[raw, exp.Literal.string("UTF8")])

    def text_type(self) -> str:
        """The name of the text type."""
        return "TEXT"

    def extract(self, text: Any, pattern: str, group: int) -> Any:
        """Group ``group`` of a matching ``pattern``: the whole (anchored) match replaced."""
        exp = _exp()
        return exp.RegexpReplace(
            this=text,
            expression=exp.Literal.string(pattern),
            replacement=exp.Literal.string(f"\\{group}"),
        )

    def to_double(self, text: Any) -> Any:
        """Text already matched as a number, as a double; ``Infinity`` if out of range.

        PostgreSQL refuses to cast a text out of the double's range (``1e400``, and
        ``1e-400``, which is not 0) with an error that would stop the whole query. So a
        text is cast only where :data:`SAFE_NUMBER` shows it is within 1e-300 to 1e300
        (or 0); any other is out of the range every engine reads (the rule
        ``number-magnitude``: 1e-50 to 1e50, and a text of at most 100 characters).
        """
        exp = _exp()
        safe = self.matches(text, SAFE_NUMBER)
        infinite = cast(exp.Literal.string("Infinity"), "DOUBLE")
        return exp.Case(
            ifs=[exp.If(this=safe, true=cast(text.copy(), "DOUBLE"))], default=infinite
        )

    def number_to_double(self, x: Any) -> Any:
        """A column of numbers as a double, NaN as NULL, never an error.

        A ``NUMERIC`` out of the double's range (``1e400``, ``1e-400``) fails a cast:
        a number not 0 and not from 1e-300 to 1e301 is read as ``Infinity``, out of the
        range every engine reads (the rule ``number-magnitude``).
        """
        exp = _exp()
        value = exp.Nullif(this=x, expression=exp.Literal.string("NaN"))
        outside = exp.Not(
            this=exp.Between(
                this=exp.Abs(this=value),
                low=exp.Literal.number("1e-300"),
                high=exp.Literal.number("1e301"),
            )
        )
        zero = exp.Literal.number(0)
        beyond = exp.And(this=outside, expression=exp.NEQ(this=value.copy(), expression=zero))
        infinite = cast(exp.Literal.string("Infinity"), "DOUBLE")
        return exp.Case(
            ifs=[exp.If(this=beyond, true=infinite)], default=cast(value.copy(), "DOUBLE")
        )

    def to_text(self, value: Any, kind: str) -> Any:
        """A value as text, as PostgreSQL writes it (``700`` for 700.0)."""
        exp = _exp()
        if kind == "datetime":
            return exp.Anonymous(
                this="TO_CHAR",
                expressions=[value, exp.Literal.string("YYYY-MM-DD HH24:MI:SS.US")],
            )
        return cast(value, "TEXT")

    def struct(self, fields: Mapping[str, Any]) -> Any:
        """A record as a ``jsonb`` object."""
        exp = _exp()
        args: list[Any] = []
        for k, v in fields.items():
            args += [exp.Literal.string(k), v]
        return exp.Anonymous(this="JSONB_BUILD_OBJECT", expressions=args)

    def named_bits(self, names: Sequence[str], word: Any) -> Any:
        """``None``: PostgreSQL has no list filter (a ``CASE`` per name is written)."""
        return None

    def compact(self, items: Sequence[Any]) -> Any:
        """The array of ``items`` without its NULLs: ``ARRAY_REMOVE(..., NULL)``."""
        exp = _exp()
        return exp.Anonymous(this="ARRAY_REMOVE", expressions=[self.array(items), exp.Null()])

    def error_type(self) -> str:
        """The type of one error record: a ``jsonb`` object."""
        return "JSONB"

    def stage_fence(self) -> str:
        """``OFFSET 0``: each stage planned on its own, not pulled up into the next.

        PostgreSQL inlines a CTE read once and pulls a subquery up into its reader,
        substituting each column's expression wherever it is read: over the screening's
        dozens of stages the expressions grow exponentially, and a query of three rows
        plans for minutes. ``OFFSET 0`` is the documented fence (no copy, unlike
        ``MATERIALIZED``): each stage is computed once, row by row, as written.
        """
        return "OFFSET 0"


#: The dialects :func:`~liverfail_criteria.to_sql` writes, by sqlglot name.
DIALECTS: dict[str, type[SqlDialect]] = {"duckdb": DuckDB, "spark": Spark, "postgres": Postgres}


def dialect_for(name: object) -> SqlDialect:
    """The dialect called ``name``, or a :class:`CriteriaInputError` listing them."""
    if not isinstance(name, str) or name.lower() not in DIALECTS:
        raise CriteriaInputError("dialect", name, "one of " + ", ".join(map(repr, DIALECTS)))
    return DIALECTS[name.lower()]()
