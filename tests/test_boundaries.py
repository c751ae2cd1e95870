"""Every numeric boundary of the trial's criteria: just below, exactly at and just above.

The core property: floating-point rounding never flips a boundary. A boundary value
written exactly, in any accepted unit, gives the outcome of equality; a value one unit
in the last written place away gives the outcome of the side it lies on.

Expected outcomes are computed with exact rational arithmetic (:class:`Fraction`) from
the exact definitions of the units (UCUM year = 365.25 d, month = year / 12,
1 lb = 0.45359237 kg, 1 mmHg = 133.322387415 Pa, 1 mg/dL of bilirubin = 17.104 µmol/L),
never with floats; decimal strings are built with :class:`Decimal`.

The library rounds every converted value to 12 significant digits
(:func:`liverfail_criteria.units.quantise`), so a value that differs from a boundary
only beyond the 12th significant digit of its canonical value is, by design, read as
the boundary. The exhaustive tests assert that every neighbour they build lies outside
that band; the random properties leave the band out; and
:func:`test_over_precise_values_read_the_same_in_every_unit` checks that such rounding
at least does not depend on the unit a value is written in.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import liverfail_criteria as lc
from conftest import Engine
from liverfail_criteria.units import SIGNIFICANT_DIGITS, UnitSpec, specs
from records import ACLF_PATIENT, CLF_PATIENT, NO_EXCLUSIONS

MET, NOT_MET, UNKNOWN = lc.Outcome.MET, lc.Outcome.NOT_MET, lc.Outcome.UNKNOWN
TEN = Fraction(10)

# -- exact arithmetic --------------------------------------------------------------------


def is_terminating(q: Fraction) -> bool:
    """Whether ``q`` can be written exactly as a decimal."""
    d = q.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def odd_part(n: int) -> int:
    """``n`` without its factors 2 and 5."""
    n = abs(n)
    for p in (2, 5):
        while n and n % p == 0:
            n //= p
    return n


def to_decimal(q: Fraction) -> Decimal:
    """The exact decimal of a terminating fraction (no context rounding)."""
    assert is_terminating(q), q
    k = 0
    while (q * 10**k).denominator != 1:
        k += 1
    return Decimal(f"{(q * 10**k).numerator}E-{k}")


def plain(d: Decimal) -> str:
    """A decimal written out without exponent or trailing zeros: ``18``, ``0.085``."""
    s = format(d, "f")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def significant_digits(d: Decimal) -> int:
    return len(plain(d).replace("-", "").replace(".", "").strip("0")) or 1


def exp10(q: Fraction) -> int:
    """``floor(log10(|q|))``, exactly."""
    q, e = abs(q), 0
    assert q > 0
    while q >= 10:
        q, e = q / 10, e + 1
    while q < 1:
        q, e = q * 10, e - 1
    return e


def ulp(q: Fraction, digits: int) -> Fraction:
    """One unit in the ``digits``-th significant place of ``q``."""
    return TEN ** (exp10(q) - digits + 1)


def band(q: Fraction) -> Fraction:
    """One unit in the 12th significant digit of ``q``: the library's quantisation step."""
    return ulp(q, SIGNIFICANT_DIGITS)


def is_power_of_ten(f: Fraction) -> bool:
    return any(f == TEN**k for k in range(-15, 16))


def max_digits(factor: Fraction) -> int:
    """How many significant digits a written value may carry for exact tests.

    A unit that differs from the canonical one by a power of ten only shifts the
    decimal point: 12 digits (the library's precision) are exact. Any other factor can
    move a digit of the written value below the 12th digit of the converted one, so
    such units are tested with up to 10 written digits (a margin of two digits).
    """
    return SIGNIFICANT_DIGITS if is_power_of_ten(factor) else SIGNIFICANT_DIGITS - 2


# -- units: every spelling, and exactly how many canonical units one of it is ----------

BARE = ""  # a plain number, for dimensionless facts (INR, FiO2)
YEAR_IN_DAYS = Fraction("365.25")
KPA_PER_MMHG = Fraction("0.133322387415")
KG_PER_LB = Fraction("0.45359237")
UMOL_L_PER_MG_DL = Fraction("17.104")

UNITS: dict[UnitSpec, dict[str, Fraction]] = {
    specs.BILIRUBIN: {
        "umol/L": Fraction(1),
        "µmol/L": Fraction(1),  # micro sign
        "μmol/L": Fraction(1),  # Greek mu
        "umol/l": Fraction(1),
        "mg/dl": UMOL_L_PER_MG_DL,
        "mmol/L": Fraction(1000),
        "nmol/L": Fraction(1, 1000),
        "mg/dL": UMOL_L_PER_MG_DL,
        "mg/L": UMOL_L_PER_MG_DL / 10,
    },
    specs.MASS_CONCENTRATION: {
        "g/L": Fraction(1),
        "g/dL": Fraction(10),
        "g/dl": Fraction(10),
        "mg/dL": Fraction(1, 100),
        "mg/mL": Fraction(1),
        "mg/L": Fraction(1, 1000),
    },
    specs.PLATELETS: {
        "10*9/L": Fraction(1),
        "10*3/uL": Fraction(1),
        "/uL": Fraction(1, 1000),
        "/mm3": Fraction(1, 1000),
        "x10^9/L": Fraction(1),
        "×10⁹/L": Fraction(1),
        "10^3/µL": Fraction(1),
        "/mm³": Fraction(1, 1000),
        "10^9/L": Fraction(1),
        "x 10^9/L": Fraction(1),
        "/µL": Fraction(1, 1000),
        "/nL": Fraction(1),
        "G/L": Fraction(1),  # giga per litre (China, Europe)
        "K/uL": Fraction(1),  # thousands per microlitre (US)
        "K/µL": Fraction(1),
        "x10^3/uL": Fraction(1),
    },
    specs.PERCENT: {"%": Fraction(1), "percent": Fraction(1)},
    specs.NUMBER: {BARE: Fraction(1), "1": Fraction(1), "{INR}": Fraction(1)},
    specs.FRACTION: {BARE: Fraction(1), "1": Fraction(1), "%": Fraction(1, 100)},
    specs.PRESSURE: {
        "mm[Hg]": Fraction(1),
        "mmHg": Fraction(1),
        "mm Hg": Fraction(1),
        "kPa": 1 / KPA_PER_MMHG,
        "Pa": 1 / (KPA_PER_MMHG * 1000),
    },
    specs.MASS: {
        "kg": Fraction(1),
        "[lb_av]": KG_PER_LB,
        "lb": KG_PER_LB,
        "g": Fraction(1, 1000),
    },
    specs.YEARS: {
        "a": Fraction(1),
        "years": Fraction(1),
        "year": Fraction(1),
        "mo": Fraction(1, 12),
        "month": Fraction(1, 12),
        "months": Fraction(1, 12),
    },
    specs.DAYS: {
        "d": Fraction(1),
        "days": Fraction(1),
        "h": Fraction(1, 24),
        "wk": Fraction(7),
    },
}


def spec_of(fact: str) -> UnitSpec:
    unit = lc.VARIABLES[fact].type.unit
    assert unit is not None
    return unit


def write(d: Decimal, unit: str) -> str | float:
    """The usual way to write ``d`` in ``unit``."""
    if unit == BARE:
        return float(d)
    return f"{plain(d)} {unit}"


def spellings(d: Decimal, unit: str) -> list[object]:
    """Every way the same value ``d`` in ``unit`` may be written in a record."""
    text = plain(d)
    zeros = text + ("000" if "." in text else ".000")
    scientific = format(d, "e")
    number: float | int = int(d) if d == d.to_integral_value() else float(d)
    if unit == BARE:
        return [float(d), text, f"  {text} ", zeros, scientific, {"value": number}]
    forms: list[object] = [
        f"{text} {unit}",
        f"{zeros} {unit}",
        f"{scientific} {unit}",
        f"  {text}  {unit} ",
        {"value": number, "unit": unit},
        {"value": number, "code": unit, "system": "http://unitsofmeasure.org"},
    ]
    if not unit[0].isdigit():
        forms.append(f"{text}{unit}")
    return forms


# -- evaluating one criterion ------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """Where a fact is compared: a ruleset, a complete record and a criterion id."""

    ruleset: lc.Ruleset
    record: Mapping[str, object]
    criterion: str
    params: Mapping[str, object] | None = None

    def __str__(self) -> str:
        return self.criterion + (f" {dict(self.params)}" if self.params else "")


def record_facts(node: lc.Node) -> Iterator[lc.Fact]:
    for value in (node.observed, node.threshold):
        if value is not None:
            yield from value.facts


def comparison(criterion: lc.Node, fact: str, near: float | None = None) -> lc.Node:
    """The comparison node of ``criterion`` that reads ``fact`` (threshold nearest ``near``)."""
    nodes = [
        n
        for n in criterion.walk()
        if n.kind == "compare" and any(f.name == fact for f in record_facts(n))
    ]
    assert nodes, f"no comparison of {fact} under {criterion.id}"
    if near is None or len(nodes) == 1:
        return nodes[0]
    return min(nodes, key=lambda n: abs(float(n.threshold.value) - near))


def observe(
    site: Site, changes: Mapping[str, object], fact: str, near: float | None = None
) -> tuple[lc.Outcome, lc.Node]:
    """The criterion's outcome, and the comparison node that reads ``fact``."""
    record = {**site.record, **changes}
    result = lc.evaluate(record, site.ruleset, params=site.params)
    node = result.tree.find(site.criterion)
    return node.outcome, comparison(node, fact, near)


# -- the boundaries ----------------------------------------------------------------------


@dataclass(frozen=True)
class Boundary:
    """One threshold: the outcomes below, at and above it, and where it is tested."""

    id: str
    fact: str
    value: Fraction  # in the canonical unit
    below: lc.Outcome
    at: lc.Outcome
    above: lc.Outcome
    sites: tuple[Site, ...]

    @property
    def spec(self) -> UnitSpec:
        return spec_of(self.fact)

    def expected(self, canonical: Fraction) -> lc.Outcome:
        if canonical < self.value:
            return self.below
        return self.at if canonical == self.value else self.above

    def plausible(self, canonical: Fraction) -> bool:
        bounds = lc.VARIABLES[self.fact].plausible
        return bounds is None or bounds[0] <= canonical <= bounds[1]

    def __str__(self) -> str:
        return self.id


_INCLUSIVE = {"aclf_coagulopathy_inclusive": True}
_HYPOXEMIC = {**NO_EXCLUSIONS, "hypoxemia_uncorrectable": True}
_THROMBOCYTOPENIC = {**NO_EXCLUSIONS, "thrombocytopenia_uncorrectable": True}

# fmt: off
BOUNDARIES: tuple[Boundary, ...] = (
    Boundary(
        "age>=18a", "age", Fraction(18), NOT_MET, MET, MET,
        (Site(lc.CLF, CLF_PATIENT, "clf.age"), Site(lc.ACLF, ACLF_PATIENT, "aclf.age")),
    ),
    Boundary(
        "age<66a", "age", Fraction(66), MET, NOT_MET, NOT_MET,
        (Site(lc.CLF, CLF_PATIENT, "clf.age"), Site(lc.ACLF, ACLF_PATIENT, "aclf.age")),
    ),
    Boundary(
        "body_weight>40kg", "body_weight", Fraction(40), NOT_MET, NOT_MET, MET,
        (
            Site(lc.CLF, CLF_PATIENT, "clf.body_weight"),
            Site(lc.ACLF, ACLF_PATIENT, "aclf.body_weight"),
        ),
    ),
    Boundary(
        "albumin<35g/L", "albumin", Fraction(35), MET, NOT_MET, NOT_MET,
        (Site(lc.CLF, CLF_PATIENT, "clf.albumin"),),
    ),
    Boundary(
        "clf:PTA<=40%", "prothrombin_activity", Fraction(40), MET, MET, NOT_MET,
        (Site(lc.CLF, {**CLF_PATIENT, "inr": 1.0}, "clf.coagulopathy"),),
    ),
    Boundary(
        "clf:INR>=1.5", "inr", Fraction("1.5"), NOT_MET, MET, MET,
        (Site(lc.CLF, {**CLF_PATIENT, "prothrombin_activity": "100 %"}, "clf.coagulopathy"),),
    ),
    Boundary(
        "aclf:INR>1.5", "inr", Fraction("1.5"), NOT_MET, NOT_MET, MET,
        (Site(lc.ACLF, {**ACLF_PATIENT, "prothrombin_activity": "100 %"}, "aclf.coagulopathy"),),
    ),
    Boundary(
        "aclf-inclusive:INR>=1.5", "inr", Fraction("1.5"), NOT_MET, MET, MET,
        (
            Site(
                lc.ACLF,
                {**ACLF_PATIENT, "prothrombin_activity": "100 %"},
                "aclf.coagulopathy",
                _INCLUSIVE,
            ),
        ),
    ),
    Boundary(
        "aclf:PTA<40%", "prothrombin_activity", Fraction(40), MET, NOT_MET, NOT_MET,
        (Site(lc.ACLF, {**ACLF_PATIENT, "inr": 1.0}, "aclf.coagulopathy"),),
    ),
    Boundary(
        "aclf-inclusive:PTA<=40%", "prothrombin_activity", Fraction(40), MET, MET, NOT_MET,
        (Site(lc.ACLF, {**ACLF_PATIENT, "inr": 1.0}, "aclf.coagulopathy", _INCLUSIVE),),
    ),
    Boundary(
        "aclf:TB>=85umol/L", "total_bilirubin", Fraction(85), NOT_MET, MET, MET,
        (Site(lc.ACLF, ACLF_PATIENT, "aclf.jaundice"),),
    ),
    Boundary(
        "treatment>3d", "standard_treatment_duration", Fraction(3), NOT_MET, NOT_MET, MET,
        (
            Site(lc.CLF, CLF_PATIENT, "clf.no_improvement"),
            Site(lc.ACLF, ACLF_PATIENT, "aclf.no_improvement"),
        ),
    ),
    Boundary(
        "PaO2/FiO2<200mmHg", "pao2_fio2_ratio", Fraction(200), MET, NOT_MET, NOT_MET,
        (Site(lc.EXCLUSIONS, _HYPOXEMIC, "exclusion.oxygenation"),),
    ),
    Boundary(
        "PLT<20e9/L", "platelets", Fraction(20), MET, NOT_MET, NOT_MET,
        (Site(lc.EXCLUSIONS, _THROMBOCYTOPENIC, "exclusion.thrombocytopenia"),),
    ),
    Boundary(
        "clf:PLT<100e9/L", "platelets", Fraction(100), MET, NOT_MET, NOT_MET,
        (Site(lc.CLF, CLF_PATIENT, "clf.platelets"),),
    ),
    Boundary(
        "clf:PLT<150000/uL(param)", "platelets", Fraction(150), MET, NOT_MET, NOT_MET,
        (
            Site(
                lc.CLF, CLF_PATIENT, "clf.platelets", {"clf_platelet_threshold": "150000 /uL"}
            ),
        ),
    ),
)
# fmt: on


def around(exact: Fraction, digits: int) -> Iterator[tuple[Fraction, str]]:
    """Decimals next to ``exact`` (a value in some unit), each with its side.

    ``exact`` itself if it has a decimal expansion; and at every written length from 1
    significant digit to ``digits`` (or to the length of ``exact``, if longer), the
    nearest decimals below and above it: one unit in the last place either side of
    ``exact`` once that length writes it exactly.
    """
    longest = digits
    if is_terminating(exact):
        yield exact, "at"
        longest = max(digits, significant_digits(to_decimal(exact)))
    for n in range(1, longest + 1):
        step = ulp(exact, n)
        low, high = math.floor(exact / step) * step, math.ceil(exact / step) * step
        if low == exact:
            low, high = exact - step, exact + step
        yield low, "below"
        yield high, "above"


CASES = [(b, u) for b in BOUNDARIES for u in UNITS[b.spec]]


@pytest.mark.parametrize(
    "fact", [n for n in lc.VARIABLES if lc.VARIABLES[n].type.unit is not None]
)
def test_unit_table_covers_every_quantity_fact(fact: str) -> None:
    """The exact table above knows every documented spelling of every quantity fact."""
    spec = spec_of(fact)
    assert spec in UNITS, fact
    assert set(spec.accepted) <= set(UNITS[spec]), set(spec.accepted) - set(UNITS[spec])


@pytest.mark.parametrize(
    ("spec", "unit"),
    [(s, u) for s, us in UNITS.items() for u in us if u != BARE],
    ids=[f"{s.canonical}-{u}" for s, us in UNITS.items() for u in us if u != BARE],
)
def test_library_factor_is_the_exact_unit_definition(spec: UnitSpec, unit: str) -> None:
    """The library's conversion factor agrees with the exact one to float precision."""
    exact = UNITS[spec][unit]
    assert spec.factor(unit) == pytest.approx(float(exact), rel=1e-15, abs=0)


@pytest.mark.parametrize(("boundary", "unit"), CASES, ids=[f"{b}-{u or 'bare'}" for b, u in CASES])
def test_boundary_and_its_written_neighbours(boundary: Boundary, unit: str) -> None:
    """Exhaustively: the boundary in ``unit`` (every spelling), and its neighbours.

    At the boundary the comparison's observed value must equal its threshold exactly;
    every neighbour must fall on its own side, in every criterion that reads the fact.
    """
    factor = UNITS[boundary.spec][unit]
    checked, failures = 0, []
    for written, side in around(boundary.value / factor, max_digits(factor)):
        canonical = written * factor
        if written <= 0 or not boundary.plausible(canonical):
            continue
        expected = {"below": boundary.below, "at": boundary.at, "above": boundary.above}[side]
        assert boundary.expected(canonical) is expected  # the neighbour is on its side
        if side != "at":  # and outside the library's 12-digit quantisation band
            assert abs(canonical - boundary.value) >= band(boundary.value), written
        decimal = to_decimal(written)
        raws = spellings(decimal, unit) if side == "at" else [write(decimal, unit)]
        for raw in raws:
            for site in boundary.sites:
                got, node = observe(
                    site, {boundary.fact: raw}, boundary.fact, float(boundary.value)
                )
                checked += 1
                if got is not expected:
                    failures.append(f"{site}: {raw!r} ({side}) → {got.name}, not {expected.name}")
                if side == "at" and not (
                    node.observed is not None
                    and node.threshold is not None
                    and node.observed.value == node.threshold.value == float(boundary.value)
                ):
                    failures.append(
                        f"{site}: {raw!r} is read as {node.observed}, threshold {node.threshold}"
                    )
    assert checked > 0
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("boundary", BOUNDARIES, ids=str)
def test_every_engine_on_each_boundary_and_its_written_neighbours(
    boundary: Boundary, engine: Engine
) -> None:
    """The exhaustive neighbours of :func:`test_boundary_and_its_written_neighbours`, in
    every unit and spelling, one table per site: each engine gives each its side."""
    for site in boundary.sites:
        records: list[dict[str, object]] = []
        expected: list[lc.Outcome] = []
        for unit, factor in UNITS[boundary.spec].items():
            for written, side in around(boundary.value / factor, max_digits(factor)):
                canonical = written * factor
                if written <= 0 or not boundary.plausible(canonical):
                    continue
                decimal = to_decimal(written)
                raws = spellings(decimal, unit) if side == "at" else [write(decimal, unit)]
                for raw in raws:
                    if not isinstance(raw, (str, float)):  # a mapping or pint: no cell
                        continue
                    records.append({**site.record, boundary.fact: raw})
                    expected.append(boundary.expected(canonical))
        got = engine.outcomes(site.ruleset, records, site.criterion, site.params)
        wrong = [
            f"{r[boundary.fact]!r} → {g.name}, not {e.name}"  # type: ignore[attr-defined]
            for r, g, e in zip(records, got, expected, strict=True)
            if g is not e
        ]
        assert records
        assert not wrong, f"{engine} {site}:\n" + "\n".join(wrong)


@settings(max_examples=600)
@given(data=st.data())
def test_any_value_near_a_boundary_is_classified_exactly(data: st.DataObject) -> None:
    """Random decimals near a boundary, in any unit: the outcome of exact arithmetic.

    And the canonical value the tree shows is the exact value to within the library's
    12 significant digits (exactly, when the exact value has no more digits than that).
    """
    boundary = data.draw(st.sampled_from(BOUNDARIES), label="boundary")
    unit = data.draw(st.sampled_from(sorted(UNITS[boundary.spec])), label="unit")
    factor = UNITS[boundary.spec][unit]
    exact = boundary.value / factor
    digits = data.draw(st.integers(1, max_digits(factor)), label="digits")
    step = ulp(exact, digits)
    k = data.draw(st.integers(-40, 40), label="steps")
    written = math.floor(exact / step) * step + k * step
    canonical = written * factor
    assume(written > 0 and boundary.plausible(canonical))
    # Within half the boundary of it: age 18 and age 66 are two bounds of one criterion.
    assume(abs(canonical - boundary.value) <= boundary.value / 2)
    # Closer than the 12th significant digit is, by design, read as the boundary.
    assume(canonical == boundary.value or abs(canonical - boundary.value) >= band(boundary.value))
    decimal = to_decimal(written)
    raw = data.draw(st.sampled_from(spellings(decimal, unit)), label="raw")
    site = data.draw(st.sampled_from(boundary.sites), label="site")
    got, node = observe(site, {boundary.fact: raw}, boundary.fact, float(boundary.value))
    assert got is boundary.expected(canonical)
    assert node.observed is not None
    if is_terminating(canonical) and len(plain(to_decimal(canonical))) <= SIGNIFICANT_DIGITS:
        assert node.observed.value == float(to_decimal(canonical))
    else:  # rounded to 12 significant digits
        assert abs(Fraction(node.observed.value) - canonical) <= band(canonical)


# -- named examples ----------------------------------------------------------------------

_BY_ID = {b.id: b for b in BOUNDARIES}
_EXAMPLES: list[tuple[str, object, lc.Outcome]] = [
    ("age>=18a", "18 a", MET),
    ("age>=18a", "17.999 a", NOT_MET),
    ("age>=18a", "216 mo", MET),
    ("age>=18a", "215.9 mo", NOT_MET),
    ("age<66a", "65.999 years", MET),
    ("age<66a", "66 years", NOT_MET),
    ("age<66a", "792 mo", NOT_MET),
    ("age<66a", "791.9 mo", MET),
    ("body_weight>40kg", "40 kg", NOT_MET),
    ("body_weight>40kg", "40000 g", NOT_MET),
    ("body_weight>40kg", "40.001 kg", MET),
    ("body_weight>40kg", "40001 g", MET),
    ("body_weight>40kg", "88.18 lb", NOT_MET),
    ("body_weight>40kg", "88.19 [lb_av]", MET),
    ("body_weight>40kg", "88.1849048 lb", NOT_MET),
    ("body_weight>40kg", "88.1849049 lb", MET),
    ("albumin<35g/L", "35 g/L", NOT_MET),
    ("albumin<35g/L", "3.5 g/dL", NOT_MET),
    ("albumin<35g/L", "3500 mg/dL", NOT_MET),
    ("albumin<35g/L", "3.49 g/dL", MET),
    ("clf:INR>=1.5", 1.5, MET),
    ("clf:INR>=1.5", "1.5", MET),
    ("clf:INR>=1.5", "1.5 {INR}", MET),
    ("clf:INR>=1.5", 1.49, NOT_MET),
    ("clf:PTA<=40%", "40 %", MET),
    ("clf:PTA<=40%", "40.1 %", NOT_MET),
    ("aclf:INR>1.5", 1.5, NOT_MET),
    ("aclf:INR>1.5", "1.5", NOT_MET),
    ("aclf:INR>1.5", "1.5 {INR}", NOT_MET),
    ("aclf:INR>1.5", 1.51, MET),
    ("aclf:PTA<40%", "40 %", NOT_MET),
    ("aclf:PTA<40%", "39.9 %", MET),
    ("aclf-inclusive:INR>=1.5", 1.5, MET),
    ("aclf-inclusive:INR>=1.5", "1.5 {INR}", MET),
    ("aclf-inclusive:PTA<=40%", "40 %", MET),
    ("aclf:TB>=85umol/L", "85 umol/L", MET),
    ("aclf:TB>=85umol/L", "0.085 mmol/L", MET),
    ("aclf:TB>=85umol/L", "5 mg/dL", MET),
    ("aclf:TB>=85umol/L", "4.97 mg/dL", MET),
    ("aclf:TB>=85umol/L", "4.96 mg/dL", NOT_MET),
    ("aclf:TB>=85umol/L", "84.99 µmol/L", NOT_MET),
    ("treatment>3d", "3 d", NOT_MET),
    ("treatment>3d", "72 h", NOT_MET),
    ("treatment>3d", "73 h", MET),
    ("treatment>3d", "0.5 wk", MET),
    ("treatment>3d", "0.4 wk", NOT_MET),
    ("treatment>3d", "3 days", NOT_MET),
    ("PaO2/FiO2<200mmHg", "200 mm[Hg]", NOT_MET),
    ("PaO2/FiO2<200mmHg", "200 mmHg", NOT_MET),
    ("PaO2/FiO2<200mmHg", "26.664477483 kPa", NOT_MET),
    ("PaO2/FiO2<200mmHg", "26.66 kPa", MET),
    ("PaO2/FiO2<200mmHg", "199.9 mmHg", MET),
    ("PLT<20e9/L", "20 10*9/L", NOT_MET),
    ("PLT<20e9/L", "20 10*3/uL", NOT_MET),
    ("PLT<20e9/L", "20000 /uL", NOT_MET),
    ("PLT<20e9/L", "20000 /mm3", NOT_MET),
    ("PLT<20e9/L", "20 x10^9/L", NOT_MET),
    ("PLT<20e9/L", "19999 /uL", MET),
    ("PLT<20e9/L", "19.9 x10^9/L", MET),
    ("clf:PLT<100e9/L", "100 10*9/L", NOT_MET),
    ("clf:PLT<100e9/L", "99999 /uL", MET),
    ("clf:PLT<150000/uL(param)", "150 10*9/L", NOT_MET),
    ("clf:PLT<150000/uL(param)", "149.9 10*9/L", MET),
]


@pytest.mark.parametrize(
    ("boundary", "raw", "expected"), _EXAMPLES, ids=[f"{b}-{r}" for b, r, _ in _EXAMPLES]
)
def test_named_examples(boundary: str, raw: object, expected: lc.Outcome) -> None:
    """The examples the protocol and the interpretation decisions name, one by one."""
    b = _BY_ID[boundary]
    for site in b.sites:
        got, _ = observe(site, {b.fact: raw}, b.fact)
        assert got is expected, site


@pytest.mark.parametrize(
    ("grade", "expected"), [(0, MET), (1, MET), (2, MET), (3, NOT_MET), (4, NOT_MET)]
)
def test_clf_hepatic_encephalopathy_grade_at_most_2(grade: int, expected: lc.Outcome) -> None:
    result = lc.evaluate({**CLF_PATIENT, "hepatic_encephalopathy_grade": grade}, lc.CLF)
    assert result.tree.find("clf.hepatic_encephalopathy").outcome is expected
    assert result.tree.find("clf").outcome is expected  # it gates the CLF group


# -- CLF bilirubin: ULN < TB < 10 × ULN ----------------------------------------------

BILIRUBIN_UNITS = UNITS[specs.BILIRUBIN]


@st.composite
def short_uln(draw: st.DrawFn) -> tuple[str, Decimal, Fraction]:
    """A ULN written as a short decimal (≤ 4 digits) in one unit: (unit, written, µmol/L)."""
    unit = draw(st.sampled_from(sorted(BILIRUBIN_UNITS)))
    factor = BILIRUBIN_UNITS[unit]
    lo, hi = (Fraction(x) for x in lc.VARIABLES["total_bilirubin_uln"].plausible or (0, 0))
    low, high = lo / factor, hi / factor  # plausible: 10 to 40 µmol/L
    step = ulp(high, draw(st.integers(1, 4)))
    k = draw(st.integers(math.ceil(low / step), math.floor(high / step)))
    return unit, to_decimal(k * step), k * step * factor


def clf_bilirubin(tb: object, uln: object, source: str) -> lc.Node:
    """The clf.bilirubin node with the ULN in the record, the parameter, or both."""
    record = {**CLF_PATIENT, "total_bilirubin": tb, "total_bilirubin_uln": None}
    params: dict[str, object] = {}
    if source in ("record", "both"):
        record["total_bilirubin_uln"] = uln
    if source == "param":
        params["total_bilirubin_uln"] = uln
    if source == "both":  # another parameter ULN (no short decimal in any unit): ignored
        params["total_bilirubin_uln"] = "39.99999 umol/L"
    return lc.evaluate(record, lc.CLF, params=params).tree.find("clf.bilirubin")


@settings(max_examples=500)
@given(uln=short_uln(), data=st.data())
def test_clf_bilirubin_at_uln_and_ten_uln_in_any_units(
    uln: tuple[str, Decimal, Fraction], data: st.DataObject
) -> None:
    """TB exactly at ULN or 10 × ULN, in any unit: not met; one ulp inside: met."""
    uln_unit, uln_written, uln_exact = uln
    bound = uln_exact * data.draw(st.sampled_from([1, 10]), label="multiple of ULN")
    tb_units = [u for u, f in sorted(BILIRUBIN_UNITS.items()) if is_terminating(bound / f)]
    tb_unit = data.draw(st.sampled_from(tb_units), label="TB unit")
    factor = BILIRUBIN_UNITS[tb_unit]
    at = bound / factor
    side = data.draw(st.sampled_from(["at", "below", "above"]), label="side")
    written = at
    if side != "at":
        digits = data.draw(
            st.integers(significant_digits(to_decimal(at)), max_digits(factor)), label="digits"
        )
        written += ulp(at, digits) if side == "above" else -ulp(at, digits)
    tb_exact = written * factor
    assume(tb_exact <= 1500)  # plausible total bilirubin
    assert side == "at" or abs(tb_exact - bound) >= band(bound)
    source = data.draw(st.sampled_from(["record", "param", "both"]), label="ULN source")
    raw_uln = data.draw(st.sampled_from(spellings(uln_written, uln_unit)), label="ULN")
    raw_tb = data.draw(st.sampled_from(spellings(to_decimal(written), tb_unit)), label="TB")
    if source != "record":  # a parameter is written as text
        raw_uln = write(uln_written, uln_unit)
    node = clf_bilirubin(raw_tb, raw_uln, source)
    expected = MET if uln_exact < tb_exact < 10 * uln_exact else NOT_MET
    assert node.outcome is expected
    lower, upper = (n for n in node.walk() if n.kind == "compare")
    assert lower.threshold is not None and upper.threshold is not None
    assert lower.threshold.value == float(to_decimal(uln_exact))
    assert upper.threshold.value == float(to_decimal(10 * uln_exact))
    if side == "at":
        compared = lower if bound == uln_exact else upper
        assert compared.observed is not None
        assert compared.observed.value == compared.threshold.value


_BILIRUBIN_EXACT = [
    # (ULN, TB, outcome): TB exactly at ULN or 10 × ULN, written in another unit
    ("17.104 umol/L", "1 mg/dL", NOT_MET),
    ("1 mg/dL", "17.104 umol/L", NOT_MET),
    ("1 mg/dL", "171.04 umol/L", NOT_MET),
    ("1 mg/dL", "0.17104 mmol/L", NOT_MET),
    ("1.2 mg/dL", "20.5248 umol/L", NOT_MET),
    ("1.2 mg/dL", "205.248 µmol/L", NOT_MET),
    ("1.2 mg/dL", "120 mg/L", NOT_MET),
    ("20.5248 umol/L", "12 mg/dL", NOT_MET),
    ("0.0205248 mmol/L", "1.2 mg/dL", NOT_MET),
    ("12 mg/L", "205.248 umol/L", NOT_MET),
    ("1.2 mg/dL", "20.5249 umol/L", MET),
    ("1.2 mg/dL", "205.247 umol/L", MET),
    ("1.2 mg/dL", "20.5247 umol/L", NOT_MET),
    ("1.2 mg/dL", "205.249 umol/L", NOT_MET),
    ("17.1 umol/L", "1 mg/dL", MET),
    ("17.1 umol/L", "10 mg/dL", NOT_MET),  # 171.04 µmol/L ≥ 10 × 17.1
    ("17.1 umol/L", "9.99 mg/dL", MET),  # 170.86896 µmol/L
    ("17.1 umol/L", "0.171 mmol/L", NOT_MET),
]


@pytest.mark.parametrize("source", ["record", "param", "both"])
@pytest.mark.parametrize(("uln", "tb", "expected"), _BILIRUBIN_EXACT)
def test_clf_bilirubin_named_examples(
    uln: str, tb: str, expected: lc.Outcome, source: str
) -> None:
    assert clf_bilirubin(tb, uln, source).outcome is expected


@pytest.mark.parametrize("tb", ["60 umol/L", "3 mg/dL", "0.06 mmol/L", "1 umol/L", "1400 umol/L"])
@pytest.mark.parametrize("params", [None, {}, {"total_bilirubin_uln": None}])
def test_clf_bilirubin_without_any_uln_is_unknown(tb: str, params: Any) -> None:
    record = {**CLF_PATIENT, "total_bilirubin": tb, "total_bilirubin_uln": None}
    node = lc.evaluate(record, lc.CLF, params=params).tree.find("clf.bilirubin")
    assert node.outcome is UNKNOWN
    assert "total_bilirubin_uln" in node.missing


# -- PaO2 / FiO2 derived from PaO2 and FiO2 ------------------------------------------------

_PAO2_80 = ["80 mmHg", "80 mm[Hg]", "10.6657909932 kPa", "10665.7909932 Pa", "80.000 mmHg"]
_FIO2_04 = [0.4, "0.4", "0.40", "40 %", "40%", "0.4 1", {"value": 40, "unit": "%"}]


@pytest.mark.parametrize("fio2", _FIO2_04, ids=repr)
@pytest.mark.parametrize("pao2", _PAO2_80)
def test_derived_ratio_exactly_200_is_not_below(pao2: str, fio2: object) -> None:
    """80 mmHg (in any unit) over FiO2 0.4 (fraction or percent) is exactly 200 mmHg."""
    record = {**_HYPOXEMIC, "pao2_fio2_ratio": None, "pao2": pao2, "fio2": fio2}
    node = lc.evaluate(record, lc.EXCLUSIONS).tree.find("exclusion.oxygenation")
    assert node.outcome is NOT_MET
    ratio = comparison(node, "pao2")
    assert ratio.observed is not None and ratio.threshold is not None
    assert ratio.observed.value == ratio.threshold.value == 200.0


@settings(max_examples=300)
@given(
    fio2_percent=st.integers(21, 100),
    fio2_unit=st.sampled_from([BARE, "1", "%"]),
    pao2_unit=st.sampled_from(sorted(UNITS[specs.PRESSURE])),
    offset_digits=st.integers(0, 6),
    offset_steps=st.integers(-3, 3),
)
def test_derived_ratio_around_200(
    fio2_percent: int, fio2_unit: str, pao2_unit: str, offset_digits: int, offset_steps: int
) -> None:
    """PaO2 = 200 mmHg × FiO2 + δ, in any units: below 200 exactly when δ < 0."""
    fio2 = Fraction(fio2_percent, 100)
    pao2 = 200 * fio2 + offset_steps * TEN**-offset_digits  # mmHg, exact
    fio2_raw = write(to_decimal(fio2 / UNITS[specs.FRACTION][fio2_unit]), fio2_unit)
    pao2_raw = write(to_decimal(pao2 / UNITS[specs.PRESSURE][pao2_unit]), pao2_unit)
    record = {**_HYPOXEMIC, "pao2_fio2_ratio": None, "pao2": pao2_raw, "fio2": fio2_raw}
    node = lc.evaluate(record, lc.EXCLUSIONS).tree.find("exclusion.oxygenation")
    assert node.outcome is (MET if pao2 / fio2 < 200 else NOT_MET)
    if offset_steps == 0:
        assert comparison(node, "pao2").observed.value == 200.0


def test_recorded_ratio_and_pao2_fio2_must_agree() -> None:
    # Within 1 mmHg, the recorded ratio is read (here 199.9 rather than 200.0: MET).
    record = {**_HYPOXEMIC, "pao2_fio2_ratio": "199.9 mmHg", "pao2": "80 mmHg", "fio2": 0.4}
    assert lc.evaluate(record, lc.EXCLUSIONS).tree.find("exclusion.oxygenation").outcome is MET
    # Further apart, the record contradicts itself and is refused.
    contradiction = {**record, "pao2_fio2_ratio": "200 mmHg", "pao2": "79 mmHg"}
    with pytest.raises(lc.CriteriaInputError) as info:
        lc.evaluate(contradiction, lc.EXCLUSIONS)
    assert info.value.field == "pao2_fio2_ratio"


# -- age from birth_date and assessment_date ----------------------------------------------

_AGE_SITES = BOUNDARIES[0].sites
_FIRST_DATE, _LAST_DATE = dt.date(1900, 1, 1), dt.date(2100, 12, 31)


def anniversary(born: dt.date, years: int) -> dt.date:
    """The day a person born on ``born`` turns ``years``: 1 March for 29 February."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year
        return dt.date(born.year + years, 3, 1)


#: The dates of the ACLF record's events, dropped so that any assessment date is valid.
_NO_EVENTS = dict.fromkeys(["diagnosis_date", "ascites_onset_date"])


def age_outcome(site: Site, born: object, assessed: object) -> lc.Outcome:
    record = {**site.record, **_NO_EVENTS, "age": None}
    record.update(birth_date=born, assessment_date=assessed)
    return lc.evaluate(record, site.ruleset).tree.find(site.criterion).outcome


_LEAP_DAYS = [dt.date(y, 2, 29) for y in range(1904, 2084, 4)]


@settings(max_examples=300)
@given(
    born=st.one_of(st.dates(_FIRST_DATE, dt.date(2034, 12, 31)), st.sampled_from(_LEAP_DAYS)),
    birthday=st.sampled_from([18, 66]),
    offset=st.integers(-2, 2),
    as_text=st.booleans(),
    site=st.sampled_from(_AGE_SITES),
)
def test_age_from_dates_around_the_18th_and_66th_birthdays(
    born: dt.date, birthday: int, offset: int, as_text: bool, site: Site
) -> None:
    """Eligible from the 18th birthday to the day before the 66th, both included."""
    assessed = anniversary(born, birthday) + dt.timedelta(days=offset)
    assume(assessed <= _LAST_DATE)
    expected = MET if anniversary(born, 18) <= assessed < anniversary(born, 66) else NOT_MET
    if as_text:
        assert age_outcome(site, born.isoformat(), assessed.isoformat()) is expected
    else:
        assert age_outcome(site, born, assessed) is expected


@settings(max_examples=200)
@given(born=st.dates(_FIRST_DATE, _LAST_DATE), assessed=st.dates(_FIRST_DATE, _LAST_DATE))
def test_age_from_any_pair_of_dates(born: dt.date, assessed: dt.date) -> None:
    expected = MET if anniversary(born, 18) <= assessed < anniversary(born, 66) else NOT_MET
    for site in _AGE_SITES:
        if born > assessed:  # refused: a birth after the assessment is an input error
            with pytest.raises(lc.CriteriaInputError, match="birth_date"):
                age_outcome(site, born, assessed)
        else:
            assert age_outcome(site, born, assessed) is expected


_AGE_DATES = [
    ("2000-02-29", "2018-02-28", NOT_MET),  # not 18 until 1 March in a common year
    ("2000-02-29", "2018-03-01", MET),
    ("2008-02-29", "2026-02-28", NOT_MET),
    ("2008-02-29", "2026-03-01", MET),
    ("1960-02-29", "2026-02-28", MET),  # still 65
    ("1960-02-29", "2026-03-01", NOT_MET),  # 66
    ("1958-03-01", "2024-02-29", MET),  # the day before the 66th birthday is 29 February
    ("1958-03-01", "2024-03-01", NOT_MET),
    ("2006-03-01", "2024-02-29", NOT_MET),  # the day before the 18th birthday
    ("2006-03-01", "2024-03-01", MET),
    ("2006-02-28", "2024-02-28", MET),  # exactly the 18th birthday
    ("2006-02-28", "2024-02-27", NOT_MET),
    ("1990-06-15", "2008-06-15", MET),
    ("1990-06-15", "2008-06-14", NOT_MET),
    ("1990-06-15", "2056-06-14", MET),
    ("1990-06-15", "2056-06-15", NOT_MET),
    ("1999-12-31", "2018-01-01", MET),
    ("2000-01-01", "2017-12-31", NOT_MET),
]


@pytest.mark.parametrize("site", _AGE_SITES, ids=str)
@pytest.mark.parametrize(("born", "assessed", "expected"), _AGE_DATES)
def test_age_from_dates_named_examples(
    site: Site, born: str, assessed: str, expected: lc.Outcome
) -> None:
    assert age_outcome(site, born, assessed) is expected


# -- date windows: ACLF onset 0 to 28 days, drug abuse 0 to 365 days ---------------------


def onset_outcome(
    diagnosed: dt.date, days: int, path: str, grade: int = 1, before: str | None = None
) -> lc.Outcome:
    """aclf.complications with one complication's onset ``days`` after the diagnosis.

    The other complication is recorded as never developed. On the encephalopathy path
    the current grade varies: an onset date implies encephalopathy, so a grade 0 (it
    resolved) counts as well as a grade ≥ 1.
    """
    onset = (diagnosed + dt.timedelta(days=days)).isoformat()
    record: dict[str, object] = {**ACLF_PATIENT, "diagnosis_date": diagnosed.isoformat()}
    if path == "ascites":
        record.update(
            ascites=None,
            ascites_onset_date=onset,
            hepatic_encephalopathy_grade=0,
            hepatic_encephalopathy=False,
        )
    else:
        record.update(
            ascites=False,
            ascites_onset_date=None,
            hepatic_encephalopathy=None,
            hepatic_encephalopathy_grade=grade,
            hepatic_encephalopathy_onset_date=onset,
        )
    params = {} if before is None else {"aclf_onset_days_before_diagnosis": before}
    return lc.evaluate(record, lc.ACLF, params=params).tree.find("aclf.complications").outcome


@settings(max_examples=200)
@given(
    diagnosed=st.dates(_FIRST_DATE, dt.date(2100, 11, 30)),
    days=st.integers(-10, 31),
    path=st.sampled_from(["ascites", "encephalopathy"]),
    grade=st.integers(0, 4),
    before=st.integers(0, 7),
)
def test_aclf_onset_window(
    diagnosed: dt.date, days: int, path: str, grade: int, before: int
) -> None:
    """An onset -before to 28 days after the diagnosis, both ends included, whatever the
    current grade (an onset date is enough: it implies the complication)."""
    assume(diagnosed + dt.timedelta(days=days) >= _FIRST_DATE)
    in_window = -before <= days <= 28
    outcome = onset_outcome(diagnosed, days, path, grade, f"{before} d")
    assert outcome is (MET if in_window else NOT_MET)


@pytest.mark.parametrize("path", ["ascites", "encephalopathy"])
@pytest.mark.parametrize(
    ("days", "expected"), [(-1, NOT_MET), (0, MET), (1, MET), (27, MET), (28, MET), (29, NOT_MET)]
)
@pytest.mark.parametrize("diagnosed", ["2024-02-01", "2023-02-01", "2025-12-10"])
def test_aclf_onset_window_edges(
    diagnosed: str, days: int, expected: lc.Outcome, path: str
) -> None:
    assert onset_outcome(dt.date.fromisoformat(diagnosed), days, path) is expected


@pytest.mark.parametrize("path", ["ascites", "encephalopathy"])
@pytest.mark.parametrize(
    ("before", "days", "expected"),
    [
        ("3 d", -4, NOT_MET),
        ("3 d", -3, MET),
        ("3 d", -1, MET),
        ("3 d", 0, MET),
        ("3 d", 28, MET),
        ("3 d", 29, NOT_MET),
        ("72 h", -3, MET),
        ("72 h", -4, NOT_MET),
        ("1 wk", -7, MET),
        ("1 wk", -8, NOT_MET),
        ("0 d", -1, NOT_MET),
        ("0 d", 0, MET),
    ],
)
def test_aclf_onset_days_before_diagnosis_edges(
    before: str, days: int, expected: lc.Outcome, path: str
) -> None:
    """The parameter moves the window's start, in any unit of time; not its end."""
    diagnosed = dt.date(2024, 3, 1)
    assert onset_outcome(diagnosed, days, path, before=before) is expected


def drug_abuse_outcome(assessed: dt.date, days_ago: int, **extra: object) -> lc.Outcome | None:
    """exclusion.drug_abuse; a date after the assessment (refused as an input error, since
    dictionary.NOT_AFTER_ASSESSMENT) counts as NOT_MET: it is outside the window either way.
    """
    record = {
        **NO_EXCLUSIONS,
        "drug_abuse_past_year": None,
        "assessment_date": assessed.isoformat(),
        "last_drug_abuse_date": (assessed - dt.timedelta(days=days_ago)).isoformat(),
        **extra,
    }
    refused: str | None = None
    try:
        result = lc.evaluate(record, lc.EXCLUSIONS)
    except lc.CriteriaInputError as exc:
        refused = exc.field
    if refused == "drug_abuse_past_year":  # the flag contradicts the date
        return None
    assert (refused is not None) == (days_ago < 0), "a future event, and only that, is refused"
    if refused is not None:
        assert refused == "last_drug_abuse_date"
        return NOT_MET
    return result.tree.find("exclusion.drug_abuse").outcome


@settings(max_examples=200)
@given(
    assessed=st.dates(dt.date(1902, 1, 1), dt.date(2100, 12, 28)), days_ago=st.integers(-3, 370)
)
def test_drug_abuse_within_365_days(assessed: dt.date, days_ago: int) -> None:
    """Abuse 0 to 365 days before the assessment date (inclusive) excludes."""
    expected = MET if 0 <= days_ago <= 365 else NOT_MET
    assert drug_abuse_outcome(assessed, days_ago) is expected


@pytest.mark.parametrize(
    ("assessed", "last", "expected"),
    [
        ("2024-03-01", "2023-03-02", MET),  # 365 days back across 29 February 2024
        ("2024-03-01", "2023-03-01", NOT_MET),  # a calendar year, but 366 days
        ("2023-06-30", "2022-06-30", MET),  # 365 days, a calendar year
        ("2023-06-30", "2022-06-29", NOT_MET),
        ("2023-06-30", "2023-06-30", MET),
        ("2023-06-30", "2023-07-01", NOT_MET),  # in the future
    ],
)
def test_drug_abuse_window_named_examples(assessed: str, last: str, expected: lc.Outcome) -> None:
    a, b = dt.date.fromisoformat(assessed), dt.date.fromisoformat(last)
    assert drug_abuse_outcome(a, (a - b).days) is expected


@pytest.mark.parametrize("days_ago", [0, 364, 365, 366, 400])
def test_recorded_drug_abuse_flag_and_date_must_agree(days_ago: int) -> None:
    within = days_ago <= 365
    assessed = dt.date(2025, 5, 5)
    agreeing = drug_abuse_outcome(assessed, days_ago, drug_abuse_past_year=within)
    assert agreeing is (MET if within else NOT_MET)
    assert drug_abuse_outcome(assessed, days_ago, drug_abuse_past_year=not within) is None


# -- unit invariance of every quantity fact -----------------------------------------------

_RATIO_FROM_PARTS = {**CLF_PATIENT, "pao2_fio2_ratio": None, "pao2": "80 mmHg", "fio2": 0.4}
_FULL = {**CLF_PATIENT, "albumin": "30 g/L", "inr": 1.7, "prothrombin_activity": "35 %"}
_BASE_RECORD = dict.fromkeys(lc.VARIABLES, _FULL) | {
    "pao2": _RATIO_FROM_PARTS,
    "fio2": _RATIO_FROM_PARTS,
}
QUANTITY_FACTS = sorted(n for n, v in lc.VARIABLES.items() if v.type.unit is not None)


def canonical_spelling(spec: UnitSpec) -> str:
    return BARE if spec.bare_number else spec.canonical


def read_back(record: Mapping[str, object], fact: str) -> tuple[float, list[tuple[str, Any]]]:
    """The canonical value of ``fact`` as the tree shows it, and every node's outcome."""
    tree = lc.evaluate(record).tree
    values = {f.value for n in tree.walk() for f in record_facts(n) if f.name == fact}
    assert len(values) == 1, (fact, values)
    (value,) = values
    assert isinstance(value, float)
    return value, [(n.id, n.outcome) for n in tree.walk()]


@st.composite
def same_value_in_two_units(draw: st.DrawFn, fact: str) -> tuple[Fraction, str, Decimal]:
    """A value of ``fact`` with ≤ 12 significant digits, and a unit it is exact in."""
    spec = spec_of(fact)
    unit = draw(st.sampled_from(sorted(UNITS[spec])))
    factor = UNITS[spec][unit]
    plausible = lc.VARIABLES[fact].plausible or (0, 1000)
    low, high = Fraction(plausible[0]), Fraction(plausible[1])
    # A multiple of ``odd`` (× a power of ten) in canonical units is exact in ``unit``
    # too; with k below 10 ** (12 - digits of odd), it has at most 12 digits.
    odd = odd_part(factor.numerator)
    grain = odd * TEN ** draw(st.integers(-7, 2))
    k_low = math.ceil(low / grain)
    k_high = min(math.floor(high / grain), 10 ** (SIGNIFICANT_DIGITS - len(str(odd))) - 1)
    assume(k_low <= k_high)
    canonical = draw(st.integers(k_low, k_high)) * grain
    assert significant_digits(to_decimal(canonical)) <= SIGNIFICANT_DIGITS
    return canonical, unit, to_decimal(canonical / factor)


@settings(max_examples=500)
@given(data=st.data())
def test_every_quantity_fact_reads_the_same_in_every_unit(data: st.DataObject) -> None:
    """A value in its canonical unit and exactly the same value in another unit.

    Both give the same canonical value in the tree, equal to the exact value, and the
    same outcome at every node of the whole eligibility tree.
    """
    fact = data.draw(st.sampled_from(QUANTITY_FACTS), label="fact")
    canonical, unit, in_unit = data.draw(same_value_in_two_units(fact), label="value")
    spec = spec_of(fact)
    base = _BASE_RECORD[fact]
    as_canonical = write(to_decimal(canonical), canonical_spelling(spec))
    raw = data.draw(st.sampled_from(spellings(in_unit, unit)), label="raw")
    value_a, outcomes_a = read_back({**base, fact: as_canonical}, fact)
    value_b, outcomes_b = read_back({**base, fact: raw}, fact)
    assert value_a == value_b == float(to_decimal(canonical))
    assert outcomes_a == outcomes_b


@pytest.mark.parametrize("fact", QUANTITY_FACTS)
def test_every_quantity_fact_is_shown_in_the_tree(fact: str) -> None:
    """The invariance property above can read every quantity fact back from the tree."""
    base = _BASE_RECORD[fact]
    assert fact in base
    value, _ = read_back(base, fact)
    spec = spec_of(fact)
    expected, _ = spec.convert(base[fact], fact)
    assert value == expected


_OVER_PRECISE = [
    # (fact, value in a unit of factor 1, another unit, changes to the record, criterion)
    ("body_weight", "40.0000000000001 kg", "g", {}, "clf.body_weight"),
    ("age", "65.9999999999999 a", "mo", {}, "clf.age"),
    (
        "platelets",
        "19.9999999999999 10*9/L",
        "/uL",
        {"thrombocytopenia_uncorrectable": True},
        "exclusion.thrombocytopenia",
    ),
    (
        "pao2_fio2_ratio",
        "199.99999999999 mm[Hg]",
        "kPa",
        {"hypoxemia_uncorrectable": True},
        "exclusion.oxygenation",
    ),
    (
        "total_bilirubin",
        "10.262400000017104 umol/L",
        "mg/dL",
        {"total_bilirubin_uln": "0.6 mg/dL"},
        "clf.bilirubin",
    ),
    # {INR} is unity, as is a bare number: the same unit, spelt two ways
    ("inr", "1.50000000000001 {INR}", BARE, {"prothrombin_activity": "99 %"}, "aclf.coagulopathy"),
]


@pytest.mark.parametrize(
    ("fact", "given", "unit", "changes", "criterion"),
    _OVER_PRECISE,
    ids=[c[0] for c in _OVER_PRECISE],
)
def test_over_precise_values_read_the_same_in_every_unit(
    fact: str, given: str, unit: str, changes: dict[str, object], criterion: str
) -> None:
    """Unit invariance beyond 12 significant digits.

    A value with more digits than the library keeps is rounded to 12 significant
    digits when it is converted, so it may land on a boundary. Whatever the rounding,
    it must not depend on the unit: exactly the same quantity, written in a unit of
    factor 1 or in another unit, must give the same canonical value and outcome.
    """
    number, _, given_unit = given.partition(" ")
    units = UNITS[spec_of(fact)]
    assert units[given_unit] == 1
    other_number = plain(to_decimal(Fraction(number) / units[unit]))
    other = f"{other_number} {unit}".strip()
    assert Fraction(number) == Fraction(other_number) * units[unit]  # the same quantity
    record = {**_FULL, **changes}
    value_a, outcomes_a = read_back({**record, fact: given}, fact)
    value_b, outcomes_b = read_back({**record, fact: other}, fact)
    assert value_a == value_b, f"{given!r} is read as {value_a!r}, {other!r} as {value_b!r}"
    assert dict(outcomes_a)[criterion] is dict(outcomes_b)[criterion]


def _bilirubin_grid() -> Iterator[tuple[str, str, lc.Outcome]]:
    """ULNs written short in each unit; TB at ULN and 10 × ULN, and next to them."""
    for uln_unit, uln_factor in sorted(BILIRUBIN_UNITS.items()):
        for uln_canonical in (Fraction(171, 10), Fraction(20), Fraction(205248, 10000)):
            uln_written = uln_canonical / uln_factor
            if not is_terminating(uln_written):
                continue
            for bound in (uln_canonical, 10 * uln_canonical):
                for tb_unit, factor in sorted(BILIRUBIN_UNITS.items()):
                    at = bound / factor
                    for written, side in around(at, max_digits(factor)):
                        tb = written * factor
                        # a neighbour lies outside the 12-digit band, on its own side
                        assert side == "at" or abs(tb - bound) >= band(bound)
                        expected = MET if uln_canonical < tb < 10 * uln_canonical else NOT_MET
                        yield (
                            write(to_decimal(uln_written), uln_unit),
                            write(to_decimal(written), tb_unit),
                            expected,
                        )


def test_every_engine_on_bilirubin_against_the_uln_of_each_row(engine: Engine) -> None:
    """TB against ULN and 10 × ULN, with the ULN in each row in its own unit (the case
    where the threshold is not a constant): every engine gives each its side."""
    cases = [*_BILIRUBIN_EXACT, *_bilirubin_grid()]
    records: list[dict[str, object]] = [
        {**CLF_PATIENT, "total_bilirubin": tb, "total_bilirubin_uln": uln} for uln, tb, _ in cases
    ]
    got = engine.outcomes(lc.CLF, records, "clf.bilirubin")
    wrong = [
        f"ULN {uln}, TB {tb} → {g.name}, not {e.name}"  # type: ignore[attr-defined]
        for (uln, tb, e), g in zip(cases, got, strict=True)
        if g is not e
    ]
    assert len(cases) > 100
    assert not wrong, f"{engine}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("uln", sorted({uln for uln, _, _ in _BILIRUBIN_EXACT}))
def test_every_engine_on_bilirubin_against_a_uln_parameter(uln: str, engine: Engine) -> None:
    cases = [(tb, e) for u, tb, e in _BILIRUBIN_EXACT if u == uln]
    records: list[dict[str, object]] = [
        {**CLF_PATIENT, "total_bilirubin": tb, "total_bilirubin_uln": None} for tb, _ in cases
    ]
    got = engine.outcomes(lc.CLF, records, "clf.bilirubin", {"total_bilirubin_uln": uln})
    assert got == [e for _, e in cases], engine
