"""The result of an evaluation: a status, the groups met, and the evaluation tree."""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import Any, NamedTuple

import attrs

from .logic import Outcome

__all__ = [
    "SCHEMA_VERSION",
    "Eligibility",
    "Fact",
    "Node",
    "Origin",
    "Result",
    "Source",
    "Value",
]

#: Version of the JSON form of :class:`Result`; bumped on any incompatible change.
SCHEMA_VERSION = 1


class Eligibility(enum.Enum):
    """A patient's overall status under a ruleset."""

    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    UNDETERMINED = "undetermined"

    @classmethod
    def from_outcome(cls, outcome: Outcome) -> Eligibility:
        """``MET`` → ``ELIGIBLE``, ``NOT_MET`` → ``INELIGIBLE``, else ``UNDETERMINED``."""
        return _FROM_OUTCOME[outcome]


_FROM_OUTCOME = {
    Outcome.MET: Eligibility.ELIGIBLE,
    Outcome.NOT_MET: Eligibility.INELIGIBLE,
    Outcome.UNKNOWN: Eligibility.UNDETERMINED,
}


class Source(enum.Enum):
    """Where a fact's value came from."""

    RECORD = "record"
    PARAMETER = "parameter"
    ASSUMED = "assumed"  # closed-world assumption requested by the caller
    IMPLIED = "implied"  # implied by another fact (sex = male: not pregnant)


class Origin(NamedTuple):
    """Where a value derived from clinical records came from (its provenance).

    Attributes:
        source: the record it was read from (``"Observation/abc"``, ``"row 17"``).
        time: the record's time (ISO 8601), if it had one.
        system: the code system of the matching code.
        code: the matching code.
        original: the value as the record wrote it, with its comparator and unit
            (``"<5 10*9/L"``); for a condition, its display or code.
        rule: how the fact was derived (the window, the codes searched).
    """

    source: str
    time: str | None
    system: str
    code: str
    original: str
    rule: str


class Fact(NamedTuple):
    """One fact as the evaluation used it (an immutable, typed named tuple).

    Attributes:
        name: the fact's (or parameter's) name.
        value: its canonical value: a float in the canonical unit for a quantity, a
            date as an ISO string.
        unit: the canonical unit's symbol, for a quantity.
        given: the value as it was given (``"7 mg/dL"``).
        source: where it came from.
        origin: for a value derived from clinical records, its provenance.
    """

    name: str
    value: float | int | bool | str
    unit: str | None
    given: str
    source: Source
    origin: Origin | None = None


class Value(NamedTuple):
    """One side of a comparison, as evaluated (an immutable, typed named tuple).

    Attributes:
        value: the canonical value, or ``None`` when it could not be computed.
        unit: the canonical unit's symbol.
        text: how the value was obtained, for people.
        facts: the facts it was computed from.
    """

    value: float | int | bool | str | None
    unit: str | None
    text: str
    facts: tuple[Fact, ...] = ()


class Node(NamedTuple):
    """One node of the evaluation tree (an immutable, typed named tuple).

    A named tuple rather than an attrs class because a full evaluation builds over a
    hundred of them: it is three times faster to create, and as immutable.

    Attributes:
        id: the criterion's or ruleset's id; for an inner expression, its parent's id
            with its position (``"clf.bilirubin.0.1"``).
        title: a short title, or the expression written out.
        kind: ``"ruleset"``, ``"criterion"``, ``"all_of"``, ``"any_of"``, ``"at_least"``,
            ``"not"``, ``"coalesce"``, ``"choice"``, ``"compare"`` or ``"fact"``.
        outcome: MET, NOT_MET or UNKNOWN.
        children: the nodes it was computed from.
        gating: ``False`` for an informational criterion (shown, never counted).
        observed: for a comparison, the value observed; for a fact, the fact.
        threshold: for a comparison, the value it was compared with.
        margin: for a comparison of numbers, ``observed - threshold`` in the canonical
            unit (positive: above the threshold).
        missing: the facts whose absence leaves this node UNKNOWN (empty otherwise).
        group: for a ruleset that defines an inclusion group, the group's label.
        note: anything else a reader needs (which parameter chose a branch).
    """

    id: str
    title: str
    kind: str
    outcome: Outcome
    children: tuple[Node, ...] = ()
    gating: bool = True
    observed: Value | None = None
    threshold: Value | None = None
    margin: float | None = None
    missing: tuple[str, ...] = ()
    group: str | None = None
    note: str | None = None

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()

    def find(self, id: str) -> Node:
        """The first node at or below this one with this id (``KeyError`` if none)."""
        for node in self.walk():
            if node.id == id:
                return node
        raise KeyError(id)


@attrs.frozen
class Result:
    """The outcome of evaluating one patient against a ruleset.

    Attributes:
        status: ELIGIBLE, INELIGIBLE or UNDETERMINED.
        groups: the inclusion groups met (``{"CLF"}``, ``{"ACLF"}``, both or none),
            whether or not an exclusion applies.
        missing: the facts whose values could change an UNDETERMINED status, in tree
            order; empty when the status is decided.
        tree: the evaluation tree.
        ruleset: the id of the ruleset evaluated.
        params: the parameters in force, as given (after defaults).
        record_id: the record's ``id``, if it had one.
    """

    status: Eligibility
    groups: frozenset[str]
    missing: tuple[str, ...]
    tree: Node
    ruleset: str
    params: tuple[Fact, ...] = ()
    record_id: str | None = None

    def explain(self, *, show_informational: bool = True) -> str:
        """The tree as indented text, for a terminal or a log."""
        from .render import explain

        return explain(self, show_informational=show_informational)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, with ``schema`` and ``schema_version`` keys."""
        from .serialize import result_to_dict

        return result_to_dict(self)

    @staticmethod
    def json_schema() -> dict[str, Any]:
        """The JSON Schema of :meth:`to_dict`'s output, for other tools to validate with."""
        from .serialize import json_schema

        return json_schema()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """The result back from :meth:`to_dict`'s output (or its JSON, loaded)."""
        from .serialize import result_from_dict

        return result_from_dict(data)

    def to_json(self, **kwargs: Any) -> str:
        """:meth:`to_dict` as a JSON string; keyword arguments go to ``json.dumps``."""
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    def _repr_html_(self) -> str:
        from .render import to_html

        return to_html(self)

    def __str__(self) -> str:
        return self.explain()
