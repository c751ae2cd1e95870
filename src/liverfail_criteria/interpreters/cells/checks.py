"""The checks across facts (:data:`CONTRADICTIONS`, dates, implications) and their reading."""

from __future__ import annotations

from typing import Any

import attrs

from ...dictionary import (
    DRUG_ABUSE_WINDOW_DAYS,
    NOT_AFTER_ASSESSMENT,
    PAO2_FIO2_TOLERANCE_MMHG,
    Implication,
    implication_groups,
    premise_expected,
)
from ..plan import Plan
from .backend import TEXT_KIND, CellBackend, fill
from .texts import LATE, fmt


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


_RATIO = f"a ratio within {fmt(PAO2_FIO2_TOLERANCE_MMHG)} mmHg of pao2 / fio2 = {{ratio}} mmHg"

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


_TERMS = {"years": "integer", "within": "boolean", "days": "integer", "ratio": "number"}


class Checks:
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
        """Whether the table has every one of these facts."""
        return all(n in self.present for n in names)

    def fact(self, name: str) -> Any:
        """The fact's column as read so far."""
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


def check_dates(checks: Checks) -> None:
    """Events dated after the assessment are left out."""
    b = checks.b
    if not checks.has("assessment_date"):
        return
    for name in NOT_AFTER_ASSESSMENT:
        if checks.has(name):
            after = b.compare(">", checks.fact(name), checks.fact("assessment_date"))
            why = fill(b, LATE, {"assessment_date": checks.shown("assessment_date")})
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


def check_consistency(checks: Checks) -> None:
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
                checks.clear_as(name, keys[expected], fill(b, shown, slots))
            else:
                keys[expected] = checks.clear(
                    name, wrong, fill(b, shown, slots), fill(b, expected, slots)
                )
    _check_implications(checks)


def premise(b: CellBackend, i: Implication) -> Any:
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


def _check_implications(checks: Checks) -> None:
    """A fact given the value its premise rules out: the cells of both are left out."""
    b = checks.b
    for group in implication_groups():
        first = group[0]
        if not checks.has(first.premise):
            continue
        found = [i for i in group if checks.has(i.fact)]
        contradicted = [
            b.and_(
                premise(b, i),
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
