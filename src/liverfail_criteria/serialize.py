"""The JSON form of a :class:`~liverfail_criteria.result.Result`, and the way back.

The form is versioned (``schema_version``) and documented field by field by the
attrs/NamedTuple classes in :mod:`liverfail_criteria.result`. Enums are their string
values; a node's optional fields are omitted when empty, to keep documents readable.
"""

from __future__ import annotations

from typing import Any

from . import logic
from .errors import CriteriaInputError
from .logic import Outcome
from .result import SCHEMA_VERSION, Eligibility, Fact, Node, Origin, Result, Source, Value

__all__ = ["MAX_DEPTH", "SCHEMA", "json_schema", "result_from_dict", "result_to_dict"]

#: The value of the ``schema`` key of every serialised result.
SCHEMA = "liverfail-criteria/result"


def _fact_to_dict(f: Fact) -> dict[str, Any]:
    d: dict[str, Any] = {
        "name": f.name,
        "value": f.value,
        "unit": f.unit,
        "given": f.given,
        "source": f.source.value,
    }
    if f.origin is not None:
        d["origin"] = f.origin._asdict()
    return d


def _fact_from_dict(d: dict[str, Any]) -> Fact:
    origin = d.get("origin")
    return Fact(
        d["name"],
        d["value"],
        d["unit"],
        d["given"],
        Source(d["source"]),
        None if origin is None else Origin(**origin),
    )


def _value_to_dict(v: Value | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        "value": v.value,
        "unit": v.unit,
        "text": v.text,
        "facts": [_fact_to_dict(f) for f in v.facts],
    }


def _value_from_dict(d: dict[str, Any] | None) -> Value | None:
    if d is None:
        return None
    return Value(d["value"], d["unit"], d["text"], tuple(_fact_from_dict(f) for f in d["facts"]))


_OPTIONAL = ("observed", "threshold", "margin", "missing", "group", "note")


def _node_to_dict(n: Node) -> dict[str, Any]:
    d: dict[str, Any] = {"id": n.id, "title": n.title, "kind": n.kind, "outcome": n.outcome.value}
    if not n.gating:
        d["gating"] = False
    if n.observed is not None:
        d["observed"] = _value_to_dict(n.observed)
    if n.threshold is not None:
        d["threshold"] = _value_to_dict(n.threshold)
    if n.margin is not None:
        d["margin"] = n.margin
    if n.missing:
        d["missing"] = list(n.missing)
    if n.group is not None:
        d["group"] = n.group
    if n.note is not None:
        d["note"] = n.note
    if n.children:
        d["children"] = [_node_to_dict(c) for c in n.children]
    return d


def _node_from_dict(d: dict[str, Any]) -> Node:
    return Node(
        id=d["id"],
        title=d["title"],
        kind=d["kind"],
        outcome=Outcome(d["outcome"]),
        children=tuple(_node_from_dict(c) for c in d.get("children", ())),
        gating=d.get("gating", True),
        observed=_value_from_dict(d.get("observed")),
        threshold=_value_from_dict(d.get("threshold")),
        margin=d.get("margin"),
        missing=tuple(d.get("missing", ())),
        group=d.get("group"),
        note=d.get("note"),
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of :func:`result_to_dict`'s output."""
    import json
    from importlib import resources

    text = (
        resources.files(__package__)
        .joinpath("schemas", "result.schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def result_to_dict(result: Result) -> dict[str, Any]:
    """``result`` as plain JSON-ready data."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "status": result.status.value,
        "groups": sorted(result.groups),
        "missing": list(result.missing),
        "ruleset": result.ruleset,
        "record_id": result.record_id,
        "params": [_fact_to_dict(p) for p in result.params],
        "tree": _node_to_dict(result.tree),
    }


#: The deepest tree :func:`result_from_dict` reads (the trial's is under 10 levels).
MAX_DEPTH = 200


def result_from_dict(data: dict[str, Any]) -> Result:
    """The :class:`Result` that :func:`result_to_dict` made ``data`` from.

    Checked before it is believed: the document against the published JSON Schema
    (with ``jsonschema``, when installed) and by hand (the keys and their types, a
    tree at most :data:`MAX_DEPTH` levels deep), then against the tree's own logic:
    ``status`` is what the root's outcome gives, ``groups`` are the groups the tree
    marks met, and each ``all_of``, ``any_of`` and ``not`` node's outcome is the
    Kleene combination of its gating children's.

    Raises:
        CriteriaInputError: naming the field, the value and what was expected.
    """
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        given = data.get("schema") if isinstance(data, dict) else data
        raise CriteriaInputError("schema", given, repr(SCHEMA))
    version = data.get("schema_version")
    if type(version) is not int or version != SCHEMA_VERSION:
        raise CriteriaInputError(
            "schema_version", version, f"{SCHEMA_VERSION} (this library's result format)"
        )
    _check_depth(data.get("tree"))
    _check_schema(data)
    try:
        result = Result(
            status=Eligibility(data["status"]),
            groups=frozenset(_strings("groups", data["groups"])),
            missing=tuple(_strings("missing", data["missing"])),
            tree=_node_from_dict(data["tree"]),
            ruleset=data["ruleset"],
            params=tuple(_fact_from_dict(p) for p in data["params"]),
            record_id=data["record_id"],
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, CriteriaInputError):
            raise
        raise CriteriaInputError(
            None, type(exc).__name__ + ": " + str(exc), "a result written by Result.to_dict()"
        ) from None
    _check_logic(result)
    return result


def _strings(field: str, value: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CriteriaInputError(field, value, "a list of texts")
    return value


def _check_depth(tree: object) -> None:
    stack: list[tuple[object, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise CriteriaInputError(
                "tree", f"a tree more than {MAX_DEPTH} levels deep", "a result's tree"
            )
        if isinstance(node, dict):
            children = node.get("children", ())
            if isinstance(children, list):
                stack.extend((c, depth + 1) for c in children)


def _check_schema(data: dict[str, Any]) -> None:
    try:
        import jsonschema  # type: ignore[import-untyped]
    except ImportError:  # the hand checks and the logic below still run
        return
    validator = jsonschema.Draft202012Validator(json_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "result"
        raise CriteriaInputError(
            where, error.instance, f"a value the schema allows ({error.message})"
        )


def _combined(node: Node) -> Outcome | None:
    """The outcome a combining node's gating children give, or ``None`` for others."""
    gating = [c.outcome for c in node.children if c.gating]
    if node.kind == "all_of":
        return logic.and_(gating)
    if node.kind == "any_of":
        return logic.or_(gating)
    if node.kind == "not" and len(gating) == 1:
        return logic.not_(gating[0])
    return None


def _check_logic(result: Result) -> None:
    expected = Eligibility.from_outcome(result.tree.outcome)
    if result.status is not expected:
        raise CriteriaInputError(
            "status",
            result.status.value,
            f"{expected.value!r}, as the tree's root ({result.tree.outcome.value}) gives",
        )
    known: set[str] = set()
    met: set[str] = set()
    stack = [result.tree]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.group is not None:
            known.add(node.group)
            if node.outcome is Outcome.MET:
                met.add(node.group)
        combined = _combined(node)
        if combined is not None and combined is not node.outcome:
            raise CriteriaInputError(
                f"tree node {node.id!r} ({node.kind})",
                node.outcome.value,
                f"{combined.value!r}, as its children's outcomes give",
            )
    unknown = sorted(result.groups - known)
    if unknown:
        raise CriteriaInputError(
            "groups", unknown, f"groups of the tree ({', '.join(sorted(known)) or 'none'})"
        )
    if set(result.groups) != met:
        raise CriteriaInputError(
            "groups", sorted(result.groups), f"the groups the tree marks met: {sorted(met)}"
        )
