"""The whole reading: every cell of a plan, the checks across facts, the implied facts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...dictionary import (
    IMPLICATIONS,
)
from ...dsl import Kind
from ..facts import CHECKED_FACTS
from ..plan import Plan, UnitTable
from .backend import TYPE_OF, CellBackend
from .checks import CONTRADICTIONS, Checks, check_consistency, check_dates, premise
from .other import OtherCell
from .quantity import QuantityCell


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
    quantities = [QuantityCell(b, f, tables[f.name]) for f in plan.facts if f.is_quantity]
    others = [OtherCell(b, f) for f in plan.facts if not f.is_quantity]

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

    checks = Checks(b, plan)
    involved = {n for c in CONTRADICTIONS for n in c.needs}
    involved.update(CHECKED_FACTS)
    for name in sorted(involved & checks.present):
        b.alias(f"pre.{name}", f"fact.{name}")
    check_dates(checks)
    checks.apply()
    check_consistency(checks)
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
            implied = b.case([(premise(b, i), b.lit(i.value))])
            out[f"fact.{i.fact}"] = b.coalesce(current, implied)
    for name in assume_absent:
        current = out.get(f"fact.{name}", b.col(f"fact.{name}"))
        own = [b.flagged(k) for k, field in marks if field == name]
        absent = b.case([(b.not_(b.or_(*own)), b.lit(False))]) if own else b.lit(False)
        out[f"fact.{name}"] = b.coalesce(current, absent)
    return out
