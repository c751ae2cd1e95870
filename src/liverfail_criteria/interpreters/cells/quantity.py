"""How a quantity's cell is read: its number, its unit, its censoring and its checks."""

from __future__ import annotations

from typing import Any

from ...units import LONGEST_TEXT, MAGNITUDE_RANGE, NOT_A_MAGNITUDE, TOO_LONG, ZERO_TEXT
from ..plan import FactColumn, UnitTable
from ..thresholds import outside_bounds
from .backend import CellBackend, fill, kind_mismatch, present_text
from .texts import NOT_A_PLAIN_NUMBER, NOT_A_QUANTITY, outside_text, unknown_spelling


class QuantityCell:
    """How a quantity's cell is read: where its number and unit come from."""

    def __init__(self, b: CellBackend, fact: FactColumn, table: UnitTable) -> None:
        if fact.kind not in ("string", "number", "integer", "null"):
            raise kind_mismatch(fact, "numbers, or text such as '85 umol/L'")
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
        """The cell's unit as written: the constant unit, the unit column, or the text's."""
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
            f"unread.{name}": b.and_(present_text(b, rest), b.is_null(number)),
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
            text = outside_text(lo, hi, spec.symbol)
            if variable.hint:
                text += f"; {variable.hint}"
            message = fill(b, text, {"value": b.to_text(converted, "number")})
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
