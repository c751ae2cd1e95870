"""Columns added in stages, as ``with_columns`` adds them in polars: one named CTE per stage.

The SQL twin of a polars LazyFrame under construction. Expressions name the columns
they read by *logical* names (:func:`ref`: ``fact.total_bilirubin``, ``node.clf``);
when a stage is added, each expression is written as SQL at once (sqlglot generates
it, once) and each reference in the text is resolved to the column that holds that
name then. Each column the stage defines gets a physical name of its own, the logical
name after the internal prefix (``"__lc.fact.age"``; a redefinition ``"__lc.fact.age.v2"``),
so a logical column can be redefined (a fact left out by a check across facts), as
``with_columns`` overwrites a column, without two SQL columns of one name; and every
expression is computed once, in its stage, and read by name afterwards.

The query is ``WITH cells AS (SELECT *, ... FROM source), units AS (SELECT *, ... FROM
cells), ... SELECT outputs FROM criteria_4``: projections only, no joins, no
aggregates, so every engine keeps the source's rows (and DuckDB keeps their order).
Each stage is named for what it holds (:func:`stage_name`); a stage defines only the
columns that a later stage or the outputs read.

A column whose expression is a constant NULL is remembered (:meth:`Frame.is_null`), so
that the compiler need not build stages of arithmetic on a value it knows is missing:
Spark's optimizer inlines constant expressions into every column that reads them, and
a chain of such stages grows exponentially before it folds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ...errors import CriteriaInputError
from .dialect import SqlDialect

__all__ = ["PREFIX", "Frame", "Query", "is_null_constant", "ref", "source_column", "stage_name"]

#: Every internal column's name starts with this; a table's own may not.
PREFIX = "__lc"
_REF = "\x00ref:"  # placeholder identifiers: never a real column name
_END = "\x01"
_PLACEHOLDER = re.compile("\x00ref:([^\x01]*)\x01")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.]+")
#: PostgreSQL keeps the first 63 bytes of a name; longer names are shortened, uniquely.
_LONGEST = 63

#: The stages :func:`~.cells.read_cells` and the compiler add, named by the kinds of
#: column they define (the part of each logical name before its first dot).
_STAGES: tuple[tuple[frozenset[str], str], ...] = tuple(
    (frozenset(kinds.split()), name)
    for kinds, name in (
        ("row", "numbered"),
        ("txt", "trimmed"),
        ("txt usrc", "trimmed"),
        ("usrc", "trimmed"),
        ("cm", "comparators_found"),
        ("cmp rest", "comparators"),
        ("m", "numbers_found"),
        ("n u", "numbers"),
        ("num unit bad", "cells"),
        ("num unit bad fact given err", "cells"),
        ("fact given err", "cells"),
        ("product unit_error", "units"),
        ("q", "rounding"),
        ("conv", "rounded"),
        ("expected", "checks"),
        ("fact bound comparator given err", "facts"),
        ("fact check", "after_assessment"),
        ("check", "contradictions"),
        ("given", "dated"),
        ("fact given", "consistent"),
        ("fact bound comparator", "absent"),
        ("fact", "implied"),
        ("derived", "derived"),
        ("node", "criteria"),
        ("node mask", "criteria"),
        ("mask", "missing"),
    )
)


def stage_name(logicals: Iterable[str]) -> str:
    """A name for a stage that defines the columns ``logicals``: what they hold."""
    kinds = frozenset(name.split(".", 1)[0] for name in logicals)
    for known, name in _STAGES:
        if kinds == known:
            return name
    return "_".join(sorted(_UNSAFE.sub("_", k).replace(".", "_") for k in kinds))[:30] or "stage"


def ref(logical: str) -> Any:
    """A reference to the internal column ``logical``, resolved when its stage is added."""
    from sqlglot import exp

    return exp.Column(this=exp.Identifier(this=_REF + logical + _END, quoted=True))


def source_column(name: str) -> Any:
    """A column of the source table, by its name (quoted: any spelling is kept)."""
    from sqlglot import exp

    return exp.Column(this=exp.Identifier(this=name, quoted=True))


def _logical(expression: Any) -> str | None:
    """The logical name an expression is a bare :func:`ref` to, else ``None``."""
    from sqlglot import exp

    if isinstance(expression, exp.Column):
        name = expression.name
        if name.startswith(_REF) and name.endswith(_END):
            return str(name[len(_REF) : -len(_END)])
    return None


def is_null_constant(expression: Any, nulls: Any) -> bool:
    """Whether ``expression`` is NULL whatever the row, by the rules every SQL engine keeps.

    A NULL (cast or not); a reference to a column ``nulls(logical)`` says is one;
    arithmetic, a comparison, ``ABS``, ``FLOOR`` or a cast of such a value; a
    ``COALESCE`` of such values; and a ``CASE`` whose every result (and ``ELSE``, if it
    has one) is one. ``AND``, ``OR`` and ``IS NULL`` are not strict and never count.
    """
    from sqlglot import exp

    e = expression
    while isinstance(e, (exp.Paren, exp.Cast, exp.Neg, exp.Abs, exp.Floor)):
        e = e.this
    if isinstance(e, exp.Null):
        return True
    logical = _logical(e)
    if logical is not None:
        return bool(nulls(logical))
    strict = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)
    if isinstance(e, strict):
        return is_null_constant(e.this, nulls) or is_null_constant(e.expression, nulls)
    if isinstance(e, exp.Coalesce):
        operands = [e.this, *(e.args.get("expressions") or [])]
        return all(is_null_constant(o, nulls) for o in operands)
    if isinstance(e, exp.Case) and e.args.get("this") is None:
        results = [i.args["true"] for i in e.args.get("ifs") or []]
        default = e.args.get("default")
        if default is not None:
            results.append(default)
        return all(is_null_constant(r, nulls) for r in results)
    return False


class Query(str):
    """The SQL text of a query, in one dialect; :meth:`sql` gives it, as sqlglot's would."""

    dialect: str

    def __new__(cls, text: str, dialect: str) -> Query:
        query = super().__new__(cls, text)
        query.dialect = dialect
        return query

    def sql(self, dialect: str | None = None) -> str:
        """The text (in the dialect it was written in: ask for no other)."""
        if dialect is not None and dialect != self.dialect:
            raise ValueError(f"a query written in {self.dialect}, not {dialect}")
        return str(self)


class _Column:
    """One column of a stage: its physical name, its SQL text, the columns it reads."""

    __slots__ = ("name", "reads", "text")

    def __init__(self, name: str, text: str, reads: frozenset[str]) -> None:
        self.name = name
        self.text = text
        self.reads = reads


class Frame:
    """A query under construction: a source and the named stages of columns added to it.

    Args:
        source: the ``FROM`` item (a table or a table function), as a sqlglot expression.
        columns: the source's column names (checked against the internal prefix).
        d: the dialect the SQL is written in (DuckDB's if not given).
        pretty: indent the SQL.
    """

    def __init__(
        self,
        source: Any,
        columns: Iterable[str],
        d: SqlDialect | None = None,
        *,
        pretty: bool = False,
    ) -> None:
        from sqlglot import exp
        from sqlglot.dialects.dialect import Dialect

        from .dialect import DuckDB

        d = d if d is not None else DuckDB()
        for name in columns:
            if name.lower().startswith(PREFIX):
                raise CriteriaInputError(
                    "table", name, f"column names that do not start with {PREFIX!r}"
                )
        self.d = d
        self.pretty = pretty
        self._generator = Dialect.get_or_raise(d.name).generator(pretty=pretty)
        self._quote = exp.to_identifier("x", quoted=True).sql(d.name)[0]
        self._source = self._generator.generate(source, copy=True)
        self.stages: list[tuple[str, list[_Column]]] = []
        self.physical: dict[str, str] = {}
        self._nulls: set[str] = set()
        self._taken: set[str] = set()
        # a stage must not take the name of a table the source reads
        self._stage_names = {t.name.lower() for t in source.find_all(exp.Table)}
        self._stage_names |= {a.lower() for a in _aliases(source)}

    def has(self, logical: str) -> bool:
        """Whether an internal column ``logical`` exists."""
        return logical in self.physical

    def is_null(self, logical: str) -> bool:
        """Whether internal column ``logical`` is a constant NULL."""
        return self.physical.get(logical) in self._nulls

    def alias(self, logical: str, existing: str) -> None:
        """Let ``logical`` name the column that ``existing`` names now (no new column)."""
        self.physical[logical] = self.physical[existing]

    def sql(self, expression: Any) -> tuple[str, frozenset[str]]:
        """``expression`` as SQL, each :func:`ref` resolved; and the columns it reads.

        The expression is generated as it is (not copied): a caller hands it over.
        """
        text = self._generator.generate(expression, copy=False)
        reads: set[str] = set()
        physical = self.physical

        def resolve(match: re.Match[str]) -> str:
            logical = match.group(1)
            if logical not in physical:
                raise KeyError(f"no internal column {logical!r}")
            name = physical[logical]
            reads.add(name)
            return name

        return _PLACEHOLDER.sub(resolve, text), frozenset(reads)

    def add(self, columns: Mapping[str, Any], name: str | None = None) -> None:
        """Add a stage defining each ``logical: expression`` (reading earlier stages).

        Args:
            columns: the columns, by logical name.
            name: what the stage holds (a plain SQL name); else named by
                :func:`stage_name`. A name already taken is numbered (``rounding_2``).
        """
        if not columns:
            return
        stage: list[_Column] = []
        names: dict[str, str] = {}
        nulls = self.is_null
        for logical, expression in columns.items():
            physical = self._physical(logical)
            text, reads = self.sql(expression)
            if is_null_constant(expression, nulls):
                self._nulls.add(physical)
            stage.append(_Column(physical, text, reads))
            names[logical] = physical
        if name is None:
            # a stage of nothing but NULLs holds the facts the table lacks
            absent = all(c.name in self._nulls for c in stage)
            name = "absent" if absent else stage_name(columns)
        self.stages.append((self._stage(name), stage))
        self.physical.update(names)

    def _physical(self, logical: str) -> str:
        base = f"{PREFIX}.{_UNSAFE.sub('_', logical)}"
        if len(base.encode()) > _LONGEST - 8:
            base = base.encode()[: _LONGEST - 12].decode(errors="ignore")
        name, version = base, 1
        while name.lower() in self._taken:
            version += 1
            name = f"{base}.v{version}"
        self._taken.add(name.lower())
        return name

    def _stage(self, name: str) -> str:
        base = _UNSAFE.sub("_", name).replace(".", "_").lower() or "stage"
        unique, n = base, 1
        while unique in self._stage_names:
            n += 1
            unique = f"{base}_{n}"
        self._stage_names.add(unique)
        return unique

    def select(self, outputs: Sequence[tuple[str, Any]]) -> Query:
        """The whole query as SQL: the stages as CTEs, then ``outputs`` (name, expression).

        Each stage is ``SELECT *, <its new columns> FROM <the stage before>`` and defines
        only the columns that a later stage or the outputs read, so the query grows with
        what is computed, not with the number of columns passed along; the engines read
        only the columns the outputs need. A stage left with no column is left out.
        """
        from sqlglot import exp

        final = []
        live: set[str] = set()
        for name, expression in outputs:
            text, reads = self.sql(expression)
            shown = exp.to_identifier(name, quoted=True).sql(self.d.name)
            final.append(f"{text} AS {shown}")
            live |= reads
        plans: list[tuple[str, list[_Column]]] = []
        for stage, stage_columns in reversed(self.stages):
            defined = [c for c in stage_columns if c.name in live]
            if defined:
                plans.append((stage, defined))
                for c in defined:
                    live |= c.reads
        plans.reverse()
        return Query(self._write(plans, final), self.d.name)

    def _write(self, plans: list[tuple[str, list[_Column]]], final: list[str]) -> str:
        q = self._quote
        fence = self.d.stage_fence()
        previous = self._source
        ctes = []
        if self.pretty:
            for stage, defined in plans:
                items = ["*", *(f"{c.text} AS {q}{c.name}{q}" for c in defined)]
                body = "SELECT\n" + ",\n".join(_indent(i, 2) for i in items)
                body += f"\nFROM {previous}" + (f"\n{fence}" if fence else "")
                ctes.append(f"{stage} AS (\n{_indent(body, 2)}\n)")
                previous = stage
            head = "WITH " + ", ".join(ctes) + "\n" if ctes else ""
            return head + "SELECT\n" + ",\n".join(_indent(f, 2) for f in final) + f"\nFROM {previous}"
        for stage, defined in plans:
            items = ", ".join(["*", *(f"{c.text} AS {q}{c.name}{q}" for c in defined)])
            tail = f" {fence}" if fence else ""
            ctes.append(f"{stage} AS (SELECT {items} FROM {previous}{tail})")
            previous = stage
        head = "WITH " + ", ".join(ctes) + " " if ctes else ""
        return head + "SELECT " + ", ".join(final) + f" FROM {previous}"


def _indent(text: str, spaces: int) -> str:
    """``text`` with each of its lines indented by ``spaces``."""
    pad = " " * spaces
    return pad + text.replace("\n", "\n" + pad)


def _aliases(source: Any) -> set[str]:
    from sqlglot import exp

    found = {a.name for a in source.find_all(exp.TableAlias) if a.name}
    found |= {c.alias for c in source.find_all(exp.CTE) if c.alias}
    return found
