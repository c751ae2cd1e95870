"""A seeded OMOP CDM 5.4 database for boundaries and scale: ``python generate.py OUT [N]``.

Persons with total bilirubin around the trial's thresholds in mg/dL and umol/L (by
unit concept, or by ``unit_source_value`` only, or with no unit at all), censored
values (``operator_concept_id``), ties on one date, results after the assessment date,
platelets, and cirrhosis coded as SNOMED with or without an ICD-10-CM source code,
some ended. Writes one Parquet file per table (``person``, ``measurement``,
``condition_occurrence``, ``concept``) into OUT.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

ASSESSMENT = dt.date(2025, 6, 1)
#: (concept_id, concept_name, vocabulary_id, concept_code): the vocabulary subset used.
CONCEPTS = [
    (3024128, "Bilirubin.total [Mass/volume] in Serum or Plasma", "LOINC", "1975-2"),
    (3024929, "Platelets [#/volume] in Blood by Automated count", "LOINC", "777-3"),
    (8840, "milligram per deciliter", "UCUM", "mg/dL"),
    (8749, "micromole per liter", "UCUM", "umol/L"),
    (8848, "thousand per microliter", "UCUM", "10*3/uL"),
    (4064161, "Cirrhosis of liver", "SNOMED", "19943007"),
    (45591453, "Other cirrhosis of liver", "ICD10CM", "K74.69"),
    (32899, "Preliminary diagnosis", "Condition Status", "OMOP4976972"),
]
_BILIRUBIN_MG = [4.9, 5.0, 5.1, 2.9, 3.0, 10.0, 17.1 / 17.104]
_BILIRUBIN_UMOL = [84.99, 85.0, 85.53, 51.3, 171.0, 200.0]


def generate(n: int, seed: int = 0) -> dict[str, list[dict[str, Any]]]:
    """The tables of ``n`` persons, as lists of rows (column name -> value)."""
    rng = random.Random(seed)
    person: list[dict[str, Any]] = []
    measurement: list[dict[str, Any]] = []
    condition: list[dict[str, Any]] = []
    mid = 0
    for pid in range(1, n + 1):
        born = dt.date(1940 + rng.randrange(60), rng.randrange(1, 13), rng.randrange(1, 28))
        partial = rng.random() < 0.1
        person.append(
            {
                "person_id": pid,
                "gender_concept_id": rng.choice([8507, 8532, 0]),
                "year_of_birth": born.year,
                "month_of_birth": None if partial else born.month,
                "day_of_birth": None if partial else born.day,
                "birth_datetime": None
                if partial or rng.random() < 0.5
                else dt.datetime(born.year, born.month, born.day),
            }
        )
        for _ in range(rng.randrange(0, 5)):
            mid += 1
            day = ASSESSMENT - dt.timedelta(days=rng.choice([0, 0, 1, 3, 7, 8, 30, -1]))
            mode = rng.choice(["mg", "umol", "source", "none"])
            value = rng.choice(_BILIRUBIN_UMOL if mode in ("umol", "source") else _BILIRUBIN_MG)
            measurement.append(
                {
                    "measurement_id": mid,
                    "person_id": pid,
                    "measurement_concept_id": 3024128,
                    "measurement_date": day,
                    "measurement_datetime": None
                    if rng.random() < 0.5
                    else dt.datetime(day.year, day.month, day.day, rng.choice([0, 8, 8, 23])),
                    "operator_concept_id": rng.choice([None, 0, 4172703, 4171756, 4172704]),
                    "value_as_number": value,
                    "unit_concept_id": {"mg": 8840, "umol": 8749}.get(mode, 0),
                    "unit_source_value": {"mg": "mg/dL", "umol": "umol/L", "source": "umol/L"}.get(
                        mode
                    ),
                    "value_source_value": str(value),
                }
            )
        mid += 1
        measurement.append(
            {
                "measurement_id": mid,
                "person_id": pid,
                "measurement_concept_id": 3024929,
                "measurement_date": ASSESSMENT - dt.timedelta(days=rng.randrange(0, 10)),
                "measurement_datetime": None,
                "operator_concept_id": None,
                "value_as_number": float(rng.choice([49, 50, 51, 150, 300])),
                "unit_concept_id": 8848,
                "unit_source_value": "10*3/uL",
                "value_source_value": None,
            }
        )
        if pid == 1 or rng.random() < 0.4:  # person 1 always: no empty table
            onset = ASSESSMENT - dt.timedelta(days=rng.randrange(-30, 3000))
            condition.append(
                {
                    "condition_occurrence_id": len(condition) + 1,
                    "person_id": pid,
                    "condition_concept_id": 4064161,
                    "condition_start_date": onset,
                    "condition_start_datetime": None,
                    "condition_end_date": onset + dt.timedelta(days=90)
                    if rng.random() < 0.2
                    else None,
                    "condition_status_concept_id": rng.choice([0, 0, 32899]),
                    "condition_source_concept_id": rng.choice([0, 45591453]),
                    "condition_source_value": "K74.69",
                }
            )
    concept = [
        {"concept_id": c, "concept_name": name, "vocabulary_id": v, "concept_code": code}
        for c, name, v, code in CONCEPTS
    ]
    return {
        "person": person,
        "measurement": measurement,
        "condition_occurrence": condition,
        "concept": concept,
    }


_TYPES = {
    "person_id": "Int64",
    "measurement_id": "Int64",
    "condition_occurrence_id": "Int64",
    "value_as_number": "Float64",
}


def write(out: Path, n: int, seed: int = 0, upper: bool = False) -> Path:
    """Write the tables of :func:`generate` as Parquet files in ``out``."""
    import polars as pl

    out.mkdir(parents=True, exist_ok=True)
    for name, rows in generate(n, seed).items():
        frame = pl.DataFrame(rows, infer_schema_length=None)
        frame = frame.with_columns(
            pl.col(c).cast(getattr(pl, t)) for c, t in _TYPES.items() if c in frame.columns
        )
        frame.write_parquet(out / f"{name.upper() if upper else name}.parquet")
    return out


if __name__ == "__main__":
    write(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
