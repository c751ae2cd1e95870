"""The vectorised interpreter of derivations: polars, every patient at once.

The same steps as the reference (:mod:`.reference`), as polars expressions over the
whole event relation; the tests check the two agree value for value and source for
source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..dictionary import VARIABLES
from ..extras import require
from ..units import MAGNITUDE_RANGE
from .catalog import DERIVATIONS, ONE_GAS
from .codes import CodeSet
from .nodes import AnyOf, Derivation, Derive, Paired, Read, Select, Take, Trend
from .schema import ICD10, ICD10_CM

__all__ = ["derive_frame", "one_blood_gas"]


def _pl() -> Any:
    return require("polars", extra="cohort", feature="lc.from_fhir")


def _code_match(pl: Any, sets: tuple[CodeSet, ...]) -> Any:
    expr = pl.lit(False)
    for s in sets:
        key = pl.col("_ncode")
        hit = key.is_in(sorted(s.exact()))
        for prefix in s.prefixes():
            hit = hit | key.str.starts_with(prefix)
        expr = expr | ((pl.col("system") == s.system) & hit)
    return expr


def _in(pl: Any, column: str, allowed: tuple[str | None, ...]) -> Any:
    values = [a for a in allowed if a is not None]
    expr = pl.col(column).is_in(values)
    if None in allowed:
        expr = expr | pl.col(column).is_null()
    return expr.fill_null(False)


def _selected(pl: Any, events: Any, d: Derive | Trend | Paired, days: int | None) -> Any:
    return _selected_rows(pl, events, d.select, days)


def _selected_rows(pl: Any, events: Any, sel: Select, days: int | None) -> Any:
    cond = (
        (pl.col("kind") == sel.kind) & _in(pl, "status", sel.statuses) & _code_match(pl, sel.codes)
    )
    if sel.verifications is not None:
        cond = cond & _in(pl, "verification", sel.verifications)
    answers = sel.value_tokens()
    if answers is not None:
        cond = cond & pl.col("value_text").is_in(list(answers)).fill_null(False)
    day = pl.col("_day")
    if days is None:
        cond = cond & (day.is_null() | (day <= pl.col("_assessed")))
    else:
        start = pl.col("_assessed") - pl.duration(days=days)
        cond = cond & day.is_not_null() & (day <= pl.col("_assessed")) & (day >= start)
    rows = events.filter(cond)
    rows = rows.sort(["patient_id", "source", "system", "code", "value_text"]).unique(
        ["patient_id", "source"], keep="first", maintain_order=True
    )
    return rows.sort(["patient_id", "time", "source"], nulls_last=False)


def _trend(pl: Any, rows: Any, d: Trend) -> Any:
    spec = VARIABLES[d.value_fact].value_type.unit
    assert spec is not None
    units = rows.select(pl.col("unit").drop_nulls().unique()).to_series().to_list()
    factors = {}
    for u in units:
        try:
            factors[u] = spec.convert(f"1 {u}", d.value_fact)[0]
        except ValueError:
            continue
    factor = pl.col("unit").replace_strict(
        list(factors), list(factors.values()), default=None, return_dtype=pl.Float64
    )
    # a value out of MAGNITUDE_RANGE is not read, as the reference's conversion refuses it
    value = pl.col("value")
    sized = (value == 0) | value.abs().is_between(*MAGNITUDE_RANGE)
    ok = rows.with_columns(_v=value * factor).filter(
        pl.col("time").is_not_null()
        & pl.col("_v").is_not_null()
        & pl.col("comparator").is_null()
        & sized
    )
    ends = ok.group_by("patient_id", maintain_order=True).agg(
        pl.col("_v").first().alias("_v0"),
        pl.col("_v").last().alias("_v1"),
        pl.col("_day").first().alias("_d0"),
        pl.col("_day").last().alias("_d1"),
        pl.col("source").last().alias("source"),
        pl.col("source").first().alias("_first"),
        pl.len().alias("_n"),
    )
    days = (pl.col("_d1") - pl.col("_d0")).dt.total_days()
    rise = (pl.col("_v1") - pl.col("_v0")) / days
    return ends.filter((pl.col("_n") >= 2) & (days > 0)).select(
        "patient_id",
        (rise >= d.min_daily_rise).alias("value"),
        pl.col("source"),
        pl.col("_first"),
    )


def derive_frame(
    events: Any,
    assessed: Any,
    params: Mapping[str, int] | None = None,
    derivations: Mapping[str, Derivation] = DERIVATIONS,
) -> dict[str, Any]:
    """Every derivation for every patient.

    Args:
        events: the event relation (polars DataFrame).
        assessed: a DataFrame of ``patient_id`` and ``_assessed`` (Date).
        params: window parameters, in days.
        derivations: the derivations.

    Returns:
        Fact name -> a DataFrame, one row per patient found: ``patient_id``, ``value``
        (Float64, Date or Boolean), and for values ``unit``, ``comparator``; always
        ``source``, ``time``, ``system``, ``code``.
    """
    pl = _pl()
    ncode = (
        pl.when(pl.col("system").is_in([ICD10, ICD10_CM]))
        .then(
            pl.col("code")
            .str.strip_chars()
            .str.replace_all(".", "", literal=True)
            .str.to_uppercase()
        )
        .otherwise(pl.col("code").str.strip_chars())
    )
    ev = events.join(assessed, on="patient_id", how="inner").with_columns(
        _ncode=ncode, _day=pl.col("time").dt.date()
    )
    out: dict[str, Any] = {}
    for fact, d in derivations.items():
        if isinstance(d, AnyOf):  # the first part, in order, that finds one
            parts = [
                _taken(pl, ev, part, params).with_columns(_part=pl.lit(i))
                for i, part in enumerate(d.parts)
            ]
            out[fact] = (
                pl.concat(parts, how="vertical_relaxed")
                .sort(["patient_id", "_part"])
                .unique("patient_id", keep="first", maintain_order=True)
                .drop("_part")
            )
            continue
        if isinstance(d, Trend):
            days = d.window.resolve(dict(params) if params else None)
            out[fact] = _trend(pl, _selected(pl, ev, d, days), d)
            continue
        if isinstance(d, Paired):
            out[fact] = _paired(pl, ev, d, params)
            continue
        out[fact] = _taken(pl, ev, d, params)
    return out


_COLUMNS = ("value", "unit", "comparator", "source", "time", "system", "code", "value_text")


def _paired(pl: Any, ev: Any, d: Paired, params: Mapping[str, int] | None) -> Any:
    """One Paired for every patient: the latest anchor with a partner, and that partner."""
    days = d.window.resolve(dict(params) if params else None)
    anchors = _selected(pl, ev, d, days).filter(pl.col("time").is_not_null())
    partners = _selected_rows(pl, ev, d.partner, days).filter(pl.col("time").is_not_null())
    a = anchors.select("patient_id", *_COLUMNS)
    p = partners.select("patient_id", *(pl.col(c).alias(f"_p_{c}") for c in _COLUMNS))
    tolerance = pl.duration(minutes=d.tolerance_minutes)
    pairs = (
        a.join(p, on="patient_id", how="inner")
        .filter(
            (pl.col("_p_time") <= pl.col("time"))
            & (pl.col("_p_time") >= pl.col("time") - tolerance)
        )
        # per anchor, its latest partner; per patient, the latest anchor that has one
        .sort(["patient_id", "time", "source", "_p_time", "_p_source"])
        .group_by("patient_id", maintain_order=True)
        .agg(pl.all().last())
    )
    if d.read_partner:
        return pairs.select("patient_id", *(pl.col(f"_p_{c}").alias(c) for c in _COLUMNS))
    return pairs.select("patient_id", *_COLUMNS)


def _taken(pl: Any, ev: Any, d: Derive, params: Mapping[str, int] | None) -> Any:
    """One Derive for every patient: the row taken and its value."""
    days = d.window.resolve(dict(params) if params else None)
    rows = _selected(pl, ev, d, days)
    grouped = rows.group_by("patient_id", maintain_order=True)
    if d.take is Take.EARLIEST:
        taken = grouped.agg(pl.all().first())
    else:
        taken = grouped.agg(pl.all().last())
    if d.read is Read.DATE:
        taken = taken.filter(pl.col("_day").is_not_null()).with_columns(value=pl.col("_day"))
    elif d.read is Read.PRESENT:
        taken = taken.with_columns(value=pl.lit(True))
    elif d.read is Read.NUMBER:
        counts = rows.group_by("patient_id").agg(pl.len().cast(pl.Float64).alias("value"))
        taken = taken.drop("value").join(counts, on="patient_id")
    return taken.select(
        "patient_id",
        "value",
        "unit",
        "comparator",
        "source",
        "time",
        "system",
        "code",
        "value_text",
    )


def one_blood_gas(derived: dict[str, Any]) -> dict[str, Any]:
    """The derived facts with the earlier of two blood gases left out (see the reference).

    A patient's reported PaO2/FiO2 ratio and PaO2-FiO2 pair at different times: the
    later is kept, the other removed (:func:`.reference.one_blood_gas`).
    """
    pl = _pl()
    ratio, pao2, fio2 = ONE_GAS
    if not all(f in derived for f in ONE_GAS):
        return derived
    times = (
        derived[ratio]
        .select("patient_id", pl.col("time").alias("_tr"))
        .join(derived[pao2].select("patient_id", pl.col("time").alias("_tp")), on="patient_id")
    )
    later_ratio = times.filter(pl.col("_tr") > pl.col("_tp")).select("patient_id")
    later_pair = times.filter(pl.col("_tp") > pl.col("_tr")).select("patient_id")
    out = dict(derived)
    out[ratio] = derived[ratio].join(later_pair, on="patient_id", how="anti")
    for fact in (pao2, fio2):
        out[fact] = derived[fact].join(later_ratio, on="patient_id", how="anti")
    return out
