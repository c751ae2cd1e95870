"""The SQL builders put parentheses where precedence needs them, and nowhere else.

Random expressions are built with :mod:`liverfail_criteria.interpreters.sql.ops`,
written in each dialect, and parsed back by sqlglot: the tree read back is the tree
built (its parentheses aside, and ``AND``/``OR``/``||`` chains read flat, as they are
associative). The engines' agreement with the reference (the differential and boundary
tests) checks the same texts against each engine's own parser.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sqlglot = pytest.importorskip("sqlglot")
exp = sqlglot.exp

from liverfail_criteria.interpreters.sql import ops  # noqa: E402
from liverfail_criteria.interpreters.sql.dialect import DIALECTS  # noqa: E402

_ASSOCIATIVE = (exp.And, exp.Or, exp.DPipe)


def _canonical(e: Any) -> Any:
    """A comparable form of a tree: no parentheses, associative chains as lists.

    (No casts either: the trees built have none, and sqlglot reads PostgreSQL's
    ``a / b`` with one, for its integer division.)
    """
    while isinstance(e, (exp.Paren, exp.Cast)):
        e = e.this
    if isinstance(e, exp.Is) and e.args.get("negate"):
        return _canonical(exp.Not(this=exp.Is(this=e.this.copy(), expression=exp.Null())))
    if isinstance(e, _ASSOCIATIVE):
        kind = type(e)
        operands: list[Any] = []
        stack = [e]
        while stack:
            node = stack.pop()
            while isinstance(node, (exp.Paren, exp.Cast)):
                node = node.this
            if type(node) is kind:
                stack += [node.expression, node.this]
            else:
                operands.append(_canonical(node))
        return (kind.__name__, tuple(operands))
    if isinstance(e, exp.Column):
        return ("Column", e.name)
    if isinstance(e, exp.Literal):
        return ("Literal", e.is_string, str(e.this))
    if isinstance(e, (exp.Null, exp.Boolean)):
        return (type(e).__name__, str(e.this))
    children = []
    for key in ("this", "expression", "ifs", "true", "default", "expressions"):
        value = e.args.get(key)
        if isinstance(value, list):
            children.append((key, tuple(_canonical(v) for v in value)))
        elif isinstance(value, exp.Expr):
            children.append((key, _canonical(value)))
    return (type(e).__name__, tuple(children))


def _numbers() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.sampled_from(["a", "b", "c"]).map(exp.column),
        st.integers(0, 9).map(ops.lit),
    )

    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        binary = st.sampled_from([ops.add, ops.sub, ops.mul, ops.div])
        return st.builds(lambda f, x, y: f(x, y), binary, inner, inner)

    return st.recursive(leaves, extend, max_leaves=6)


def _texts() -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.sampled_from(["s", "t"]).map(exp.column),
        st.sampled_from(["x", "y"]).map(ops.lit),
    )
    return st.recursive(leaves, lambda inner: st.builds(ops.concat, inner, inner), max_leaves=4)


def _conditions() -> st.SearchStrategy[Any]:
    compare = st.sampled_from([ops.eq, ops.ne, ops.lt, ops.le, ops.gt, ops.ge])
    leaves = st.one_of(
        st.builds(lambda f, x, y: f(x, y), compare, _numbers(), _numbers()),
        st.builds(ops.eq, _texts(), _texts()),
        st.builds(ops.is_null, _numbers()),
        st.builds(ops.is_not_null, _numbers()),
        st.sampled_from(["p", "q"]).map(exp.column),
    )

    def extend(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.builds(ops.and_, inner, inner),
            st.builds(ops.or_, inner, inner),
            st.builds(ops.not_, inner),
            st.builds(ops.is_null, inner),
            st.builds(ops.eq, inner, inner),
            st.builds(lambda c, v: ops.case([(c, v)], ops.lit(0)), inner, _numbers()),
        )

    return st.recursive(leaves, extend, max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(expression=_conditions())
@pytest.mark.parametrize("dialect", sorted(DIALECTS))
def test_an_expression_parses_back_as_built(dialect: str, expression: Any) -> None:
    text = expression.sql(dialect)
    parsed = sqlglot.parse_one(text, read=dialect)
    assert _canonical(parsed) == _canonical(expression), text


@pytest.mark.parametrize(
    ("build", "text"),
    [
        (lambda a, b, c: ops.sub(a, ops.sub(b, c)), "a - (b - c)"),
        (lambda a, b, c: ops.sub(ops.sub(a, b), c), "a - b - c"),
        (lambda a, b, c: ops.mul(ops.add(a, b), c), "(a + b) * c"),
        (lambda a, b, c: ops.add(a, ops.mul(b, c)), "a + b * c"),
        (lambda a, b, c: ops.or_(a, ops.and_(b, c)), "a OR (b AND c)"),
        (lambda a, b, c: ops.and_(a, ops.and_(b, c)), "a AND b AND c"),
        (lambda a, b, c: ops.not_(ops.eq(a, b)), "NOT a = b"),
        (lambda a, b, c: ops.not_(ops.and_(a, b)), "NOT (a AND b)"),
        (lambda a, b, c: ops.is_null(ops.eq(a, b)), "(a = b) IS NULL"),
        (lambda a, b, c: ops.is_not_null(ops.add(a, b)), "a + b IS NOT NULL"),
        (lambda a, b, c: ops.concat(ops.add(a, b), c), "(a + b) || c"),
        (
            lambda a, b, c: ops.case([(ops.and_(a, b), ops.add(b, c))]),
            "CASE WHEN a AND b THEN b + c END",
        ),
        (lambda a, b, c: ops.coalesce(ops.or_(a, b), c), "COALESCE(a OR b, c)"),
    ],
)
def test_parentheses_only_where_needed(build: Any, text: str) -> None:
    a, b, c = (exp.column(n) for n in "abc")
    assert build(a, b, c).sql("duckdb") == text


def test_the_whitespace_class_is_whitespace_in_duckdb() -> None:
    duckdb = pytest.importorskip("duckdb")
    from liverfail_criteria.interpreters.sql.dialect import DuckDB
    from liverfail_criteria.whitespace import WHITESPACE

    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT unnest(?) AS cp", [points])
    pattern = f"^{DuckDB.ws}$"
    found = con.execute("SELECT cp FROM t WHERE regexp_matches(chr(cp), ?)", [pattern]).fetchall()
    assert {cp for (cp,) in found} == {ord(c) for c in WHITESPACE}
