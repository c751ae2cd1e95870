"""The derivations as Markdown, for the data dictionary page."""

from __future__ import annotations

from .catalog import DERIVATIONS, STATED_ONLY
from .codes import CodeSet
from .decisions import RECORD_DECISIONS
from .reference import describe
from .schema import ICD10, ICD10_CM, LOINC, SNOMED

__all__ = ["derivations_markdown"]

_SYSTEM = {LOINC: "LOINC", ICD10: "ICD-10 (WHO)", ICD10_CM: "ICD-10-CM", SNOMED: "SNOMED CT"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _codes(sets: tuple[CodeSet, ...]) -> str:
    lines = []
    for s in sets:
        codes = ", ".join(
            f"`{c.code}`{' and below' if c.descendants else ''} {c.display}" for c in s.codes
        )
        lines.append(f"**{_SYSTEM[s.system]}**: {codes} (source: {s.source})")
    return "<br>".join(_cell(x) for x in lines)


def derivations_markdown() -> str:
    """A section listing each derivable fact's codes, window and rule."""
    rows = [
        "| Fact | Rule (window, statuses) | Codes |",
        "| --- | --- | --- |",
    ]
    for fact, d in DERIVATIONS.items():
        statuses = ", ".join(s or "(none)" for s in d.select.statuses)
        verif = d.select.verifications
        rule = describe(d, d.window.days)
        if d.window.parameter:
            rule += f" (parameter `{d.window.parameter}`)"
        rule += f"; status {statuses}"
        if verif is not None:
            rule += f"; verification {', '.join(v or '(none)' for v in verif)}"
        rows.append(f"| `{fact}` | {_cell(rule)} | {_codes(d.select.codes)} |")
    decisions = "\n".join(f"- **{d.title}** (`{d.id}`): {d.decision}" for d in RECORD_DECISIONS)
    stated = ", ".join(f"`{f}`" for f in STATED_ONLY)
    return (
        "## From clinical records\n\n"
        "How `lc.record_from_fhir`, `lc.from_fhir` and `lc.from_events` derive each fact "
        "from FHIR resources or lab extracts (see the guide *From FHIR and lab extracts "
        "to a screening list*). Ties break by time, then by the source's id.\n\n"
        + "\n".join(rows)
        + f"\n\nFacts no record holds, stated by the caller: {stated}.\n\n"
        "### Decisions in reading records\n\n" + decisions + "\n"
    )
