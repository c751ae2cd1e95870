"""Criteria, rulesets and the interpretation decisions they rest on."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

import attrs

from ..errors import DefinitionError
from .nodes import Expr, _require_boolean
from .types import BOOLEAN, Kind, ValueType
from .variable import Parameter, Variable

__all__ = ["Criterion", "Decision", "Ruleset"]


@attrs.frozen(order=False)
class Decision:
    """A named, documented choice where the protocol text can be read more than one way.

    Attributes:
        id: a stable identifier (``"bilirubin-uln-source"``).
        title: a short title.
        protocol_text: the words of the protocol the decision interprets, verbatim.
        decision: what the library does.
        rationale: why.
        alternative: the other fair reading.
        parameter: the parameter that selects the alternative, if there is one.
    """

    id: str
    title: str
    protocol_text: str
    decision: str
    rationale: str
    alternative: str
    parameter: Parameter | None = None


def _decisions(value: Iterable[Decision]) -> tuple[Decision, ...]:
    return tuple(value)


def _members(value: Iterable[Expr]) -> tuple[Expr, ...]:
    return tuple(value)


def _check_gating(instance: object, attribute: object, value: object) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, Parameter) and value.type.kind is Kind.BOOLEAN:
        return
    raise DefinitionError(f"gating is True, False or a boolean Parameter, not {value!r}")


@attrs.frozen(cache_hash=True, order=False)
class Criterion(Expr):
    """One eligibility criterion: the protocol's words and their formal rule.

    Attributes:
        id: a stable identifier, unique in any ruleset that holds it (``"clf.age"``).
        title: a short title.
        protocol_text: the protocol's text for this criterion, verbatim.
        expr: the formal rule, a true/false expression.
        decisions: the interpretation decisions the rule depends on.
        gating: ``True`` if the criterion decides its ruleset's outcome; ``False`` if it
            is informational (evaluated and shown, never gating); or a boolean
            :class:`Parameter` that chooses.
        title_when: ``(parameter, title)``: the title to show instead when that boolean
            parameter is true (a rule whose thresholds a parameter changes says so in
            its title).
    """

    id: str
    title: str
    protocol_text: str
    expr: Expr
    decisions: tuple[Decision, ...] = attrs.field(default=(), converter=_decisions)
    gating: bool | Parameter = attrs.field(default=True, validator=_check_gating)
    title_when: tuple[Parameter, str] | None = None

    def __attrs_post_init__(self) -> None:
        _require_boolean(self.expr, f"criterion {self.id!r}")
        if self.title_when is not None and self.title_when[0].type.kind is not Kind.BOOLEAN:
            raise DefinitionError(f"criterion {self.id!r}: title_when needs a boolean parameter")

    def title_for(self, params: Mapping[str, object]) -> str:
        """The title with these parameter values (canonical, by name) in force."""
        if self.title_when is not None:
            parameter, title = self.title_when
            if bool(params.get(parameter.name, parameter.default)):
                return title
        return self.title

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return BOOLEAN

    def __repr__(self) -> str:
        return f"Criterion({self.id!r})"


@attrs.frozen(cache_hash=True, order=False)
class Ruleset(Expr):
    """Criteria and rulesets combined: all of them (``mode="all"``) or any (``"any"``).

    Informational criteria are evaluated and shown but do not count. A ruleset is
    itself an expression, so rulesets nest and negate (``~EXCLUSIONS``).

    Attributes:
        id: a stable identifier (``"clf"``).
        title: a short title.
        members: the criteria, rulesets and other true/false expressions it combines.
        mode: ``"all"`` (every gating member met) or ``"any"`` (at least one).
        protocol_text: the protocol's words introducing this group, verbatim.
        group: the label reported in ``Result.groups`` when this ruleset is met.
    """

    id: str
    title: str
    members: tuple[Expr, ...] = attrs.field(converter=_members)
    mode: Literal["all", "any"] = "all"
    protocol_text: str = ""
    group: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.members:
            raise DefinitionError(f"ruleset {self.id!r} has no members")
        if self.mode not in ("all", "any"):
            raise DefinitionError(f"ruleset {self.id!r}: mode is 'all' or 'any'")
        for member in self.members:
            _require_boolean(member, f"ruleset {self.id!r}")
        seen: dict[str, Expr] = {}
        for node in self.walk():
            if isinstance(node, (Criterion, Ruleset)):
                other = seen.setdefault(node.id, node)
                if other is not node and other != node:
                    raise DefinitionError(f"two different definitions share the id {node.id!r}")

    @property
    def type(self) -> ValueType:
        """The type of this expression's value."""
        return BOOLEAN

    def walk(self) -> Iterator[Expr]:
        """Every node below and including this ruleset, depth first."""
        from .walk import walk

        return walk(self)

    def criteria(self) -> tuple[Criterion, ...]:
        """Every criterion in this ruleset and the rulesets below it, in order."""
        return tuple(dict.fromkeys(n for n in self.walk() if isinstance(n, Criterion)))

    def rulesets(self) -> tuple[Ruleset, ...]:
        """This ruleset and every ruleset below it, in order."""
        return tuple(dict.fromkeys(n for n in self.walk() if isinstance(n, Ruleset)))

    def parameters(self) -> tuple[Parameter, ...]:
        """Every parameter the ruleset's evaluation reads."""
        from .walk import parameters

        return parameters(self)

    def variables(self) -> tuple[Variable, ...]:
        """Every fact (:class:`Variable`) the ruleset reads, in order of first use."""
        return tuple(dict.fromkeys(n for n in self.walk() if isinstance(n, Variable)))

    def decisions(self) -> tuple[Decision, ...]:
        """Every interpretation decision the ruleset's criteria depend on."""
        return tuple(dict.fromkeys(d for c in self.criteria() for d in c.decisions))

    def find(self, id: str) -> Criterion | Ruleset:
        """The criterion or ruleset with this id (``KeyError`` if there is none)."""
        for node in self.walk():
            if isinstance(node, (Criterion, Ruleset)) and node.id == id:
                return node
        raise KeyError(id)

    def __repr__(self) -> str:
        return f"Ruleset({self.id!r}, {len(self.members)} members)"
