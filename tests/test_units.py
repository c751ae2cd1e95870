"""Units: UCUM and laboratory spellings mean what UCUM says; conversion is exact."""

from __future__ import annotations

import attrs
import pint
import pytest

import liverfail_criteria as lc
from liverfail_criteria.units import quantise, specs
from liverfail_criteria.units.spelling import to_pint

# (spec, value as written, canonical value): every UCUM code the issue names, and more.
SPELLINGS = [
    (specs.BILIRUBIN, "85 umol/L", 85.0),
    (specs.BILIRUBIN, "85 µmol/L", 85.0),
    (specs.BILIRUBIN, "85 μmol/l", 85.0),  # Greek mu, lower-case litre
    (specs.BILIRUBIN, "0.085 mmol/L", 85.0),
    (specs.BILIRUBIN, "5 mg/dL", 85.52),
    (specs.BILIRUBIN, "50 mg/L", 85.52),
    (specs.MASS_CONCENTRATION, "35 g/L", 35.0),
    (specs.MASS_CONCENTRATION, "3.5 g/dL", 35.0),
    (specs.MASS_CONCENTRATION, "3500 mg/dL", 35.0),
    (specs.PLATELETS, "150 10*9/L", 150.0),
    (specs.PLATELETS, "150 10*3/uL", 150.0),
    (specs.PLATELETS, "150 10^3/µL", 150.0),
    (specs.PLATELETS, "150000 /uL", 150.0),
    (specs.PLATELETS, "150000 /mm3", 150.0),
    (specs.PLATELETS, "150000 /mm³", 150.0),
    (specs.PLATELETS, "150 x10^9/L", 150.0),
    (specs.PLATELETS, "150 ×10⁹/L", 150.0),
    (specs.PLATELETS, "150 × 10^9/L", 150.0),
    # Laboratory spellings from China, Europe and the US, each meaning what it says.
    (specs.PLATELETS, "150 G/L", 150.0),  # giga per litre
    (specs.PLATELETS, "150 10^9/L", 150.0),
    (specs.PLATELETS, "150 K/uL", 150.0),  # thousands per microlitre
    (specs.PLATELETS, "150 K/µL", 150.0),
    (specs.PLATELETS, "150 x10^3/uL", 150.0),
    (specs.PRESSURE, "200 mm Hg", 200.0),
    (specs.BILIRUBIN, "85 μmol/L", 85.0),  # Greek mu, U+03BC
    (specs.BILIRUBIN, "85 \u00b5mol/L", 85.0),  # micro sign, U+00B5
    (specs.BILIRUBIN, "85 umol/l", 85.0),
    (specs.BILIRUBIN, "5 mg/dl", 85.52),
    (specs.MASS_CONCENTRATION, "3.5 g/dl", 35.0),
    (specs.YEARS, "630 months", 52.5),
    (specs.PERCENT, "40 %", 40.0),
    (specs.PERCENT, "40%", 40.0),
    (specs.PRESSURE, "200 mm[Hg]", 200.0),
    (specs.PRESSURE, "200 mmHg", 200.0),
    (specs.PRESSURE, "26.664477483 kPa", 200.0),
    (specs.NUMBER, "1.5 {INR}", 1.5),
    (specs.NUMBER, "1.5", 1.5),
    (specs.FRACTION, "40 %", 0.4),
    (specs.MASS, "70 kg", 70.0),
    (specs.MASS, "70000 g", 70.0),
    (specs.MASS, "100 [lb_av]", 45.359237),
    (specs.MASS, "100 lb", 45.359237),
    (specs.YEARS, "52 a", 52.0),
    (specs.YEARS, "52 years", 52.0),
    (specs.YEARS, "6 mo", 0.5),
    (specs.DAYS, "4 d", 4.0),
    (specs.DAYS, "2 wk", 14.0),
    (specs.DAYS, "96 h", 4.0),
]


@pytest.mark.parametrize(("spec", "text", "expected"), SPELLINGS, ids=[s[1] for s in SPELLINGS])
def test_spelling_converts_to_canonical(spec: lc.UnitSpec, text: str, expected: float) -> None:
    value, given = spec.convert(text, "x")
    assert value == expected
    assert given == text.strip()


@pytest.mark.parametrize(
    ("code", "per_litre"),
    [("10*9/L", 1e9), ("10*3/uL", 1e9), ("10*6/L", 1e6), ("/uL", 1e6), ("/mm3", 1e6)],
)
def test_ucum_powers_of_ten_are_not_multiplications(code: str, per_litre: float) -> None:
    # Plain pint reads "10*9/L" as 90 per litre; the library must read 10⁹ per litre.
    q = lc.ureg.parse_expression(to_pint(code))
    assert q.to("1/L").magnitude == pytest.approx(per_litre, rel=1e-12)
    assert lc.ureg.parse_expression("10*9/L").to("1/L").magnitude == 90  # the trap


def test_pint_quantities_from_the_library_registry_and_another() -> None:
    ours = lc.ureg.Quantity(5, "mg/dL")
    other = pint.UnitRegistry().Quantity(5, "mg/dL")
    assert specs.BILIRUBIN.convert(ours, "b")[0] == 85.52
    assert specs.BILIRUBIN.convert(other, "b")[0] == 85.52
    unknown = pint.UnitRegistry().Quantity(1, "furlong")
    with pytest.raises(lc.CriteriaInputError, match="furlong"):
        specs.MASS.convert(unknown, "body_weight")


def test_fhir_quantity_mapping() -> None:
    assert specs.BILIRUBIN.convert({"value": 85, "unit": "umol/L"}, "b")[0] == 85.0
    fhir = {"value": 5, "code": "mg/dL", "system": "http://unitsofmeasure.org"}
    assert specs.BILIRUBIN.convert(fhir, "b")[0] == 85.52
    with pytest.raises(lc.CriteriaInputError, match="'value' and 'unit'"):
        specs.BILIRUBIN.convert({"amount": 5}, "b")


@pytest.mark.parametrize(
    ("quantity", "expected"),
    [
        ({"value": 5, "unit": "mg/dL", "code": "mg/dL"}, 85.52),
        ({"value": 5, "unit": "mg/dl", "code": "mg/dL"}, 85.52),  # the same unit
        ({"value": 85, "unit": "µmol/L", "code": "umol/L"}, 85.0),
        ({"value": 85, "unit": "μmol/l", "code": "umol/L", "system": lc.units.UCUM_SYSTEM}, 85.0),
        ({"value": 150, "unit": "G/L", "code": "10*9/L"}, 150.0),
        ({"value": 150, "unit": "K/uL", "code": "10*9/L"}, 150.0),
    ],
)
def test_fhir_unit_text_that_agrees_with_its_code(quantity: object, expected: float) -> None:
    spec = specs.PLATELETS if quantity["code"] == "10*9/L" else specs.BILIRUBIN  # type: ignore[index]
    assert spec.convert(quantity, "b")[0] == expected


@pytest.mark.parametrize(
    ("quantity", "fragment"),
    [
        ({"value": 5, "unit": "mg/dL", "code": "umol/L"}, "'mg/dL' does not mean 'umol/L'"),
        ({"value": 85, "unit": "umol/L", "code": "mg/dL"}, "the code counts"),
        ({"value": 85, "unit": "mmol/L", "code": "umol/L"}, "does not mean"),
        ({"value": 85, "unit": "micromoles", "code": "umol/L"}, "does not mean"),
        ({"value": 85, "unit": "umol/L", "code": "furlong"}, "a unit such as"),
        ({"value": 85, "unit": "umol/L", "code": "umol/L", "system": "http://loinc.org"}, "UCUM"),
        ({"value": 85, "unit": "umol/L", "code": 3}, "as strings"),
    ],
)
def test_fhir_unit_text_that_disagrees_with_its_code_is_refused(
    quantity: object, fragment: str
) -> None:
    with pytest.raises(lc.CriteriaInputError, match=fragment) as info:
        specs.BILIRUBIN.convert(quantity, "total_bilirubin")
    assert info.value.field == "total_bilirubin"
    # and through evaluate, as a record value
    with pytest.raises(lc.CriteriaInputError, match=fragment):
        lc.evaluate({"total_bilirubin": quantity})


@pytest.mark.parametrize(
    ("spec", "text", "fragment"),
    [
        (specs.BILIRUBIN, "85", "a unit after the number"),
        (specs.BILIRUBIN, "85 mmHg", "'mmHg' is a unit of pressure"),
        (specs.BILIRUBIN, "85 furlongs", "a unit such as"),
        (specs.PLATELETS, "150 10E9/L", "a unit such as"),
        (specs.PLATELETS, "150 2/L", "a unit such as"),
        (specs.PERCENT, "forty %", "a number with a unit"),
        (specs.PRESSURE, "1,5 kPa", "a unit such as"),
        # Case matters: grams per litre is no count, giga per litre no mass.
        (
            specs.PLATELETS,
            "150 g/L",
            "mass concentration \\(units are case-sensitive: write 'G/L'",
        ),
        (specs.MASS_CONCENTRATION, "35 G/L", "count per volume \\(units are case-sensitive"),
        (specs.PLATELETS, "150 k/uL", "a unit such as"),
        (specs.PLATELETS, "150 KuL", "a unit such as"),
        (specs.PRESSURE, "200 mm  Hg", "a unit such as"),
        (specs.PRESSURE, "200 mmhg", "a unit such as"),
        # An age in days or weeks is no number of completed years for every birth date.
        (specs.YEARS, "6574 d", "give birth_date"),
        (specs.YEARS, "939 wk", "give birth_date"),
        (specs.YEARS, "157776 h", "give birth_date"),
    ],
)
def test_bad_units_are_errors(spec: lc.UnitSpec, text: str, fragment: str) -> None:
    with pytest.raises(lc.CriteriaInputError, match=fragment) as info:
        spec.convert(text, "field_name")
    assert isinstance(info.value, ValueError)
    assert "field_name" in str(info.value)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize(
    ("spec", "text"),
    [(specs.NUMBER, "150 %"), (specs.PERCENT, "0.4 1"), (specs.PERCENT, "0.4 {ratio}")],
)
def test_closed_specs_refuse_other_dimensionless_units(spec: lc.UnitSpec, text: str) -> None:
    # An INR of "150 %" or a PTA of "0.4" are not readings of those tests.
    with pytest.raises(lc.CriteriaInputError, match="one of the units"):
        spec.convert(text, "x")


def test_bare_numbers_only_where_unambiguous() -> None:
    assert specs.NUMBER.convert(1.5, "inr")[0] == 1.5
    assert specs.FRACTION.convert(0.4, "fio2")[0] == 0.4
    for spec in (specs.BILIRUBIN, specs.PERCENT, specs.PRESSURE, specs.MASS):
        with pytest.raises(lc.CriteriaInputError, match="bare number"):
            spec.convert(40, "x")


@pytest.mark.parametrize("x", [205.24800000000002, 199.99999999999997, 0.30000000000000004])
def test_quantise_removes_float_noise(x: float) -> None:
    assert quantise(x) == float(f"{x:.12g}")
    assert quantise(12 * 17.104) == 205.248
    assert quantise(0.0) == 0.0


@pytest.mark.parametrize("x", [1e-11, 9.99999999999e-11, 1e12, 1.2345678901234e15, -3e-12])
def test_quantise_leaves_magnitudes_outside_its_range(x: float) -> None:
    assert quantise(x) == x
    assert quantise(1e-10 * 1.0000000000001) == float(f"{1e-10 * 1.0000000000001:.12g}")
    assert quantise(999999999999.4) == 999999999999.0


def test_bilirubin_factor_is_the_documented_constant() -> None:
    assert specs.BILIRUBIN_MG_DL_TO_UMOL_L == 17.104
    assert round(10_000 / 584.66, 3) == specs.BILIRUBIN_MG_DL_TO_UMOL_L
    assert specs.BILIRUBIN.factor("mg/dL") == 17.104


def test_the_shipped_factor_table_is_what_pint_computes() -> None:
    # The hot path reads documented spellings from the table, without pint: each entry
    # must be the factor pint gives, and every documented spelling must be in it.
    from liverfail_criteria.units import factors, maketable

    assert maketable.factor_table() == factors.FACTORS
    defined = maketable.specs_defined()
    for fact in [*lc.VARIABLES.values(), *lc.PARAMETERS.values()]:
        unit = fact.type.unit
        assert unit is None or any(unit is s for s in defined), fact.name
    for (key, expression), factor in factors.FACTORS.items():
        spec = next(s for s in maketable.specs_defined() if s.table_key == key)
        assert spec.pint_factor(expression) == factor, (key, expression)


@pytest.mark.parametrize("spec", [getattr(specs, n) for n in specs.__all__ if n.isupper()])
def test_the_table_and_pint_give_one_factor(spec: lc.UnitSpec) -> None:
    # A fresh specification (empty cache) reads each spelling from the table; the same
    # spelling with pint (a spelling the table does not key) gives the same factor.
    if not isinstance(spec, lc.UnitSpec):
        return
    for spelling in spec.accepted:
        fresh = attrs.evolve(spec)  # the same specification, its cache empty
        assert fresh._known_factor(spelling) is not None, spelling
        assert fresh.factor(spelling) == spec.pint_factor(spelling), spelling


def test_a_spelling_not_in_the_table_is_read_by_pint() -> None:
    from liverfail_criteria.units import factors

    assert ("kg", "lbs") not in factors.FACTORS
    assert specs.MASS.convert("100 lbs")[0] == pytest.approx(45.359237)
    assert specs.MASS.convert("2000 mg")[0] == pytest.approx(0.002)
