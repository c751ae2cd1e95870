"""The DSL: frozen nodes, checked when they are built; operators build trees."""

from __future__ import annotations

import attrs
import pytest

import liverfail_criteria as lc
from liverfail_criteria.dsl import AllOf, AnyOf, Compare, Constant, Not, Scaled

V = lc.VARIABLES


def test_operators_build_nodes() -> None:
    tb, uln = V["total_bilirubin"], V["total_bilirubin_uln"]
    expr = (tb > uln) & (tb < 10 * uln)
    assert isinstance(expr, AllOf)
    upper = expr.operands[1]
    assert isinstance(upper, Compare)
    assert upper.right == Scaled(uln, 10)
    assert isinstance(~V["dic"], Not)
    assert isinstance(V["dic"] | V["pregnant"], AnyOf)
    assert isinstance(V["sex"].eq("male"), Compare)


def test_constants_are_converted_when_the_rule_is_built() -> None:
    rule = V["total_bilirubin"] >= "5 mg/dL"
    assert isinstance(rule.right, Constant)
    assert rule.right.value == 85.52
    assert rule.right.text == "5 mg/dL"
    assert lc.describe(rule) == "total_bilirubin ≥ 5 mg/dL (85.52 µmol/L)"


def test_nodes_are_frozen_and_compare_by_value() -> None:
    a = V["inr"] > 1.5
    b = V["inr"] > "1.5"
    assert a == b
    assert hash(a) == hash(b)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        a.op = "<"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: V["total_bilirubin"] > "200 mmHg", "substance concentration"),
        (lambda: V["total_bilirubin"] > V["pao2"], "cannot compare"),
        (lambda: V["total_bilirubin"] & V["dic"], "true/false expressions"),
        (lambda: V["dic"] > 1, "ordered values"),
        (lambda: V["sex"].eq("other"), "cannot be compared"),
        (lambda: lc.at_least(3, V["dic"], V["pregnant"]), "1 ≤ n ≤ 2"),
        (lambda: lc.all_of(), "at least one"),
        (lambda: V["dic"] * 2, "only a quantity can be scaled"),
        (lambda: V["pao2"] / V["platelets"], "dimensionless fraction"),
        (lambda: lc.days_between(V["age"], V["assessment_date"]), "takes dates"),
        (lambda: lc.coalesce(V["age"], V["body_weight"]), "one type"),
        (lambda: lc.Criterion("x", "x", "x", V["age"]), "true/false expressions"),
        (lambda: lc.Criterion("x", "x", "x", V["sex"] == "male"), "use .eq()"),
        (lambda: lc.Criterion("x", "x", "x", V["dic"], gating="yes"), "gating"),
        (lambda: lc.Ruleset("r", "r", (), mode="all"), "no members"),
        (lambda: lc.Ruleset("r", "r", (V["dic"],), mode="most"), "mode"),  # type: ignore[arg-type]
    ],
)
def test_definition_errors(build: object, fragment: str) -> None:
    with pytest.raises(lc.DefinitionError, match=fragment):
        build()  # type: ignore[operator]


def test_bool_raises_so_and_or_if_cannot_be_misused() -> None:
    rule = V["inr"] > 1.5
    with pytest.raises(lc.DefinitionError, match="&, \\| and ~"):
        bool(rule)
    with pytest.raises(lc.DefinitionError):
        rule and V["dic"]
    with pytest.raises(lc.DefinitionError):
        if V["dic"]:
            pass


def test_duplicate_ids_with_different_rules_are_refused() -> None:
    a = lc.Criterion("same", "A", "A", V["dic"])
    b = lc.Criterion("same", "B", "B", V["pregnant"])
    with pytest.raises(lc.DefinitionError, match="share the id 'same'"):
        lc.Ruleset("r", "r", (a, b))
    assert lc.Ruleset("r", "r", (a, a)).criteria() == (a,)


def test_between_and_its_ends() -> None:
    age = V["age"]
    both = age.between("18 a", "65 a")
    assert [c.op for c in both.operands] == [">=", "<="]  # type: ignore[attr-defined]
    neither = age.between("18 a", "65 a", closed="none")
    assert [c.op for c in neither.operands] == [">", "<"]  # type: ignore[attr-defined]


def test_custom_variables_and_parameters_in_a_custom_ruleset() -> None:
    creatinine = lc.Variable(
        "creatinine",
        lc.ValueType(lc.Kind.QUANTITY, unit=lc.UnitSpec("umol/L", "µmol/L", ("umol/L",))),
        "Creatinine",
        "Serum creatinine.",
        plausible=(0, 3000),
    )
    cutoff = lc.Parameter("creatinine_cutoff", creatinine.type, "Cut-off.", default="133 umol/L")
    rules = lc.Ruleset("kidney", "Kidney", (lc.Criterion("k", "K", "K", creatinine >= cutoff),))
    assert rules.variables() == (creatinine,)
    assert rules.parameters() == (cutoff,)
    assert lc.evaluate({"creatinine": "150 umol/L"}, rules).status is lc.Eligibility.ELIGIBLE
    lowered = lc.evaluate(
        {"creatinine": "150 umol/L"}, rules, params={"creatinine_cutoff": "160 umol/L"}
    )
    assert lowered.status is lc.Eligibility.INELIGIBLE
    with pytest.raises(lc.CriteriaInputError, match="from 0 to 3000"):
        lc.evaluate({"creatinine": "5000 umol/L"}, rules)


def test_a_ruleset_cannot_redefine_a_dictionary_fact() -> None:
    fake_age = lc.Variable("age", lc.ValueType(lc.Kind.BOOLEAN), "Age", "Not an age.")
    rules = lc.Ruleset("r", "r", (lc.Criterion("c", "c", "c", fake_age),))
    with pytest.raises(lc.DefinitionError, match="differently"):
        lc.evaluate({}, rules)


def test_describe_in_names_and_labels() -> None:
    clf_bilirubin = lc.CLF.find("clf.bilirubin")
    assert isinstance(clf_bilirubin, lc.Criterion)
    assert lc.describe(clf_bilirubin.expr) == (
        "total_bilirubin > (total_bilirubin_uln, else parameter total_bilirubin_uln) and "
        "total_bilirubin < 10 × (total_bilirubin_uln, else parameter total_bilirubin_uln)"
    )
    assert lc.describe(clf_bilirubin.expr, "labels").startswith(
        "Total bilirubin > (ULN of total bilirubin"
    )
