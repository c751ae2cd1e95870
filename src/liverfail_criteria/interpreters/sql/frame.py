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
columns that a later stage or the outputs read. A cheap column (a cast or arithmetic of
columns, in a few words) is written where it is read instead, and a stage whose inputs
all lie further back joins the stage after them: the chain of stages is as short as
the computation allows (Spark's analyzer takes about two rounds per stage, 100 at most).

A column whose expression is a constant NULL is remembered (:meth:`Frame.is_null`), so
that the compiler need not build stages of arithmetic on a value it knows is missing:
Spark's optimizer inlines constant expressions into every column that reads them, and
a chain of such stages grows exponentially before it folds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from ...errors import CriteriaInputError
from .dialect import SqlDialect
from .ops import compound, sqlglot_exp

__all__ = [
    "PREFIX",
    "Frame",
    "Query",
    "generator",
    "is_null_constant",
    "ref",
    "source_column",
    "stage_name",
]

#: Every internal column's name starts with this; a table's own may not.
PREFIX = "__lc"
_REF = "\x00ref:"  # placeholder identifiers: never a real column name
_END = "\x01"
_PLACEHOLDER = re.compile('["`]\x00ref:([^\x01]*)\x01["`]')
#: The longest expression written in place of a reference to its column.
_INLINE = 100
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
        ("num", "cells"),
        ("fact num", "cells"),
        ("num unit bad", "cells"),
        ("num unit bad fact given err", "cells"),
        ("fact given err", "cells"),
        ("product unit_error", "units"),
        ("q", "rounding"),
        ("conv", "rounded"),
        ("expected", "checks"),
        ("fact bound comparator given err", "facts"),
        ("bound comparator fact given", "facts"),
        ("term wrong", "contradictions"),
        ("err fact", "implied"),
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


_GENERATORS: dict[tuple[str, bool], type] = {}


def generator(d: SqlDialect, pretty: bool) -> Any:
    """A sqlglot generator of ``d``'s SQL; indented if ``pretty``, and then dense.

    sqlglot's indented form puts every parenthesised expression on lines of its own,
    ``(`` and ``)`` included; here an expression in parentheses that fits on its line
    stays on it (``(a - b) * c``), and only a longer one is laid out over lines; a list
    of numbers is written on one line, and a short ``WHEN ... THEN ...`` too. A type
    without parameters (``DOUBLE``) is written once per generator (Spark's generator
    parses type names to write one).
    """
    exp = sqlglot_exp()
    from sqlglot.dialects.dialect import Dialect

    dialect = Dialect.get_or_raise(d.name)
    key = (d.name, pretty)
    if key not in _GENERATORS:
        base = dialect.generator_class

        class Writer(base):  # type: ignore[valid-type,misc]
            def datatype_sql(self, expression: Any) -> str:
                if any(v for k, v in expression.args.items() if k != "this"):
                    return str(super().datatype_sql(expression))
                known = self._types.get(expression.this)
                if known is None:
                    known = self._types[expression.this] = str(super().datatype_sql(expression))
                return str(known)

        class Dense(Writer):
            TRANSFORMS: ClassVar[dict[Any, Any]] = {
                **base.TRANSFORMS,
                exp.Array: _numbers_flat(base),
            }

            def case_sql(self, expression: Any) -> str:
                this = self.sql(expression, "this")
                lines = [f"CASE {this}" if this else "CASE"]
                for branch in expression.args["ifs"]:
                    when = f"WHEN {self.sql(branch, 'this')}"
                    then = f"THEN {self.sql(branch, 'true')}"
                    both = f"{when} {then}"
                    short = "\n" not in both and len(both) <= self.max_text_width
                    lines += [both] if short else [when, then]
                default = self.sql(expression, "default")
                if default:
                    lines.append(f"ELSE {default}")
                lines.append("END")
                if self.too_wide(lines):
                    return str(self.indent("\n".join(lines), skip_first=True, skip_last=True))
                return " ".join(lines)

            def paren_sql(self, expression: Any) -> str:
                inner = self.sql(expression, "this")
                if "\n" not in inner and len(inner) <= self.max_text_width:
                    return f"({inner})"
                return str(super().paren_sql(expression))

        _GENERATORS[key] = Dense if pretty else Writer
    made = _GENERATORS[key](dialect=dialect, pretty=pretty)
    made._types = {}
    return made


def _numbers_flat(base: type) -> Any:
    """How ``base`` writes a list, but a list of numbers on one line."""
    exp = sqlglot_exp()
    from sqlglot.generator import _build_dispatch

    write = _build_dispatch(base)[exp.Array]

    def array(self: Any, node: Any) -> str:
        items = node.expressions
        if not all(isinstance(i, exp.Literal) and not i.is_string for i in items):
            return str(write(self, node))
        self.pretty = False
        try:
            return str(write(self, node))
        finally:
            self.pretty = True

    return array


def ref(logical: str) -> Any:
    """A reference to the internal column ``logical``, resolved when its stage is added."""
    exp = sqlglot_exp()

    return exp.Column(this=exp.Identifier(this=_REF + logical + _END, quoted=True))


def source_column(name: str) -> Any:
    """A column of the source table, by its name (quoted: any spelling is kept)."""
    exp = sqlglot_exp()

    return exp.Column(this=exp.Identifier(this=name, quoted=True))


def _logical(expression: Any) -> str | None:
    """The logical name an expression is a bare :func:`ref` to, else ``None``."""
    exp = sqlglot_exp()

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
    exp = sqlglot_exp()

    e = expression
    while isinstance(e, (exp.Paren, exp.Cast, exp.Neg, exp.Abs, exp.Floor)):
        e = e.this
    if isinstance(e, exp.Null):
        return True
    logical = _logical(e)
    if logical is not None:
        return bool(nulls(logical))
    if isinstance(e, _strict()):
        operator: Any = e
        return is_null_constant(operator.this, nulls) or is_null_constant(
            operator.expression, nulls
        )
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


def _cheap(expression: Any) -> bool:
    """Whether an expression is as cheap to compute again as to read from a column.

    Casts, arithmetic, ``ABS``, ``FLOOR`` and ``LOG10`` of columns and constants. Such a
    column (if its text is short) is written in place of each reference to it, so its
    stage needs no column for it, and a stage left with none is left out: the chain
    of stages is shorter (Spark's analyzer takes about two rounds per stage, at most
    100 by default).
    """
    exp = sqlglot_exp()

    for node in expression.walk():
        if isinstance(node, exp.Anonymous):
            if str(node.this).upper() != "LOG10":
                return False
        elif not isinstance(node, _cheap_nodes()):
            return False
    return True


def _cheap_nodes() -> tuple[type, ...]:
    exp = sqlglot_exp()

    return (
        exp.Column,
        exp.Identifier,
        exp.Literal,
        exp.Null,
        exp.Cast,
        exp.DataType,
        exp.Paren,
        exp.Add,
        exp.Sub,
        exp.Mul,
        exp.Div,
        exp.Neg,
        exp.Abs,
        exp.Floor,
    )


def _strict() -> tuple[type, ...]:
    """The operators that are NULL where an operand is."""
    exp = sqlglot_exp()

    return (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


class Query(str):
    """The SQL text of a query, in one dialect; :meth:`sql` gives it, as sqlglot's would."""

    dialect: str

    def __new__(cls, text: str, dialect: str) -> Query:
        """The query ``text``, written in ``dialect``."""
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

    __slots__ = ("name", "reads", "stage", "text")

    def __init__(self, name: str, text: str, reads: frozenset[str]) -> None:
        self.name = name
        self.text = text
        self.reads = reads
        self.stage = ""  # the name of the stage it was added with


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

        from .dialect import DuckDB

        d = d if d is not None else DuckDB()
        for name in columns:
            if name.lower().startswith(PREFIX):
                raise CriteriaInputError(
                    "table", name, f"column names that do not start with {PREFIX!r}"
                )
        self.d = d
        self.pretty = pretty
        self._generator = generator(d, pretty)
        self._quote = exp.to_identifier("x", quoted=True).sql(d.name)[0]
        # written as a FROM clause (a subquery alone would lose its parentheses)
        self._source = self._generator.generate(exp.From(this=source.copy()), copy=False)[5:]
        self.stages: list[list[_Column]] = []
        self._stage_of: dict[str, int] = {}
        self.physical: dict[str, str] = {}
        self._nulls: set[str] = set()
        self._inline: dict[str, tuple[str, frozenset[str]]] = {}
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

    def template(self, expression: Any) -> str:
        """``expression`` as SQL with its references not yet resolved (see :meth:`add_text`).

        The expression is generated as it is (not copied): a caller hands it over.
        """
        return str(self._generator.generate(expression, copy=False))

    def sql(self, expression: Any) -> tuple[str, frozenset[str]]:
        """``expression`` as SQL, each :func:`ref` resolved; and the columns it reads.

        The expression is generated as it is (not copied): a caller hands it over.
        """
        return self.resolve(self.template(expression))

    def resolve(self, text: str) -> tuple[str, frozenset[str]]:
        """A :meth:`template` with each reference resolved; and the columns it reads."""
        reads: set[str] = set()
        physical = self.physical
        inline = self._inline
        q = self._quote

        def resolve(match: re.Match[str]) -> str:
            logical = match.group(1)
            if logical not in physical:
                raise KeyError(f"no internal column {logical!r}")
            name = physical[logical]
            if name in inline:
                text, inner = inline[name]
                reads.update(inner)
                return text
            reads.add(name)
            return f"{q}{name}{q}"

        return _PLACEHOLDER.sub(resolve, text), frozenset(reads)

    def add(
        self, columns: Mapping[str, Any], name: str | None = None, *, inline: bool = True
    ) -> None:
        """Add a stage defining each ``logical: expression`` (reading earlier stages).

        Args:
            columns: the columns, by logical name.
            name: what the stage holds (a plain SQL name); else named by
                :func:`stage_name`. In the query, a name already taken is numbered
                (``rounding_2``).
            inline: write a cheap column where it is read (see :func:`_cheap`); with
                ``False`` each column is a column of the stage, read by name (for a
                cheap expression read many times).
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
            if inline and len(text) <= _INLINE and "\n" not in text and _cheap(expression):
                self._inline[physical] = (f"({text})" if compound(expression) else text, reads)
            stage.append(_Column(physical, text, reads))
            names[logical] = physical
        if name is None:
            # a stage of nothing but NULLs holds the facts the table lacks
            absent = all(c.name in self._nulls for c in stage)
            name = "absent" if absent else stage_name(columns)
        self._place(name, stage)
        self.physical.update(names)

    def add_text(self, columns: Mapping[str, str], name: str | None = None) -> None:
        """Add a stage of columns already written as SQL by :meth:`template`.

        The texts may come from another frame of the same dialect and indentation:
        their references are resolved here, against this frame's columns.
        """
        if not columns:
            return
        stage: list[_Column] = []
        names: dict[str, str] = {}
        for logical, template in columns.items():
            physical = self._physical(logical)
            text, reads = self.resolve(template)
            stage.append(_Column(physical, text, reads))
            names[logical] = physical
        self._place(name or stage_name(columns), stage)
        self.physical.update(names)

    def _place(self, name: str, stage: list[_Column]) -> None:
        """Put a stage's columns in the first stage after the columns they read.

        That is a new last stage, unless everything the stage reads was made two or
        more stages back: then its columns join the stage after the last one it reads
        (named for both, ``after_assessment_and_rounding``). The chain of stages is
        shorter, which Spark's analyzer needs (about two rounds per stage, at most 100
        by default); the rows and every value are the same.
        """
        at = 0
        for column in stage:
            column.stage = name
            for read in column.reads:
                at = max(at, self._stage_of.get(read, -1) + 1)
        if at == len(self.stages):
            self.stages.append([])
        self.stages[at].extend(stage)
        for column in stage:
            self._stage_of[column.name] = at

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

    def _names(self, stages: list[str]) -> list[str]:
        """The stages' names in the query: each unique, and not a table the source reads."""
        taken = set(self._stage_names)
        names = []
        for name in stages:
            base = _UNSAFE.sub("_", name).replace(".", "_").lower() or "stage"
            unique, n = base, 1
            while unique in taken:
                n += 1
                unique = f"{base}_{n}"
            taken.add(unique)
            names.append(unique)
        return names

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
        for stage_columns in reversed(self.stages):
            defined = [c for c in stage_columns if c.name in live]
            if defined:
                parts = list(dict.fromkeys(c.stage for c in defined))
                plans.append(("_and_".join(parts), defined))
                for c in defined:
                    live |= c.reads
        plans.reverse()
        names = self._names([stage for stage, _ in plans])
        plans = [(n, defined) for n, (_, defined) in zip(names, plans, strict=True)]
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
            outputs = ",\n".join(_indent(f, 2) for f in final)
            return f"{head}SELECT\n{outputs}\nFROM {previous}"
        for stage, defined in plans:
            listed = ", ".join(["*", *(f"{c.text} AS {q}{c.name}{q}" for c in defined)])
            tail = f" {fence}" if fence else ""
            ctes.append(f"{stage} AS (SELECT {listed} FROM {previous}{tail})")
            previous = stage
        head = "WITH " + ", ".join(ctes) + " " if ctes else ""
        return head + "SELECT " + ", ".join(final) + f" FROM {previous}"


def _indent(text: str, spaces: int) -> str:
    """``text`` with each of its lines indented by ``spaces``."""
    pad = " " * spaces
    return pad + text.replace("\n", "\n" + pad)


def _aliases(source: Any) -> set[str]:
    exp = sqlglot_exp()

    found = {a.name for a in source.find_all(exp.TableAlias) if a.name}
    found |= {c.alias for c in source.find_all(exp.CTE) if c.alias}
    return found
