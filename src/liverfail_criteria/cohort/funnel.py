"""The screening funnel (CONSORT style) and the missingness of facts, from a result table.

Both read only the table :func:`~liverfail_criteria.screen` returned (any engine's), so
they can be drawn again from a saved result. The funnel takes the eligibility rule's
steps in order: a step removes the rows it decides against (an inclusion step those
NOT_MET, an exclusion those MET) and lets the undetermined ones through, counted. So
the counts add up: the rows removed are the ineligible ones, and the rows left after
the last step are the eligible and the undetermined.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ..dsl import Criterion, Expr, Not, Ruleset, Variable, walk
from ..errors import CriteriaInputError
from ..extras import require
from .inputs import check_results

__all__ = ["Funnel", "Step", "funnel", "missingness"]


@attrs.frozen
class Step:
    """One step of the funnel.

    Attributes:
        id: the criterion's or ruleset's id (its result column).
        label: its title, for people.
        removes: ``"not_met"`` for an inclusion step, ``"met"`` for an exclusion.
        parts: rulesets or criteria whose counts are shown under the step, not applied
            one by one (the groups of an inclusion step met by "any").
        facts: the facts the step reads, for "lacking which facts".
    """

    id: str
    label: str
    removes: str
    parts: tuple[tuple[str, str], ...] = ()
    facts: tuple[str, ...] = ()


def _facts(node: Expr) -> tuple[str, ...]:
    return tuple(dict.fromkeys(n.name for n in walk(node) if isinstance(n, Variable)))


def _label(node: Criterion | Ruleset) -> str:
    return node.title


def steps(ruleset: Ruleset, gates: Callable[[Criterion], bool]) -> tuple[Step, ...]:
    """The funnel's steps for ``ruleset``: its members in order, exclusions one by one.

    Informational criteria (``gates`` false) are not steps: they decide nothing.
    """
    if ruleset.mode == "any":
        return (_positive(ruleset),)
    out: list[Step] = []
    for member in ruleset.members:
        if isinstance(member, Criterion) and not gates(member):
            continue
        if isinstance(member, Not) and isinstance(member.operand, Ruleset):
            inner = member.operand
            if inner.mode == "any":
                for m in inner.members:
                    if isinstance(m, Criterion) and not gates(m):
                        continue
                    if isinstance(m, (Criterion, Ruleset)):
                        out.append(Step(m.id, _label(m), "met", facts=_facts(m)))
                continue
            out.append(Step(inner.id, _label(inner), "met", facts=_facts(inner)))
        elif isinstance(member, (Criterion, Ruleset)):
            out.append(_positive(member))
    return tuple(out)


def _positive(node: Criterion | Ruleset) -> Step:
    parts: tuple[tuple[str, str], ...] = ()
    if isinstance(node, Ruleset) and node.mode == "any":
        parts = tuple(
            (m.id, _label(m)) for m in node.members if isinstance(m, (Criterion, Ruleset))
        )
    return Step(node.id, _label(node), "not_met", parts, _facts(node))


@attrs.frozen
class Funnel:
    """A screening funnel: the table, and the figure drawn from it.

    Attributes:
        table: a polars DataFrame, one row per step (``level`` 0) and per part of a
            step (``level`` 1): ``entering``, ``met``, ``not_met``, ``undetermined``,
            ``removed``, ``remaining``, and ``lacking``, the facts missing in the
            undetermined rows whose status they could decide, most frequent first.
        screened: rows screened.
        with_errors: rows with at least one invalid cell (screened all the same).
        eligible: rows eligible.
        undetermined: rows undetermined.
        ineligible: rows ineligible.
    """

    table: Any
    screened: int
    with_errors: int
    eligible: int
    undetermined: int
    ineligible: int

    def plot(self, path: str | None = None, *, title: str | None = None) -> Any:
        """Draw the funnel with matplotlib; save it to ``path`` (PNG, SVG, PDF) if given.

        Returns the matplotlib Figure.
        """
        from .figure import draw_funnel

        return draw_funnel(self, path, title=title)

    def __str__(self) -> str:
        """The funnel as a text table: one line per step, its parts indented."""
        width = max([len("step"), *(len(r["id"]) + 2 * r["level"] for r in self._rows())])
        head = f"{'step':<{width}}  {'in':>8}  {'out':>8}  {'undetermined':>12}  lacking (rows)"
        lines = [
            f"Screened: {self.screened} rows"
            + (
                f" ({self.with_errors} with invalid cells, screened without them)"
                if self.with_errors
                else ""
            ),
            "",
            head,
        ]
        for row in self._rows():
            if row["level"]:
                name = "  " + row["id"]
                lines.append(
                    f"{name:<{width}}  {'':>8}  met {row['met']}, not met {row['not_met']}, "
                    f"undetermined {row['undetermined']}"
                )
                continue
            lacking = _lacking_text(row["lacking"])
            lines.append(
                f"{row['id']:<{width}}  {row['entering']:>8}  {row['removed']:>8}  "
                f"{row['undetermined']:>12}  {lacking}".rstrip()
            )
        lines += [
            "",
            f"Eligible: {self.eligible}; undetermined: {self.undetermined}; "
            f"ineligible: {self.ineligible}",
        ]
        return "\n".join(lines)

    def _rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = list(self.table.iter_rows(named=True))
        return rows

    def _repr_html_(self) -> str:
        html: str = self.table._repr_html_()
        summary = (
            f"<p>Screened {self.screened}; eligible {self.eligible}, undetermined "
            f"{self.undetermined}, ineligible {self.ineligible}"
            + (f"; {self.with_errors} with invalid cells" if self.with_errors else "")
            + ".</p>"
        )
        return summary + html


def _lacking_text(lacking: Sequence[dict[str, Any]], limit: int = 3) -> str:
    shown = [f"{d['fact']} {d['rows']}" for d in lacking[:limit]]
    if len(lacking) > limit:
        shown.append(f"+{len(lacking) - limit} more")
    return ", ".join(shown)


def _ruleset_of(
    results: Any, ruleset: Ruleset | None, params: Mapping[str, object] | None = None
) -> tuple[Ruleset, Callable[[Criterion], bool]]:
    """The ruleset a table was screened with, and which criteria gated."""
    from ..interpreters.facts import gates, resolve_params
    from .screen import screening_of

    made = screening_of(results)
    if ruleset is None:
        if made is not None:
            ruleset = made.ruleset
        else:
            from ..trial import ELIGIBILITY

            ruleset = ELIGIBILITY
    if params is None:
        params = made.params if made is not None and made.ruleset is ruleset else {}
    values = {name: value for name, value, _ in resolve_params(ruleset, params)}
    return ruleset, gates(values)


def _check(results: Any, ruleset: Ruleset, needed: Sequence[str]) -> None:
    absent = [c for c in needed if c not in results.columns]
    if absent:
        raise CriteriaInputError(
            "results",
            f"a table without {', '.join(repr(c) for c in absent[:3])}",
            f"a table that screen() returned for ruleset {ruleset.id!r}",
        )


def funnel(
    results: Any, ruleset: Ruleset | None = None, params: Mapping[str, object] | None = None
) -> Funnel:
    """The screening funnel of a result table, in CONSORT style.

    Args:
        results: a table :func:`~liverfail_criteria.screen` returned.
        ruleset: the ruleset it was screened with; found by itself for the table
            ``screen`` returned, else :data:`~liverfail_criteria.ELIGIBILITY`.
        params: the parameters it was screened with (they say which criteria gate);
            found by itself for the table ``screen`` returned.
    """
    pl = require("polars", extra="cohort", feature="lc.funnel")
    check_results(results)
    ruleset, gates = _ruleset_of(results, ruleset, params)
    plan = steps(ruleset, gates)
    needed = ["status", "missing", "errors", *(s.id for s in plan)]
    needed += [p for s in plan for p, _ in s.parts]
    _check(results, ruleset, needed)
    in_play = pl.repeat(True, pl.len())  # every row enters the first step
    rows: list[dict[str, Any]] = []
    for step in plan:
        col = pl.col(step.id)
        removed = (col if step.removes == "met" else ~col).fill_null(False)
        counts = results.select(
            entering=in_play.sum(),
            met=(in_play & col.fill_null(False)).sum(),
            not_met=(in_play & (~col).fill_null(False)).sum(),
            undetermined=(in_play & col.is_null()).sum(),
            removed=(in_play & removed).sum(),
        ).row(0, named=True)
        lacking = _lacking(results, in_play & col.is_null(), step.facts)
        rows.append(
            {
                "level": 0,
                "id": step.id,
                "label": step.label,
                "removes": step.removes,
                **counts,
                "remaining": counts["entering"] - counts["removed"],
                "lacking": lacking,
            }
        )
        for part_id, part_label in step.parts:
            part = pl.col(part_id)
            pcounts = results.select(
                entering=in_play.sum(),
                met=(in_play & part.fill_null(False)).sum(),
                not_met=(in_play & (~part).fill_null(False)).sum(),
                undetermined=(in_play & part.is_null()).sum(),
            ).row(0, named=True)
            rows.append(
                {
                    "level": 1,
                    "id": part_id,
                    "label": part_label,
                    "removes": None,
                    **pcounts,
                    "removed": None,
                    "remaining": None,
                    "lacking": [],
                }
            )
        in_play = in_play & ~removed
    lacking_type = pl.List(pl.Struct({"fact": pl.String, "rows": pl.Int64}))
    table = pl.DataFrame(
        rows,
        schema={
            "level": pl.Int8,
            "id": pl.String,
            "label": pl.String,
            "removes": pl.String,
            "entering": pl.Int64,
            "met": pl.Int64,
            "not_met": pl.Int64,
            "undetermined": pl.Int64,
            "removed": pl.Int64,
            "remaining": pl.Int64,
            "lacking": lacking_type,
        },
    )
    status = results["status"].cast(pl.String)
    return Funnel(
        table=table,
        screened=results.height,
        with_errors=int((results["errors"].list.len() > 0).sum()),
        eligible=int((status == "eligible").sum()),
        undetermined=int((status == "undetermined").sum()),
        ineligible=int((status == "ineligible").sum()),
    )


def _lacking(results: Any, rows: Any, facts: Sequence[str]) -> list[dict[str, Any]]:
    """How often each of ``facts`` is among the deciding missing facts of ``rows``."""
    import polars as pl

    if not facts:
        return []
    counted = (
        results.filter(rows)
        .select(pl.col("missing").explode().alias("fact"))
        .filter(pl.col("fact").is_in(list(facts)))
        .group_by("fact")
        .len("rows")
    )
    order = {f: i for i, f in enumerate(facts)}
    found = [(r["fact"], int(r["rows"])) for r in counted.iter_rows(named=True)]
    found.sort(key=lambda fr: (-fr[1], order[fr[0]]))
    return [{"fact": f, "rows": n} for f, n in found]


def missingness(
    results: Any, ruleset: Ruleset | None = None, params: Mapping[str, object] | None = None
) -> Any:
    """Per fact: how many rows lack it, hold it invalid, or need it to be decided.

    Returns a polars DataFrame, one row per fact the ruleset reads (in the order
    ``Result.missing`` lists them): ``in_table`` (the table had a column for it),
    ``empty`` (rows with no value, invalid cells not counted), ``invalid`` (rows whose
    cell was left out as invalid), ``deciding`` (undetermined rows for which the
    fact is among the missing facts that could decide them), and ``empty_share``.
    """
    pl = require("polars", extra="cohort", feature="lc.missingness")
    check_results(results)
    ruleset, gates = _ruleset_of(results, ruleset, params)
    _check(results, ruleset, ["missing", "errors"])
    from ..interpreters.facts import fact_order

    order = fact_order(ruleset, gates)
    n = results.height
    invalid = (
        results.select(pl.col("errors").explode().struct.field("field").alias("fact"))
        .drop_nulls()
        .group_by("fact")
        .len("invalid")
    )
    deciding = (
        results.select(pl.col("missing").explode().alias("fact"))
        .drop_nulls()
        .group_by("fact")
        .len("deciding")
    )
    record_fields: set[str] = set()
    empty_counts: dict[str, int] = {}
    if "record" in results.columns:
        record_fields = {f.name for f in results.schema["record"].fields}
        if record_fields:
            nulls = results.select(
                [pl.col("record").struct.field(f).is_null().sum().alias(f) for f in record_fields]
            ).row(0, named=True)
            empty_counts = {k: int(v) for k, v in nulls.items()}
    bad = {r["fact"]: int(r["invalid"]) for r in invalid.iter_rows(named=True)}
    need = {r["fact"]: int(r["deciding"]) for r in deciding.iter_rows(named=True)}
    rows = []
    for fact in order:
        in_table = fact in record_fields if record_fields else None
        if in_table:
            empty = empty_counts[fact] - bad.get(fact, 0)
        elif in_table is False:
            empty = n
        else:
            empty = None
        rows.append(
            {
                "fact": fact,
                "in_table": in_table,
                "empty": empty,
                "invalid": bad.get(fact, 0),
                "deciding": need.get(fact, 0),
                "empty_share": None if empty is None or n == 0 else empty / n,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "fact": pl.String,
            "in_table": pl.Boolean,
            "empty": pl.Int64,
            "invalid": pl.Int64,
            "deciding": pl.Int64,
            "empty_share": pl.Float64,
        },
    )
