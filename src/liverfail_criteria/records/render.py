"""The derivations as Markdown, for the data dictionary page."""

from __future__ import annotations

from collections.abc import Collection

from .catalog import DERIVATIONS, STATED_ONLY
from .codes import CodeSet
from .decisions import OMOP_DECISIONS, RECORD_DECISIONS, STATED
from .nodes import AnyOf, Derive, Paired, Trend
from .reference import describe
from .schema import ICD10, ICD10_CM, LOINC, SNOMED

__all__ = ["anchor", "decision_uses", "derivations_markdown"]

_SYSTEM = {LOINC: "LOINC", ICD10: "ICD-10 (WHO)", ICD10_CM: "ICD-10-CM", SNOMED: "SNOMED CT"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _codes(sets: tuple[CodeSet, ...], answers: tuple[CodeSet, ...] | None = None) -> str:
    lines = []
    for s in sets:
        codes = ", ".join(
            f"`{c.code}`{' and below' if c.descendants else ''} {c.display}" for c in s.codes
        )
        lines.append(f"**{_SYSTEM[s.system]}**: {codes} (source: {s.source})")
    for s in answers or ():
        codes = ", ".join(f"`{c.code}` {c.display}" for c in s.codes)
        lines.append(f"result **{_SYSTEM[s.system]}**: {codes} (source: {s.source})")
    return "<br>".join(_cell(x) for x in lines)


def _rule(d: Derive | Trend | Paired) -> str:
    statuses = ", ".join(s or "(none)" for s in d.select.statuses)
    verif = d.select.verifications
    rule = describe(d, d.window.days)
    if d.window.parameter:
        rule += f" (parameter `{d.window.parameter}`)"
    rule += f"; status {statuses}"
    if verif is not None:
        rule += f"; verification {', '.join(v or '(none)' for v in verif)}"
    return rule


#: The anchor of the list of facts no record holds, on the dictionary page.
STATED_ANCHOR = "records-stated"


def anchor(fact: str) -> str:
    """The anchor of a fact's row in the derivations table (``record-total_bilirubin``)."""
    return f"record-{fact}"


def decision_uses(dictionary_file: str, omop_guide: str) -> dict[str, tuple[str, ...]]:
    """What uses each decision in reading records, as Markdown links for the decisions page.

    Args:
        dictionary_file: the data dictionary page (the derivations table is on it).
        omop_guide: the guide on OMOP, for the ``omop-*`` decisions.

    Returns:
        Decision id -> links to the derived facts that apply it (or to the OMOP guide).
    """
    uses: dict[str, list[str]] = {}
    for fact, d in DERIVATIONS.items():
        for decision_id in d.decisions:
            uses.setdefault(decision_id, []).append(
                f"[`{fact}` from records]({dictionary_file}#{anchor(fact)})"
            )
    for decision in OMOP_DECISIONS:
        uses.setdefault(decision.id, []).append(f"[reading OMOP tables]({omop_guide})")
    uses.setdefault(STATED.id, []).append(
        f"[the facts no record holds]({dictionary_file}#{STATED_ANCHOR})"
    )
    return {k: tuple(v) for k, v in uses.items()}


def derivations_markdown(
    decisions_file: str | None = None, documented: Collection[str] = ()
) -> str:
    """A section listing each derivable fact's codes, window and rule.

    Args:
        decisions_file: the decisions page, to link each decision in reading records
            that it documents (``documented``: their ids) to its entry there.
        documented: the ids of the decisions the decisions page holds.
    """
    rows = [
        "| Fact | Rule (window, statuses) | Codes |",
        "| --- | --- | --- |",
    ]
    for fact, d in DERIVATIONS.items():
        parts = d.parts if isinstance(d, AnyOf) else (d,)
        rules = "; or ".join(_rule(p) for p in parts)
        codes = "<br>".join(_codes(p.select.codes, p.select.values) for p in parts)
        if isinstance(d, Paired):
            codes += "<br>paired with " + _codes(d.partner.codes)
        name = f'<span id="{anchor(fact)}"></span>`{fact}`'
        rows.append(f"| {name} | {_cell(rules)} | {codes} |")
    items = []
    for decision in RECORD_DECISIONS:
        title = f"**{decision.title}**"
        if decisions_file is not None and decision.id in documented:
            title = f"[{title}]({decisions_file}#{decision.id})"
        items.append(f"- {title} (`{decision.id}`): {decision.decision}")
    decisions = "\n".join(items)
    stated = ", ".join(f"`{f}`" for f in STATED_ONLY)
    return (
        "## From clinical records\n\n"
        "How `lc.record_from_fhir`, `lc.from_fhir` and `lc.from_events` derive each fact "
        "from FHIR resources or lab extracts (see the guide *From FHIR and lab extracts "
        "to a screening list*). Ties break by time, then by the source's id.\n\n"
        + "\n".join(rows)
        + f'\n\n<span id="{STATED_ANCHOR}"></span>Facts no record holds, stated by the '
        f"caller: {stated}.\n\n"
        "### Decisions in reading records\n\n" + decisions + "\n"
    )
