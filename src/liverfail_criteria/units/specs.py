"""The unit specifications of the measurements this library reads.

Each is a :class:`~liverfail_criteria.units.UnitSpec`: its canonical unit (as a UCUM
code), the spellings documented as accepted, and any explicit cross-dimension factor.
"""

from __future__ import annotations

from . import Mistake, UnitSpec

__all__ = [
    "BILIRUBIN",
    "BILIRUBIN_MG_DL_TO_UMOL_L",
    "DAYS",
    "FRACTION",
    "MASS",
    "MASS_CONCENTRATION",
    "NUMBER",
    "PERCENT",
    "PLATELETS",
    "PRESSURE",
    "YEARS",
]

#: µmol/L in 1 mg/dL of bilirubin: 10 000 / 584.66 g/mol (bilirubin's molar mass),
#: 17.1039…, rounded to five significant figures as clinical laboratories publish it.
#: An explicit factor, not a pint context: contexts are not thread-safe.
BILIRUBIN_MG_DL_TO_UMOL_L = 17.104

# The likely unit mistakes of each kind of measurement (see UnitSpec.mistakes and the
# units guide): a value outside its plausible range that would be plausible in one of
# these units is refused with the suggestion. Order matters: the first that fits is shown.
BILIRUBIN = UnitSpec(
    canonical="umol/L",
    symbol="µmol/L",
    accepted=(
        "umol/L",
        "mg/dL",
        "µmol/L",
        "mmol/L",
        "mg/L",
        "μmol/L",  # Greek mu (U+03BC), as some systems print it; µ above is U+00B5
        "umol/l",
        "mg/dl",
    ),
    alternates=(("mg/dL", BILIRUBIN_MG_DL_TO_UMOL_L),),
    mistakes=(
        Mistake("mg/dL", "{} mg/dL was probably meant"),
        Mistake("umol/L", "{} µmol/L was probably meant"),
    ),
)
MASS_CONCENTRATION = UnitSpec(
    canonical="g/L",
    symbol="g/L",
    accepted=("g/L", "g/dL", "mg/dL", "mg/mL", "g/dl"),
    mistakes=(
        Mistake("g/dL", "{} g/dL was probably meant"),
        Mistake("g/L", "{} g/L was probably meant"),
    ),
)
PLATELETS = UnitSpec(
    canonical="10*9/L",
    symbol="×10⁹/L",
    accepted=(
        "10*9/L",
        "10*3/uL",
        "/uL",
        "/mm3",
        "G/L",  # giga per litre, as laboratories in China and Europe print it
        "x10^9/L",
        "10^9/L",
        "×10⁹/L",
        "K/uL",  # thousands per microlitre, as laboratories in the US print it
        "x10^3/uL",
        "10^3/µL",
        "/mm³",
    ),
    mistakes=(
        Mistake("10*3/uL", "{} ×10³/µL was probably meant"),
        Mistake("/uL", "{} /µL was probably meant"),
    ),
)
PERCENT = UnitSpec(
    canonical="%",
    symbol="%",
    accepted=("%", "percent"),
    closed=True,
    mistakes=(
        Mistake(None, "{} looks like a fraction of normal: write it in percent (× 100)", 100.0),
    ),
)
#: A plain dimensionless number, such as the INR; UCUM annotations like {INR} are unity.
NUMBER = UnitSpec(canonical="1", symbol="", accepted=("1", "{INR}"), bare_number=True, closed=True)
#: A fraction such as FiO2: a plain number (0.21 to 1.0) or a percentage ("40 %").
FRACTION = UnitSpec(
    canonical="1",
    symbol="",
    accepted=("1", "%"),
    bare_number=True,
    mistakes=(Mistake("%", "{} % was probably meant"),),
)
PRESSURE = UnitSpec(
    canonical="mm[Hg]",
    symbol="mmHg",
    accepted=("mm[Hg]", "mmHg", "kPa", "mm Hg"),
    mistakes=(
        Mistake("kPa", "{} kPa was probably meant"),
        Mistake("mm[Hg]", "{} mmHg was probably meant"),
    ),
)
MASS = UnitSpec(
    canonical="kg",
    symbol="kg",
    accepted=("kg", "[lb_av]", "lb", "g"),
    mistakes=(
        Mistake("kg", "{} kg was probably meant"),
        Mistake("[lb_av]", "{} lb was probably meant"),
        Mistake("g", "{} g was probably meant"),
    ),
)
#: An age: in years or months only (see the decision "age-duration-units").
YEARS = UnitSpec(
    canonical="a",
    symbol="years",
    accepted=("a", "years", "year", "mo", "months", "month"),
    whole_of=1 / 12,
    refused=(
        "an age in days or weeks is not a number of completed years for every birth "
        "date ('6574 d' is 18 years for some, 17 for others): give birth_date with "
        "assessment_date, or the age in completed years ('18 a')"
    ),
)
DAYS = UnitSpec(canonical="d", symbol="days", accepted=("d", "days", "h", "wk"))
