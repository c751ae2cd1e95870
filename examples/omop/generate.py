"""A seeded OMOP CDM 5.4 database for boundaries and scale: ``python generate.py OUT [N]``.

Persons with total bilirubin around the trial's thresholds in mg/dL and umol/L (by
unit concept, or by ``unit_source_value`` only, or with no unit at all), censored
values (``operator_concept_id``), ties on one date, results after the assessment date,
serial results rising around the progressive-jaundice threshold, platelets, and
conditions found four ways: cirrhosis coded as SNOMED with or without an ICD-10-CM
source code (some ended), a descendant of cirrhosis found only through
``concept_ancestor``, a WHO ICD-10 source code with no standard concept, and a
standard concept found only because an ICD-10-CM code of a code set ``Maps to`` it
(``concept_relationship``). Writes one Parquet file per table (``person``,
``measurement``, ``condition_occurrence``, ``concept``, ``concept_relationship``,
``concept_ancestor``) into OUT.

Concept ids from 2,000,000,000 up are local (OMOP's range for a site's own concepts),
so the generated vocabulary never claims an id of OHDSI's; their codes are made up too.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path
from typing import Any

ASSESSMENT = dt.date(2025, 6, 1)
MICRONODULAR, WHO_K70_3, CM_G93_5, COMPRESSION = 2000000001, 2000000020, 2000000010, 2000000011
HIV_RNA, POSITIVE, NEGATIVE, EQUIVOCAL = 2000000030, 9191, 9189, 2000000031
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
    # Qualitative results: a confirmatory HIV test (local id) and its coded answers.
    (HIV_RNA, "HIV 1 RNA [Presence] in Serum or Plasma by NAA", "LOINC", "25835-0"),
    (POSITIVE, "Positive", "SNOMED", "10828004"),
    (NEGATIVE, "Negative", "SNOMED", "260385009"),
    (EQUIVOCAL, "Equivocal (local)", "SNOMED", "2000000031"),
    # Local concepts: a descendant of cirrhosis, a WHO ICD-10 code (source only), and
    # an ICD-10-CM code of the library's with the standard concept it maps to.
    (MICRONODULAR, "Micronodular cirrhosis (local)", "SNOMED", "2000000001"),
    (WHO_K70_3, "Alcoholic cirrhosis of liver", "ICD10", "K70.3"),
    (CM_G93_5, "Compression of brain", "ICD10CM", "G93.5"),
    (COMPRESSION, "Compression of brain (local)", "SNOMED", "2000000011"),
]
#: (concept_id_1, concept_id_2, relationship_id).
RELATIONSHIPS = [
    (45591453, 4064161, "Maps to"),
    (CM_G93_5, COMPRESSION, "Maps to"),
    (COMPRESSION, COMPRESSION, "Maps to"),
    (4064161, MICRONODULAR, "Subsumes"),
]
#: (ancestor, descendant, levels): every concept is its own ancestor at level 0.
ANCESTORS = [(4064161, 4064161, 0), (4064161, MICRONODULAR, 1), (COMPRESSION, COMPRESSION, 0)]
#: How a condition is coded (standard concept, source concept), beside plain SNOMED.
_WAYS = {
    "descendant": (MICRONODULAR, 0),
    "who-source": (0, WHO_K70_3),
    "maps-to": (COMPRESSION, 0),
}
_SOURCE_TEXT = {45591453: "K74.69", WHO_K70_3: "K70.3"}
#: Persons with serial bilirubin (days before the assessment, mg/dL): progressive
#: jaundice is a rise of 17.1 umol/L a day; 1 mg/dL is 17.104 umol/L.
_RISING = {
    5: ((3, 3.0), (0, 10.0)),  # rising fast
    6: ((2, 4.0), (0, 6.0)),  # 1 mg/dL a day: just at the threshold
    7: ((2, 4.0), (1, 9.0), (0, 5.9)),  # earliest and latest: 0.95 mg/dL a day
}
#: Persons with a confirmatory HIV test, by its coded answer (value_as_concept_id).
_HIV_ANSWERS = {8: POSITIVE, 9: NEGATIVE, 10: EQUIVOCAL}
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
        for days_before, value in _RISING.get(pid, ()):
            mid += 1
            day = ASSESSMENT - dt.timedelta(days=days_before)
            measurement.append(
                {
                    "measurement_id": mid,
                    "person_id": pid,
                    "measurement_concept_id": 3024128,
                    "measurement_date": day,
                    "measurement_datetime": None,
                    "operator_concept_id": None,
                    "value_as_number": value,
                    "value_as_concept_id": None,
                    "unit_concept_id": 8840,
                    "unit_source_value": "mg/dL",
                    "value_source_value": str(value),
                }
            )
        for _ in range(0 if pid in _RISING else rng.randrange(0, 5)):
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
                    "value_as_concept_id": 0,
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
                "value_as_concept_id": None,
                "unit_concept_id": 8848,
                "unit_source_value": "10*3/uL",
                "value_source_value": None,
            }
        )
        if pid in _HIV_ANSWERS:  # a coded answer (value_as_concept_id), no number
            mid += 1
            measurement.append(
                {
                    "measurement_id": mid,
                    "person_id": pid,
                    "measurement_concept_id": HIV_RNA,
                    "measurement_date": ASSESSMENT - dt.timedelta(days=40),
                    "measurement_datetime": None,
                    "operator_concept_id": None,
                    "value_as_number": None,
                    "value_as_concept_id": _HIV_ANSWERS[pid],
                    "unit_concept_id": 0,
                    "unit_source_value": None,
                    "value_source_value": "see value_as_concept_id",
                }
            )
        if pid <= 4 or rng.random() < 0.4:  # persons 1 to 4 always: each way is there
            onset = ASSESSMENT - dt.timedelta(days=rng.randrange(-30, 3000))
            way = ["snomed", *_WAYS][pid - 1] if pid <= 4 else rng.choice(["snomed", *_WAYS])
            standard, source = _WAYS.get(way, (4064161, rng.choice([0, 45591453])))
            if pid <= 4:  # current, within every window (brain compression: the acute one)
                onset = ASSESSMENT - dt.timedelta(days=10)
            condition.append(
                {
                    "condition_occurrence_id": len(condition) + 1,
                    "person_id": pid,
                    "condition_concept_id": standard,
                    "condition_start_date": onset,
                    "condition_start_datetime": None,
                    "condition_end_date": onset + dt.timedelta(days=90)
                    if rng.random() < 0.2 and pid > 4
                    else None,
                    "condition_status_concept_id": rng.choice([0, 0, 32899]) if pid > 4 else 0,
                    "condition_source_concept_id": source,
                    "condition_source_value": _SOURCE_TEXT.get(source),
                }
            )
    concept = [
        {"concept_id": c, "concept_name": name, "vocabulary_id": v, "concept_code": code}
        for c, name, v, code in CONCEPTS
    ]
    relationship = [
        {"concept_id_1": a, "concept_id_2": b, "relationship_id": r, "invalid_reason": None}
        for a, b, r in RELATIONSHIPS
    ]
    ancestor = [
        {
            "ancestor_concept_id": a,
            "descendant_concept_id": d,
            "min_levels_of_separation": n,
            "max_levels_of_separation": n,
        }
        for a, d, n in ANCESTORS
    ]
    return {
        "person": person,
        "measurement": measurement,
        "condition_occurrence": condition,
        "concept": concept,
        "concept_relationship": relationship,
        "concept_ancestor": ancestor,
    }


#: Column types, so a column whose values are all null keeps its CDM type in Parquet.
_TYPES = {
    "person_id": "Int64",
    "measurement_id": "Int64",
    "condition_occurrence_id": "Int64",
    "value_as_number": "Float64",
    "value_as_concept_id": "Int64",
    "invalid_reason": "String",
    "month_of_birth": "Int64",
    "day_of_birth": "Int64",
    "birth_datetime": "Datetime",
    "measurement_datetime": "Datetime",
    "operator_concept_id": "Int64",
    "unit_source_value": "String",
    "value_source_value": "String",
    "condition_start_datetime": "Datetime",
    "condition_end_date": "Date",
    "condition_source_value": "String",
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
