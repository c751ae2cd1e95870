"""Which facts records hold, and how each is derived: the derivations, by fact.

Each entry of :data:`DERIVATIONS` is a fact of the data dictionary with the
derivation that reads it from the event relation. Facts no record holds (the
clinician's exclusion, improvement on treatment, uncorrectability, symptoms) are not
here: the caller states them (:data:`STATED_ONLY`).
"""

from __future__ import annotations

from types import MappingProxyType

from ..dictionary import DRUG_ABUSE_WINDOW_DAYS, VARIABLES
from .codesets import CONDITION_CODES, OBSERVATION_CODES, POSITIVE_ANSWERS, QUALITATIVE_TESTS
from .decisions import (
    ABSENCE,
    ACUTE_LOOKBACK,
    BLOOD_GAS,
    BLOOD_GAS_MINUTES,
    CENSORED,
    CONDITION_STATUS,
    CONDITION_WINDOW,
    DIAGNOSIS_DATE,
    DRUG_USE_CODES,
    JAUNDICE,
    LAB_LOOKBACK,
    LAB_WINDOW,
    OBSERVATION_STATUS,
    ONSET,
    POSITIVE_TEST,
    RECORDED_DATE,
    TEXT_VALUES,
    TIME_ZONE,
    UNITS,
    VITAL_LOOKBACK,
)
from .nodes import AnyOf, Derivation, Derive, Paired, Read, Select, Take, Trend, Window
from .schema import CONDITION, OBSERVATION

__all__ = [
    "CONDITION_STATUSES",
    "DERIVATIONS",
    "OBSERVATION_STATUSES",
    "ONE_GAS",
    "STATED_ONLY",
    "SUSPECTED",
    "derivation",
]

#: Observation statuses that count (``None``: no status recorded).
OBSERVATION_STATUSES: tuple[str | None, ...] = ("final", "amended", "corrected", None)
#: Condition clinical statuses that count.
CONDITION_STATUSES: tuple[str | None, ...] = ("active", "recurrence", "relapse", None)
#: Every clinical status (drug abuse: its date decides, not its status).
ANY_CLINICAL_STATUS: tuple[str | None, ...] = (
    *CONDITION_STATUSES,
    "inactive",
    "remission",
    "resolved",
)
#: Verification statuses that count.
CONFIRMED: tuple[str | None, ...] = ("confirmed", None)
#: ... and for a fact that counts suspicion (liver cancer: "diagnosed or suspected").
SUSPECTED: tuple[str | None, ...] = (*CONFIRMED, "provisional", "differential", "unconfirmed")

_LAB = Window(7, LAB_LOOKBACK.name)
_VITAL = Window(30, VITAL_LOOKBACK.name)
_ACUTE = Window(28, ACUTE_LOOKBACK.name)
_EVER = Window(None)
_LAB_DECISIONS = (
    LAB_WINDOW.id,
    OBSERVATION_STATUS.id,
    UNITS.id,
    CENSORED.id,
    TEXT_VALUES.id,
    TIME_ZONE.id,
)


def _lab(fact: str, window: Window = _LAB, also: tuple[str, ...] = ()) -> Derive:
    select = Select(OBSERVATION, OBSERVATION_CODES[fact], OBSERVATION_STATUSES)
    return Derive(fact, select, window, Take.LATEST, Read.VALUE, (*also, *_LAB_DECISIONS))


def _condition(
    fact: str,
    codes: str,
    window: Window = _EVER,
    read: Read = Read.PRESENT,
    verifications: tuple[str | None, ...] = CONFIRMED,
    statuses: tuple[str | None, ...] = CONDITION_STATUSES,
    take: Take | None = None,
    also: tuple[str, ...] = (),
) -> Derive:
    select = Select(CONDITION, CONDITION_CODES[codes], statuses, verifications)
    decisions = [*also, CONDITION_STATUS.id, CONDITION_WINDOW.id, RECORDED_DATE.id, TIME_ZONE.id]
    decisions.append(ABSENCE.id if read is Read.PRESENT else ONSET.id)
    if take is None:
        take = Take.ANY if read is Read.PRESENT else Take.LATEST
    return Derive(fact, select, window, take, read, tuple(decisions))


def _blood_gas(fact: str, read_partner: bool) -> Paired:
    """PaO2 or FiO2 of one blood gas (decision record-blood-gas-pair)."""
    pao2 = Select(OBSERVATION, OBSERVATION_CODES["pao2"], OBSERVATION_STATUSES)
    fio2 = Select(OBSERVATION, OBSERVATION_CODES["fio2"], OBSERVATION_STATUSES)
    decisions = (BLOOD_GAS.id, *_LAB_DECISIONS)
    return Paired(fact, pao2, fio2, _LAB, BLOOD_GAS_MINUTES, read_partner, decisions)


def _condition_or_test(condition: Derive, window: Window = _EVER) -> AnyOf:
    """A Condition, or a positive qualitative test (decision record-positive-test)."""
    fact = condition.fact
    select = Select(
        OBSERVATION, QUALITATIVE_TESTS[fact], OBSERVATION_STATUSES, values=POSITIVE_ANSWERS
    )
    own = (POSITIVE_TEST.id, OBSERVATION_STATUS.id, TIME_ZONE.id)
    test = Derive(fact, select, window, Take.ANY, Read.PRESENT, own)
    decisions = tuple(dict.fromkeys((*own, *condition.decisions)))
    return AnyOf(fact, (condition, test), decisions)


_DECLARED: tuple[Derivation, ...] = (
    _lab("body_weight", _VITAL),
    # Cirrhosis and HIV do not resolve: an encounter diagnosis closed as "resolved"
    # still records them (decision record-condition-status).
    _condition("cirrhosis", "cirrhosis", statuses=ANY_CLINICAL_STATUS),
    _lab("total_bilirubin"),
    _lab("albumin"),
    _lab("platelets"),
    _lab("inr"),
    _lab("prothrombin_activity"),
    _lab("pao2_fio2_ratio", also=(BLOOD_GAS.id,)),  # the later of two gases is read
    _blood_gas("pao2", read_partner=False),
    _blood_gas("fio2", read_partner=True),
    # Ascites and hepatic encephalopathy: developed now or earlier, resolved or not.
    _condition("ascites", "ascites", statuses=ANY_CLINICAL_STATUS),
    _condition("hepatic_encephalopathy", "hepatic_encephalopathy", statuses=ANY_CLINICAL_STATUS),
    Trend(
        "progressive_jaundice",
        Select(OBSERVATION, OBSERVATION_CODES["total_bilirubin"], OBSERVATION_STATUSES),
        _LAB,
        "total_bilirubin",
        17.1,
        (JAUNDICE.id, OBSERVATION_STATUS.id, UNITS.id, TIME_ZONE.id),
    ),
    _condition("ascites_onset_date", "ascites", read=Read.DATE),
    _condition("hepatic_encephalopathy_onset_date", "hepatic_encephalopathy", read=Read.DATE),
    _condition("brain_edema", "brain_edema", _ACUTE),
    _condition("cerebral_herniation", "cerebral_herniation", _ACUTE),
    _condition("intracranial_hemorrhage", "intracranial_hemorrhage", _ACUTE),
    _condition("liver_cancer", "liver_cancer", verifications=SUSPECTED),
    _condition("dic", "dic", _ACUTE),
    _condition_or_test(_condition("hiv_positive", "hiv_positive", statuses=ANY_CLINICAL_STATUS)),
    _condition_or_test(_condition("sars_cov_2_positive", "sars_cov_2_positive", _ACUTE), _ACUTE),
    _condition(
        "diagnosis_date",
        "aclf",
        _ACUTE,
        read=Read.DATE,
        statuses=ANY_CLINICAL_STATUS,
        take=Take.EARLIEST,
        also=(DIAGNOSIS_DATE.id,),
    ),
    _condition(
        "last_drug_abuse_date",
        "drug_abuse",
        read=Read.DATE,
        statuses=ANY_CLINICAL_STATUS,
        also=(DRUG_USE_CODES.id,),
    ),
    # The same records as last_drug_abuse_date, so the two never disagree.
    _condition(
        "drug_abuse_past_year",
        "drug_abuse",
        Window(DRUG_ABUSE_WINDOW_DAYS),
        statuses=ANY_CLINICAL_STATUS,
        also=("exclusion-drug-abuse-window", DRUG_USE_CODES.id),
    ),
    _condition("pregnant", "pregnant", Window(280)),
    _condition("lactating", "lactating", Window(365)),
)

_ORDER = {name: i for i, name in enumerate(VARIABLES)}

#: Fact name -> its derivation from the event relation, in dictionary order. Read-only.
DERIVATIONS: MappingProxyType[str, Derivation] = MappingProxyType(
    {d.fact: d for d in sorted(_DECLARED, key=lambda d: _ORDER[d.fact])}
)

#: One blood gas (decision record-blood-gas-pair): a reported ratio, and the paired
#: PaO2 and FiO2 (the first is the anchor, whose time is the pair's). The later is read.
ONE_GAS: tuple[str, str, str] = ("pao2_fio2_ratio", "pao2", "fio2")

#: Facts records do not hold: the caller states them (merged from a mapping or table).
STATED_ONLY: tuple[str, ...] = (
    "hepatic_decompensation",
    "total_bilirubin_uln",
    "refractory_ascites",
    "portal_hypertension",
    "hepatic_encephalopathy_grade",  # no standard code (decision record-stated-only)
    "fatigue",
    "anorexia",
    "vomiting",
    "abdominal_distension",
    "standard_treatment_duration",
    "improved_on_treatment",
    "coagulopathy_other_cause",
    "hypoxemia_uncorrectable",
    "active_hemorrhage",
    "uncontrolled_infection",
    "thrombocytopenia_uncorrectable",
    "hemodynamic_instability",
    "clinician_excluded",
)


def derivation(fact: str) -> Derivation | None:
    """The derivation of a fact, or ``None`` when records do not hold it."""
    return DERIVATIONS.get(fact)
