"""The screening funnel (CONSORT style) and the missingness of facts, from a result table.

Both read only the table :func:`~liverfail_criteria.screen` returned (any engine's), so
they can be drawn again from a saved result. The funnel takes the eligibility rule's
steps in order: a step removes the rows it decides against (an inclusion step those
NOT_MET, an exclusion those MET) and lets the undetermined ones through, counted. So
the counts add up: the rows removed are the ineligible ones, and the rows left after
the last step are the eligible and the undetermined.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ..dsl import Criterion, Expr, Not, Ruleset, Variable, walk
from ..errors import CriteriaInputError
from ..extras import require
from .inputs import check_results

__all__ = ["Funnel", "Step", "Tally", "funnel", "missingness"]


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
    require("polars", extra="cohort", feature="lc.funnel")
    check_results(results)
    tally = Tally(ruleset, params)
    tally.add(results)
    return tally.funnel()


class Tally:
    """The counts a funnel and a missingness table are made of, added up batch by batch.

    Every count is a sum over rows, so the tally of a table's batches is the tally of
    the table: a screening written out in batches (the command line, ``lc.screen(...,
    out=...)``) gets its funnel without holding its result.
    """

    def __init__(
        self,
        ruleset: Ruleset | None = None,
        params: Mapping[str, object] | None = None,
        *,
        funnel: bool = True,
    ) -> None:
        """A tally for results screened with ``ruleset`` and ``params`` (as for ``funnel``).

        ``funnel=False`` counts only what :func:`missingness` needs (a table without
        the steps' columns will do).
        """
        self._given = (ruleset, params)
        self._steps = funnel
        self._ruleset: Ruleset | None = None
        self._gates: Callable[[Criterion], bool] | None = None
        self._plan: tuple[Step, ...] = ()
        self._counts: list[Counter[str]] = []
        self._lacking: list[Counter[str]] = []
        self._totals: Counter[str] = Counter()
        self._invalid: Counter[str] = Counter()
        self._deciding: Counter[str] = Counter()
        self._nulls: Counter[str] = Counter()
        self._record_fields: set[str] | None = None

    def add(self, results: Any) -> None:
        """Count a result table (or a batch of one) in."""
        import polars as pl

        if self._ruleset is None:
            self._ruleset, self._gates = _ruleset_of(results, *self._given)
            self._plan = steps(self._ruleset, self._gates)
            self._counts = [Counter() for _ in self._rows_of_plan()]
            self._lacking = [Counter() for _ in self._plan]
            if "record" in results.columns:
                self._record_fields = {f.name for f in results.schema["record"].fields}
        if self._steps:
            self._count_steps(results)
        _check(results, self._ruleset, ["missing", "errors"])
        self._totals["screened"] += results.height
        invalid = (
            results.select(pl.col("errors").explode().struct.field("field").alias("fact"))
            .drop_nulls()
            .group_by("fact")
            .len("n")
        )
        self._invalid.update(dict(invalid.iter_rows()))
        deciding = (
            results.select(pl.col("missing").explode().alias("fact"))
            .drop_nulls()
            .group_by("fact")
            .len("n")
        )
        self._deciding.update(dict(deciding.iter_rows()))
        if self._record_fields:
            nulls = results.select(
                [
                    pl.col("record").struct.field(f).is_null().sum().alias(f)
                    for f in self._record_fields
                ]
            ).row(0, named=True)
            self._nulls.update({k: int(v) for k, v in nulls.items()})

    def _count_steps(self, results: Any) -> None:
        """Each step's counts and lacking facts, and the statuses, counted in."""
        import polars as pl

        assert self._ruleset is not None
        needed = ["status", "missing", "errors", *(s.id for s in self._plan)]
        needed += [p for s in self._plan for p, _ in s.parts]
        _check(results, self._ruleset, needed)
        in_play = pl.repeat(True, pl.len())  # every row enters the first step
        row = 0
        for i, step in enumerate(self._plan):
            col = pl.col(step.id)
            removed = (col if step.removes == "met" else ~col).fill_null(False)
            counts = results.select(
                entering=in_play.sum(),
                met=(in_play & col.fill_null(False)).sum(),
                not_met=(in_play & (~col).fill_null(False)).sum(),
                undetermined=(in_play & col.is_null()).sum(),
                removed=(in_play & removed).sum(),
            ).row(0, named=True)
            self._counts[row].update(counts)
            self._lacking[i].update(_lacking(results, in_play & col.is_null(), step.facts))
            row += 1
            for part_id, _ in step.parts:
                part = pl.col(part_id)
                pcounts = results.select(
                    entering=in_play.sum(),
                    met=(in_play & part.fill_null(False)).sum(),
                    not_met=(in_play & (~part).fill_null(False)).sum(),
                    undetermined=(in_play & part.is_null()).sum(),
                ).row(0, named=True)
                self._counts[row].update(pcounts)
                row += 1
            in_play = in_play & ~removed
        status = results["status"].cast(pl.String)
        self._totals.update(
            with_errors=int((results["errors"].list.len() > 0).sum()),
            eligible=int((status == "eligible").sum()),
            undetermined=int((status == "undetermined").sum()),
            ineligible=int((status == "ineligible").sum()),
        )

    def _rows_of_plan(self) -> list[tuple[int, str, str, str | None]]:
        """The funnel's rows: (level, id, label, removes), each step then its parts."""
        rows: list[tuple[int, str, str, str | None]] = []
        for step in self._plan:
            rows.append((0, step.id, step.label, step.removes))
            rows.extend((1, part_id, label, None) for part_id, label in step.parts)
        return rows

    def funnel(self) -> Funnel:
        """The funnel of every row counted in."""
        import polars as pl

        if self._ruleset is None or not self._steps:
            raise CriteriaInputError("results", "nothing", "at least one result table")
        rows: list[dict[str, Any]] = []
        lacking = iter(self._lacking)
        for (level, id_, label, removes), counts in zip(
            self._rows_of_plan(), self._counts, strict=True
        ):
            row: dict[str, Any] = {
                "level": level,
                "id": id_,
                "label": label,
                "removes": removes,
                **{k: counts[k] for k in ("entering", "met", "not_met", "undetermined")},
                "removed": None,
                "remaining": None,
                "lacking": [],
            }
            if level == 0:
                row["removed"] = counts["removed"]
                row["remaining"] = counts["entering"] - counts["removed"]
                row["lacking"] = _ordered(next(lacking), self._plan_facts(id_))
            rows.append(row)
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
        t = self._totals
        return Funnel(
            table=table,
            screened=t["screened"],
            with_errors=t["with_errors"],
            eligible=t["eligible"],
            undetermined=t["undetermined"],
            ineligible=t["ineligible"],
        )

    def _plan_facts(self, step_id: str) -> tuple[str, ...]:
        return next(s.facts for s in self._plan if s.id == step_id)

    def missingness(self) -> Any:
        """The missingness table (see :func:`missingness`) of every row counted in."""
        import polars as pl

        from ..interpreters.facts import fact_order

        if self._ruleset is None or self._gates is None:
            raise CriteriaInputError("results", "nothing", "at least one result table")
        n = self._totals["screened"]
        fields = self._record_fields
        rows = []
        for fact in fact_order(self._ruleset, self._gates):
            in_table = fact in fields if fields else None
            if in_table:
                empty: int | None = self._nulls[fact] - self._invalid[fact]
            elif in_table is False:
                empty = n
            else:
                empty = None
            rows.append(
                {
                    "fact": fact,
                    "in_table": in_table,
                    "empty": empty,
                    "invalid": self._invalid[fact],
                    "deciding": self._deciding[fact],
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


def _ordered(counts: Counter[str], facts: Sequence[str]) -> list[dict[str, Any]]:
    """Lacking facts, most frequent first, then in the step's order of facts."""
    order = {f: i for i, f in enumerate(facts)}
    found = sorted(counts.items(), key=lambda fr: (-fr[1], order[fr[0]]))
    return [{"fact": f, "rows": n} for f, n in found if n]


def _lacking(results: Any, rows: Any, facts: Sequence[str]) -> dict[str, int]:
    """How often each of ``facts`` is among the deciding missing facts of ``rows``."""
    import polars as pl

    if not facts:
        return {}
    counted = (
        results.filter(rows)
        .select(pl.col("missing").explode().alias("fact"))
        .filter(pl.col("fact").is_in(list(facts)))
        .group_by("fact")
        .len("rows")
    )
    return {r["fact"]: int(r["rows"]) for r in counted.iter_rows(named=True)}


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
    require("polars", extra="cohort", feature="lc.missingness")
    check_results(results)
    tally = Tally(ruleset, params, funnel=False)
    tally.add(results)
    return tally.missingness()
