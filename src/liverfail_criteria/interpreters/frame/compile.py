"""The cohort interpreter: a ruleset compiled to polars expressions over fact columns.

The same criteria trees the reference interpreter walks (:mod:`..record`) become
vectorised polars expressions: a three-valued outcome is a nullable boolean (null is
UNKNOWN, and polars' ``&``, ``|`` and ``~`` are Kleene's), and the facts whose absence
leaves a node UNKNOWN are a bit mask, one bit per fact the ruleset reads (in the order
of :meth:`Ruleset.variables`, as :attr:`Result.missing` lists them). A node's mask is
zero unless its outcome is null, exactly as the reference interpreter's
``Node.missing`` is empty unless its outcome is UNKNOWN.

Each criterion and ruleset becomes a column named by its id (its mask an internal
column beside it), so expressions are shared, not repeated. Derived quantities that
the reference rounds (a multiple of the ULN, PaO2/FiO2) are computed in stages before
the criteria and rounded as it rounds them (:mod:`.numeric`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from ...dsl import (
    AllOf,
    AnyOf,
    AtLeast,
    Choice,
    Coalesce,
    Compare,
    Constant,
    Criterion,
    DaysBetween,
    Expr,
    Not,
    Parameter,
    Ratio,
    Ruleset,
    Scaled,
    Variable,
    YearsBetween,
)
from ...errors import DefinitionError
from ..facts import Native, fact_order
from .cells import _completed_years, fact_column
from .numeric import quantise_columns

__all__ = ["Compiled", "compile_ruleset", "mask_column"]

_WORD = 63  # bits used per mask word (Int64, sign bit unused)
_P = "__lc."


def _ZERO() -> Any:
    import polars as pl

    return pl.lit(0, dtype=pl.Int64)


def mask_column(id: str, word: int) -> str:
    """The internal column of word ``word`` of node ``id``'s missing-facts mask."""
    return f"{_P}mask.{id}.{word}"


@attrs.frozen
class Compiled:
    """A ruleset compiled for one set of parameters.

    Attributes:
        ruleset: the ruleset.
        facts: every fact the ruleset reads, in order; fact ``i`` is bit ``i % 63`` of
            mask word ``i // 63``.
        criteria: every criterion, in order (one output column each).
        rulesets: every ruleset, in order, the root first (one output column each).
        groups: the rulesets whose group a MET outcome reports, as the reference
            interpreter finds them (through rulesets and negations from the root).
        outcomes: adds a column per criterion and ruleset to a LazyFrame whose fact
            columns :func:`.cells.read_cells` made.
        masks: adds the missing-facts masks of every criterion and ruleset to a
            LazyFrame ``outcomes`` made (cheapest on the undetermined rows alone).
    """

    ruleset: Ruleset
    facts: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    rulesets: tuple[Ruleset, ...]
    groups: tuple[Ruleset, ...]
    outcomes: Callable[[Any], Any]
    masks: Callable[[Any], Any]

    @property
    def words(self) -> int:
        """How many mask words a node has."""
        return max(1, -(-len(self.facts) // _WORD))

    def decode(self, words: Sequence[int]) -> list[str]:
        """The facts a mask stands for, in order."""
        return [
            name
            for i, name in enumerate(self.facts)
            if words[i // _WORD] is not None and words[i // _WORD] >> (i % _WORD) & 1
        ]


Mask = tuple[Any, ...]  # one expression (or None for a constant zero) per word


class _Compiler:
    def __init__(self, ruleset: Ruleset, params: Mapping[str, Native | None]) -> None:
        self.ruleset = ruleset
        self.params = params
        self.facts = fact_order(ruleset, self.gates)
        self.bit = {name: i for i, name in enumerate(self.facts)}
        self.words = max(1, -(-len(self.facts) // _WORD))
        # derived quantities to be rounded, by stage: {column: expression}
        self.derived: list[dict[str, Any]] = []
        self.derived_ids: dict[int, tuple[str, int]] = {}
        # criteria and rulesets, in dependency order: (id, outcome, mask)
        self.nodes: list[tuple[str, Any, Mask]] = []
        self.done: dict[str, int] = {}  # id -> dependency level

    # masks -----------------------------------------------------------------------------
    def zero(self) -> Mask:
        return (None,) * self.words

    def fact_mask(self, name: str, value: Any) -> Mask:
        import polars as pl

        i = self.bit[name]
        mask: list[Any] = [None] * self.words
        bit = pl.lit(1 << (i % _WORD), dtype=pl.Int64)
        mask[i // _WORD] = pl.when(value.is_null()).then(bit).otherwise(_ZERO())
        return tuple(mask)

    @staticmethod
    def union(masks: Sequence[Mask]) -> Mask:
        words = []
        for parts in zip(*masks, strict=True):
            present = [p for p in parts if p is not None]
            words.append(functools.reduce(lambda a, b: a | b, present) if present else None)
        return tuple(words)

    @staticmethod
    def when_null(outcome: Any, mask: Mask) -> Mask:
        import polars as pl

        return tuple(
            None if w is None else pl.when(outcome.is_null()).then(w).otherwise(_ZERO())
            for w in mask
        )

    # parameters ------------------------------------------------------------------------
    def param(self, p: Parameter) -> Native | None:
        return self.params.get(p.name)

    def gates(self, c: Criterion) -> bool:
        return c.gating if isinstance(c.gating, bool) else bool(self.param(c.gating))

    # values: (expression, mask, level) ---------------------------------------------------
    def value(self, e: Expr) -> tuple[Any, Mask, int]:
        import polars as pl

        if isinstance(e, Variable):
            col = pl.col(fact_column(e.name))
            return col, self.fact_mask(e.name, col), 0
        if isinstance(e, Constant):
            return pl.lit(e.value), self.zero(), 0
        if isinstance(e, Parameter):
            return pl.lit(self.param(e)), self.zero(), 0
        if isinstance(e, Choice):
            return self.value(e.if_true if self.param(e.parameter) else e.if_false)
        if isinstance(e, Scaled):
            inner, mask, level = self.value(e.operand)
            return self.derive(e, inner * e.factor, level), mask, level + 1
        if isinstance(e, Ratio):
            n, nmask, nlevel = self.value(e.numerator)
            d, dmask, dlevel = self.value(e.denominator)
            ratio = pl.when(d != 0).then(n / d)
            level = max(nlevel, dlevel)
            return self.derive(e, ratio, level), self.union((nmask, dmask)), level + 1
        if isinstance(e, Coalesce):
            parts = [self.value(o) for o in e.operands]
            result = pl.coalesce([p[0] for p in parts])
            mask = self.when_null(result, self.union([p[1] for p in parts]))
            return result, mask, max(p[2] for p in parts)
        if isinstance(e, (DaysBetween, YearsBetween)):
            a, amask, alevel = self.value(e.start)
            b, bmask, blevel = self.value(e.end)
            years = isinstance(e, YearsBetween)
            n = _completed_years(a, b) if years else (b - a).dt.total_days()
            return n.cast(pl.Float64), self.union((amask, bmask)), max(alevel, blevel)
        raise DefinitionError(f"cannot evaluate {type(e).__name__} as a value")

    def derive(self, e: Expr, expr: Any, level: int) -> Any:
        """A derived quantity, rounded in stage ``level`` and read from its column."""
        import polars as pl

        key = id(e)
        if key not in self.derived_ids:
            while len(self.derived) <= level:
                self.derived.append({})
            name = f"{_P}derived.{len(self.derived_ids)}"
            self.derived[level][name] = expr
            self.derived_ids[key] = (name, level)
        return pl.col(self.derived_ids[key][0])

    # predicates: (outcome, mask) ---------------------------------------------------------
    def node(self, e: Expr) -> tuple[Any, Mask]:
        import polars as pl

        if isinstance(e, (Criterion, Ruleset)):
            self.materialise(e)
            return pl.col(e.id), tuple(pl.col(mask_column(e.id, w)) for w in range(self.words))
        if isinstance(e, (AllOf, AnyOf)):
            children = [(self.node(o), self.counts(o)) for o in e.operands]
            gating = [c for c, counts in children if counts]
            return self.combine("all" if isinstance(e, AllOf) else "any", gating)
        if isinstance(e, AtLeast):
            children = [(self.node(o), self.counts(o)) for o in e.operands]
            gating = [c for c, counts in children if counts]
            return self.at_least(e.n, gating)
        if isinstance(e, Not):
            outcome, mask = self.node(e.operand)
            return ~outcome, mask
        if isinstance(e, Choice):
            return self.node(e.if_true if self.param(e.parameter) else e.if_false)
        if isinstance(e, Coalesce):
            parts = [self.node(o) for o in e.operands]
            outcome = pl.coalesce([p[0] for p in parts])
            return outcome, self.when_null(outcome, self.union([p[1] for p in parts]))
        if isinstance(e, Compare):
            left, lmask, _ = self.value(e.left)
            right, rmask, _ = self.value(e.right)
            op = e.op
            outcome = {
                "<": left < right,
                "<=": left <= right,
                ">": left > right,
                ">=": left >= right,
                "==": left == right,
                "!=": left != right,
            }[op]
            return outcome, self.union((lmask, rmask))
        if isinstance(e, (Variable, Parameter, Constant)):
            value, mask, _ = self.value(e)
            return value.cast(pl.Boolean), mask
        raise DefinitionError(f"cannot evaluate {type(e).__name__} as true/false")

    def counts(self, e: Expr) -> bool:
        """Whether a child counts in its parent: informational criteria do not."""
        return not isinstance(e, Criterion) or self.gates(e)

    def combine(self, mode: str, children: list[tuple[Any, Mask]]) -> tuple[Any, Mask]:
        import polars as pl

        if not children:
            return pl.lit(mode == "all", dtype=pl.Boolean), self.zero()
        op = (lambda a, b: a & b) if mode == "all" else (lambda a, b: a | b)
        outcome = functools.reduce(op, [c[0] for c in children])
        return outcome, self.when_null(outcome, self.union([c[1] for c in children]))

    def at_least(self, n: int, children: list[tuple[Any, Mask]]) -> tuple[Any, Mask]:
        import polars as pl

        outcomes = [c[0] for c in children]
        met = pl.sum_horizontal([o.fill_null(False).cast(pl.Int32) for o in outcomes])
        unknown = pl.sum_horizontal([o.is_null().cast(pl.Int32) for o in outcomes])
        outcome = (
            pl.when(met >= n)
            .then(True)
            .when(met + unknown < n)
            .then(False)
            .otherwise(pl.lit(None, dtype=pl.Boolean))
        )
        return outcome, self.when_null(outcome, self.union([c[1] for c in children]))

    def materialise(self, e: Criterion | Ruleset) -> None:
        """Compile a criterion or ruleset into its own column (once)."""
        if e.id in self.done:
            return
        if isinstance(e, Criterion):
            outcome, mask = self.node(e.expr)
        else:
            members = [(self.node(m), self.counts(m)) for m in e.members]
            outcome, mask = self.combine(e.mode, [c for c, counts in members if counts])
        self.done[e.id] = len(self.nodes)
        self.nodes.append((e.id, outcome, mask))


def _groups(ruleset: Ruleset) -> tuple[Ruleset, ...]:
    """The rulesets whose groups a result reports.

    As the reference interpreter finds them: through rulesets and negations from the root.
    """
    found: list[Ruleset] = []

    def visit(e: Expr) -> None:
        if isinstance(e, Ruleset):
            if e.group is not None and e not in found:
                found.append(e)
            for m in e.members:
                visit(m)
        elif isinstance(e, Not):
            visit(e.operand)

    visit(ruleset)
    return tuple(found)


def compile_ruleset(ruleset: Ruleset, params: Mapping[str, Native | None]) -> Compiled:
    """Compile ``ruleset`` with the parameters' canonical values (``None``: unset)."""
    import polars as pl

    compiler = _Compiler(ruleset, params)
    compiler.materialise(ruleset)
    words = compiler.words
    derived = compiler.derived
    nodes = compiler.nodes

    # Each criterion and ruleset reads the columns of those compiled before it.
    levels: dict[str, int] = {}
    for id, outcome, mask in nodes:
        deps = [levels[d] for d in _references(outcome, mask, levels)]
        levels[id] = 1 + max(deps, default=-1)

    def batches(masks: bool) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = [{} for _ in range(1 + max(levels.values(), default=0))]
        for id, outcome, mask in nodes:
            if not masks:
                out[levels[id]][id] = outcome.cast(pl.Boolean)
                continue
            for w in range(words):
                word = mask[w] if mask[w] is not None else _ZERO()
                out[levels[id]][mask_column(id, w)] = word
        return out

    def outcomes(lf: Any) -> Any:
        for stage in derived:
            lf = quantise_columns(lf, stage)
        for batch in batches(masks=False):
            lf = lf.with_columns(**batch)
        return lf

    def masks(lf: Any) -> Any:
        for batch in batches(masks=True):
            lf = lf.with_columns(**batch)
        return lf

    rulesets = tuple(n for n in ruleset.rulesets())
    return Compiled(
        ruleset,
        compiler.facts,
        ruleset.criteria(),
        rulesets,
        _groups(ruleset),
        outcomes,
        masks,
    )


def _references(outcome: Any, mask: Mask, known: Mapping[str, int]) -> list[str]:
    """The criterion and ruleset columns an expression reads."""
    names: set[str] = set()
    for e in (outcome, *[m for m in mask if m is not None]):
        names.update(e.meta.root_names())
    return [n for n in names if n in known]
