"""The runner the SQL engines share: check, scan, compile; and the result made whole.

DuckDB, PostgreSQL and Spark screen a table the same way: the options are checked
against the table's column kinds (``interpreters.plan.prepare``), one aggregate query
finds the distinct unit spellings (:func:`.duck.scan_spellings`), and the ruleset is
compiled to one query (``interpreters.sql.query.build_query``).
Each engine only says how it reads its table and runs a query. The engines that
return polars (DuckDB, PostgreSQL) finish the result the same way too
(:func:`finish`): the status as the screening's Enum, ``row`` as polars' index type,
``errors="raise"``, and the screening remembered for ``lc.explain_row``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ..errors import CriteriaInputError
from ..interpreters.plan import ColumnKind, Prepared, prepare
from ..interpreters.spellings import unit_tables
from ..interpreters.sql.dialect import SqlDialect
from ..interpreters.sql.query import build_query, short_name

__all__ = ["check_errors", "compile_screening", "finish"]


def check_errors(errors: object) -> Literal["report", "raise"]:
    """``errors=`` checked: ``"report"`` or ``"raise"``."""
    if errors not in ("report", "raise"):
        raise CriteriaInputError("errors", errors, "'report' or 'raise'")
    return "raise" if errors == "raise" else "report"


def compile_screening(
    rows: Any,
    source: Any,
    kinds: Mapping[str, ColumnKind],
    dialect: SqlDialect,
    ruleset: Any,
    *,
    columns: Mapping[str, str] | None,
    units: Mapping[str, str] | None,
    unit_columns: Mapping[str, str] | None,
    params: Mapping[str, object] | None,
    assume_absent: Iterable[str],
    id_column: str | None,
    passthrough: Iterable[str],
    keep_record: bool,
) -> tuple[Prepared, str]:
    """The checked options and the screening query of a table, in the engine's SQL.

    Args:
        rows: runs a query on the engine: ``rows.execute(sql).fetchall()`` (a DB-API
            connection, or an adapter).
        source: the table, as a sqlglot ``FROM`` item.
        kinds: its column kinds.
        dialect: the engine's SQL dialect.
        ruleset: the ruleset (``None``: the trial's).
        columns: as for ``lc.screen``.
        units: as for ``lc.screen``.
        unit_columns: as for ``lc.screen``.
        params: as for ``lc.screen``.
        assume_absent: as for ``lc.screen``.
        id_column: as for ``lc.screen``.
        passthrough: as for ``lc.screen``.
        keep_record: add the ``record`` column.

    Returns:
        The prepared screening and the SQL text.
    """
    from .duck import scan_spellings  # duck.py runs its screening through this module

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
    tables = unit_tables(prepared.plan, scan_spellings(rows, source, prepared.plan, dialect))
    query = build_query(
        source,
        kinds,
        prepared.plan,
        prepared.ruleset,
        prepared.params,
        tables,
        dialect,
        assume_absent=prepared.assume_absent,
        keep_record=keep_record,
        shorten_names=True,  # finish() gives long names back
    )
    return prepared, query


def finish(
    results: Any,
    prepared: Prepared,
    params: Mapping[str, object] | None,
    *,
    keep_record: bool,
    errors: Literal["report", "raise"],
) -> Any:
    """A polars result as ``lc.screen`` returns it (see the module's docstring)."""
    import polars as pl

    from .screen import STATUSES, Screening, _raise_first, _remember

    plan = prepared.plan
    # Names longer than the engine keeps came back shortened (build_query's shorten_names).
    ruleset = prepared.ruleset
    names = [r.id for r in ruleset.rulesets()] + [c.id for c in ruleset.criteria()]
    renames = {short_name(n): n for n in (*names, *plan.passthrough, plan.id_output)}
    results = results.rename({k: v for k, v in renames.items() if k in results.columns})
    fixes = [pl.col("status").cast(pl.Enum(STATUSES))]
    if plan.id_column is None:
        fixes.append(pl.col("row").cast(pl.get_index_type()))
    if keep_record and not plan.facts:
        fixes.append(pl.lit(None, dtype=pl.Struct({})).alias("record"))
    results = results.with_columns(fixes)
    if errors == "raise":
        _raise_first(results, plan.id_output)
    _remember(
        results,
        Screening(prepared.ruleset, dict(params or {}), prepared.assume_absent, plan.id_output),
    )
    return results
