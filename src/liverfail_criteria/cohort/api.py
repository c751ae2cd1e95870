"""The public functions of cohort screening, importing polars only when called."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..dsl import Ruleset
    from ..result import Result
    from .funnel import Funnel

__all__ = ["explain_row", "funnel", "missingness", "screen"]


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
            :func:`explain_row` uses.
        engine: ``"polars"`` (the default) runs the criteria as polars expressions;
            ``"duckdb"`` compiles them to SQL (:func:`~liverfail_criteria.to_sql`) and
            runs it in an in-process DuckDB, which reads CSV and Parquet files from disk
            as it goes (the ``duckdb`` extra). Both give the same table.

    Returns:
        A polars DataFrame with the input's rows in their order: the id; ``status``
        (``eligible``, ``ineligible`` or ``undetermined``); ``groups`` (the inclusion
        groups met); ``missing`` (the facts that could decide an undetermined row);
        ``errors`` (``{field, value, expected}`` for each cell left out); one boolean
        column per ruleset and per criterion, named by its id (null for UNKNOWN); and
        ``record``.

    Raises:
        CriteriaInputError: for a configuration that cannot work (an unknown fact or
            column, a dimensional column with no unit, a bad parameter); with
            ``errors="raise"``, for the first invalid cell.
        MissingDependencyError: if polars is not installed (or, for
            ``engine="duckdb"``, duckdb or sqlglot).
    """
    chosen: str = engine  # checked at run time too: callers need not be typed
    if chosen not in ("polars", "duckdb"):
        from ..errors import CriteriaInputError

        raise CriteriaInputError("engine", engine, "'polars' or 'duckdb'")
    if chosen == "duckdb":
        from ..sql import screen_duckdb

        return screen_duckdb(
            data,
            ruleset,
            columns=columns,
            units=units,
            unit_columns=unit_columns,
            params=params,
            assume_absent=assume_absent,
            id_column=id_column,
            passthrough=passthrough,
            errors=errors,
            keep_record=keep_record,
        )
    from .screen import screen as _screen

    return _screen(
        data,
        ruleset,
        columns=columns,
        units=units,
        unit_columns=unit_columns,
        params=params,
        assume_absent=assume_absent,
        id_column=id_column,
        passthrough=passthrough,
        errors=errors,
        keep_record=keep_record,
    )


def explain_row(
    results: Any,
    i: int,
    *,
    ruleset: Ruleset | None = None,
    params: Mapping[str, object] | None = None,
    assume_absent: Iterable[str] | None = None,
) -> Result:
    """The full evaluation tree of row ``i`` of a table :func:`screen` returned.

    Evaluates the row's ``record`` (its cells as read, less any invalid ones) with the
    single-record evaluator, and checks that every criterion's outcome agrees with the
    row's columns. The ruleset, parameters and assumptions are those ``screen`` used,
    when ``results`` is the table it returned; for a table derived from it (filtered,
    loaded from a file), pass them again.

    Raises:
        CriteriaInputError: if ``i`` is not a row, the table has no ``record``, or the
            row's outcomes disagree with the evaluation (different settings).
    """
    from .explain import explain_row as _explain_row

    return _explain_row(results, i, ruleset=ruleset, params=params, assume_absent=assume_absent)


def funnel(
    results: Any, ruleset: Ruleset | None = None, params: Mapping[str, object] | None = None
) -> Funnel:
    """The screening funnel of a result table, in CONSORT style.

    Steps follow the ruleset: for the trial's eligibility, the inclusion step (with
    the CLF and ACLF groups under it), then each exclusion in protocol order. A step
    removes the rows it decides against and lets undetermined rows through, counted,
    with the missing facts that could decide them. The rows removed are the
    ineligible ones; those left are the eligible and the undetermined.

    Args:
        results: a table :func:`screen` returned (by any engine).
        ruleset: the ruleset it was screened with; found by itself for the table
            ``screen`` returned, else the trial's eligibility.
        params: the parameters it was screened with, which say which criteria gate;
            found by itself for the table ``screen`` returned.

    Returns:
        A :class:`~liverfail_criteria.cohort.funnel.Funnel`: ``.table`` (a polars
        DataFrame), the totals, ``str()`` for a terminal, and ``.plot(path)`` for a
        PNG or SVG figure. In a notebook it displays as a table.
    """
    from .funnel import funnel as _funnel

    return _funnel(results, ruleset, params)


def missingness(
    results: Any, ruleset: Ruleset | None = None, params: Mapping[str, object] | None = None
) -> Any:
    """Per fact of the ruleset: rows with no value, with an invalid one, and deciding.

    Returns a polars DataFrame with one row per fact, in the order ``missing`` lists
    them: ``in_table``, ``empty``, ``invalid``, ``deciding`` (undetermined rows that
    the fact could decide) and ``empty_share``.
    """
    from .funnel import missingness as _missingness

    return _missingness(results, ruleset, params)
