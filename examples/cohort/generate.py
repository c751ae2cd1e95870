"""A seeded synthetic screening cohort for the trial's criteria, as one table.

The table is what a whole-table screener (the coming ``lc.screen(...)``) reads: an
``id`` column (``P0001``...), one column per fact named as in ``lc.VARIABLES``, empty
cells for facts not recorded, ``true``/``false`` booleans and ISO ``YYYY-MM-DD`` dates.

Quantities are numbers. Their unit is either

- per row, in a ``<fact>_unit`` column beside the value, with different units on
  different rows as laboratory exports have them (total bilirubin and its ULN in
  ``umol/L``, ``µmol/L``, ``mg/dL`` or ``mg/dl``; albumin in ``g/L`` or ``g/dL``;
  platelets in ``10*9/L``, ``10*3/uL`` or ``/uL``; PaO2 and PaO2/FiO2 in ``mm[Hg]`` or
  ``kPa``; prothrombin activity in ``%``), or
- fixed for the whole column, with no unit column: ``body_weight`` in kg, ``age`` in
  years and ``standard_treatment_duration`` in days. A screener is told these
  (:data:`FIXED_UNITS`; ``--units body_weight=kg --units age=a
  --units standard_treatment_duration=d``); the generator prints them.

``inr`` and ``fio2`` (a fraction, 0.21 to 1.0) are plain numbers.

The rows are, in order:

1. a fixed block of hand-specified rows (:data:`CASES`), each with the outcome the
   reference evaluator must give it: patients eligible in the CLF group, the ACLF group
   and both; every exclusion criterion; boundary values exactly at every threshold,
   written in several units; undetermined patients missing one specific fact; and
   invalid cells a screener must report, not drop (a negative bilirubin, a 700 kg
   body weight, a unit that is no unit, a unit of the wrong dimension, a value without
   its unit, a PaO2/FiO2 that contradicts PaO2 and FiO2);
2. a random population (:func:`random_population`): a realistic base population of
   screened liver-failure patients, their liver disease by latent group, exclusion
   findings, structured missingness (complete, partial and sparse records), lab units
   and a few invalid cells (about 0.4 % of rows).

Run it (the default regenerates ``examples/cohort/cohort.csv`` byte for byte)::

    python examples/cohort/generate.py
    python examples/cohort/generate.py --rows 1000000 --seed 7 --out /tmp/cohort_1m.parquet
    python examples/cohort/generate.py --check      # evaluate every row with lc.evaluate

Draws come only from :meth:`random.Random.random`, whose sequence Python guarantees
across versions; everything else is polars arithmetic, column by column.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

import liverfail_criteria as lc

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "cohort.csv"
DEFAULT_ROWS = 1000
DEFAULT_SEED = 20250722

#: Columns whose unit is the same on every row: the screener is told it (no unit column).
FIXED_UNITS: dict[str, str] = {"body_weight": "kg", "age": "a", "standard_treatment_duration": "d"}
#: Quantity facts whose unit is given per row, in a ``<fact>_unit`` column beside them.
UNIT_COLUMN_FACTS: tuple[str, ...] = (
    "total_bilirubin",
    "total_bilirubin_uln",
    "albumin",
    "platelets",
    "prothrombin_activity",
    "pao2_fio2_ratio",
    "pao2",
)
#: Quantity facts written as plain numbers (no unit).
PLAIN_NUMBERS: tuple[str, ...] = ("inr", "fio2")

#: µmol/L per mg/dL of bilirubin, as the library converts it.
UMOL_PER_MG_DL = 17.104
#: mmHg per kPa (101.325 kPa = 760 mmHg).
MMHG_PER_KPA = 760 / 101.325

EXCLUSION_FLAGS: tuple[str, ...] = (
    "brain_edema",
    "cerebral_herniation",
    "intracranial_hemorrhage",
    "liver_cancer",
    "hypoxemia_uncorrectable",
    "dic",
    "active_hemorrhage",
    "uncontrolled_infection",
    "thrombocytopenia_uncorrectable",
    "hiv_positive",
    "sars_cov_2_positive",
    "drug_abuse_past_year",
    "hemodynamic_instability",
    "clinician_excluded",
)

_DTYPES = {
    lc.Kind.QUANTITY: pl.Float64,
    lc.Kind.BOOLEAN: pl.Boolean,
    lc.Kind.DATE: pl.Date,
    lc.Kind.ORDINAL: pl.Int64,
    lc.Kind.CATEGORY: pl.String,
}


def table_schema() -> dict[str, Any]:
    """The cohort table's columns in order, with their polars types."""
    schema: dict[str, Any] = {"id": pl.String}
    for name, var in lc.VARIABLES.items():
        schema[name] = _DTYPES[var.value_type.kind]
        if name in UNIT_COLUMN_FACTS:
            schema[f"{name}_unit"] = pl.String
    return schema


# -- the fixed block: hand-specified rows with the outcome each must give ------------------


class Case(NamedTuple):
    """One hand-specified row and what the reference evaluator must say about it.

    ``expect`` is ``"<STATUS> [GROUP ...]"`` (the status and exactly the groups met) or
    ``"ERROR <field>"`` (a :class:`lc.CriteriaInputError` naming that field). ``nodes``
    names criteria whose outcome is checked too (``{"clf.albumin": "NOT_MET"}``).
    Quantities with a unit column are ``(value, unit)`` pairs; ``None`` empties a cell.
    """

    label: str
    expect: str
    cells: Mapping[str, Any]
    nodes: Mapping[str, str] = {}


_NO_EXCLUSIONS: dict[str, Any] = {
    "brain_edema": False,
    "cerebral_herniation": False,
    "intracranial_hemorrhage": False,
    "liver_cancer": False,
    "pao2_fio2_ratio": (380, "mm[Hg]"),
    "hypoxemia_uncorrectable": False,
    "dic": False,
    "active_hemorrhage": False,
    "uncontrolled_infection": False,
    "thrombocytopenia_uncorrectable": False,
    "hiv_positive": False,
    "sars_cov_2_positive": False,
    "drug_abuse_past_year": False,
    "hemodynamic_instability": False,
    "clinician_excluded": False,
}
#: Meets every CLF criterion; not ACLF (no fatigue). A man: pregnancy is implied false.
CLF_ROW: dict[str, Any] = {
    **_NO_EXCLUSIONS,
    "assessment_date": "2025-09-15",
    "age": 52,
    "sex": "male",
    "body_weight": 70,
    "cirrhosis": True,
    "hepatic_decompensation": True,
    "total_bilirubin": (60, "umol/L"),
    "total_bilirubin_uln": (17.1, "umol/L"),
    "albumin": (29, "g/L"),
    "platelets": (88, "10*9/L"),
    "inr": 1.6,
    "prothrombin_activity": (45, "%"),
    "coagulopathy_other_cause": False,
    "refractory_ascites": False,
    "portal_hypertension": True,
    "ascites": True,
    "hepatic_encephalopathy_grade": 1,
    "fatigue": False,
    "progressive_jaundice": False,
    "standard_treatment_duration": 5,
    "improved_on_treatment": False,
}
#: Meets every ACLF criterion; not CLF (no cirrhosis). A woman, neither pregnant nor lactating.
ACLF_ROW: dict[str, Any] = {
    **_NO_EXCLUSIONS,
    "assessment_date": "2025-10-15",
    "age": 44,
    "sex": "female",
    "pregnant": False,
    "lactating": False,
    "body_weight": 61,
    "cirrhosis": False,
    "hepatic_decompensation": False,
    "total_bilirubin": (260, "umol/L"),
    "total_bilirubin_uln": (17.1, "umol/L"),
    "albumin": (3.1, "g/dL"),
    "platelets": (110, "10*9/L"),
    "inr": 2.1,
    "prothrombin_activity": (32, "%"),
    "ascites": True,
    "hepatic_encephalopathy": False,
    "hepatic_encephalopathy_grade": 0,
    "fatigue": True,
    "anorexia": True,
    "vomiting": False,
    "abdominal_distension": True,
    "progressive_jaundice": True,
    "diagnosis_date": "2025-09-01",
    "ascites_onset_date": "2025-09-08",
    "standard_treatment_duration": 4,
    "improved_on_treatment": False,
}
#: Meets both groups: cirrhosis with decompensation, and bilirubin from 85 µmol/L to 10 × ULN.
BOTH_ROW: dict[str, Any] = {
    **ACLF_ROW,
    "sex": "male",
    "pregnant": None,
    "lactating": None,
    "cirrhosis": True,
    "hepatic_decompensation": True,
    "total_bilirubin": (120, "umol/L"),
    "portal_hypertension": True,
    "refractory_ascites": True,
    "coagulopathy_other_cause": False,
    "hepatic_encephalopathy": None,
    "hepatic_encephalopathy_grade": 1,
    "hepatic_encephalopathy_onset_date": "2025-09-20",
}


def _case(
    label: str,
    expect: str,
    base: Mapping[str, Any],
    nodes: Mapping[str, str] | None = None,
    **cells: Any,
) -> Case:
    """A case: ``base`` with ``cells`` changed."""
    return Case(label, expect, {**base, **cells}, nodes or {})


def _cases() -> list[Case]:
    """The fixed block, in file order."""
    clf, aclf, both = CLF_ROW, ACLF_ROW, BOTH_ROW
    met, not_met = "MET", "NOT_MET"
    # fmt: off
    return [
        # -- the groups --------------------------------------------------------------------
        _case("CLF eligible", "ELIGIBLE CLF", clf),
        _case("ACLF eligible", "ELIGIBLE ACLF", aclf),
        _case("both groups eligible", "ELIGIBLE CLF ACLF", both),
        _case("both groups, bilirubin in mg/dL", "ELIGIBLE CLF ACLF", both,
              total_bilirubin=(7.5, "mg/dL"), total_bilirubin_uln=(1.2, "mg/dL")),
        _case("CLF eligible, woman", "ELIGIBLE CLF", clf, sex="female", pregnant=False,
              lactating=False, body_weight=52.5),
        # -- ACLF: total bilirubin >= 85 µmol/L --------------------------------------------
        _case("bilirubin exactly 85 umol/L", "ELIGIBLE ACLF", aclf,
              total_bilirubin=(85, "umol/L")),
        _case("bilirubin exactly 85 µmol/L (micro sign)", "ELIGIBLE ACLF", aclf,
              total_bilirubin=(85, "µmol/L")),
        _case("bilirubin exactly 0.085 mmol/L", "ELIGIBLE ACLF", aclf,
              total_bilirubin=(0.085, "mmol/L")),
        _case("bilirubin 84.9 umol/L", "INELIGIBLE", aclf, total_bilirubin=(84.9, "umol/L")),
        _case("bilirubin 4.97 mg/dL = 85.007 umol/L", "ELIGIBLE ACLF", aclf,
              total_bilirubin=(4.97, "mg/dL")),
        _case("bilirubin 4.96 mg/dL = 84.836 umol/L", "INELIGIBLE", aclf,
              total_bilirubin=(4.96, "mg/dL")),
        _case("bilirubin 5 mg/dl (lower-case dl)", "ELIGIBLE ACLF", aclf,
              total_bilirubin=(5, "mg/dl")),
        # -- CLF: ULN < total bilirubin < 10 × ULN -----------------------------------------
        _case("bilirubin exactly at the ULN", "INELIGIBLE", clf,
              total_bilirubin=(17.1, "umol/L")),
        _case("bilirubin 1 mg/dL, exactly at ULN 17.104 umol/L", "INELIGIBLE", clf,
              total_bilirubin=(1, "mg/dL"), total_bilirubin_uln=(17.104, "umol/L")),
        _case("bilirubin 17.104 umol/L, exactly at ULN 1 mg/dL", "INELIGIBLE", clf,
              total_bilirubin=(17.104, "umol/L"), total_bilirubin_uln=(1, "mg/dL")),
        _case("bilirubin just above the ULN", "ELIGIBLE CLF", clf,
              total_bilirubin=(17.2, "umol/L")),
        _case("bilirubin exactly 10 x ULN", "INELIGIBLE", clf, total_bilirubin=(171, "umol/L")),
        _case("bilirubin 10 mg/dL, exactly 10 x ULN 1 mg/dL", "INELIGIBLE", clf,
              total_bilirubin=(10, "mg/dL"), total_bilirubin_uln=(1, "mg/dL")),
        _case("bilirubin 171.04 umol/L, exactly 10 x ULN 1 mg/dL", "INELIGIBLE", clf,
              total_bilirubin=(171.04, "umol/L"), total_bilirubin_uln=(1, "mg/dL")),
        _case("bilirubin 9.99 mg/dL, below 10 x ULN 17.104 umol/L", "ELIGIBLE CLF", clf,
              total_bilirubin=(9.99, "mg/dL"), total_bilirubin_uln=(17.104, "umol/L")),
        _case("bilirubin just below 10 x ULN", "ELIGIBLE CLF", clf,
              total_bilirubin=(170.9, "umol/L")),
        # -- coagulopathy: ACLF strict, CLF inclusive and required ------------------------
        _case("ACLF INR exactly 1.5, PTA 45 %", "INELIGIBLE", aclf, inr=1.5,
              prothrombin_activity=(45, "%")),
        _case("ACLF INR 1.51", "ELIGIBLE ACLF", aclf, inr=1.51, prothrombin_activity=None),
        _case("ACLF PTA exactly 40 %, INR 1.3", "INELIGIBLE", aclf, inr=1.3,
              prothrombin_activity=(40, "%")),
        _case("ACLF PTA 39 %", "ELIGIBLE ACLF", aclf, inr=None, prothrombin_activity=(39, "%")),
        _case("ACLF INR exactly 1.5 and PTA exactly 40 %", "INELIGIBLE", aclf, inr=1.5,
              prothrombin_activity=(40, "%")),
        _case("CLF INR exactly 1.5 (required, met)", "ELIGIBLE CLF", clf, inr=1.5,
              prothrombin_activity=None, nodes={"clf.coagulopathy": met}),
        _case("CLF PTA exactly 40 % (required, met)", "ELIGIBLE CLF", clf, inr=None,
              prothrombin_activity=(40, "%"), nodes={"clf.coagulopathy": met}),
        _case("CLF INR 1.49 and PTA 41 % (required, not met)", "INELIGIBLE", clf, inr=1.49,
              prothrombin_activity=(41, "%"), nodes={"clf.coagulopathy": not_met}),
        _case("CLF INR 1.2, PTA 70 %: decompensated cirrhosis, not CLF", "INELIGIBLE", clf,
              inr=1.2, prothrombin_activity=(70, "%")),
        _case("CLF coagulopathy explained by another cause", "INELIGIBLE", clf,
              coagulopathy_other_cause=True, nodes={"clf.coagulopathy": not_met}),
        _case("CLF coagulopathy, other causes not recorded", "UNDETERMINED", clf,
              coagulopathy_other_cause=None, nodes={"clf.coagulopathy": "UNKNOWN"}),
        _case("CLF albumin exactly 35 g/L (informational, not met)", "ELIGIBLE CLF", clf,
              albumin=(35, "g/L"), nodes={"clf.albumin": not_met}),
        _case("CLF albumin 3.4 g/dL (informational, met)", "ELIGIBLE CLF", clf,
              albumin=(3.4, "g/dL"), nodes={"clf.albumin": met}),
        # -- exclusion: platelets < 20 ×10⁹/L, uncorrectable -------------------------------
        _case("platelets exactly 20 10*9/L, uncorrectable", "ELIGIBLE CLF", clf,
              platelets=(20, "10*9/L"), thrombocytopenia_uncorrectable=True),
        _case("platelets exactly 20000 /uL, uncorrectable", "ELIGIBLE CLF", clf,
              platelets=(20000, "/uL"), thrombocytopenia_uncorrectable=True),
        _case("platelets exactly 20 10*3/uL, uncorrectable", "ELIGIBLE CLF", clf,
              platelets=(20, "10*3/uL"), thrombocytopenia_uncorrectable=True),
        _case("platelets 19 10*9/L, uncorrectable", "INELIGIBLE CLF", clf,
              platelets=(19, "10*9/L"), thrombocytopenia_uncorrectable=True,
              nodes={"exclusion.thrombocytopenia": met}),
        _case("platelets 19999 /uL, uncorrectable", "INELIGIBLE CLF", clf,
              platelets=(19999, "/uL"), thrombocytopenia_uncorrectable=True,
              nodes={"exclusion.thrombocytopenia": met}),
        _case("platelets 15 10*9/L, corrected", "ELIGIBLE CLF", clf, platelets=(15, "10*9/L")),
        _case("platelets 15 10*3/uL, correctability not recorded", "UNDETERMINED CLF", clf,
              platelets=(15, "10*3/uL"), thrombocytopenia_uncorrectable=None),
        # -- exclusion: PaO2/FiO2 < 200 mmHg, uncorrectable --------------------------------
        _case("PaO2/FiO2 exactly 200 mmHg, uncorrectable", "ELIGIBLE CLF", clf,
              pao2_fio2_ratio=(200, "mm[Hg]"), hypoxemia_uncorrectable=True),
        _case("PaO2/FiO2 199 mmHg, uncorrectable", "INELIGIBLE CLF", clf,
              pao2_fio2_ratio=(199, "mm[Hg]"), hypoxemia_uncorrectable=True,
              nodes={"exclusion.oxygenation": met}),
        _case("PaO2 42 mmHg / FiO2 0.21, exactly 200 mmHg, uncorrectable", "ELIGIBLE CLF", clf,
              pao2_fio2_ratio=None, pao2=(42, "mm[Hg]"), fio2=0.21,
              hypoxemia_uncorrectable=True),
        _case("PaO2 80 mmHg / FiO2 0.4 and the ratio, exactly 200 mmHg", "ELIGIBLE CLF", clf,
              pao2_fio2_ratio=(200, "mm[Hg]"), pao2=(80, "mm[Hg]"), fio2=0.4,
              hypoxemia_uncorrectable=True),
        _case("PaO2 10 kPa / FiO2 0.4 = 187.5 mmHg, uncorrectable", "INELIGIBLE CLF", clf,
              pao2_fio2_ratio=None, pao2=(10, "kPa"), fio2=0.4, hypoxemia_uncorrectable=True,
              nodes={"exclusion.oxygenation": met}),
        _case("PaO2/FiO2 26.7 kPa = 200.3 mmHg, uncorrectable", "ELIGIBLE CLF", clf,
              pao2_fio2_ratio=(26.7, "kPa"), hypoxemia_uncorrectable=True),
        _case("PaO2/FiO2 26.6 kPa = 199.5 mmHg, uncorrectable", "INELIGIBLE CLF", clf,
              pao2_fio2_ratio=(26.6, "kPa"), hypoxemia_uncorrectable=True),
        _case("PaO2/FiO2 150 mmHg, corrected", "ELIGIBLE CLF", clf,
              pao2_fio2_ratio=(150, "mm[Hg]")),
        # -- body weight > 40 kg -----------------------------------------------------------
        _case("body weight exactly 40 kg", "INELIGIBLE", clf, body_weight=40),
        _case("body weight 40.1 kg", "ELIGIBLE CLF", clf, body_weight=40.1),
        _case("ACLF body weight exactly 40 kg", "INELIGIBLE", aclf, body_weight=40),
        # -- aged 18 to 65 -----------------------------------------------------------------
        _case("age 17", "INELIGIBLE", clf, age=17),
        _case("age exactly 18", "ELIGIBLE CLF", clf, age=18),
        _case("age exactly 65", "ELIGIBLE CLF", clf, age=65),
        _case("age 66", "INELIGIBLE", clf, age=66),
        _case("ACLF age 66", "INELIGIBLE", aclf, age=66),
        _case("18th birthday on the assessment date", "ELIGIBLE CLF", clf, age=None,
              birth_date="2007-09-15"),
        _case("a day before the 18th birthday", "INELIGIBLE", clf, age=None,
              birth_date="2007-09-16"),
        _case("a day before the 66th birthday", "ELIGIBLE CLF", clf, age=None,
              birth_date="1959-09-16"),
        _case("66th birthday on the assessment date", "INELIGIBLE", clf, age=None,
              birth_date="1959-09-15"),
        _case("born 29 February, assessed 28 February 18 years on", "INELIGIBLE", clf,
              age=None, birth_date="2008-02-29", assessment_date="2026-02-28"),
        _case("born 29 February, assessed 1 March 18 years on", "ELIGIBLE CLF", clf,
              age=None, birth_date="2008-02-29", assessment_date="2026-03-01"),
        # -- no obvious improvement after more than 3 days' treatment ----------------------
        _case("treatment exactly 3 days", "INELIGIBLE", clf, standard_treatment_duration=3),
        _case("treatment 4 days", "ELIGIBLE CLF", clf, standard_treatment_duration=4),
        _case("improved on treatment", "INELIGIBLE", clf, improved_on_treatment=True),
        _case("CLF encephalopathy grade 2", "ELIGIBLE CLF", clf,
              hepatic_encephalopathy_grade=2),
        _case("CLF encephalopathy grade 3", "INELIGIBLE", clf, hepatic_encephalopathy_grade=3),
        # -- ACLF: ascites or encephalopathy 0 to 28 days after diagnosis ------------------
        _case("ascites onset on the diagnosis date", "ELIGIBLE ACLF", aclf,
              ascites_onset_date="2025-09-01"),
        _case("ascites onset exactly 28 days after diagnosis", "ELIGIBLE ACLF", aclf,
              ascites_onset_date="2025-09-29"),
        _case("ascites onset 29 days after diagnosis", "INELIGIBLE", aclf,
              ascites_onset_date="2025-09-30"),
        _case("ascites onset a day before diagnosis", "INELIGIBLE", aclf,
              ascites_onset_date="2025-08-31"),
        _case("encephalopathy onset on the diagnosis date", "ELIGIBLE ACLF", aclf,
              ascites=False, ascites_onset_date=None, hepatic_encephalopathy_grade=1,
              hepatic_encephalopathy=None, hepatic_encephalopathy_onset_date="2025-09-01"),
        _case("encephalopathy onset exactly 28 days after diagnosis", "ELIGIBLE ACLF", aclf,
              ascites=False, ascites_onset_date=None, hepatic_encephalopathy_grade=2,
              hepatic_encephalopathy=True, hepatic_encephalopathy_onset_date="2025-09-29"),
        _case("encephalopathy onset 29 days after diagnosis", "INELIGIBLE", aclf,
              ascites=False, ascites_onset_date=None, hepatic_encephalopathy_grade=2,
              hepatic_encephalopathy=None, hepatic_encephalopathy_onset_date="2025-09-30"),
        _case("ascites onset date without an ascites value", "ELIGIBLE ACLF", aclf,
              ascites=None, ascites_onset_date="2025-09-05"),
        _case("refractory ascites with an onset date, ascites not given", "ELIGIBLE ACLF",
              aclf, ascites=None, refractory_ascites=True),
        _case("encephalopathy from day 5, resolved to grade 0", "ELIGIBLE ACLF", aclf,
              ascites=False, ascites_onset_date=None, hepatic_encephalopathy=None,
              hepatic_encephalopathy_grade=0, hepatic_encephalopathy_onset_date="2025-09-06"),
        _case("encephalopathy developed, not dated", "UNDETERMINED", aclf,
              ascites=False, ascites_onset_date=None, hepatic_encephalopathy=True),
        _case("current grade 0, encephalopathy history not recorded", "UNDETERMINED", aclf,
              ascites=False, ascites_onset_date=None, hepatic_encephalopathy=None),
        _case("neither complication ever developed", "INELIGIBLE", aclf,
              ascites=False, ascites_onset_date=None, hepatic_encephalopathy=False,
              nodes={"aclf.complications": not_met}),
        # -- exclusion: drug abuse within 365 days -----------------------------------------
        _case("last drug abuse exactly 365 days before", "INELIGIBLE CLF", clf,
              drug_abuse_past_year=None, last_drug_abuse_date="2024-09-15",
              nodes={"exclusion.drug_abuse": met}),
        _case("last drug abuse 366 days before", "ELIGIBLE CLF", clf,
              drug_abuse_past_year=None, last_drug_abuse_date="2024-09-14"),
        _case("drug abuse flag and date 365 days before, agreeing", "INELIGIBLE CLF", clf,
              drug_abuse_past_year=True, last_drug_abuse_date="2024-09-15"),
        _case("no drug abuse flag and date 366 days before, agreeing", "ELIGIBLE CLF", clf,
              drug_abuse_past_year=False, last_drug_abuse_date="2024-09-14"),
        _case("drug abuse on the assessment date", "INELIGIBLE ACLF", aclf,
              drug_abuse_past_year=None, last_drug_abuse_date="2025-10-15"),
        # -- every other exclusion ---------------------------------------------------------
        _case("brain edema", "INELIGIBLE CLF", clf, brain_edema=True),
        _case("cerebral herniation", "INELIGIBLE ACLF", aclf, cerebral_herniation=True),
        _case("intracranial hemorrhage", "INELIGIBLE CLF ACLF", both,
              intracranial_hemorrhage=True),
        _case("liver cancer", "INELIGIBLE CLF", clf, liver_cancer=True),
        _case("disseminated intravascular coagulation", "INELIGIBLE ACLF", aclf, dic=True),
        _case("active hemorrhage", "INELIGIBLE CLF", clf, active_hemorrhage=True),
        _case("uncontrolled infection (SBP)", "INELIGIBLE ACLF", aclf,
              uncontrolled_infection=True),
        _case("HIV positive", "INELIGIBLE CLF", clf, hiv_positive=True),
        _case("SARS-CoV-2 positive", "INELIGIBLE ACLF", aclf, sars_cov_2_positive=True),
        _case("drug abuse within the year", "INELIGIBLE CLF", clf, drug_abuse_past_year=True),
        _case("hemodynamic instability", "INELIGIBLE CLF ACLF", both,
              hemodynamic_instability=True),
        _case("pregnant", "INELIGIBLE ACLF", aclf, pregnant=True),
        _case("lactating", "INELIGIBLE ACLF", aclf, lactating=True),
        _case("excluded by clinician", "INELIGIBLE CLF", clf, clinician_excluded=True),
        _case("excluded although a fact is missing", "INELIGIBLE CLF", clf, hiv_positive=None,
              liver_cancer=True),
        # -- undetermined for want of one fact ---------------------------------------------
        _case("no HIV result", "UNDETERMINED CLF", clf, hiv_positive=None),
        _case("woman, pregnancy not recorded", "UNDETERMINED CLF", clf, sex="female"),
        _case("sex not recorded", "UNDETERMINED CLF", clf, sex=None),
        _case("no body weight", "UNDETERMINED", clf, body_weight=None),
        _case("neither age nor birth date", "UNDETERMINED", clf, age=None),
        _case("no bilirubin ULN", "UNDETERMINED", clf, total_bilirubin_uln=None),
        _case("a ULN unit without its value", "UNDETERMINED", clf,
              total_bilirubin_uln=(None, "umol/L")),
        _case("ACLF without diagnosis date", "UNDETERMINED", aclf, diagnosis_date=None),
        _case("ACLF INR exactly 1.5, no PTA", "UNDETERMINED", aclf, inr=1.5,
              prothrombin_activity=None),
        _case("ACLF without INR or PTA", "UNDETERMINED", aclf, inr=None,
              prothrombin_activity=None),
        _case("no treatment duration", "UNDETERMINED", clf, standard_treatment_duration=None),
        _case("no blood gas, hypoxemia not recorded", "UNDETERMINED CLF", clf,
              pao2_fio2_ratio=None, hypoxemia_uncorrectable=None),
        _case("no blood gas, no uncorrectable hypoxemia", "ELIGIBLE CLF", clf,
              pao2_fio2_ratio=None),
        # -- invalid cells: a screener must report these rows, not drop them ---------------
        _case("negative bilirubin", "ERROR total_bilirubin", clf,
              total_bilirubin=(-12, "umol/L")),
        _case("body weight 700 kg", "ERROR body_weight", aclf, body_weight=700),
        _case("unit 'mgdl' is no unit", "ERROR total_bilirubin", aclf,
              total_bilirubin=(5.2, "mgdl")),
        _case("bilirubin in kPa", "ERROR total_bilirubin", clf, total_bilirubin=(60, "kPa")),
        _case("platelets in g/L", "ERROR platelets", clf, platelets=(88, "g/L")),
        _case("platelets without a unit", "ERROR platelets", clf, platelets=(88, None)),
        _case("PaO2/FiO2 contradicts PaO2 and FiO2", "ERROR pao2_fio2_ratio", clf,
              pao2_fio2_ratio=(300, "mm[Hg]"), pao2=(60, "mm[Hg]"), fio2=0.21),
        _case("no ascites ever, yet an ascites onset date", "ERROR ascites", aclf,
              ascites=False),
        _case("no encephalopathy ever, yet grade 2 now", "ERROR hepatic_encephalopathy", aclf,
              hepatic_encephalopathy=False, hepatic_encephalopathy_grade=2),
    ]
    # fmt: on


#: The fixed block at the top of every cohort, in order.
CASES: tuple[Case, ...] = tuple(_cases())


def fixed_rows(cases: Sequence[Case] = CASES) -> pl.DataFrame:
    """The fixed block as a table (without ``id``), in the cohort's columns and types."""
    schema = table_schema()
    del schema["id"]
    rows = []
    for case in cases:
        row: dict[str, Any] = dict.fromkeys(schema)
        for name, cell in case.cells.items():
            if name in UNIT_COLUMN_FACTS:
                value, unit = cell if cell is not None else (None, None)
                row[name] = None if value is None else float(value)
                row[f"{name}_unit"] = unit
            elif schema[name] == pl.Date:
                row[name] = None if cell is None else dt.date.fromisoformat(cell)
            elif schema[name] == pl.Float64:
                row[name] = None if cell is None else float(cell)
            else:
                row[name] = cell
        rows.append(row)
    return pl.DataFrame(rows, schema=schema, orient="row")


# -- the random population -----------------------------------------------------------------


def _uniform(rng: random.Random, n: int) -> pl.Series:
    """``n`` draws from U(0, 1), in a tight loop (the only use of the generator)."""
    r = rng.random
    return pl.Series([r() for _ in range(n)], dtype=pl.Float64)


def _draw(df: pl.DataFrame, rng: random.Random, names: str) -> pl.DataFrame:
    """Add a column of independent U(0, 1) draws, ``_u_<name>``, for each name in ``names``.

    The draws are made column by column in the order named, so the order is the seed's.
    """
    return df.with_columns(_uniform(rng, df.height).alias(f"_u_{name}") for name in names.split())


def _u(name: str) -> pl.Expr:
    """The draws named ``name`` (see :func:`_draw`)."""
    return pl.col(f"_u_{name}")


def _drop_draws(df: pl.DataFrame) -> pl.DataFrame:
    """The table without its columns of draws."""
    return df.drop([c for c in df.columns if c.startswith("_u_")])


def _normal(name: str) -> pl.Expr:
    """An approximately standard normal variate from three draws (Irwin-Hall, -3 to 3)."""
    return (_u(f"{name}1") + _u(f"{name}2") + _u(f"{name}3") - 1.5) * 2.0


def _by_profile(values: Mapping[str, float]) -> pl.Expr:
    """A per-row number that depends on the row's latent profile."""
    return pl.col("_profile").replace_strict(dict(values), return_dtype=pl.Float64)


def _choice(u: pl.Expr, options: Sequence[tuple[float, Any]]) -> pl.Expr:
    """One of ``options`` (``(weight, value)``) for a draw ``u``, by cumulative weight."""
    total = sum(w for w, _ in options)
    cumulative = 0.0
    expr: Any = pl
    for weight, value in options[:-1]:
        cumulative += weight / total
        expr = expr.when(u < cumulative).then(pl.lit(value))
    return expr.otherwise(pl.lit(options[-1][1]))


def _days(expr: pl.Expr) -> pl.Expr:
    """A duration of ``expr`` whole days (rounded down)."""
    return pl.duration(days=expr.floor().cast(pl.Int64))


def base_population(n: int, rng: random.Random) -> pl.DataFrame:
    """Who was screened: assessment date, sex, age or birth date, weight, treatment.

    Also draws each row's latent ``_profile`` (the liver failure it resembles: CLF,
    ACLF, both, or other liver disease) and ``_tier`` (how complete its record is).
    """
    df = pl.DataFrame({"_row": pl.int_range(n, eager=True)})
    df = _draw(
        df,
        rng,
        "date sex age1 age2 age3 birth birth_day no_age weight1 weight2 weight3"
        " profile treatment improved tier",
    )
    male = pl.col("sex") == "male"
    df = df.with_columns(
        assessment_date=pl.lit(dt.date(2025, 1, 1)) + _days(_u("date") * 730),
        sex=_choice(_u("sex"), [(0.63, "male"), (0.355, "female"), (0.015, None)]),
        _age=(48 + 11 * _normal("age")).round(0).clip(16, 84),
        _profile=_choice(
            _u("profile"), [(0.3, "clf"), (0.33, "aclf"), (0.2, "both"), (0.17, "other")]
        ),
        standard_treatment_duration=(3 + _u("treatment") * 14).floor(),
        improved_on_treatment=_u("improved") < 0.06,
        _tier=_choice(_u("tier"), [(0.52, "complete"), (0.33, "partial"), (0.15, "sparse")]),
    )
    has_birth_date = _u("birth") < 0.15
    df = df.with_columns(
        body_weight=pl.when(male)
        .then(71 + 11 * _normal("weight"))
        .when(pl.col("sex") == "female")
        .then(60 + 10 * _normal("weight"))
        .otherwise(66 + 11 * _normal("weight"))
        .round(1)
        .clip(36, 140),
        age=pl.when(has_birth_date).then(None).otherwise(pl.col("_age")),
        birth_date=pl.when(has_birth_date).then(
            pl.col("assessment_date") - _days((pl.col("_age") + _u("birth_day")) * 365.25)
        ),
    )
    # A few records carry neither age nor birth date.
    df = df.with_columns(age=pl.when(_u("no_age") < 0.02).then(None).otherwise(pl.col("age")))
    return _drop_draws(df)


def _onset_after_diagnosis(u: pl.Expr, v: pl.Expr, dx: pl.Expr) -> pl.Expr:
    """Days from diagnosis to a complication's onset, never after the assessment date.

    Mostly within the 28-day window; some before the diagnosis, some after the window.
    """
    in_window = (v * (pl.min_horizontal(dx, 28) + 1)).floor()
    before = -(1 + (v * 60).floor())
    late = pl.when(dx > 28).then(29 + (v * (dx - 28)).floor()).otherwise(in_window)
    return pl.when(u < 0.88).then(in_window).when(u < 0.94).then(before).otherwise(late)


def liver_disease(df: pl.DataFrame, rng: random.Random) -> pl.DataFrame:
    """Liver background, laboratory values (canonical units) and ACLF findings, by profile."""
    df = _draw(
        df,
        rng,
        "cirrhosis decomp lab tb_mix tb alb1 alb2 alb3 plt1 plt2 plt3 plt_low plt_low_v"
        " inr1 inr2 inr3 pta1 pta2 pta3 coag he ascites refractory portal fatigue anorexia"
        " vomiting distension jaundice dx dx_days asc_u asc_v he_u he_v asc_nodx asc_nodx_v"
        " he_nodx he_nodx_v he_past coag_other",
    )
    profile = pl.col("_profile")
    acute = profile.is_in(["aclf", "both"])
    cirrhosis = _u("cirrhosis") < _by_profile(
        {"clf": 0.97, "aclf": 0.3, "both": 0.97, "other": 0.5}
    )
    df = df.with_columns(
        cirrhosis=cirrhosis,
        hepatic_decompensation=pl.when(cirrhosis)
        .then(_u("decomp") < _by_profile({"clf": 0.93, "aclf": 0.5, "both": 0.93, "other": 0.3}))
        .otherwise(_u("decomp") < 0.05),
        # The laboratory's ULN: its value as published and its unit.
        _uln_value=_choice(
            _u("lab"), [(0.35, 17.1), (0.2, 21.0), (0.1, 20.5), (0.2, 1.0), (0.15, 1.2)]
        ),
        _lab_unit=_choice(
            _u("lab"),
            [(0.35, "umol/L"), (0.2, "umol/L"), (0.1, "umol/L"), (0.2, "mg/dL"), (0.15, "mg/dL")],
        ),
    )
    df = df.with_columns(
        _uln=pl.when(pl.col("_lab_unit") == "mg/dL")
        .then(pl.col("_uln_value") * UMOL_PER_MG_DL)
        .otherwise(pl.col("_uln_value"))
    )
    uln, mix, v = pl.col("_uln"), _u("tb_mix"), _u("tb")
    df = df.with_columns(
        _tb=pl.when(profile == "clf")
        .then(
            pl.when(mix < 0.07)
            .then(uln * (0.55 + 0.45 * v))
            .when(mix < 0.93)
            .then(uln * (1.05 + 8.8 * v))
            .otherwise(uln * (10 + 6 * v))
        )
        .when(profile == "aclf")
        .then(pl.when(mix < 0.06).then(35 + 50 * v).otherwise(85 + 420 * v * v))
        .when(profile == "both")
        .then(pl.when(mix < 0.08).then(50 + 35 * v).otherwise(85 + (9.7 * uln - 85) * v))
        .otherwise(uln * (0.3 + 1.5 * v)),
        _albumin=pl.when(profile == "other")
        .then(38 + 4 * _normal("alb"))
        .otherwise(29.5 + 4 * _normal("alb"))
        .clip(15, 52),
        _platelets=pl.when(_u("plt_low") < 0.03)
        .then(5 + (_u("plt_low_v") * 15).floor())
        .otherwise(
            (
                _by_profile({"clf": 85, "aclf": 130, "both": 95, "other": 190})
                + _by_profile({"clf": 35, "aclf": 45, "both": 35, "other": 50}) * _normal("plt")
            )
            .round(0)
            .clip(20, 450)
        ),
        _inr=(
            _by_profile({"clf": 1.55, "aclf": 2.1, "both": 2.0, "other": 1.1})
            + _by_profile({"clf": 0.35, "aclf": 0.45, "both": 0.4, "other": 0.12}) * _normal("inr")
        )
        .clip(0.85, 5.0)
        .round(2),
        hepatic_encephalopathy_grade=(
            (_u("he") >= _by_profile({"clf": 0.55, "aclf": 0.45, "both": 0.5, "other": 0.9})).cast(
                pl.Int64
            )
            + (_u("he") >= _by_profile({"clf": 0.8, "aclf": 0.7, "both": 0.75, "other": 1})).cast(
                pl.Int64
            )
            + (_u("he") >= _by_profile({"clf": 0.92, "aclf": 0.85, "both": 0.9, "other": 1})).cast(
                pl.Int64
            )
            + (
                _u("he") >= _by_profile({"clf": 0.98, "aclf": 0.95, "both": 0.97, "other": 1})
            ).cast(pl.Int64)
        ),
        ascites=_u("ascites")
        < _by_profile({"clf": 0.75, "aclf": 0.8, "both": 0.85, "other": 0.3}),
        portal_hypertension=_u("portal") < pl.when(cirrhosis).then(0.8).otherwise(0.15),
        fatigue=_u("fatigue")
        < _by_profile({"clf": 0.3, "aclf": 0.95, "both": 0.95, "other": 0.25}),
        anorexia=_u("anorexia") < 0.7,
        vomiting=_u("vomiting") < 0.3,
        abdominal_distension=_u("distension") < 0.45,
        progressive_jaundice=_u("jaundice")
        < _by_profile({"clf": 0.3, "aclf": 0.95, "both": 0.95, "other": 0.05}),
        _dx=pl.when(acute | (_u("dx") < 0.1)).then((_u("dx_days") * 42).floor()),
    )
    pta = 100 / (1 + 1.3 * (pl.col("_inr") - 1)) + 4 * _normal("pta")
    dx, assessed = pl.col("_dx"), pl.col("assessment_date")
    diagnosis = assessed - _days(dx)
    ascites = pl.col("ascites")
    # Encephalopathy in this illness: current (grade ≥ 1), or past and resolved.
    he = (pl.col("hepatic_encephalopathy_grade") >= 1) | (
        _u("he_past") < _by_profile({"clf": 0.1, "aclf": 0.2, "both": 0.2, "other": 0.03})
    )
    coag = _u("coag")
    df = df.with_columns(
        hepatic_encephalopathy=he,
        # An INR raised by a vitamin K antagonist, cholestasis or DIC.
        coagulopathy_other_cause=_u("coag_other")
        < _by_profile({"clf": 0.05, "aclf": 0.03, "both": 0.03, "other": 0.12}),
        # Which of INR and PTA the laboratory reported.
        inr=pl.when(coag < 0.88).then(pl.col("_inr")),
        _pta=pl.when((coag < 0.55) | ((coag >= 0.88) & (coag < 0.96))).then(
            pta.round(0).clip(8, 130)
        ),
        refractory_ascites=ascites & (_u("refractory") < 0.35),
        diagnosis_date=diagnosis,
        ascites_onset_date=pl.when(ascites & dx.is_not_null())
        .then(diagnosis + _days(_onset_after_diagnosis(_u("asc_u"), _u("asc_v"), dx)))
        .when(ascites & (_u("asc_nodx") < 0.4))
        .then(assessed - _days(_u("asc_nodx_v") * 400)),
        hepatic_encephalopathy_onset_date=pl.when(he & dx.is_not_null())
        .then(diagnosis + _days(_onset_after_diagnosis(_u("he_u"), _u("he_v"), dx)))
        .when(he & (_u("he_nodx") < 0.4))
        .then(assessed - _days(_u("he_nodx_v") * 200)),
    )
    return _drop_draws(df)


def exclusion_findings(df: pl.DataFrame, rng: random.Random) -> pl.DataFrame:
    """The exclusion facts: simple findings, blood gas, drug abuse, pregnancy."""
    simple = {
        "brain_edema": 0.008,
        "cerebral_herniation": 0.005,
        "intracranial_hemorrhage": 0.006,
        "liver_cancer": 0.02,
        "dic": 0.012,
        "active_hemorrhage": 0.02,
        "uncontrolled_infection": 0.028,
        "hiv_positive": 0.01,
        "sars_cov_2_positive": 0.012,
        "hemodynamic_instability": 0.015,
        "clinician_excluded": 0.015,
    }
    df = _draw(
        df,
        rng,
        " ".join(simple) + " ratio_low ratio fio2 hypox thromb abuser abuse_rep abuse_days"
        " ex_user pregnant lactating male_false",
    )
    low = _u("ratio_low") < 0.05
    df = df.with_columns(
        *((_u(name) < p).alias(name) for name, p in simple.items()),
        _ratio=pl.when(low).then(80 + 110 * _u("ratio")).otherwise(215 + 255 * _u("ratio")),
        fio2=_choice(
            _u("fio2"),
            [
                *((0.7, 0.21), (0.08, 0.28), (0.06, 0.3), (0.04, 0.35), (0.06, 0.4)),
                *((0.03, 0.5), (0.02, 0.6), (0.01, 1.0)),
            ],
        ),
        hypoxemia_uncorrectable=low & (_u("hypox") < 0.6),
        _low_ratio=low,
        thrombocytopenia_uncorrectable=(pl.col("_platelets") < 20) & (_u("thromb") < 0.6),
    )
    # PaO2 as a blood gas reports it (whole mmHg), from the target ratio and the FiO2.
    df = df.with_columns(_pao2=(pl.col("_ratio") * pl.col("fio2")).round(0))
    # Drug abuse: a flag, a date, or both (always agreeing).
    abuser = _u("abuser") < 0.025
    ex_user = ~abuser & (_u("ex_user") < 0.06)
    rep = _u("abuse_rep")  # < 0.5: the flag only; < 0.8: the date only; else both
    assessed = pl.col("assessment_date")
    df = df.with_columns(
        drug_abuse_past_year=pl.when(abuser)
        .then(pl.when((rep >= 0.5) & (rep < 0.8)).then(None).otherwise(True))
        .when(ex_user)
        .then(pl.when(rep < 0.5).then(None).otherwise(False))
        .otherwise(False),
        last_drug_abuse_date=pl.when(abuser & (rep >= 0.5))
        .then(assessed - _days(_u("abuse_days") * 366))
        .when(ex_user)
        .then(assessed - _days(366 + _u("abuse_days") * 2500)),
    )
    female, male = pl.col("sex") == "female", pl.col("sex") == "male"
    df = df.with_columns(
        # Women: recorded. Men: mostly left empty (implied false), sometimes written false.
        pregnant=pl.when(female)
        .then(_u("pregnant") < 0.025)
        .when(male & (_u("male_false") < 0.1))
        .then(False),
        lactating=pl.when(female)
        .then(_u("lactating") < 0.015)
        .when(male & (_u("male_false") < 0.1))
        .then(False),
    )
    return _drop_draws(df)


#: Base probability that a fact is not recorded, multiplied by the record's tier.
_MISSING = {
    "body_weight": 0.03,
    "cirrhosis": 0.02,
    "hepatic_decompensation": 0.04,
    "_tb": 0.02,
    "_uln": 0.06,
    "_albumin": 0.15,
    "_platelets": 0.06,
    "inr": 0.03,
    "_pta": 0.05,
    "refractory_ascites": 0.25,
    "portal_hypertension": 0.2,
    "ascites": 0.04,
    "hepatic_encephalopathy_grade": 0.04,
    "hepatic_encephalopathy": 0.3,
    "coagulopathy_other_cause": 0.25,
    "fatigue": 0.05,
    "anorexia": 0.12,
    "vomiting": 0.12,
    "abdominal_distension": 0.12,
    "progressive_jaundice": 0.05,
    "diagnosis_date": 0.05,
    "ascites_onset_date": 0.08,
    "hepatic_encephalopathy_onset_date": 0.08,
    "standard_treatment_duration": 0.03,
    "improved_on_treatment": 0.04,
}
_TIER_FACTOR = {"complete": 0.4, "partial": 1.0, "sparse": 2.5}
#: Probability that each exclusion fact is not recorded, by tier.
_EXCLUSION_MISSING = {"complete": 0.0, "partial": 0.1, "sparse": 0.4}


def apply_missingness(df: pl.DataFrame, rng: random.Random) -> pl.DataFrame:
    """Empty cells as real records have them, more often in partial and sparse records.

    Complete records carry every exclusion fact; some of them still omit a finding
    that only matters beside an abnormal value (hypoxemia or thrombocytopenia being
    uncorrectable, when PaO2/FiO2 and platelets are normal). Blood gases come as the
    ratio, as PaO2 and FiO2, as all three, or not at all.
    """
    exclusion_facts = [*EXCLUSION_FLAGS, "pregnant", "lactating"]
    df = _draw(
        df,
        rng,
        " ".join([*_MISSING, *(f"x_{f}" for f in exclusion_facts), "gas hypox_na thromb_na"]),
    )
    tier = pl.col("_tier")
    factor = tier.replace_strict(_TIER_FACTOR, return_dtype=pl.Float64)
    x_rate = tier.replace_strict(_EXCLUSION_MISSING, return_dtype=pl.Float64)
    gas = _u("gas")
    df = df.with_columns(
        *(
            pl.when(_u(name) < (rate * factor).clip(0, 0.9))
            .then(None)
            .otherwise(pl.col(name))
            .alias(name)
            for name, rate in _MISSING.items()
        ),
        *(
            pl.when(_u(f"x_{name}") < x_rate).then(None).otherwise(pl.col(name)).alias(name)
            for name in exclusion_facts
        ),
        # < 0.45: the ratio only; < 0.7: PaO2 and FiO2; < 0.85: all three; else none.
        _ratio=pl.when((gas < 0.45) | ((gas >= 0.7) & (gas < 0.85))).then(pl.col("_ratio")),
        _pao2=pl.when((gas >= 0.45) & (gas < 0.85)).then(pl.col("_pao2")),
        fio2=pl.when((gas >= 0.45) & (gas < 0.85)).then(pl.col("fio2")),
    )
    # "Uncorrectable" is left unrecorded beside a normal value now and then.
    gas_known = pl.col("_ratio").is_not_null() | pl.col("fio2").is_not_null()
    df = df.with_columns(
        hypoxemia_uncorrectable=pl.when(
            gas_known & ~pl.col("_low_ratio") & (_u("hypox_na") < 0.35)
        )
        .then(None)
        .otherwise(pl.col("hypoxemia_uncorrectable")),
        thrombocytopenia_uncorrectable=pl.when(
            (pl.col("_platelets") >= 20) & (_u("thromb_na") < 0.35)
        )
        .then(None)
        .otherwise(pl.col("thrombocytopenia_uncorrectable")),
    )
    return _drop_draws(df)


def write_units(df: pl.DataFrame, rng: random.Random) -> pl.DataFrame:
    """Write each laboratory value in a unit its laboratory might use, rounded as it would.

    Bilirubin mostly follows the unit of its laboratory's ULN; the other values choose
    their units row by row. The canonical values (``_tb``, ...) are dropped afterwards.
    """
    df = _draw(df, rng, "tb_unit tb_spelling alb_unit plt_unit pao2_unit ratio_unit")
    lab = pl.col("_lab_unit")
    other = pl.when(lab == "mg/dL").then(pl.lit("umol/L")).otherwise(pl.lit("mg/dL"))
    tb_unit = pl.when(_u("tb_unit") < 0.9).then(lab).otherwise(other)
    spelled = {"umol/L": "µmol/L", "mg/dL": "mg/dl"}
    variant = _u("tb_spelling") < 0.05
    df = df.with_columns(_tb_unit=tb_unit)
    tb_u = pl.col("_tb_unit")
    df = df.with_columns(
        total_bilirubin=pl.when(tb_u == "mg/dL")
        .then((pl.col("_tb") / UMOL_PER_MG_DL).round(2))
        .otherwise(pl.col("_tb").round(1)),
        total_bilirubin_unit=pl.when(pl.col("_tb").is_null())
        .then(None)
        .when(variant)
        .then(tb_u.replace_strict(spelled, return_dtype=pl.String))
        .otherwise(tb_u),
        total_bilirubin_uln=pl.when(pl.col("_uln").is_not_null()).then(pl.col("_uln_value")),
        total_bilirubin_uln_unit=pl.when(pl.col("_uln").is_null())
        .then(None)
        .when(variant & (lab == tb_u))
        .then(lab.replace_strict(spelled, return_dtype=pl.String))
        .otherwise(lab),
    )
    alb_dl = _u("alb_unit") < 0.4
    plt_unit = _choice(_u("plt_unit"), [(0.5, "10*9/L"), (0.3, "10*3/uL"), (0.2, "/uL")])
    df = df.with_columns(
        albumin=pl.when(alb_dl)
        .then((pl.col("_albumin") / 10).round(1))
        .otherwise(pl.col("_albumin").round(0)),
        albumin_unit=pl.when(pl.col("_albumin").is_null())
        .then(None)
        .when(alb_dl)
        .then(pl.lit("g/dL"))
        .otherwise(pl.lit("g/L")),
        platelets_unit=pl.when(pl.col("_platelets").is_not_null()).then(plt_unit),
        prothrombin_activity=pl.col("_pta"),
        prothrombin_activity_unit=pl.when(pl.col("_pta").is_not_null()).then(pl.lit("%")),
    )
    df = df.with_columns(
        platelets=pl.when(pl.col("platelets_unit") == "/uL")
        .then(pl.col("_platelets") * 1000)
        .otherwise(pl.col("_platelets")),
    )
    # Blood gas: PaO2 in mmHg or kPa; the ratio from the PaO2 as written, in either unit.
    pao2_kpa = _u("pao2_unit") < 0.25
    ratio_kpa = _u("ratio_unit") < 0.25
    df = df.with_columns(
        pao2=pl.when(pao2_kpa)
        .then((pl.col("_pao2") / MMHG_PER_KPA).round(1))
        .otherwise(pl.col("_pao2")),
        pao2_unit=pl.when(pl.col("_pao2").is_null())
        .then(None)
        .when(pao2_kpa)
        .then(pl.lit("kPa"))
        .otherwise(pl.lit("mm[Hg]")),
    )
    pao2_mmhg = pl.when(pao2_kpa).then(pl.col("pao2") * MMHG_PER_KPA).otherwise(pl.col("pao2"))
    # The ratio as reported: from PaO2 and FiO2 as written where the row shows both, so
    # that the three agree within rounding; else the ratio drawn.
    ratio = (
        pl.when(pl.col("fio2").is_not_null())
        .then(pao2_mmhg / pl.col("fio2"))
        .otherwise(pl.col("_ratio"))
    )
    df = df.with_columns(
        pao2_fio2_ratio=pl.when(pl.col("_ratio").is_null())
        .then(None)
        .when(ratio_kpa)
        .then((ratio / MMHG_PER_KPA).round(1))
        .otherwise(ratio.round(0)),
        pao2_fio2_ratio_unit=pl.when(pl.col("_ratio").is_null())
        .then(None)
        .when(ratio_kpa)
        .then(pl.lit("kPa"))
        .otherwise(pl.lit("mm[Hg]")),
    )
    return _drop_draws(df)


#: Invalid cells the random population carries (about 0.4 % of rows, one cell each).
INVALID_RATE = 0.004


def inject_invalid_cells(df: pl.DataFrame, rng: random.Random) -> pl.DataFrame:
    """Spoil one numeric or unit cell in a few rows, as real exports do.

    A negative bilirubin, an implausible body weight, a unit that is no unit, and
    units of the wrong dimension. Booleans, dates and categories stay clean.
    """
    df = _draw(df, rng, "invalid kind value")
    hit = _u("invalid") < INVALID_RATE
    kind = _choice(
        _u("kind"), [(1, "negative"), (1, "weight"), (1, "mgdl"), (1, "kpa"), (1, "plt")]
    )
    k = pl.col("_kind")
    df = df.with_columns(_kind=pl.when(hit).then(kind))
    tb_present = pl.col("total_bilirubin").is_not_null()
    df = df.with_columns(
        total_bilirubin=pl.when(k == "negative")
        .then(-pl.col("total_bilirubin").fill_null(3.4).abs().clip(0.1, None))
        .when(k.is_in(["mgdl", "kpa"]) & ~tb_present)
        .then(pl.lit(2.4))
        .otherwise(pl.col("total_bilirubin")),
        total_bilirubin_unit=pl.when(k == "mgdl")
        .then(pl.lit("mgdl"))
        .when(k == "kpa")
        .then(pl.lit("kPa"))
        .when((k == "negative") & ~tb_present)
        .then(pl.lit("umol/L"))
        .otherwise(pl.col("total_bilirubin_unit")),
        body_weight=pl.when(k == "weight")
        .then((450 + _u("value") * 500).round(0))
        .otherwise(pl.col("body_weight")),
        platelets=pl.when((k == "plt") & pl.col("platelets").is_null())
        .then(pl.lit(140.0))
        .otherwise(pl.col("platelets")),
        platelets_unit=pl.when(k == "plt").then(pl.lit("g/L")).otherwise(pl.col("platelets_unit")),
    )
    return _drop_draws(df.drop("_kind"))


def random_population(n: int, rng: random.Random) -> pl.DataFrame:
    """``n`` random patients (without ``id``), in the cohort's columns and types."""
    df = base_population(n, rng)
    df = liver_disease(df, rng)
    df = exclusion_findings(df, rng)
    df = apply_missingness(df, rng)
    df = write_units(df, rng)
    df = inject_invalid_cells(df, rng)
    schema = table_schema()
    del schema["id"]
    return df.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


def generate(rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED) -> pl.DataFrame:
    """The cohort: the fixed block (:data:`CASES`), then ``rows - len(CASES)`` random rows."""
    rng = random.Random(seed)
    fixed = fixed_rows()[:rows]
    parts = [fixed]
    if rows > fixed.height:
        parts.append(random_population(rows - fixed.height, rng))
    df = pl.concat(parts, how="vertical")
    width = max(4, len(str(rows)))
    ids = pl.lit("P") + pl.int_range(1, pl.len() + 1).cast(pl.String).str.zfill(width)
    return df.select(ids.alias("id"), pl.all())


# -- writing and reading -------------------------------------------------------------------


def _for_csv(df: pl.DataFrame) -> pl.DataFrame:
    """Write whole numbers without a trailing ``.0`` (``20000``, not ``20000.0``)."""
    columns = []
    for name, dtype in df.schema.items():
        c = pl.col(name)
        if dtype == pl.Float64:
            whole = c == c.round(0)
            c = pl.when(whole).then(c.cast(pl.Int64).cast(pl.String)).otherwise(c.cast(pl.String))
        columns.append(c.alias(name))
    return df.select(columns)


def write(df: pl.DataFrame, path: Path) -> None:
    """Write the cohort as CSV or Parquet, by the file's extension."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".parquet":
        df.write_parquet(path)
    elif path.suffix == ".csv":
        _for_csv(df).write_csv(path, line_terminator="\n")
    else:
        raise ValueError(f"{path}: the cohort is written as .csv or .parquet")


def read_cohort(path: Path) -> pl.DataFrame:
    """Read a cohort written by :func:`write`, with every column in its type."""
    if path.suffix == ".parquet":
        return pl.read_parquet(path)
    return pl.read_csv(path, schema=table_schema())


def to_record(row: Mapping[str, Any]) -> dict[str, Any]:
    """One table row as a record for ``lc.evaluate``: empty cells left out."""
    record: dict[str, Any] = {"id": row["id"]}
    for name, var in lc.VARIABLES.items():
        value = row.get(name)
        if value is None:
            continue
        if var.value_type.kind is lc.Kind.QUANTITY:
            if name in UNIT_COLUMN_FACTS:
                value = {"value": value, "unit": row.get(f"{name}_unit")}
            elif name in FIXED_UNITS:
                value = {"value": value, "unit": FIXED_UNITS[name]}
        record[name] = value
    return record


# -- checking with the reference evaluator -------------------------------------------------


class Summary(NamedTuple):
    """What the reference evaluator says about a cohort, row by row, counted."""

    rows: int
    status: Counter[str]
    groups: Counter[str]
    exclusions: Counter[str]
    errors: Counter[str]
    mismatches: tuple[str, ...]


def _groups(result: lc.Result) -> list[str]:
    """The groups met, in protocol order (CLF, then ACLF)."""
    return [g for g in ("CLF", "ACLF") if g in result.groups]


def _describe(result: lc.Result) -> str:
    """A result as :attr:`Case.expect` writes it: ``"ELIGIBLE CLF ACLF"``."""
    return " ".join([result.status.name, *_groups(result)])


def check_cohort(path: Path) -> Summary:
    """Evaluate every row with ``lc.evaluate``; count outcomes; check the fixed block."""
    df = read_cohort(path)
    exclusion_ids = [c.id for c in lc.EXCLUSIONS.criteria()]
    status: Counter[str] = Counter()
    groups: Counter[str] = Counter()
    exclusions: Counter[str] = Counter(dict.fromkeys(exclusion_ids, 0))
    errors: Counter[str] = Counter()
    mismatches = []
    for i, row in enumerate(df.iter_rows(named=True)):
        case = CASES[i] if i < len(CASES) else None
        try:
            result = lc.evaluate(to_record(row))
        except lc.CriteriaInputError as exc:
            errors[str(exc.field)] += 1
            got = f"ERROR {exc.field}"
            if case is not None and got != case.expect:
                mismatches.append(
                    f"{row['id']} {case.label}: {got} ({exc}), expected {case.expect}"
                )
            continue
        status[result.status.name] += 1
        groups[" + ".join(_groups(result)) or "none"] += 1
        for cid in exclusion_ids:
            if result.tree.find(cid).outcome is lc.Outcome.MET:
                exclusions[cid] += 1
        if case is not None:
            got = _describe(result)
            wrong = [
                f"{cid} {result.tree.find(cid).outcome.name}"
                for cid, outcome in case.nodes.items()
                if result.tree.find(cid).outcome.name != outcome
            ]
            if got != case.expect or wrong:
                mismatches.append(
                    f"{row['id']} {case.label}: {got} {wrong or ''}, expected {case.expect} "
                    f"{dict(case.nodes) or ''}".rstrip()
                )
    return Summary(df.height, status, groups, exclusions, errors, tuple(mismatches))


def report(summary: Summary) -> str:
    """The summary as text for a terminal."""
    n = summary.rows

    def pct(k: int) -> str:
        return f"{k:6d}  {100 * k / n:5.1f} %"

    lines = [f"{n} rows"]
    lines += [
        f"  {s:<40}{pct(summary.status[s])}" for s in ("ELIGIBLE", "INELIGIBLE", "UNDETERMINED")
    ]
    lines.append(f"  {'input error (raised)':<40}{pct(summary.errors.total())}")
    lines.append("groups met")
    lines += [f"  {g:<40}{pct(k)}" for g, k in sorted(summary.groups.items())]
    lines.append("exclusion criteria met")
    lines += [f"  {c:<40}{pct(k)}" for c, k in summary.exclusions.items()]
    lines.append("input errors by field")
    lines += [f"  {f:<40}{pct(k)}" for f, k in sorted(summary.errors.items())]
    checked = min(n, len(CASES))
    lines.append(f"fixed block: {checked - len(summary.mismatches)} of {checked} rows as expected")
    lines += [f"  MISMATCH {m}" for m in summary.mismatches]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Generate the cohort; with ``--check``, evaluate it with the reference evaluator."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--rows", type=int, default=DEFAULT_ROWS, help="rows in all (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="a .csv or .parquet path")
    parser.add_argument("--check", action="store_true", help="evaluate every row with lc.evaluate")
    args = parser.parse_args(argv)
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if args.out.suffix not in (".csv", ".parquet"):
        parser.error("--out must end in .csv or .parquet")
    start = time.perf_counter()
    df = generate(args.rows, args.seed)
    write(df, args.out)
    elapsed = time.perf_counter() - start
    print(f"wrote {args.out}: {df.height} rows, {df.width} columns, in {elapsed:.2f} s")
    print("units (the columns without a unit column):", json.dumps(FIXED_UNITS))
    print("  " + " ".join(f"--units {k}={v}" for k, v in FIXED_UNITS.items()))
    print("per-row unit columns:", ", ".join(f"{f}_unit" for f in UNIT_COLUMN_FACTS))
    print("plain numbers:", ", ".join(PLAIN_NUMBERS))
    if args.check:
        summary = check_cohort(args.out)
        print(report(summary))
        return 1 if summary.mismatches else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
