"""Reading one patient record: every fact parsed, checked and converted once.

The reference interpreter's input boundary. A record's facts become ``Known`` pairs of
the canonical value and the :class:`~liverfail_criteria.result.Value` that shows it;
the implications between facts (``sex = "male"``, an onset date), the caller's
closed-world assumptions and the checks across facts (dates, contradictions) are
applied here, before any criterion.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..arguments import as_mapping
from ..dictionary import (
    DRUG_ABUSE_WINDOW_DAYS,
    IMPLICATIONS,
    NOT_AFTER_ASSESSMENT,
    PAO2_FIO2_TOLERANCE_MMHG,
    VARIABLES,
)
from ..dsl import Criterion, Expr, Kind, Parameter, Ruleset, Variable, children
from ..errors import CriteriaInputError, DefinitionError, did_you_mean
from ..records.value import Censored, Derived, split_comparator
from ..result import Fact, Origin, Source, Value

__all__ = [
    "CHECKED_FACTS",
    "Facts",
    "Known",
    "completed_years",
    "fact_order",
    "gates",
    "read_record",
    "resolve_params",
    "ruleset_variables",
    "shown_value",
    "unit_symbol",
]

Native = Any  # float | int | bool | str | date
Known = tuple[Native, Value]  # a fact's canonical value, and how to show it
Facts = dict[str, Known]
RESERVED_KEYS = frozenset({"id"})
# Facts read from true/false values are the same every time: made once, then shared.
_BOOLEAN_FACTS: dict[tuple[str, bool, str, str | None], Known] = {}
_RECORDED_TRUE: dict[str, Known] = {}  # the same, for the commonest lookup: by name alone
_RECORDED_FALSE: dict[str, Known] = {}
# Facts read from texts, whole numbers and dates, by the variable (held, so its id is
# not reused) and the value given. (Not floats: 0.0 and -0.0 are equal keys but are
# shown differently.)
_PARSED: dict[tuple[int, object], tuple[Variable, Known]] = {}
_PARSED_MAX = 8192
_SHAREABLE = frozenset({str, int, dt.date})


def _fmt(x: Native) -> str:
    if isinstance(x, float):
        return f"{x:g}"
    if isinstance(x, dt.date):
        return x.isoformat()
    if isinstance(x, bool):
        return "true" if x else "false"
    return str(x)


def shown_value(x: Native) -> float | int | bool | str:
    """A canonical value as results show it: a date as its ISO string, a bound as text."""
    if isinstance(x, dt.date):
        return x.isoformat()
    if type(x) is Censored:
        return str(x)
    return x  # type: ignore[no-any-return]


def _known(
    name: str,
    value: Native,
    given: str,
    unit: str | None,
    source: Source,
    code: str = "",
    note: str | None = None,
    origin: Origin | None = None,
) -> Known:
    shown = shown_value(value)
    fact = Fact(name, shown, unit, given, source, origin)
    number = _fmt(value)
    canonical = f"{number} {unit}" if unit else number
    text = f"{name} = {given}"
    # Show the canonical value too when the value was given in another form.
    if given != canonical and given != f"{number} {code}" and given != number + code:
        text = f"{text} ({canonical})"
    if source is not Source.RECORD:
        text = f"{text} [{note or source.value}]"
    if origin is not None:
        text = f"{text} [from {origin.source}{f' at {origin.time}' if origin.time else ''}]"
    return value, Value(shown, unit, text, (fact,))


def unit_symbol(expr: Expr) -> str | None:
    """The symbol of an expression's canonical unit, if it is a quantity."""
    unit = expr.type.unit
    return unit.symbol if unit is not None else None


def _shared_known(name: str, value: bool, source: Source, note: str | None = None) -> Known:
    """The Known of a true/false fact: there are few, so each is made once and shared."""
    key = (name, value, source.value, note)
    known = _BOOLEAN_FACTS.get(key)
    if known is None:
        given = "true" if value else "false"
        known = _BOOLEAN_FACTS[key] = _known(name, value, given, None, source, note=note)
        if source is Source.RECORD:
            (_RECORDED_TRUE if value else _RECORDED_FALSE)[name] = known
    return known


def completed_years(start: dt.date, end: dt.date) -> int:
    """Whole calendar years from ``start`` to ``end``.

    A 29 February birthday is reached on 1 March in other years.
    """
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _check_consistency(facts: Facts, record: Mapping[str, object]) -> None:
    """Refuse a record whose facts contradict the facts they could be derived from.

    A criterion reads a recorded fact before deriving it (``age``, else the age from
    ``birth_date``), so a contradiction would silently hide one of the two values.
    """
    assessed = facts.get("assessment_date")
    if assessed is not None:
        day = assessed[0]
        age, birth = facts.get("age"), facts.get("birth_date")
        # a censored age (">60 years") is no number of years to check: it is not compared
        if age is not None and birth is not None and type(age[0]) is not Censored:
            years = completed_years(birth[0], day)
            if math.floor(age[0]) != years:
                raise CriteriaInputError(
                    "age",
                    record["age"],
                    f"{years} completed years, as birth_date {birth[0]} and assessment_date "
                    f"{day} give (or leave one of them out)",
                )
        flag, last = facts.get("drug_abuse_past_year"), facts.get("last_drug_abuse_date")
        if flag is not None and last is not None:
            within = 0 <= (day - last[0]).days <= DRUG_ABUSE_WINDOW_DAYS
            if flag[0] is not within:
                raise CriteriaInputError(
                    "drug_abuse_past_year",
                    record["drug_abuse_past_year"],
                    f"{'true' if within else 'false'}, as last_drug_abuse_date {last[0]} is "
                    f"{(day - last[0]).days} days before assessment_date {day} "
                    "(or leave one of them out)",
                )
    ratio, pao2, fio2 = (facts.get(n) for n in ("pao2_fio2_ratio", "pao2", "fio2"))
    exact = all(k is not None and type(k[0]) is not Censored for k in (ratio, pao2, fio2))
    if exact and ratio is not None and pao2 is not None and fio2 is not None:
        derived = pao2[0] / fio2[0]
        if abs(ratio[0] - derived) > PAO2_FIO2_TOLERANCE_MMHG:
            raise CriteriaInputError(
                "pao2_fio2_ratio",
                record["pao2_fio2_ratio"],
                f"{derived:.0f} mmHg, as pao2 / fio2 give, within "
                f"{PAO2_FIO2_TOLERANCE_MMHG:g} mmHg (or leave one of them out)",
            )


def _apply_implications(facts: Facts, variables: Mapping[str, Variable]) -> None:
    """Fill in the facts other facts imply; refuse a record that contradicts one.

    See :data:`~liverfail_criteria.dictionary.IMPLICATIONS`: the first implication that
    holds marks the value (the tree shows it as implied, and why).
    """
    for implication in IMPLICATIONS:
        name = implication.fact
        premise = facts.get(implication.premise)
        if name not in variables or premise is None or not implication.holds(premise[0]):
            continue
        current = facts.get(name)
        if current is None:
            facts[name] = _shared_known(name, implication.value, Source.IMPLIED, implication.note)
        elif current[0] is not implication.value:
            raise CriteriaInputError(name, current[0], implication.expected)


# -- reading input ---------------------------------------------------------------------


def read_record(
    record: Mapping[str, object],
    variables: Mapping[str, Variable] = VARIABLES,
    assume_absent: Iterable[str] = (),
) -> tuple[Facts, str | None]:
    """Parse and check a record; return its facts in canonical form, and its ``id``.

    Applies the implications between facts and the caller's closed-world
    assumptions. Raises :class:`CriteriaInputError` for anything it cannot use.
    """
    if not isinstance(record, Mapping):
        raise CriteriaInputError(None, record, "a mapping of fact names to values")
    facts: Facts = {}
    record_id: str | None = None
    for name, raw in record.items():
        var = variables.get(name)
        if var is None:
            if name in RESERVED_KEYS:
                record_id = None if raw is None else str(raw)
                continue
            raise CriteriaInputError(
                str(name), raw, f"a known fact name{did_you_mean(str(name), variables)}"
            )
        origin = None
        if type(raw) is Derived:
            origin, raw = raw.origin, raw.value
        if raw is None or (isinstance(raw, float) and math.isnan(raw)):
            # NaN is how pandas, NumPy and Parquet hold a missing number: missing here
            # too, as in every screening engine (an infinity is a value, and refused).
            continue
        value_type = var.value_type
        if origin is not None or (
            isinstance(raw, str)
            and value_type.kind is Kind.QUANTITY
            and raw.lstrip()[:1] in "<>≤≥"
        ):
            facts[name] = _read_special(var, raw, origin)
            continue
        if (raw is True or raw is False) and value_type.kind is Kind.BOOLEAN:
            shared = _RECORDED_TRUE if raw else _RECORDED_FALSE
            facts[name] = shared.get(name) or _shared_known(name, raw, Source.RECORD)
            continue
        shareable = type(raw) in _SHAREABLE
        if shareable:
            # Values repeat across records (a laboratory's ULN, a screening date, a
            # grade): each is read once, and its Known shared, as a boolean's is.
            cached = _PARSED.get((id(var), raw))
            if cached is not None and cached[0] is var:
                facts[name] = cached[1]
                continue
        value, given = var.parse(raw)
        unit = value_type.unit
        symbol, code = (unit.symbol, unit.canonical) if unit is not None else (None, "")
        known = facts[name] = _known(name, value, given, symbol, Source.RECORD, code)
        if shareable:
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[id(var), raw] = (var, known)
    assessed = facts.get("assessment_date")
    if assessed is not None:
        for name in NOT_AFTER_ASSESSMENT:
            event = facts.get(name)
            if event is not None and event[0] > assessed[0]:
                raise CriteriaInputError(
                    name, record[name], f"a date on or before assessment_date ({assessed[0]})"
                )
    _check_consistency(facts, record)
    _apply_implications(facts, variables)
    for name in assume_absent:
        var = variables.get(name)
        if var is None or var.type.kind is not Kind.BOOLEAN:
            raise CriteriaInputError(
                "assume_absent",
                name,
                f"names of true/false facts{did_you_mean(str(name), variables)}",
            )
        if name not in facts:
            facts[name] = _shared_known(name, False, Source.ASSUMED, "assumed absent")
    return facts, record_id


def _read_special(var: Variable, raw: object, origin: Origin | None) -> Known:
    """A value with an origin, or a censored one (``"<20 10*9/L"``): never cached."""
    comparator = None
    if isinstance(raw, str) and var.value_type.kind is Kind.QUANTITY:
        comparator, raw = split_comparator(raw)
    value: Native
    if (raw is True or raw is False) and var.value_type.kind is Kind.BOOLEAN:
        value, given = raw, "true" if raw else "false"
    else:
        value, given = var.parse(raw)
    unit = var.value_type.unit
    symbol, code = (unit.symbol, unit.canonical) if unit is not None else (None, "")
    if comparator is not None:
        value, given = Censored(comparator, float(value)), comparator + given
    return _known(var.name, value, given, symbol, Source.RECORD, code, origin=origin)


@functools.lru_cache(maxsize=128)
def _declared_parameters(ruleset: Ruleset) -> dict[str, Parameter]:
    return {p.name: p for p in ruleset.parameters()}


def resolve_params(
    ruleset: Ruleset, params: Mapping[str, object] | None
) -> tuple[tuple[str, Native | None, Fact | None], ...]:
    """Check the caller's parameters against the ruleset's; fill in the defaults.

    Returns ``(name, canonical value or None, Fact or None)`` for every parameter the
    ruleset reads, in order.
    """
    declared = _declared_parameters(ruleset)
    given = as_mapping("params", params)
    for name in given:
        if name not in declared:
            raise CriteriaInputError(
                "params",
                name,
                f"a parameter of ruleset {ruleset.id!r}{did_you_mean(str(name), declared)}"
                + (f"; it has {', '.join(declared)}" if declared else "; it has none"),
            )
    resolved: list[tuple[str, Native | None, Fact | None]] = []
    for name, parameter in declared.items():
        explicit = name in given and given[name] is not None
        raw = given[name] if explicit else parameter.default
        if raw is None:
            resolved.append((name, None, None))
            continue
        value, shown = parameter.parse(raw)
        source_note = "" if explicit else " (default)"
        fact = Fact(
            name, shown_value(value), unit_symbol(parameter), shown + source_note, Source.PARAMETER
        )
        resolved.append((name, value, fact))
    return tuple(resolved)


def fact_order(ruleset: Ruleset, gates: Callable[[Criterion], bool]) -> tuple[str, ...]:
    """The order in which ``Result.missing`` lists facts: as the gating criteria read them.

    Missing facts come only from gating criteria, so they are listed in the order the
    ruleset's gating criteria first read them (depth first, in definition order), then
    any fact only informational criteria read. Every interpreter lists them so.
    """
    order: dict[str, None] = {}
    stack: list[Expr] = [ruleset]
    while stack:
        node = stack.pop()
        if isinstance(node, Criterion) and not gates(node):
            continue
        if isinstance(node, Variable):
            order.setdefault(node.name)
        stack.extend(reversed(children(node)))
    for v in ruleset.variables():
        order.setdefault(v.name)
    return tuple(order)


def gates(params: Mapping[str, Native | None]) -> Callable[[Criterion], bool]:
    """Whether a criterion gates its ruleset, with these parameter values in force.

    A criterion's ``gating`` is true, false, or a boolean parameter that chooses.
    """

    def gating(c: Criterion) -> bool:
        return c.gating if isinstance(c.gating, bool) else bool(params.get(c.gating.name))

    return gating


def ruleset_variables(ruleset: Ruleset) -> dict[str, Variable]:
    """Every fact a record or table may hold for ``ruleset``: the dictionary's and its own.

    Raises :class:`DefinitionError` if the ruleset defines a dictionary fact differently.
    """
    variables = dict(VARIABLES)
    for v in ruleset.variables():
        known = variables.setdefault(v.name, v)
        if known != v:
            raise DefinitionError(
                f"ruleset {ruleset.id!r} defines fact {v.name!r} differently from the "
                "data dictionary"
            )
    return variables


#: The facts the checks across facts read (dates against the assessment date, age
#: against the birth date, PaO2/FiO2 against its parts, the implications). The table
#: engines round these quantities when they read the cells, as the checks compute with
#: them; every other quantity stays unrounded until a criterion reads it.
CHECKED_FACTS: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            "assessment_date",
            *NOT_AFTER_ASSESSMENT,
            "age",
            "drug_abuse_past_year",
            "pao2_fio2_ratio",
            "pao2",
            "fio2",
            *(n for i in IMPLICATIONS for n in (i.premise, i.fact)),
        )
    )
)
