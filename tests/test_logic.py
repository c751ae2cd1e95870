"""The Kleene kernel (lc.logic) as an algebra, and the evaluator's agreement with it.

The kernel is checked over all three values: the laws of a De Morgan algebra (which
Kleene's strong logic is), the definitions of implies, xor, at_least and coalesce, and
its exactness on independent operands (a decided outcome is the outcome of every way the
unknown operands could turn out). The evaluator is then checked against the kernel on
random rulesets of true/false facts, including which facts it reports as missing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import liverfail_criteria as lc
from liverfail_criteria import logic
from liverfail_criteria.dictionary import IMPLICATIONS
from liverfail_criteria.dsl import AllOf, AnyOf, AtLeast, Not
from liverfail_criteria.logic import Outcome

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN
ALL = (MET, NOT_MET, UNKNOWN)

outcomes = st.sampled_from(ALL)
outcome_lists = st.lists(outcomes, max_size=8)


def completions(xs: Iterable[Outcome]) -> Iterator[tuple[bool, ...]]:
    """Every way the UNKNOWN values of ``xs`` could turn out."""
    options = [(True, False) if x is UNKNOWN else (x is MET,) for x in xs]
    return itertools.product(*options)


def supervaluate(f: Callable[[tuple[bool, ...]], bool], xs: list[Outcome]) -> Outcome:
    """MET if ``f`` holds for every completion, NOT_MET if for none, else UNKNOWN."""
    seen = {f(c) for c in completions(xs)}
    if seen == {True}:
        return MET
    if seen == {False}:
        return NOT_MET
    return UNKNOWN


# -- the kernel as an algebra -------------------------------------------------------------


@given(outcomes, outcomes)
def test_and_or_xor_are_commutative(a: Outcome, b: Outcome) -> None:
    assert logic.and_((a, b)) is logic.and_((b, a))
    assert logic.or_((a, b)) is logic.or_((b, a))
    assert logic.xor(a, b) is logic.xor(b, a)


@given(outcome_lists, st.randoms(use_true_random=False))
def test_and_or_ignore_order(xs: list[Outcome], rnd: Any) -> None:
    ys = list(xs)
    rnd.shuffle(ys)
    assert logic.and_(xs) is logic.and_(ys)
    assert logic.or_(xs) is logic.or_(ys)


@given(outcomes, outcomes, outcomes)
def test_and_or_are_associative(a: Outcome, b: Outcome, c: Outcome) -> None:
    for op in (logic.and_, logic.or_):
        left = op((op((a, b)), c))
        right = op((a, op((b, c))))
        assert left is right is op((a, b, c))
    left = logic.xor(logic.xor(a, b), c)
    assert left is logic.xor(a, logic.xor(b, c))


@given(outcome_lists)
def test_de_morgan(xs: list[Outcome]) -> None:
    assert logic.not_(logic.and_(xs)) is logic.or_(logic.not_(x) for x in xs)
    assert logic.not_(logic.or_(xs)) is logic.and_(logic.not_(x) for x in xs)


@given(outcomes)
def test_double_negation_and_negation_table(a: Outcome) -> None:
    assert logic.not_(logic.not_(a)) is a
    assert logic.not_(a) is {MET: NOT_MET, NOT_MET: MET, UNKNOWN: UNKNOWN}[a]


@given(outcomes)
def test_identities_annihilators_idempotence(a: Outcome) -> None:
    assert logic.and_((a, MET)) is a
    assert logic.or_((a, NOT_MET)) is a
    assert logic.and_((a, NOT_MET)) is NOT_MET
    assert logic.or_((a, MET)) is MET
    assert logic.and_((a, a)) is a
    assert logic.or_((a, a)) is a
    assert logic.and_((a,)) is a
    assert logic.or_((a,)) is a


def test_empty_connectives() -> None:
    assert logic.and_(()) is MET
    assert logic.or_(()) is NOT_MET
    assert logic.coalesce(()) is UNKNOWN
    assert logic.at_least(0, ()) is MET
    assert logic.at_least(1, ()) is NOT_MET


def test_no_excluded_middle() -> None:
    """Kleene logic has no law of the excluded middle: UNKNOWN or not UNKNOWN is UNKNOWN."""
    assert logic.or_((UNKNOWN, logic.not_(UNKNOWN))) is UNKNOWN
    assert logic.and_((UNKNOWN, logic.not_(UNKNOWN))) is UNKNOWN


@given(outcomes, outcomes)
def test_absorption(a: Outcome, b: Outcome) -> None:
    assert logic.and_((a, logic.or_((a, b)))) is a
    assert logic.or_((a, logic.and_((a, b)))) is a


@given(outcomes, outcomes, outcomes)
def test_distributivity(a: Outcome, b: Outcome, c: Outcome) -> None:
    assert logic.and_((a, logic.or_((b, c)))) is logic.or_(
        (logic.and_((a, b)), logic.and_((a, c)))
    )
    assert logic.or_((a, logic.and_((b, c)))) is logic.and_((logic.or_((a, b)), logic.or_((a, c))))


@given(outcomes, outcomes)
def test_implies_is_not_a_or_b(a: Outcome, b: Outcome) -> None:
    assert logic.implies(a, b) is logic.or_((logic.not_(a), b))
    # contraposition
    assert logic.implies(a, b) is logic.implies(logic.not_(b), logic.not_(a))


@given(outcomes, outcomes)
def test_xor_definition(a: Outcome, b: Outcome) -> None:
    expected = logic.or_((logic.and_((a, logic.not_(b))), logic.and_((logic.not_(a), b))))
    assert logic.xor(a, b) is expected
    assert (logic.xor(a, b) is UNKNOWN) == (UNKNOWN in (a, b))


@given(st.lists(outcomes, min_size=1, max_size=8))
def test_at_least_agrees_with_and_or(xs: list[Outcome]) -> None:
    assert logic.at_least(len(xs), xs) is logic.and_(xs)
    assert logic.at_least(1, xs) is logic.or_(xs)
    assert logic.at_least(0, xs) is MET
    assert logic.at_least(len(xs) + 1, xs) is NOT_MET


@given(outcome_lists, st.integers(0, 9))
def test_at_least_is_exact(xs: list[Outcome], n: int) -> None:
    """MET iff every completion has n met, NOT_MET iff none has; and it is monotone."""
    assert logic.at_least(n, xs) is supervaluate(lambda c: sum(c) >= n, xs)
    order = {NOT_MET: 0, UNKNOWN: 1, MET: 2}
    assert order[logic.at_least(n + 1, xs)] <= order[logic.at_least(n, xs)]


@given(outcome_lists)
def test_and_or_not_are_exact_on_independent_operands(xs: list[Outcome]) -> None:
    assert logic.and_(xs) is supervaluate(all, xs)
    assert logic.or_(xs) is supervaluate(any, xs)


@given(outcomes, outcomes)
def test_implies_xor_are_exact(a: Outcome, b: Outcome) -> None:
    assert logic.implies(a, b) is supervaluate(lambda c: (not c[0]) or c[1], [a, b])
    assert logic.xor(a, b) is supervaluate(lambda c: c[0] != c[1], [a, b])


@given(outcome_lists)
def test_coalesce_is_the_first_known(xs: list[Outcome]) -> None:
    expected = next((x for x in xs if x is not UNKNOWN), UNKNOWN)
    assert logic.coalesce(xs) is expected
    assert logic.coalesce([*xs, MET]) is (expected if expected.known else MET)
    assert logic.coalesce([UNKNOWN, *xs]) is expected


@given(outcomes)
def test_connectives_accept_iterators(a: Outcome) -> None:
    assert logic.and_(iter([a, MET])) is a
    assert logic.or_(x for x in (a, NOT_MET)) is a
    assert logic.at_least(1, iter([a])) is a
    assert logic.coalesce(iter([UNKNOWN, a])) is a


# -- Outcome itself -----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "outcome"), [(True, MET), (False, NOT_MET), (None, UNKNOWN)])
def test_outcome_of_and_as_bool_round_trip(value: bool | None, outcome: Outcome) -> None:
    assert Outcome.of(value) is outcome
    assert outcome.as_bool() is value
    assert Outcome.of(outcome.as_bool()) is outcome
    assert outcome.known is (value is not None)


@pytest.mark.parametrize("outcome", ALL)
def test_outcome_has_no_truth_value(outcome: Outcome) -> None:
    with pytest.raises(TypeError):
        bool(outcome)
    with pytest.raises(TypeError):
        if outcome:
            pass
    with pytest.raises(TypeError):
        _ = not outcome
    with pytest.raises(TypeError):
        _ = outcome and MET
    with pytest.raises(TypeError):
        _ = outcome or MET


# -- DSL expressions have no truth value --------------------------------------------------

V = lc.VARIABLES


def _expressions() -> list[lc.Expr]:
    cirrhosis, decompensation = V["cirrhosis"], V["hepatic_decompensation"]
    return [
        cirrhosis,
        cirrhosis & decompensation,
        cirrhosis | decompensation,
        ~cirrhosis,
        lc.at_least(1, cirrhosis, decompensation),
        V["age"] >= "18 a",
        V["total_bilirubin"].between("10 umol/L", "20 umol/L"),
        lc.CLF.members[0],
        lc.CLF,
        lc.ELIGIBILITY,
    ]


@pytest.mark.parametrize("expr", _expressions(), ids=repr)
def test_dsl_expressions_refuse_and_or_not_if(expr: lc.Expr) -> None:
    other = V["dic"]
    with pytest.raises(lc.DefinitionError):
        bool(expr)
    with pytest.raises(lc.DefinitionError):
        _ = expr and other
    with pytest.raises(lc.DefinitionError):
        _ = expr or other
    with pytest.raises(lc.DefinitionError):
        _ = not expr
    with pytest.raises(lc.DefinitionError):
        if expr:
            pass


def test_chained_comparison_is_refused() -> None:
    """``18 <= age < 66`` is ``(18 <= age) and (age < 66)``: it must not half-work."""
    age = V["age"]
    with pytest.raises(lc.DefinitionError):
        _ = "18 a" <= age < "66 a"


def test_equality_of_definitions_is_not_a_criterion() -> None:
    """``==`` compares definitions (a bool); a bool is refused where a criterion goes."""
    assert (V["cirrhosis"] == V["cirrhosis"]) is True
    with pytest.raises(lc.DefinitionError, match=r"\.eq\(\)"):
        lc.all_of(V["cirrhosis"] == V["dic"])
    with pytest.raises(lc.DefinitionError):
        lc.any_of(V["cirrhosis"], True)


# -- the evaluator agrees with the kernel -------------------------------------------------

#: The true/false facts of the data dictionary, a pool to build rulesets from: those a
#: true/false fact implies (refractory ascites says ascites developed) are left out, since
#: the kernel walked here takes every fact as independent; the evaluator applies the
#: implication, and refuses a record that contradicts it.
_BOOLEAN = {n for n, v in V.items() if v.type.kind is lc.Kind.BOOLEAN}
_IMPLIED = {i.fact for i in IMPLICATIONS if i.premise in _BOOLEAN}
POOL = tuple(V[n] for n in V if n in _BOOLEAN - _IMPLIED)
MAX_LEAVES = 3  # per member; at most 3 members, so at most 9 distinct facts

Shape = tuple[Any, ...]
LEAF: Shape = ("leaf",)


def _extend(children: st.SearchStrategy[Shape]) -> st.SearchStrategy[Shape]:
    groups = st.lists(children, min_size=1, max_size=3).map(tuple)
    return st.one_of(
        groups.map(lambda xs: ("all", xs)),
        groups.map(lambda xs: ("any", xs)),
        groups.flatmap(lambda xs: st.integers(1, len(xs)).map(lambda n: ("at_least", n, xs))),
        children.map(lambda x: ("not", x)),
    )


shapes = st.recursive(st.just(LEAF), _extend, max_leaves=MAX_LEAVES)


def _leaves(shape: Shape) -> int:
    if shape[0] == "leaf":
        return 1
    if shape[0] == "not":
        return _leaves(shape[1])
    return sum(_leaves(s) for s in shape[-1])


def _build(shape: Shape, names: Iterator[lc.Variable]) -> lc.Expr:
    tag = shape[0]
    if tag == "leaf":
        return next(names)
    if tag == "not":
        return ~_build(shape[1], names)
    operands = [_build(s, names) for s in shape[-1]]
    if tag == "all":
        return lc.all_of(*operands)
    if tag == "any":
        return lc.any_of(*operands)
    return lc.at_least(shape[1], *operands)


@st.composite
def rulesets(draw: st.DrawFn, read_once: bool) -> lc.Ruleset:
    """A random ruleset over true/false facts; ``read_once``: each fact used once."""
    member_shapes = draw(st.lists(shapes, min_size=1, max_size=3))
    total = sum(_leaves(s) for s in member_shapes)
    if read_once:
        chosen = draw(st.permutations(POOL))[:total]
    else:  # few facts, so they repeat
        chosen = draw(st.lists(st.sampled_from(POOL[:4]), min_size=total, max_size=total))
    names = iter(chosen)
    members: list[lc.Expr] = []
    for i, shape in enumerate(member_shapes):
        expr = _build(shape, names)
        if draw(st.booleans()):
            gating = draw(st.sampled_from([True, True, False]))
            expr = lc.Criterion(f"r.c{i}", f"member {i}", "", expr, gating=gating)
        members.append(expr)
    mode = draw(st.sampled_from(["all", "any"]))
    return lc.Ruleset("r", "random ruleset", tuple(members), mode=mode)


def reference(expr: lc.Expr, facts: Mapping[str, bool | None]) -> Outcome:
    """The kernel's outcome of ``expr``, walked here without the evaluator."""
    if isinstance(expr, lc.Variable):
        return Outcome.of(facts.get(expr.name))
    if isinstance(expr, AllOf):
        return logic.and_(reference(o, facts) for o in expr.operands)
    if isinstance(expr, AnyOf):
        return logic.or_(reference(o, facts) for o in expr.operands)
    if isinstance(expr, AtLeast):
        return logic.at_least(expr.n, [reference(o, facts) for o in expr.operands])
    if isinstance(expr, Not):
        return logic.not_(reference(expr.operand, facts))
    if isinstance(expr, lc.Criterion):
        return reference(expr.expr, facts)
    if isinstance(expr, lc.Ruleset):
        gating = [
            reference(m, facts)
            for m in expr.members
            if not (isinstance(m, lc.Criterion) and m.gating is False)
        ]
        return logic.and_(gating) if expr.mode == "all" else logic.or_(gating)
    raise AssertionError(f"unexpected node {expr!r}")


def fact_names(ruleset: lc.Ruleset) -> list[str]:
    return [v.name for v in ruleset.variables()]  # type: ignore[attr-defined]


@st.composite
def cases(draw: st.DrawFn, read_once: bool) -> tuple[lc.Ruleset, dict[str, Any]]:
    """A ruleset and a record of True / False / missing values for its facts."""
    ruleset = draw(rulesets(read_once))
    record: dict[str, Any] = {}
    for name in fact_names(ruleset):
        value = draw(st.sampled_from([True, False, None, "absent"]))
        if value != "absent":
            record[name] = value
    # facts the ruleset does not read change nothing and are never missing
    extra = draw(st.sampled_from(POOL[-3:]))
    if extra.name not in record and extra.name not in fact_names(ruleset):
        record[extra.name] = draw(st.sampled_from([True, False, None]))
    return ruleset, record


def _status(outcome: Outcome) -> lc.Eligibility:
    return lc.Eligibility.from_outcome(outcome)


def _unknown_fact_leaves(node: lc.Node) -> set[str]:
    """Facts under ``node`` reached by a path of UNKNOWN, gating nodes."""
    if node.outcome is not UNKNOWN or not node.gating:
        return set()
    if node.kind == "fact":
        return set(node.missing)
    found: set[str] = set()
    for child in node.children:
        found |= _unknown_fact_leaves(child)
    return found


def _missing_in(ruleset: lc.Ruleset, record: Mapping[str, Any]) -> list[str]:
    return [n for n in fact_names(ruleset) if record.get(n) is None]


def _completed_outcomes(
    ruleset: lc.Ruleset, record: Mapping[str, Any]
) -> dict[tuple[bool, ...], Outcome]:
    """The kernel's outcome for every completion of the record's missing facts."""
    missing = _missing_in(ruleset, record)
    out = {}
    for values in itertools.product((True, False), repeat=len(missing)):
        facts = {**record, **dict(zip(missing, values, strict=True))}
        out[values] = reference(ruleset, facts)
    return out


def _relevant(ruleset: lc.Ruleset, record: Mapping[str, Any]) -> set[str]:
    """Missing facts whose value changes the outcome for some completion of the others."""
    missing = _missing_in(ruleset, record)
    table = _completed_outcomes(ruleset, record)
    relevant = set()
    for i, name in enumerate(missing):
        for values, outcome in table.items():
            flipped = (*values[:i], not values[i], *values[i + 1 :])
            if table[flipped] is not outcome:
                relevant.add(name)
                break
    return relevant


@given(cases(read_once=False))
def test_evaluator_agrees_with_kernel(case: tuple[lc.Ruleset, dict[str, Any]]) -> None:
    ruleset, record = case
    result = lc.evaluate(record, ruleset)
    assert result.status is _status(reference(ruleset, record))
    assert result.tree.outcome is reference(ruleset, record)
    for member, node in zip(ruleset.members, result.tree.children, strict=True):
        assert node.outcome is reference(member, record)
        assert node.gating is not (isinstance(member, lc.Criterion) and member.gating is False)


@given(cases(read_once=False))
def test_missing_is_sound(case: tuple[lc.Ruleset, dict[str, Any]]) -> None:
    """Missing is empty iff decided; it names missing facts on UNKNOWN paths, once each;
    it holds every fact that could change the outcome; and a decided outcome is the
    outcome of every completion of the missing facts."""
    ruleset, record = case
    result = lc.evaluate(record, ruleset)
    decided = result.status is not lc.Eligibility.UNDETERMINED
    assert (result.missing == ()) is decided
    assert len(set(result.missing)) == len(result.missing)
    assert set(result.missing) <= set(_missing_in(ruleset, record))
    assert set(result.missing) == _unknown_fact_leaves(result.tree)
    assert _relevant(ruleset, record) <= set(result.missing)
    if decided:
        assert set(_completed_outcomes(ruleset, record).values()) == {result.tree.outcome}


@given(cases(read_once=True))
def test_missing_is_exact_when_each_fact_is_read_once(
    case: tuple[lc.Ruleset, dict[str, Any]],
) -> None:
    """With every fact read once, Kleene logic is exact: UNKNOWN means some completion
    is met and some is not, and missing is exactly the facts that could change it."""
    ruleset, record = case
    result = lc.evaluate(record, ruleset)
    table = _completed_outcomes(ruleset, record)
    if result.status is lc.Eligibility.UNDETERMINED:
        assert set(table.values()) == {MET, NOT_MET}
        # witnesses, confirmed by the evaluator itself
        missing = _missing_in(ruleset, record)
        for wanted in (MET, NOT_MET):
            values = next(v for v, o in table.items() if o is wanted)
            completed = {**record, **dict(zip(missing, values, strict=True))}
            assert lc.evaluate(completed, ruleset).status is _status(wanted)
    else:
        assert set(table.values()) == {result.tree.outcome}
    assert set(result.missing) == _relevant(ruleset, record)


def test_repeated_fact_is_unknown_as_kleene_says() -> None:
    """Kleene logic is not exact when a fact is read twice: ``a & ~a`` with ``a``
    missing is UNKNOWN (as in SQL and CQL), though every completion is NOT_MET."""
    a = V["cirrhosis"]
    ruleset = lc.Ruleset("contradiction", "a and not a", (a & ~a,))
    result = lc.evaluate({}, ruleset)
    assert result.status is lc.Eligibility.UNDETERMINED
    assert result.missing == ("cirrhosis",)
    for value in (True, False):
        assert lc.evaluate({"cirrhosis": value}, ruleset).status is lc.Eligibility.INELIGIBLE


@given(cases(read_once=False))
def test_missing_as_none_or_absent_is_the_same(case: tuple[lc.Ruleset, dict[str, Any]]) -> None:
    ruleset, record = case
    as_none = {n: record.get(n) for n in fact_names(ruleset)}
    absent = {n: v for n, v in record.items() if v is not None}
    a, b, c = (lc.evaluate(r, ruleset) for r in (record, as_none, absent))
    assert a == b == c
