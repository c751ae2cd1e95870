"""OMOP CDM 5.4 as the event relation: one SQL definition, for DuckDB, PostgreSQL and Spark.

The tables of an OMOP database map onto the event relation (:mod:`.schema`) by one
query (:func:`events_sql`) and onto the demographics relation by another
(:func:`demographics_sql`); both are written once and rendered by sqlglot for each
engine, so the same rows come out wherever the database lives. The derivations read
those rows, as they read a FHIR export's.

How the tables are read (the decisions ``omop-unit``, ``omop-status``,
``omop-verification``, ``omop-birth-date``, ``omop-vocabulary``, ``omop-descendants``
and ``omop-cohort-date`` in :data:`OMOP_DECISIONS`):

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
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import CriteriaInputError
from ..extras import require
from .decisions import OMOP_DECISIONS
from .schema import ICD10, ICD10_CM, LOINC, SNOMED

__all__ = [
    "CDM_TABLES",
    "NO_DESCENDANTS",
    "OMOP_DECISIONS",
    "OPERATORS",
    "VOCABULARY_TABLES",
    "OmopVocabularyWarning",
    "demographics_sql",
    "events_sql",
    "from_omop",
    "open_omop",
    "read_omop",
    "to_dialect",
    "vocabulary_tables",
]

#: The CDM tables a source must have.
CDM_TABLES = ("person", "measurement", "condition_occurrence")
#: The vocabulary tables read where the database has them (see :func:`vocabulary_tables`).
VOCABULARY_TABLES = ("concept", "concept_relationship", "concept_ancestor")
#: OMOP "Meas Value Operator" concept ids (standard vocabulary) -> comparator.
OPERATORS: dict[int, str] = {4171756: "<", 4171754: "<=", 4171755: ">=", 4172704: ">"}
MALE, FEMALE = 8507, 8532
#: Library codes whose concept's descendants do not count (decision omop-descendants):
#: (vocabulary_id, concept_code). 'Substance abuse' has alcohol abuse among its kinds.
NO_DESCENDANTS: tuple[tuple[str, str], ...] = (("SNOMED", "66214007"),)

_MEASUREMENTS = """
SELECT
  CAST(m.person_id AS VARCHAR) AS patient_id,
  'observation' AS kind,
  '{loinc}' AS system,
  c.code AS code,
  CAST(NULL AS VARCHAR) AS status,
  CAST(NULL AS VARCHAR) AS verification,
  COALESCE(CAST(m.measurement_datetime AS TIMESTAMP),
           CAST(m.measurement_date AS TIMESTAMP)) AS time,
  CAST(m.value_as_number AS DOUBLE) AS value,
  CASE WHEN m.value_as_number IS NULL THEN COALESCE(
    CASE a.vocabulary_id WHEN 'SNOMED' THEN '{snomed}|' || a.concept_code
      WHEN 'LOINC' THEN '{loinc}|' || a.concept_code END,
    m.value_source_value) END AS value_text,
  CASE m.operator_concept_id {operators} END AS comparator,
  COALESCE(u.concept_code, NULLIF(TRIM(m.unit_source_value), '')) AS unit,
  'measurement/' || CAST(m.measurement_id AS VARCHAR) AS source
FROM {cdm}measurement AS m
JOIN {codes} AS c ON c.concept_id = m.measurement_concept_id
LEFT JOIN {concept} AS u
  ON u.concept_id = m.unit_concept_id AND m.unit_concept_id <> 0 AND u.vocabulary_id = 'UCUM'
LEFT JOIN {concept} AS a
  ON a.concept_id = m.value_as_concept_id AND m.value_as_concept_id <> 0
"""

#: The measurement concepts' own LOINC codes.
_LOINC_CODES = """(SELECT concept_id, concept_code AS code FROM {concept}
  WHERE vocabulary_id = 'LOINC')"""

_CONDITIONS = """
SELECT
  CAST(o.person_id AS VARCHAR) AS patient_id,
  'condition' AS kind,
  {system} AS system,
  {code} AS code,
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
{codes}
LEFT JOIN {concept} AS s ON s.concept_id = o.condition_status_concept_id
"""

#: A condition's own codings: its standard SNOMED concept and its ICD-10 source concept.
_CONDITION_OWN = """JOIN {concept} AS c
  ON (c.concept_id = o.condition_concept_id AND c.vocabulary_id = 'SNOMED')
  OR (c.concept_id = o.condition_source_concept_id AND o.condition_source_concept_id <> 0
      AND c.vocabulary_id IN ('ICD10', 'ICD10CM'))"""
_CONDITION_OWN_SYSTEM = """CASE c.vocabulary_id WHEN 'SNOMED' THEN '{snomed}'
    WHEN 'ICD10CM' THEN '{icd10cm}' ELSE '{icd10}' END"""

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


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


_VOCABULARY_IDS = {LOINC: "LOINC", SNOMED: "SNOMED", ICD10: "ICD10", ICD10_CM: "ICD10CM"}


def _library_codes() -> list[tuple[str, str, str, str, bool]]:
    """(vocabulary_id, system, code, normalised code, whole category) of every code set."""
    from .codesets import CONDITION_CODES, OBSERVATION_CODES

    rows: dict[tuple[str, str, str, str, bool], None] = {}
    for sets in (*OBSERVATION_CODES.values(), *CONDITION_CODES.values()):
        for s in sets:
            for c in s.codes:
                key = c.code.strip().replace(".", "").upper()
                rows[(_VOCABULARY_IDS[s.system], s.system, c.code, key, c.descendants)] = None
    return sorted(rows)


def _concept_relation(vocabulary: tuple[str, ...], cdm: str) -> str:
    """The ``concept`` table, or the shipped concept list where the database has none."""
    if "concept" in vocabulary:
        return f"{cdm}concept"
    from .omop_concepts import SHIPPED_CONCEPTS

    rows = ", ".join(
        f"({cid}, {_q(name)}, {_q(vid)}, {_q(code)})" for cid, name, vid, code in SHIPPED_CONCEPTS
    )
    return (
        f"(SELECT * FROM (VALUES {rows}) AS shipped(concept_id, concept_name, "
        "vocabulary_id, concept_code))"
    )


def _resolved(vocabulary: tuple[str, ...], cdm: str) -> str | None:
    """CTEs ending in ``_omop_codes(concept_id, system, code)``: what library codes stand for.

    A library code's concept (matched by vocabulary and code; an ICD-10 category by
    prefix), the standard concepts it ``Maps to`` (``concept_relationship``), and the
    descendants of both (``concept_ancestor``), less the code's own concept (its events
    carry that code already). ``None`` when the vocabulary has neither table.
    """
    maps = "concept_relationship" in vocabulary
    ancestors = "concept_ancestor" in vocabulary
    if "concept" not in vocabulary or not (maps or ancestors):
        return None
    values = ", ".join(
        f"({_q(v)}, {_q(system)}, {_q(code)}, {_q(key)}, {'TRUE' if prefix else 'FALSE'})"
        for v, system, code, key, prefix in _library_codes()
    )
    norm = "UPPER(REPLACE(TRIM(c.concept_code), '.', ''))"
    library = (
        f"SELECT c.concept_id, l.system, l.code FROM {cdm}concept AS c "
        f"JOIN (VALUES {values}) AS l(vocabulary_id, system, code, ncode, whole) "
        f"ON c.vocabulary_id = l.vocabulary_id AND ({norm} = l.ncode "
        f"OR (l.whole AND {norm} LIKE l.ncode || '%'))"
    )
    targets = "SELECT l.concept_id, l.system, l.code, l.concept_id AS lib_id FROM _omop_lib AS l"
    if maps:
        targets += (
            "\nUNION ALL\nSELECT r.concept_id_2, l.system, l.code, l.concept_id "
            f"FROM _omop_lib AS l JOIN {cdm}concept_relationship AS r "
            "ON r.concept_id_1 = l.concept_id AND r.relationship_id = 'Maps to' "
            "AND r.invalid_reason IS NULL"
        )
    found = "SELECT t.concept_id, t.system, t.code, t.lib_id FROM _omop_targets AS t"
    if ancestors:
        # Not the descendants of NO_DESCENDANTS' concepts, however they were reached (a
        # library code's own, or what an ICD-10 code maps to): decision omop-descendants.
        kept = " OR ".join(
            f"(x.vocabulary_id = {_q(v)} AND x.concept_code = {_q(c)})" for v, c in NO_DESCENDANTS
        )
        found += (
            "\nUNION ALL\nSELECT a.descendant_concept_id, t.system, t.code, t.lib_id "
            f"FROM _omop_targets AS t JOIN {cdm}concept_ancestor AS a "
            "ON a.ancestor_concept_id = t.concept_id "
            f"WHERE t.concept_id NOT IN (SELECT x.concept_id FROM {cdm}concept AS x "
            f"WHERE {kept})"
        )
    return (
        f"WITH _omop_lib AS ({library}),\n_omop_targets AS ({targets}),\n"
        f"_omop_codes AS (SELECT DISTINCT d.concept_id, d.system, d.code FROM ({found}) AS d "
        "WHERE d.concept_id <> d.lib_id)\n"
    )


def _render(
    template: str,
    dialect: str,
    cdm_schema: str | None,
    vocabulary: tuple[str, ...] = (),
    **parts: str,
) -> str:
    require("sqlglot", extra="sql", feature="reading OMOP")

    from ..interpreters.sql.dialect import dialect_for

    name = dialect_for(dialect).name
    return to_dialect(_fill(template, cdm_schema, vocabulary, **parts), name)


def _fill(template: str, cdm_schema: str | None, vocabulary: tuple[str, ...], **parts: str) -> str:
    if cdm_schema is not None and not cdm_schema.replace("_", "").isalnum():
        raise CriteriaInputError("cdm_schema", cdm_schema, "a schema name (letters, digits, _)")
    cdm = f"{cdm_schema}." if cdm_schema else ""
    common = {
        "loinc": LOINC,
        "snomed": SNOMED,
        "icd10": ICD10,
        "icd10cm": ICD10_CM,
        "operators": " ".join(f"WHEN {k} THEN '{v}'" for k, v in OPERATORS.items()),
        "male": str(MALE),
        "female": str(FEMALE),
        "cdm": cdm,
        "concept": _concept_relation(vocabulary, cdm),
    }
    filled = {k: v.format(**common) for k, v in parts.items()}
    return template.format(**common, **filled)


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


def _vocabulary(vocabulary: object) -> tuple[str, ...]:
    if isinstance(vocabulary, str):
        tables: tuple[object, ...] = (vocabulary,)
    elif isinstance(vocabulary, (tuple, list, set, frozenset)):
        tables = tuple(vocabulary)
    else:
        raise CriteriaInputError(
            "vocabulary", repr(vocabulary), "a tuple of vocabulary table names"
        )
    for t in tables:
        if t not in VOCABULARY_TABLES:
            raise CriteriaInputError(
                "vocabulary", str(t), f"vocabulary tables among {', '.join(VOCABULARY_TABLES)}"
            )
    return tuple(str(t) for t in tables)


def events_sql(
    dialect: str = "duckdb",
    cdm_schema: str | None = None,
    vocabulary: object = VOCABULARY_TABLES,
) -> str:
    """The OMOP tables as the event relation: one SELECT (``UNION ALL`` of its parts).

    Args:
        dialect: ``"duckdb"``, ``"postgres"`` or ``"spark"``.
        cdm_schema: the schema of the CDM tables, or ``None`` for the search path.
        vocabulary: the vocabulary tables the database has (of
            :data:`VOCABULARY_TABLES`); without ``concept`` the shipped concept list
            (:mod:`.omop_concepts`) stands in, without the other two no ``Maps to`` or
            descendants are resolved (see :func:`vocabulary_tables`).
    """
    tables = _vocabulary(vocabulary)
    cdm = f"{cdm_schema}." if cdm_schema else ""
    resolved = _resolved(tables, cdm)
    parts = [
        _measurements(cdm_schema, tables, resolved is not None),
        _fill(
            _CONDITIONS,
            cdm_schema,
            tables,
            codes=_CONDITION_OWN,
            system=_CONDITION_OWN_SYSTEM,
            code="c.concept_code",
        ),
    ]
    if resolved is not None:
        parts.append(
            _fill(
                _CONDITIONS,
                cdm_schema,
                tables,
                codes="JOIN _omop_codes AS v ON v.concept_id = o.condition_concept_id "
                f"AND v.system <> {_q(LOINC)}",
                system="v.system",
                code="v.code",
            )
        )
    text = (resolved or "") + "\nUNION ALL\n".join(parts)
    return to_dialect(text, _dialect_name(dialect))


def _measurements(cdm_schema: str | None, tables: tuple[str, ...], resolved: bool) -> str:
    codes = _LOINC_CODES
    if resolved:
        # Vocabulary codings: an event whose concept a library code stands for (through
        # Maps to or as a descendant) carries that code too; one source counts once.
        codes = codes[:-1] + (
            f"\n  UNION ALL SELECT concept_id, code FROM _omop_codes WHERE system = {_q(LOINC)})"
        )
    return _fill(_MEASUREMENTS, cdm_schema, tables, codes=codes)


def measurements_sql(
    dialect: str = "duckdb",
    cdm_schema: str | None = None,
    vocabulary: object = VOCABULARY_TABLES,
) -> str:
    """The measurement part of :func:`events_sql`, for the docs.

    It reads the CTE ``_omop_codes`` that :func:`events_sql` defines when the
    vocabulary has mappings.
    """
    tables = _vocabulary(vocabulary)
    resolved = _resolved(tables, f"{cdm_schema}." if cdm_schema else "") is not None
    return to_dialect(_measurements(cdm_schema, tables, resolved), _dialect_name(dialect))


def _dialect_name(dialect: str) -> str:
    require("sqlglot", extra="sql", feature="reading OMOP")
    from ..interpreters.sql.dialect import dialect_for

    return dialect_for(dialect).name


def demographics_sql(dialect: str = "duckdb", cdm_schema: str | None = None) -> str:
    """The ``person`` table as the demographics relation: one SELECT."""
    return _render(_PEOPLE, dialect, cdm_schema)


class OmopVocabularyWarning(UserWarning):
    """The OMOP database lacks vocabulary tables: codes are resolved less completely."""


def vocabulary_tables(fetch: Callable[[str], object], cdm_schema: str | None) -> tuple[str, ...]:
    """The vocabulary tables a database has with rows; a warning names those it lacks.

    Args:
        fetch: runs one query (``SELECT 1 FROM <table> LIMIT 1``) and returns its rows,
            or raises where the table does not exist.
        cdm_schema: the schema of the CDM tables.

    Returns:
        The tables of :data:`VOCABULARY_TABLES` present and not empty. Without
        ``concept``, the shipped concept list (:mod:`.omop_concepts`) is read instead;
        without ``concept_relationship`` no ICD-10 code ``Maps to`` its standard
        concept; without ``concept_ancestor`` no descendant is found (decision
        ``omop-vocabulary``).
    """
    cdm = f"{cdm_schema}." if cdm_schema else ""
    present: list[str] = []
    for table in VOCABULARY_TABLES:
        try:
            rows = fetch(f"SELECT 1 FROM {cdm}{table} LIMIT 1")
        except Exception:  # any engine's "no such table"
            continue
        if rows:
            present.append(table)
    lacking = [t for t in VOCABULARY_TABLES if t not in present]
    if lacking:
        what = {
            "concept": "the shipped concept list is read instead (most conditions are not found)",
            "concept_relationship": "ICD-10 codes are not mapped to standard concepts",
            "concept_ancestor": "descendant concepts are not found",
        }
        warnings.warn(
            "OMOP vocabulary incomplete (decision omop-vocabulary): "
            + "; ".join(f"no {t} rows: {what[t]}" for t in lacking),
            OmopVocabularyWarning,
            3,
        )
    return tuple(present)


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
    events, people, _ = _read_omop(source, cdm_schema)
    return events, people


def _read_omop(
    source: object, cdm_schema: str | None, assessed: Callable[[str | None], str] | None = None
) -> tuple[Any, Any, Any]:
    """:func:`read_omop`, and the persons to screen by ``assessed(schema)``'s query, if any."""
    pl = require("polars", extra="cohort", feature="reading OMOP")
    from .schema import DEMOGRAPHIC_COLUMNS, EVENT_COLUMNS, polars_schema

    con, schema, owned = open_omop(source)
    try:
        schema = cdm_schema if cdm_schema is not None else schema
        persons = None
        if assessed is not None:  # first: a missing cohort table fails before the reading
            persons = (
                con.sql(assessed(schema)).pl().cast({"patient_id": pl.Utf8, "_assessed": pl.Date})
            )
        vocabulary = vocabulary_tables(lambda q: con.sql(q).fetchall(), schema)
        events = con.sql(events_sql("duckdb", schema, vocabulary)).pl()
        people = con.sql(demographics_sql("duckdb", schema)).pl()
    finally:
        if owned:
            con.close()
    ev_schema = polars_schema(EVENT_COLUMNS)
    events = events.with_columns(
        pl.col("time").dt.replace_time_zone("UTC").cast(ev_schema["time"])
    ).cast(ev_schema)
    people = people.cast(polars_schema(DEMOGRAPHIC_COLUMNS))
    return events, people, persons


def from_omop(
    source: object,
    assessment_date: object = None,
    *,
    cdm_schema: str | None = None,
    params: Any = None,
    stated: Any = None,
    cohort_table: str | None = None,
    cohort_definition_id: int | None = None,
) -> Any:
    """See :func:`liverfail_criteria.from_omop`."""
    from .api import facts_table
    from .sql import assessed_sql

    if cohort_table is None:
        assessed_sql(assessment_date, cohort_definition_id=cohort_definition_id)  # checked
        events, people = read_omop(source, cdm_schema)
        return facts_table(events, people, assessment_date, params, stated)

    def cohort(schema: str | None) -> str:
        return assessed_sql(
            assessment_date,
            cohort_table=cohort_table,
            cohort_definition_id=cohort_definition_id,
            cdm_schema=schema,
        )

    cohort(cdm_schema)  # the arguments checked before anything is read
    events, people, persons = _read_omop(source, cdm_schema, cohort)
    return facts_table(events, people, None, params, stated, assessed=persons)
