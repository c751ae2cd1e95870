"""Code sets: which codes in which code systems record a fact.

A :class:`CodeSet` is a list of :class:`Code` entries in one code system, with where
the list came from. An ICD-10 entry may stand for its whole category
(``descendants=True``: "C22" covers "C22.0" to "C22.9"); LOINC and SNOMED CT entries
match exactly (a SNOMED CT subsumption query needs a terminology server, which this
library does not assume; the sets list the concepts hospitals commonly record).
"""

from __future__ import annotations

import attrs

from ..errors import DefinitionError
from .schema import ICD10, ICD10_CM, LOINC, SNOMED, normalise_code

__all__ = ["Code", "CodeSet", "matches"]

_HIERARCHICAL = (ICD10, ICD10_CM)


@attrs.frozen
class Code:
    """One code of a code set.

    Attributes:
        code: the code as its system writes it (``"K74.6"``, ``"1975-2"``).
        display: its name in the system.
        descendants: for ICD-10, the code stands for every code under it too.
    """

    code: str
    display: str
    descendants: bool = False


def _check_codes(instance: CodeSet, attribute: object, value: tuple[Code, ...]) -> None:
    if not value:
        raise DefinitionError(f"code set {instance.name!r} has no codes")
    if instance.system not in (LOINC, ICD10, ICD10_CM, SNOMED):
        raise DefinitionError(f"code set {instance.name!r}: unknown system {instance.system!r}")
    for c in value:
        if c.descendants and instance.system not in _HIERARCHICAL:
            raise DefinitionError(
                f"code set {instance.name!r}: descendants of {c.code} only in ICD-10"
            )
    keys = [normalise_code(instance.system, c.code) for c in value]
    if len(set(keys)) != len(keys):
        raise DefinitionError(f"code set {instance.name!r} lists a code twice")


@attrs.frozen
class CodeSet:
    """The codes, in one code system, that record one fact.

    Attributes:
        name: a short name (``"cirrhosis-icd10cm"``).
        system: the code system's URI.
        codes: the codes.
        source: where the list came from (a classification's chapter, a LOINC
            search, a published value set), so a reader can check it.
    """

    name: str
    system: str
    codes: tuple[Code, ...] = attrs.field(validator=_check_codes)
    source: str

    def exact(self) -> frozenset[str]:
        """The normalised codes matched exactly (see :func:`~.schema.normalise_code`)."""
        return frozenset(normalise_code(self.system, c.code) for c in self.codes)

    def prefixes(self) -> tuple[str, ...]:
        """The normalised codes whose descendants match too (ICD-10 categories)."""
        return tuple(normalise_code(self.system, c.code) for c in self.codes if c.descendants)

    def contains(self, system: str, code: str) -> bool:
        """Whether a code of a system belongs to this set."""
        if system != self.system:
            return False
        key = normalise_code(system, code)
        return key in self.exact() or key.startswith(self.prefixes())


def matches(code_sets: tuple[CodeSet, ...], system: str, code: str) -> bool:
    """Whether a code belongs to any of the code sets."""
    return any(s.contains(system, code) for s in code_sets)
