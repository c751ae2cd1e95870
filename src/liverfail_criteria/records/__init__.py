"""From clinical records to facts: the event relation, code sets and derivations.

Design note (for every interpreter of derivations: the per-patient reference in
Python, the vectorised one in polars, SQL over OMOP).

1. **One relation.** Every source is flattened into the event relation
   (:data:`~.schema.EVENT_COLUMNS`: ``patient_id, kind, system, code, status,
   verification, time, value, value_text, comparator, unit, source``) and the
   demographics relation (:data:`~.schema.DEMOGRAPHIC_COLUMNS`: ``patient_id,
   birth_date, sex, source``). A resource with several codings is one row per
   coding, all with the same ``source``. ``birth_date`` and ``sex`` are copied to the
   facts as they are; ``assessment_date`` is the caller's, one date or one per patient.
2. **A derivation per fact** (:data:`~.catalog.DERIVATIONS`, fact name ->
   :class:`~.nodes.Derive`, :class:`~.nodes.Trend`, :class:`~.nodes.Paired` or
   :class:`~.nodes.AnyOf`). To compute one for all patients:

   a. *select*: rows with ``kind = select.kind``, whose ``(system, code)`` is in any of
      ``select.codes`` (compare :func:`~.schema.normalise_code` of the code with
      ``CodeSet.exact()``, or ``startswith`` any of ``CodeSet.prefixes()``), whose
      ``status`` is in ``select.statuses`` (``None`` there: a null status counts) and,
      if ``select.verifications`` is not ``None``, whose ``verification`` is in it
      (same rule for null); and, if ``select.values`` is not ``None`` (a qualitative
      test), whose ``value_text`` is one of ``select.value_tokens()``;
   b. *deduplicate* by ``(patient_id, source)``: one row per source, the one with the
      smallest ``(system, code, value_text)`` (null ``value_text`` as empty; they
      differ only in the coding; this one is named in the provenance);
   c. *window*: with ``d = window.resolve(params)``, the event's date is
      ``CAST(time AT TIME ZONE 'UTC' AS DATE)``; keep ``date <= assessment_date`` and,
      when ``d`` is not ``None``, ``date >= assessment_date - d days`` (both ends
      inclusive). When ``d`` is ``None`` rows with a null ``time`` are kept too; with a
      bound, they are dropped;
   d. *take*: order by ``(time, source)`` (null times first); ``LATEST`` is the last
      row, ``EARLIEST`` the first (``ROW_NUMBER() OVER (PARTITION BY patient_id ORDER
      BY time DESC NULLS LAST, source DESC)``); ``ANY`` is whether a row exists;
      ``COUNT`` the number of sources;
   e. *read*: ``VALUE`` gives ``value, comparator, unit`` (and ``value_text`` when
      ``value`` is null) of the row taken: conversion to the fact's canonical unit
      happens after, with the fact's :class:`~liverfail_criteria.UnitSpec`; a row
      whose unit is missing or does not fit is *invalid*: reported, not used, and
      not replaced by an earlier row. ``DATE`` gives ``date(time)`` (null time: no
      date). ``PRESENT`` gives true when a row exists, else null (never false).
   f. :class:`~.nodes.Trend`: after (a)-(c) keep rows with a readable, uncensored
      value, convert them, take the earliest and latest by ``(time, source)``; with
      dates ``d0 < d1`` the fact is ``(v1 - v0) / (d1 - d0) >= min_daily_rise``;
      unknown (null) when the dates are equal or there are fewer than two rows;
   g. :class:`~.nodes.Paired` (PaO2 and FiO2): (a)-(c) for the anchors and, with
      ``partner``, for the partners, both with a non-null time; pair each anchor with
      the partners timed ``anchor.time - tolerance_minutes <= time <= anchor.time``,
      take the latest pair by the anchor's ``(time, source)``, then the partner's; read
      the anchor's value, or the partner's with ``read_partner``;
   h. :class:`~.nodes.AnyOf`: each part (a presence derivation) in order; true with
      the first part that finds a row, whose source it names; else null.
3. **Provenance**: each derived value keeps the ``source``, ``time``, ``system``,
   ``code``, ``value``/``value_text``, ``comparator`` and ``unit`` of its row; a missing
   fact keeps what was searched (the code sets and the window).
4. **Censored values**: ``comparator`` ``<``/``<=``/``>``/``>=`` makes the value an
   interval; the criteria compare intervals three-valued.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes

if TYPE_CHECKING:
    from .catalog import DERIVATIONS, STATED_ONLY, derivation
    from .codes import Code, CodeSet
    from .decisions import OMOP_DECISIONS, RECORD_DECISIONS, RECORD_PARAMETERS
    from .nodes import AnyOf, Derivation, Derive, Paired, Read, Select, Take, Trend, Window
    from .schema import DEMOGRAPHIC_COLUMNS, EVENT_COLUMNS, Column

#: Each public name's module, imported on first use: ``import liverfail_criteria`` reads
#: only what evaluating a mapping needs (:mod:`.value`, :mod:`.decisions`), not the code
#: sets and derivations (about a fifth of the package's import time).
_WHERE = {
    **dict.fromkeys(("DERIVATIONS", "STATED_ONLY", "derivation"), "catalog"),
    **dict.fromkeys(("Code", "CodeSet"), "codes"),
    **dict.fromkeys(("OMOP_DECISIONS", "RECORD_DECISIONS", "RECORD_PARAMETERS"), "decisions"),
    **dict.fromkeys(
        ("AnyOf", "Derivation", "Derive", "Paired", "Read", "Select", "Take", "Trend", "Window"),
        "nodes",
    ),
    **dict.fromkeys(("DEMOGRAPHIC_COLUMNS", "EVENT_COLUMNS", "Column"), "schema"),
}


__getattr__ = lazy_attributes(__name__, _WHERE)


__all__ = [
    "DEMOGRAPHIC_COLUMNS",
    "DERIVATIONS",
    "EVENT_COLUMNS",
    "OMOP_DECISIONS",
    "RECORD_DECISIONS",
    "RECORD_PARAMETERS",
    "STATED_ONLY",
    "AnyOf",
    "Code",
    "CodeSet",
    "Column",
    "Derivation",
    "Derive",
    "Paired",
    "Read",
    "Select",
    "Take",
    "Trend",
    "Window",
    "derivation",
]
