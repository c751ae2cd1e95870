"""The data dictionary: every fact the trial's criteria read, declared once.

The names here are part of the public API: they are the keys of a patient record, the
column names of a cohort table and the field names in JSON. Each :class:`Variable`
gives the fact's type, canonical unit, plausible range and LOINC codes.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

import attrs

from .dsl.types import BOOLEAN, DATE, Kind, ValueType
from .dsl.variable import Variable
from .units import UnitSpec, specs

__all__ = [
    "DRUG_ABUSE_WINDOW_DAYS",
    "IMPLICATIONS",
    "IMPLIED_FALSE_FOR_MALE",
    "NOT_AFTER_ASSESSMENT",
    "PAO2_FIO2_TOLERANCE_MMHG",
    "VARIABLES",
    "Implication",
    "implication_groups",
    "premise_expected",
    "variable",
]


def _quantity(spec: UnitSpec) -> ValueType:
    return ValueType(Kind.QUANTITY, unit=spec)


def _flag(name: str, label: str, description: str) -> Variable:
    return Variable(name, BOOLEAN, label, description)


def _date(name: str, label: str, description: str) -> Variable:
    return Variable(name, DATE, label, description)


_DECLARED = (
    # -- demographics and screening ----------------------------------------------------
    Variable(
        "age",
        _quantity(specs.YEARS),
        "Age",
        "Age at the assessment date, in years or months ('52 years', '52 a', '630 mo'); "
        "the criteria count completed years. An age in days or weeks is refused (it is "
        "not a number of completed years for every birth date): give age, or birth_date "
        "with assessment_date.",
        plausible=(0, 130),
        loinc=("30525-0",),
        plausible_reason="Birth to beyond the oldest verified human age (122 years).",
    ),
    _date("birth_date", "Date of birth", "Used with assessment_date when age is not given."),
    Variable(
        "sex",
        ValueType(Kind.CATEGORY, categories=("male", "female")),
        "Sex",
        "'male' or 'female'. For 'male', pregnant and lactating are known to be false.",
        loinc=("46098-0",),
    ),
    Variable(
        "body_weight",
        _quantity(specs.MASS),
        "Body weight",
        "Body weight at screening.",
        plausible=(1, 400),
        loinc=("29463-7",),
        plausible_reason="From a newborn's weight to beyond the weight hospital scales "
        "measure (a record of a child is ineligible by age, not refused). Catches a weight "
        "written in grams as kilograms ('70000 kg': 70000 g was meant), and the reverse, "
        "and pounds written as kilograms above 400 kg.",
    ),
    _date(
        "assessment_date",
        "Assessment date",
        "The screening date from which relative windows (age, drug abuse within a year) "
        "are counted.",
    ),
    # -- liver background --------------------------------------------------------------
    _flag("cirrhosis", "Liver cirrhosis", "Established liver cirrhosis."),
    _flag(
        "hepatic_decompensation",
        "Hepatic decompensation",
        "Progressive decline of liver function or decompensation.",
    ),
    # -- laboratory --------------------------------------------------------------------
    Variable(
        "total_bilirubin",
        _quantity(specs.BILIRUBIN),
        "Total bilirubin",
        "Serum total bilirubin. mg/dL is converted at 17.104 µmol/L per mg/dL.",
        plausible=(0, 1500),
        loinc=("14631-6", "1975-2"),
        plausible_reason="0 (a result below the detection limit) to 1500 µmol/L "
        "(88 mg/dL), above the highest values reported in adults (liver failure with "
        "haemolysis or sickle-cell hepatopathy, 50 to 80 mg/dL). A value in µmol/L "
        "written as mg/dL above 88 is refused with the suggestion; below that the two "
        "readings are both possible and cannot be told apart.",
    ),
    Variable(
        "total_bilirubin_uln",
        _quantity(specs.BILIRUBIN),
        "ULN of total bilirubin",
        "The upper limit of normal of the laboratory that measured total_bilirubin. "
        "If absent, the parameter total_bilirubin_uln is used; there is no built-in ULN.",
        plausible=(10, 40),
        plausible_reason="Laboratories set the upper limit of normal of total bilirubin "
        "from 17.1 µmol/L (1.0 mg/dL) to 21 µmol/L (1.2 mg/dL) in most of Europe and the "
        "US, and 17.1 to 26 µmol/L in China (some older ranges up to 34.2 µmol/L, "
        "2 mg/dL). 10 to 40 µmol/L (0.58 to 2.3 mg/dL) holds them all; a ULN written in "
        "mg/dL as µmol/L ('1.2 umol/L') falls below it and is refused.",
    ),
    Variable(
        "albumin",
        _quantity(specs.MASS_CONCENTRATION),
        "Serum albumin",
        "Serum albumin.",
        plausible=(10, 70),
        loinc=("1751-7",),
        plausible_reason="Below 10 g/L (1 g/dL) albumin is reported only in congenital "
        "analbuminaemia; above 70 g/L not even in haemoconcentration (normal 35 to "
        "52 g/L). g/dL values (1.5 to 5.5) written as g/L fall below the range and "
        "g/L values written as g/dL above it: both are refused with the suggestion.",
    ),
    Variable(
        "platelets",
        _quantity(specs.PLATELETS),
        "Platelet count",
        "Platelets in blood. '150 G/L', '150 10*9/L', '150 K/uL' and '150000 /uL' are "
        "the same count.",
        plausible=(1, 3000),
        loinc=("777-3", "26515-7"),
        plausible_reason="Automated counters report whole ×10⁹/L down to 1 (below it, "
        "'<1'), and counts above 3000 ×10⁹/L are not seen even in essential "
        "thrombocythaemia. A count per µL written as ×10³/µL ('150000 10*3/uL') lies "
        "above the range, and one in ×10³/µL written per µL ('15 /uL', read as "
        "0.015 ×10⁹/L) below it: both are refused with the suggestion.",
    ),
    Variable(
        "inr",
        ValueType(Kind.QUANTITY, unit=specs.NUMBER),
        "INR",
        "International normalised ratio of prothrombin time; a plain number.",
        plausible=(0.5, 25),
        loinc=("6301-6", "34714-6"),
        plausible_reason="A normal INR is 0.8 to 1.2; coagulometers report up to about "
        "10 to 20 before 'unclottable'. 25 leaves room; a prothrombin time in seconds "
        "(11 to 15 s, a plausible INR) cannot be told from an INR by its number.",
    ),
    Variable(
        "prothrombin_activity",
        _quantity(specs.PERCENT),
        "Prothrombin activity (PTA)",
        "Prothrombin time activity (Quick value), in percent of normal. Write the "
        "percent sign: a bare number is refused.",
        plausible=(2, 200),
        loinc=("5894-1",),
        plausible_reason="The Quick calibration curve ends near 5 to 10 % (below it "
        "laboratories report '<5 %' or '<10 %'), and activity above 150 % is rare. From "
        "2 % keeps every reported value while refusing a fraction written with the "
        "percent sign ('0.35 %', for 35 %).",
    ),
    Variable(
        "pao2_fio2_ratio",
        _quantity(specs.PRESSURE),
        "PaO2/FiO2 ratio",
        "Oxygenation index (Horowitz index) with its unit: '250 mmHg' or '33.3 kPa'. "
        "If absent, it is derived from pao2 and fio2.",
        plausible=(20, 700),
        loinc=("50984-4",),
        plausible_reason="A PaO2 of at most 700 mmHg breathing pure oxygen at sea "
        "level bounds the ratio at 700 mmHg; below 20 mmHg (2.7 kPa) no patient is "
        "measured alive. A ratio in kPa written as mmHg below 20 is refused with the "
        "suggestion (higher kPa ratios, 20 to 93, are also plausible mmHg ratios).",
    ),
    Variable(
        "pao2",
        _quantity(specs.PRESSURE),
        "PaO2",
        "Arterial partial pressure of oxygen.",
        plausible=(15, 700),
        loinc=("2703-7",),
        plausible_reason="Breathing pure oxygen at sea level the alveolar PO2 is at "
        "most about 670 mmHg; the lowest arterial PO2 measured in living people is "
        "about 19 mmHg (climbers near the summit of Everest). A PaO2 in kPa (usually "
        "4 to 14) written as mmHg falls below 15 and is refused with the suggestion.",
    ),
    Variable(
        "fio2",
        ValueType(Kind.QUANTITY, unit=specs.FRACTION),
        "FiO2",
        "Fraction of inspired oxygen: a plain fraction from 0.21 to 1.0, or a "
        "percentage written with its sign ('40 %').",
        plausible=(0.21, 1.0),
        loinc=("3150-0",),
        hint="a plain number is a fraction; write a percentage as '40 %'",
        plausible_reason="Room air (0.21) to pure oxygen (1.0). A percentage written "
        "without its sign ('40') is refused with the suggestion '40 %'.",
    ),
    # -- findings ----------------------------------------------------------------------
    _flag("refractory_ascites", "Refractory ascites", "Ascites refractory to treatment."),
    _flag("portal_hypertension", "Portal hypertension", "Portal hypertension."),
    _flag(
        "ascites",
        "Ascites",
        "The patient has developed ascites, now or earlier in this illness. false records "
        "that ascites never developed, so the ACLF ascites branch is not met. Implied "
        "true by an ascites_onset_date or by refractory_ascites = true; false with either "
        "is refused as a contradiction.",
    ),
    _flag(
        "hepatic_encephalopathy",
        "Hepatic encephalopathy (ever in this illness)",
        "The patient has developed hepatic encephalopathy in this illness, whether or not "
        "it has resolved. false records that it never developed, so the ACLF "
        "encephalopathy branch is not met. Implied true by a "
        "hepatic_encephalopathy_onset_date or by a current grade of 1 or more; false "
        "with either is refused as a contradiction.",
    ),
    Variable(
        "hepatic_encephalopathy_grade",
        ValueType(Kind.ORDINAL, levels=(0, 4)),
        "Hepatic encephalopathy grade",
        "Current West Haven grade, 0 (none now) to 4. Grade 0 does not say that "
        "encephalopathy never occurred: record hepatic_encephalopathy for that.",
    ),
    _flag("fatigue", "Obvious fatigue", "Obvious fatigue."),
    _flag("anorexia", "Anorexia", "Anorexia."),
    _flag("vomiting", "Vomiting", "Vomiting."),
    _flag("abdominal_distension", "Abdominal distension", "Abdominal distension."),
    _flag("progressive_jaundice", "Progressive jaundice", "Progressive aggravation of jaundice."),
    _date(
        "diagnosis_date",
        "ACLF diagnosis date",
        "Date acute-on-chronic liver failure was diagnosed.",
    ),
    _date(
        "ascites_onset_date",
        "Ascites onset date",
        "Date ascites appeared. Implies ascites = true.",
    ),
    _date(
        "hepatic_encephalopathy_onset_date",
        "Hepatic encephalopathy onset date",
        "Date hepatic encephalopathy appeared. Implies hepatic_encephalopathy = true.",
    ),
    Variable(
        "standard_treatment_duration",
        _quantity(specs.DAYS),
        "Standard treatment duration",
        "How long regular clinical treatment has been given ('4 d', '96 h').",
        plausible=(0, 3650),
        plausible_reason="From none to ten years of treatment for the current illness.",
    ),
    _flag(
        "improved_on_treatment",
        "Obvious improvement on treatment",
        "Obvious improvement on regular clinical treatment.",
    ),
    # -- exclusions --------------------------------------------------------------------
    _flag("brain_edema", "Brain edema", "Obvious brain edema."),
    _flag("cerebral_herniation", "Cerebral herniation", "Cerebral hernia."),
    _flag(
        "intracranial_hemorrhage", "Intracranial hemorrhage", "Indicated intracranial hemorrhage."
    ),
    _flag(
        "liver_cancer",
        "Liver cancer",
        "Diagnosed or suspected primary or metastatic liver cancer.",
    ),
    _flag(
        "hypoxemia_uncorrectable",
        "Hypoxemia uncorrectable",
        "The low oxygenation index cannot be corrected.",
    ),
    _flag(
        "coagulopathy_other_cause",
        "Coagulopathy explained by another cause",
        "The raised INR or low PTA is explained by a cause other than liver failure, such "
        "as a vitamin K antagonist, vitamin K deficiency from cholestasis or "
        "malabsorption, or DIC. When true, the CLF coagulopathy item is not met; when "
        "unknown and the coagulopathy would decide it, the item is UNKNOWN.",
    ),
    _flag("dic", "Disseminated intravascular coagulation", "DIC."),
    _flag("active_hemorrhage", "Active hemorrhage", "Active hemorrhage."),
    _flag(
        "uncontrolled_infection",
        "Uncontrollable infection",
        "Uncontrollable infection, including ascites infection such as spontaneous "
        "bacterial peritonitis.",
    ),
    _flag(
        "thrombocytopenia_uncorrectable",
        "Thrombocytopenia uncorrectable",
        "The low platelet count cannot be corrected.",
    ),
    _flag("hiv_positive", "HIV positive", "HIV positive."),
    _flag("sars_cov_2_positive", "SARS-CoV-2 positive", "SARS-CoV-2 positive."),
    _flag(
        "drug_abuse_past_year",
        "Drug abuse within 1 year",
        "Drug abuse within the year before assessment. If absent, derived from "
        "last_drug_abuse_date.",
    ),
    _date("last_drug_abuse_date", "Last drug abuse date", "Most recent known drug abuse."),
    _flag(
        "hemodynamic_instability", "Hemodynamic instability", "Systemic hemodynamic instability."
    ),
    _flag("pregnant", "Pregnant", "Pregnancy."),
    _flag("lactating", "Lactating", "Lactation."),
    _flag(
        "clinician_excluded", "Excluded by clinician", "Other situations excluded by clinician."
    ),
)

#: Every declared fact, by name, in dictionary order. Read-only.
VARIABLES: MappingProxyType[str, Variable] = MappingProxyType({v.name: v for v in _DECLARED})

#: Dates of past events: a record where one is later than its assessment_date is refused
#: (a drug abuse "after" the screening would otherwise fall outside the one-year window
#: and silently not exclude).
NOT_AFTER_ASSESSMENT: tuple[str, ...] = (
    "birth_date",
    "diagnosis_date",
    "ascites_onset_date",
    "hepatic_encephalopathy_onset_date",
    "last_drug_abuse_date",
)

#: drug_abuse_past_year means drug abuse 0 to this many days before assessment_date.
DRUG_ABUSE_WINDOW_DAYS = 365

#: A recorded pao2_fio2_ratio and pao2 / fio2 from the same record must agree this
#: closely (reported ratios are rounded to whole mmHg, or to 0.1 kPa = 0.75 mmHg).
PAO2_FIO2_TOLERANCE_MMHG = 1.0


@attrs.frozen
class Implication:
    """A fact known from another: when ``premise`` passes ``test``, ``fact`` is ``value``.

    A record that gives ``fact`` the other value is a contradiction: the reference
    interpreter refuses it, the engines leave out the cells of both facts and report
    them, as for every check across facts.

    Attributes:
        premise: the fact the implication reads.
        test: ``"equals"`` (the premise is ``operand``), ``"true"`` (it is true),
            ``"given"`` (it is recorded at all, as an onset date) or ``"at_least"``
            (it is ``operand`` or more, as a grade).
        operand: the value ``"equals"`` and ``"at_least"`` compare with.
        fact: the true/false fact implied.
        value: what ``fact`` is known to be.
    """

    premise: str
    test: Literal["equals", "true", "given", "at_least"]
    operand: str | int | None
    fact: str
    value: bool

    def holds(self, premise: object) -> bool:
        """Whether a recorded (canonical, not None) premise value implies the fact."""
        if self.test == "equals":
            return premise == self.operand
        if self.test == "true":
            return premise is True
        if self.test == "given":
            return True
        assert isinstance(self.operand, int)
        return isinstance(premise, int) and premise >= self.operand

    @property
    def reason(self) -> str:
        """Why the fact is known, as error messages say it (``"sex is 'male'"``)."""
        if self.test == "equals":
            return f"{self.premise} is {self.operand!r}"
        if self.test == "true":
            return f"{self.premise} is true"
        if self.test == "given":
            return f"{self.premise} is given"
        return f"{self.premise} is {self.operand} or more"

    @property
    def note(self) -> str:
        """How the evaluation tree marks the implied value (``"implied: sex is male"``)."""
        return "implied: " + self.reason.replace("'", "")

    @property
    def expected(self) -> str:
        """What a record may give for ``fact``, for a contradiction's error."""
        return f"{'true' if self.value else 'false'} or nothing, since {self.reason}"


#: Facts known from other facts, in the order they are applied (the first that holds
#: marks the value). A man is not pregnant; an onset date or refractory ascites says
#: ascites developed; an onset date or a current grade ≥ 1 says encephalopathy did.
IMPLICATIONS: tuple[Implication, ...] = (
    Implication("sex", "equals", "male", "pregnant", False),
    Implication("sex", "equals", "male", "lactating", False),
    Implication("ascites_onset_date", "given", None, "ascites", True),
    Implication("refractory_ascites", "true", None, "ascites", True),
    Implication(
        "hepatic_encephalopathy_onset_date", "given", None, "hepatic_encephalopathy", True
    ),
    Implication("hepatic_encephalopathy_grade", "at_least", 1, "hepatic_encephalopathy", True),
)

#: Facts that are known to be false when ``sex`` is ``"male"``.
IMPLIED_FALSE_FOR_MALE: tuple[str, ...] = tuple(
    i.fact for i in IMPLICATIONS if i.premise == "sex" and i.operand == "male"
)


def implication_groups() -> tuple[tuple[Implication, ...], ...]:
    """The implications grouped by premise and test, in order (``sex = male``: two facts).

    A contradiction leaves out the premise's cell once per group, with an error that
    names every fact of the group.
    """
    groups: dict[tuple[str, str, object], list[Implication]] = {}
    for i in IMPLICATIONS:
        groups.setdefault((i.premise, i.test, i.operand), []).append(i)
    return tuple(tuple(g) for g in groups.values())


def premise_expected(group: tuple[Implication, ...]) -> str:
    """What a record may give for a group's premise, for a contradiction's error."""
    premise = group[0].premise
    article = "an" if premise[0] in "aeiou" else "a"
    return f"{article} {premise} that agrees with " + " and ".join(i.fact for i in group)


def variable(name: str) -> Variable:
    """The declared fact called ``name`` (``KeyError`` with a suggestion if unknown)."""
    try:
        return VARIABLES[name]
    except KeyError:
        from .errors import did_you_mean

        raise KeyError(f"no fact {name!r}{did_you_mean(name, VARIABLES)}") from None
