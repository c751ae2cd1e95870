"""Screening with Spark: the query of :mod:`.query` run by ``spark.sql`` on a view.

The view's schema gives the column kinds; one aggregate query finds the distinct unit
spellings; the rest is the SQL that :func:`~liverfail_criteria.to_sql` writes for the
``spark`` dialect.

Running the SQL on Spark (local mode or a cluster)::

    from pyspark.sql import SparkSession
    import liverfail_criteria as lc

    spark = SparkSession.builder.master("local[2]").getOrCreate()
    spark.read.parquet("cohort.parquet").createOrReplaceTempView("cohort")
    query = lc.to_sql(table="cohort", dialect="spark",
                      units={"body_weight": "kg", "age": "a",
                             "standard_treatment_duration": "d"})
    results = spark.sql(query)       # a Spark DataFrame, one row per patient

or :func:`screen_spark`, which reads the view's schema and unit spellings first, as
:func:`~liverfail_criteria.screen_duckdb` does for DuckDB. The session needs no
tuning: the query runs with Spark's default optimizer and analyzer settings (its stages
are written so that the optimizer's ``CollapseProject`` rule has no chain of constant
stages to inline into each other, see :mod:`..interpreters.sql.frame`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import CriteriaInputError
from ..extras import require
from ..interpreters.plan import ColumnKind
from ..interpreters.sql.dialect import Spark

__all__ = ["screen_spark", "spark_kinds"]


def spark_kinds(schema: Any) -> dict[str, ColumnKind]:
    """A Spark schema (``StructType``) as the engine-neutral column kinds of the plan."""
    kinds: dict[str, ColumnKind] = {}
    for field in schema.fields:
        name = type(field.dataType).__name__
        if name == "BooleanType":
            kind = "boolean"
        elif name in ("ByteType", "ShortType", "IntegerType", "LongType"):
            kind = "integer"
        elif name in ("FloatType", "DoubleType", "DecimalType"):
            kind = "number"
        elif name in ("StringType", "VarcharType", "CharType"):
            kind = "string"
        elif name == "DateType":
            kind = "date"
        elif name in ("TimestampType", "TimestampNTZType"):
            kind = "datetime"
        elif name == "NullType":
            kind = "null"
        else:
            kind = "other"
        kinds[field.name] = kind
    return kinds


class _Rows:
    """The little of a DB-API connection that :func:`.duck.scan_spellings` uses."""

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self.rows: list[Any] = []

    def execute(self, query: str) -> _Rows:
        self.rows = [tuple(r) for r in self.spark.sql(query).collect()]
        return self

    def fetchall(self) -> list[Any]:
        return self.rows


def screen_spark(
    spark: Any,
    view: str,
    ruleset: Any = None,
    *,
    columns: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    unit_columns: Mapping[str, str] | None = None,
    params: Mapping[str, object] | None = None,
    assume_absent: Iterable[str] = (),
    id_column: str | None = "id",
    passthrough: Iterable[str] = (),
    keep_record: bool = True,
) -> Any:
    """Screen a Spark table or view with ``spark.sql``; return the Spark DataFrame.

    Reads the view's schema and its distinct unit spellings (one aggregate query),
    compiles the ruleset with :func:`to_sql` for the ``spark`` dialect, and runs it.
    Nothing is collected to the driver: the result is lazy, like any Spark query.

    Args:
        spark: a ``pyspark.sql.SparkSession``.
        view: the name of a table or temporary view
            (``df.createOrReplaceTempView("cohort")``).
        ruleset: the ruleset; :data:`~liverfail_criteria.ELIGIBILITY` if not given.
        columns: fact name to column name, as for ``screen``.
        units: fact name to the unit of every value in its column.
        unit_columns: fact name to the column holding each row's unit.
        params: values for the ruleset's parameters.
        assume_absent: true/false facts to take as false where the cell is empty.
        id_column: the column carried through as the row id (else ``row``, from 0).
        passthrough: other columns of the table to carry into the result, as they
            are, after the id. Any column that is not a fact, a unit column, the id or
            passed through is an error (a misspelt fact must not go unread).
        keep_record: add the ``record`` column (a struct of the facts as read).

    Returns:
        A ``pyspark.sql.DataFrame`` with the columns of ``screen``.

    Raises:
        CriteriaInputError: as ``screen`` does.
        MissingDependencyError: if pyspark or sqlglot is missing (the ``spark`` extra).
    """
    require("pyspark", extra="spark", feature="screening with Spark")
    require("sqlglot", extra="spark", feature="screening with Spark")
    from sqlglot import exp

    if not isinstance(view, str) or not view:
        raise CriteriaInputError("view", view, "the name of a Spark table or temporary view")
    source = exp.to_table(view, dialect="spark")
    kinds = spark_kinds(spark.table(view).schema)
    from .runner import compile_screening

    _, query = compile_screening(
        _Rows(spark),
        source,
        kinds,
        Spark(),
        ruleset,
        columns=columns,
        units=units,
        unit_columns=unit_columns,
        params=params,
        assume_absent=assume_absent,
        id_column=id_column,
        passthrough=passthrough,
        keep_record=keep_record,
    )
    return spark.sql(query)
