"""OMOP CDM 5.4 as the event relation: one SQL definition, for DuckDB, PostgreSQL and Spark.

The tables of an OMOP database map onto the event relation (:mod:`.schema`) by one
query (:func:`events_sql`) and onto the demographics relation by another
(:func:`demographics_sql`); both are written once and rendered by sqlglot for each
engine, so the same rows come out wherever the database lives. The derivations read
those rows, as they read a FHIR export's.

How the tables are read (the decisions ``omop-unit``, ``omop-status``,
``omop-verification`` and ``omop-birth-date`` in :data:`OMOP_DECISIONS`):

* ``measurement``: the standard concept's LOINC code (from ``concept``); the value
  ``value_as_number``; ``operator_concept_id`` to a comparator (the OMOP "Meas Value
  Operator" concepts, fixed ids: ``=`` is none); the unit is the UCUM code of
  ``unit_concept_id`` through ``concept``; where that is 0 (or not in the vocabulary),
  ``unit_source_value`` is read as a spelling; where neither is given the value has no
  unit and the screening lists it as invalid, never guessed. No status: OMOP keeps
  final results only. Time: ``measurement_datetime``, else ``measurement_date``, as UTC.
* ``condition_occurrence``: one event per coding: the standard concept's SNOMED code,
  and the source concept's ICD-10 or ICD-10-CM code (``condition_source_concept_id``).
  Onset ``condition_start_datetime`` or ``condition_start_date``. A condition with a
  ``condition_end_date`` is ``resolved``, without one it has no status (counts as
  present). ``condition_status_concept_id`` (preliminary / final diagnosis) gives the
  verification: a concept named "Preliminary ..." is ``provisional``, else none.
* ``person``: ``person_id`` as text; birth date ``birth_datetime``, else the date of
  ``year_of_birth``/``month_of_birth``/``day_of_birth`` when all three are given (a
  partial birth date is none); sex from ``gender_concept_id`` 8507 (male), 8532 (female).

Provenance: ``measurement/<measurement_id>``, ``condition_occurrence/<id>``,
``person/<person_id>``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import CriteriaInputError
from ..extras import require
from .decisions import OMOP_DECISIONS
from .schema import ICD10, ICD10_CM, LOINC, SNOMED

__all__ = [
    "CDM_TABLES",
    "OMOP_DECISIONS",
    "OPERATORS",
    "demographics_sql",
    "events_sql",
    "from_omop",
    "open_omop",
    "read_omop",
    "to_dialect",
]

#: The CDM tables read (``concept`` for codes and units, ``concept_relationship`` and
#: ``concept_ancestor`` for the vocabulary's mappings).
CDM_TABLES = ("person", "measurement", "condition_occurrence", "concept")
#: OMOP "Meas Value Operator" concept ids (standard vocabulary) -> comparator.
OPERATORS: dict[int, str] = {4171756: "<", 4171754: "<=", 4171755: ">=", 4172704: ">"}
MALE, FEMALE = 8507, 8532

_MEASUREMENTS = """
SELECT
  CAST(m.person_id AS VARCHAR) AS patient_id,
  'observation' AS kind,
  '{loinc}' AS system,
  c.concept_code AS code,
  CAST(NULL AS VARCHAR) AS status,
  CAST(NULL AS VARCHAR) AS verification,
  COALESCE(CAST(m.measurement_datetime AS TIMESTAMP),
           CAST(m.measurement_date AS TIMESTAMP)) AS time,
  CAST(m.value_as_number AS DOUBLE) AS value,
  CASE WHEN m.value_as_number IS NULL THEN m.value_source_value END AS value_text,
  CASE m.operator_concept_id {operators} END AS comparator,
  COALESCE(u.concept_code, NULLIF(TRIM(m.unit_source_value), '')) AS unit,
  'measurement/' || CAST(m.measurement_id AS VARCHAR) AS source
FROM {cdm}measurement AS m
JOIN {cdm}concept AS c
  ON c.concept_id = m.measurement_concept_id AND c.vocabulary_id = 'LOINC'
LEFT JOIN {cdm}concept AS u
  ON u.concept_id = m.unit_concept_id AND m.unit_concept_id <> 0 AND u.vocabulary_id = 'UCUM'
"""

_CONDITIONS = """
SELECT
  CAST(o.person_id AS VARCHAR) AS patient_id,
  'condition' AS kind,
  CASE c.vocabulary_id WHEN 'SNOMED' THEN '{snomed}' WHEN 'ICD10CM' THEN '{icd10cm}'
    ELSE '{icd10}' END AS system,
  c.concept_code AS code,
  CASE WHEN o.condition_end_date IS NOT NULL THEN 'resolved' END AS status,
  CASE WHEN LOWER(s.concept_name) LIKE 'preliminary%' THEN 'provisional' END AS verification,
  COALESCE(CAST(o.condition_start_datetime AS TIMESTAMP),
           CAST(o.condition_start_date AS TIMESTAMP)) AS time,
  CAST(NULL AS DOUBLE) AS value,
  CAST(NULL AS VARCHAR) AS value_text,
  CAST(NULL AS VARCHAR) AS comparator,
  CAST(NULL AS VARCHAR) AS unit,
  'condition_occurrence/' || CAST(o.condition_occurrence_id AS VARCHAR) AS source
FROM {cdm}condition_occurrence AS o
JOIN {cdm}concept AS c
  ON (c.concept_id = o.condition_concept_id AND c.vocabulary_id = 'SNOMED')
  OR (c.concept_id = o.condition_source_concept_id AND o.condition_source_concept_id <> 0
      AND c.vocabulary_id IN ('ICD10', 'ICD10CM'))
LEFT JOIN {cdm}concept AS s ON s.concept_id = o.condition_status_concept_id
"""

_PEOPLE = """
SELECT
  CAST(p.person_id AS VARCHAR) AS patient_id,
  COALESCE(CAST(p.birth_datetime AS DATE),
    CASE WHEN p.year_of_birth IS NOT NULL AND p.month_of_birth IS NOT NULL
      AND p.day_of_birth IS NOT NULL
    THEN MAKE_DATE(p.year_of_birth, p.month_of_birth, p.day_of_birth) END) AS birth_date,
  CASE p.gender_concept_id WHEN {male} THEN 'male' WHEN {female} THEN 'female' END AS sex,
  'person/' || CAST(p.person_id AS VARCHAR) AS source
FROM {cdm}person AS p
"""


def _render(template: str, dialect: str, cdm_schema: str | None) -> str:
    require("sqlglot", extra="sql", feature="reading OMOP")

    from ..interpreters.sql.dialect import dialect_for

    name = dialect_for(dialect).name
    operators = " ".join(f"WHEN {k} THEN '{v}'" for k, v in OPERATORS.items())
    if cdm_schema is not None and not cdm_schema.replace("_", "").isalnum():
        raise CriteriaInputError("cdm_schema", cdm_schema, "a schema name (letters, digits, _)")
    text = template.format(
        loinc=LOINC,
        snomed=SNOMED,
        icd10=ICD10,
        icd10cm=ICD10_CM,
        operators=operators,
        male=MALE,
        female=FEMALE,
        cdm=f"{cdm_schema}." if cdm_schema else "",
    )
    return to_dialect(text, name)


def to_dialect(text: str, name: str) -> str:
    """SQL written in DuckDB's SQL, rendered by sqlglot for the dialect ``name``."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(text, read="duckdb")
    if name == "postgres":
        # sqlglot writes DATE_FROM_PARTS, which PostgreSQL lacks: MAKE_DATE of integers.
        def make_date(node: Any) -> Any:
            if isinstance(node, exp.DateFromParts):
                parts = [node.args[k] for k in ("year", "month", "day")]
                return exp.Anonymous(
                    this="MAKE_DATE", expressions=[exp.cast(p, "INT") for p in parts]
                )
            return node

        tree = tree.transform(make_date)
    return str(tree.sql(dialect=name))


def events_sql(dialect: str = "duckdb", cdm_schema: str | None = None) -> str:
    """The OMOP tables as the event relation: one SELECT (``UNION ALL`` of two)."""
    measurements = _render(_MEASUREMENTS, dialect, cdm_schema)
    conditions = _render(_CONDITIONS, dialect, cdm_schema)
    return f"{measurements}\nUNION ALL\n{conditions}"


def demographics_sql(dialect: str = "duckdb", cdm_schema: str | None = None) -> str:
    """The ``person`` table as the demographics relation: one SELECT."""
    return _render(_PEOPLE, dialect, cdm_schema)


def _folder_tables(folder: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix not in (".parquet", ".csv"):
            continue
        name = path.stem.lower()
        if name in found:
            raise CriteriaInputError(
                "source", str(path), f"one file per table ({name!r} twice: {found[name].name})"
            )
        found[name] = path
    return found


def open_omop(source: object) -> tuple[Any, str | None, bool]:
    """A DuckDB connection where the CDM tables can be read; their schema; whether owned.

    ``source``: a folder of Parquet or CSV files (one per table, named like it in any
    case), a DuckDB database file, or a DuckDB connection (tables in its search path).
    """
    duckdb = require("duckdb", extra="duckdb", feature="reading OMOP")
    if not isinstance(source, (str, os.PathLike)):
        if hasattr(source, "execute") and hasattr(source, "sql"):
            return source, None, False
        raise CriteriaInputError(
            "source", type(source).__name__, "a folder, a DuckDB file or a DuckDB connection"
        )
    path = Path(source)
    if path.is_dir():
        tables = _folder_tables(path)
        missing = [t for t in CDM_TABLES if t not in tables]
        if missing:
            raise CriteriaInputError(
                "source", str(path), f"OMOP CDM tables (no {', '.join(missing)} file)"
            )
        con = duckdb.connect()
        con.execute("CREATE SCHEMA cdm")
        for name, file in tables.items():
            quoted = "'" + str(file).replace("'", "''") + "'"
            reader = (
                f"read_parquet({quoted})"
                if file.suffix.lower() == ".parquet"
                else f"read_csv({quoted}, header = true)"
            )
            con.execute(f'CREATE VIEW cdm."{name}" AS SELECT * FROM {reader}')
        return con, "cdm", True
    if path.is_file():
        con = duckdb.connect(str(path), read_only=True)
        return con, None, True
    raise CriteriaInputError("source", str(path), "an OMOP folder or DuckDB database file")


def read_omop(source: object, cdm_schema: str | None = None) -> tuple[Any, Any]:
    """The event and demographics relations of an OMOP source, as polars DataFrames."""
    pl = require("polars", extra="cohort", feature="reading OMOP")
    from .schema import DEMOGRAPHIC_COLUMNS, EVENT_COLUMNS, polars_schema

    con, schema, owned = open_omop(source)
    try:
        schema = cdm_schema if cdm_schema is not None else schema
        events = con.sql(events_sql("duckdb", schema)).pl()
        people = con.sql(demographics_sql("duckdb", schema)).pl()
    finally:
        if owned:
            con.close()
    ev_schema = polars_schema(EVENT_COLUMNS)
    events = events.with_columns(
        pl.col("time").dt.replace_time_zone("UTC").cast(ev_schema["time"])
    ).cast(ev_schema)
    people = people.cast(polars_schema(DEMOGRAPHIC_COLUMNS))
    return events, people


def from_omop(
    source: object,
    assessment_date: object,
    *,
    cdm_schema: str | None = None,
    params: Any = None,
    stated: Any = None,
) -> Any:
    """See :func:`liverfail_criteria.from_omop`."""
    from .api import facts_table

    events, people = read_omop(source, cdm_schema)
    return facts_table(events, people, assessment_date, params, stated)
