"""The reference interpreter: evaluate one patient record, with its evaluation tree.

A ruleset is compiled once per set of parameters into a tree of closures (cached), so
an evaluation does no type dispatch: it reads the record (:mod:`.facts`), converting
each fact once to its canonical unit, and runs the closures, which build the
evaluation tree as they go.
Every other interpreter (cohort, SQL) is tested against this one.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Mapping
from itertools import chain
from typing import Any

from .. import logic
from ..arguments import as_names
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
    walk,
)
from ..errors import CriteriaInputError, DefinitionError
from ..logic import Outcome
from ..records.record import Record
from ..records.value import Censored
from ..result import Eligibility, Fact, Node, Result, Value
from ..units import quantise
from .facts import (
    Facts,
    Native,
    completed_years,
    fact_order,
    gates,
    read_record,
    resolve_params,
    ruleset_variables,
    shown_value,
    unit_symbol,
)
from .text import describe

__all__ = ["evaluate", "read_record", "resolve_params"]

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
# Kinds of facts whose Knowns are shared between records often enough to be worth a
# criterion's memo (quantities are read from floats as often as from texts).
_SHARED_KINDS = frozenset({Kind.BOOLEAN, Kind.CATEGORY, Kind.DATE, Kind.ORDINAL})
ValueResult = tuple[Native | None, Value | None, tuple[str, ...]]
ValueFn = Callable[[Facts], ValueResult]
NodeFn = Callable[[Facts], Node]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
# Builds a Node from a tuple of all its twelve fields, in order, skipping the named
# tuple's keyword-handling constructor: used in the evaluator's hottest closures only.
_node: Callable[[tuple[Any, ...]], Node] = functools.partial(tuple.__new__, Node)
id_ = id


def _merge(groups: Iterable[tuple[str, ...]]) -> tuple[str, ...]:
    """Concatenate name tuples, keeping the first occurrence of each name."""
    nonempty = [g for g in groups if g]
    if len(nonempty) <= 1:
        return nonempty[0] if nonempty else ()
    return tuple(dict.fromkeys(chain.from_iterable(nonempty)))


def _unknown_missing(children: tuple[Node, ...]) -> tuple[str, ...]:
    """The missing facts of the gating children that are UNKNOWN."""
    return _merge(c.missing for c in children if c.gating and c.outcome is UNKNOWN)


# -- compiling -------------------------------------------------------------------------


class _Compiler:
    """Turns a ruleset into closures, with the parameters fixed."""

    def __init__(self, params: Mapping[str, tuple[Native | None, Fact | None]]) -> None:
        self.params = params
        #: Whether a criterion gates its ruleset, with the parameters in force.
        self.gates = gates({name: value for name, (value, _) in params.items()})

    def param_value(self, p: Parameter) -> Native | None:
        return self.params.get(p.name, (None, None))[0]

    # predicates: facts -> Node ---------------------------------------------------------
    def node(self, expr: Expr, id: str) -> NodeFn:
        if isinstance(expr, Criterion):
            return self._criterion(expr)
        if isinstance(expr, Ruleset):
            return self._ruleset(expr)
        title = describe(expr, "short")
        if isinstance(expr, (AllOf, AnyOf, AtLeast)):
            return self._connective(expr, id, title)
        if isinstance(expr, Not):
            return self._not(expr, id, title)
        if isinstance(expr, Coalesce):
            return self._coalesce(expr, id, title)
        if isinstance(expr, Choice):
            return self._choice(expr, id, title)
        if isinstance(expr, Compare):
            return self._compare(expr, id, title)
        if isinstance(expr, (Variable, Parameter, Constant)):
            return self._boolean_leaf(expr, id, title)
        raise DefinitionError(f"cannot evaluate {type(expr).__name__} as true/false")

    def _criterion(self, c: Criterion) -> NodeFn:
        inner = self.node(c.expr, f"{c.id}.0")
        gating = self.gates(c)
        id = c.id
        title = c.title_for({name: value for name, (value, _) in self.params.items()})

        def criterion(facts: Facts) -> Node:
            child = inner(facts)
            missing = child.missing
            return _node(
                (
                    id,
                    title,
                    "criterion",
                    child.outcome,
                    (child,),
                    gating,
                    None,
                    None,
                    None,
                    missing,
                    None,
                    None,
                )
            )

        variables = [n for n in walk(c.expr) if isinstance(n, Variable)]
        if not variables or any(v.type.kind not in _SHARED_KINDS for v in variables):
            return criterion
        # A criterion of facts whose Knowns are often shared objects (true/false facts
        # always, see facts._shared_known; grades, categories and dates when read from
        # the same text or number, see facts._PARSED): its node is made once per
        # combination of them, and shared. Each entry holds its Knowns, so the ids in
        # its key cannot be reused by other objects while it lives.
        reads = tuple(dict.fromkeys(v.name for v in variables))
        made: dict[tuple[int, ...], tuple[tuple[object, ...], Node]] = {}

        def shared_criterion(facts: Facts) -> Node:
            knowns = tuple([facts.get(n) for n in reads])
            key = tuple(map(id_, knowns))
            entry = made.get(key)
            if entry is not None:
                return entry[1]
            node = criterion(facts)
            if len(made) < 512:
                made[key] = (knowns, node)
            return node

        return shared_criterion

    def _combine(
        self,
        fns: tuple[NodeFn, ...],
        mode: str,
        id: str,
        title: str,
        kind: str,
        group: str | None = None,
        n: int = 0,
        has_informational: bool = False,
    ) -> NodeFn:
        # One closure per mode, each a single pass over the children: this is the
        # evaluator's hottest code.
        if mode in ("all", "any") and not has_informational:
            # Every operand counts. One pass: the dominant outcome (NOT_MET for all_of,
            # MET for any_of) decides at once; otherwise any UNKNOWN makes it UNKNOWN.
            dominant, neutral = (NOT_MET, MET) if mode == "all" else (MET, NOT_MET)
            decided = (id, title, kind, dominant)
            rest = (True, None, None, None, (), group, None)

            def kleene(facts: Facts) -> Node:
                children = tuple([f(facts) for f in fns])
                outcome = neutral
                for c in children:
                    o = c.outcome
                    if o is dominant:
                        return _node((*decided, children, *rest))
                    if o is UNKNOWN:
                        outcome = UNKNOWN
                missing = _unknown_missing(children) if outcome is UNKNOWN else ()
                return Node(
                    id, title, kind, outcome, children, True, None, None, None, missing, group
                )

            return kleene
        if mode in ("all", "any"):
            # A ruleset with informational criteria: only the gating ones count.
            combine = logic.and_ if mode == "all" else logic.or_

            def ruleset(facts: Facts) -> Node:
                children = tuple([f(facts) for f in fns])
                outcome = combine([c.outcome for c in children if c.gating])
                missing = _unknown_missing(children) if outcome is UNKNOWN else ()
                return Node(
                    id, title, kind, outcome, children, True, None, None, None, missing, group
                )

            return ruleset

        def at_least(facts: Facts) -> Node:
            children = tuple([f(facts) for f in fns])
            outcome = logic.at_least(n, [c.outcome for c in children if c.gating])
            return Node(
                id,
                title,
                kind,
                outcome,
                children,
                True,
                None,
                None,
                None,
                _unknown_missing(children) if outcome is UNKNOWN else (),
                group,
            )

        return at_least

    def _ruleset(self, r: Ruleset) -> NodeFn:
        fns = tuple(self.node(m, f"{r.id}.{i}") for i, m in enumerate(r.members))
        informational = any(isinstance(m, Criterion) and not self.gates(m) for m in r.members)
        return self._combine(
            fns, r.mode, r.id, r.title, "ruleset", r.group, has_informational=informational
        )

    def _connective(self, e: AllOf | AnyOf | AtLeast, id: str, title: str) -> NodeFn:
        fns = tuple(self.node(o, f"{id}.{i}") for i, o in enumerate(e.operands))
        informational = any(isinstance(o, Criterion) and not self.gates(o) for o in e.operands)
        if isinstance(e, AllOf):
            return self._combine(fns, "all", id, title, "all_of", has_informational=informational)
        if isinstance(e, AnyOf):
            return self._combine(fns, "any", id, title, "any_of", has_informational=informational)
        return self._combine(fns, "at_least", id, title, "at_least", n=e.n)

    def _not(self, e: Not, id: str, title: str) -> NodeFn:
        inner = self.node(e.operand, f"{id}.0")

        def negation(facts: Facts) -> Node:
            child = inner(facts)
            return Node(
                id, title, "not", logic.not_(child.outcome), (child,), missing=child.missing
            )

        return negation

    def _coalesce(self, e: Coalesce, id: str, title: str) -> NodeFn:
        fns = tuple(self.node(o, f"{id}.{i}") for i, o in enumerate(e.operands))

        def first_known(facts: Facts) -> Node:
            children = tuple(f(facts) for f in fns)
            outcome = logic.coalesce(c.outcome for c in children)
            missing = _merge(c.missing for c in children) if outcome is UNKNOWN else ()
            return Node(id, title, "coalesce", outcome, children, missing=missing)

        return first_known

    def _choice(self, e: Choice, id: str, title: str) -> NodeFn:
        chosen = bool(self.param_value(e.parameter))
        inner = self.node(e.if_true if chosen else e.if_false, f"{id}.0")
        note = f"{e.parameter.name} = {'true' if chosen else 'false'}"

        def choice(facts: Facts) -> Node:
            child = inner(facts)
            return Node(
                id, title, "choice", child.outcome, (child,), missing=child.missing, note=note
            )

        return choice

    def _compare(self, e: Compare, id: str, title: str) -> NodeFn:
        op = _OPS[e.op]
        numeric = e.left.type.kind in (Kind.QUANTITY, Kind.ORDINAL)
        if isinstance(e.left, Variable) and isinstance(e.right, Constant):
            return self._compare_fact(e.left.name, op, numeric, e.right, id, title, e.op)
        left, right = self.value(e.left), self.value(e.right)
        lname = e.left.name if isinstance(e.left, Variable) else None

        def compare(facts: Facts) -> Node:
            lv, lshow, lmiss = left(facts)
            rv, rshow, rmiss = right(facts)
            if lv is None and rv is not None and lname is not None:
                known = facts.get(lname)
                if known is not None and type(known[0]) is Censored:  # an interval
                    held = known[0].compare(e.op, rv)
                    outcome = UNKNOWN if held is None else MET if held else NOT_MET
                    missing = lmiss if held is None else ()
                    return Node(
                        id, title, "compare", outcome, (), True, lshow, rshow, None, missing
                    )
            if lv is None or rv is None:
                missing = _merge((lmiss, rmiss))
                return Node(id, title, "compare", UNKNOWN, (), True, lshow, rshow, None, missing)
            outcome = MET if op(lv, rv) else NOT_MET
            # Both sides carry at most 12 significant digits; rounding the difference
            # to 9 decimals drops float noise (1.6 - 1.5 = 0.10000000000000009).
            margin = round(lv - rv, 9) if numeric else None
            return Node(id, title, "compare", outcome, (), True, lshow, rshow, margin)

        return compare

    def _compare_fact(
        self,
        name: str,
        op: Callable[[Any, Any], bool],
        numeric: bool,
        threshold: Constant,
        id: str,
        title: str,
        op_name: str = "",
    ) -> NodeFn:
        # The commonest comparison, a fact against a constant, without the generic
        # value closures: this is most of the evaluator's work.
        rv, rshow, _ = self.value(threshold)({})
        unknown = Node(id, title, "compare", UNKNOWN, (), True, None, rshow, None, (name,))

        def compare_fact(facts: Facts) -> Node:
            known = facts.get(name)
            if known is None:
                return unknown
            lv = known[0]
            if type(lv) is Censored and rv is not None:  # an interval: three-valued
                held = lv.compare(op_name, rv)
                outcome = UNKNOWN if held is None else MET if held else NOT_MET
                missing = (name,) if held is None else ()
                return Node(
                    id, title, "compare", outcome, (), True, known[1], rshow, None, missing
                )
            outcome = MET if op(lv, rv) else NOT_MET
            margin = round(lv - rv, 9) if numeric else None
            return _node(
                (id, title, "compare", outcome, (), True, known[1], rshow, margin, (), None, None)
            )

        return compare_fact

    def _boolean_leaf(self, e: Variable | Parameter | Constant, id: str, title: str) -> NodeFn:
        get = self.value(e)
        if isinstance(e, Variable):
            # A fact's node depends only on the fact's Known, and the Knowns of
            # true/false facts are shared: so are their nodes.
            name = e.name
            missing_node = Node(id, title, "fact", UNKNOWN, missing=(name,))
            cache: dict[int, Node] = {}

            def fact_leaf(facts: Facts) -> Node:
                known = facts.get(name)
                if known is None:
                    return missing_node
                node = cache.get(id_(known))
                if node is None or node.observed is not known[1]:
                    node = Node(id, title, "fact", logic.Outcome.of(known[0]), observed=known[1])
                    if len(cache) < 16:
                        cache[id_(known)] = node
                return node

            return fact_leaf

        def leaf(facts: Facts) -> Node:
            v, shown, missing = get(facts)
            outcome = logic.Outcome.of(v)
            return Node(id, title, "fact", outcome, observed=shown, missing=missing)

        return leaf

    # values: facts -> (value, shown, missing) ------------------------------------------
    def value(self, expr: Expr) -> ValueFn:
        if isinstance(expr, Variable):
            name, absent = expr.name, (None, None, (expr.name,))

            def fact(facts: Facts) -> ValueResult:
                known = facts.get(name)
                if known is None:
                    return absent
                if type(known[0]) is Censored:  # a bound is not a value to compute with
                    return None, known[1], (name,)
                return known[0], known[1], ()

            return fact
        if isinstance(expr, Constant):
            const = (
                expr.value,
                Value(shown_value(expr.value), unit_symbol(expr), describe(expr)),
                (),
            )
            return lambda facts: const
        if isinstance(expr, Parameter):
            value, given = self.params.get(expr.name, (None, None))
            resolved: ValueResult = (None, None, ())
            if value is not None and given is not None:
                text = f"parameter {given.name} = {given.given}"
                resolved = (value, Value(given.value, given.unit, text, (given,)), ())
            return lambda facts: resolved
        if isinstance(expr, Scaled):
            return self._scaled(expr)
        if isinstance(expr, Ratio):
            return self._ratio(expr)
        if isinstance(expr, (DaysBetween, YearsBetween)):
            return self._between(expr)
        if isinstance(expr, Coalesce):
            fns = tuple(self.value(o) for o in expr.operands)

            def first_known(facts: Facts) -> ValueResult:
                misses = []
                for f in fns:
                    result = f(facts)
                    if result[0] is not None:
                        return result
                    misses.append(result[2])
                return None, None, _merge(misses)

            return first_known
        if isinstance(expr, Choice):
            chosen = bool(self.param_value(expr.parameter))
            return self.value(expr.if_true if chosen else expr.if_false)
        raise DefinitionError(f"cannot evaluate {type(expr).__name__} as a value")

    def _scaled(self, e: Scaled) -> ValueFn:
        inner, k, unit = self.value(e.operand), e.factor, unit_symbol(e)
        label = "" if e.unit is not None else f"{k:g} × "

        def scaled(facts: Facts) -> ValueResult:
            v, shown, missing = inner(facts)
            if v is None or shown is None:
                return None, None, missing
            result = quantise(v * k)
            text = f"{label}{shown.text}" + (f" = {result:g} {unit}" if label else "")
            return result, Value(result, unit, text, shown.facts), ()

        return scaled

    def _ratio(self, e: Ratio) -> ValueFn:
        num, den, unit = self.value(e.numerator), self.value(e.denominator), unit_symbol(e)

        def ratio(facts: Facts) -> ValueResult:
            n, nshow, nmiss = num(facts)
            d, dshow, dmiss = den(facts)
            if n is None or d is None or nshow is None or dshow is None or d == 0:
                return None, None, _merge((nmiss, dmiss))
            result = quantise(n / d)
            text = f"{nshow.text} / {dshow.text} = {result:g} {unit}"
            return result, Value(result, unit, text, nshow.facts + dshow.facts), ()

        return ratio

    def _between(self, e: DaysBetween | YearsBetween) -> ValueFn:
        start, end = self.value(e.start), self.value(e.end)
        years = isinstance(e, YearsBetween)
        unit = unit_symbol(e)

        def between(facts: Facts) -> ValueResult:
            a, ashow, amiss = start(facts)
            b, bshow, bmiss = end(facts)
            if a is None or b is None or ashow is None or bshow is None:
                return None, None, _merge((amiss, bmiss))
            if years:
                n = completed_years(a, b)
                text = f"{n} completed years from {ashow.text} to {bshow.text}"
            else:
                n = (b - a).days
                text = f"{n} days from {ashow.text} to {bshow.text}"
            return float(n), Value(float(n), unit, text, ashow.facts + bshow.facts), ()

        return between


class _Compiled:
    """A ruleset compiled for one set of parameters."""

    def __init__(
        self, ruleset: Ruleset, params: tuple[tuple[str, Native | None, Fact | None], ...]
    ):
        self.ruleset = ruleset
        self.params = tuple(fact for _, _, fact in params if fact is not None)
        compiler = _Compiler({name: (value, fact) for name, value, fact in params})
        self.root = compiler.node(ruleset, ruleset.id)
        variables = ruleset_variables(ruleset)
        self.variables = variables
        # Where in the tree the rulesets that name a group are: found once, not searched.
        self.group_paths = tuple(
            (path, r.group) for path, r in group_paths(ruleset) if r.group is not None
        )
        # Result.missing lists facts in one order whatever the path that found them,
        # as every interpreter does (the cohort interpreters keep them as a bit mask).
        order = fact_order(ruleset, compiler.gates)
        self.rank = {name: i for i, name in enumerate(order)}


@functools.lru_cache(maxsize=128)
def _compile(
    ruleset: Ruleset, params: tuple[tuple[str, Native | None, Fact | None], ...]
) -> _Compiled:
    return _Compiled(ruleset, params)


@functools.lru_cache(maxsize=32)
def _compile_default(ruleset: Ruleset) -> _Compiled:
    """The ruleset compiled with every parameter at its default."""
    return _compile(ruleset, resolve_params(ruleset, None))


def evaluate(
    record: Mapping[str, object],
    ruleset: Ruleset | None = None,
    *,
    params: Mapping[str, object] | None = None,
    assume_absent: Iterable[str] = (),
) -> Result:
    """Evaluate one patient record against a ruleset (by default, the trial's eligibility).

    Args:
        record: fact names to values: pint quantities, strings with units
            (``"85 umol/L"``), ``{"value": 85, "unit": "umol/L"}`` mappings, plain
            numbers for dimensionless facts, booleans, integers for grades, dates or
            ISO date strings. ``None`` means missing. An ``"id"`` key is carried through.
        ruleset: the ruleset to evaluate; :data:`ELIGIBILITY` if not given.
        params: values for the ruleset's parameters (see ``ruleset.parameters()``).
        assume_absent: true/false facts to take as false when the record lacks them
            (a closed-world assumption); each value so assumed is marked in the tree.

    Returns:
        The :class:`Result`: status, groups met, missing facts and evaluation tree.

    Raises:
        CriteriaInputError: for an unknown fact or parameter, a value that cannot be
            read, or a value outside its plausible range.
    """
    if ruleset is None:
        from ..trial import ELIGIBILITY

        ruleset = ELIGIBILITY
    if not isinstance(ruleset, Ruleset):
        raise CriteriaInputError("ruleset", ruleset, "a Ruleset")
    compiled = (
        _compile_default(ruleset)
        if not params
        else _compile(ruleset, resolve_params(ruleset, params))
    )
    assume_absent = as_names("assume_absent", assume_absent)
    facts, record_id = read_record(record, compiled.variables, assume_absent)
    tree = compiled.root(facts)
    if isinstance(record, Record):  # derived from clinical records: say what was searched
        from ..records.build import annotate

        tree = annotate(tree, record)
    groups = []
    for path, group in compiled.group_paths:
        node = tree
        for i in path:
            node = node.children[i]
        if node.outcome is MET:
            groups.append(group)
    return Result(
        status=Eligibility.from_outcome(tree.outcome),
        groups=frozenset(groups),
        missing=tuple(sorted(tree.missing, key=compiled.rank.__getitem__)),
        tree=tree,
        ruleset=ruleset.id,
        params=compiled.params,
        record_id=record_id,
    )
