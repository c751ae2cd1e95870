"""The library's three-valued logic and comparisons against the HL7 CQL conformance suite.

The XML files of github.com/cqframework/cql-tests (logical, nullological and comparison
operators) live in the shared folder beside the project. A tiny parser reads the subset
of CQL this library models: the literals ``true``, ``false`` and ``null``, integers,
longs, decimals and quantities with a UCUM unit (``1'cm'``), the operators ``and``, ``or``,
``xor``, ``implies`` and ``not``, the comparisons ``= != < <= > >=`` and ``between``, and
``IsNull``, ``IsTrue``, ``IsFalse`` and ``Coalesce`` over scalars. Every other
expression (strings, tuples, lists, dates and times, ratios, ``~``, casts, calendar
durations) is left out by the parser, not skipped by pytest.

Each supported case is evaluated twice, and both must give the CQL result:

* by the kernel: logical operators through :mod:`liverfail_criteria.logic`, literals
  converted to their canonical unit by :meth:`UnitSpec.convert`;
* by the evaluator: the expression is built as a DSL expression over custom facts (one
  fact per literal; ``null`` is a missing fact), wrapped in a criterion and a ruleset,
  and evaluated with :func:`liverfail_criteria.evaluate`.
"""

from __future__ import annotations

import itertools
import operator
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import liverfail_criteria as lc
from conftest import SHARED, Engine
from liverfail_criteria import logic
from liverfail_criteria.dsl import Constant
from liverfail_criteria.logic import Outcome

CQL_DIR = SHARED / "conformance" / "cql-tests"
NS = {"t": "http://hl7.org/fhirpath/tests"}
FILES = (
    "CqlLogicalOperatorsTest.xml",
    "CqlNullologicalOperatorsTest.xml",
    "CqlComparisonOperatorsTest.xml",
)
#: The supported cases per file, as counted when this test was written. A parser
#: regression that silently drops cases makes test_supported_case_floor fail.
FLOORS = {
    "CqlLogicalOperatorsTest.xml": 39,
    "CqlNullologicalOperatorsTest.xml": 9,
    "CqlComparisonOperatorsTest.xml": 87,
}

MET, NOT_MET, UNKNOWN = Outcome.MET, Outcome.NOT_MET, Outcome.UNKNOWN

# -- types of the modelled values ---------------------------------------------------------

#: A length, for quantity literals: canonical metre, centimetre accepted.
LENGTH = lc.UnitSpec(canonical="m", symbol="m", accepted=("m", "cm"))
#: A plain number (CQL Integer and Decimal), read without a unit.
NUMBER = lc.UnitSpec(canonical="1", symbol="", accepted=("1",), bare_number=True)
QUANTITY_SPECS = (LENGTH,)

BOOL = lc.ValueType(lc.Kind.BOOLEAN)
NUM = lc.ValueType(lc.Kind.QUANTITY, unit=NUMBER)


class Unsupported(Exception):
    """The expression is outside the subset of CQL this library models."""


# -- the abstract syntax ------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    """A literal: ``kind`` is "bool", "num", "qty" or "null"."""

    kind: str
    value: Any = None  # bool, or the number's text ("1.50", "-1")
    unit: str | None = None


@dataclass(frozen=True)
class Op:
    """An operator or function applied to operands."""

    name: str
    args: tuple[Any, ...] = field(default=())


# -- the parser ---------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d+)?)(?P<long>L)?(?:\s*'(?P<unit>[^']*)')?
      | (?P<string>'[^']*')
      | (?P<op><=|>=|!=|!~|[=<>(),~\-])
      | (?P<word>[A-Za-z_][A-Za-z_0-9]*)
      | (?P<other>\S)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"true", "false", "null", "and", "or", "xor", "implies", "not", "between"}
_FUNCTIONS = {"IsNull", "IsTrue", "IsFalse", "Coalesce"}
_COMPARISONS = ("=", "!=", "<", "<=", ">", ">=")


def tokenize(text: str) -> list[tuple[str, Any]]:
    tokens: list[tuple[str, Any]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise Unsupported(f"cannot read {text[pos:]!r}")
        pos = m.end()
        if m.group("num") is not None:  # an Integer, Long (1L) or Decimal
            if m.group("long") and m.group("unit") is not None:
                raise Unsupported("a Long with a unit")
            unit = m.group("unit")
            if unit is None:
                tokens.append(("num", m.group("num")))
            else:
                tokens.append(("qty", (m.group("num"), unit)))
        elif m.group("string") is not None:
            raise Unsupported("string literal")
        elif m.group("op") is not None:
            if m.group("op") in ("~", "!~"):
                raise Unsupported("equivalence")
            tokens.append(("op", m.group("op")))
        elif m.group("word") is not None:
            word = m.group("word")
            if word not in _KEYWORDS and word not in _FUNCTIONS:
                raise Unsupported(f"identifier {word!r}")
            tokens.append(("word", word))
        else:
            raise Unsupported(f"character {m.group('other')!r}")
    return tokens


class Parser:
    """Recursive descent, CQL precedence: implies < or/xor < and < not < = != < compare."""

    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0

    def peek(self) -> tuple[str, Any] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, Any]:
        token = self.peek()
        if token is None:
            raise Unsupported("unexpected end")
        self.i += 1
        return token

    def accept(self, kind: str, value: str) -> bool:
        if self.peek() == (kind, value):
            self.i += 1
            return True
        return False

    def expect(self, kind: str, value: str) -> None:
        if not self.accept(kind, value):
            raise Unsupported(f"expected {value!r}, got {self.peek()!r}")

    def parse(self) -> Any:
        node = self.implies()
        if self.peek() is not None:
            raise Unsupported(f"trailing {self.peek()!r}")
        return node

    def implies(self) -> Any:
        node = self.disjunction()
        while self.accept("word", "implies"):
            node = Op("implies", (node, self.disjunction()))
        return node

    def disjunction(self) -> Any:
        node = self.conjunction()
        while True:
            if self.accept("word", "or"):
                node = Op("or", (node, self.conjunction()))
            elif self.accept("word", "xor"):
                node = Op("xor", (node, self.conjunction()))
            else:
                return node

    def conjunction(self) -> Any:
        node = self.negation()
        while self.accept("word", "and"):
            node = Op("and", (node, self.negation()))
        return node

    def negation(self) -> Any:
        if self.accept("word", "not"):
            return Op("not", (self.negation(),))
        return self.equality()

    def equality(self) -> Any:
        node = self.relation()
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in ("=", "!="):
            self.take()
            node = Op(token[1], (node, self.relation()))
        return node

    def relation(self) -> Any:
        node = self.primary()
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] in ("<", "<=", ">", ">="):
            self.take()
            return Op(token[1], (node, self.primary()))
        if self.accept("word", "between"):
            low = self.primary()
            self.expect("word", "and")
            return Op("between", (node, low, self.primary()))
        return node

    def primary(self) -> Any:
        kind, value = self.take()
        if kind == "word" and value in ("true", "false"):
            return Lit("bool", value == "true")
        if kind == "word" and value == "null":
            return Lit("null")
        if kind == "num":
            return Lit("num", value)
        if kind == "qty":
            return Lit("qty", value[0], value[1])
        if (kind, value) == ("op", "-"):
            operand = self.primary()
            if not isinstance(operand, Lit) or operand.kind not in ("num", "qty"):
                raise Unsupported("unary minus of a non-number")
            return Lit(operand.kind, "-" + operand.value, operand.unit)
        if (kind, value) == ("op", "("):
            node = self.implies()
            self.expect("op", ")")
            return node
        if kind == "word" and value in _FUNCTIONS:
            self.expect("op", "(")
            args = [self.implies()]
            while self.accept("op", ","):
                args.append(self.implies())
            self.expect("op", ")")
            return Op(value, tuple(args))
        raise Unsupported(f"unexpected {value!r}")


# -- typing: which modelled type each literal has ---------------------------------------


def _quantity_spec(unit: str) -> lc.UnitSpec:
    for spec in QUANTITY_SPECS:
        try:
            spec.factor(unit)
        except lc.CriteriaInputError:
            continue
        return spec
    raise Unsupported(f"unit {unit!r}")


def scalar_type(lit: Lit) -> lc.ValueType | None:
    """The value type of a literal; ``None`` for ``null`` (typed by its context)."""
    if lit.kind == "bool":
        return BOOL
    if lit.kind == "num":
        return NUM
    if lit.kind == "qty":
        return lc.ValueType(lc.Kind.QUANTITY, unit=_quantity_spec(lit.unit))
    return None


def check(node: Any, want: lc.ValueType | None = BOOL) -> None:
    """Raise Unsupported unless ``node`` is a well-typed expression of the subset.

    Logical operators and IsTrue/IsFalse/Coalesce take true/false operands; comparison
    and IsNull operands are scalar literals (``null`` takes its type from the other side).
    """
    if isinstance(node, Lit):
        t = scalar_type(node)
        if t is not None and want is not None and t.kind is not want.kind:
            raise Unsupported(f"{node} is not a {want}")
        return
    if node.name in ("and", "or", "xor", "implies", "not", "IsTrue", "IsFalse", "Coalesce"):
        for arg in node.args:
            check(arg, BOOL)
        return
    if node.name == "IsNull":
        if len(node.args) != 1 or not isinstance(node.args[0], Lit):
            raise Unsupported("IsNull of a non-scalar")
        return
    # comparisons: every operand a literal, all of one type
    if not all(isinstance(a, Lit) for a in node.args):
        raise Unsupported("comparison of non-literals")
    types = {scalar_type(a) for a in node.args} - {None}
    if not types:
        raise Unsupported("comparison of untyped nulls")
    kinds = {(t.kind, t.unit.canonical if t.unit else None) for t in types}
    if len(kinds) != 1:
        raise Unsupported("comparison across types")
    (t,) = {t.kind for t in types}
    if node.name not in ("=", "!=") and t is lc.Kind.BOOLEAN:
        raise Unsupported("ordering of booleans")


def operand_type(lits: tuple[Lit, ...]) -> lc.ValueType:
    """The common type of a comparison's operands."""
    return next(t for t in map(scalar_type, lits) if t is not None)


# -- backend 1: the kernel (lc.logic) and UnitSpec.convert ------------------------------

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def kernel_value(lit: Lit, t: lc.ValueType) -> Any:
    """A literal's canonical value (``None`` for ``null``)."""
    if lit.kind == "null":
        return None
    if lit.kind == "bool":
        return lit.value
    assert t.unit is not None
    value, _ = t.unit.convert({"value": float(lit.value), "unit": lit.unit or "1"})
    return value


def kernel(node: Any) -> Outcome:
    if isinstance(node, Lit):
        return Outcome.of(kernel_value(node, BOOL))
    args = node.args
    name = node.name
    if name == "and":
        return logic.and_(kernel(a) for a in args)
    if name == "or":
        return logic.or_(kernel(a) for a in args)
    if name == "xor":
        return logic.xor(kernel(args[0]), kernel(args[1]))
    if name == "implies":
        return logic.implies(kernel(args[0]), kernel(args[1]))
    if name == "not":
        return logic.not_(kernel(args[0]))
    if name == "Coalesce":
        return logic.coalesce(kernel(a) for a in args)
    if name == "IsTrue":
        return logic.coalesce((kernel(args[0]), NOT_MET))
    if name == "IsFalse":
        return logic.coalesce((logic.not_(kernel(args[0])), NOT_MET))
    if name == "IsNull":
        return Outcome.of(args[0].kind == "null")
    t = operand_type(args)
    values = [kernel_value(a, t) for a in args]
    if name == "between":
        x, low, high = values
        return logic.and_((compare(">=", x, low), compare("<=", x, high)))
    return compare(name, *values)


def compare(op: str, left: Any, right: Any) -> Outcome:
    if left is None or right is None:
        return UNKNOWN
    return Outcome.of(_COMPARE[op](left, right))


# -- backend 2: a DSL expression evaluated by lc.evaluate --------------------------------

FALSE = Constant(False, BOOL, "false")


class Builder:
    """Builds the DSL expression of a parsed case, and the record of its literals."""

    def __init__(self, case: str) -> None:
        self.prefix = "cql_" + re.sub(r"\W", "_", case).lower()
        self.counter = itertools.count()
        self.record: dict[str, object] = {}
        self.nulls: list[str] = []

    def fact(self, lit: Lit, t: lc.ValueType) -> lc.Variable:
        name = f"{self.prefix}_{next(self.counter)}"
        var = lc.Variable(name, t, name, f"literal {lit}")
        if lit.kind == "null":
            self.nulls.append(name)
        elif lit.kind == "bool":
            self.record[name] = lit.value
        else:  # the literal's text with its unit, read by UnitSpec.convert
            self.record[name] = f"{lit.value} {lit.unit}" if lit.unit else lit.value
        return var

    def build(self, node: Any) -> lc.Expr:
        if isinstance(node, Lit):
            return self.fact(node, BOOL)
        name, args = node.name, node.args
        if name == "and":
            return lc.all_of(*(self.build(a) for a in args))
        if name == "or":
            return lc.any_of(*(self.build(a) for a in args))
        if name == "not":
            return ~self.build(args[0])
        if name == "implies":
            a, b = self.build(args[0]), self.build(args[1])
            return lc.any_of(~a, b)
        if name == "xor":
            a, b = self.build(args[0]), self.build(args[1])
            return lc.any_of(lc.all_of(a, ~b), lc.all_of(~a, b))
        if name == "Coalesce":  # CQL: the first non-null operand, else null
            operands = [self.build(a) for a in args]
            return lc.coalesce(*operands) if len(operands) > 1 else operands[0]
        if name == "IsTrue":
            return lc.coalesce(self.build(args[0]), FALSE)
        if name == "IsFalse":
            return lc.coalesce(~self.build(args[0]), FALSE)
        if name == "IsNull":
            t = scalar_type(args[0]) or BOOL
            x = self.fact(args[0], t)
            return ~lc.coalesce(x.eq(x), FALSE)
        t = operand_type(args)
        facts = [self.fact(a, t) for a in args]
        if name == "between":
            return facts[0].between(facts[1], facts[2])
        left, right = facts
        return {
            "=": left.eq,
            "!=": left.ne,
            "<": left.__lt__,
            "<=": left.__le__,
            ">": left.__gt__,
            ">=": left.__ge__,
        }[name](right)


def through_evaluator(case: str, node: Any) -> tuple[Outcome, lc.Result, Builder]:
    builder = Builder(case)
    expr = builder.build(node)
    criterion = lc.Criterion(f"{builder.prefix}.criterion", case, case, expr)
    ruleset = lc.Ruleset(builder.prefix, case, (criterion,))
    result = lc.evaluate(builder.record, ruleset)
    outcome = {
        lc.Eligibility.ELIGIBLE: MET,
        lc.Eligibility.INELIGIBLE: NOT_MET,
        lc.Eligibility.UNDETERMINED: UNKNOWN,
    }[result.status]
    return outcome, result, builder


# -- loading the suite --------------------------------------------------------------------

_OUTPUTS = {"true": MET, "false": NOT_MET, "null": UNKNOWN}


@dataclass(frozen=True)
class Case:
    file: str
    group: str
    name: str
    expression: str
    expected: Outcome
    tree: Any


def read_cases(folder: Path) -> tuple[list[Case], int]:
    """Every supported case in the folder's files, and how many tests there are in all."""
    cases: list[Case] = []
    total = 0
    for file in FILES:
        root = ET.parse(folder / file).getroot()
        for group in root.findall("t:group", NS):
            for test in group.findall("t:test", NS):
                total += 1
                expression = test.findtext("t:expression", default="", namespaces=NS)
                outputs = test.findall("t:output", NS)
                if test.get("invalid") or len(outputs) != 1:
                    continue
                expected = _OUTPUTS.get((outputs[0].text or "").strip())
                if expected is None:
                    continue
                try:
                    tree = Parser(expression).parse()
                    check(tree)
                except Unsupported:
                    continue
                cases.append(
                    Case(
                        file,
                        group.get("name", ""),
                        test.get("name", ""),
                        expression,
                        expected,
                        tree,
                    )
                )
    return cases, total


MISSING_MESSAGE = (
    f"the HL7 CQL conformance suite is missing: expected {', '.join(FILES)} in "
    f"{CQL_DIR} (the shared folder beside the project, tests/conftest.py SHARED)"
)

if CQL_DIR.is_dir() and all((CQL_DIR / f).is_file() for f in FILES):
    CASES, TOTAL = read_cases(CQL_DIR)
    PARAMS = [pytest.param(c, id=f"{Path(c.file).stem}/{c.name}") for c in CASES]
else:
    CASES, TOTAL = [], 0
    PARAMS = [pytest.param(None, id="conformance-suite-missing")]


def _require_suite() -> None:
    if not CASES:
        pytest.fail(MISSING_MESSAGE)


# -- the tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", PARAMS)
def test_kernel_matches_cql(case: Case | None) -> None:
    _require_suite()
    assert case is not None
    assert kernel(case.tree) is case.expected, case.expression


@pytest.mark.parametrize("case", PARAMS)
def test_evaluator_matches_cql(case: Case | None) -> None:
    _require_suite()
    assert case is not None
    outcome, result, builder = through_evaluator(case.name, case.tree)
    assert outcome is case.expected, case.expression
    # a decided status has nothing missing; an undetermined one names only null facts
    if outcome is UNKNOWN:
        assert result.missing
        assert set(result.missing) <= set(builder.nulls)
    else:
        assert result.missing == ()


def test_every_engine_matches_cql(engine: Engine) -> None:
    """The cases a dozen at a time, each a criterion of one ruleset over one record of
    all their literals: the reference, polars and DuckDB SQL give CQL's answer to each.

    (A dozen: a ruleset of every case reads some 400 facts, whose masks make DuckDB's
    query take minutes.)
    """
    _require_suite()
    wrong = []
    for start in range(0, len(CASES), 12):
        criteria, record, expected = [], {}, {}
        for case in CASES[start : start + 12]:
            builder = Builder(f"{Path(case.file).stem}_{case.name}")
            criterion = lc.Criterion(
                f"{builder.prefix}.criterion", case.name, case.expression, builder.build(case.tree)
            )
            criteria.append(criterion)
            record.update(builder.record)
            expected[criterion.id] = case.expected
        ruleset = lc.Ruleset("cql", "CQL conformance", tuple(criteria))
        (got,) = engine.all_outcomes(ruleset, [record])
        wrong += [
            f"{i}: {got[i].name}, not {e.name}" for i, e in expected.items() if got[i] is not e
        ]
    assert not wrong, f"{engine}:\n" + "\n".join(wrong)


def test_suite_is_present() -> None:
    assert CQL_DIR.is_dir(), MISSING_MESSAGE
    for file in FILES:
        assert (CQL_DIR / file).is_file(), MISSING_MESSAGE


def test_supported_case_floor() -> None:
    _require_suite()
    per_file = {f: sum(c.file == f for c in CASES) for f in FILES}
    for file, floor in FLOORS.items():
        assert per_file[file] >= floor, f"{file}: {per_file[file]} supported cases, want ≥ {floor}"
    assert len(CASES) >= sum(FLOORS.values())
    assert len(CASES) < TOTAL  # the subset really is a subset: the parser skips some


def test_case_ids_are_unique() -> None:
    _require_suite()
    ids = [(Path(c.file).stem, c.name) for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("'a' = 'a'", "string"),
        ("1L'cm' = 1L'cm'", "Long with a unit"),
        ("1'cm':2'cm' = 1'cm':2'cm'", "ratio"),
        ("Tuple { Id : 1 } = Tuple { Id : 1 }", "tuple"),
        ("DateTime(2012, 2, 12) > DateTime(2012, 2, 10)", "date"),
        ("Today() = Today()", "today"),
        ("@T10:00:00.000 = @T10:00:00.000", "time"),
        ("1 ~ 1", "equivalence"),
        ("null as String = null", "cast"),
        ("1 second = 1 's'", "calendar duration"),
        ("1 = true", "types"),
        ("1'cm' = 1", "types"),
        ("1 'ms' = 1 'ms'", "unit outside the modelled specs"),
        ("Coalesce({'a'}, null)", "list"),
        ("true and", "incomplete"),
    ],
)
def test_parser_refuses_outside_the_subset(expression: str, reason: str) -> None:
    with pytest.raises(Unsupported):
        check(Parser(expression).parse())


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("not (true and null) or false", UNKNOWN),
        ("true and not false implies null", UNKNOWN),
        ("false implies null and null", MET),
        ("1 between 1 and 1", MET),
        ("null between 1 and 2", UNKNOWN),
        ("3'cm' between 0.01'm' and 2'cm'", NOT_MET),
        ("IsNull(-1.5'cm')", NOT_MET),
        ("Coalesce(null, false, true)", NOT_MET),
        ("Coalesce(null, null)", UNKNOWN),
        ("Coalesce(null, null, true)", MET),
        ("IsTrue(true and null)", NOT_MET),
        ("100'cm' = 1'm'", MET),
        ("-1 < -0.5", MET),
        ("-30L < -20", MET),
    ],
)
def test_parser_and_backends_on_composite_expressions(expression: str, expected: Outcome) -> None:
    """Expressions the suite does not hold, to show both backends handle nesting."""
    tree = Parser(expression).parse()
    check(tree)
    assert kernel(tree) is expected
    outcome, _, _ = through_evaluator(expression, tree)
    assert outcome is expected
