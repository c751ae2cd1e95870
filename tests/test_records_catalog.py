"""The record foundations: the event relation, the code sets and the derivations."""

from __future__ import annotations

import pytest

import liverfail_criteria as lc
from liverfail_criteria.dictionary import VARIABLES
from liverfail_criteria.errors import DefinitionError
from liverfail_criteria.records import (
    DERIVATIONS,
    EVENT_COLUMNS,
    RECORD_DECISIONS,
    STATED_ONLY,
    Code,
    CodeSet,
    Derive,
    Read,
    Select,
    Take,
    Window,
)
from liverfail_criteria.records.codesets import CONDITION_CODES, OBSERVATION_CODES
from liverfail_criteria.records.schema import ICD10, ICD10_CM, LOINC, SNOMED, normalise_code

DEMOGRAPHICS = {"age", "birth_date", "sex", "assessment_date"}


def test_every_fact_is_derived_stated_or_demographic() -> None:
    derived, stated = set(DERIVATIONS), set(STATED_ONLY)
    assert not derived & stated
    assert derived | stated | DEMOGRAPHICS == set(VARIABLES)


def test_event_columns_are_the_contract() -> None:
    assert [c.name for c in EVENT_COLUMNS] == [
        "patient_id",
        "kind",
        "system",
        "code",
        "status",
        "verification",
        "time",
        "value",
        "value_text",
        "comparator",
        "unit",
        "source",
    ]


def test_lab_codes_include_both_units_and_both_platelet_codes() -> None:
    bilirubin = OBSERVATION_CODES["total_bilirubin"][0]
    assert bilirubin.contains(LOINC, "1975-2") and bilirubin.contains(LOINC, "14631-6")
    platelets = OBSERVATION_CODES["platelets"][0]
    assert platelets.contains(LOINC, "777-3") and platelets.contains(LOINC, "26515-7")
    assert not platelets.contains(SNOMED, "777-3")


@pytest.mark.parametrize(
    ("fact", "system", "code", "expected"),
    [
        ("cirrhosis", ICD10, "K74.6", True),
        ("cirrhosis", ICD10_CM, "k74.60", True),
        ("cirrhosis", ICD10_CM, "K7469", True),
        ("cirrhosis", ICD10, "K74.0", False),  # hepatic fibrosis is not cirrhosis
        ("cirrhosis", SNOMED, "19943007", True),
        ("liver_cancer", ICD10, "C22.0", True),
        ("liver_cancer", ICD10, "C23", False),
        ("drug_abuse", ICD10_CM, "F11.20", True),
        ("drug_abuse", ICD10_CM, "F10.20", False),  # alcohol
        ("drug_abuse", ICD10_CM, "F17.210", False),  # tobacco
        # Decision record-drug-use-codes: 'use' codes count, prescribed therapy does not.
        ("drug_abuse", ICD10_CM, "F11.90", True),  # opioid use, uncomplicated
        ("drug_abuse", ICD10_CM, "F11.93", True),  # opioid use with withdrawal
        ("drug_abuse", ICD10_CM, "F12.959", True),  # cannabis use with psychotic disorder
        ("drug_abuse", ICD10_CM, "F11.10", True),  # opioid abuse
        ("drug_abuse", ICD10, "F13.1", True),  # harmful use of sedatives
        ("drug_abuse", ICD10_CM, "Z79.891", False),  # long-term prescribed opiate analgesic
        ("drug_abuse", ICD10_CM, "T40.2X5A", False),  # adverse effect of a prescribed opioid
        ("sars_cov_2_positive", ICD10, "U07.2", False),  # not identified
        ("intracranial_hemorrhage", ICD10_CM, "I61.9", True),
    ],
)
def test_condition_code_sets(fact: str, system: str, code: str, expected: bool) -> None:
    assert any(s.contains(system, code) for s in CONDITION_CODES[fact]) is expected


def test_every_code_set_names_its_source() -> None:
    for sets in (*OBSERVATION_CODES.values(), *CONDITION_CODES.values()):
        for s in sets:
            assert s.source and all(c.display for c in s.codes)


def test_codes_normalise_only_in_icd10() -> None:
    assert normalise_code(ICD10, " k74.6 ") == "K746"
    assert normalise_code(LOINC, " 1975-2 ") == "1975-2"


def test_bad_definitions_are_refused() -> None:
    with pytest.raises(DefinitionError, match="only in ICD-10"):
        CodeSet("x", SNOMED, (Code("1", "one", descendants=True),), "here")
    with pytest.raises(DefinitionError, match="twice"):
        CodeSet("x", ICD10, (Code("K74.6", "a"), Code("k746", "b")), "here")
    with pytest.raises(DefinitionError, match="no codes"):
        CodeSet("x", ICD10, (), "here")
    select = Select("condition", CONDITION_CODES["dic"], ("active",), ("confirmed",))
    with pytest.raises(DefinitionError, match="only observations"):
        Derive("dic", select, Window(None), Take.LATEST, Read.VALUE)
    with pytest.raises(DefinitionError, match="cannot read"):
        Derive("dic", select, Window(None), Take.LATEST, Read.PRESENT)
    with pytest.raises(DefinitionError, match="days"):
        Window(-1)


def test_window_parameter_overrides_days() -> None:
    window = DERIVATIONS["total_bilirubin"].window
    assert window.resolve() == 7
    assert window.resolve({"lab_lookback": 3}) == 3


def test_decisions_are_unique() -> None:
    import liverfail_criteria as lc

    ids = [d.id for d in RECORD_DECISIONS]
    assert len(ids) == len(set(ids))
    named = {i for d in DERIVATIONS.values() for i in d.decisions}
    assert named <= {d.id for d in lc.DECISIONS}  # a record's own, or the criteria's


def test_every_decision_in_reading_records_is_registered_and_used() -> None:
    import liverfail_criteria as lc
    from liverfail_criteria.records import OMOP_DECISIONS
    from liverfail_criteria.records.omop import OMOP_DECISIONS as FROM_OMOP

    registered = {d.id: d for d in lc.DECISIONS}
    assert len(registered) == len(lc.DECISIONS), "decision ids are unique across the registry"
    assert FROM_OMOP is OMOP_DECISIONS
    for d in RECORD_DECISIONS + OMOP_DECISIONS:
        assert registered.get(d.id) is d
        assert d.title and d.decision and d.rationale and d.alternative, d.id
    used = {i for d in DERIVATIONS.values() for i in d.decisions}
    # Each is applied by some derivation, but the one on the facts no record holds.
    assert {d.id for d in RECORD_DECISIONS} - used == {"record-stated-only"}


def test_every_decision_id_named_in_the_records_code_is_registered() -> None:
    # Any 'record-…' or 'omop-…' id written in records/ (a derivation, a docstring, a
    # message) must be a decision of lc.DECISIONS, and so on the decisions page.
    import re
    from pathlib import Path

    import liverfail_criteria as lc
    from liverfail_criteria.records import decisions as module

    ids = {d.id for d in lc.DECISIONS}
    named: set[str] = set()
    for path in Path(module.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        named |= set(
            re.findall(r"[`\"'((](?P<id>(?:record|omop)-[a-z0-9]+(?:-[a-z0-9]+)*)(?![\w-])", text)
        )
    assert len(named) >= 10  # the scan finds them
    assert named <= ids, sorted(named - ids)


def test_drug_abuse_facts_name_the_use_code_decision() -> None:
    for fact in ("drug_abuse_past_year", "last_drug_abuse_date"):
        assert "record-drug-use-codes" in DERIVATIONS[fact].decisions
    assert "record-drug-use-codes" in {d.id for d in lc.DECISIONS}
