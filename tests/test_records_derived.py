"""Derivations over several records: PaO2 and FiO2 of one blood gas."""

from __future__ import annotations

from typing import Any

import pytest

import liverfail_criteria as lc
from fhir_build import both, bundle, obs

pl = pytest.importorskip("polars")


def gas(rid: str, pao2_at: str, fio2_at: str | None, pao2: float = 55.0, fio2: float = 0.5):
    out = [obs(f"{rid}-pao2", "2703-7", pao2_at, valueQuantity={"value": pao2, "code": "mm[Hg]"})]
    if fio2_at is not None:
        out.append(obs(f"{rid}-fio2", "3150-0", fio2_at, valueQuantity={"value": fio2}))
    return out


def pair(rec: Any, row: dict[str, Any]) -> tuple[Any, ...]:
    """(pao2 source, fio2 source) of the record, checked equal to the table's."""
    got = tuple(rec[f].origin.source if f in rec else None for f in ("pao2", "fio2"))
    assert got == (row["pao2_source"], row["fio2_source"])
    return got


@pytest.mark.parametrize(
    ("fio2_at", "paired"),
    [
        ("2026-10-19T08:00:00Z", True),  # the same time: one blood gas
        ("2026-10-19T07:00:00Z", True),  # 60 minutes before: the edge counts
        ("2026-10-19T06:59:00Z", False),  # 61 minutes before
        ("2026-10-19T08:01:00Z", False),  # after the sample: not the FiO2 it was drawn on
    ],
)
def test_fio2_pairs_with_pao2_at_the_same_time_or_up_to_an_hour_before(
    fio2_at: str, paired: bool
) -> None:
    rec, row = both(bundle(*gas("g", "2026-10-19T08:00:00Z", fio2_at)))
    expected = ("Observation/g-pao2", "Observation/g-fio2") if paired else (None, None)
    assert pair(rec, row) == expected
    if not paired:
        assert "3150-0" in rec.searched["fio2"] and "60 minutes" in rec.searched["pao2"]


def test_an_unpaired_latest_pao2_is_not_paired_with_another_days_fio2() -> None:
    b = bundle(
        *gas("old", "2026-10-17T08:00:00Z", "2026-10-17T08:00:00Z", pao2=80.0, fio2=0.3),
        *gas("new", "2026-10-19T08:00:00Z", None),  # no FiO2 with it
        obs("fio2-18", "3150-0", "2026-10-18T12:00:00Z", valueQuantity={"value": 0.6}),
    )
    rec, row = both(b)
    assert pair(rec, row) == ("Observation/old-pao2", "Observation/old-fio2")  # the latest pair
    # The tree's oxygenation leaf reads the pair, each value with its source.
    tree = lc.evaluate(rec).tree
    facts = {f.name: f for n in tree.walk() if n.observed for f in n.observed.facts}
    assert facts["pao2"].origin.source == "Observation/old-pao2"
    assert facts["fio2"].origin.source == "Observation/old-fio2"


def test_the_latest_fio2_before_the_sample_is_its_partner() -> None:
    b = bundle(
        *gas("g", "2026-10-19T08:00:00Z", "2026-10-19T07:10:00Z", fio2=0.3),
        obs("set", "3150-0", "2026-10-19T07:50:00Z", valueQuantity={"value": 0.6}),
    )
    rec, row = both(b)
    assert pair(rec, row) == ("Observation/g-pao2", "Observation/set")
    assert rec["fio2"].value == 0.6
