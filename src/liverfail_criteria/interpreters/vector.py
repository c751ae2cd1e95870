"""The vectorised interpreters' compiler: a ruleset as column expressions, any engine.

The polars engine (:mod:`.frame.compile`) and the SQL compiler (:mod:`.sql.compile`)
walk the criteria trees the same way; only the expressions they build differ. This
module holds the walk, once; each engine supplies a :class:`Backend` that builds its
expressions.

A three-valued outcome is a nullable boolean: null is UNKNOWN, and both engines'
``and``, ``or`` and ``not`` are Kleene's. The facts whose absence leaves a node UNKNOWN
are a bit mask: fact ``i`` of :func:`.facts.fact_order` is bit ``i % 63`` of 64-bit
word ``i // 63`` (the sign bit unused). A node's mask is zero unless its outcome is
null, exactly as the reference interpreter's ``Node.missing`` is empty unless its
outcome is UNKNOWN.

The result is a :class:`Program`: the derived quantities the reference rounds (a
multiple of the ULN, PaO2/FiO2), in stages, each reading the previous stages' columns;
then each criterion and ruleset as one column (and its mask as columns beside it), in
levels, each reading only the columns of lower levels. The engine adds them in order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, cast

import attrs

from ..dsl import (
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
    group_paths,
)
from ..dsl.nodes import Op
from ..errors import DefinitionError
from ..records.value import interval_rule
from ..units import quantise
from .facts import CHECKED_FACTS, Native, fact_order, gates
from .thresholds import exact_bounds

__all__ = [
    "MASK_BITS",
    "Backend",
    "Program",
    "compile_program",
    "decode",
    "mask_position",
    "mask_words",
]

#: Bits used in each 64-bit mask word (the sign bit is not).
MASK_BITS = 63

Mask = tuple[Any, ...]  # one expression per word, or None for a constant zero


def mask_words(facts: int) -> int:
    """How many words a mask of ``facts`` facts needs (at least one)."""
    return max(1, -(-facts // MASK_BITS))


def mask_position(i: int) -> tuple[int, int]:
    """The word of fact ``i``, and the value of its bit in that word."""
    return i // MASK_BITS, 1 << (i % MASK_BITS)


def decode(facts: Sequence[str], words: Sequence[int | None]) -> list[str]:
    """The facts a mask stands for, in order."""
    found = []
    for i, name in enumerate(facts):
        word, bit = mask_position(i)
        value = words[word]
        if value is not None and value & bit:
            found.append(name)
    return found


class Backend(Protocol):
    """What an engine builds expressions with. Every method returns an expression."""

    def derived(self, name: str) -> Any:
        """The column of derived quantity ``name`` (``derived.0``, ...)."""

    def node(self, id: str) -> Any:
        """The column of the outcome of criterion or ruleset ``id``."""

    def mask(self, id: str, word: int) -> Any:
        """The column of word ``word`` of node ``id``'s mask."""

    def fact(self, name: str) -> Any:
        """Fact ``name``'s value in its canonical unit (null where missing).

        A quantity's value is the number times its unit's factor, not yet rounded to
        12 significant digits: a comparison with a constant reads it through exact
        thresholds (:mod:`.thresholds`), any other use through a rounding stage. (A
        value that is rounded already does as well: rounding is idempotent.)
        """

    def bound(self, name: str) -> Any:
        """Censored fact ``name``'s bound, canonical and unrounded (null unless censored)."""

    def comparator(self, name: str) -> Any:
        """Censored fact ``name``'s comparator: ``<``, ``<=``, ``>``, ``>=`` (else null)."""

    def when(self, condition: Any, value: Any) -> Any:
        """``value`` where ``condition`` is true, else null."""

    def literal(self, value: Native | None, kind: Kind) -> Any:
        """A constant of ``kind`` (``None``: a null of that kind)."""

    def boolean(self, value: bool) -> Any:
        """The constant true or false."""

    def compare(self, op: Op, left: Any, right: Any) -> Any:
        """``left op right``, null if either is."""

    def all_of(self, outcomes: Sequence[Any]) -> Any:
        """Kleene conjunction."""

    def any_of(self, outcomes: Sequence[Any]) -> Any:
        """Kleene disjunction."""

    def negate(self, outcome: Any) -> Any:
        """Kleene negation."""

    def at_least(self, n: int, outcomes: Sequence[Any]) -> Any:
        """True if at least ``n`` are true, false if even the nulls cannot make ``n``."""

    def coalesce(self, values: Sequence[Any]) -> Any:
        """The first value that is not null."""

    def as_boolean(self, value: Any) -> Any:
        """A value of a true/false fact or parameter, as a boolean."""

    def scaled(self, value: Any, factor: float) -> Any:
        """``value * factor`` (before rounding)."""

    def ratio(self, numerator: Any, denominator: Any) -> Any:
        """``numerator / denominator``, null where the denominator is 0."""

    def days(self, start: Any, end: Any) -> Any:
        """Whole days from date ``start`` to date ``end``, as a double."""

    def years(self, start: Any, end: Any) -> Any:
        """Completed calendar years from ``start`` to ``end``, as a double."""

    def bit_if_null(self, value: Any, bit: int) -> Any:
        """``bit`` where ``value`` is null, else 0 (a 64-bit integer)."""

    def bits_or(self, words: Sequence[Any]) -> Any:
        """The bitwise or of mask words."""

    def bits_if_null(self, outcome: Any, word: Any) -> Any:
        """``word`` where ``outcome`` is null, else 0."""


@attrs.frozen
class Program:
    """A ruleset compiled for one set of parameters, for one engine.

    Attributes:
        ruleset: the ruleset.
        facts: every fact the ruleset reads, in order (their mask bits).
        criteria: every criterion, in order (one output column each).
        rulesets: every ruleset, in order, the root first (one output column each).
        groups: the rulesets whose group a MET outcome reports, as the reference
            interpreter finds them.
        derived: stages of ``{column: expression}``: derived quantities to be rounded.
        levels: levels of ``(id, outcome, mask)``: each criterion and ruleset.
    """

    ruleset: Ruleset
    facts: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    rulesets: tuple[Ruleset, ...]
    groups: tuple[Ruleset, ...]
    derived: tuple[Mapping[str, Any], ...]
    levels: tuple[tuple[tuple[str, Any, Mask], ...], ...]

    @property
    def words(self) -> int:
        """How many mask words a node has."""
        return mask_words(len(self.facts))


#: A comparison with its sides swapped: ``t < x`` is ``x > t``.
_FLIPPED: dict[Op, Op] = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


class _Compiler:
    def __init__(
        self, ruleset: Ruleset, params: Mapping[str, Native | None], backend: Backend
    ) -> None:
        self.b = backend
        self.params = params
        self.gates = gates(params)
        self.facts = fact_order(ruleset, self.gates)
        self.bit = {name: i for i, name in enumerate(self.facts)}
        self.words = mask_words(len(self.facts))
        self.derived: list[dict[str, Any]] = []
        self.derived_ids: dict[object, tuple[str, int]] = {}
        self.nodes: dict[str, tuple[int, Any, Mask]] = {}  # id -> (level, outcome, mask)
        self.reading: list[set[str]] = []  # the nodes each node being compiled reads

    # masks -------------------------------------------------------------------------------
    def zero(self) -> Mask:
        return (None,) * self.words

    def fact_mask(self, name: str, value: Any) -> Mask:
        word, bit = mask_position(self.bit[name])
        mask: list[Any] = [None] * self.words
        mask[word] = self.b.bit_if_null(value, bit)
        return tuple(mask)

    def union(self, masks: Sequence[Mask]) -> Mask:
        words = []
        for parts in zip(*masks, strict=True):
            present = [p for p in parts if p is not None]
            words.append(self.b.bits_or(present) if present else None)
        return tuple(words)

    def when_null(self, outcome: Any, mask: Mask) -> Mask:
        return tuple(None if w is None else self.b.bits_if_null(outcome, w) for w in mask)

    def param(self, p: Parameter) -> Native | None:
        return self.params.get(p.name)

    # values: (expression, mask, stage) -------------------------------------------------
    def value(self, e: Expr) -> tuple[Any, Mask, int]:
        b = self.b
        if isinstance(e, Variable):
            mask = self.fact_mask(e.name, b.fact(e.name))
            if e.type.kind is Kind.QUANTITY and e.name not in CHECKED_FACTS:
                # rounded as the reference rounds it (the checked facts are, when read)
                return self.derive(e.name, b.fact(e.name), 0), mask, 1
            return b.fact(e.name), mask, 0
        if isinstance(e, Constant):
            return b.literal(e.value, e.type.kind), self.zero(), 0
        if isinstance(e, Parameter):
            return b.literal(self.param(e), e.type.kind), self.zero(), 0
        if isinstance(e, Choice):
            return self.value(e.if_true if self.param(e.parameter) else e.if_false)
        if isinstance(e, Scaled):
            inner, mask, stage = self.value(e.operand)
            return self.derive(id(e), b.scaled(inner, e.factor), stage), mask, stage + 1
        if isinstance(e, Ratio):
            n, nmask, nstage = self.value(e.numerator)
            d, dmask, dstage = self.value(e.denominator)
            stage = max(nstage, dstage)
            return (
                self.derive(id(e), b.ratio(n, d), stage),
                self.union((nmask, dmask)),
                stage + 1,
            )
        if isinstance(e, Coalesce):
            parts = [self.value(o) for o in e.operands]
            result = b.coalesce([p[0] for p in parts])
            mask = self.when_null(result, self.union([p[1] for p in parts]))
            return result, mask, max(p[2] for p in parts)
        if isinstance(e, (DaysBetween, YearsBetween)):
            start, smask, sstage = self.value(e.start)
            end, emask, estage = self.value(e.end)
            n = b.years(start, end) if isinstance(e, YearsBetween) else b.days(start, end)
            return n, self.union((smask, emask)), max(sstage, estage)
        raise DefinitionError(f"cannot evaluate {type(e).__name__} as a value")

    def derive(self, key: object, expression: Any, stage: int) -> Any:
        """A derived quantity, rounded in stage ``stage`` and read from its column.

        ``key`` names it once: a node's ``id()``, or a fact's name for its rounded value.
        """
        if key not in self.derived_ids:
            while len(self.derived) <= stage:
                self.derived.append({})
            name = f"derived.{len(self.derived_ids)}"
            self.derived[stage][name] = expression
            self.derived_ids[key] = (name, stage)
        return self.b.derived(self.derived_ids[key][0])

    # predicates: (outcome, mask) -------------------------------------------------------
    def node(self, e: Expr) -> tuple[Any, Mask]:
        b = self.b
        if isinstance(e, (Criterion, Ruleset)):
            self.materialise(e)
            if self.reading:
                self.reading[-1].add(e.id)
            return b.node(e.id), tuple(b.mask(e.id, w) for w in range(self.words))
        if isinstance(e, (AllOf, AnyOf)):
            return self.combine("all" if isinstance(e, AllOf) else "any", e.operands)
        if isinstance(e, AtLeast):
            children = [(self.node(o), self.counts(o)) for o in e.operands]
            gating = [c for c, counts in children if counts]
            outcome = b.at_least(e.n, [c[0] for c in gating])
            return outcome, self.when_null(outcome, self.union([c[1] for c in gating]))
        if isinstance(e, Not):
            outcome, mask = self.node(e.operand)
            return b.negate(outcome), mask
        if isinstance(e, Choice):
            return self.node(e.if_true if self.param(e.parameter) else e.if_false)
        if isinstance(e, Coalesce):
            parts = [self.node(o) for o in e.operands]
            outcome = b.coalesce([p[0] for p in parts])
            return outcome, self.when_null(outcome, self.union([p[1] for p in parts]))
        if isinstance(e, Compare):
            exact = self.exact_compare(e)
            if exact is not None:
                return exact
            left, lmask, _ = self.value(e.left)
            right, rmask, _ = self.value(e.right)
            outcome = b.compare(e.op, left, right)
            mask = self.union((lmask, rmask))
            if isinstance(e.left, Variable) and e.left.type.kind is Kind.QUANTITY:
                # A censored fact against a value computed per row: its rounded bound
                # against that value, as the reference's ``Censored.compare``.
                bound = self.derive(("bound", e.left.name), b.bound(e.left.name), 0)
                censored = self.censored(e.left.name, e.op, lambda rel: [(rel, bound, right)])
                if censored is not None:
                    outcome = b.coalesce([outcome, censored])
                    mask = self.when_null(outcome, mask)
            return outcome, mask
        if isinstance(e, (Variable, Parameter, Constant)):
            value, mask, _ = self.value(e)
            return b.as_boolean(value), mask
        raise DefinitionError(f"cannot evaluate {type(e).__name__} as true/false")

    def exact_compare(self, e: Compare) -> tuple[Any, Mask] | None:
        """A quantity fact against a constant, by exact thresholds on its unrounded value.

        The constant side (constants, parameters, their multiples and ratios) is
        computed once, here, with the reference's arithmetic (:meth:`constant`). ``None`` where the
        comparison is not of that shape; it is then compiled as written.
        """
        if isinstance(e.left, Variable) and e.left.type.kind is Kind.QUANTITY:
            fact, other, op = e.left, e.right, e.op
        elif isinstance(e.right, Variable) and e.right.type.kind is Kind.QUANTITY:
            fact, other, op = e.right, e.left, _FLIPPED[e.op]
        else:
            return None
        threshold = self.constant(other)
        if not isinstance(threshold, (int, float)) or isinstance(threshold, bool):
            return None
        bounds = exact_bounds(op, float(threshold))
        if bounds is None:
            return None
        b = self.b
        value = b.fact(fact.name)
        parts = [b.compare(o, value, b.literal(t, Kind.QUANTITY)) for o, t in bounds]
        outcome = parts[0] if len(parts) == 1 else b.all_of(parts)
        if fact is e.left:  # (the reference reads a constant's comparison as generic)
            bound = b.bound(fact.name)

            def exact(rel: Op) -> list[tuple[Op, Any, Any]] | None:
                found = exact_bounds(rel, float(threshold))
                if found is None:
                    return None
                return [(o, bound, b.literal(t, Kind.QUANTITY)) for o, t in found]

            censored = self.censored(fact.name, op, exact)
            if censored is not None:
                # decided for a censored value: no fact is missing
                outcome = b.coalesce([outcome, censored])
                return outcome, self.when_null(outcome, self.fact_mask(fact.name, value))
        return outcome, self.fact_mask(fact.name, value)

    def censored(
        self,
        name: str,
        op: Op,
        rewrite: Callable[[Op], list[tuple[Op, Any, Any]] | None],
    ) -> Any:
        """A censored fact's comparison, as the reference's ``Censored.compare``.

        ``rewrite(rel)`` gives the comparisons (all must hold) that say "the rounded
        bound ``rel`` the other side". True where every value of the interval passes,
        false where none does, null where it depends on the value; ``None`` if ``op``
        never decides an interval (``==``, ``!=``) or a rewrite is not possible.
        """
        b = self.b
        branches = []
        for c in ("<", "<=", ">", ">="):
            rule = interval_rule(c, op)
            if rule is None:
                return None
            rel, result = cast("tuple[Op, bool]", rule)
            parts = rewrite(rel)
            if parts is None:
                return None
            compared = [b.compare(o, x, y) for o, x, y in parts]
            holds = compared[0] if len(compared) == 1 else b.all_of(compared)
            is_c = b.compare("==", b.comparator(name), b.literal(c, Kind.CATEGORY))
            branches.append(b.when(is_c, b.when(holds, b.boolean(result))))
        return b.coalesce(branches)

    def constant(self, e: Expr) -> object:
        """The value of an expression that reads no fact, as the reference computes it.

        ``None`` if it reads a fact, or is not a number (an unset parameter).
        """
        if isinstance(e, Constant):
            return e.value
        if isinstance(e, Parameter):
            return self.param(e)
        if isinstance(e, Choice):
            return self.constant(e.if_true if self.param(e.parameter) else e.if_false)
        if isinstance(e, Scaled):
            v = self.constant(e.operand)
            return quantise(v * e.factor) if isinstance(v, float) else None
        if isinstance(e, Ratio):
            n, d = self.constant(e.numerator), self.constant(e.denominator)
            ok = isinstance(n, float) and isinstance(d, float) and d != 0
            return quantise(n / d) if ok else None  # type: ignore[operator]
        return None

    def counts(self, e: Expr) -> bool:
        """Whether a child counts in its parent: informational criteria do not."""
        return not isinstance(e, Criterion) or self.gates(e)

    def combine(self, mode: str, members: Sequence[Expr]) -> tuple[Any, Mask]:
        # Every member is compiled (an informational criterion still has its column);
        # only those that gate combine.
        children = [(self.node(m), self.counts(m)) for m in members]
        gating = [c for c, counts in children if counts]
        if not gating:
            return self.b.boolean(mode == "all"), self.zero()
        outcomes = [c[0] for c in gating]
        outcome = self.b.all_of(outcomes) if mode == "all" else self.b.any_of(outcomes)
        return outcome, self.when_null(outcome, self.union([c[1] for c in gating]))

    def materialise(self, e: Criterion | Ruleset) -> None:
        """Compile a criterion or ruleset into its own column (once), at its level."""
        if e.id in self.nodes:
            return
        self.reading.append(set())
        if isinstance(e, Criterion):
            outcome, mask = self.node(e.expr)
        else:
            outcome, mask = self.combine(e.mode, e.members)
        reads = self.reading.pop()
        level = 1 + max((self.nodes[i][0] for i in reads), default=-1)
        self.nodes[e.id] = (level, outcome, mask)


def compile_program(
    ruleset: Ruleset, params: Mapping[str, Native | None], backend: Backend
) -> Program:
    """Compile ``ruleset`` with the parameters' canonical values (``None``: unset)."""
    compiler = _Compiler(ruleset, params, backend)
    compiler.materialise(ruleset)
    levels: list[list[tuple[str, Any, Mask]]] = []
    for id, (level, outcome, mask) in compiler.nodes.items():
        while len(levels) <= level:
            levels.append([])
        levels[level].append((id, outcome, mask))
    return Program(
        ruleset,
        compiler.facts,
        ruleset.criteria(),
        ruleset.rulesets(),
        tuple(r for _, r in group_paths(ruleset)),
        tuple(compiler.derived),
        tuple(tuple(level) for level in levels),
    )
