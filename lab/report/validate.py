"""Checking a report.json against report.schema.json before anything reads it.

A report comes from a host, and a host is not trusted (a student is root there): the controller
checks the document against the published schema before it renders a page or a summary row from
it. Standard library only, like the rest of lab.report (it also runs on Debian's python3 on the
hosts), so this implements the part of JSON Schema 2020-12 the schema uses: type, enum, pattern,
required, properties, additionalProperties (false next to properties: no other key), items,
oneOf, maxLength, maxItems and local $ref. The students' work records (lab.summary.students)
are checked with the same code against their own schema. A keyword a schema starts using that
this does not know is refused (`UnknownKeyword`), never silently passed.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")

# Keywords that only describe (no assertion to make).
_ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "integer": (int,),
    "boolean": (bool,),
    "null": (type(None),),
}
# The schema's errors are cut after this many: one is enough to refuse the report.
_MAX_ERRORS = 5


class InvalidReport(ValueError):
    """The document is not a report of the schema; the message says where and why."""


class UnknownKeyword(RuntimeError):
    """report.schema.json uses a keyword this validator does not implement (a bug in nslab)."""


@cache
def report_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def check_report(data: Any, schema: dict[str, Any] | None = None) -> None:
    """Raise InvalidReport naming the first problems when `data` does not follow the schema."""
    root = schema if schema is not None else report_schema()
    errors = _errors(data, root, root, "$")
    if errors:
        raise InvalidReport("; ".join(errors[:_MAX_ERRORS]))


def _errors(value: Any, schema: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    closed = False
    if "additionalProperties" in schema and "properties" in schema:
        if schema["additionalProperties"] is not False:
            # Each key would then be checked against one or the other: not implemented here.
            raise UnknownKeyword("a schema combines properties and a schema for other keys")
        # No key but those listed: the one combination the records need.
        closed = True
    errors: list[str] = []
    if closed and isinstance(value, dict):
        errors += [
            f"{where} has unexpected {name!r}" for name in value if name not in schema["properties"]
        ]
    for keyword, rule in schema.items():
        if keyword in _ANNOTATIONS or (closed and keyword == "additionalProperties"):
            continue
        check = _KEYWORDS.get(keyword)
        if check is None:
            raise UnknownKeyword(
                f"report.schema.json uses {keyword!r}, which lab.report.validate lacks"
            )
        errors += check(value, rule, root, where)
        if errors:
            break  # the first broken rule of a node is the useful one
    return errors


def _type(value: Any, rule: str | list[str], root: dict[str, Any], where: str) -> list[str]:
    names = [rule] if isinstance(rule, str) else rule
    # bool is an int in Python, not in JSON.
    if any(
        isinstance(value, _TYPES[name])
        and not (isinstance(value, bool) and name in ("number", "integer"))
        for name in names
    ):
        return []
    return [f"{where} is {_json_type(value)}, not {' or '.join(names)}"]


def _enum(value: Any, rule: list[Any], root: dict[str, Any], where: str) -> list[str]:
    return [] if value in rule else [f"{where} is {_shown(value)}, not one of {rule}"]


def _pattern(value: Any, rule: str, root: dict[str, Any], where: str) -> list[str]:
    if not isinstance(value, str) or re.search(rule, value):
        return []
    return [f"{where} is {_shown(value)}, which does not match {rule}"]


def _required(value: Any, rule: list[str], root: dict[str, Any], where: str) -> list[str]:
    if not isinstance(value, dict):
        return []
    return [f"{where} lacks {name!r}" for name in rule if name not in value]


def _properties(value: Any, rule: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    if not isinstance(value, dict):
        return []
    errors: list[str] = []
    for name, sub in rule.items():
        if name in value:
            errors += _errors(value[name], sub, root, f"{where}.{name}")
    return errors


def _additional(value: Any, rule: Any, root: dict[str, Any], where: str) -> list[str]:
    if not isinstance(value, dict) or rule is True:
        return []
    # Never next to "properties" (refused in _errors), so every key is "additional".
    if rule is False:
        return [f"{where} has unexpected {name!r}" for name in value]
    return [e for name, item in value.items() for e in _errors(item, rule, root, f"{where}.{name}")]


def _max_length(value: Any, rule: int, root: dict[str, Any], where: str) -> list[str]:
    if not isinstance(value, str) or len(value) <= rule:
        return []
    return [f"{where} is {len(value)} characters long, more than {rule}"]


def _max_items(value: Any, rule: int, root: dict[str, Any], where: str) -> list[str]:
    if not isinstance(value, list) or len(value) <= rule:
        return []
    return [f"{where} has {len(value)} items, more than {rule}"]


def _items(value: Any, rule: dict[str, Any], root: dict[str, Any], where: str) -> list[str]:
    if not isinstance(value, list):
        return []
    return [e for i, item in enumerate(value) for e in _errors(item, rule, root, f"{where}[{i}]")]


def _one_of(value: Any, rule: list[dict[str, Any]], root: dict[str, Any], where: str) -> list[str]:
    passing = sum(not _errors(value, sub, root, where) for sub in rule)
    return [] if passing == 1 else [f"{where} matches {passing} of the {len(rule)} allowed shapes"]


def _ref(value: Any, rule: str, root: dict[str, Any], where: str) -> list[str]:
    if not rule.startswith("#/"):
        raise UnknownKeyword(f"report.schema.json refers outside itself ({rule})")
    target: Any = root
    for part in rule[2:].split("/"):
        target = target[part]
    return _errors(value, target, root, where)


_KEYWORDS = {
    "type": _type,
    "enum": _enum,
    "pattern": _pattern,
    "required": _required,
    "properties": _properties,
    "additionalProperties": _additional,
    "items": _items,
    "oneOf": _one_of,
    "maxLength": _max_length,
    "maxItems": _max_items,
    "$ref": _ref,
}


def _json_type(value: Any) -> str:
    for name, types in _TYPES.items():
        if isinstance(value, types) and not (isinstance(value, bool) and name != "boolean"):
            return name
    return type(value).__name__


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:37] + "..."
