"""The SQL interpreter: a ruleset compiled to SQL expressions over fact columns.

The twin of :mod:`..frame.compile`: the same criteria trees, node for node. A
three-valued outcome is a nullable boolean (NULL is UNKNOWN, and SQL's ``AND``, ``OR``
and ``NOT`` are Kleene's), and the facts whose absence leaves a node UNKNOWN are a bit
mask: BIGINT words, bit ``i % 63`` of word ``i // 63`` for fact ``i`` of
:func:`~liverfail_criteria.interpreters.facts.fact_order`. A node's mask is zero unless
its outcome is NULL. Each criterion and ruleset becomes a column named by its id, in
stages by dependency; derived quantities the reference rounds (a multiple of the ULN,
PaO2/FiO2) are computed and rounded (:mod:`.numeric`) in stages before the criteria.
"""

from __future__ import annotations

import datetime as dt
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
    Kind,
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
from ..frame.compile import _groups
from .cells import completed_years, fact_ref
from .dialect import SqlDialect
from .frame import Frame, ref, references
from .numeric import quantise_stages
from .ops import and_, case, coalesce, div, eq, ge, gt, is_null, le, lit, lt, mul, ne, not_, or_

__all__ = ["Compiled", "compile_ruleset", "mask_name", "node_name"]

_WORD = 63  # bits used per mask word (BIGINT, sign bit unused)
Mask = tuple[Any, ...]  # one expression (or None for a constant zero) per word


def node_name(id: str) -> str:
    """The internal column of the outcome of criterion or ruleset ``id``."""
    return f"node.{id}"


def mask_name(id: str, word: int) -> str:
    """The internal column of word ``word`` of node ``id``'s missing-facts mask."""
    return f"mask.{id}.{word}"


@attrs.frozen
class Compiled:
    """A ruleset compiled for one set of parameters.

    Attributes:
        ruleset: the ruleset.
        facts: every fact the ruleset reads, in order; fact ``i`` is bit ``i % 63`` of
            mask word ``i // 63``.
        criteria: every criterion, in order (one output column each).
        rulesets: every ruleset, in order, the root first (one output column each).
        groups: the rulesets whose group a MET outcome reports.
        apply: adds the derived quantities, criteria, rulesets and masks to a
            :class:`~.frame.Frame` whose fact columns :func:`.cells.read_cells` made.
    """

    ruleset: Ruleset
    facts: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    rulesets: tuple[Ruleset, ...]
    groups: tuple[Ruleset, ...]
    apply: Callable[[Frame], None]

    @property
    def words(self) -> int:
        """How many mask words a node has."""
        return max(1, -(-len(self.facts) // _WORD))

    def missing_list(self, d: SqlDialect) -> Any:
        """An expression: the root's missing facts as a list of names, in order."""
        from sqlglot import exp

        names = []
        for i, name in enumerate(self.facts):
            word = ref(mask_name(self.ruleset.id, i // _WORD))
            bit = exp.BitwiseAnd(this=word, expression=lit(1 << (i % _WORD)))
            names.append(case([(ne(exp.Paren(this=bit), lit(0)), lit(name))]))
        if not names:
            return d.empty(d.text_type())
        nothing = and_(
            *[eq(ref(mask_name(self.ruleset.id, w)), lit(0)) for w in range(self.words)]
        )
        return case([(nothing, d.empty(d.text_type()))], d.compact(names))


class _Compiler:
    def __init__(self, ruleset: Ruleset, params: Mapping[str, Native | None], d: SqlDialect):
        self.ruleset = ruleset
        self.params = params
        self.d = d
        self.facts = fact_order(ruleset, self.gates)
        self.bit = {name: i for i, name in enumerate(self.facts)}
        self.words = max(1, -(-len(self.facts) // _WORD))
        self.derived: list[dict[str, Any]] = []
        self.derived_ids: dict[int, tuple[str, int]] = {}
        self.nodes: list[tuple[str, Any, Mask]] = []
        self.done: set[str] = set()

    # masks -------------------------------------------------------------------------------
    def zero(self) -> Mask:
        return (None,) * self.words

    def fact_mask(self, name: str, value: Any) -> Mask:
        i = self.bit[name]
        mask: list[Any] = [None] * self.words
        mask[i // _WORD] = case([(is_null(value), lit(1 << (i % _WORD)))], lit(0))
        return tuple(mask)

    @staticmethod
    def union(masks: Sequence[Mask]) -> Mask:
        from sqlglot import exp

        words = []
        for parts in zip(*masks, strict=True):
            present = [p for p in parts if p is not None]
            word: Any = None
            for p in present:
                p = exp.Paren(this=p.copy())
                word = p if word is None else exp.BitwiseOr(this=word, expression=p)
            words.append(word)
        return tuple(words)

    @staticmethod
    def when_null(outcome: Any, mask: Mask) -> Mask:
        return tuple(None if w is None else case([(is_null(outcome), w)], lit(0)) for w in mask)

    # parameters --------------------------------------------------------------------------
    def param(self, p: Parameter) -> Native | None:
        return self.params.get(p.name)

    def gates(self, c: Criterion) -> bool:
        return c.gating if isinstance(c.gating, bool) else bool(self.param(c.gating))

    def literal(self, value: Native | None, kind: Kind) -> Any:
        d = self.d
        if value is None:
            return {
                Kind.QUANTITY: d.null("DOUBLE"),
                Kind.BOOLEAN: d.null("BOOLEAN"),
                Kind.ORDINAL: d.null("BIGINT"),
                Kind.CATEGORY: d.null(d.text_type()),
                Kind.DATE: d.null("DATE"),
            }[kind]
        if kind is Kind.QUANTITY:
            assert isinstance(value, (int, float))
            return d.double(float(value))
        if isinstance(value, dt.date):
            return d.date(value.isoformat())
        return lit(value)

    # values: (expression, mask, level) ---------------------------------------------------
    def value(self, e: Expr) -> tuple[Any, Mask, int]:
        from sqlglot import exp

        if isinstance(e, Variable):
            col = fact_ref(e.name)
            return col, self.fact_mask(e.name, col.copy()), 0
        if isinstance(e, Constant):
            return self.literal(e.value, e.type.kind), self.zero(), 0
        if isinstance(e, Parameter):
            return self.literal(self.param(e), e.type.kind), self.zero(), 0
        if isinstance(e, Choice):
            return self.value(e.if_true if self.param(e.parameter) else e.if_false)
        if isinstance(e, Scaled):
            inner, mask, level = self.value(e.operand)
            scaled = mul(inner, self.d.double(float(e.factor)))
            return self.derive(e, scaled, level), mask, level + 1
        if isinstance(e, Ratio):
            n, nmask, nlevel = self.value(e.numerator)
            dd, dmask, dlevel = self.value(e.denominator)
            ratio = case([(ne(dd, self.d.double(0.0)), div(n, dd.copy()))])
            level = max(nlevel, dlevel)
            return self.derive(e, ratio, level), self.union((nmask, dmask)), level + 1
        if isinstance(e, Coalesce):
            parts = [self.value(o) for o in e.operands]
            result = coalesce(*[p[0] for p in parts])
            mask = self.when_null(result, self.union([p[1] for p in parts]))
            return result, mask, max(p[2] for p in parts)
        if isinstance(e, (DaysBetween, YearsBetween)):
            a, amask, alevel = self.value(e.start)
            b, bmask, blevel = self.value(e.end)
            years = isinstance(e, YearsBetween)
            n = completed_years(self.d, a, b) if years else self.d.days(a, b)
            return exp.cast(n, "DOUBLE"), self.union((amask, bmask)), max(alevel, blevel)
        raise DefinitionError(f"cannot evaluate {type(e).__name__} as a value")

    def derive(self, e: Expr, expression: Any, level: int) -> Any:
        """A derived quantity, rounded in stage ``level`` and read from its column."""
        key = id(e)
        if key not in self.derived_ids:
            while len(self.derived) <= level:
                self.derived.append({})
            name = f"derived.{len(self.derived_ids)}"
            self.derived[level][name] = expression
            self.derived_ids[key] = (name, level)
        return ref(self.derived_ids[key][0])

    # predicates: (outcome, mask) ---------------------------------------------------------
    def node(self, e: Expr) -> tuple[Any, Mask]:
        if isinstance(e, (Criterion, Ruleset)):
            self.materialise(e)
            return ref(node_name(e.id)), tuple(ref(mask_name(e.id, w)) for w in range(self.words))
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
            return not_(outcome), mask
        if isinstance(e, Choice):
            return self.node(e.if_true if self.param(e.parameter) else e.if_false)
        if isinstance(e, Coalesce):
            parts = [self.node(o) for o in e.operands]
            outcome = coalesce(*[p[0] for p in parts])
            return outcome, self.when_null(outcome, self.union([p[1] for p in parts]))
        if isinstance(e, Compare):
            left, lmask, _ = self.value(e.left)
            right, rmask, _ = self.value(e.right)
            build = {"<": lt, "<=": le, ">": gt, ">=": ge, "==": eq, "!=": ne}[e.op]
            return build(left, right), self.union((lmask, rmask))
        if isinstance(e, (Variable, Parameter, Constant)):
            from sqlglot import exp

            value, mask, _ = self.value(e)
            return exp.cast(value, "BOOLEAN"), mask
        raise DefinitionError(f"cannot evaluate {type(e).__name__} as true/false")

    def counts(self, e: Expr) -> bool:
        """Whether a child counts in its parent: informational criteria do not."""
        return not isinstance(e, Criterion) or self.gates(e)

    def combine(self, mode: str, children: list[tuple[Any, Mask]]) -> tuple[Any, Mask]:
        if not children:
            return lit(mode == "all"), self.zero()
        build = and_ if mode == "all" else or_
        outcome = build(*[c[0] for c in children])
        return outcome, self.when_null(outcome, self.union([c[1] for c in children]))

    def at_least(self, n: int, children: list[tuple[Any, Mask]]) -> tuple[Any, Mask]:
        from sqlglot import exp

        outcomes = [c[0] for c in children]
        met: Any = None
        unknown: Any = None
        for o in outcomes:
            m = case([(coalesce(o, lit(False)), lit(1))], lit(0))
            u = case([(is_null(o), lit(1))], lit(0))
            met = m if met is None else exp.Add(this=met, expression=m)
            unknown = u if unknown is None else exp.Add(this=unknown, expression=u)
        outcome = case(
            [
                (ge(met, lit(n)), lit(True)),
                (
                    lt(
                        exp.Add(
                            this=exp.Paren(this=met.copy()), expression=exp.Paren(this=unknown)
                        ),
                        lit(n),
                    ),
                    lit(False),
                ),
            ],
            self.d.null("BOOLEAN"),
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
        self.done.add(e.id)
        self.nodes.append((e.id, outcome, mask))


def compile_ruleset(
    ruleset: Ruleset, params: Mapping[str, Native | None], d: SqlDialect
) -> Compiled:
    """Compile ``ruleset`` with the parameters' canonical values (``None``: unset)."""
    from sqlglot import exp

    compiler = _Compiler(ruleset, params, d)
    compiler.materialise(ruleset)
    words = compiler.words
    derived = compiler.derived
    nodes = compiler.nodes

    def apply(frame: Frame) -> None:
        for stage in derived:
            quantise_stages(frame, d, stage)
        # Each criterion and ruleset reads the columns of those compiled before it.
        levels: dict[str, int] = {}
        batches: list[dict[str, Any]] = []
        for id, outcome, mask in nodes:
            read = set().union(*(references(x) for x in (outcome, *mask) if x is not None))
            deps = [levels[i] for i in levels if node_name(i) in read]
            level = 1 + max(deps, default=-1)
            levels[id] = level
            while len(batches) <= level:
                batches.append({})
            batches[level][node_name(id)] = exp.cast(outcome, "BOOLEAN")
            for w in range(words):
                batches[level][mask_name(id, w)] = (
                    exp.cast(mask[w], "BIGINT")
                    if mask[w] is not None
                    else exp.cast(lit(0), "BIGINT")
                )
        for batch in batches:
            frame.add(batch)

    return Compiled(
        ruleset,
        compiler.facts,
        ruleset.criteria(),
        ruleset.rulesets(),
        _groups(ruleset),
        apply,
    )
