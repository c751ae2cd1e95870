"""The code sets of the trial's facts, each with its code system and its source.

Observations are LOINC codes (the value's unit decides how it is read, so a code that
labs report in several units is one entry). Conditions are coded three ways: WHO
ICD-10 (as Chinese hospitals code, in national editions that keep the WHO
categories), ICD-10-CM (US) and SNOMED CT. ICD-10 entries marked as categories cover
every code under them. Sources: LOINC from loinc.org's entries (long common names
given as display); ICD-10 from the WHO 2019 edition's tabular list; ICD-10-CM from
the FY2024 tabular list; SNOMED CT from the International Edition's concepts (a
subsumption query, ``<< concept``, on a terminology server is the complete set; the
concepts here are those hospitals commonly record).
"""

from __future__ import annotations

from .codes import Code, CodeSet
from .schema import ICD10, ICD10_CM, LOINC, SNOMED

__all__ = [
    "CONDITION_CODES",
    "NEGATIVE_ANSWERS",
    "OBSERVATION_CODES",
    "POSITIVE_ANSWERS",
    "QUALITATIVE_TESTS",
]

_LOINC_SOURCE = "LOINC (loinc.org), by component, property and specimen"
_WHO = "WHO ICD-10, 2019 edition, tabular list"
_CM = "ICD-10-CM, FY2024 tabular list"
_SCT = "SNOMED CT International Edition (the concept; descendants need a terminology server)"


def _c(code: str, display: str) -> Code:
    return Code(code, display)


def _cat(code: str, display: str) -> Code:
    return Code(code, display, descendants=True)


def _loinc(name: str, *codes: Code, note: str = "") -> CodeSet:
    return CodeSet(name, LOINC, codes, _LOINC_SOURCE + (f"; {note}" if note else ""))


#: Fact name -> the LOINC code sets of its observations.
OBSERVATION_CODES: dict[str, tuple[CodeSet, ...]] = {
    "total_bilirubin": (
        _loinc(
            "total-bilirubin",
            _c("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma"),
            _c("14631-6", "Bilirubin.total [Moles/volume] in Serum or Plasma"),
        ),
    ),
    "albumin": (
        _loinc(
            "albumin",
            _c("1751-7", "Albumin [Mass/volume] in Serum or Plasma"),
            _c("61151-7", "Albumin [Mass/volume] in Serum or Plasma by Bromocresol green (BCG)"),
            _c("61152-5", "Albumin [Mass/volume] in Serum or Plasma by Bromocresol purple (BCP)"),
            note="the dye-binding methods are the routine serum albumin; 2862-1 "
            "(by electrophoresis, a protein fraction) is left out",
        ),
    ),
    "platelets": (
        _loinc(
            "platelets",
            _c("777-3", "Platelets [#/volume] in Blood by Automated count"),
            _c("26515-7", "Platelets [#/volume] in Blood"),
        ),
    ),
    "inr": (
        _loinc(
            "inr",
            _c("6301-6", "INR in Platelet poor plasma by Coagulation assay"),
            _c("34714-6", "INR in Blood by Coagulation assay (point of care)"),
            _c("46418-0", "INR in Capillary blood by Coagulation assay"),
        ),
    ),
    "prothrombin_activity": (
        _loinc(
            "prothrombin-activity",
            _c("5894-1", "Prothrombin time (PT) actual/Normal in Platelet poor plasma"),
            note="LOINC's property is a relative time; European laboratories report the "
            "Quick value (activity, %) under it. Only a value in % is read: a bare ratio "
            "is refused by the fact's unit",
        ),
    ),
    "pao2": (_loinc("pao2", _c("2703-7", "Oxygen [Partial pressure] in Arterial blood")),),
    "fio2": (
        _loinc(
            "fio2",
            _c("3150-0", "Inhaled oxygen concentration"),
            _c("19994-3", "Oxygen/Inspired gas setting [Volume Fraction] Ventilator"),
        ),
    ),
    "pao2_fio2_ratio": (
        _loinc("pao2-fio2", _c("50984-4", "Horowitz index in Arterial blood (PaO2/FiO2)")),
    ),
    "body_weight": (
        _loinc(
            "body-weight",
            _c("29463-7", "Body weight"),
            _c("3141-9", "Body weight Measured"),
        ),
    ),
}


def _who(name: str, *codes: Code, note: str = "") -> CodeSet:
    return CodeSet(name + "-icd10", ICD10, codes, _WHO + (f"; {note}" if note else ""))


def _cm(name: str, *codes: Code, note: str = "") -> CodeSet:
    return CodeSet(name + "-icd10cm", ICD10_CM, codes, _CM + (f"; {note}" if note else ""))


def _sct(name: str, *codes: Code, note: str = "") -> CodeSet:
    return CodeSet(name + "-sct", SNOMED, codes, _SCT + (f"; {note}" if note else ""))


_CIRRHOSIS_WHO = (
    _c("K70.3", "Alcoholic cirrhosis of liver"),
    _c("K71.7", "Toxic liver disease with fibrosis and cirrhosis of liver"),
    _c("K74.3", "Primary biliary cirrhosis"),
    _c("K74.4", "Secondary biliary cirrhosis"),
    _c("K74.5", "Biliary cirrhosis, unspecified"),
    _cat("K74.6", "Other and unspecified cirrhosis of liver"),
)
_DRUGS = (
    ("F11", "opioids"),
    ("F12", "cannabinoids"),
    ("F13", "sedatives or hypnotics"),
    ("F14", "cocaine"),
    ("F15", "other stimulants"),
    ("F16", "hallucinogens"),
    ("F18", "volatile solvents (inhalants)"),
    ("F19", "multiple drug use and other psychoactive substances"),
)
_DRUG_NOTE = (
    "the drug categories F11-F16, F18, F19; alcohol (F10) and tobacco (F17) are not drugs here"
)

#: Fact name -> the code sets of its conditions (WHO ICD-10, ICD-10-CM, SNOMED CT).
CONDITION_CODES: dict[str, tuple[CodeSet, ...]] = {
    "cirrhosis": (
        _who("cirrhosis", *_CIRRHOSIS_WHO),
        _cm(
            "cirrhosis",
            _cat("K70.3", "Alcoholic cirrhosis of liver"),
            *_CIRRHOSIS_WHO[1:],
        ),
        _sct(
            "cirrhosis",
            _c("19943007", "Cirrhosis of liver"),
            _c("420054005", "Alcoholic cirrhosis"),
            _c("31712002", "Primary biliary cholangitis"),
        ),
    ),
    "ascites": (
        _who("ascites", _c("R18", "Ascites")),
        _cm(
            "ascites",
            _cat("R18", "Ascites"),
            _c("K70.31", "Alcoholic cirrhosis of liver with ascites"),
            _c("K70.11", "Alcoholic hepatitis with ascites"),
            _c("K71.51", "Toxic liver disease with chronic active hepatitis with ascites"),
        ),
        _sct("ascites", _c("389026000", "Ascites")),
    ),
    "hepatic_encephalopathy": (
        _cm(
            "hepatic-encephalopathy",
            _c("K76.82", "Hepatic encephalopathy"),
            note="WHO ICD-10 has no code for it alone (K72, hepatic failure, includes it)",
        ),
        _sct("hepatic-encephalopathy", _c("13920009", "Hepatic encephalopathy")),
    ),
    "aclf": (
        _who(
            "aclf",
            _cat("K72.0", "Acute and subacute hepatic failure"),
            note="ICD-10 has no code for acute-on-chronic liver failure; its acute failure "
            "is coded here (national editions extend K72.0); chronic (K72.1) and "
            "unspecified (K72.9) hepatic failure are not the acute episode and are not read",
        ),
        _cm(
            "aclf",
            _cat("K72.0", "Acute and subacute hepatic failure"),
            note="K72.00 without coma, K72.01 with coma; no code for ACLF itself",
        ),
    ),
    "liver_cancer": (
        _who(
            "liver-cancer",
            _cat("C22", "Malignant neoplasm of liver and intrahepatic bile ducts"),
            _c("C78.7", "Secondary malignant neoplasm of liver and intrahepatic bile duct"),
        ),
        _cm(
            "liver-cancer",
            _cat("C22", "Malignant neoplasm of liver and intrahepatic bile ducts"),
            _c("C78.7", "Secondary malignant neoplasm of liver and intrahepatic bile duct"),
        ),
        _sct(
            "liver-cancer",
            _c("93870000", "Malignant neoplasm of liver"),
            _c("25370001", "Hepatocellular carcinoma"),
            _c("94381002", "Secondary malignant neoplasm of liver"),
        ),
    ),
    "hiv_positive": (
        _who(
            "hiv",
            _cat("B20", "HIV disease resulting in infectious and parasitic diseases"),
            _cat("B21", "HIV disease resulting in malignant neoplasms"),
            _cat("B22", "HIV disease resulting in other specified diseases"),
            _cat("B23", "HIV disease resulting in other conditions"),
            _c("B24", "Unspecified HIV disease"),
            _c("Z21", "Asymptomatic HIV infection status"),
        ),
        _cm(
            "hiv",
            _c("B20", "Human immunodeficiency virus [HIV] disease"),
            _c("Z21", "Asymptomatic HIV infection status"),
            _c("B97.35", "HIV 2 as the cause of diseases classified elsewhere"),
        ),
        _sct(
            "hiv",
            _c("86406008", "Human immunodeficiency virus infection"),
            _c("165816005", "Human immunodeficiency virus detected"),
        ),
    ),
    "sars_cov_2_positive": (
        _who("covid-19", _c("U07.1", "COVID-19, virus identified")),
        _cm("covid-19", _c("U07.1", "COVID-19")),
        _sct("covid-19", _c("840539006", "Disease caused by SARS-CoV-2 (COVID-19)")),
    ),
    "dic": (
        _who("dic", _c("D65", "Disseminated intravascular coagulation")),
        _cm("dic", _c("D65", "Disseminated intravascular coagulation")),
        _sct("dic", _c("67406007", "Disseminated intravascular coagulation")),
    ),
    "brain_edema": (
        _who("brain-edema", _c("G93.6", "Cerebral oedema")),
        _cm("brain-edema", _c("G93.6", "Cerebral edema")),
        _sct("brain-edema", _c("2032001", "Cerebral edema")),
    ),
    "cerebral_herniation": (
        _who(
            "cerebral-herniation",
            _c("G93.5", "Compression of brain"),
            note="G93.5 includes herniation of brain (stem)",
        ),
        _cm(
            "cerebral-herniation",
            _c("G93.5", "Compression of brain"),
            note="G93.5 includes herniation of brain (stem)",
        ),
    ),
    "intracranial_hemorrhage": (
        _who(
            "intracranial-hemorrhage",
            _cat("I60", "Subarachnoid haemorrhage"),
            _cat("I61", "Intracerebral haemorrhage"),
            _cat("I62", "Other nontraumatic intracranial haemorrhage"),
            _c("S06.4", "Epidural haemorrhage"),
            _c("S06.5", "Traumatic subdural haemorrhage"),
            _c("S06.6", "Traumatic subarachnoid haemorrhage"),
        ),
        _cm(
            "intracranial-hemorrhage",
            _cat("I60", "Nontraumatic subarachnoid hemorrhage"),
            _cat("I61", "Nontraumatic intracerebral hemorrhage"),
            _cat("I62", "Other and unspecified nontraumatic intracranial hemorrhage"),
            _cat("S06.4", "Epidural hemorrhage"),
            _cat("S06.5", "Traumatic subdural hemorrhage"),
            _cat("S06.6", "Traumatic subarachnoid hemorrhage"),
        ),
        _sct(
            "intracranial-hemorrhage",
            _c("1386000", "Intracranial hemorrhage"),
            _c("274100004", "Cerebral hemorrhage"),
            _c("21454007", "Subarachnoid intracranial hemorrhage"),
        ),
    ),
    "pregnant": (
        _who(
            "pregnancy",
            _c("Z33", "Pregnant state, incidental"),
            _cat("Z34", "Supervision of normal pregnancy"),
            _cat("Z35", "Supervision of high-risk pregnancy"),
            note="the supervision codes record a current pregnancy; chapter O (which "
            "includes delivery and the puerperium) is left out",
        ),
        _cm(
            "pregnancy",
            _cat("Z33", "Pregnant state"),
            _cat("Z34", "Encounter for supervision of normal pregnancy"),
            _cat("O09", "Supervision of high risk pregnancy"),
            _cat("Z3A", "Weeks of gestation"),
            note="Z33.2 (encounter for elective termination) is within Z33 and counts as "
            "a pregnancy at its date",
        ),
        _sct("pregnancy", _c("77386006", "Pregnancy")),
    ),
    "lactating": (
        _who("lactation", _c("Z39.1", "Care and examination of lactating mother")),
        _cm("lactation", _c("Z39.1", "Encounter for care and examination of lactating mother")),
        _sct(
            "lactation",
            _c("413712001", "Breastfeeding (mother)"),
            note="a finding (SNOMED CT has no disorder for it)",
        ),
    ),
    "drug_abuse": (
        _who(
            "drug-abuse",
            *(
                _cat(code, f"Mental and behavioural disorders due to use of {what}")
                for code, what in _DRUGS
            ),
            note=_DRUG_NOTE,
        ),
        _cm(
            "drug-abuse",
            *(_cat(code, f"{what.capitalize()} related disorders") for code, what in _DRUGS),
            note=_DRUG_NOTE,
        ),
        _sct(
            "drug-abuse",
            _c("26416006", "Drug abuse"),
            _c("66214007", "Substance abuse"),
        ),
    ),
}

_ANSWERS = "LOINC answer codes (LA), as in answer list LL744-4 (Detected/Not detected)"
_SCT_ANSWERS = "SNOMED CT International Edition, qualifier values"

#: Fact name -> the LOINC code sets of the qualitative tests whose positive result is
#: evidence of the fact (decision ``record-positive-test``).
QUALITATIVE_TESTS: dict[str, tuple[CodeSet, ...]] = {
    "hiv_positive": (
        _loinc(
            "hiv-confirmatory",
            _c("5221-7", "HIV 1 Ab [Presence] in Serum by Immunoblot (IB)"),
            _c("25835-0", "HIV 1 RNA [Presence] in Serum or Plasma by NAA with probe detection"),
            note="confirmatory tests only (Western blot, HIV-1 RNA); a reactive screening "
            "immunoassay (HIV 1+2 Ab + HIV1 p24 Ag, 56888-1) is not a diagnosis and is not read",
        ),
    ),
    "sars_cov_2_positive": (
        _loinc(
            "sars-cov-2-rna",
            _c(
                "94500-6",
                "SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with "
                "probe detection",
            ),
            _c(
                "94309-2",
                "SARS-CoV-2 (COVID-19) RNA [Presence] in Specimen by NAA with probe detection",
            ),
            note="RNA (PCR) tests only; antigen tests are not read",
        ),
    ),
}

#: The coded answers of a positive qualitative result (``valueCodeableConcept``).
POSITIVE_ANSWERS: tuple[CodeSet, ...] = (
    CodeSet(
        "positive-sct",
        SNOMED,
        (_c("260373001", "Detected"), _c("10828004", "Positive")),
        _SCT_ANSWERS,
    ),
    CodeSet(
        "positive-loinc",
        LOINC,
        (_c("LA11882-0", "Detected"), _c("LA6576-8", "Positive")),
        _ANSWERS,
    ),
)
#: The coded answers of a negative qualitative result: read (not a problem), never
#: evidence that the fact is false (decision ``record-positive-test``).
NEGATIVE_ANSWERS: tuple[CodeSet, ...] = (
    CodeSet(
        "negative-sct",
        SNOMED,
        (_c("260415000", "Not detected"), _c("260385009", "Negative")),
        _SCT_ANSWERS,
    ),
    CodeSet(
        "negative-loinc",
        LOINC,
        (_c("LA11883-8", "Not detected"), _c("LA6577-6", "Negative")),
        _ANSWERS,
    ),
)
