"""The event relation: the one table every source of clinical records is flattened into.

A FHIR Bundle or Bulk export, a long-format lab extract and an OMOP CDM database all
become rows of this relation (and of the small demographics relation); derivations
read nothing else. The column names, their order and their types are a contract
shared with the SQL compiler of derivations (see ``/work/notes/EVENTS-CONTRACT.md``
in the project's history, and this package's docstring).
"""

from __future__ import annotations

from typing import Any, NamedTuple

__all__ = [
    "CONDITION",
    "DEMOGRAPHIC_COLUMNS",
    "EVENT_COLUMNS",
    "ICD10",
    "ICD10_CM",
    "LOINC",
    "OBSERVATION",
    "SNOMED",
    "SYSTEMS",
    "Column",
    "column_names",
    "normalise_code",
    "polars_schema",
]

#: Code system URIs, as FHIR writes them.
LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"  # WHO ICD-10 (and national editions based on it)
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
#: Short names accepted for the systems (in lab extracts and OMOP vocabulary ids).
SYSTEMS: dict[str, str] = {
    "loinc": LOINC,
    "icd10": ICD10,
    "icd-10": ICD10,
    "icd10who": ICD10,
    "icd10cm": ICD10_CM,
    "icd-10-cm": ICD10_CM,
    "snomed": SNOMED,
    "sct": SNOMED,
    "snomed ct": SNOMED,
}

#: Values of the ``kind`` column.
OBSERVATION = "observation"
CONDITION = "condition"


class Column(NamedTuple):
    """One column of a relation.

    Attributes:
        name: the column's name.
        polars: its polars dtype, as a name (``"Utf8"``, ``"Float64"``,
            ``"Datetime(us, UTC)"``, ``"Date"``).
        sql: its SQL type (ANSI; DuckDB, PostgreSQL and Spark all accept it).
        nullable: whether it may be null.
        meaning: what it holds.
    """

    name: str
    polars: str
    sql: str
    nullable: bool
    meaning: str


#: The event relation, in column order.
EVENT_COLUMNS: tuple[Column, ...] = (
    Column("patient_id", "Utf8", "VARCHAR", False, "the patient's id"),
    Column("kind", "Utf8", "VARCHAR", False, "'observation' or 'condition'"),
    Column("system", "Utf8", "VARCHAR", False, "code system URI (LOINC, ICD-10, SNOMED CT)"),
    Column("code", "Utf8", "VARCHAR", False, "the code in that system, as written"),
    Column(
        "status",
        "Utf8",
        "VARCHAR",
        True,
        "observation: Observation.status; condition: clinicalStatus code",
    ),
    Column("verification", "Utf8", "VARCHAR", True, "condition verificationStatus code"),
    Column(
        "time",
        "Datetime(us, UTC)",
        "TIMESTAMP WITH TIME ZONE",
        True,
        "observation effective time; condition onset, else its recorded date when it has "
        "no onset (null when partial or absent)",
    ),
    Column("value", "Float64", "DOUBLE", True, "numeric value as written (not converted)"),
    Column(
        "value_text",
        "Utf8",
        "VARCHAR",
        True,
        "the value as printed when not numeric; a coded answer as '<system>|<code>'; "
        "a condition dated by its recorded date (no onset): 'recordedDate'",
    ),
    Column("comparator", "Utf8", "VARCHAR", True, "'<', '<=', '>=', '>' for censored results"),
    Column("unit", "Utf8", "VARCHAR", True, "UCUM code if given, else the unit text"),
    Column("source", "Utf8", "VARCHAR", False, "provenance: 'Observation/abc', 'row 17'"),
)

#: The demographics relation (one row per patient), in column order.
DEMOGRAPHIC_COLUMNS: tuple[Column, ...] = (
    Column("patient_id", "Utf8", "VARCHAR", False, "the patient's id"),
    Column("birth_date", "Date", "DATE", True, "date of birth (null when absent or partial)"),
    Column("sex", "Utf8", "VARCHAR", True, "'male', 'female', another code, or null"),
    Column("source", "Utf8", "VARCHAR", False, "provenance: 'Patient/abc'"),
)


def column_names(columns: tuple[Column, ...] = EVENT_COLUMNS) -> tuple[str, ...]:
    """The names of a relation's columns, in order."""
    return tuple(c.name for c in columns)


def polars_schema(columns: tuple[Column, ...] = EVENT_COLUMNS) -> dict[str, Any]:
    """The relation's polars schema (imports polars: the ``cohort`` extra)."""
    from ..extras import require

    pl = require("polars", extra="cohort", feature="the event relation")
    types = {
        "Utf8": pl.Utf8,
        "Float64": pl.Float64,
        "Date": pl.Date,
        "Datetime(us, UTC)": pl.Datetime("us", "UTC"),
    }
    return {c.name: types[c.polars] for c in columns}


def normalise_code(system: str, code: str) -> str:
    """A code as code sets compare it.

    ICD-10 codes are compared upper-case without their dot ("k74.60" and "K7460" are
    "K7460"); other systems' codes are compared as written, stripped. SQL:
    ``UPPER(REPLACE(TRIM(code), '.', ''))`` for the two ICD-10 systems, ``TRIM(code)``
    otherwise.
    """
    code = code.strip()
    if system in (ICD10, ICD10_CM):
        return code.replace(".", "").upper()
    return code
