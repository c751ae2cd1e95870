"""Generic traversal of expression trees, shared by every interpreter."""

from __future__ import annotations

from collections.abc import Iterator

from .nodes import (
    AllOf,
    AnyOf,
    AtLeast,
    Choice,
    Coalesce,
    Compare,
    DaysBetween,
    Expr,
    Not,
    Ratio,
    Scaled,
    YearsBetween,
)
from .rules import Criterion, Ruleset
from .variable import Parameter

__all__ = ["children", "group_paths", "parameters", "walk"]


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of ``node``, in order."""
    if isinstance(node, (AllOf, AnyOf, AtLeast, Coalesce)):
        return node.operands
    if isinstance(node, Compare):
        return (node.left, node.right)
    if isinstance(node, Not):
        return (node.operand,)
    if isinstance(node, Scaled):
        return (node.operand,)
    if isinstance(node, Ratio):
        return (node.numerator, node.denominator)
    if isinstance(node, (DaysBetween, YearsBetween)):
        return (node.start, node.end)
    if isinstance(node, Choice):
        return (node.parameter, node.if_true, node.if_false)
    if isinstance(node, Criterion):
        gate = (node.gating,) if isinstance(node.gating, Parameter) else ()
        return (*gate, node.expr)
    if isinstance(node, Ruleset):
        return node.members
    return ()


def walk(node: Expr) -> Iterator[Expr]:
    """``node`` and every node below it, depth first, in order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def parameters(node: Expr) -> tuple[Parameter, ...]:
    """Every :class:`Parameter` in the tree, in order of first use."""
    return tuple(dict.fromkeys(n for n in walk(node) if isinstance(n, Parameter)))


def group_paths(ruleset: Ruleset) -> tuple[tuple[tuple[int, ...], Ruleset], ...]:
    """The rulesets whose group a MET outcome reports, with their places in the tree.

    Rulesets nest only in rulesets and negations, so nothing else is visited. A place is
    the child positions from the root: an evaluation node's children are its ruleset's
    members (a negation's, its operand), in order.
    """
    found: list[tuple[tuple[int, ...], Ruleset]] = []

    def visit(e: Expr, path: tuple[int, ...]) -> None:
        if isinstance(e, Ruleset):
            if e.group is not None and all(r is not e for _, r in found):
                found.append((path, e))
            for i, m in enumerate(e.members):
                visit(m, (*path, i))
        elif isinstance(e, Not):
            visit(e.operand, (*path, 0))

    visit(ruleset, ())
    return tuple(found)
