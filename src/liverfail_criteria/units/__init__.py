"""Units at the boundary: the library's one pint registry and conversion to canonical units.

Every dimensional fact is converted once, when it enters the library, to its variable's
canonical unit, and compared as a plain float from then on. Conversion factors are
computed by pint once per distinct unit spelling and cached, so pint is off the hot path.

Floating-point arithmetic cannot represent most decimal values exactly: 12 mg/dL is
205.248 µmol/L, but ``12 * 17.104`` is ``205.24800000000002``. Left alone, such noise
could flip a boundary. So every value read, converted or derived is rounded to
:data:`SIGNIFICANT_DIGITS` significant digits (:func:`quantise`), far beyond any
laboratory's precision, which maps a value written in any unit to the same float as the
same value written in the canonical unit.

pint is imported only when it is needed: for :data:`ureg`, for a pint quantity given as
a value (pint is then imported already), and for a unit spelling whose factor is not in
:mod:`.factors`, the table of the documented spellings' factors computed by pint and
checked against it by the tests. Reading values written in the documented spellings
therefore never loads pint (nor numpy, which pint imports).

Rounding applies to magnitudes in :data:`QUANTISE_RANGE` (from 1e-10 up to, not
including, 1e12), which hold every plausible clinical value and threshold; values
outside it are left as they are. In that range the vectorised interpreters (polars,
SQL) reproduce the rounding bit for bit with plain double arithmetic, so every
interpreter compares the same floats.
"""

from __future__ import annotations

import math
import re
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from ..errors import CriteriaInputError
from ..whitespace import WS, strip
from .factors import FACTORS
from .spelling import to_pint

__all__ = [
    "LONGEST_TEXT",
    "MAGNITUDE_RANGE",
    "NOT_A_MAGNITUDE",
    "NUMBER_TEXT",
    "QUANTISE_RANGE",
    "SIGNIFICANT_DIGITS",
    "TOO_LONG",
    "UCUM_SYSTEM",
    "ZERO_TEXT",
    "Mistake",
    "UnitSpec",
    "in_magnitude_range",
    "quantise",
    "split_quantity_text",
    "ureg",
]

_REGISTRY: list[Any] = []  # the registry, once made


def registry() -> Any:
    """The library's one pint unit registry, made (and pint imported) on first use.

    Also available as :data:`ureg` (``lc.ureg``). Quantities from it are accepted
    everywhere; quantities from another pint registry are converted by their unit names.
    """
    if not _REGISTRY:
        with _LOCK:
            if not _REGISTRY:
                import pint

                definitions = str(Path(__file__).with_name("definitions.txt"))
                _REGISTRY.append(pint.UnitRegistry(definitions, cache_folder=None))
    return _REGISTRY[0]


def __getattr__(name: str) -> Any:
    # ``ureg``, the registry, is made on first access (PEP 562), so importing the
    # library does not import pint.
    if name == "ureg":
        return registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _is_quantity(value: object) -> bool:
    """Whether ``value`` is a pint quantity (of any registry).

    No pint quantity can exist before pint is imported, so this does not import it.
    """
    pint = sys.modules.get("pint")
    return pint is not None and isinstance(value, pint.Quantity)


#: Significant digits kept after a unit conversion or a derived value (see module doc).
SIGNIFICANT_DIGITS = 12

_LOCK = threading.RLock()
#: A number as values are written: ASCII digits only, as every engine reads them.
NUMBER_TEXT = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NUMBER = re.compile(rf"^{WS}*({NUMBER_TEXT}){WS}*(.*?){WS}*$")


#: A number as written (a text's, a column's, a pint magnitude, a mapping's value) is 0
#: or has a magnitude ``lo <= |x| <= hi``; any other is refused (the decision
#: ``number-magnitude``). A unit's factor to its canonical unit lies in the same range.
#: So a value converted is at most 1e100, and no product or ratio of two values can
#: overflow or underflow a double in any engine.
MAGNITUDE_RANGE = (1e-50, 1e50)
#: What a number outside :data:`MAGNITUDE_RANGE` (or infinite) should have been.
NOT_A_MAGNITUDE = "0 or a number from 1e-50 to 1e50 in magnitude"
#: The longest text a quantity is written in, after any comparator (characters).
LONGEST_TEXT = 100
#: What a longer text should have been.
TOO_LONG = f"a text of at most {LONGEST_TEXT} characters"
#: A text whose number is 0 as written (its digits before any exponent are zeros and a
#: point), then anything: a number that reads as 0.0 without this underflowed ("1e-400").
ZERO_TEXT = r"^[+-]?(?:0*[.]0*(?:[^0-9]|$)|0+(?:[^0-9.]|$))"
_ZERO = re.compile(ZERO_TEXT)


def in_magnitude_range(x: float) -> bool:
    """Whether ``x`` is 0 or within :data:`MAGNITUDE_RANGE` (an infinity or NaN is not)."""
    return x == 0 or MAGNITUDE_RANGE[0] <= abs(x) <= MAGNITUDE_RANGE[1]


#: Magnitudes ``lo <= |x| < hi`` that :func:`quantise` rounds; others are kept as is.
QUANTISE_RANGE = (1e-10, 1e12)


def quantise(x: float) -> float:
    """Round ``x`` to :data:`SIGNIFICANT_DIGITS` significant digits.

    Formatting is correctly rounded (ties to even on the double's exact value), so
    this is the double nearest to ``x`` rounded to 12 significant decimal digits (and
    twice as fast as ``round`` with ``log10``). Magnitudes outside
    :data:`QUANTISE_RANGE` (and zero, infinities, NaN) are returned unchanged.
    """
    if 1e-10 <= abs(x) < 1e12:
        return float(f"{x:.12g}")
    return x


def split_quantity_text(text: str) -> tuple[float, str] | None:
    """Split ``"85 umol/L"`` into ``(85.0, "umol/L")``; ``None`` if no leading number."""
    m = _NUMBER.match(text)
    if m is None:
        return None
    return float(m.group(1)), m.group(2)


def _parse(unit_text: str) -> Any:
    """Parse a unit spelling into a pint Quantity of magnitude = its factor."""
    expression = to_pint(unit_text)
    ureg = registry()
    with _LOCK:  # pint's parser keeps caches of its own; keep it single-threaded
        q = ureg.parse_expression(expression)
    if not isinstance(q, ureg.Quantity):
        q = ureg.Quantity(float(q), "dimensionless")
    return q


_DIMENSION_NAMES = {
    "[substance] / [length] ** 3": "substance concentration",
    "[mass] / [length] ** 3": "mass concentration",
    "1 / [length] ** 3": "count per volume",
    "[mass] / [length] / [time] ** 2": "pressure",
    "[mass]": "mass",
    "[time]": "time",
    "[length]": "length",
    "[length] ** 3": "volume",
    "dimensionless": "dimensionless number",
}


def _describe_dimension(q: Any) -> str:
    dims = str(q.dimensionality)
    return _DIMENSION_NAMES.get(dims, dims)


#: The FHIR ``system`` of a Quantity whose ``code`` is a UCUM code.
UCUM_SYSTEM = "http://unitsofmeasure.org"


@attrs.frozen
class Mistake:
    """A unit a value is often written in by mistake, and the suggestion to show.

    A value outside its plausible range whose number, read in this unit, would be
    plausible is refused with :attr:`text` (``"{}"`` is the number as written).

    Attributes:
        unit: the unit the number was probably meant in, as the measurement's unit
            specification reads it (``"10*3/uL"``), or ``None`` with :attr:`factor`.
        text: the suggestion, with ``{}`` for the number as written
            (``"{} ×10³/µL was probably meant"``).
        factor: how many canonical units one of this unit is, when it is no unit the
            specification reads (a fraction written where a percentage is expected).
    """

    unit: str | None
    text: str
    factor: float | None = None

    def __attrs_post_init__(self) -> None:
        if (self.unit is None) == (self.factor is None) or self.text.count("{}") != 1:
            raise ValueError(f"a mistake needs a unit or a factor, and one {{}}: {self!r}")
        if self.factor is not None and not (self.factor > 0 and in_magnitude_range(self.factor)):
            raise ValueError(f"a mistake's factor is from 1e-50 to 1e50: {self!r}")


@attrs.frozen
class UnitSpec:
    """How one kind of measurement is written, and how it converts to its canonical unit.

    Attributes:
        canonical: the canonical unit as a UCUM code (``"umol/L"``, ``"10*9/L"``).
        symbol: the canonical unit as printed for people (``"µmol/L"``).
        accepted: the spellings documented (and tested) as accepted, canonical first.
            Any spelling of the same dimension that the registry reads is accepted too.
        alternates: conversions across dimensions by an explicit factor, as pairs of a
            reference unit and how many canonical units one reference unit is
            (total bilirubin: ``("mg/dL", 17.104)``).
        bare_number: whether a plain number means the canonical unit. Only for
            dimensionless measurements where no other reading is possible (INR).
        closed: accept only the spellings in :attr:`accepted` (up to UCUM
            annotations), not every unit of the same dimension: an INR is no
            percentage, and a percentage is not written as a plain fraction.
        refused: for a closed specification, or one with :attr:`whole_of`, why other
            units of the dimension are refused (added to the error).
        whole_of: accept only units that are a whole number of this many canonical
            units (an age: whole months, 1/12 of a year; not days or weeks).
        mistakes: the units a value of this kind is often written in by mistake, in
            the order they are suggested (see :meth:`suggestion`).
    """

    canonical: str
    symbol: str
    accepted: tuple[str, ...]
    alternates: tuple[tuple[str, float], ...] = ()
    bare_number: bool = False
    closed: bool = False
    refused: str = ""
    whole_of: float | None = None
    mistakes: tuple[Mistake, ...] = ()
    _factors: dict[str, float] = attrs.field(
        factory=dict, init=False, repr=False, eq=False, hash=False
    )

    @property
    def dimensionality(self) -> str:
        """The canonical unit's dimension, as pint writes it."""
        return str(_parse(self.canonical).dimensionality)

    def factor(self, unit_text: str, field: str | None = None) -> float:
        """How many canonical units one ``unit_text`` is. Cached per spelling.

        Raises :class:`CriteriaInputError` for an unknown spelling or another dimension.
        """
        try:
            return self._factors[unit_text]
        except KeyError:
            pass
        if self.closed and not self._is_accepted(unit_text):
            why = f"; {self.refused}" if self.refused else ""
            raise CriteriaInputError(field, unit_text, f"one of the units {self._examples()}{why}")
        known = self._known_factor(unit_text)
        if known is None:
            known = self._pint_factor(unit_text, field)
        if not (known > 0 and in_magnitude_range(known)):
            raise CriteriaInputError(
                field,
                unit_text,
                f"a unit from 1e-50 to 1e50 times {self.canonical!r} "
                f"({unit_text!r} is {known:g} times {self.canonical!r})",
            )
        self._factors[unit_text] = known
        return known

    def _pint_factor(self, unit_text: str, field: str | None) -> float:
        """The factor of ``unit_text`` computed by pint, with every check of :meth:`factor`."""
        import pint

        try:
            q = _parse(unit_text)
            f = self._factor_from(q)
        except Exception as exc:  # pint's parser raises many kinds; each means "not a unit"
            # Name the reason when it is ours or pint's word on a unit; a parser's
            # internal error (unbalanced parentheses, overflow) says nothing useful.
            known = isinstance(exc, (pint.errors.PintError, ValueError)) and not isinstance(
                exc, (OverflowError, ZeroDivisionError)
            )
            reason = f" ({exc})" if known and str(exc) else ""
            raise CriteriaInputError(
                field, unit_text, f"a unit such as {self._examples()}{reason}"
            ) from None
        if f is None:
            raise CriteriaInputError(
                field,
                unit_text,
                f"a unit of {_describe_dimension(_parse(self.canonical))} such as "
                f"{self._examples()}; {unit_text!r} is a unit of {_describe_dimension(q)}"
                + self._case_note(unit_text),
            )
        if not (math.isfinite(f) and f > 0):
            raise CriteriaInputError(field, unit_text, f"a unit such as {self._examples()}")
        if self.whole_of is not None:
            whole = f / self.whole_of
            if round(whole) < 1 or abs(whole - round(whole)) > 1e-9 * whole:
                why = f"; {self.refused}" if self.refused else ""
                raise CriteriaInputError(
                    field, unit_text, f"a unit such as {self._examples()}{why}"
                )
        return float(f"{f:.15g}")  # drop pint's own float noise (10.000000000000002 → 10)

    @property
    def table_key(self) -> str:
        """This specification's key in the table of factors :data:`.factors.FACTORS`.

        Its canonical unit, any cross-dimension factors (``"umol/L|mg/dL=17.104"``) and
        any whole-unit rule: what, beside the spelling, decides a factor and whether it
        is accepted (a closed specification's list is checked before the table).
        """
        parts = [self.canonical, *(f"{r}={k!r}" for r, k in self.alternates)]
        if self.whole_of is not None:
            parts.append(f"whole_of={self.whole_of!r}")
        return "|".join(parts)

    def _known_factor(self, unit_text: str) -> float | None:
        """The factor of ``unit_text`` from the shipped table, without pint (or None)."""
        try:
            expression = to_pint(unit_text)
        except ValueError:
            return None
        return FACTORS.get((self.table_key, expression))

    def pint_factor(self, unit_text: str) -> float | None:
        """The factor of ``unit_text`` computed by pint, as :meth:`factor` keeps it.

        ``None`` for a spelling :meth:`factor` refuses. This is how the table
        :data:`.factors.FACTORS` is computed and checked.
        """
        try:
            return self._pint_factor(unit_text, None)
        except CriteriaInputError:
            return None

    def _case_note(self, unit_text: str) -> str:
        """A note for a spelling that is an accepted one but for upper and lower case."""
        for a in self.accepted:
            if a != unit_text and a.lower() == strip(unit_text).lower():
                return f" (units are case-sensitive: write {a!r})"
        return ""

    def mistake_factors(self) -> tuple[tuple[float, str], ...]:
        """The :attr:`mistakes` as pairs of a factor to the canonical unit and the text."""
        return tuple(
            (m.factor if m.factor is not None else self.factor(m.unit or ""), m.text)
            for m in self.mistakes
        )

    def suggestion(self, number: float, low: float, high: float) -> str | None:
        """What a value outside ``low`` to ``high`` was probably meant to be, if anything.

        ``number`` is the number as written; the first of :attr:`mistakes` in whose
        unit it is a value from ``low`` to ``high`` (canonical unit, inclusive, the
        plain product compared, as every engine compares it) gives the suggestion.
        """
        for factor, text in self.mistake_factors():
            if low <= number * factor <= high:
                return text.replace("{}", f"{number:.12g}")
        return None

    def _is_accepted(self, unit_text: str) -> bool:
        try:
            return to_pint(unit_text) in {to_pint(a) for a in self.accepted}
        except ValueError:
            return False

    def _factor_from(self, q: Any) -> float | None:
        canonical = _parse(self.canonical)
        if q.dimensionality == canonical.dimensionality:
            return float((q / canonical).to("dimensionless").magnitude)
        for reference, k in self.alternates:
            r = _parse(reference)
            if q.dimensionality == r.dimensionality:
                return float((q / r).to("dimensionless").magnitude) * k
        return None

    def _examples(self) -> str:
        return ", ".join(repr(a) for a in self.accepted[:4])

    def convert(self, value: object, field: str | None = None) -> tuple[float, str]:
        """Convert a quantity given in any accepted form to the canonical unit.

        Accepts a string with a unit (``"5 mg/dL"``), a pint quantity (of this
        library's registry or another), a mapping ``{"value": 5, "unit": "mg/dL"}``
        (a FHIR Quantity: where ``code`` is given it is the unit, and ``unit`` must
        mean the same), or a plain number when :attr:`bare_number` is set. Returns the
        canonical magnitude and the value as given, for display.
        """
        converted, _, original = self.read(value, field)
        return converted, original

    def read(self, value: object, field: str | None = None) -> tuple[float, float, str]:
        """Like :meth:`convert`, also returning the number as written (in its own unit).

        Returns the canonical magnitude, the number as written, and the value as given.
        """
        if isinstance(value, str):
            original = strip(value)
            if len(original) > LONGEST_TEXT:
                raise CriteriaInputError(field, value, TOO_LONG)
            m = _NUMBER.match(value)
            if m is None:
                raise CriteriaInputError(
                    field, value, f"a number with a unit, such as '85 {self.accepted[0]}'"
                )
            magnitude, unit_text = float(m.group(1)), m.group(2)
            # "1e999 umol/L" is infinite, "1e-400 umol/L" 0.0 but not 0 as written
            if not in_magnitude_range(magnitude) or (
                magnitude == 0 and not _ZERO.match(m.group(1))
            ):
                raise CriteriaInputError(field, value, NOT_A_MAGNITUDE)
            factor = self._factors.get(unit_text)  # the common case: a spelling seen before
            if factor is not None:
                return quantise(magnitude * factor), magnitude, original
        elif _is_quantity(value):
            q: Any = value
            magnitude = _finite_number(q.magnitude, field, value)
            unit_text = str(q.units)
            original = f"{q.magnitude:g} {q.units:~}"
        elif isinstance(value, Mapping):
            if set(value) - {"value", "unit", "code", "system"} or "value" not in value:
                raise CriteriaInputError(
                    field, value, "a mapping with 'value' and 'unit' (or a FHIR 'code')"
                )
            unit_text = self._mapping_unit(value, field)
            magnitude = _finite_number(value["value"], field, value)
            original = strip(f"{value['value']} {unit_text or ''}")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            magnitude = _finite_number(value, field, value)
            if not self.bare_number:
                raise CriteriaInputError(
                    field,
                    value,
                    f"a quantity with a unit, such as '{value} {self.accepted[0]}' "
                    "(a bare number is ambiguous for a dimensional fact)",
                )
            return quantise(magnitude), magnitude, f"{value}"
        else:
            raise CriteriaInputError(field, value, f"a quantity such as '85 {self.accepted[0]}'")
        if not unit_text:
            if self.bare_number:
                return quantise(magnitude), magnitude, original
            raise CriteriaInputError(
                field, value, f"a unit after the number, such as {self._examples()}"
            )
        if not isinstance(unit_text, str):
            raise CriteriaInputError(field, value, "the unit as a string")
        try:
            factor = self.factor(unit_text, field)
        except CriteriaInputError as exc:
            raise CriteriaInputError(field, value, exc.expected) from None
        # both in MAGNITUDE_RANGE: the product is at most 1e100, never infinite
        return quantise(magnitude * factor), magnitude, original

    def _mapping_unit(self, value: Mapping[str, Any], field: str | None) -> object:
        """The unit of a FHIR-style mapping: its UCUM ``code``, checked against ``unit``.

        Where both are given, the code counts and the unit text must mean the same
        unit (the same factor to the canonical unit); a ``system`` other than UCUM's
        is refused, since its code is then no UCUM code.
        """
        unit, code, system = value.get("unit"), value.get("code"), value.get("system")
        if system is not None and system != UCUM_SYSTEM:
            raise CriteriaInputError(
                field, value, f"a UCUM code: 'system' {UCUM_SYSTEM!r} or no 'system'"
            )
        if not code or not unit:
            return unit or code
        for text in (code, unit):
            if not isinstance(text, str):
                raise CriteriaInputError(field, value, "the unit and the code as strings")
        assert isinstance(code, str)
        assert isinstance(unit, str)
        if strip(unit) != strip(code):
            try:
                counted = self.factor(code, field)
            except CriteriaInputError as exc:
                raise CriteriaInputError(field, value, exc.expected) from None
            try:
                agree = self.factor(unit, field) == counted
            except CriteriaInputError:
                agree = False
            if not agree:
                raise CriteriaInputError(
                    field,
                    value,
                    f"a 'unit' that means the same as its UCUM 'code' {code!r} "
                    f"(the code counts, and {unit!r} does not mean {code!r})",
                )
        return code


def _finite_number(x: object, field: str | None, given: object) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise CriteriaInputError(field, given, "a number as the magnitude")
    try:
        f = float(x)
    except OverflowError:
        f = math.inf
    if not in_magnitude_range(f):  # NaN, an infinity, 1e300, 5e-324
        raise CriteriaInputError(field, given, NOT_A_MAGNITUDE)
    return f
