"""Derived facts made into a record (the mapping ``lc.evaluate`` reads) with provenance."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping

from ..dictionary import VARIABLES
from ..errors import CriteriaInputError
from ..result import Node, Origin
from .catalog import DERIVATIONS
from .fhir import Demographic, Problem
from .nodes import reads_value
from .record import Record
from .reference import Found, one_blood_gas, rule
from .value import Derived, split_comparator

__all__ = ["Record", "annotate", "make_record", "raw_value"]


def raw_value(found: Found) -> object:
    """A found value as a record holds it (``"<5 10*9/L"``, ``5.2``, a date, ``True``)."""
    v = found.value
    if isinstance(v, float):
        number = repr(v)
        if found.unit is not None:
            return f"{found.comparator or ''}{number} {found.unit}"
        return f"{found.comparator}{number}" if found.comparator else v
    return v


def _original(found: Found) -> str:
    e = found.event
    if isinstance(found.value, bool) and found.first is not None:
        return f"{found.first.value!r} {found.first.unit} then {e.value!r} {e.unit}"
    if e.kind == "condition":
        said = f"{e.code} ({e.status or 'no status'}, {e.verification or 'no verification'})"
        if e.value_text == "recordedDate":
            said += "; no onset: the time is its recorded date"
        return said
    if e.value is None and e.value_text is not None and "|" in e.value_text:
        return f"{e.code} result {e.value_text.rpartition('|')[2]} ({e.status or 'no status'})"
    text = e.value_text if e.value is None else repr(e.value)
    return f"{e.comparator or ''}{text} {e.unit or '(no unit)'}".strip()


def make_record(
    found: Mapping[str, Found | None],
    person: Demographic | None,
    assessment: dt.date,
    params: Mapping[str, int] | None = None,
    stated: Mapping[str, object] | None = None,
    problems: tuple[Problem, ...] = (),
) -> Record:
    """The record of one patient: demographics, derived facts and stated facts."""
    record = Record()
    record.searched, record.invalid, record.problems = {}, {}, problems
    if person is not None:
        record["id"] = person.patient_id
        if person.birth_date is not None:
            record["birth_date"] = person.birth_date
        if person.sex in ("male", "female"):
            record["sex"] = person.sex
    record["assessment_date"] = assessment
    left_out = one_blood_gas(found)
    for fact, f in found.items():
        d = DERIVATIONS[fact]
        searched = rule(d, params)
        if fact in left_out:  # another blood gas (decision record-blood-gas-pair)
            record.searched[fact] = f"{searched}; {left_out[fact]}"
            continue
        if f is None:
            record.searched[fact] = searched
            continue
        e = f.event
        origin = Origin(
            e.source,
            None if e.time is None else e.time.isoformat(),
            e.system,
            e.code,
            _original(f),
            searched,
        )
        if isinstance(f.value, float) and math.isnan(f.value):
            why = (
                f"{e.value_text!r} is not a number with an optional comparator and unit"
                if e.value_text is not None
                else "no value"
            )
            record.invalid[fact] = f"{e.source}: {why}"
            continue
        raw = raw_value(f)
        if reads_value(d):
            try:
                text = raw if not isinstance(raw, str) else split_comparator(raw)[1]
                VARIABLES[fact].parse(text)
            except CriteriaInputError as exc:
                record.invalid[fact] = f"{e.source}: {_original(f)}: {exc}"
                continue
        record[fact] = Derived(raw, origin)
    record.stated = tuple(stated or ())
    for name, value in (stated or {}).items():
        derived = record.get(name)
        if isinstance(derived, Derived) and value is not None:
            # A stated value beats a derived one; the tree says so, and what was derived.
            o = derived.origin
            note = f"stated by the caller; derived was {raw_text(derived.value)} from {o.source}"
            record[name] = Derived(value, Origin("stated", None, "", "", note, o.rule))
        else:
            record[name] = value
    return record


def raw_text(value: object) -> str:
    """A record value as text (``True`` as ``true``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def annotate(tree: Node, record: Record) -> Node:
    """The tree with each leaf left unknown by a fact not found saying what was searched.

    A leaf (a comparison or a fact) whose missing facts were searched for in the
    records, or found unreadable, gets a note: ``"total_bilirubin: searched the latest
    observation coded ..."``; the JSON form carries it as the node's ``note``.
    """
    children = tuple(annotate(c, record) for c in tree.children)
    notes = []
    if not tree.children:
        for name in tree.missing:
            if name in record.invalid:
                notes.append(f"{name}: not readable in the records ({record.invalid[name]})")
            elif name in record.searched:
                notes.append(f"{name}: not found in the records; searched {record.searched[name]}")
    if not notes and children == tree.children:
        return tree
    note = "; ".join(([tree.note] if tree.note else []) + notes) or None
    return tree._replace(children=children, note=note)
