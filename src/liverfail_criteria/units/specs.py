"""The unit specifications of the measurements this library reads.

Each is a :class:`~liverfail_criteria.units.UnitSpec`: its canonical unit (as a UCUM
code), the spellings documented as accepted, and any explicit cross-dimension factor.
"""

from __future__ import annotations

from . import UnitSpec

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

BILIRUBIN = UnitSpec(
    canonical="umol/L",
    symbol="µmol/L",
    accepted=("umol/L", "mg/dL", "µmol/L", "mmol/L", "mg/L"),
    alternates=(("mg/dL", BILIRUBIN_MG_DL_TO_UMOL_L),),
)
MASS_CONCENTRATION = UnitSpec(
    canonical="g/L", symbol="g/L", accepted=("g/L", "g/dL", "mg/dL", "mg/mL")
)
PLATELETS = UnitSpec(
    canonical="10*9/L",
    symbol="×10⁹/L",
    accepted=("10*9/L", "10*3/uL", "/uL", "/mm3", "x10^9/L", "×10⁹/L", "10^3/µL", "/mm³"),
)
PERCENT = UnitSpec(canonical="%", symbol="%", accepted=("%", "percent"), closed=True)
#: A plain dimensionless number, such as the INR; UCUM annotations like {INR} are unity.
NUMBER = UnitSpec(canonical="1", symbol="", accepted=("1", "{INR}"), bare_number=True, closed=True)
#: A fraction such as FiO2: a plain number (0.21 to 1.0) or a percentage ("40 %").
FRACTION = UnitSpec(canonical="1", symbol="", accepted=("1", "%"), bare_number=True)
PRESSURE = UnitSpec(canonical="mm[Hg]", symbol="mmHg", accepted=("mm[Hg]", "mmHg", "kPa"))
MASS = UnitSpec(canonical="kg", symbol="kg", accepted=("kg", "[lb_av]", "lb", "g"))
YEARS = UnitSpec(canonical="a", symbol="years", accepted=("a", "years", "mo", "wk", "d"))
DAYS = UnitSpec(canonical="d", symbol="days", accepted=("d", "days", "h", "wk"))
