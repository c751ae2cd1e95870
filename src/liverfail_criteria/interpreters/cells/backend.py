"""What an engine reads cells with (:class:`CellBackend`), and helpers over it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from ...dsl import Kind
from ...errors import CriteriaInputError
from ..plan import FactColumn

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


def fill(b: CellBackend, template: str, slots: Mapping[str, Any]) -> Any:
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


def kind_mismatch(fact: FactColumn, expected: str) -> CriteriaInputError:
    """The error for a column whose type cannot hold the fact (``expected``: what can)."""
    return CriteriaInputError(
        fact.name, f"column {fact.column!r} of {fact.kind} values", f"a column of {expected}"
    )


def present_text(b: CellBackend, text: Any) -> Any:
    """Whether a text cell holds something (not null, not empty once stripped)."""
    return b.and_(b.not_null(text), b.compare("!=", text, b.lit("")))
