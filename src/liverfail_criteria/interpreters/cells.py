"""Reading a table's cells into facts, once for both vectorised engines.

This is where a cell is read: a number, a text with its unit (``"85 umol/L"``), a
censored value (``"<20 10*9/L"``), a unit from ``units=`` or a per-row unit column, a
true/false, a grade, a category, a date. Each fact column of the
:class:`~liverfail_criteria.interpreters.plan.Plan` becomes the fact's canonical value
(``fact.<name>``: a double in the canonical unit, a boolean, a grade, a category, a
date), a censored value's bound and comparator (``bound.<name>``, ``comparator.<name>``),
the value as read (``given.<name>``, for the row's ``record``), and, where a cell cannot
be used, an error (``{field, value, expected}``). Then the checks across facts that the
reference evaluator makes (:mod:`.facts`) leave out every cell of a contradiction, and
the implications of ``sex = "male"`` and the caller's ``assume_absent`` fill in facts.

The reading is written once, against a :class:`CellBackend` that builds one engine's
expressions and adds them to its table in stages (:mod:`.frame.cells` for polars,
:mod:`.sql.cells` for SQL), as :mod:`.vector` compiles the criteria once for both. The
texts of the errors and the checks across facts are data (:data:`CONTRADICTIONS` and
the constants below), not code repeated per engine. The reference evaluator reads a
record on its own (:mod:`.facts`): it is what this module is tested against.

Each stage reads only the columns of earlier stages, so no expression is computed
twice. An invalid cell is marked in its stage (:meth:`CellBackend.mark`: a list of
``(condition, expected)`` branches, the first that holds says what the cell should
have been); the engine decides how the error's text is kept (polars builds it only for
the rows marked, SQL in a column).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import attrs

from ..dictionary import (
    DRUG_ABUSE_WINDOW_DAYS,
    IMPLICATIONS,
    NOT_AFTER_ASSESSMENT,
    PAO2_FIO2_TOLERANCE_MMHG,
    Implication,
    implication_groups,
    premise_expected,
)
from ..dsl import Kind
from ..dsl.variable import DATE_RANGE
from ..errors import CriteriaInputError
from ..units import LONGEST_TEXT, MAGNITUDE_RANGE, NOT_A_MAGNITUDE, TOO_LONG, ZERO_TEXT
from .facts import CHECKED_FACTS
from .plan import FactColumn, Plan, UnitTable
from .thresholds import outside_bounds

__all__ = [
    "CONTRADICTIONS",
    "TEXT_KIND",
    "TYPE_OF",
    "CellBackend",
    "Contradiction",
    "read_cells",
    "unknown_spelling",
]

_EARLIEST, _LATEST = DATE_RANGE


def _fmt(x: float) -> str:
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
DATE_OUT_OF_RANGE = f"a date from {_EARLIEST} to {_LATEST}"
#: An event dated after the assessment.
LATE = "a date on or before assessment_date ({assessment_date})"


def unknown_spelling(fact: FactColumn, known: Iterable[str]) -> str:
    """What an error says of a unit spelling the reading was not built with."""
    shown = ", ".join(repr(k) for k in known if k) or "none"
    return (
        f"a unit spelling the query was built for ({shown}); give the data's spellings "
        f"in unit_spellings={{{fact.name!r}: [...]}}"
    )


@attrs.frozen
class Contradiction:
    """A check across facts: where ``test`` finds them at odds, each cell in ``clears``.

    Attributes:
        needs: the facts the check reads (it is made only if the table has them all).
        test: what contradicts: ``"age"`` (age against the years from the birth date to
            the assessment), ``"drug window"`` (drug abuse in the past year against the
            date of the last), ``"ratio"`` (PaO2/FiO2 against its parts).
        clears: ``(fact, shown, expected)`` for each cell left out: the error's value
            and text, templates whose ``{name}`` is a fact (as read, before any check)
            or a term of the test (``years``, ``within``, ``days``, ``ratio``).
    """

    needs: tuple[str, ...]
    test: str
    clears: tuple[tuple[str, str, str], ...]


_RATIO = f"a ratio within {_fmt(PAO2_FIO2_TOLERANCE_MMHG)} mmHg of pao2 / fio2 = {{ratio}} mmHg"

#: The checks across facts beside the dates after the assessment and the implications.
CONTRADICTIONS: tuple[Contradiction, ...] = (
    Contradiction(
        ("assessment_date", "age", "birth_date"),
        "age",
        (
            (
                "age",
                "{age} years",
                "{years} completed years, as birth_date {birth_date} and "
                "assessment_date {assessment_date} give",
            ),
            ("birth_date", "{birth_date}", "a birth date that agrees with age ({age} years)"),
        ),
    ),
    Contradiction(
        ("assessment_date", "drug_abuse_past_year", "last_drug_abuse_date"),
        "drug window",
        (
            (
                "drug_abuse_past_year",
                "{drug_abuse_past_year}",
                "{within}, as last_drug_abuse_date is {days} days before assessment_date",
            ),
            (
                "last_drug_abuse_date",
                "{last_drug_abuse_date}",
                "a date that agrees with drug_abuse_past_year",
            ),
        ),
    ),
    Contradiction(
        ("pao2_fio2_ratio", "pao2", "fio2"),
        "ratio",
        tuple((n, "{" + n + "}", _RATIO) for n in ("pao2_fio2_ratio", "pao2", "fio2")),
    ),
)

#: How a value of each kind is written in an error (the ``kind`` of ``to_text``).
TEXT_KIND = {
    Kind.QUANTITY: "number",
    Kind.ORDINAL: "integer",
    Kind.DATE: "date",
    Kind.BOOLEAN: "boolean",
    Kind.CATEGORY: "string",
}
#: The type an engine holds a fact of each kind in (the ``type_`` of ``null``).
TYPE_OF = {
    Kind.QUANTITY: "double",
    Kind.ORDINAL: "bigint",
    Kind.DATE: "date",
    Kind.BOOLEAN: "boolean",
    Kind.CATEGORY: "text",
}
_TERMS = {"years": "integer", "within": "boolean", "days": "integer", "ratio": "number"}


class CellBackend(Protocol):
    """What an engine reads cells with: its columns, stages and expressions.

    Columns are named by logical names (``fact.age``); the engine decides what its
    columns are called. Every expression method returns a new expression.
    """

    # -- columns and stages
    def col(self, logical: str) -> Any:
        """The internal column ``logical``, as it is now."""

    def source(self, column: str) -> Any:
        """A column of the table."""

    def add(self, columns: Mapping[str, Any]) -> None:
        """Add a stage: each ``logical: expression``, reading earlier stages only."""

    def alias(self, logical: str, existing: str) -> None:
        """Let ``logical`` hold what ``existing`` holds now."""

    def quantise(self, columns: Mapping[str, Any]) -> None:
        """Add each ``logical: expression``, rounded to 12 digits as the reference."""

    def mark(
        self, key: str, field: str, branches: Sequence[tuple[Any, Any]], shown: Any
    ) -> dict[str, Any]:
        """The columns (for the current stage) marking a cell of ``field`` invalid.

        The cell is invalid where any condition of ``branches`` holds; its error's
        ``expected`` is the text of the first that does, its ``value`` ``shown``. The
        texts and ``shown``, and the conditions if there are several, read only columns
        that no later stage replaces (an engine may build the error at the end).
        """

    def flagged(self, key: str) -> Any:
        """Whether mark ``key`` holds (true or false, never null), in later stages."""

    def last_stage(self, marks: Sequence[tuple[str, str]]) -> dict[str, Any]:
        """The engine's own columns for the last stage, given every mark in order."""

    def same_mark(self, key: str, existing: str, field: str, shown: Any) -> None:
        """Mark ``key`` of ``field`` (showing ``shown``) as ``existing``, with its text.

        ``existing``'s stage is added already.
        """

    # -- the engine's own ways of reading text
    def split_quantity(self, name: str, text: Any) -> list[dict[str, Any]]:
        """Stages that read a quantity's stripped text ``text`` into its parts.

        They define ``cmp.<name>`` (the comparator, normalised, or null), ``rest.<name>``
        (the text after it), ``n.<name>`` (the number as a double, null if the rest is
        not a number and a unit; infinite if out of the double's range) and
        ``u.<name>`` (the unit's spelling).
        """

    def whole_number(self, text: Any) -> Any:
        """A stripped text that is a whole number (``2``, ``2.0``) as a double, else null."""

    def text_date(self, name: str, text: Any) -> tuple[list[dict[str, Any]], Any, Any, Any]:
        """A ``YYYY-MM-DD`` text, read in stages before the value's.

        Returns the stages; then whether the text is a real date, whether it is in
        :data:`DATE_RANGE`, and the date (to be used only where both hold).
        """

    def day_of(self, moment: Any) -> tuple[Any, Any]:
        """A timestamp: whether it is at midnight, and its date."""

    # -- expressions
    def lit(self, value: str | int | bool) -> Any:
        """A text, whole-number or boolean constant."""

    def double(self, value: float) -> Any:
        """A double constant."""

    def date(self, text: str) -> Any:
        """A date constant from ISO text."""

    def null(self, type_: str) -> Any:
        """A null of ``type_``: ``double``, ``text``, ``boolean``, ``bigint`` or ``date``."""

    def case(self, branches: Sequence[tuple[Any, Any]], default: Any = None) -> Any:
        """The value of the first branch whose condition holds, else ``default`` (null)."""

    def lookup(self, x: Any, mapping: Mapping[str, Any], type_: str, default: Any = None) -> Any:
        """``mapping[x]``, else ``default`` (Python constants of ``type_``, or None)."""

    def coalesce(self, x: Any, y: Any) -> Any:
        """``x``, or ``y`` where ``x`` is null."""

    def and_(self, *xs: Any) -> Any:
        """Kleene conjunction."""

    def or_(self, *xs: Any) -> Any:
        """Kleene disjunction."""

    def not_(self, x: Any) -> Any:
        """Kleene negation."""

    def is_null(self, x: Any) -> Any:
        """Whether ``x`` is null."""

    def not_null(self, x: Any) -> Any:
        """Whether ``x`` is not null."""

    def fill_false(self, x: Any) -> Any:
        """``x``, false where null."""

    def compare(self, op: str, a: Any, b: Any) -> Any:
        """``a op b`` for ``op`` in ``== != < <= > >=``."""

    def arith(self, op: str, a: Any, b: Any) -> Any:
        """``a op b`` for ``op`` in ``+ - * /`` (doubles)."""

    def abs(self, x: Any) -> Any:
        """``|x|``."""

    def floor(self, x: Any) -> Any:
        """The largest whole number not above ``x``, a double."""

    def round_half_even(self, x: Any) -> Any:
        """``x`` rounded to a whole number, ties to even."""

    def to_double(self, x: Any, kind: str) -> Any:
        """A column of ``kind`` (``number``, ``integer``, ``null``) as a double, NaN as null."""

    def to_bigint(self, x: Any) -> Any:
        """A whole double as a 64-bit integer."""

    def to_text(self, x: Any, kind: str) -> Any:
        """A value of ``kind`` written as the polars engine writes it in a message."""

    def strip(self, x: Any) -> Any:
        """A column as text, without leading and trailing whitespace."""

    def length(self, text: Any) -> Any:
        """The number of characters of a text."""

    def matches(self, text: Any, pattern: str) -> Any:
        """Whether ``pattern`` (anchored, ASCII classes only) matches ``text``."""

    def lower(self, x: Any) -> Any:
        """Text in lower case."""

    def concat(self, *xs: Any) -> Any:
        """Texts joined (null if any is null)."""

    def struct(self, fields: Mapping[str, Any]) -> Any:
        """A record of named fields."""

    def days(self, start: Any, end: Any) -> Any:
        """Whole days from date ``start`` to date ``end``, an integer."""

    def years(self, start: Any, end: Any) -> Any:
        """Completed calendar years from ``start`` to ``end``, an integer."""


_SLOT = re.compile(r"\{([a-z_0-9]+)\}")


def _fill(b: CellBackend, template: str, slots: Mapping[str, Any]) -> Any:
    """``template`` with each ``{name}`` replaced by the text ``slots[name]``."""
    pieces = _SLOT.split(template)
    if len(pieces) == 1:
        return template
    parts: list[Any] = []
    for i, piece in enumerate(pieces):
        if i % 2:
            parts.append(slots[piece])
        elif piece:
            parts.append(b.lit(piece))
    return b.concat(*parts)


# -- one cell at a time -----------------------------------------------------------------


def _kind_mismatch(fact: FactColumn, expected: str) -> CriteriaInputError:
    return CriteriaInputError(
        fact.name, f"column {fact.column!r} of {fact.kind} values", f"a column of {expected}"
    )


def _present_text(b: CellBackend, text: Any) -> Any:
    return b.and_(b.not_null(text), b.compare("!=", text, b.lit("")))


class _Quantity:
    """How a quantity's cell is read: where its number and unit come from."""

    def __init__(self, b: CellBackend, fact: FactColumn, table: UnitTable) -> None:
        if fact.kind not in ("string", "number", "integer", "null"):
            raise _kind_mismatch(fact, "numbers, or text such as '85 umol/L'")
        self.b, self.fact, self.table = b, fact, table
        self.name = fact.name
        self.text = fact.kind == "string"
        #: a column of the unit's error, its text if the same on every row, or None
        self.unit_error: Any = None
        self.unknown = ""  # what an unknown spelling's error says
        #: the unit when it is the same on every row, else None
        self.const_unit: str | None
        if fact.unit is not None:
            self.const_unit = fact.unit
        elif fact.unit_column is not None or self.text:
            self.const_unit = None
        else:
            self.const_unit = ""

    @property
    def unit(self) -> Any:
        b = self.b
        if self.const_unit is not None:
            return b.lit(self.const_unit)
        if self.fact.unit_column is not None:
            return b.col(f"usrc.{self.name}")
        return b.col(f"u.{self.name}")

    def number(self) -> dict[str, Any]:
        """The number (NaN: missing) and, for a text, whether it could not be read."""
        b, name, fact = self.b, self.name, self.fact
        if not self.text:
            return {f"num.{name}": b.to_double(b.source(fact.column), fact.kind)}
        number = b.col(f"n.{name}")
        rest = b.col(f"txt.{name}")
        out = {
            f"unread.{name}": b.and_(_present_text(b, rest), b.is_null(number)),
            # 0.0, but not 0 as written: the text underflowed ("1e-400")
            f"sized.{name}": b.and_(
                self.sized(number),
                b.or_(
                    b.compare("!=", number, b.double(0.0)),
                    b.matches(b.col(f"rest.{name}"), ZERO_TEXT),
                ),
            ),
        }
        if fact.unit is not None or fact.unit_column is not None:
            own = b.compare("!=", b.col(f"u.{name}"), b.lit(""))
            out[f"own_unit.{name}"] = b.and_(b.not_null(number), own)
        b.alias(f"num.{name}", f"n.{name}")
        return out

    def sized(self, number: Any) -> Any:
        """Whether a number is 0 or in :data:`~..units.MAGNITUDE_RANGE` (null if null)."""
        b = self.b
        lo, hi = MAGNITUDE_RANGE
        size = b.abs(number)
        return b.or_(
            b.compare("==", number, b.double(0.0)),
            b.and_(b.compare(">=", size, b.double(lo)), b.compare("<=", size, b.double(hi))),
        )

    def factor(self) -> dict[str, Any]:
        """The number times its unit's factor; the unit's error, if any.

        The product is made only of a number in range (a factor is in range too), so
        it is at most 1e100: no engine's arithmetic can overflow or underflow on it.
        """
        b, name, table = self.b, self.name, self.table
        number = b.col(f"num.{name}")
        out: dict[str, Any] = {}
        if self.text:
            sized = b.col(f"sized.{name}")
        elif self.fact.kind != "integer":  # a 64-bit integer is 0 or at least 1, below 1e19
            sized = self.sized(number)
            out[f"sized.{name}"] = sized
        else:
            sized = None
        # an unsized number is multiplied by nothing (a product of 1 is no arithmetic)
        safe = number if sized is None else b.case([(sized, number)])
        known = [*table.factors, *table.errors]
        unknown = unknown_spelling(self.fact, known)
        if self.const_unit is not None:  # converted as the query is built
            factor = table.factors.get(self.const_unit)
            if factor is None:
                self.unit_error = table.errors.get(self.const_unit, unknown)
                return {**out, f"product.{name}": b.null("double")}
            product = number if factor == 1.0 else b.arith("*", safe, b.double(factor))
            return {**out, f"product.{name}": product}
        # a spelling with neither a factor nor an error is unknown: its product is null
        self.unit_error = b.col(f"unit_error.{name}")
        self.unknown = unknown
        return {
            **out,
            f"product.{name}": b.arith("*", safe, b.lookup(self.unit, table.factors, "double")),
            f"unit_error.{name}": b.lookup(self.unit, table.errors, "text"),
        }

    def mark(self) -> dict[str, Any]:
        """Whether the cell is invalid, and why (the first reason that holds)."""
        b, name, fact = self.b, self.name, self.fact
        variable = fact.variable
        spec = variable.type.unit
        assert spec is not None
        number = b.col(f"num.{name}")
        converted = b.col(f"conv.{name}")
        branches: list[tuple[Any, Any]] = []
        if self.text:
            example = NOT_A_QUANTITY.format(unit=spec.accepted[0])
            too_long = b.compare(">", b.length(b.col(f"rest.{name}")), b.lit(LONGEST_TEXT))
            branches.append((too_long, TOO_LONG))
            branches.append((b.col(f"unread.{name}"), example))
            if fact.unit is not None or fact.unit_column is not None:
                source = (
                    repr(fact.unit) if fact.unit is not None else f"column {fact.unit_column!r}"
                )
                plain = NOT_A_PLAIN_NUMBER.format(source=source)
                branches.append((b.col(f"own_unit.{name}"), plain))
        if self.text or fact.kind != "integer":
            branches.append((b.not_(b.col(f"sized.{name}")), NOT_A_MAGNITUDE))
        if isinstance(self.unit_error, str):
            branches.append((b.not_null(number), self.unit_error))
        elif self.unit_error is not None:
            present = b.and_(b.not_null(number), b.not_null(self.unit_error))
            branches.append((present, self.unit_error))
            unknown = b.and_(b.not_null(number), b.is_null(b.col(f"product.{name}")))
            branches.append((unknown, self.unknown))
        if variable.plausible is not None:
            lo, hi = variable.plausible
            below, above = outside_bounds(lo, hi)  # as the rounded value is outside
            outside = b.or_(
                b.compare("<", converted, b.double(below)),
                b.compare(">=", converted, b.double(above)),
            )
            text = _outside_text(lo, hi, spec.symbol)
            if variable.hint:
                text += f"; {variable.hint}"
            message = _fill(b, text, {"value": b.to_text(converted, "number")})
            suggestion = self.suggestion(spec, lo, hi, number)
            if suggestion is not None:
                message = b.concat(message, suggestion)
            branches.append((outside, message))
        return b.mark(name, name, branches, self.shown())

    def suggestion(self, spec: Any, lo: float, hi: float, number: Any) -> Any:
        """The likely unit mistake of a value outside its range, as the reference gives it.

        The first of the unit specification's mistakes in whose unit the number as
        written is a value from ``lo`` to ``hi`` (the plain product, as the reference
        compares it); an empty text if none.
        """
        b = self.b
        mistakes = [(factor, ("; " + text).split("{}")) for factor, text in spec.mistake_factors()]
        if not mistakes:
            return None
        fits = []
        for factor, _ in mistakes:
            product = number if factor == 1.0 else b.arith("*", number, b.double(factor))
            fits.append(
                b.and_(
                    b.compare(">=", product, b.double(lo)), b.compare("<=", product, b.double(hi))
                )
            )
        written = b.to_text(number, "number")
        heads = {head for _, (head, _) in mistakes}
        if len(heads) == 1:  # the number written once: null if no mistake fits
            tails = [(f, b.lit(tail)) for f, (_, (_, tail)) in zip(fits, mistakes, strict=True)]
            said = b.concat(b.lit(heads.pop()), written, b.case(tails))
            return b.coalesce(said, b.lit(""))
        branches = [
            (f, b.concat(b.lit(head), written, b.lit(tail)))
            for f, (_, (head, tail)) in zip(fits, mistakes, strict=True)
        ]
        return b.case(branches, b.lit(""))

    def shown(self) -> Any:
        """The cell as an error shows it: the value, and its unit if given apart."""
        b, fact = self.b, self.fact
        if self.text:
            shown = b.col(f"txt.{self.name}")
            if fact.unit is None and fact.unit_column is None:
                return shown
        else:
            shown = b.to_text(b.source(fact.column), fact.kind)
        if self.const_unit == "":
            return shown
        if self.const_unit is not None:
            return b.concat(shown, b.lit(" " + self.const_unit))
        unit = self.unit
        spaced = b.case(
            [(b.compare("==", unit, b.lit("")), b.lit(""))], b.concat(b.lit(" "), unit)
        )
        return b.concat(shown, spaced)

    def outputs(self) -> dict[str, Any]:
        """The fact, its bound and comparator if censored, and the value as read."""
        b, name = self.b, self.name
        number = b.col(f"num.{name}")
        converted = b.col(f"conv.{name}")
        ok = b.and_(b.not_null(number), b.not_(b.flagged(name)))
        if not self.text:
            return {
                f"fact.{name}": b.case([(ok, converted)]),
                f"bound.{name}": b.null("double"),
                f"comparator.{name}": b.null("text"),
                f"given.{name}": b.case(
                    [
                        (
                            ok,
                            b.struct(
                                {"value": number, "unit": self.unit, "comparator": b.null("text")}
                            ),
                        )
                    ]
                ),
            }
        comparator = b.col(f"cmp.{name}")
        given = b.struct({"value": number, "unit": self.unit, "comparator": comparator})
        return {
            f"fact.{name}": b.case([(b.and_(ok, b.is_null(comparator)), converted)]),
            f"bound.{name}": b.case([(b.and_(ok, b.not_null(comparator)), converted)]),
            f"comparator.{name}": b.case([(ok, comparator)]),
            f"given.{name}": b.case([(ok, given)]),
        }


def _outside_text(lo: float, hi: float, symbol: str) -> str:
    """What a value outside its plausible range should have been (``{value}``: as it is)."""
    head = f"a value from {_fmt(lo)} to {_fmt(hi)} {symbol}".rstrip()
    tail = f" {symbol}".rstrip() + " after conversion)"
    return head + " (it is {value}" + tail


class _Other:
    """How a true/false fact, a grade, a category or a date is read."""

    def __init__(self, b: CellBackend, fact: FactColumn) -> None:
        self.b, self.fact, self.name = b, fact, fact.name
        self.text = b.col(f"txt.{fact.name}") if fact.kind == "string" else None
        self.kind = fact.variable.type.kind
        self.branches: list[tuple[Any, Any]] = []

    def before(self) -> list[dict[str, Any]]:
        """Stages before the value's: a grade's number, a text date's parts."""
        b, fact, name, text = self.b, self.fact, self.name, self.text
        if fact.kind == "null":
            return []
        if self.kind is Kind.ORDINAL:
            if text is not None:
                return [{f"num.{name}": b.whole_number(text)}]
            if fact.kind in ("integer", "number"):
                return [{f"num.{name}": b.to_double(b.source(fact.column), fact.kind)}]
            raise _kind_mismatch(fact, "whole numbers")
        if self.kind is Kind.DATE and text is not None:
            stages, self.day_ok, self.in_range, self.day = b.text_date(name, text)
            return stages
        return []

    def value(self) -> dict[str, Any]:
        """The fact's value (null where the cell is missing or cannot be read)."""
        b, fact, name, text = self.b, self.fact, self.name, self.text
        kind = self.kind
        value_type = fact.variable.type
        src = b.source(fact.column)
        if fact.kind == "null":
            return {f"fact.{name}": b.null(TYPE_OF[kind])}
        present: Any
        if kind is Kind.BOOLEAN:
            if text is not None:
                words = {"true": True, "false": False}
                value = b.lookup(b.lower(text), words, "boolean")
                present = _present_text(b, text)
            elif fact.kind == "boolean":
                return {f"fact.{name}": src}
            else:
                raise _kind_mismatch(fact, "true/false values")
            expected: Any = NOT_BOOLEAN
        elif kind is Kind.ORDINAL:
            assert value_type.levels is not None
            lo, hi = value_type.levels
            number = b.col(f"num.{name}")
            present = _present_text(b, text) if text is not None else b.not_null(number)
            graded = b.and_(
                b.compare(">=", number, b.double(lo)), b.compare("<=", number, b.double(hi))
            )
            # the floor is taken only inside the range (Spark's FLOOR is a BIGINT)
            whole = b.case([(graded, b.compare("==", b.floor(number), number))], b.lit(False))
            value = b.case([(whole, b.to_bigint(number))])
            expected = NOT_A_GRADE.format(lo=lo, hi=hi)
        elif kind is Kind.CATEGORY:
            if text is None:
                raise _kind_mismatch(fact, "text")
            categories = {c: c for c in value_type.categories}
            value = b.lookup(b.lower(text), categories, "text")
            present = _present_text(b, text)
            expected = str(value_type)
        elif kind is Kind.DATE:
            default = NOT_A_DATE
            if text is not None:
                present = _present_text(b, text)
                day_ok, in_range, day = self.day_ok, self.in_range, self.day
            elif fact.kind in ("date", "datetime"):
                present = b.not_null(src)
                if fact.kind == "date":
                    day_ok, day = None, src
                else:
                    day_ok, day = b.day_of(src)
                    default = NOT_A_DAY
                in_range = b.and_(
                    b.compare(">=", day, b.date(_EARLIEST.isoformat())),
                    b.compare("<=", day, b.date(_LATEST.isoformat())),
                )
            else:
                raise _kind_mismatch(fact, "dates")
            value = b.case([(in_range if day_ok is None else b.and_(day_ok, in_range), day)])
            # read where the value is null: a real date then is out of range
            if fact.kind == "date":
                expected = DATE_OUT_OF_RANGE
            else:
                expected = b.case([(day_ok, b.lit(DATE_OUT_OF_RANGE))], b.lit(default))
        else:  # pragma: no cover - every kind is handled above
            raise CriteriaInputError(name, fact.column, f"a fact of a known kind, not {kind}")
        self.branches = [(b.and_(present, b.is_null(b.col(f"fact.{name}"))), expected)]
        return {f"fact.{name}": value}

    def mark(self) -> dict[str, Any]:
        """Whether the cell is invalid (present, but no value read from it)."""
        if not self.branches:
            return {}
        b = self.b
        shown = b.to_text(b.source(self.fact.column), self.fact.kind)
        return b.mark(self.name, self.name, self.branches, shown)


# -- across facts -----------------------------------------------------------------------


class _Checks:
    """The checks across facts: the marks of each stage, and the cells they clear."""

    def __init__(self, b: CellBackend, plan: Plan) -> None:
        self.b = b
        self.present = {f.name for f in plan.facts}
        self.kinds = {n: v.type.kind for n, v in plan.variables.items()}
        self.keys: list[tuple[str, str]] = []  # (key, field), in order
        self.stage: dict[str, Any] = {}
        self.same: list[tuple[str, str, str, Any]] = []  # marks made as another, this stage
        self.cleared: dict[str, list[str]] = {}  # fact -> keys, this stage

    def has(self, *names: str) -> bool:
        return all(n in self.present for n in names)

    def fact(self, name: str) -> Any:
        return self.b.col(f"fact.{name}")

    def shown(self, name: str) -> Any:
        """Fact ``name`` as read, before any check, as text."""
        return self.b.to_text(self.b.col(f"pre.{name}"), TEXT_KIND[self.kinds[name]])

    def clear(self, name: str, when: Any, shown: Any, expected: Any) -> str:
        """Leave out fact ``name`` where ``when`` holds; the mark's key."""
        key = f"check.{len(self.keys)}"
        self.keys.append((key, name))
        self.stage.update(self.b.mark(key, name, [(when, expected)], shown))
        self.cleared.setdefault(name, []).append(key)
        return key

    def clear_as(self, name: str, existing: str, shown: Any) -> None:
        """Leave out fact ``name`` where mark ``existing`` holds, with its text."""
        key = f"check.{len(self.keys)}"
        self.keys.append((key, name))
        self.same.append((key, existing, name, shown))
        self.cleared.setdefault(name, []).append(key)

    def apply(self) -> None:
        """Add the marks made since the last call, then leave out the cells they mark."""
        b = self.b
        if not self.stage:
            return
        b.add(self.stage)
        for key, existing, name, shown in self.same:
            b.same_mark(key, existing, name, shown)
        out: dict[str, Any] = {}
        for name, keys in self.cleared.items():
            kept = b.not_(b.or_(*[b.flagged(k) for k in keys]))
            out[f"fact.{name}"] = b.case([(kept, b.col(f"fact.{name}"))])
            out[f"given.{name}"] = b.case([(kept, b.col(f"given.{name}"))])
        b.add(out)
        self.stage, self.cleared, self.same = {}, {}, []


def _check_dates(checks: _Checks) -> None:
    """Events dated after the assessment are left out."""
    b = checks.b
    if not checks.has("assessment_date"):
        return
    for name in NOT_AFTER_ASSESSMENT:
        if checks.has(name):
            after = b.compare(">", checks.fact(name), checks.fact("assessment_date"))
            why = _fill(b, LATE, {"assessment_date": checks.shown("assessment_date")})
            checks.clear(name, after, checks.shown(name), why)


def _terms(b: CellBackend, test: str, fact: Any) -> dict[str, Any]:
    """What ``test`` computes from the facts (each a column, read by the test and its texts)."""
    if test == "age":
        return {"years": b.years(fact("birth_date"), fact("assessment_date"))}
    if test == "drug window":
        return {"days": b.days(fact("last_drug_abuse_date"), fact("assessment_date"))}
    assert test == "ratio"
    return {"derived": b.arith("/", fact("pao2"), fact("fio2"))}


def _test(b: CellBackend, test: str, fact: Any, term: Any) -> tuple[Any, dict[str, Any]]:
    """Where ``test`` finds the facts at odds; the terms of its texts."""
    if test == "age":
        years = term("years")
        wrong = b.compare("!=", b.floor(fact("age")), b.to_double(years, "integer"))
        return wrong, {"years": years}
    if test == "drug window":
        days = term("days")
        within = b.and_(
            b.compare(">=", days, b.lit(0)), b.compare("<=", days, b.lit(DRUG_ABUSE_WINDOW_DAYS))
        )
        wrong = b.compare("!=", fact("drug_abuse_past_year"), within)
        return wrong, {"within": within, "days": days}
    assert test == "ratio"
    derived = term("derived")
    off = b.abs(b.arith("-", fact("pao2_fio2_ratio"), derived))
    wrong = b.compare(">", off, b.double(PAO2_FIO2_TOLERANCE_MMHG))
    return wrong, {"ratio": b.round_half_even(derived)}


def _check_consistency(checks: _Checks) -> None:
    """Contradictions between facts (with late events left out): every cell of one.

    A test's terms (the completed years, ...) are computed once, in a stage before the
    test, from the facts as left by the dates' check. Where a test finds a
    contradiction, each of its facts is given, so as read: the texts read the same terms.
    """
    b = checks.b
    found = [c for c in CONTRADICTIONS if checks.has(*c.needs)]
    terms: dict[str, Any] = {}
    for check in found:
        for k, v in _terms(b, check.test, checks.fact).items():
            terms[f"term.{k}"] = v
    # the outcome beside the terms (in the same stage: the terms inline, once more)
    for check in found:
        inline = _terms(b, check.test, checks.fact)
        terms[f"wrong.{check.test}"] = _test(b, check.test, checks.fact, inline.__getitem__)[0]
    b.add(terms)
    for check in found:
        _, said = _test(b, check.test, checks.fact, lambda k: b.col(f"term.{k}"))
        slots = {n: checks.shown(n) for n in check.needs}
        slots.update({k: b.to_text(v, _TERMS[k]) for k, v in said.items()})
        wrong = b.col(f"wrong.{check.test}")
        keys: dict[str, str] = {}  # a text already given: its mark
        for name, shown, expected in check.clears:
            if expected in keys:
                checks.clear_as(name, keys[expected], _fill(b, shown, slots))
            else:
                keys[expected] = checks.clear(
                    name, wrong, _fill(b, shown, slots), _fill(b, expected, slots)
                )
    _check_implications(checks)


def _premise(b: CellBackend, i: Implication) -> Any:
    """Where implication ``i``'s premise holds (false where the premise is missing)."""
    premise = b.col(f"fact.{i.premise}")
    if i.test == "equals":
        return b.fill_false(b.compare("==", premise, b.lit(str(i.operand))))
    if i.test == "true":
        return b.fill_false(premise)
    if i.test == "given":
        return b.not_null(premise)
    assert isinstance(i.operand, int)
    return b.fill_false(b.compare(">=", premise, b.lit(i.operand)))


def _check_implications(checks: _Checks) -> None:
    """A fact given the value its premise rules out: the cells of both are left out."""
    b = checks.b
    for group in implication_groups():
        first = group[0]
        if not checks.has(first.premise):
            continue
        found = [i for i in group if checks.has(i.fact)]
        contradicted = [
            b.and_(
                _premise(b, i),
                b.fill_false(b.compare("==", checks.fact(i.fact), b.lit(not i.value))),
            )
            for i in found
        ]
        for i, wrong in zip(found, contradicted, strict=True):
            checks.clear(i.fact, wrong, b.lit("false" if i.value else "true"), i.expected)
        if not contradicted:
            continue
        if first.test == "equals":
            shown = b.lit(str(first.operand))
        elif first.test == "true":
            shown = b.lit("true")
        else:
            shown = checks.shown(first.premise)
        checks.clear(first.premise, b.or_(*contradicted), shown, premise_expected(tuple(found)))


# -- the whole reading ------------------------------------------------------------------


def read_cells(
    b: CellBackend,
    plan: Plan,
    tables: Mapping[str, UnitTable],
    assume_absent: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """Add the facts' internal columns through ``b``; return the marks, in order.

    Each mark is ``(key, field)``: :meth:`CellBackend.flagged` of ``key`` says where a
    cell of ``field`` was left out. The marks come in the order of the errors: the
    facts other than quantities, the quantities, then the checks across facts.
    """
    quantities = [_Quantity(b, f, tables[f.name]) for f in plan.facts if f.is_quantity]
    others = [_Other(b, f) for f in plan.facts if not f.is_quantity]

    # texts, stripped, and unit columns: read once by every later stage
    texts: dict[str, Any] = {}
    for f in plan.facts:
        if f.kind == "string":
            texts[f"txt.{f.name}"] = b.strip(b.source(f.column))
        if f.is_quantity and f.unit_column is not None:
            texts[f"usrc.{f.name}"] = b.coalesce(b.strip(b.source(f.unit_column)), b.lit(""))
    b.add(texts)
    # then the engine's stages that split a text (a comparator, a number and its unit,
    # a date's parts), stage by stage for every fact at once
    split: list[dict[str, Any]] = []
    parts = [b.split_quantity(q.name, b.col(f"txt.{q.name}")) for q in quantities if q.text]
    for stages in [*parts, *(o.before() for o in others)]:
        for i, stage in enumerate(stages):
            if i == len(split):
                split.append({})
            split[i].update(stage)
    for stage in split:
        b.add(stage)

    values: dict[str, Any] = {}
    for q in quantities:
        values.update(q.number())
    for o in others:
        values.update(o.value())
    present = {f.name for f in plan.facts}
    for name, v in plan.variables.items():  # the facts the table does not hold: null
        if name not in present:
            values[f"fact.{name}"] = b.null(TYPE_OF[v.type.kind])
            if v.type.kind is Kind.QUANTITY:
                values[f"bound.{name}"] = b.null("double")
                values[f"comparator.{name}"] = b.null("text")
    b.add(values)
    marks: dict[str, Any] = {}
    for o in others:
        marks.update(o.mark())
        b.alias(f"given.{o.name}", f"fact.{o.name}")
    if quantities:
        b.add({k: v for q in quantities for k, v in q.factor().items()})
        # The value stays unrounded (the criteria compare it by exact thresholds), but
        # for the facts the checks across facts compute with, rounded as the reference.
        checked = [q.name for q in quantities if q.name in CHECKED_FACTS]
        b.quantise({f"conv.{n}": b.col(f"product.{n}") for n in checked})
        for q in quantities:
            if q.name not in CHECKED_FACTS:
                b.alias(f"conv.{q.name}", f"product.{q.name}")
        for q in quantities:
            marks.update(q.mark())
    b.add(marks)
    if quantities:
        b.add({k: v for q in quantities for k, v in q.outputs().items()})
    order = [(o.name, o.name) for o in others if o.branches]
    order += [(q.name, q.name) for q in quantities]

    checks = _Checks(b, plan)
    involved = {n for c in CONTRADICTIONS for n in c.needs}
    involved.update(CHECKED_FACTS)
    for name in sorted(involved & checks.present):
        b.alias(f"pre.{name}", f"fact.{name}")
    _check_dates(checks)
    checks.apply()
    _check_consistency(checks)
    checks.apply()
    order += checks.keys

    b.add({**_implied(b, plan, assume_absent, order), **b.last_stage(order)})
    return order


def _implied(
    b: CellBackend, plan: Plan, assume_absent: Iterable[str], marks: Sequence[tuple[str, str]]
) -> dict[str, Any]:
    """Facts implied by other facts and by the caller's closed-world assumptions.

    A fact whose cell was invalid is not assumed absent: an unreadable value is not
    the absence of a record.
    """
    out: dict[str, Any] = {}
    present = {f.name for f in plan.facts}
    for i in IMPLICATIONS:
        if i.premise in present and i.fact in plan.variables:
            # the fact where given, else the implied value where the premise holds
            current = out.get(f"fact.{i.fact}", b.col(f"fact.{i.fact}"))
            implied = b.case([(_premise(b, i), b.lit(i.value))])
            out[f"fact.{i.fact}"] = b.coalesce(current, implied)
    for name in assume_absent:
        current = out.get(f"fact.{name}", b.col(f"fact.{name}"))
        own = [b.flagged(k) for k, field in marks if field == name]
        absent = b.case([(b.not_(b.or_(*own)), b.lit(False))]) if own else b.lit(False)
        out[f"fact.{name}"] = b.coalesce(current, absent)
    return out
