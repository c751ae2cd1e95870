"""Reading a table's cells into facts, in SQL: the twin of :mod:`..frame.cells`.

The same stages as the polars engine, column for column: each fact column of the
:class:`~liverfail_criteria.interpreters.plan.Plan` becomes its canonical value (a double in
the canonical unit, a boolean, a grade, a category, a date), the value as read (for
the row's ``record``) and an error record (``field``, ``value``, ``expected``) for a
cell that cannot be used; then the checks across facts leave out every cell of a
contradiction, and the implications of ``sex = "male"`` and ``assume_absent`` fill in
facts. The texts of the errors are those of the polars engine.

A unit spelling is converted by a ``CASE`` over the spellings known when the query is
built (those found in the data, or declared by the caller): a spelling not among them
makes its cell invalid, with an error that says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

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
from ...dsl.variable import DATE_RANGE
from ...errors import CriteriaInputError
from ...records.value import COMPARATORS
from ..facts import CHECKED_FACTS
from ..plan import FactColumn, Plan, UnitTable
from ..thresholds import outside_bounds
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
    "bound_ref",
    "comparator_pattern",
    "comparator_ref",
    "fact_ref",
    "given_ref",
    "number_pattern",
    "read_cells",
    "spelling_pattern",
    "unknown_spelling",
]

_D = "[0-9]"
ISO_DATE = f"^{_D}{_D}{_D}{_D}-{_D}{_D}-{_D}{_D}$"


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


_EARLIEST, _LATEST = DATE_RANGE

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


def _t(kind: str, name: str) -> Any:
    return ref(f"{kind}.{name}")


def _fmt(x: float) -> str:
    return f"{x:g}"


def unknown_spelling(fact: FactColumn, known: Iterable[str]) -> str:
    """What an error says of a unit spelling the query was not built with."""
    shown = ", ".join(repr(k) for k in known if k) or "none"
    return (
        f"a unit spelling the query was built for ({shown}); give the data's spellings "
        f"in unit_spellings={{{fact.name!r}: [...]}}"
    )


class _Reader:
    def __init__(self, frame: Frame, plan: Plan, d: SqlDialect) -> None:
        self.frame = frame
        self.plan = plan
        self.d = d

    # helpers --------------------------------------------------------------------------
    def error(self, field: str, value: Any, expected: Any, when: Any) -> Any:
        """An error record where ``when`` holds, else NULL."""
        from sqlglot import exp

        d = self.d
        if isinstance(expected, str):
            expected = lit(expected)
        record = d.struct(
            {
                "field": lit(field),
                "value": exp.cast(_copy(value), d.text_type()),
                "expected": exp.cast(_copy(expected), d.text_type()),
            }
        )
        return case([(when, record)])

    def text(self, x: Any) -> Any:
        from sqlglot import exp

        return exp.cast(x, self.d.text_type())

    def kind_mismatch(self, fact: FactColumn, expected: str) -> CriteriaInputError:
        return CriteriaInputError(
            fact.name, f"column {fact.column!r} of {fact.kind} values", f"a column of {expected}"
        )

    def unit_source(self, fact: FactColumn) -> Any:
        if fact.unit is not None:
            return lit(fact.unit)
        if fact.unit_column is not None:
            return _t("usrc", fact.name)
        return lit("")

    def nan_to_null(self, x: Any) -> Any:
        return case([(eq(x, self.d.double(float("nan"))), self.d.null("DOUBLE"))], _copy(x))

    def finite(self, x: Any) -> Any:
        # NaN is the greatest double in DuckDB, Spark and PostgreSQL: not below the max.
        from sqlglot import exp

        return le(exp.Abs(this=_copy(x)), self.d.double(1.7976931348623157e308))

    # quantities -----------------------------------------------------------------------
    def quantity_parse(self, fact: FactColumn) -> dict[str, Any]:
        """Stage 1 of a quantity: the number, its unit spelling, and a parse error."""
        from sqlglot import exp

        d = self.d
        src = source_column(fact.column)
        name = fact.name
        parse_error: Any = None
        if fact.kind == "string":
            text = _t("rest", name)
            number = d.to_double(_t("n", name))
            cell_unit = _t("u", name)
            spec = fact.variable.type.unit
            assert spec is not None
            example = f"a number with a unit, such as '85 {spec.accepted[0]}'"
            unparsed = and_(is_not_null(text), ne(text, lit("")), is_null(number))
            branches = [(unparsed, lit(example))]
            if fact.unit is not None or fact.unit_column is not None:
                source = (
                    repr(fact.unit) if fact.unit is not None else f"column {fact.unit_column!r}"
                )
                has_own = and_(is_not_null(number), ne(cell_unit, lit("")))
                branches.append((has_own, lit(f"a plain number: the unit comes from {source}")))
                unit = self.unit_source(fact)
            else:
                unit = cell_unit
            parse_error = case(branches)
        elif fact.kind in ("number", "integer", "null"):
            number = exp.cast(src, "DOUBLE")
            unit = self.unit_source(fact)
        else:
            raise self.kind_mismatch(fact, "numbers, or text such as '85 umol/L'")
        return {
            f"num.{name}": self.nan_to_null(number),
            f"unit.{name}": unit,
            f"bad.{name}": parse_error if parse_error is not None else d.null(d.text_type()),
        }

    def quantity_factor(self, fact: FactColumn, table: UnitTable) -> dict[str, Any]:
        """Stage 2 of a quantity: the number times its unit's factor."""
        from sqlglot import exp

        d = self.d
        name = fact.name
        unit = _t("unit", name)
        factor = exp.Case(
            this=unit,
            ifs=[exp.If(this=lit(k), true=d.double(v)) for k, v in table.factors.items()],
        )
        if not table.factors:
            factor = d.null("DOUBLE")
        known = [*table.factors, *table.errors]
        errors = [exp.If(this=lit(k), true=lit(v)) for k, v in table.errors.items()]
        errors += [exp.If(this=lit(k), true=d.null(d.text_type())) for k in table.factors]
        unit_error = exp.Case(
            this=unit.copy(), ifs=errors, default=lit(unknown_spelling(fact, known))
        )
        return {
            f"product.{name}": exp.Mul(this=_t("num", name), expression=exp.Paren(this=factor)),
            f"unit_error.{name}": unit_error,
        }

    def texts(self, facts: list[FactColumn]) -> dict[str, Any]:
        """Stage 0: text cells and unit columns, trimmed (read once, by every later stage)."""
        d = self.d
        out: dict[str, Any] = {}
        for f in facts:
            if f.kind == "string":
                out[f"txt.{f.name}"] = d.strip(self.text(source_column(f.column)))
            if f.is_quantity and f.unit_column is not None:
                unit = d.strip(self.text(source_column(f.unit_column)))
                out[f"usrc.{f.name}"] = coalesce(unit, lit(""))
        return out

    def comparators(self, facts: list[FactColumn]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Stages 0a and 0b of a quantity in text: a leading comparator, then the rest."""
        from sqlglot import exp

        d = self.d
        matched: dict[str, Any] = {}
        parts: dict[str, Any] = {}
        pattern = comparator_pattern(d)
        for f in facts:
            if not (f.is_quantity and f.kind == "string"):
                continue
            text = _t("txt", f.name)
            # the pattern only where a comparator could start (most cells: a number)
            starts = or_(*[exp.Like(this=text.copy(), expression=lit(f"{c}%")) for c in "<>≤≥"])
            matched[f"cm.{f.name}"] = case([(starts, d.matches(text, pattern))], lit(False))
            found = d.extract(text.copy(), pattern, 1)
            spelled = [(eq(found, lit(k)), lit(v)) for k, v in COMPARATORS.items() if k != v]
            parts[f"cmp.{f.name}"] = case([(_t("cm", f.name), case(spelled, found.copy()))])
            rest = d.extract(text.copy(), pattern, 2)
            parts[f"rest.{f.name}"] = case([(_t("cm", f.name), rest)], text.copy())
        return matched, parts

    def number_parts(self, facts: list[FactColumn]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Stages 0b and 0c of a quantity in text: does it match, then its number and unit."""
        d = self.d
        matched: dict[str, Any] = {}
        parts: dict[str, Any] = {}
        pattern = number_pattern(d)
        for f in facts:
            if not (f.is_quantity and f.kind == "string"):
                continue
            matched[f"m.{f.name}"] = d.matches(_t("rest", f.name), pattern)
            for i, part in ((1, "n"), (2, "u")):
                extract = d.extract(_t("rest", f.name), pattern, i)
                parts[f"{part}.{f.name}"] = case([(_t("m", f.name), extract)])
        return matched, parts

    def quantity_final(self, fact: FactColumn) -> dict[str, Any]:
        """Stage 4 of a quantity: check the converted value; the fact, as read, and errors."""
        d = self.d
        name = fact.name
        variable = fact.variable
        spec = variable.type.unit
        assert spec is not None
        number = _t("num", name)
        converted = _t("conv", name)
        bad = _t("bad", name)
        unit_error = _t("unit_error", name)
        present = is_not_null(number)
        branches: list[tuple[Any, Any]] = [
            (is_not_null(bad), bad.copy()),
            (and_(present, not_(self.finite(number))), lit("a finite number")),
            (and_(present.copy(), is_not_null(unit_error)), unit_error.copy()),
            (and_(present.copy(), not_(self.finite(converted))), lit("a finite value")),
        ]
        if variable.plausible is not None:
            lo, hi = variable.plausible
            symbol = spec.symbol
            below, above = outside_bounds(lo, hi)  # as the rounded value is outside
            outside = and_(
                present.copy(), or_(lt(converted, d.double(below)), ge(converted, d.double(above)))
            )
            head = f"a value from {_fmt(lo)} to {_fmt(hi)} {symbol}".rstrip() + " (it is "
            tail = f" {symbol}".rstrip() + " after conversion)"
            tail += f"; {variable.hint}" if variable.hint else ""
            message = concat(
                lit(head),
                d.to_text(converted.copy(), "number"),
                lit(tail),
                self.suggestion(spec, lo, hi, number),
            )
            branches.append((outside, message))
        return {f"expected.{name}": case(branches)}

    def suggestion(self, spec: Any, lo: float, hi: float, number: Any) -> Any:
        """The likely unit mistake of a value outside its range, as the reference gives it.

        The first of the unit specification's mistakes in whose unit the number as
        written is a value from ``lo`` to ``hi`` (the plain product, as the reference
        compares it); an empty text if none.
        """
        d = self.d
        branches: list[tuple[Any, Any]] = []
        for factor, text in spec.mistake_factors():
            product = mul(number.copy(), d.double(factor))
            fits = and_(ge(product, d.double(lo)), le(product.copy(), d.double(hi)))
            head, tail = ("; " + text).split("{}")
            said = concat(lit(head), d.to_text(number.copy(), "number"), lit(tail))
            branches.append((fits, said))
        if not branches:
            return lit("")
        return case(branches, lit(""))

    def quantity_shown(self, fact: FactColumn) -> Any:
        """A quantity's cell as an error shows it: the value, and its unit if separate."""
        d = self.d
        unit = _t("unit", fact.name)
        if fact.kind == "string":
            shown = _t("txt", fact.name)
            if fact.unit is None and fact.unit_column is None:
                return shown
        else:
            shown = d.to_text(source_column(fact.column), fact.kind)
        return case([(eq(unit, lit("")), shown)], concat(shown.copy(), lit(" "), unit.copy()))

    def quantity_outputs(self, fact: FactColumn) -> dict[str, Any]:
        """Stage 5 of a quantity: the fact, as read, and its error."""
        name = fact.name
        expected = _t("expected", name)
        d = self.d
        ok = and_(is_not_null(_t("num", name)), is_null(expected))
        comparator = _t("cmp", name) if fact.kind == "string" else d.null(d.text_type())
        given = d.struct(
            {"value": _t("num", name), "unit": _t("unit", name), "comparator": comparator}
        )
        return {
            f"fact.{name}": case([(and_(ok, is_null(comparator)), _t("conv", name))]),
            f"bound.{name}": case(
                [(and_(ok.copy(), is_not_null(comparator.copy())), _t("conv", name))]
            ),
            f"comparator.{name}": case([(ok.copy(), comparator.copy())]),
            f"given.{name}": case([(ok.copy(), given)]),
            f"err.{name}": self.error(
                name, self.quantity_shown(fact), expected.copy(), is_not_null(expected)
            ),
        }

    # other facts ----------------------------------------------------------------------
    def typed_null(self, kind: Kind) -> Any:
        d = self.d
        return d.null(
            {
                Kind.BOOLEAN: "BOOLEAN",
                Kind.ORDINAL: "BIGINT",
                Kind.CATEGORY: d.text_type(),
                Kind.DATE: "DATE",
                Kind.QUANTITY: "DOUBLE",
            }[kind]
        )

    def iso_date(self, text: Any) -> tuple[Any, Any, Any]:
        """A ``YYYY-MM-DD`` text: whether it is a real date, whether 1900 to 2100, the date.

        The year, month and day are checked before the text is cast (and the cast is
        made only where they are good), so no engine is asked to read an impossible
        date such as ``2025-02-30``.
        """
        from sqlglot import exp

        d = self.d
        iso = d.matches(_copy(text), ISO_DATE)

        def part(start: int, length: int) -> Any:
            piece = exp.Substring(this=_copy(text), start=lit(start), length=lit(length))
            return case([(iso.copy(), exp.cast(piece, "BIGINT"))])

        year, month, day = part(1, 4), part(6, 2), part(9, 2)

        def divisible(n: int) -> Any:
            return eq(exp.Mod(this=exp.Paren(this=year.copy()), expression=lit(n)), lit(0))

        leap = and_(divisible(4), or_(not_(divisible(100)), divisible(400)))
        days = case(
            [
                (eq(month, lit(2)), case([(leap, lit(29))], lit(28))),
                (
                    exp.In(
                        this=exp.Paren(this=month.copy()),
                        expressions=[lit(4), lit(6), lit(9), lit(11)],
                    ),
                    lit(30),
                ),
            ],
            lit(31),
        )
        valid = and_(
            ge(month.copy(), lit(1)),
            le(month.copy(), lit(12)),
            ge(day, lit(1)),
            le(day.copy(), days),
        )
        in_range = and_(ge(year, lit(_EARLIEST.year)), le(year.copy(), lit(_LATEST.year)))
        return valid, in_range, exp.cast(_copy(text), "DATE")

    def other_fact(self, fact: FactColumn) -> dict[str, Any]:
        """A true/false fact, a grade, a category or a date: value, as read, and error."""
        from sqlglot import exp

        d = self.d
        name = fact.name
        value_type = fact.variable.type
        kind = value_type.kind
        src = source_column(fact.column)
        text = _t("txt", name) if fact.kind == "string" else None
        expected_text: Any
        if fact.kind == "null":
            value = self.typed_null(kind)
            return {
                f"fact.{name}": value,
                f"given.{name}": value.copy(),
                f"err.{name}": d.null(d.error_type()),
            }
        if kind is Kind.BOOLEAN:
            expected_text = "true or false"
            if text is not None:
                lowered = exp.Lower(this=text)
                value = case(
                    [
                        (eq(lowered, lit("true")), lit(True)),
                        (eq(lowered.copy(), lit("false")), lit(False)),
                    ]
                )
                bad = and_(is_not_null(text.copy()), ne(text.copy(), lit("")), is_null(value))
            elif fact.kind == "boolean":
                value, bad = src, lit(False)
            else:
                raise self.kind_mismatch(fact, "true/false values")
        elif kind is Kind.ORDINAL:
            assert value_type.levels is not None
            lo, hi = value_type.levels
            expected_text = f"a whole-number grade from {lo} to {hi}"
            if text is not None:
                number = case([(d.matches(text, integer_pattern(d)), d.to_double(text.copy()))])
                present = and_(is_not_null(text.copy()), ne(text.copy(), lit("")))
            elif fact.kind in ("integer", "number"):
                number = self.nan_to_null(exp.cast(src, "DOUBLE"))
                present = is_not_null(number)
            else:
                raise self.kind_mismatch(fact, "whole numbers")
            graded = and_(ge(number, d.double(lo)), le(number.copy(), d.double(hi)))
            # the floor is taken only inside the range (Spark's FLOOR is a BIGINT)
            valid = case([(graded, eq(d.floor(number.copy()), number.copy()))], lit(False))
            value = case([(valid, exp.cast(number.copy(), "BIGINT"))])
            bad = and_(present, is_null(value))
        elif kind is Kind.CATEGORY:
            expected_text = str(value_type)
            if text is None:
                raise self.kind_mismatch(fact, "text")
            lowered = exp.Lower(this=text)
            value = case(
                [
                    (
                        exp.In(this=lowered, expressions=[lit(c) for c in value_type.categories]),
                        lowered.copy(),
                    )
                ]
            )
            bad = and_(is_not_null(text.copy()), ne(text.copy(), lit("")), is_null(value))
        elif kind is Kind.DATE:
            expected_text = "a date as 'YYYY-MM-DD'"
            parsed_ok: Any
            if text is not None:
                parsed_ok, in_range, parsed = self.iso_date(text)
                present = and_(is_not_null(text.copy()), ne(text.copy(), lit("")))
            elif fact.kind in ("date", "datetime"):
                if fact.kind == "date":
                    parsed_ok, parsed = is_not_null(src), src
                else:
                    day = exp.cast(src, "DATE")
                    parsed_ok = eq(exp.cast(day, "TIMESTAMP"), src.copy())
                    parsed = day.copy()
                    expected_text = "a date without a time of day"
                present = is_not_null(src.copy())
                in_range = and_(
                    ge(parsed, d.date(_EARLIEST.isoformat())),
                    le(parsed.copy(), d.date(_LATEST.isoformat())),
                )
            else:
                raise self.kind_mismatch(fact, "dates")
            value = case([(and_(parsed_ok, in_range), parsed.copy())])
            bad = and_(present, is_null(value))
            expected_text = case(
                [
                    (
                        and_(parsed_ok.copy(), not_(in_range.copy())),
                        lit(f"a date from {_EARLIEST} to {_LATEST}"),
                    )
                ],
                lit(expected_text),
            )
        else:  # pragma: no cover - every kind is handled above
            raise CriteriaInputError(name, fact.column, f"a fact of a known kind, not {kind}")
        shown = d.to_text(source_column(fact.column), fact.kind)
        return {
            f"fact.{name}": value,
            f"given.{name}": _copy(value),
            f"err.{name}": self.error(name, shown, expected_text, bad),
        }


def _copy(e: Any) -> Any:
    return e.copy() if e.parent is not None else e


# -- across facts ---------------------------------------------------------------------


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


class _Checks:
    """The checks across facts: which cells each contradiction leaves out, and why."""

    def __init__(self, reader: _Reader) -> None:
        self.reader = reader
        self.present = {f.name for f in reader.plan.facts}
        self.errors: list[tuple[str, Any]] = []  # (field, error expression)
        self.cleared: dict[str, list[Any]] = {}

    def has(self, *names: str) -> bool:
        return all(n in self.present for n in names)

    def clear(self, name: str, when: Any, shown: Any, expected: Any) -> None:
        self.errors.append((name, self.reader.error(name, shown, expected, when)))
        self.cleared.setdefault(name, []).append(_copy(when))


def _check_dates(checks: _Checks) -> dict[str, Any]:
    """Stage: events dated after the assessment are left out."""
    d = checks.reader.d
    out: dict[str, Any] = {}
    if not checks.has("assessment_date"):
        return out
    assessed = fact_ref("assessment_date")
    for name in NOT_AFTER_ASSESSMENT:
        if not checks.has(name):
            continue
        after = gt(fact_ref(name), assessed)
        checks.clear(
            name,
            after,
            d.to_text(fact_ref(name), "date"),
            concat(
                lit("a date on or before assessment_date ("),
                d.to_text(assessed.copy(), "date"),
                lit(")"),
            ),
        )
        out[f"fact.{name}"] = case([(after.copy(), d.null("DATE"))], fact_ref(name))
    return out


def _check_consistency(checks: _Checks) -> None:
    """Contradictions between facts: every cell of one is left out."""
    from sqlglot import exp

    d = checks.reader.d

    def text(x: Any, kind: str) -> Any:
        return d.to_text(x, kind)

    if checks.has("assessment_date", "age", "birth_date"):
        years = completed_years(d, fact_ref("birth_date"), fact_ref("assessment_date"))
        wrong = ne(d.floor(fact_ref("age")), exp.cast(years, "DOUBLE"))
        why = concat(
            text(years.copy(), "integer"),
            lit(" completed years, as birth_date "),
            text(fact_ref("birth_date"), "date"),
            lit(" and assessment_date "),
            text(fact_ref("assessment_date"), "date"),
            lit(" give"),
        )
        checks.clear("age", wrong, concat(text(fact_ref("age"), "number"), lit(" years")), why)
        checks.clear(
            "birth_date",
            wrong.copy(),
            text(fact_ref("birth_date"), "date"),
            concat(
                lit("a birth date that agrees with age ("),
                text(fact_ref("age"), "number"),
                lit(" years)"),
            ),
        )
    if checks.has("assessment_date", "drug_abuse_past_year", "last_drug_abuse_date"):
        days = d.days(fact_ref("last_drug_abuse_date"), fact_ref("assessment_date"))
        within = and_(ge(days, lit(0)), le(days.copy(), lit(DRUG_ABUSE_WINDOW_DAYS)))
        wrong = ne(fact_ref("drug_abuse_past_year"), within)
        why = concat(
            case([(within.copy(), lit("true")), (not_(within.copy()), lit("false"))]),
            lit(", as last_drug_abuse_date is "),
            text(days.copy(), "integer"),
            lit(" days before assessment_date"),
        )
        checks.clear(
            "drug_abuse_past_year",
            wrong,
            text(fact_ref("drug_abuse_past_year"), "boolean"),
            why,
        )
        checks.clear(
            "last_drug_abuse_date",
            wrong.copy(),
            text(fact_ref("last_drug_abuse_date"), "date"),
            "a date that agrees with drug_abuse_past_year",
        )
    if checks.has("pao2_fio2_ratio", "pao2", "fio2"):
        derived = div(fact_ref("pao2"), fact_ref("fio2"))
        wrong = gt(
            exp.Abs(this=sub(fact_ref("pao2_fio2_ratio"), derived)),
            d.double(PAO2_FIO2_TOLERANCE_MMHG),
        )
        why = concat(
            lit(f"a ratio within {_fmt(PAO2_FIO2_TOLERANCE_MMHG)} mmHg of pao2 / fio2 = "),
            text(round_half_even(d, derived.copy()), "number"),
            lit(" mmHg"),
        )
        for name in ("pao2_fio2_ratio", "pao2", "fio2"):
            checks.clear(name, wrong.copy(), text(fact_ref(name), "number"), why.copy())
    _check_implications(checks)


def _premise(i: Implication) -> Any:
    """Where implication ``i``'s premise holds (false where the premise is missing)."""
    premise = fact_ref(i.premise)
    if i.test == "equals":
        return coalesce(eq(premise, lit(i.operand)), lit(False))
    if i.test == "true":
        return coalesce(premise, lit(False))
    if i.test == "given":
        return is_not_null(premise)
    return coalesce(ge(premise, lit(i.operand)), lit(False))


def _check_implications(checks: _Checks) -> None:
    """A fact given the value its premise rules out: the cells of both are left out."""
    d = checks.reader.d
    for group in implication_groups():
        first = group[0]
        if not checks.has(first.premise):
            continue
        found = [i for i in group if checks.has(i.fact)]
        contradicted = [
            and_(_premise(i), coalesce(eq(fact_ref(i.fact), lit(not i.value)), lit(False)))
            for i in found
        ]
        for i, wrong in zip(found, contradicted, strict=True):
            checks.clear(i.fact, wrong, lit("false" if i.value else "true"), i.expected)
        if not contradicted:
            continue
        if first.test == "equals":
            shown = lit(str(first.operand))
        elif first.test == "true":
            shown = lit("true")
        else:
            kind = "date" if first.test == "given" else "integer"
            shown = d.to_text(fact_ref(first.premise), kind)
        checks.clear(
            first.premise,
            or_(*[c.copy() for c in contradicted]),
            shown,
            premise_expected(tuple(found)),
        )


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
    reader = _Reader(frame, plan, d)
    quantities = [f for f in plan.facts if f.is_quantity]
    others = [f for f in plan.facts if not f.is_quantity]
    frame.add(reader.texts(list(plan.facts)))
    matched, parts = reader.comparators(quantities)
    frame.add(matched)
    frame.add(parts)
    matched, parts = reader.number_parts(quantities)
    frame.add(matched)
    frame.add(parts)
    stage1: dict[str, Any] = {}
    for f in quantities:
        stage1.update(reader.quantity_parse(f))
    for f in others:
        stage1.update(reader.other_fact(f))
    frame.add(stage1)
    if quantities:
        stage2: dict[str, Any] = {}
        for f in quantities:
            stage2.update(reader.quantity_factor(f, tables[f.name]))
        frame.add(stage2)
        # The value stays unrounded (the criteria compare it by exact thresholds), but
        # for the facts the checks across facts compute with, rounded as the reference.
        rounded = [f.name for f in quantities if f.name in CHECKED_FACTS]
        quantise_stages(frame, d, {f"conv.{n}": _t("product", n) for n in rounded})
        for f in quantities:
            if f.name not in CHECKED_FACTS:
                frame.alias(f"conv.{f.name}", f"product.{f.name}")
        stage4: dict[str, Any] = {}
        for f in quantities:
            stage4.update(reader.quantity_final(f))
        frame.add(stage4)
        stage5: dict[str, Any] = {}
        for f in quantities:
            stage5.update(reader.quantity_outputs(f))
        frame.add(stage5)
    # In the order the polars engine lists them: the other facts, then the quantities.
    error_columns: list[ErrorColumn] = [(f"err.{f.name}", f.name) for f in [*others, *quantities]]

    checks = _Checks(reader)
    dates = _check_dates(checks)
    date_errors = {f"check.{i}": e for i, (_, e) in enumerate(checks.errors)}
    error_columns += [(f"check.{i}", field) for i, (field, _) in enumerate(checks.errors)]
    if dates:
        frame.add({**dates, **date_errors})
        # the consistency checks read the facts with late events already left out
        frame.add(
            {
                f"given.{n[len('fact.') :]}": case(
                    [(is_null(ref(n)), d.null("DATE"))], given_ref(n[len("fact.") :])
                )
                for n in dates
            }
        )
    first = len(checks.errors)
    checks.cleared.clear()
    _check_consistency(checks)
    consistency = {f"check.{i}": e for i, (_, e) in enumerate(checks.errors) if i >= first}
    error_columns += [
        (f"check.{i}", field) for i, (field, _) in enumerate(checks.errors) if i >= first
    ]
    final: dict[str, Any] = {}
    for name, whens in checks.cleared.items():
        cleared = coalesce(or_(*whens), lit(False))
        final[f"fact.{name}"] = case(
            [(cleared, reader.typed_null(plan.variables[name].type.kind))], fact_ref(name)
        )
        final[f"given.{name}"] = case(
            [(cleared.copy(), _null_like_given(reader, name))], given_ref(name)
        )
    frame.add(consistency)
    frame.add(final)
    present = {f.name for f in plan.facts}
    absent = {
        f"fact.{name}": reader.typed_null(v.type.kind)
        for name, v in plan.variables.items()
        if name not in present
    }
    for name, v in plan.variables.items():
        if name not in present and v.type.kind is Kind.QUANTITY:
            absent[f"bound.{name}"] = d.null("DOUBLE")
            absent[f"comparator.{name}"] = d.null(d.text_type())
    frame.add(absent)
    frame.add(_implied(reader, assume_absent, error_columns))
    return error_columns


def _null_like_given(reader: _Reader, name: str) -> Any:
    """A NULL of the type of fact ``name``'s as-read column."""
    from sqlglot import exp

    variable = reader.plan.variables[name]
    if variable.type.kind is Kind.QUANTITY:
        # a NULL record of the same shape: CASE ... END with no ELSE gives it
        return exp.Null()
    return reader.typed_null(variable.type.kind)


def _implied(
    reader: _Reader, assume_absent: Iterable[str], error_columns: list[ErrorColumn]
) -> dict[str, Any]:
    """Facts implied by other facts and by the caller's closed-world assumptions.

    A fact whose cell was invalid is not assumed absent: an unreadable value is not
    the absence of a record.
    """
    plan = reader.plan
    out: dict[str, Any] = {}
    present = {f.name for f in plan.facts}

    def invalid(name: str) -> Any:
        conds = [is_not_null(ref(c)) for c, field in error_columns if field == name]
        return coalesce(or_(*conds), lit(False)) if conds else lit(False)

    for i in IMPLICATIONS:
        if i.premise not in present or i.fact not in plan.variables:
            continue
        current = out.get(f"fact.{i.fact}", fact_ref(i.fact))
        out[f"fact.{i.fact}"] = case(
            [(and_(is_null(current), _premise(i)), lit(i.value))], _copy(current)
        )
    for name in assume_absent:
        current = out.get(f"fact.{name}", fact_ref(name))
        out[f"fact.{name}"] = case(
            [(and_(is_null(current), not_(invalid(name))), lit(False))], _copy(current)
        )
    return out
