"""Every interpreter handles every node class of the DSL, and refuses a class it does not know.

The interpreters walk the nodes with ``isinstance`` chains. Two things keep them whole:
a ruleset built to hold every node class the DSL defines (checked against the classes
themselves, so a class added to ``dsl`` without a use here fails), run through each
interpreter, whose engines must give ``lc.evaluate``'s outcomes; and a node class from
outside the DSL, which each interpreter must refuse with an error rather than render or
evaluate as something else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import attrs
import pytest

import liverfail_criteria as lc
from liverfail_criteria import dsl
from liverfail_criteria.dsl.types import BOOLEAN, ValueType
from liverfail_criteria.interpreters import clinical, markdown, text
from records import ACLF_PATIENT, CLF_PATIENT, NO_EXCLUSIONS


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


#: The node classes the DSL exports.
NODE_CLASSES = {
    getattr(dsl, name)
    for name in dsl.__all__
    if isinstance(getattr(dsl, name), type)
    and issubclass(getattr(dsl, name), dsl.Expr)
    and getattr(dsl, name) is not dsl.Expr
}

_V = lc.VARIABLES
#: ELIGIBILITY and one criterion for what it does not use.
EVERY_CLASS = lc.Ruleset(
    "every",
    "Every node class",
    (
        lc.ELIGIBILITY,
        lc.Criterion(
            "every.at_least",
            "Two of three",
            "at least two of: DIC, active haemorrhage, platelets below 50 × 10⁹/L",
            lc.at_least(2, _V["dic"], _V["active_hemorrhage"], _V["platelets"] < "50 10*9/L"),
        ),
    ),
)

RECORDS: list[dict[str, Any]] = [
    CLF_PATIENT,
    ACLF_PATIENT,
    NO_EXCLUSIONS,
    {},
    {**CLF_PATIENT, "dic": True, "platelets": "20 10*9/L"},
    {**ACLF_PATIENT, "active_hemorrhage": True, "platelets": None},
]


def test_the_dsl_exports_every_node_class() -> None:
    defined = {
        (c.__module__, c.__qualname__)
        for c in _subclasses(dsl.Expr)
        if c.__module__.startswith("liverfail_criteria.")
    }
    assert defined == {(c.__module__, c.__qualname__) for c in NODE_CLASSES}


def test_the_sample_holds_every_node_class() -> None:
    assert {type(n) for n in dsl.walk(EVERY_CLASS)} == NODE_CLASSES


def _table(records: list[dict[str, Any]]) -> Any:
    pl = pytest.importorskip("polars")
    names = list(dict.fromkeys(k for r in records for k in r))
    columns = {
        n: [
            None if r.get(n) is None else str(r[n]) if not isinstance(r[n], bool) else r[n]
            for r in records
        ]
        for n in names
    }
    # a column of true/false values stays boolean; any other is read from text
    frame = {}
    for n, values in columns.items():
        kinds = {type(v) for v in values if v is not None}
        frame[n] = pl.Series(n, values, dtype=pl.Boolean if kinds <= {bool} else pl.String)
    return pl.DataFrame(frame)


def _check_engine(screen: Callable[..., Any]) -> None:
    results = screen(_table(RECORDS), EVERY_CLASS)
    nodes = [*EVERY_CLASS.rulesets(), *EVERY_CLASS.criteria()]
    for i, record in enumerate(RECORDS):
        row = results.row(i, named=True)
        ref = lc.evaluate({k: v for k, v in record.items() if v is not None}, EVERY_CLASS)
        assert row["errors"] == []
        assert row["status"] == ref.status.value
        assert tuple(row["missing"]) == ref.missing
        for node in nodes:
            assert row[node.id] == ref.tree.find(node.id).outcome.as_bool(), (i, node.id)


def _record() -> None:
    for record in RECORDS:
        result = lc.evaluate({k: v for k, v in record.items() if v is not None}, EVERY_CLASS)
        assert {n.id for n in result.tree.walk()} >= {c.id for c in EVERY_CLASS.criteria()}


def _polars() -> None:
    _check_engine(lambda data, ruleset: lc.screen(data, ruleset, id_column=None))


def _sql() -> None:
    pytest.importorskip("duckdb")
    pytest.importorskip("sqlglot")
    _check_engine(lambda data, ruleset: lc.screen(data, ruleset, id_column=None, engine="duckdb"))


def _text() -> None:
    for node in dsl.walk(EVERY_CLASS):
        assert lc.describe(node)


def _clinical() -> None:
    for criterion in EVERY_CLASS.criteria():
        assert clinical.clinical(criterion.expr)
        assert clinical.clinical_items(criterion.expr)[0]
        clinical.boundaries(criterion.expr)


def _markdown() -> None:
    page = markdown.ruleset_page(EVERY_CLASS)
    assert all(f"{{ #{c.id} }}" in page for c in EVERY_CLASS.criteria())


INTERPRETERS: dict[str, Callable[[], None]] = {
    "record": _record,
    "polars": _polars,
    "sql": _sql,
    "text": _text,
    "clinical": _clinical,
    "markdown": _markdown,
}


@pytest.mark.parametrize("name", INTERPRETERS)
def test_every_interpreter_handles_every_node_class(name: str) -> None:
    INTERPRETERS[name]()


# -- a node class the interpreters do not know -------------------------------------------


@attrs.frozen(order=False)
class Foreign(dsl.Expr):
    """A true/false node from outside the DSL."""

    operand: dsl.Expr

    @property
    def type(self) -> ValueType:
        return BOOLEAN


FOREIGN = lc.Ruleset(
    "foreign",
    "Foreign",
    (lc.Criterion("foreign.c", "Foreign", "a foreign node", Foreign(_V["dic"])),),
)
REFUSALS: dict[str, Callable[[], object]] = {
    "record": lambda: lc.evaluate({"dic": True}, FOREIGN),
    "polars": lambda: lc.screen(_table([{"dic": True}]), FOREIGN),
    "sql": lambda: lc.to_sql(FOREIGN, table="t"),
    "text": lambda: lc.describe(FOREIGN.criteria()[0].expr),
    "clinical": lambda: clinical.clinical(FOREIGN.criteria()[0].expr),
    "boundaries": lambda: clinical.boundaries(FOREIGN.criteria()[0].expr),
    "markdown": lambda: markdown.ruleset_page(FOREIGN),
}


def test_refusals_cover_every_interpreter() -> None:
    assert set(REFUSALS) == {*INTERPRETERS, "boundaries"}


@pytest.mark.parametrize("name", REFUSALS)
def test_an_unknown_node_class_is_refused(name: str) -> None:
    if name in ("polars", "sql"):
        pytest.importorskip("polars")
    if name == "sql":
        pytest.importorskip("sqlglot")
    with pytest.raises(lc.DefinitionError, match="Foreign"):
        REFUSALS[name]()


def test_text_is_the_describer() -> None:
    assert text.describe is lc.describe
