"""Render a result's evaluation tree for people: indented text, and HTML for notebooks."""

from __future__ import annotations

import html

from .logic import Outcome
from .result import Node, Result

__all__ = ["explain", "to_html"]

_MARK = {Outcome.MET: "[MET]", Outcome.NOT_MET: "[NOT MET]", Outcome.UNKNOWN: "[UNKNOWN]"}
_COLOUR = {Outcome.MET: "#1a7f37", Outcome.NOT_MET: "#cf222e", Outcome.UNKNOWN: "#9a6700"}


def _detail(node: Node) -> str:
    parts = []
    if node.observed is not None and node.kind == "compare":
        parts.append(f"observed {node.observed.text}")
    if node.threshold is not None:
        parts.append(f"threshold {node.threshold.text}")
    if node.margin is not None:
        unit = node.observed.unit if node.observed is not None else None
        parts.append(f"margin {node.margin:+g}{' ' + unit if unit else ''}")
    if node.kind == "fact" and node.observed is not None:
        parts.append(node.observed.text)
    if node.note:
        parts.append(node.note)
    if node.missing:
        parts.append("missing: " + ", ".join(node.missing))
    return "; ".join(parts)


def _label(node: Node) -> str:
    head = f"{node.id}: {node.title}" if node.kind in ("ruleset", "criterion") else node.title
    if not node.gating:
        head += " (informational)"
    return head


_CONNECTIVE_WORDS = {"all_of": "all of", "any_of": "any of", "at_least": "at least"}


def _rows(node: Node, depth: int = 0) -> list[tuple[int, Node, str, tuple[Node, ...]]]:
    """The tree as display rows: ``(depth, node, text, children to show)``.

    A criterion is folded with its rule: a rule that is one comparison or fact is
    written on the criterion's line; a rule that is a connective shows its operands
    directly under the criterion.
    """
    label, children = _label(node), node.children
    detail = _detail(node)
    if node.kind == "criterion" and len(children) == 1:
        rule = children[0]
        if not rule.children:
            label, detail, children = f"{label} — {rule.title}", _detail(rule), ()
        elif rule.kind in _CONNECTIVE_WORDS:
            label += f" — {_CONNECTIVE_WORDS[rule.kind]}:"
            children = rule.children
    text = label + (f"  ({detail})" if detail else "")
    return [(depth, node, text, children)]


def explain(result: Result, *, show_informational: bool = True) -> str:
    """The evaluation tree as indented text, one node a line, with a summary first."""
    lines = [
        result.status.value.upper() + (f"  record {result.record_id}" if result.record_id else "")
    ]
    lines.append("groups met: " + (", ".join(sorted(result.groups)) or "none"))
    if result.missing:
        lines.append("missing facts that could decide it: " + ", ".join(result.missing))
    if result.params:
        lines.append("parameters: " + ", ".join(f"{p.name} = {p.given}" for p in result.params))
    lines.append("")

    def visit(node: Node, depth: int) -> None:
        if not show_informational and not node.gating:
            return
        for d, n, text, children in _rows(node, depth):
            lines.append(f"{'  ' * d}{_MARK[n.outcome]} {text}")
            for child in children:
                visit(child, d + 1)

    visit(result.tree, 0)
    return "\n".join(lines)


def to_html(result: Result) -> str:
    """The evaluation tree as nested, collapsible HTML (used by Jupyter)."""

    def visit(node: Node) -> str:
        ((_, n, text, children),) = _rows(node)
        badge = (
            f'<span style="color:{_COLOUR[n.outcome]};font-weight:bold">'
            f"{html.escape(_MARK[n.outcome])}</span>"
        )
        line = f"{badge} {html.escape(text)}"
        if not children:
            return f"<li>{line}</li>"
        opened = " open" if n.outcome is not Outcome.MET or n.kind == "ruleset" else ""
        inner = "".join(visit(c) for c in children)
        return (
            f"<li><details{opened}><summary>{line}</summary>"
            f'<ul style="list-style:none;padding-left:1.2em;margin:0">{inner}</ul>'
            "</details></li>"
        )

    status = {"eligible": Outcome.MET, "ineligible": Outcome.NOT_MET}.get(
        result.status.value, Outcome.UNKNOWN
    )
    groups = ", ".join(sorted(result.groups)) or "none"
    summary = (
        f'<p><b style="color:{_COLOUR[status]}">{html.escape(result.status.value.upper())}</b>'
        f" — groups met: {html.escape(groups)}"
    )
    if result.missing:
        summary += "<br>missing facts that could decide it: " + html.escape(
            ", ".join(result.missing)
        )
    summary += "</p>"
    return (
        f'<div class="liverfail-result">{summary}'
        f'<ul style="list-style:none;padding-left:0">{visit(result.tree)}</ul></div>'
    )
