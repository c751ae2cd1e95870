"""The funnel drawn as a CONSORT-style flow diagram, with matplotlib.

A column of boxes, one per step, with the rows entering it; beside each, the rows it
removes and those it cannot decide (with the facts they lack); at the bottom, the
eligible, undetermined and ineligible rows.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

from ..errors import UnwritableOutputError, check_output_path
from ..extras import require

if TYPE_CHECKING:
    from .funnel import Funnel

__all__ = ["FIGURE_SUFFIXES", "draw_funnel"]

#: The figure formats ``Funnel.plot`` writes, by file extension.
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")

_MAIN = "#e8f1f2"
_SIDE = "#fbeee6"
_UNKNOWN = "#fff7d6"
_EDGE = "#37474f"


def _box(ax: Any, x: float, y: float, w: float, h: float, text: str, color: str) -> None:
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor=color,
            edgecolor=_EDGE,
            linewidth=0.9,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=8.5, wrap=True)


def _arrow(ax: Any, x0: float, y0: float, x1: float, y1: float) -> None:
    ax.annotate(
        "",
        xy=(x1, y1),
        xytext=(x0, y0),
        arrowprops={"arrowstyle": "-|>", "color": _EDGE, "linewidth": 0.9},
    )


def _wrap(text: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(text, width))


def draw_funnel(funnel: Funnel, path: str | None = None, *, title: str | None = None) -> Any:
    """Draw ``funnel``; save it to ``path`` if given (the format from its suffix).

    Raises:
        CriteriaInputError: for a path not ending in ``.png``, ``.svg`` or ``.pdf``.
        UnwritableOutputError: for a path that is a folder, in a missing folder, or that
            may not be written.
    """
    if path is not None:
        check_output_path("path", path, FIGURE_SUFFIXES)
    require("matplotlib", extra="cohort", feature="Funnel.plot")
    # A Figure of its own, not pyplot's: no global state, no display needed.
    from matplotlib.figure import Figure

    steps = [r for r in funnel.table.iter_rows(named=True) if r["level"] == 0]
    parts: dict[str, list[dict[str, Any]]] = {}
    current = None
    for r in funnel.table.iter_rows(named=True):
        if r["level"] == 0:
            current = r["id"]
        elif current is not None:
            parts.setdefault(current, []).append(r)

    row_h = 1.35
    height = row_h * (len(steps) + 2) + 0.6
    fig = Figure(figsize=(10, max(4.0, height * 0.62)))
    ax = fig.add_subplot()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, height)
    ax.axis("off")
    y = height - 0.7
    screened = f"Screened\nn = {funnel.screened}"
    if funnel.with_errors:
        screened += f"\n({funnel.with_errors} with invalid cells, screened without them)"
    _box(ax, 3, y, 3.6, 0.9, screened, _MAIN)
    for step in steps:
        y_next = y - row_h
        _arrow(ax, 3, y - 0.47, 3, y_next + 0.47)
        label = _wrap(step["label"], 34)
        _box(ax, 3, y_next, 3.6, 0.95, f"{label}\nn = {step['entering']}", _MAIN)
        verb = "excluded" if step["removes"] == "met" else "not met"
        side = f"{verb}: {step['removed']}"
        for p in parts.get(step["id"], []):
            name = p["id"].upper() if len(p["id"]) <= 8 else p["id"]
            side += f"\n{name} met: {p['met']}"
        _arrow(ax, 4.8, y_next, 5.55, y_next)
        _box(ax, 6.55, y_next, 1.9, 0.95, side, _SIDE)
        if step["undetermined"]:
            lacking = ", ".join(d["fact"] for d in step["lacking"][:2])
            unknown = f"undetermined: {step['undetermined']}"
            if lacking:
                unknown += "\n" + _wrap(f"lacking {lacking}", 24)
            _box(ax, 8.75, y_next, 2.1, 0.95, unknown, _UNKNOWN)
        y = y_next
    y_end = y - row_h
    _arrow(ax, 3, y - 0.47, 3, y_end + 0.47)
    _box(
        ax,
        3,
        y_end,
        3.6,
        0.9,
        f"Eligible: {funnel.eligible}\nUndetermined: {funnel.undetermined}",
        _MAIN,
    )
    _box(ax, 6.55, y_end, 1.9, 0.9, f"Ineligible: {funnel.ineligible}", _SIDE)
    ax.set_title(title or "Screening funnel", fontsize=11, loc="left")
    fig.tight_layout()
    if path is not None:
        try:
            fig.savefig(path, dpi=150, bbox_inches="tight")
        except OSError as exc:
            raise UnwritableOutputError(
                "path", str(path), f"a path that may be written ({exc.strerror or exc})"
            ) from None
    return fig
