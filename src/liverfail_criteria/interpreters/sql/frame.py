"""Columns added in stages, as ``with_columns`` adds them in polars: one CTE per stage.

The SQL twin of a polars LazyFrame under construction. Expressions name the columns
they read by *logical* names (:func:`ref`: ``fact.total_bilirubin``, ``node.clf``);
when a stage is added, each such reference is resolved to the column that currently
holds that name, and each column the stage defines gets a fresh physical name. So a
logical column can be redefined (a fact left out by a check across facts), as
``with_columns`` overwrites a column, without two SQL columns of one name; and every
expression is computed once, in its stage, and read by name afterwards.

The query is ``WITH s1 AS (SELECT *, ... FROM source), s2 AS (SELECT *, ... FROM s1),
... SELECT outputs FROM sN``: projections only, no joins, no aggregates, so every
engine keeps the source's rows (and DuckDB keeps their order).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...errors import CriteriaInputError

__all__ = ["PREFIX", "Frame", "ref", "references", "source_column"]

#: Every internal column's name starts with this; a table's own may not.
PREFIX = "__lc"
_REF = "\x00ref:"  # placeholder identifiers: never a real column name
_UNSAFE = re.compile(r"[^a-z0-9_]+")


def ref(logical: str) -> Any:
    """A reference to the internal column ``logical``, resolved when its stage is added."""
    from sqlglot import exp

    return exp.Column(this=exp.Identifier(this=_REF + logical, quoted=True))


def source_column(name: str) -> Any:
    """A column of the source table, by its name (quoted: any spelling is kept)."""
    from sqlglot import exp

    return exp.Column(this=exp.Identifier(this=name, quoted=True))


def references(expression: Any) -> set[str]:
    """The logical names an expression reads through :func:`ref`."""
    from sqlglot import exp

    found: set[str] = set()
    for column in expression.find_all(exp.Column):
        name = column.name
        if name.startswith(_REF):
            found.add(name[len(_REF) :])
    return found


class Frame:
    """A query under construction: a source and the stages of columns added to it.

    Args:
        source: the ``FROM`` item (a table or a table function), as a sqlglot expression.
        columns: the source's column names (checked against the internal prefix).
    """

    def __init__(self, source: Any, columns: Iterable[str]) -> None:
        for name in columns:
            if name.lower().startswith(PREFIX):
                raise CriteriaInputError(
                    "table", name, f"column names that do not start with {PREFIX!r}"
                )
        self.source = source
        self.stages: list[list[tuple[str, Any]]] = []
        self.physical: dict[str, str] = {}
        self._count = 0

    def has(self, logical: str) -> bool:
        """Whether an internal column ``logical`` exists."""
        return logical in self.physical

    def resolve(self, expression: Any) -> Any:
        """``expression`` with every :func:`ref` replaced by the column it names now."""
        from sqlglot import exp

        def replace(node: Any) -> Any:
            if isinstance(node, exp.Column) and node.name.startswith(_REF):
                logical = node.name[len(_REF) :]
                if logical not in self.physical:
                    raise KeyError(f"no internal column {logical!r}")
                return exp.Column(this=exp.Identifier(this=self.physical[logical], quoted=True))
            return node

        return expression.transform(replace, copy=True)

    def alias(self, logical: str, existing: str) -> None:
        """Let ``logical`` name the column that ``existing`` names now (no new column)."""
        self.physical[logical] = self.physical[existing]

    def add(self, columns: Mapping[str, Any]) -> None:
        """Add a stage defining each ``logical: expression`` (reading earlier stages)."""
        if not columns:
            return
        stage: list[tuple[str, Any]] = []
        names: dict[str, str] = {}
        for logical, expression in columns.items():
            self._count += 1
            hint = _UNSAFE.sub("_", logical.lower())[:40]
            physical = f"{PREFIX}{self._count}_{hint}"
            stage.append((physical, self.resolve(expression)))
            names[logical] = physical
        self.stages.append(stage)
        self.physical.update(names)

    def select(self, outputs: Sequence[tuple[str, Any]]) -> Any:
        """The whole query: the stages as CTEs, then ``outputs`` (name, expression).

        Each stage is ``SELECT *, <its new columns> FROM <the stage before>`` and defines
        only the columns that a later stage or the outputs read, so the query grows with
        what is computed, not with the number of columns passed along; the engines read
        only the columns the outputs need.
        """
        from sqlglot import exp

        final = [(name, self.resolve(e)) for name, e in outputs]
        live = set().union(*(_columns(e) for _, e in final))
        plans: list[list[tuple[str, Any]]] = []
        for stage in reversed(self.stages):
            defined = [(name, e) for name, e in stage if name in live]
            plans.append(defined)
            live = live.union(*(_columns(e) for _, e in defined))
        plans.reverse()
        previous = self.source
        query = exp.select(*[exp.alias_(e, name, quoted=True) for name, e in final])
        i = 0
        for defined in plans:
            if not defined:
                continue
            i += 1
            items: list[Any] = [exp.Star()]
            items += [exp.alias_(e, name, quoted=True) for name, e in defined]
            body = exp.select(*items).from_(previous.copy())
            alias = f"{PREFIX}_s{i}"
            query = query.with_(alias, as_=body, copy=False)
            previous = exp.to_table(alias)
        return query.from_(previous, copy=False)


def _columns(expression: Any) -> set[str]:
    """The names of the columns an expression reads (quoted: a lambda's variable is not)."""
    from sqlglot import exp

    return {c.name for c in expression.find_all(exp.Column) if c.this.quoted}
