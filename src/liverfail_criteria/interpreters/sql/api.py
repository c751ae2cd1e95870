"""Compiling a ruleset to one SQL query, with or without the table at hand.

:func:`to_sql` is the public entry (``lc.to_sql``); :func:`plan_query` is shared with
the engines that run the query (:mod:`.duck`, :mod:`.spark`), which learn the table's
columns and unit spellings from the data first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ...arguments import as_flag, as_texts
from ...dsl import Kind, Ruleset
from ...errors import CriteriaInputError
from ...extras import require
from ..facts import ruleset_variables
from ..plan import (
    UNIT_SUFFIX,
    ColumnKind,
    prepare,
)
from ..spellings import declared_spellings
from .dialect import SqlDialect, dialect_for
from .query import build_query

__all__ = ["KINDS", "kind_of_type", "natural_schema", "to_sql"]

#: The column kinds a ``schema=`` may give (besides SQL type names).
KINDS = ("number", "integer", "string", "boolean", "date", "datetime", "null", "other")


def kind_of_type(type_text: str, dialect: str = "duckdb") -> ColumnKind:
    """The column kind of an SQL type name (``"DOUBLE"``, ``"VARCHAR(20)"``, ``"DATE"``).

    Raises:
        CriteriaInputError: for text that is not a type of ``dialect``.
    """
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    text = type_text.strip()
    if text.upper() in ('"NULL"', "NULL"):
        return "null"
    if text.upper().startswith("ENUM"):
        return "string"
    try:
        dtype = exp.DataType.build(text, dialect=dialect)
    except (SqlglotError, ValueError):
        raise CriteriaInputError(
            "schema", type_text, f"a column kind ({', '.join(KINDS)}) or an SQL type"
        ) from None
    t = dtype.this
    T = exp.DataType.Type
    if t == T.BOOLEAN:
        return "boolean"
    if t in exp.DataType.INTEGER_TYPES:
        return "integer"
    if t in exp.DataType.REAL_TYPES:
        return "number"
    if t in exp.DataType.TEXT_TYPES:
        return "string"
    if t in (T.DATE, T.DATE32):
        return "date"
    if t in exp.DataType.TEMPORAL_TYPES and t not in (T.TIME, T.TIMETZ):
        return "datetime"
    if t == T.NULL:
        return "null"
    return "other"


def _kinds(schema: Mapping[str, str], dialect: str) -> dict[str, ColumnKind]:
    if not isinstance(schema, Mapping):
        raise CriteriaInputError("schema", schema, "a mapping of column names to kinds or types")
    kinds: dict[str, ColumnKind] = {}
    for column, kind in schema.items():
        if not isinstance(column, str) or not isinstance(kind, str):
            raise CriteriaInputError(
                "schema", f"{column!r}: {kind!r}", "column names mapped to kinds or SQL types"
            )
        kinds[column] = kind if kind in KINDS else kind_of_type(kind, dialect)
    return kinds


def natural_schema(
    ruleset: Ruleset,
    *,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    unit_columns: Mapping[str, str] | None = None,
    id_column: str | None = "id",
    passthrough: Iterable[str] = (),
) -> dict[str, ColumnKind]:
    """The table a ruleset's facts make when each has its natural column.

    An id column (text); for each fact the ruleset reads, in dictionary order, a column
    named like it (or as ``columns=`` maps it): true/false facts ``boolean``, grades
    ``integer``, categories ``string``, dates ``date``, quantities ``number`` with a
    ``<column>_unit`` text column beside them, unless ``units=`` fixes the unit,
    ``unit_columns=`` names another column, or the fact is a plain number (INR, FiO2).
    This is the layout of the bundled example cohort. Columns named in ``passthrough``
    come last, of kind ``other``.
    """
    read = {v.name for v in ruleset.variables()}
    columns_ = as_texts("columns", columns)
    units_ = as_texts("units", units)
    unit_columns_ = as_texts("unit_columns", unit_columns)
    columns, units, unit_columns = columns_, units_, unit_columns_
    schema: dict[str, ColumnKind] = {}
    if id_column is not None:
        schema[id_column] = "string"
    kinds = {
        Kind.BOOLEAN: "boolean",
        Kind.ORDINAL: "integer",
        Kind.CATEGORY: "string",
        Kind.DATE: "date",
        Kind.QUANTITY: "number",
    }
    for name, variable in ruleset_variables(ruleset).items():
        if name not in read and name not in columns:
            continue
        column = columns.get(name, name)
        schema[column] = kinds[variable.type.kind]
        spec = variable.type.unit
        if spec is None or name in units:
            continue
        if name in unit_columns:
            schema[unit_columns[name]] = "string"
        elif not spec.bare_number:
            schema[column + UNIT_SUFFIX] = "string"
    for name in [passthrough] if isinstance(passthrough, str) else passthrough:
        schema.setdefault(name, "other")
    return schema


def _table(table: object, d: SqlDialect) -> Any:
    """The ``FROM`` item: a sqlglot expression, or text naming a table or table function."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    if isinstance(table, exp.Expression):
        return table
    if not isinstance(table, str) or not table.strip():
        raise CriteriaInputError(
            "table", table, "a table name (such as 'cohort' or 'db.cohort') or a table expression"
        )
    try:
        parsed = sqlglot.parse_one(f"SELECT * FROM {table}", read=d.name)
    except SqlglotError:
        parsed = None
    source = parsed.find(exp.From) if isinstance(parsed, exp.Select) else None
    if (
        parsed is None
        or source is None
        or parsed.args.get("joins")
        or parsed.args.get("where")
        or len(list(parsed.find_all(exp.Select))) != 1
    ):
        raise CriteriaInputError(
            "table",
            table,
            f"a table name or one table expression in {d.name} SQL "
            "(such as read_parquet('cohort.parquet'))",
        )
    return source.this


def to_sql(
    ruleset: Ruleset | None = None,
    *,
    table: object,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    unit_columns: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
    assume_absent: Iterable[str] = (),
    id_column: str | None = "id",
    passthrough: Iterable[str] = (),
    schema: Mapping[str, str] | None = None,
    unit_spellings: Mapping[str, Iterable[str]] | None = None,
    dialect: str = "duckdb",
    keep_record: bool = True,
    pretty: bool = True,
) -> str:
    """Compile a ruleset to one SQL SELECT that screens every row of a table.

    The query reads the table's cells by the rules of :func:`~liverfail_criteria.screen`
    (columns named like facts, units fixed or per row, text cells with their own
    units), converts each unit by a factor computed here, in Python, once per spelling,
    rounds as the reference evaluator rounds (bit for bit, in IEEE double arithmetic),
    and evaluates the criteria with SQL's three-valued logic. An invalid cell becomes
    NULL, so the criteria that read it are UNKNOWN, and the row's ``errors`` say why.

    Args:
        ruleset: the ruleset; :data:`~liverfail_criteria.ELIGIBILITY` if not given.
        table: the table to read: a name (``"cohort"``, ``"db.schema.cohort"``), a table
            expression of the dialect (``"read_parquet('cohort.parquet')"``), or a
            sqlglot expression.
        columns: fact name to column name, for columns not named like their fact.
        units: fact name to the unit of every value in its column.
        unit_columns: fact name to the column holding each row's unit (a column named
            like the value column with ``_unit`` appended is found by itself).
        params: values for the ruleset's parameters, as for ``evaluate``.
        assume_absent: true/false facts to take as false where the cell is empty.
        id_column: the column carried through as the row id; if the table has none,
            the result numbers the rows in a ``row`` column, from 0.
        passthrough: other columns of the table to carry into the result, as they
            are, after the id. Any column that is not a fact, a unit column, the id or
            passed through is an error (a misspelt fact must not go unread).
        schema: the table's columns, in order: column name to a kind (``"number"``,
            ``"integer"``, ``"string"``, ``"boolean"``, ``"date"``, ``"datetime"``,
            ``"null"``, ``"other"``) or an SQL type of the dialect (``"DOUBLE"``,
            ``"VARCHAR"``). Without it, the table is taken to have each fact the ruleset
            reads in its natural column: ``boolean`` flags, ``integer`` grades,
            ``string`` categories, ``date`` dates, and ``number`` quantities with a
            ``<column>_unit`` text column beside each, unless ``units=`` fixes its unit,
            ``unit_columns=`` names its unit column, or it is a plain number (INR,
            FiO2); and an ``id`` text column. That is the bundled example cohort.
        unit_spellings: fact name to the unit spellings its unit column or its text
            cells use. Without it, a fact's spellings are those its unit specification
            documents (``lc.VARIABLES[name].type.unit.accepted``). A cell whose spelling
            is not among them is invalid, with an error naming this option. (The
            engines that run the query find the spellings in the data themselves.)
        dialect: ``"duckdb"``, ``"spark"`` or ``"postgres"``.
        keep_record: add the ``record`` column (each row's facts as read): a struct in
            DuckDB and Spark, a ``jsonb`` object in PostgreSQL.
        pretty: indent the SQL.

    Returns:
        The SQL text. Its columns are those of ``screen``: the id (or ``row``),
        ``status`` (text), ``groups`` and ``missing`` (lists of text), ``errors`` (a list
        of ``{field, value, expected}``; in PostgreSQL an array of ``jsonb``), one
        boolean per ruleset and per criterion named by its id, and ``record``. In
        DuckDB the rows come out in the table's order; elsewhere order by the id.
        The numbers in the texts of errors are written as polars writes them in
        DuckDB, and in the engine's own way in Spark (``1.0E-5``) and PostgreSQL.

    Raises:
        CriteriaInputError: for an unknown dialect, fact, column or option, a unit
            that is not a unit of its fact, a dimensional column with no unit, or a
            table that is not a table name or expression of the dialect.
        MissingDependencyError: if sqlglot is not installed (the ``sql`` extra).
    """
    require("sqlglot", extra="sql", feature="lc.to_sql")
    d = dialect_for(dialect)
    keep_record = as_flag("keep_record", keep_record)
    if schema is None:
        chosen = ruleset
        if chosen is None:
            from ...trial import ELIGIBILITY

            chosen = ELIGIBILITY
        if not isinstance(chosen, Ruleset):
            raise CriteriaInputError("ruleset", chosen, "a Ruleset")
        kinds = natural_schema(
            chosen,
            columns=columns,
            units=units,
            unit_columns=unit_columns,
            id_column=id_column,
            passthrough=passthrough,
        )
    else:
        kinds = _kinds(schema, d.name)
    source = _table(table, d)
    prepared = prepare(
        ruleset,
        kinds,
        columns=columns,
        units=units,
        unit_columns=unit_columns,
        params=params,
        assume_absent=assume_absent,
        id_column=id_column,
        passthrough=passthrough,
    )
    tables = declared_spellings(prepared.plan, unit_spellings)
    return build_query(
        source,
        kinds,
        prepared.plan,
        prepared.ruleset,
        prepared.params,
        tables,
        d,
        assume_absent=prepared.assume_absent,
        keep_record=keep_record,
        pretty=as_flag("pretty", pretty),
    )
