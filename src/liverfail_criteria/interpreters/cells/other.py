"""How a true/false fact, a grade, a category or a date is read from its cell."""

from __future__ import annotations

from typing import Any

from ...dsl import Kind
from ...errors import CriteriaInputError
from ..plan import FactColumn
from .backend import TYPE_OF, CellBackend, kind_mismatch, present_text
from .texts import (
    DATE_OUT_OF_RANGE,
    EARLIEST,
    LATEST,
    NOT_A_DATE,
    NOT_A_DAY,
    NOT_A_GRADE,
    NOT_BOOLEAN,
)


class OtherCell:
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
            raise kind_mismatch(fact, "whole numbers")
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
                present = present_text(b, text)
            elif fact.kind == "boolean":
                return {f"fact.{name}": src}
            else:
                raise kind_mismatch(fact, "true/false values")
            expected: Any = NOT_BOOLEAN
        elif kind is Kind.ORDINAL:
            assert value_type.levels is not None
            lo, hi = value_type.levels
            number = b.col(f"num.{name}")
            present = present_text(b, text) if text is not None else b.not_null(number)
            graded = b.and_(
                b.compare(">=", number, b.double(lo)), b.compare("<=", number, b.double(hi))
            )
            # the floor is taken only inside the range (Spark's FLOOR is a BIGINT)
            whole = b.case([(graded, b.compare("==", b.floor(number), number))], b.lit(False))
            value = b.case([(whole, b.to_bigint(number))])
            expected = NOT_A_GRADE.format(lo=lo, hi=hi)
        elif kind is Kind.CATEGORY:
            if text is None:
                raise kind_mismatch(fact, "text")
            categories = {c: c for c in value_type.categories}
            value = b.lookup(b.lower(text), categories, "text")
            present = present_text(b, text)
            expected = str(value_type)
        elif kind is Kind.DATE:
            default = NOT_A_DATE
            if text is not None:
                present = present_text(b, text)
                day_ok, in_range, day = self.day_ok, self.in_range, self.day
            elif fact.kind in ("date", "datetime"):
                present = b.not_null(src)
                if fact.kind == "date":
                    day_ok, day = None, src
                else:
                    day_ok, day = b.day_of(src)
                    default = NOT_A_DAY
                in_range = b.and_(
                    b.compare(">=", day, b.date(EARLIEST.isoformat())),
                    b.compare("<=", day, b.date(LATEST.isoformat())),
                )
            else:
                raise kind_mismatch(fact, "dates")
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
