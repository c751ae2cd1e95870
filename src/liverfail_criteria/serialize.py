"""The JSON form of a :class:`~liverfail_criteria.result.Result`, and the way back.

The form is versioned (``schema_version``) and documented field by field by the
attrs/NamedTuple classes in :mod:`liverfail_criteria.result`. Enums are their string
values; a node's optional fields are omitted when empty, to keep documents readable.
"""

from __future__ import annotations

from typing import Any

from .errors import CriteriaInputError
from .logic import Outcome
from .result import SCHEMA_VERSION, Eligibility, Fact, Node, Origin, Result, Source, Value

__all__ = ["SCHEMA", "json_schema", "result_from_dict", "result_to_dict"]

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


def result_from_dict(data: dict[str, Any]) -> Result:
    """The :class:`Result` that :func:`result_to_dict` made ``data`` from."""
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        given = data.get("schema") if isinstance(data, dict) else data
        raise CriteriaInputError("schema", given, repr(SCHEMA))
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise CriteriaInputError(
            "schema_version", version, f"{SCHEMA_VERSION} (this library's result format)"
        )
    try:
        return Result(
            status=Eligibility(data["status"]),
            groups=frozenset(data["groups"]),
            missing=tuple(data["missing"]),
            tree=_node_from_dict(data["tree"]),
            ruleset=data["ruleset"],
            params=tuple(_fact_from_dict(p) for p in data["params"]),
            record_id=data["record_id"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise CriteriaInputError(
            None, type(exc).__name__ + ": " + str(exc), "a result written by Result.to_dict()"
        ) from None
