"""FHIR R4 resources flattened into the event relation, checked against a documented subset.

Only what derivations read is checked, and checked strictly (a hand-written subset of
the R4 structure definitions; see the guide for the measurement against
``fhir.resources``):

* every resource: ``resourceType`` a string, ``id`` a non-empty string;
* Patient: ``gender`` a string if present; ``birthDate`` a date (a partial date gives
  no birth date);
* Observation: ``status`` a string; ``code.coding`` a list of codings with ``system``
  and ``code`` strings; ``subject.reference`` ``"Patient/<id>"``; ``valueQuantity``
  with a number ``value`` (and optional ``comparator``, ``unit``, ``code``), or
  ``valueString`` (a number with an optional comparator and unit, "< 20 10*9/L", is
  read as one, by the parser of lab extracts' text values; other text is kept and
  reported unreadable where a fact needs it), or ``valueCodeableConcept`` (one row per
  coding, ``value_text`` ``"<system>|<code>"``); ``effectiveDateTime``, or
  ``effectivePeriod.start``, a FHIR dateTime. A qualitative test the library reads
  (:data:`~.codesets.QUALITATIVE_TESTS`) must carry a coded answer it knows (positive
  or negative): any other value is a problem, reported with the resource's id;
* Condition: ``subject.reference``; ``code.coding``; ``clinicalStatus`` and
  ``verificationStatus`` codings; ``onsetDateTime`` or ``onsetPeriod.start``; with no
  onset at all, ``recordedDate`` (its ``value_text`` is then ``"recordedDate"``, so the
  provenance says which date it is).

A resource that breaks the subset is a :class:`Problem` (its id and the reason),
never dropped silently and never stopping the others. Other resource types are
counted and skipped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from .codes import matches
from .codesets import NEGATIVE_ANSWERS, POSITIVE_ANSWERS, QUALITATIVE_TESTS
from .nodes import value_token
from .schema import CONDITION, OBSERVATION
from .value import COMPARATORS, parse_text_value

_QUALITATIVE = tuple(s for sets in QUALITATIVE_TESTS.values() for s in sets)
_ANSWERS = POSITIVE_ANSWERS + NEGATIVE_ANSWERS

__all__ = ["Demographic", "Event", "Problem", "flatten", "flatten_all", "parse_time"]


class Event(NamedTuple):
    """One row of the event relation (see :data:`~.schema.EVENT_COLUMNS`)."""

    patient_id: str
    kind: str
    system: str
    code: str
    status: str | None
    verification: str | None
    time: dt.datetime | None
    value: float | None
    value_text: str | None
    comparator: str | None
    unit: str | None
    source: str


class Demographic(NamedTuple):
    """One row of the demographics relation."""

    patient_id: str
    birth_date: dt.date | None
    sex: str | None
    source: str


class Problem(NamedTuple):
    """A resource that could not be read, and why."""

    source: str
    reason: str


class _Bad(Exception):
    pass


_DATETIME = re.compile(
    r"^(?P<y>[0-9]{4})(-(?P<m>[0-9]{2})(-(?P<d>[0-9]{2})"
    r"(T(?P<t>[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)(?P<z>Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?$"
)


def parse_time(text: object, field: str) -> dt.datetime | None:
    """A FHIR date or dateTime as a UTC datetime; ``None`` for a partial date.

    A date without a time is midnight UTC of that date; a time without an offset is
    taken as UTC. Raises ``_Bad`` for text that is not a FHIR date.
    """
    if not isinstance(text, str):
        raise _Bad(f"{field} is {text!r}, not a date")
    m = _DATETIME.match(text.strip())
    if m is None:
        raise _Bad(f"{field} {text!r} is not a FHIR dateTime")
    if m["d"] is None:
        return None  # a year or a month: no date
    try:
        if m["t"] is None:
            day = dt.date(int(m["y"]), int(m["m"]), int(m["d"]))
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise _Bad(f"{field} {text!r}: {exc}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _str(resource: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = resource.get(key)
    if value is None:
        if required:
            raise _Bad(f"no {key}")
        return None
    if not isinstance(value, str) or not value.strip():
        raise _Bad(f"{key} is {value!r}, not a string")
    return value.strip()


def _codings(concept: object, field: str) -> list[tuple[str, str]]:
    if not isinstance(concept, dict):
        raise _Bad(f"{field} is {concept!r}, not a CodeableConcept")
    codings = concept.get("coding", [])
    if not isinstance(codings, list):
        raise _Bad(f"{field}.coding is not a list")
    out = []
    for c in codings:
        if not isinstance(c, dict):
            raise _Bad(f"{field}.coding holds {c!r}")
        system, code = c.get("system"), c.get("code")
        if system is None or code is None:
            continue  # a local coding without a system: not one we can match
        if not isinstance(system, str) or not isinstance(code, str):
            raise _Bad(f"{field}.coding has system {system!r} and code {code!r}")
        out.append((system.strip(), code.strip()))
    return out


def _status_code(concept: object, field: str) -> str | None:
    if concept is None:
        return None
    codes = _codings(concept, field)
    return codes[0][1] if codes else None


def _subject(resource: dict[str, Any]) -> str:
    subject = resource.get("subject")
    ref = subject.get("reference") if isinstance(subject, dict) else None
    if not isinstance(ref, str) or not ref.startswith("Patient/") or len(ref) <= 8:
        raise _Bad(f"subject is {subject!r}, not a reference to a Patient")
    return ref[8:]


def _time(resource: dict[str, Any], prefix: str) -> dt.datetime | None:
    if f"{prefix}DateTime" in resource:
        return parse_time(resource[f"{prefix}DateTime"], f"{prefix}DateTime")
    period = resource.get(f"{prefix}Period")
    if period is not None:
        if not isinstance(period, dict):
            raise _Bad(f"{prefix}Period is {period!r}")
        if "start" in period:
            return parse_time(period["start"], f"{prefix}Period.start")
    instant = resource.get("effectiveInstant") if prefix == "effective" else None
    if instant is not None:
        return parse_time(instant, "effectiveInstant")
    return None


def _observation(r: dict[str, Any], source: str) -> list[Event]:
    patient = _subject(r)
    status = _str(r, "status", required=True)
    codes = _codings(r.get("code"), "code")
    if not codes:
        return []
    time = _time(r, "effective")
    value = text = comparator = unit = None
    q = r.get("valueQuantity")
    if q is not None:
        if not isinstance(q, dict):
            raise _Bad(f"valueQuantity is {q!r}")
        v = q.get("value")
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
            raise _Bad(f"valueQuantity.value is {v!r}, not a number")
        value = None if v is None else float(v)
        comp = q.get("comparator")
        if comp is not None:
            if comp not in COMPARATORS:
                raise _Bad(f"valueQuantity.comparator is {comp!r}")
            comparator = COMPARATORS[comp]
        ucum = q.get("code") if q.get("system") in (None, "http://unitsofmeasure.org") else None
        unit = ucum if isinstance(ucum, str) and ucum.strip() else q.get("unit")
        if unit is not None and not isinstance(unit, str):
            raise _Bad(f"valueQuantity.unit is {unit!r}")
        unit = unit.strip() or None if unit is not None else None
    elif "valueString" in r:
        text = _str(r, "valueString")
        parsed = None if text is None else parse_text_value(text)
        if parsed is not None:
            comparator, value, unit = parsed
            text = None
    answers: list[str | None] = [text]
    concept = r.get("valueCodeableConcept")
    if concept is not None:
        coded = _codings(concept, "valueCodeableConcept")
        answers = [value_token(system, code) for system, code in coded]
        if not answers:
            label = concept.get("text") if isinstance(concept, dict) else None
            answers = [label.strip() if isinstance(label, str) and label.strip() else None]
    if any(matches(_QUALITATIVE, s, c) for s, c in codes):
        known: list[str | None] = [a for a in answers if a is not None and _is_answer(a)]
        if not known:
            shown = ", ".join(repr(a) for a in answers if a is not None) or "no value"
            raise _Bad(
                f"a qualitative test ({codes[0][1]}) with {shown}: expected a coded answer "
                "(valueCodeableConcept, SNOMED CT or LOINC: detected, not detected, positive, "
                "negative)"
            )
        answers = known
    return [
        Event(
            patient, OBSERVATION, s, c, status, None, time, value, answer, comparator, unit, source
        )
        for s, c in codes
        for answer in answers
    ]


def _is_answer(token: str) -> bool:
    system, _, code = token.partition("|")
    return bool(code) and matches(_ANSWERS, system, code)


def _condition(r: dict[str, Any], source: str) -> list[Event]:
    patient = _subject(r)
    codes = _codings(r.get("code"), "code")
    clinical = _status_code(r.get("clinicalStatus"), "clinicalStatus")
    verification = _status_code(r.get("verificationStatus"), "verificationStatus")
    time = _time(r, "onset")
    dated_by = None
    if not any(key in r for key in _ONSETS) and "recordedDate" in r:
        # No onset at all: the recorded date (decision record-recorded-date).
        time, dated_by = parse_time(r["recordedDate"], "recordedDate"), RECORDED
    return [
        Event(
            patient,
            CONDITION,
            s,
            c,
            clinical,
            verification,
            time,
            None,
            dated_by,
            None,
            None,
            source,
        )
        for s, c in codes
    ]


_ONSETS = ("onsetDateTime", "onsetPeriod", "onsetAge", "onsetRange", "onsetString")
#: ``value_text`` of a Condition dated by its recordedDate (it has no onset).
RECORDED = "recordedDate"


def _patient(r: dict[str, Any], source: str, rid: str) -> Demographic:
    gender = _str(r, "gender")
    birth = r.get("birthDate")
    born = None
    if birth is not None:
        t = parse_time(birth, "birthDate")
        if isinstance(birth, str) and "T" in birth:
            raise _Bad(f"birthDate {birth!r} is not a date")
        born = None if t is None else t.date()
    return Demographic(rid, born, gender, source)


def flatten(resource: object) -> tuple[list[Event], Demographic | None, Problem | None]:
    """One resource as event rows, a demographics row, or a problem."""
    if not isinstance(resource, dict):
        return [], None, Problem("(not a resource)", f"{type(resource).__name__}, not an object")
    kind, rid = resource.get("resourceType"), resource.get("id")
    source = f"{kind}/{rid}"
    try:
        if not isinstance(kind, str):
            raise _Bad(f"resourceType is {kind!r}")
        if not isinstance(rid, str) or not rid.strip():
            raise _Bad(f"id is {rid!r}, not a non-empty string")
        if kind == "Observation":
            return _observation(resource, source), None, None
        if kind == "Condition":
            return _condition(resource, source), None, None
        if kind == "Patient":
            return [], _patient(resource, source, rid), None
    except _Bad as exc:
        return [], None, Problem(source, str(exc))
    return [], None, None


def flatten_all(
    resources: Iterable[object],
) -> tuple[list[Event], list[Demographic], list[Problem]]:
    """Every resource flattened: the events, the demographics and the problems."""
    events: list[Event] = []
    people: list[Demographic] = []
    problems: list[Problem] = []
    for r in resources:
        rows, person, problem = flatten(r)
        events.extend(rows)
        if person is not None:
            people.append(person)
        if problem is not None:
            problems.append(problem)
    return events, people, problems


def bundle_resources(bundle: object) -> Iterator[object]:
    """The resources of a Bundle's entries (a Bundle's own shape checked)."""
    from ..errors import CriteriaInputError

    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise CriteriaInputError("bundle", _short(bundle), "a FHIR Bundle (resourceType Bundle)")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise CriteriaInputError("bundle.entry", _short(entries), "a list of entries")
    for e in entries:
        yield e.get("resource") if isinstance(e, dict) else e


def _short(x: object) -> str:
    text = repr(x)
    return text if len(text) < 80 else text[:77] + "..."
