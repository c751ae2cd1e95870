"""The per-patient reference interpreter of derivations: plain Python, one patient.

It reads one patient's events (:class:`~.fhir.Event` rows) as the package's design
note says, and is what the vectorised interpreter (:mod:`.frame`) is tested against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import NamedTuple

from ..dictionary import VARIABLES
from ..errors import CriteriaInputError
from .catalog import DERIVATIONS, ONE_GAS
from .codes import matches
from .fhir import Event
from .nodes import AnyOf, Derivation, Derive, Paired, Read, Select, Take, Trend, Window

__all__ = ["Found", "derive_patient", "describe", "one_blood_gas", "rule", "select_events"]


class Found(NamedTuple):
    """A derived fact: its value as a record holds it, and the event it came from.

    Attributes:
        value: a float (VALUE), a date (DATE) or a boolean (PRESENT, Trend).
        unit: the unit as written (VALUE).
        comparator: the comparator of a censored value (VALUE).
        event: the event it was read from (for a Trend, the latest).
        first: for a Trend, the earliest event compared.
    """

    value: float | dt.date | bool
    unit: str | None
    comparator: str | None
    event: Event
    first: Event | None = None


def rule(d: Derivation, params: Mapping[str, int] | None = None) -> str:
    """The rule of any derivation in words, with its windows resolved by ``params``."""
    if isinstance(d, AnyOf):
        return "; or ".join(rule(p, params) for p in d.parts)
    return describe(d, _window_days(d.window, params))


def _codes_text(sel: Select) -> str:
    listed = (f"{c.code}{'*' if c.descendants else ''}" for s in sel.codes for c in s.codes)
    return ", ".join(dict.fromkeys(listed))


def describe(d: Derive | Trend | Paired, days: int | None) -> str:
    """The rule of a derivation in words: codes, statuses and window."""
    codes = _codes_text(d.select)
    window = (
        "any time up to the assessment date"
        if days is None
        else f"within {days} days up to and including the assessment date"
    )
    what = {Take.LATEST: "the latest", Take.EARLIEST: "the earliest"}.get(
        d.take if isinstance(d, Derive) else Take.LATEST, "any"
    )
    if isinstance(d, Paired):
        whose = "the partner of " if d.read_partner else ""
        return (
            f"{whose}the latest observation coded {codes} that has one coded "
            f"{_codes_text(d.partner)} at the same time or at most {d.tolerance_minutes} "
            f"minutes before it, {window}"
        )
    if isinstance(d, Trend):
        return (
            f"rise of {d.value_fact} per day, earliest to latest, >= {d.min_daily_rise:g} "
            f"(codes {codes}; {window})"
        )
    answers = d.select.value_tokens()
    if answers is not None:
        shown = ", ".join(a.rpartition("|")[2] for a in answers)
        return f"{what} {d.select.kind} coded {codes} with a result {shown}, {window}"
    return f"{what} {d.select.kind} coded {codes}, {window}"


def _window_days(w: Window, params: Mapping[str, int] | None) -> int | None:
    return w.resolve(dict(params) if params else None)


def _sort_key(e: Event) -> tuple[int, dt.datetime, str]:
    if e.time is None:
        return (0, dt.datetime.min.replace(tzinfo=dt.UTC), e.source)
    return (1, e.time, e.source)


def select_events(
    d: Derive | Trend | Paired, events: Iterable[Event], assessment: dt.date, days: int | None
) -> list[Event]:
    """The events of one patient a derivation keeps, one per source, in (time, source) order."""
    return select_rows(d.select, events, assessment, days)


def select_rows(
    sel: Select, events: Iterable[Event], assessment: dt.date, days: int | None
) -> list[Event]:
    """The events of one patient a selection keeps, one per source, in (time, source) order."""
    answers = sel.value_tokens()
    by_source: dict[str, Event] = {}
    for e in events:
        if e.kind != sel.kind or e.status not in sel.statuses:
            continue
        if sel.verifications is not None and e.verification not in sel.verifications:
            continue
        if answers is not None and e.value_text not in answers:
            continue
        if not matches(sel.codes, e.system, e.code):
            continue
        if e.time is None:
            if days is not None:
                continue
        else:
            day = e.time.astimezone(dt.UTC).date()
            if day > assessment or (days is not None and day < assessment - dt.timedelta(days)):
                continue
        kept = by_source.get(e.source)
        if kept is None or _coding_key(e) < _coding_key(kept):
            by_source[e.source] = e
    return sorted(by_source.values(), key=_sort_key)


def _coding_key(e: Event) -> tuple[str, str, str]:
    # The row of a source named in the provenance: the smallest coding (then answer).
    return (e.system, e.code, e.value_text or "")


def _trend(d: Trend, rows: list[Event]) -> Found | None:
    spec = VARIABLES[d.value_fact].value_type.unit
    assert spec is not None
    readable = []
    for e in rows:
        if e.time is None or e.value is None or e.comparator is not None or e.unit is None:
            continue
        try:
            value, _ = spec.convert(f"{e.value!r} {e.unit}", d.value_fact)
        except CriteriaInputError:
            continue
        readable.append((e, value))
    if len(readable) < 2:
        return None
    (e0, v0), (e1, v1) = readable[0], readable[-1]
    days = (e1.time.date() - e0.time.date()).days  # type: ignore[union-attr]
    if days <= 0:
        return None
    return Found((v1 - v0) / days >= d.min_daily_rise, None, None, e1, e0)


def _value(e: Event) -> Found:
    if e.value is None:
        return Found(float("nan"), e.unit, e.comparator, e)  # unreadable: listed
    return Found(e.value, e.unit, e.comparator, e)


def _paired(
    d: Paired, events: list[Event], assessment: dt.date, params: Mapping[str, int] | None
) -> Found | None:
    days = _window_days(d.window, params)
    anchors = [e for e in select_events(d, events, assessment, days) if e.time is not None]
    partners = [e for e in select_rows(d.partner, events, assessment, days) if e.time]
    tolerance = dt.timedelta(minutes=d.tolerance_minutes)
    for anchor in reversed(anchors):  # the latest anchor with a partner
        assert anchor.time is not None
        start = anchor.time - tolerance
        near = [p for p in partners if p.time is not None and start <= p.time <= anchor.time]
        if near:
            return _value(near[-1] if d.read_partner else anchor)
    return None


def _any_of(
    d: AnyOf, events: list[Event], assessment: dt.date, params: Mapping[str, int] | None
) -> Found | None:
    for part in d.parts:
        rows = select_events(part, events, assessment, _window_days(part.window, params))
        if rows:
            return Found(True, None, None, rows[-1])
    return None


def derive_patient(
    events: Iterable[Event],
    assessment: dt.date,
    params: Mapping[str, int] | None = None,
    derivations: Mapping[str, Derivation] = DERIVATIONS,
) -> dict[str, Found | None]:
    """Every derivation for one patient: fact name -> what was found (``None``: nothing)."""
    events = list(events)
    out: dict[str, Found | None] = {}
    for fact, d in derivations.items():
        if isinstance(d, AnyOf):
            out[fact] = _any_of(d, events, assessment, params)
            continue
        if isinstance(d, Paired):
            out[fact] = _paired(d, events, assessment, params)
            continue
        days = _window_days(d.window, params)
        rows = select_events(d, events, assessment, days)
        if isinstance(d, Trend):
            out[fact] = _trend(d, rows)
            continue
        if not rows:
            out[fact] = None
            continue
        if d.read is Read.PRESENT:
            out[fact] = Found(True, None, None, rows[-1])
            continue
        if d.read is Read.NUMBER:
            out[fact] = Found(float(len(rows)), None, None, rows[-1])
            continue
        e = rows[-1] if d.take is Take.LATEST else rows[0]
        if d.read is Read.DATE:
            out[fact] = None if e.time is None else Found(e.time.date(), None, None, e)
            continue
        out[fact] = _value(e)
    return out


def one_blood_gas(found: Mapping[str, Found | None]) -> dict[str, str]:
    """The oxygenation facts left out because a later blood gas gave the others.

    A reported PaO2/FiO2 ratio and a PaO2-FiO2 pair at different times are two blood
    gases: the later is read. Returns fact name -> why it was left out (empty when they
    are one gas, or one of them is missing).
    """
    ratio_fact, pao2_fact, fio2_fact = ONE_GAS
    ratio, pao2 = found.get(ratio_fact), found.get(pao2_fact)
    if ratio is None or pao2 is None:
        return {}
    tr, tp = ratio.event.time, pao2.event.time
    if tr is None or tp is None or tr == tp:
        return {}
    if tr > tp:
        why = f"left out: the later blood gas {ratio.event.source} gives {ratio_fact}"
        return {pao2_fact: why, fio2_fact: why}
    return {ratio_fact: f"left out: the later blood gas {pao2.event.source} gives pao2 and fio2"}
