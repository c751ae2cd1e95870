"""Small FHIR resources and Bundles for tests, and both derivations of one patient."""

from __future__ import annotations

import warnings
from typing import Any

import liverfail_criteria as lc
from liverfail_criteria.records.api import RecordProblemsWarning

DAY = "2026-10-20"
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"


def obs(rid: str, code: str, when: str, **value: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "effectiveDateTime": when,
        **value,
    }


def cond(rid: str, system: str, code: str, onset: str | None = None) -> dict[str, Any]:
    r: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": system, "code": code}]},
    }
    if onset is not None:
        r["onsetDateTime"] = onset
    return r


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    entries = [{"resource": {"resourceType": "Patient", "id": "p", "gender": "male"}}]
    return {"resourceType": "Bundle", "entry": entries + [{"resource": r} for r in resources]}


def both(b: dict[str, Any], day: str = DAY) -> tuple[Any, Any]:
    """The record (reference) and the table row (vectorised) of one patient's bundle."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RecordProblemsWarning)
        rec = lc.record_from_fhir(b, assessment_date=day)
        table = lc.from_fhir(b, assessment_date=day)
    return rec, table.row(0, named=True)
