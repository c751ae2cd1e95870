"""The decisions made in reading facts from clinical records, and their parameters.

Like the criteria's own, each is a named :class:`~liverfail_criteria.dsl.Decision`
quoting the protocol's words where there are any (most are about records, which the
protocol does not mention: their protocol text is empty); the windows are parameters
a caller may set (``params={"lab_lookback": "3 d"}``). :data:`RECORD_DECISIONS` (every
source) and :data:`OMOP_DECISIONS` (reading OMOP tables) are part of the one registry,
:data:`liverfail_criteria.DECISIONS`, and of the decisions page of the docs site.

They live here, below the trial's rulesets and the interpreters, so that nothing
imports upward: the package's front door joins them to the trial's decisions.
"""

from __future__ import annotations

from ..dsl.rules import Decision
from ..dsl.types import Kind, ValueType
from ..dsl.variable import Parameter
from ..units import specs

__all__ = [
    "ACUTE_LOOKBACK",
    "LAB_LOOKBACK",
    "OMOP_DECISIONS",
    "READING_DECISIONS",
    "RECORD_DECISIONS",
    "RECORD_PARAMETERS",
    "VITAL_LOOKBACK",
]

_DAYS = ValueType(Kind.QUANTITY, unit=specs.DAYS)

LAB_LOOKBACK = Parameter(
    "lab_lookback",
    _DAYS,
    "How many days before the assessment date a laboratory result still counts (the "
    "assessment date itself included, nothing after it).",
    default="7 d",
)
VITAL_LOOKBACK = Parameter(
    "vital_lookback",
    _DAYS,
    "How many days before the assessment date a body weight still counts.",
    default="30 d",
)
ACUTE_LOOKBACK = Parameter(
    "acute_lookback",
    _DAYS,
    "How many days before the assessment date the onset of an acute condition (COVID-19, "
    "DIC, brain edema, cerebral herniation, intracranial hemorrhage) still counts.",
    default="28 d",
)
#: The parameters of record derivations, by name.
RECORD_PARAMETERS: dict[str, Parameter] = {
    p.name: p for p in (LAB_LOOKBACK, VITAL_LOOKBACK, ACUTE_LOOKBACK)
}

LAB_WINDOW = Decision(
    "record-lab-window",
    "The latest result within 7 days up to the assessment date",
    "total serum bilirubin≥85umol/L",
    "A laboratory fact is the latest result with a counting status dated from "
    "lab_lookback days before the assessment date to the assessment date, both "
    "included; a result after the assessment date never counts. Ties (the same time) "
    "break by the source's id, so the answer never depends on the order of the input.",
    "Screening uses the patient's state at screening; a week is how long a liver "
    "failure patient's bilirubin and INR stay representative, and a later result "
    "cannot have informed the decision.",
    "Another lookback (lab_lookback), or the worst value in the window.",
    LAB_LOOKBACK,
)
OBSERVATION_STATUS = Decision(
    "record-observation-status",
    "Final, amended and corrected results count",
    "",
    "An Observation counts when its status is final, amended or corrected, or when it "
    "has no status (an extract's row); preliminary, registered, cancelled, "
    "entered-in-error and unknown do not.",
    "A preliminary result may change; an entered-in-error one is not the patient's.",
    "Count preliminary results too.",
)
CONDITION_STATUS = Decision(
    "record-condition-status",
    "Active confirmed conditions count; suspected ones only for liver cancer",
    "Diagnosed or suspected as primary or metastatic liver cancer",
    "A Condition counts when its clinical status is active, recurrence or relapse (or "
    "absent) and its verification status is confirmed (or absent). For liver cancer "
    "provisional, differential and unconfirmed count too, as the protocol excludes "
    "'diagnosed or suspected' cancer. Refuted and entered-in-error never count. "
    "Cirrhosis and HIV count whatever their clinical status (they do not resolve: an "
    "encounter diagnosis closed as 'resolved' still records them); so do ascites and "
    "hepatic encephalopathy (the facts say they developed, resolved or not), and drug "
    "abuse, since its date decides.",
    "Only the liver cancer exclusion names suspicion; for the other facts a suspected "
    "diagnosis is not a diagnosis.",
    "Count suspected diagnoses of every condition.",
)
CONDITION_WINDOW = Decision(
    "record-condition-window",
    "Chronic conditions at any time; acute ones within 28 days",
    "With obvious brain edema, cerebral hernia, or indicated intracranial hemorrhage",
    "Cirrhosis, ascites, liver cancer and HIV count whenever their onset (or with no "
    "onset recorded). COVID-19, DIC, brain edema, cerebral herniation and intracranial "
    "hemorrhage count with an onset within acute_lookback days (28) before the "
    "assessment date; pregnancy within 280 days; lactation within 365 days. An onset "
    "after the assessment date never counts.",
    "An acute condition recorded months ago says nothing about the patient today; a "
    "chronic one does not go away.",
    "Rely on the clinical status alone.",
    ACUTE_LOOKBACK,
)
ABSENCE = Decision(
    "record-absence",
    "No record of a condition is not its absence",
    "",
    "A condition fact is true when a counting record is found, and missing (UNKNOWN) "
    "otherwise; it is false only when the caller declares the closed world for it "
    "(assume_absent), and the tree marks it assumed.",
    "Records are incomplete; a hospital's export may not hold the HIV test.",
    "A closed world for every condition.",
)
ONSET = Decision(
    "record-onset-date",
    "Onset dates are the latest onset",
    "Complicated with ascites and/or hepatic encephalopathy within 4 weeks after being diagnosed",
    "ascites_onset_date and hepatic_encephalopathy_onset_date are the latest onset of "
    "a counting condition; last_drug_abuse_date the latest onset of a drug abuse "
    "disorder. A partial date (a year or a month) gives no date.",
    "A new episode is what makes the decompensation acute.",
    "The earliest onset (the first episode).",
)
JAUNDICE = Decision(
    "record-progressive-jaundice",
    "Progressive jaundice from serial bilirubin: a daily rise of at least 17.1 µmol/L",
    "Progressive aggravation of jaundice",
    "When the caller did not state progressive_jaundice, it is true when, within "
    "lab_lookback days, the latest exact bilirubin is higher than the earliest on an "
    "earlier date by at least 17.1 µmol/L (1 mg/dL) per day between them, false when "
    "it is not, and unknown with results on fewer than two dates. A stated value "
    "beats the derived one; the tree says which was used.",
    "A daily rise of ≥ 17.1 µmol/L is the Chinese liver failure guideline's reading of "
    "rapidly deepening jaundice.",
    "Any rise across two results.",
    LAB_LOOKBACK,
)
UNITS = Decision(
    "record-units",
    "A value is read in its own unit, never a guessed one",
    "",
    "A result is converted from the unit it carries (UCUM code, else the printed unit); "
    "a result without a unit, or with one that does not fit the fact, is invalid: it is "
    "listed with its source and never used, and the next result is not used in its "
    "place.",
    "A bilirubin of 5 is 5 mg/dL or 5 µmol/L: a factor of 17 that no rule can guess.",
    "Assume the laboratory's usual unit.",
)
CENSORED = Decision(
    "record-censored",
    "A censored result is an interval",
    "Uncorrectable decrease in PLT (<20×109/L)",
    "A result written with a comparator ('<5', '>1000') is the interval it states: "
    "platelets '<5 10*9/L' meet 'platelets < 20 × 10⁹/L'; '<30' leave it unknown.",
    "The laboratory reported a bound, not a value.",
    "Read the bound as the value.",
)
TIME_ZONE = Decision(
    "record-time-zone",
    "Windows compare dates in UTC",
    "",
    "An event's date is its time's date in UTC (a date without a time is that date); "
    "a result at 01:00 +08:00 falls on the previous UTC day.",
    "The event relation holds UTC times, the same in every engine.",
    "Local dates (the offset as written).",
)
POSITIVE_TEST = Decision(
    "record-positive-test",
    "A positive confirmatory test is the infection; a negative one proves nothing later",
    "HIV and/or SARS-CoV-Ⅱ positive",
    "hiv_positive is true with an HIV Condition, or with a positive confirmatory HIV test "
    "(HIV-1 Western blot, HIV-1 RNA detected) at any time up to the assessment date. "
    "sars_cov_2_positive is true with a COVID-19 Condition, or a positive SARS-CoV-2 RNA "
    "(PCR) test, dated within acute_lookback days (28) before the assessment date. A "
    "positive result is a valueCodeableConcept coded Detected or Positive (SNOMED CT or "
    "LOINC answers). A negative result is read but is not evidence of absence: the fact "
    "stays unknown (a closed world is the caller's, assume_absent). A Condition is named "
    "as the source before a test when both exist. A qualitative test with any other value "
    "(free text, an unknown code) is reported with its id, never guessed.",
    "A confirmed HIV infection does not resolve, and the confirmatory tests (not the "
    "screening immunoassay, whose reactive results are sometimes false) make the "
    "diagnosis; a positive PCR within the weeks of an acute illness is COVID-19 as a "
    "clinician reads it. A negative HIV test says nothing of an infection acquired after "
    "it, nor a negative PCR of one caught since; and a record without the test is not a "
    "negative one.",
    "Count reactive screening immunoassays and antigen tests; or read a recent negative "
    "test as false.",
    ACUTE_LOOKBACK,
)
TEXT_VALUES = Decision(
    "record-text-values",
    "A result written as text is read when it is a number with its unit",
    "",
    "A FHIR valueString or an extract's text value that is a number with an optional "
    "comparator and unit ('<20', '< 20 10*9/L', '85 umol/L') is read as that value; the "
    "same parser reads both. An extract's unit column, when given, wins over a unit in "
    "the text. Any other text ('see comment', '12,5 mg/dL') is unreadable: reported with "
    "its source and why, and the fact is not taken from an earlier result in its place.",
    "Laboratory systems send censored results as text; a value read from text is still "
    "read with its own unit, never a guessed one.",
    "Read only valueQuantity.",
)
#: How long before a PaO2 an FiO2 may be recorded and still be the one it was drawn on.
BLOOD_GAS_MINUTES = 60
BLOOD_GAS = Decision(
    "record-blood-gas-pair",
    "PaO2 and FiO2 from the same blood gas",
    "With uncorrectable oxygenation index (PaO2/FiO2)<200",
    "pao2 and fio2 are read as a pair: the latest PaO2 (within lab_lookback days) that "
    "has an FiO2 recorded at the same time or at most 60 minutes before it; the FiO2 is "
    "the latest such. A PaO2 without one is never paired with an FiO2 from another time "
    "(an earlier pair is used, or none). Both need a time. A reported PaO2/FiO2 ratio "
    "(LOINC 50984-4) and a pair from different times are not mixed: the later blood gas "
    "is read (the ratio, or PaO2 with FiO2) and the other is left out, the record saying "
    "so; at the same time they are one gas, and must agree.",
    "The oxygenation index means the inspired oxygen the sample was drawn on: the "
    "analyser or the chart records the FiO2 at sampling, and an FiO2 charted after a gas "
    "is often the clinician's answer to it (raised after a low PaO2), so it is not read. "
    "An hour covers hourly charting of ventilator settings.",
    "Take the latest PaO2 and the latest FiO2 independently; or the nearest FiO2 on either side.",
    LAB_LOOKBACK,
)

DIAGNOSIS_DATE = Decision(
    "record-aclf-diagnosis-date",
    "The ACLF diagnosis date is the earliest acute hepatic failure within 28 days",
    "Complicated with ascites and/or hepatic encephalopathy within 4 weeks after being diagnosed",
    "diagnosis_date is the earliest onset (or recorded date) of a confirmed Condition "
    "coded acute and subacute hepatic failure (ICD-10 and ICD-10-CM K72.0 and below), "
    "whatever its clinical status, within acute_lookback days (28) before the assessment "
    "date. Neither classification has a code for ACLF itself, and no SNOMED CT concept "
    "for it is read; without such a Condition the date is unknown (state it).",
    "ACLF is an acute episode on chronic liver disease: the acute hepatic failure coded "
    "at the admission is its diagnosis, and its first record is when it was made (later "
    "encounters re-code it). An older acute failure is another episode, not this one: "
    "four weeks is the ACLF syndrome's own window. Chronic hepatic failure (K72.1) is the "
    "background, not the episode.",
    "The earliest such record at any time; or state diagnosis_date always.",
    ACUTE_LOOKBACK,
)
STATED = Decision(
    "record-stated-only",
    "Facts without a standard code stay stated: the encephalopathy grade among them",
    "With or without a stage I or II hepatic encephalopathy",
    "hepatic_encephalopathy_grade is not derived: the West Haven grade has no LOINC code "
    "and no SNOMED CT grade concepts this library could verify, and ICD-10-CM K76.82 and "
    "SNOMED CT 13920009 name the encephalopathy, not its grade. It stays a fact the caller "
    "states, with the symptoms, the clinician's judgements (improvement on treatment, "
    "uncorrectability, other exclusions) and the laboratory's upper limit of normal.",
    "The grade is today's bedside examination, written in notes or local flowsheet rows; "
    "a grade read from an uncoded text or a diagnosis code would be a guess, and grade 0 "
    "to 2 decides the CLF group.",
    "Map a local flowsheet code to the grade (a site's own code set).",
)

RECORDED_DATE = Decision(
    "record-recorded-date",
    "A Condition without an onset is dated by its recorded date",
    "",
    "A Condition with no onset at all (no onsetDateTime, onsetPeriod, onsetAge, "
    "onsetRange or onsetString) takes its recordedDate as its time: it counts in the "
    "windows (an acute condition within 28 days, drug abuse within a year) and gives the "
    "onset dates, and its provenance says the time is the recorded date. A partial or "
    "unreadable onset is not replaced: it says the onset was earlier, so the recorded "
    "date would be wrong.",
    "The diagnosis was made by the date it was recorded, so the onset was on or before "
    "it; encounter diagnoses and problem lists always carry a recorded date and often "
    "no onset. Without it, a COVID-19 diagnosis recorded yesterday would not count.",
    "Leave a Condition without an onset undated (it counts only where there is no window).",
)

DRUG_USE_CODES = Decision(
    "record-drug-use-codes",
    "A coded drug use disorder of any kind counts as drug abuse, and prescribed use does not",
    "Drug abuse within 1 year",
    "Every code of the drug categories counts: ICD-10 and ICD-10-CM F11-F16, F18 and F19 "
    "whole, so harmful use or abuse (.1), dependence (.2) and, in ICD-10-CM, 'use, "
    "unspecified' (.9-, such as F11.90 'opioid use, unspecified, uncomplicated' or F11.93 "
    "'opioid use with withdrawal'), in remission or not; SNOMED CT 'Drug abuse' "
    "(26416006) and 'Substance abuse' (66214007). Alcohol (F10) and tobacco (F17) are not "
    "drugs here. Long-term prescribed drug therapy (Z79.891 'long-term use of opiate "
    "analgesic', Z79.899) and adverse effects of a drug taken as prescribed (T36-T50 "
    "with a sixth character 5, such as T40.2X5A) are not in the code set.",
    "A hepatologist's reading. ICD-10-CM's coding guideline (I.C.5.b.3) allows an "
    "F1x.9- 'use' code only where the provider documents that the use goes with a "
    "substance-related disorder or a medical condition; a patient taking an opioid as "
    "prescribed is coded Z79.891, and a side effect of it as an adverse effect (T40.2X5-), "
    "never F11.9-. So a 'use' code records non-medical use that did harm, the behaviour "
    "the exclusion is after: for an intraperitoneal cell therapy in liver failure, "
    "sedatives and opioids precipitate hepatic encephalopathy, injected drugs bring "
    "infection, and 60 days of follow-up need adherence. WHO ICD-10's harmful use (F1x.1) "
    "is the same thing under another name, and a needless exclusion is the safer error. "
    "The 'other situations excluded by clinician' clause leaves the final word to the "
    "investigator.",
    "Count only abuse (.1) and dependence (.2): a documented opioid withdrawal coded "
    "F11.93, or cannabis use with a psychotic disorder (F12.959), would not exclude.",
)

#: The decisions of record derivations.
RECORD_DECISIONS: tuple[Decision, ...] = (
    LAB_WINDOW,
    OBSERVATION_STATUS,
    CONDITION_STATUS,
    CONDITION_WINDOW,
    ABSENCE,
    ONSET,
    JAUNDICE,
    UNITS,
    CENSORED,
    TIME_ZONE,
    POSITIVE_TEST,
    TEXT_VALUES,
    BLOOD_GAS,
    DIAGNOSIS_DATE,
    STATED,
    RECORDED_DATE,
    DRUG_USE_CODES,
)

# -- reading OMOP CDM tables (records/omop.py) ---------------------------------------

OMOP_UNIT = Decision(
    "omop-unit",
    "An OMOP measurement's unit is its UCUM concept, else the lab's own text",
    "",
    "The unit is unit_concept_id's UCUM code; where that is 0 or not in the vocabulary, "
    "unit_source_value is read as a spelling (the lab's own text); where neither is "
    "given the value is invalid and listed, never given a unit it might not have.",
    "ETLs often leave unit_concept_id 0 while keeping the printed unit; a bilirubin "
    "without any unit could be mg/dL or µmol/L, a factor of 17.",
    "Drop measurements whose unit_concept_id is 0.",
)
OMOP_STATUS = Decision(
    "omop-status",
    "OMOP measurements count; a condition with an end date is resolved",
    "",
    "OMOP records final results only and no result status: a measurement has none (it "
    "counts). A condition with a condition_end_date is 'resolved'; without one it has no "
    "status (it counts).",
    "Hepatologists read an end date on an episode (encephalopathy, bleeding) as over; "
    "the ETL decides it, so it is a documented choice.",
    "Ignore condition_end_date.",
)
OMOP_VERIFICATION = Decision(
    "omop-verification",
    "A preliminary OMOP diagnosis is provisional",
    "",
    "condition_status_concept_id named 'Preliminary ...' is 'provisional'; any other "
    "(final, primary, secondary diagnosis) says nothing of verification, so none.",
    "A preliminary diagnosis is a suspicion: it counts for liver cancer (diagnosed or "
    "suspected) and for no other fact.",
    "Read every condition_occurrence as confirmed.",
)
OMOP_BIRTH_DATE = Decision(
    "omop-birth-date",
    "An OMOP birth date needs a day",
    "",
    "birth_datetime's date, else year/month/day of birth when all three are given; a "
    "year alone is no birth date.",
    "Age near a limit (18 or 70 years) would be a guess from a year of birth.",
    "The middle of the year of birth.",
)

OMOP_VOCABULARY = Decision(
    "omop-vocabulary",
    "OMOP codes resolve through the database's vocabulary, with descendants",
    "",
    "The library's code sets are resolved through the database's own vocabulary: a "
    "code's concept (an ICD-10 category by its prefix), the standard concepts it 'Maps "
    "to' (concept_relationship), and the descendants of both (concept_ancestor). Where "
    "concept is absent or empty the shipped concept list (records.omop_concepts, ids "
    "checked against OHDSI's vocabulary) is read instead, with a warning; where the "
    "other two are, no mapping or descendant is found, with a warning.",
    "An OHDSI concept set 'with descendants' is what an investigator would draw up: a "
    "record of micronodular cirrhosis is cirrhosis, and a site that codes in SNOMED only "
    "still has its ICD-10 codes mapped. Without a vocabulary facts are unknown more "
    "often, never guessed.",
    "Match each concept's own code only.",
)
OMOP_DESCENDANTS = Decision(
    "omop-descendants",
    "A descendant concept counts as its ancestor, except under 'Substance abuse'",
    "",
    "A condition whose standard concept descends (concept_ancestor) from a library "
    "code's concept, or from the standard concept an ICD-10 code maps to, counts as that "
    "code: pregnancy (Z33, Z34, Z35, O09, Z3A, SNOMED 'Pregnancy' 77386006) takes every "
    "kind of pregnancy (normal, high-risk, multiple, ectopic), drug abuse (F11-F16, "
    "F18, F19, SNOMED 'Drug abuse' 26416006) every drug-specific abuse and dependence, "
    "in remission or not. 'Substance abuse' (SNOMED 66214007) counts itself, but not "
    "its descendants (omop.NO_DESCENDANTS).",
    "A hepatologist's reading. Descendants are kinds of the disorder, never its negation "
    "or its history: SNOMED CT files 'pregnancy test negative' as a laboratory finding, "
    "and 'not pregnant', 'history of drug abuse' and 'no history of ...' as situations "
    "with explicit context, outside the disorder hierarchies; and OMOP keeps test "
    "results and histories in measurement and observation, which are not read for "
    "conditions. Every kind of pregnancy is a pregnancy at the record's date (the "
    "280-day window decides how recent). A drug use disorder 'in remission' counts at "
    "its date, as a Condition with clinical status 'remission' does: early remission "
    "(3 to 12 months without criteria, DSM-5) still allows use within the year the "
    "exclusion looks at, and a needless exclusion is the safer error for a cell therapy "
    "in liver failure. But 'Substance abuse' has alcohol abuse (15167005) among its "
    "kinds, and the code set leaves alcohol (F10) and tobacco (F17) out on purpose: "
    "alcohol-related liver disease is much of the trial's population, and every one of "
    "them would be excluded as a drug abuser.",
    "Take every descendant (an alcohol abuse record then excludes), or none (a site "
    "coding 'opioid abuse' in SNOMED CT only is not found); or leave out remission "
    "codes (a patient in early remission, who may have used within the year, is kept).",
)
OMOP_COHORT_DATE = Decision(
    "omop-cohort-date",
    "A cohort table's subject is assessed at their first entry",
    "",
    "With an OHDSI cohort table, the persons screened are its subjects (of one "
    "cohort_definition_id when given), each assessed on their first cohort_start_date; "
    "a subject with no person row is screened with unknown age and sex, never dropped.",
    "A cohort's index date is its entry; a person who entered twice is screened once, "
    "at the first entry, as an OHDSI 'first occurrence' cohort does.",
    "One result row per cohort entry.",
)

#: The decisions of reading OMOP CDM tables (:mod:`.omop`).
OMOP_DECISIONS: tuple[Decision, ...] = (
    OMOP_UNIT,
    OMOP_STATUS,
    OMOP_VERIFICATION,
    OMOP_BIRTH_DATE,
    OMOP_VOCABULARY,
    OMOP_DESCENDANTS,
    OMOP_COHORT_DATE,
)

#: Every decision in reading records, in the order the decisions page shows them.
READING_DECISIONS: tuple[Decision, ...] = RECORD_DECISIONS + OMOP_DECISIONS
