"""The interpretation decisions and the parameters that select their alternatives.

Every place where the protocol's text can fairly be read more than one way is a named
:class:`Decision` here, quoting the text it interprets. Where a reader could fairly
choose otherwise, a :class:`Parameter` selects the alternative; its default is the
reading this library takes.
"""

from __future__ import annotations

from ..dictionary import VARIABLES
from ..dsl.rules import Decision
from ..dsl.types import BOOLEAN, Kind, ValueType
from ..dsl.variable import Parameter
from ..units import specs

__all__ = [
    "ACLF_COAGULOPATHY_INCLUSIVE",
    "ACLF_ONSET_DAYS_BEFORE_DIAGNOSIS",
    "CLF_PLATELET_THRESHOLD",
    "CLF_REQUIRE_COAGULOPATHY",
    "DECISIONS",
    "TOTAL_BILIRUBIN_ULN",
]

# -- parameters ----------------------------------------------------------------------

TOTAL_BILIRUBIN_ULN = Parameter(
    "total_bilirubin_uln",
    ValueType(Kind.QUANTITY, unit=specs.BILIRUBIN),
    "The upper limit of normal of total bilirubin at the caller's laboratory, used "
    "when a record carries no total_bilirubin_uln of its own. No default: without "
    "either, the CLF bilirubin criterion is UNKNOWN.",
    default=None,
    plausible=VARIABLES["total_bilirubin_uln"].plausible,
    plausible_reason=VARIABLES["total_bilirubin_uln"].plausible_reason,
)
CLF_REQUIRE_COAGULOPATHY = Parameter(
    "clf_require_coagulopathy",
    BOOLEAN,
    "Require the CLF coagulopathy item (PTA ≤ 40 % or INR ≥ 1.5, not explained by "
    "another cause). Set false to make it informational, reading 'with or without' as "
    "qualifying the coagulopathy too.",
    default=True,
)
CLF_PLATELET_THRESHOLD = Parameter(
    "clf_platelet_threshold",
    ValueType(Kind.QUANTITY, unit=specs.PLATELETS),
    "Below this count the CLF item 'significantly decreased platelet value' is shown as met.",
    default="100 10*9/L",
    plausible=VARIABLES["platelets"].plausible,
    plausible_reason="A threshold is compared with counts, so it must be a count a "
    "laboratory could report: " + VARIABLES["platelets"].plausible_reason,
)
ACLF_COAGULOPATHY_INCLUSIVE = Parameter(
    "aclf_coagulopathy_inclusive",
    BOOLEAN,
    "Read the ACLF coagulopathy thresholds as inclusive (INR ≥ 1.5 or PTA ≤ 40 %), as "
    "the CLF group writes them, instead of strict as the ACLF text writes them.",
    default=False,
)

ACLF_ONSET_DAYS_BEFORE_DIAGNOSIS = Parameter(
    "aclf_onset_days_before_diagnosis",
    ValueType(Kind.QUANTITY, unit=specs.DAYS),
    "How many days before diagnosis_date an ascites or encephalopathy onset still "
    "counts for the ACLF complications criterion (the window is this many days before "
    "the diagnosis to 28 days after it, both ends inclusive).",
    default="0 d",
    plausible=(0, 28),
    plausible_reason="From none to the 4 weeks the protocol's own window spans (APASL "
    "counts 4 weeks from the acute insult); a negative number of days, or more than 4 "
    "weeks before the diagnosis, is no reading of 'within 4 weeks after being diagnosed'.",
)

# -- decisions -----------------------------------------------------------------------

AGE = Decision(
    "age-completed-years",
    "Age in completed years, 18 to 65 inclusive",
    "Aged between 18 to 65 years old",
    "Eligible from the 18th birthday until the day before the 66th: 18 ≤ age < 66 "
    "years, which is 18 to 65 in completed years. From birth_date, age is counted in "
    "calendar years at the assessment date (a 29 February birthday falls on 1 March in "
    "common years); an age given in years or months counts years of 365.25 days "
    "(UCUM's 'a'), and an age in days or weeks is refused (see age-duration-units). A "
    "record whose age disagrees with its birth_date and assessment_date is refused.",
    "'Between 18 to 65 years old' names both ends as ages a person is; a 65-year-old "
    "is 65 until their 66th birthday.",
    "Exclusive ends, or 65 as an exact duration (age ≤ 65.0 years), which would "
    "exclude patients aged 65 and a few days.",
)
AGE_DURATION_UNITS = Decision(
    "age-duration-units",
    "An age is given in years or months, not days or weeks",
    "Aged between 18 to 65 years old",
    "age is accepted in years ('52 a', '52 years') or months ('630 mo'), counted in "
    "completed years (months ÷ 12). An age given in days, weeks or hours is refused, "
    "with the advice to give birth_date with assessment_date, or the age in years.",
    "Completed years depend on the calendar, not on a number of days: '6574 d' is "
    "18 years for a person whose 18 years held 5 leap days and 17 years and 364 days "
    "for one whose held 4, so the same record would be eligible or not depending on a "
    "birth date it does not hold. Completed months convert to completed years exactly "
    "(12 to a year); days and weeks do not. A record that has the birth date can give "
    "it, and one that has only an age in days almost always came from one.",
    "Accept a number of days only where every possible birth date gives the same "
    "completed years (all but about two days around each birthday), or count years of "
    "365.25 days as UCUM's 'a' does: both give an answer a clinician cannot check "
    "against the patient's birthday.",
)
PLAUSIBLE_VALUES = Decision(
    "implausible-values-refused",
    "Values no laboratory reports are refused, with the likely unit mistake",
    "Body weight>40kg; Aged between 18 to 65 years old",
    "Every quantity, here and in every other criterion, has a plausible range (the "
    "data dictionary gives each with its "
    "reason); a value outside it is refused, naming the unit it was probably meant in "
    "where the same number in a commonly confused unit is plausible ('15 /uL' "
    "platelets: 15 ×10³/µL was probably meant). Parameters get the same checks "
    "(total_bilirubin_uln from 10 to 40 µmol/L). A FHIR Quantity's UCUM code is its "
    "unit, and a unit text that does not mean the same is refused.",
    "A value in the wrong unit is read as a real, usually extreme, result: '15 /uL' "
    "platelets are 0.015 ×10⁹/L, a silent severe thrombocytopenia that would exclude "
    "the patient. The library cannot know which unit was meant, so it refuses rather "
    "than guesses, and says what the likely mistake is.",
    "Convert the value in the likely unit silently (a guess that is sometimes wrong), "
    "or accept every value of the right dimension (today's silent misreadings).",
)
NUMBER_MAGNITUDE = Decision(
    "number-magnitude",
    "A number is 0 or from 1e-50 to 1e50 in magnitude; a unit converts within that range",
    "Body weight>40kg; Aged between 18 to 65 years old",
    "A number as written (a text such as '85 umol/L' or '<5 mg/dL', a table's number, a "
    "pint magnitude, a FHIR or mapping value) must be 0 or have a magnitude from 1e-50 to "
    "1e50 inclusive; an infinity, 1e51, 5e-324, or a text that is not 0 as written but "
    "reads as 0 ('1e-400') is refused: the cell is invalid, UNKNOWN, and listed with "
    "'0 or a number from 1e-50 to 1e50 in magnitude'. A quantity written as text has at "
    "most 100 characters after its comparator. A unit's factor to the canonical unit "
    "must lie from 1e-50 to 1e50 ('10*60/L' is refused), and so must a DSL scale factor.",
    "No measurement is 1e308 or 5e-324 of anything: reading such a cell as a giant or "
    "vanishing value that excludes a patient is worse than listing it as invalid. The "
    "range keeps every converted value within 1e100 and every product or ratio of two "
    "within 1e-200 to 1e200, so no engine's double arithmetic overflows or underflows "
    "(PostgreSQL raises an error on either, which would stop a whole screening), and "
    "every engine gives the same answer. The length keeps a text's number readable by "
    "every engine's parser in the same way (PostgreSQL casts a text to a double only "
    "where it can tell that it is in range).",
    "Read every finite double as it is (a value of 1e308 mg/dL would be an implausible "
    "value, but one whose conversion overflows in some engines), or refuse only "
    "infinities.",
)
BODY_WEIGHT = Decision(
    "body-weight-strict",
    "Body weight strictly above 40 kg",
    "Body weight>40kg",
    "body_weight > 40 kg; exactly 40 kg is not eligible.",
    "The protocol writes '>' in both groups.",
    "≥ 40 kg.",
)
CLF_BACKGROUND = Decision(
    "clf-background",
    "Chronic liver failure needs cirrhosis and decompensation",
    "The progressive liver function decline or decompensation after liver cirrhosis",
    "Both facts are required: cirrhosis, and hepatic_decompensation (progressive decline "
    "of liver function or decompensation).",
    "The text describes decline or decompensation that follows cirrhosis.",
    "Decompensation alone, without established cirrhosis.",
)
BILIRUBIN_ULN = Decision(
    "bilirubin-uln-source",
    "The ULN comes from the record, else from the caller's laboratory parameter",
    "Serum Total bilirubin was higher than the normal range and lower than 10 times "
    "the upper limit of normal value (ULN)",
    "The ULN is the record's total_bilirubin_uln, else the total_bilirubin_uln "
    "parameter. With neither, the criterion is UNKNOWN: there is no built-in ULN. The "
    "evaluation tree shows which ULN was used.",
    "ULNs differ between laboratories (17.1 to 21 µmol/L are common); a built-in value "
    "would silently misclassify patients near either boundary.",
    "A fixed ULN such as 17.1 µmol/L: set the parameter to it.",
    TOTAL_BILIRUBIN_ULN,
)
CLF_BILIRUBIN_STRICT = Decision(
    "clf-bilirubin-strict",
    "CLF bilirubin bounds are both strict",
    "higher than the normal range and lower than 10 times the upper limit of normal value (ULN)",
    "ULN < total_bilirubin < 10 × ULN.",
    "'Higher than' and 'lower than' are strict.",
    "Inclusive bounds.",
)
CLF_ALBUMIN_UNIT = Decision(
    "clf-albumin-unit",
    "Albumin 'lower than 35' is read as 35 g/L, and is informational",
    "With or without significantly decreased serum albumin value, lower than 35",
    "albumin < 35 g/L (3.5 g/dL), shown but never gating.",
    "The protocol gives no unit; 35 is the usual lower limit of serum albumin in g/L, "
    "and 'with or without' makes the item optional.",
    "None that fits the number: 35 g/dL is not a serum albumin a patient can have.",
)
CLF_WITH_OR_WITHOUT = Decision(
    "clf-with-or-without",
    "CLF 'with or without' items are informational",
    "With or without significantly decreased platelet (PLT) value, prothrombin activity "
    "(PTA)≤40% (or international normalized ratio (INR)≥1.5), other reasons excluded; "
    "With or without refractory ascites or portal hypertension",
    "Low albumin, decreased platelets, and refractory ascites or portal hypertension "
    "are evaluated and shown but do not gate. The coagulopathy in the same sentence as "
    "the platelets is not one of them: see clf-coagulopathy-required.",
    "'With or without' means the group admits patients either way.",
    "None: each of these items is optional in every reading.",
)
CLF_COAGULOPATHY = Decision(
    "clf-coagulopathy-required",
    "CLF requires the coagulopathy, PTA ≤ 40 % or INR ≥ 1.5, not explained by another cause",
    "With or without significantly decreased platelet (PLT) value, prothrombin activity "
    "(PTA)≤40% (or international normalized ratio (INR)≥1.5), other reasons excluded",
    "The CLF group requires PTA ≤ 40 % or INR ≥ 1.5 (inclusive, as written) and "
    "coagulopathy_other_cause = false. A coagulopathy explained by another cause (a "
    "vitamin K antagonist, vitamin K deficiency, DIC) does not count. When the "
    "coagulopathy would meet the item and coagulopathy_other_cause is not recorded, the "
    "item is UNKNOWN and the fact is listed as missing; it is not assumed absent (a "
    "site that rules other causes out for every patient can pass "
    "assume_absent={'coagulopathy_other_cause'}, and the tree marks it). PTA > 40 % "
    "and INR < 1.5 fail the item whatever the cause.",
    "The sentence renders item 3 of the chronic liver failure definition of the Chinese "
    "2018 guideline for liver failure ('platelets markedly decreased, PTA ≤ 40 % (or "
    "INR ≥ 1.5), other causes excluded'): the coagulopathy is what defines liver "
    "failure in a cirrhotic; 'with or without' qualifies the platelets. A cirrhotic "
    "with bilirubin 3 × ULN, INR 1.2 and PTA 70 % has decompensated cirrhosis, not "
    "chronic liver failure. 'Other reasons excluded' is part of the same definition: an "
    "INR raised by warfarin measures the drug, not the liver's synthetic failure, so "
    "the reason is a recorded fact, and a missing one is unknown like any other fact.",
    "Read 'with or without' as qualifying the coagulopathy too, so that it is "
    "informational: set clf_require_coagulopathy = false.",
    CLF_REQUIRE_COAGULOPATHY,
)
CLF_PLATELETS = Decision(
    "clf-platelets-decreased",
    "'Significantly decreased platelets' is below 100 ×10⁹/L",
    "With or without significantly decreased platelet (PLT) value",
    "platelets < 100 ×10⁹/L, informational.",
    "The protocol gives no threshold; 100 ×10⁹/L is the usual mark of clinically "
    "significant thrombocytopenia in cirrhosis.",
    "Another threshold (150 ×10⁹/L, the lower limit of normal): set clf_platelet_threshold.",
    CLF_PLATELET_THRESHOLD,
)
CLF_ENCEPHALOPATHY = Decision(
    "clf-hepatic-encephalopathy",
    "CLF admits no encephalopathy or West Haven grade I–II",
    "With or without a stage I or II hepatic encephalopathy",
    "hepatic_encephalopathy_grade ≤ 2 gates the CLF group: grade 3 or 4 fails it.",
    "'With or without a stage I or II' admits grades 0, 1 and 2 and no others.",
    "An informational item that never gates.",
)
TREATMENT = Decision(
    "treatment-more-than-3-days",
    "More than 3 days of treatment, strictly, without obvious improvement",
    "No obvious improvement after more than 3 days' regular clinical treatments.",
    "standard_treatment_duration > 3 days (72 hours is not enough) and "
    "improved_on_treatment is false. Applies to both groups.",
    "'More than' is strict.",
    "≥ 3 days.",
)
ACLF_PREAMBLE = Decision(
    "aclf-preamble",
    "The ACLF preamble is defined by the items that follow it",
    "With known or unknown basic liver diseases, subjects undergoing acute liver "
    "failure syndrome (clinical manifestations indicated as an early stage liver "
    "failure).",
    "Not evaluated as a criterion of its own: the ACLF items below operationalise it.",
    "It names no fact that the items do not already test.",
    "A separate clinician-assessed fact.",
)
ACLF_SYMPTOMS = Decision(
    "aclf-symptoms",
    "Fatigue and at least one gastrointestinal symptom",
    "With obvious fatigue, accompanied by other gastrointestinal symptoms such as "
    "anorexia, vomiting, and abdominal distension",
    "fatigue and at least one of anorexia, vomiting, abdominal_distension.",
    "'Such as' lists examples; one accompanying symptom suffices.",
    "All three symptoms.",
)
ACLF_COMPLICATION_DEVELOPED = Decision(
    "aclf-complication-developed",
    "A complication that developed in the window counts, whether or not it persists",
    "Complicated with ascites and/or hepatic encephalopathy within 4 weeks after being diagnosed",
    "Each branch asks whether the complication developed, not whether it is present at "
    "assessment: ascites (developed ascites, now or earlier in this illness) with "
    "ascites_onset_date in the window, or hepatic_encephalopathy (developed "
    "encephalopathy in this illness) with hepatic_encephalopathy_onset_date in the "
    "window. An onset date implies the finding (marked implied in the tree), so the "
    "date alone is enough; refractory_ascites implies ascites; a current "
    "hepatic_encephalopathy_grade ≥ 1 implies hepatic_encephalopathy. ascites = false "
    "or hepatic_encephalopathy = false makes its branch NOT MET. A record that says a "
    "complication never developed and also gives its onset date, refractory ascites or a "
    "current grade ≥ 1 is refused (evaluate) or has the cells of both facts left out and "
    "reported (screen, SQL). A current grade 0 says nothing about the past.",
    "'Complicated with ... within 4 weeks' dates an event. Encephalopathy that began on "
    "day 5 and resolved on lactulose was a complication of this illness; reading the "
    "current grade would make the patient ineligible for responding to standard care.",
    "Require the complication to be present at assessment as well.",
)
ACLF_ONSET_WINDOW = Decision(
    "aclf-onset-window",
    "Ascites or encephalopathy starting 0 to 28 days after the diagnosis",
    "Complicated with ascites and/or hepatic encephalopathy within 4 weeks after being diagnosed",
    "The onset date is 0 to 28 days after diagnosis_date, both ends inclusive. The "
    "parameter aclf_onset_days_before_diagnosis (default 0 days) extends the window to "
    "start that many days before the diagnosis.",
    "'Within 4 weeks after being diagnosed' counts 28 days from the day of diagnosis, "
    "both ends included, as written. A hepatologist would add that APASL counts the 4 "
    "weeks from the acute insult, and that ascites or encephalopathy is often what "
    "brings the patient in, days before the formal diagnosis of ACLF; the protocol's "
    "words do not admit that by default, so the parameter is there for sites that do.",
    "Count complications noticed shortly before the diagnosis, as APASL counts from the "
    "acute insult: set aclf_onset_days_before_diagnosis (for example '7 d').",
    ACLF_ONSET_DAYS_BEFORE_DIAGNOSIS,
)
ACLF_JAUNDICE = Decision(
    "aclf-jaundice",
    "Progressive jaundice with total bilirubin of at least 85 µmol/L",
    "Progressive aggravation of jaundice, total serum bilirubin≥85umol/L",
    "progressive_jaundice and total_bilirubin ≥ 85 µmol/L (5 mg/dL is 85.52 µmol/L).",
    "The protocol writes ≥.",
    "None.",
)
ACLF_COAGULOPATHY = Decision(
    "aclf-coagulopathy-strict",
    "ACLF coagulopathy thresholds are strict, as written",
    "Coagulation disorders, INR>1.5 or PTA<40%",
    "INR > 1.5 or PTA < 40 %, although the CLF group writes ≤ 40 % and ≥ 1.5; the "
    "criterion's title follows the parameter. Unlike the CLF item, no 'other cause' "
    "fact stops the coagulopathy from counting.",
    "The ACLF text writes strict inequalities; the encoded rule follows the text. The "
    "ACLF text has no 'other reasons excluded': the group is defined by acute jaundice "
    "(bilirubin ≥ 85 µmol/L) with ascites or encephalopathy, where a coagulopathy is "
    "the expected consequence of the acute hepatic insult; DIC is an exclusion of its "
    "own, and an anticoagulated patient is left to the clinician's exclusion.",
    "Inclusive thresholds as in the CLF group: set aclf_coagulopathy_inclusive.",
    ACLF_COAGULOPATHY_INCLUSIVE,
)
OXYGENATION = Decision(
    "exclusion-oxygenation",
    "Uncorrectable PaO2/FiO2 below 200 mmHg",
    "With uncorrectable oxygenation index (PaO2/FiO2)<200",
    "pao2_fio2_ratio < 200 mmHg (26.66 kPa) and hypoxemia_uncorrectable. Without "
    "pao2_fio2_ratio, it is derived as pao2 / fio2; a record whose ratio and pao2 / fio2 "
    "differ by more than 1 mmHg is refused.",
    "The oxygenation index is conventionally in mmHg; 'uncorrectable' is a clinical "
    "judgement recorded as its own fact.",
    "Exclude on the ratio alone.",
)
THROMBOCYTOPENIA = Decision(
    "exclusion-thrombocytopenia",
    "Uncorrectable platelets below 20 ×10⁹/L",
    "Uncorrectable decrease in PLT (<20×109/L)",
    "platelets < 20 ×10⁹/L and thrombocytopenia_uncorrectable. The protocol's "
    "'20×109/L' is read as 20 ×10⁹/L.",
    "'109' is 10⁹ with its superscript lost; 'uncorrectable' is recorded as its own fact.",
    "Exclude on the count alone.",
)
DRUG_ABUSE = Decision(
    "exclusion-drug-abuse-window",
    "Drug abuse within 365 days before the assessment date",
    "Drug abuse within 1 year",
    "drug_abuse_past_year if recorded; else last_drug_abuse_date 0 to 365 days before "
    "assessment_date, inclusive. A record whose flag disagrees with its date is refused.",
    "A year is counted as 365 days, inclusive, so abuse exactly a year ago excludes.",
    "Calendar years, or 365.25 days.",
)
MALE_NOT_PREGNANT = Decision(
    "male-not-pregnant",
    "Men are known not to be pregnant or lactating",
    "Combined with pregnancy or lactation",
    "For sex = 'male', pregnant and lactating are known false (marked as implied in the "
    "tree). A record that says a man is pregnant or lactating is refused as an error. "
    "The same rule of implication (dictionary.IMPLICATIONS) marks the facts an ACLF "
    "onset date implies.",
    "Otherwise every male record would stay UNDETERMINED for want of a pregnancy test.",
    "None.",
)
MISSING_IS_UNKNOWN = Decision(
    "missing-is-unknown",
    "A fact not recorded is unknown, not absent",
    "Exclusion Criteria",
    "A missing exclusion fact makes its criterion UNKNOWN, so the patient is "
    "UNDETERMINED, never 'not excluded'. A caller may assume absence for named facts "
    "with assume_absent (the tree marks every assumed value).",
    "No record of HIV is not a negative HIV test.",
    "A closed-world assumption: pass assume_absent={...}.",
)
EXCLUSION_FACTS = Decision(
    "exclusion-facts",
    "Each other exclusion is one recorded fact",
    "With obvious brain edema, cerebral hernia, or indicated intracranial hemorrhage; "
    "Diagnosed or suspected as primary or metastatic liver cancer",
    "Each remaining exclusion is met when its fact is true; liver_cancer covers "
    "suspected as well as diagnosed, primary and metastatic.",
    "The protocol gives no thresholds for these clinical judgements.",
    "None.",
)

#: Every interpretation decision, in protocol order.
DECISIONS: tuple[Decision, ...] = (
    AGE,
    AGE_DURATION_UNITS,
    PLAUSIBLE_VALUES,
    NUMBER_MAGNITUDE,
    BODY_WEIGHT,
    CLF_BACKGROUND,
    BILIRUBIN_ULN,
    CLF_BILIRUBIN_STRICT,
    CLF_ALBUMIN_UNIT,
    CLF_WITH_OR_WITHOUT,
    CLF_COAGULOPATHY,
    CLF_PLATELETS,
    CLF_ENCEPHALOPATHY,
    TREATMENT,
    ACLF_PREAMBLE,
    ACLF_SYMPTOMS,
    ACLF_COMPLICATION_DEVELOPED,
    ACLF_ONSET_WINDOW,
    ACLF_JAUNDICE,
    ACLF_COAGULOPATHY,
    OXYGENATION,
    THROMBOCYTOPENIA,
    DRUG_ABUSE,
    MALE_NOT_PREGNANT,
    MISSING_IS_UNKNOWN,
    EXCLUSION_FACTS,
)
