"""The shipped concept list: OMOP concept ids for the library's codes and units.

Read in place of the database's ``concept`` table when it is absent or empty (see
:func:`.omop.vocabulary_tables`). Each id is an OHDSI standard concept id (Athena), as
OHDSI ships it in the vocabulary subset of its Synthea27Nj CDM 5.4 sample
(``concept.parquet``; Apache-2.0). Only ids checked there are listed: an id that could
not be checked is left out (:data:`NOT_SHIPPED`), never guessed, since a wrong id
would read another lab's values as this fact's.

Without the vocabulary there is no ``Maps to`` and no ``concept_ancestor``: a
condition is found only when its own concept is listed here, so most conditions are
not found (their facts stay unknown, never false).
"""

from __future__ import annotations

__all__ = ["NOT_SHIPPED", "SHIPPED_CONCEPTS", "SOURCE"]

SOURCE = "OHDSI Synthea27Nj CDM 5.4 sample, vocabulary subset (concept.parquet), Athena ids"

#: (concept_id, concept_name, vocabulary_id, concept_code), each checked in :data:`SOURCE`.
SHIPPED_CONCEPTS: tuple[tuple[int, str, str, str], ...] = (
    # LOINC: the library's observation codes (records.codesets) found in the subset.
    (3024128, "Bilirubin.total [Mass/volume] in Serum or Plasma", "LOINC", "1975-2"),
    (3024561, "Albumin [Mass/volume] in Serum or Plasma", "LOINC", "1751-7"),
    (3024929, "Platelets [#/volume] in Blood by Automated count", "LOINC", "777-3"),
    (3007461, "Platelets [#/volume] in Blood", "LOINC", "26515-7"),
    (3022217, "INR in Platelet poor plasma by Coagulation assay", "LOINC", "6301-6"),
    (3027801, "Oxygen [Partial pressure] in Arterial blood", "LOINC", "2703-7"),
    (3024882, "Oxygen/Total gas setting [Volume Fraction] Ventilator", "LOINC", "19994-3"),
    (3025315, "Body weight", "LOINC", "29463-7"),
    # SNOMED: the library's condition codes found in the subset.
    (37311061, "COVID-19", "SNOMED", "840539006"),
    # UCUM: the units labs report the facts in.
    (8840, "milligram per deciliter", "UCUM", "mg/dL"),
    (8749, "micromole per liter", "UCUM", "umol/L"),
    (8751, "milligram per liter", "UCUM", "mg/L"),
    (8753, "millimole per liter", "UCUM", "mmol/L"),
    (8713, "gram per deciliter", "UCUM", "g/dL"),
    (8636, "gram per liter", "UCUM", "g/L"),
    (8848, "thousand per microliter", "UCUM", "10*3/uL"),
    (8961, "thousand per cubic millimeter", "UCUM", "10*3/mm3"),
    (9444, "billion per liter", "UCUM", "10*9/L"),
    (8647, "per microliter", "UCUM", "/uL"),
    (8785, "per cubic millimeter", "UCUM", "/mm3"),
    (8554, "percent", "UCUM", "%"),
    (8687, "percent activity", "UCUM", "%{activity}"),
    (8523, "ratio", "UCUM", "{ratio}"),
    (32912, "Generic unit for indivisible thing", "UCUM", "1"),
    (8876, "millimeter mercury column", "UCUM", "mm[Hg]"),
    (44777602, "kilopascal", "UCUM", "kPa"),
    (9529, "kilogram", "UCUM", "kg"),
    (8504, "gram", "UCUM", "g"),
    (9448, "year", "UCUM", "a"),
    (8512, "day", "UCUM", "d"),
)

#: The library's codes (vocabulary, code) whose concept ids are not shipped: not in
#: :data:`SOURCE`, so not checked. With the fallback list their records are not found.
NOT_SHIPPED: tuple[tuple[str, str], ...] = (
    *(
        ("LOINC", code)
        for code in ("14631-6", "61151-7", "61152-5", "34714-6", "46418-0", "5894-1")
    ),
    *(("LOINC", code) for code in ("3150-0", "50984-4", "3141-9")),
    ("UCUM", "[lb_av]"),
    ("UCUM", "{INR}"),
    ("SNOMED", "every condition code but 840539006"),
    ("ICD10", "every code (the subset has no ICD-10 vocabulary)"),
    ("ICD10CM", "every code (the subset has no ICD-10-CM vocabulary)"),
    ("Condition Status", "preliminary diagnosis (not in the subset)"),
)
