"""Screening a cohort with the polars engine: plan, read, compile, collect."""

from __future__ import annotations

import os
import weakref
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import attrs

from ..arguments import as_flag
from ..dsl import Ruleset
from ..errors import CriteriaInputError, check_output_path
from ..extras import require
from ..interpreters.frame.cells import (
    ERROR_DTYPE,
    SPELLING_PATTERN,
    given_column,
    read_cells,
)
from ..interpreters.frame.compile import (
    add_masks,
    add_outcomes,
    compile_ruleset,
    mask_column,
)
from ..interpreters.plan import Plan, TableOptions, UnitTable, prepare
from ..interpreters.spellings import scanned_facts, unit_tables
from ..interpreters.vector import Program, mask_position
from ..whitespace import strip
from .files import BATCH_ROWS, OUTPUT_SUFFIXES
from .runner import check_errors
from .source import column_kinds, is_file, to_lazyframe

__all__ = ["Screening", "screen", "screening_of"]

#: The values of the ``status`` column, as :class:`~liverfail_criteria.Eligibility` has them.
STATUSES = ("eligible", "ineligible", "undetermined")


@attrs.frozen
class Screening:
    """How a result table was made: what :func:`explain_row` needs to redo a row.

    Attributes:
        ruleset: the ruleset screened.
        params: the parameters as the caller gave them.
        assume_absent: the facts assumed absent when missing.
        id_column: the result's first column (the id column, or ``row``).
    """

    ruleset: Ruleset
    params: Mapping[str, object]
    assume_absent: tuple[str, ...]
    id_column: str


# Results made by screen(), by id(), while they live: explain_row finds them here.
_MADE: dict[int, Screening] = {}


def screening_of(results: Any) -> Screening | None:
    """How ``results`` was made, if it is a table :func:`screen` returned."""
    return _MADE.get(id(results))


def _remember(results: Any, screening: Screening) -> None:
    key = id(results)
    _MADE[key] = screening
    weakref.finalize(results, _MADE.pop, key, None)


def _spellings(lf: Any, plan: Plan) -> dict[str, list[str]]:
    """Every distinct unit spelling each quantity column uses.

    A unit column's distinct values are read as they are and stripped here, in Python
    (there are few), including those of rows without a value: their factors are never
    used. A text column's spellings are those of its cells with a number.
    """
    import polars as pl

    exprs: dict[str, Any] = {}
    for f in scanned_facts(plan):
        if f.unit_column is not None:
            exprs[f.name] = pl.col(f.unit_column).cast(pl.String).unique().implode()
        else:  # a text column: the unit after each number
            parts = pl.col(f.column).str.strip_chars().str.extract_groups(SPELLING_PATTERN)
            present = parts.struct.field("n").is_not_null()
            exprs[f.name] = parts.struct.field("u").filter(present).unique().implode()
    if not exprs:
        return {}
    row = lf.select(**exprs).collect(engine="in-memory").row(0, named=True)
    return {
        name: sorted({"" if v is None else strip(v) for v in values})
        for name, values in row.items()
    }


def _needed_columns(plan: Plan) -> list[str]:
    """The table's columns the plan reads: the id, the facts, their unit columns."""
    columns = [plan.id_column] if plan.id_column is not None else []
    columns.extend(plan.passthrough)
    for f in plan.facts:
        columns.append(f.column)
        if f.unit_column is not None:
            columns.append(f.unit_column)
    return columns


def screen(
    data: Any,
    ruleset: Ruleset | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    unit_columns: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
    assume_absent: Iterable[str] = (),
    id_column: str | None = "id",
    passthrough: Iterable[str] = (),
    errors: Literal["report", "raise"] = "report",
    keep_record: bool = True,
    engine: Literal["polars", "duckdb"] = "polars",
    out: str | os.PathLike[str] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> Any:
    """Screen every row of a table against a ruleset (by default, the trial's eligibility).

    The same criteria as :func:`~liverfail_criteria.evaluate`, compiled to vectorised
    polars expressions: no Python loop over rows. Row by row, the outcomes are those
    the single-record evaluator gives for the row's record (its cells, less any
    invalid ones).

    Args:
        data: a polars DataFrame or LazyFrame, a pandas DataFrame, or a path to a CSV
            or Parquet file. Columns named like facts are found by themselves.
        ruleset: the ruleset to screen with; :data:`~liverfail_criteria.ELIGIBILITY`
            if not given.
        columns: fact name to column name, for columns not named like their fact.
        units: fact name to the unit of every value in its column
            (``{"total_bilirubin": "mg/dL"}``).
        unit_columns: fact name to a column holding each row's unit. A column named
            like the value column with ``_unit`` appended is found by itself.
        params: values for the ruleset's parameters, as for ``evaluate``.
        assume_absent: true/false facts to take as false where the cell is empty
            (never where it is invalid).
        id_column: the column carried through as the row id; if the table has none,
            the result numbers the rows in a ``row`` column, from 0.
        passthrough: other columns of the table to carry into the result, as they
            are, after the id. Any column that is not a fact, a unit column, the id or
            passed through is an error (a misspelt fact must not go unread).
        errors: ``"report"`` (the default) leaves an invalid cell out of its row and
            lists it in the row's ``errors``; ``"raise"`` raises the first one.
        keep_record: add the ``record`` column (each row's facts as read), which
            :func:`explain_row` uses. It is the widest column (a copy of every fact
            read); ``False`` leaves it out.
        engine: ``"polars"`` (the default) runs the criteria as polars expressions;
            ``"duckdb"`` compiles them to SQL (:func:`~liverfail_criteria.to_sql`) and
            runs it in an in-process DuckDB, which reads CSV and Parquet files from disk
            as it goes (the ``duckdb`` extra). Both give the same table.
        out: a ``.parquet`` (or ``.csv``) path: write the result there instead of
            returning it, ``batch_rows`` rows at a time, so that memory is bounded by
            the batch, not the table (the polars engine reads and screens the table in
            batches; DuckDB's result is fetched in batches). The file holds the table
            this function would return (CSV: flattened as the command line writes it).
            It appears only once complete: a screening that fails part way (a file
            that cannot be read completely, ``errors="raise"``) leaves none.
        batch_rows: rows per batch, with ``out``.

    Returns:
        ``None`` with ``out``. Otherwise a polars DataFrame with the input's rows in
        their order: the id; ``status``
        (``eligible``, ``ineligible`` or ``undetermined``); ``groups`` (the inclusion
        groups met); ``missing`` (the facts that could decide an undetermined row);
        ``errors`` (``{field, value, expected}`` for each cell left out); one boolean
        column per ruleset and per criterion, named by its id (null for UNKNOWN); and
        ``record``.

    Raises:
        CriteriaInputError: for a configuration that cannot work (an unknown fact or
            column, a dimensional column with no unit, a bad parameter); with
            ``errors="raise"``, for the first invalid cell.
        UnreadableSourceError: for a file that cannot be read completely.
        MissingDependencyError: if polars is not installed (or, for
            ``engine="duckdb"``, duckdb or sqlglot).
    """
    chosen: str = engine  # checked at run time too: callers need not be typed
    if chosen not in ("polars", "duckdb"):
        raise CriteriaInputError("engine", engine, "'polars' or 'duckdb'")
    options: TableOptions = {
        "columns": columns,
        "units": units,
        "unit_columns": unit_columns,
        "params": params,
        "assume_absent": assume_absent,
        "id_column": id_column,
        "passthrough": passthrough,
    }
    if chosen == "duckdb":
        from .duck import screen_duckdb

        return screen_duckdb(
            data,
            ruleset,
            errors=errors,
            keep_record=keep_record,
            out=out,
            batch_rows=batch_rows,
            **options,
        )
    if out is not None:
        from .files import polars_batches, write_batches

        check_output_path("out", out, OUTPUT_SUFFIXES)
        _, batches = polars_batches(
            data,
            batch_rows=batch_rows,
            ruleset=ruleset,
            errors=errors,
            keep_record=keep_record,
            **options,
        )
        write_batches(batches, out)
        return None
    pl = require("polars", extra="cohort", feature="lc.screen")
    errors = check_errors(errors)
    keep_record = as_flag("keep_record", keep_record)
    lf = to_lazyframe(data, id_column)
    kinds = column_kinds(lf.collect_schema())
    prepared = prepare(ruleset, kinds, **options)
    ruleset, plan, assumed = prepared.ruleset, prepared.plan, prepared.assume_absent
    # The table is read once, its needed columns only: the unit spellings, the
    # screening and the rows with errors then read it from memory, not from a file.
    needed = [c for c in dict.fromkeys(_needed_columns(plan)) if c in kinds]
    # One chunk per text column: polars 2.1 can index past the end of a multi-chunk
    # string column inside a when/then (a panic: "i < self.len()"), as CSV reads make.
    # (The row index comes first: a table of no needed columns keeps its rows.)
    lf = lf.with_row_index(_INDEX).select(_INDEX, *needed)
    try:
        table = lf.collect(engine="in-memory")
    except Exception as exc:  # a file that fails part way: never a smaller result
        if not is_file(data) or isinstance(exc, CriteriaInputError):
            raise
        from .files import unreadable

        raise unreadable(data, exc=exc) from None
    texts = table.select(pl.col(pl.String)).rechunk()
    lf = table.with_columns(texts.get_columns()).lazy()
    tables = unit_tables(plan, _spellings(lf, plan))
    compiled = compile_ruleset(ruleset, prepared.params)

    if plan.id_column is None:
        lf = lf.with_columns(pl.col(_INDEX).alias("row"))
    source = lf
    cells = read_cells(source, plan, tables, assumed)
    lf = add_outcomes(compiled, cells.frame)

    root = pl.col(ruleset.id)
    enum = pl.Enum(STATUSES)
    status = (
        pl.when(root)
        .then(pl.lit("eligible", dtype=enum))
        .when(~root)
        .then(pl.lit("ineligible", dtype=enum))
        .otherwise(pl.lit("undetermined", dtype=enum))
    )
    words = [mask_column(ruleset.id, w) for w in range(compiled.words)]
    group_key = pl.lit(0, dtype=pl.Int64)
    for i, r in enumerate(compiled.groups):
        group_key = group_key + pl.col(r.id).fill_null(False).cast(pl.Int64) * (1 << i)
    outputs: list[Any] = [
        pl.col(_INDEX),
        pl.col(plan.id_output),
        *[pl.col(name) for name in plan.passthrough],
        status.alias("status"),
        *[pl.col(r.id) for r in compiled.rulesets],
        *[pl.col(c.id) for c in compiled.criteria],
        group_key.alias(_GROUPS),
        cells.invalid.alias(_INVALID),
    ]
    if keep_record:
        if plan.facts:
            record = pl.struct([pl.col(given_column(f.name)).alias(f.name) for f in plan.facts])
        else:
            record = pl.lit(None, dtype=pl.Struct({}))
        outputs.append(record.alias("record"))
    # The facts and outcomes are kept in memory for a moment: the missing facts matter
    # only where the outcome is unknown, so the masks are computed on those rows alone.
    kept = lf.select(
        pl.col(_INDEX),
        pl.col(plan.id_output),
        *[pl.col(name) for name in plan.passthrough],
        pl.col(r"^__lc\.(fact|bound|comparator|derived|given)\..*$"),
        *[pl.col(r.id) for r in compiled.rulesets],
        *[pl.col(c.id) for c in compiled.criteria],
        cells.invalid.alias(_INVALID),
    ).collect(engine="in-memory", optimizations=_OPTIMIZATIONS())
    table = kept.select(
        [pl.col(_INVALID) if o.meta.output_name() == _INVALID else o for o in outputs]
    )
    undetermined = add_masks(compiled, kept.lazy().filter(root.is_null())).select(_INDEX, *words)
    undetermined = undetermined.collect(engine="in-memory", optimizations=_OPTIMIZATIONS())
    del kept

    # Lists are built from the few distinct combinations of groups and of missing
    # facts, and error messages only for the rows with an invalid cell (read again):
    # building them row by row would cost more than all the criteria.
    table = table.join(
        _group_lists(table, compiled), on=_GROUPS, how="left", maintain_order="left"
    )
    undetermined = undetermined.join(
        _missing_lists(undetermined, compiled, words), on=words, how="left"
    )
    table = table.join(
        undetermined.select(_INDEX, "missing"), on=_INDEX, how="left", maintain_order="left"
    )
    table = table.join(
        _error_lists(source, table, plan, tables, assumed),
        on=_INDEX,
        how="left",
        maintain_order="left",
    )
    table = table.with_columns(
        pl.col("missing").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        pl.col("errors").fill_null(pl.lit([], dtype=pl.List(ERROR_DTYPE()))),
    )
    results = table.select(
        plan.id_output,
        *plan.passthrough,
        "status",
        "groups",
        "missing",
        "errors",
        *[r.id for r in compiled.rulesets],
        *[c.id for c in compiled.criteria],
        *(["record"] if keep_record else []),
    )
    if errors == "raise":
        _raise_first(results, plan.id_output)
    _remember(results, Screening(ruleset, dict(params or {}), assumed, plan.id_output))
    return results


def _OPTIMIZATIONS() -> Any:  # a constant, made when polars is imported
    """Query optimisations: polars' defaults but common subexpression elimination.

    The stages of the reading and the compiled criteria share nothing to eliminate,
    and with it polars 2.1 panics on some string expressions after a filter (an
    ``i < self.len()`` assertion), so it is off.
    """
    import polars as pl

    return pl.QueryOptFlags(comm_subexpr_elim=False)


_INDEX = "__lc.index"
_INVALID = "__lc.invalid"
_ERROR = "__lc.error."
_GROUPS = "__lc.groups"


def _group_lists(table: Any, compiled: Program) -> Any:
    """Each distinct combination of groups met, and its list of group labels."""
    import polars as pl

    keys = table.get_column(_GROUPS).unique().to_list()
    labels = [r.group for r in compiled.groups]
    return pl.DataFrame(
        {_GROUPS: keys, "groups": [[g for i, g in enumerate(labels) if k >> i & 1] for k in keys]},
        schema={_GROUPS: pl.Int64, "groups": pl.List(pl.String)},
    )


def _error_lists(
    source: Any, table: Any, plan: Plan, tables: dict[str, UnitTable], assumed: tuple[str, ...]
) -> Any:
    """The errors of the rows with an invalid cell: their cells read again, with texts."""
    import polars as pl

    bad = table.filter(pl.col(_INVALID)).get_column(_INDEX)
    schema: dict[str, Any] = {_INDEX: pl.UInt32, "errors": pl.List(ERROR_DTYPE())}
    if bad.is_empty():
        return pl.DataFrame(schema=schema)
    rows = source.filter(pl.col(_INDEX).is_in(bad.implode())).collect(engine="in-memory")
    rows = rows.rechunk()
    cells = read_cells(rows.lazy(), plan, tables, assumed)
    # One column per check, then long: polars' concat_list of structs is slow.
    names = [f"{_ERROR}{i:04d}" for i in range(len(cells.errors))]
    wide = cells.frame.select(
        pl.col(_INDEX), *[e.alias(n) for e, n in zip(cells.errors, names, strict=True)]
    ).collect(engine="in-memory", optimizations=_OPTIMIZATIONS())
    long = (
        wide.unpivot(index=_INDEX, variable_name="check", value_name="error")
        .drop_nulls("error")
        .sort(_INDEX, "check")
    )
    lists = long.group_by(_INDEX, maintain_order=True).agg(pl.col("error").alias("errors"))
    return lists.cast(schema)


def _missing_lists(table: Any, compiled: Program, words: list[str]) -> Any:
    """Each distinct mask of the root, and the missing facts it stands for, in order."""
    import polars as pl

    masks = table.select(words).unique().with_row_index(_MASK)
    facts = pl.DataFrame(
        {
            "fact": list(compiled.facts),
            "word": [mask_position(i)[0] for i in range(len(compiled.facts))],
            "power": [mask_position(i)[1] for i in range(len(compiled.facts))],
            "order": list(range(len(compiled.facts))),
        },
        schema={"fact": pl.String, "word": pl.Int64, "power": pl.Int64, "order": pl.Int64},
    )
    word = pl.lit(0, dtype=pl.Int64)
    for w, name in enumerate(words):
        word = pl.when(pl.col("word") == w).then(pl.col(name)).otherwise(word)
    found = (
        masks.join(facts, how="cross")
        .filter((word // pl.col("power")) % 2 == 1)
        .sort(_MASK, "order")
        .group_by(_MASK, maintain_order=True)
        .agg(pl.col("fact").alias("missing"))
    )
    lists = masks.join(found, on=_MASK, how="left").with_columns(
        pl.col("missing").fill_null(pl.lit([], dtype=pl.List(pl.String)))
    )
    return lists.drop(_MASK)


_MASK = "__lc.mask"


def _raise_first(results: Any, id_output: str) -> None:
    import polars as pl

    bad = results.filter(pl.col("errors").list.len() > 0).head(1)
    if bad.height:
        row = bad.row(0, named=True)
        error = row["errors"][0]
        raise CriteriaInputError(
            error["field"],
            error["value"],
            f"{error['expected']} (row {id_output} = {row[id_output]!r})",
        )
