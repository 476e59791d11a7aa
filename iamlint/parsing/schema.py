"""Validate a policy document against the JSON Schema of its kind.

The schemas live in ``iamlint/parsing/schemas/``: ``policy-common.json`` holds
the shape every IAM policy shares (element types, known element names) plus
reusable statement rules; ``identity.json``, ``trust.json``, ``resource.json``
and ``scp.json`` add the elements each kind requires or forbids.

:func:`validate` turns every jsonschema error into a :class:`SchemaProblem`: one
human sentence at the offending node. The sentences come from annotations in the
schemas, so a schema and its messages are edited together:

``x-iamlint-message``
    the sentence for a failing ``type``, ``const``, ``not`` or ``anyOf`` keyword
    of the same subschema. ``{name}`` is replaced by the nearest member name on
    the path of the offending value, ``{actual}`` by its JSON type ("a number").
``x-iamlint-label``
    what the object is called in "<label> is missing `X`" (``required``) and
    "unknown element `X` in <label>" (``additionalProperties: false``).
``x-iamlint-category``
    the :class:`SchemaProblem` category when it is not ``"type"``.
``x-iamlint-member``
    for a conflict (``not`` + ``required``), the member the problem points at.

The raw jsonschema text is never shown.

jsonschema costs about 30 µs per JSON node (4 s for the AWS managed policies),
so :func:`validate` first runs a yes/no check compiled from the same schema
files into plain Python closures (:func:`_compile`). It supports exactly the
keywords the schemas use and refuses any other, so for what ``json.loads``
produces it accepts a document if and only if jsonschema does (for other Python
types, e.g. ``Decimal``, it may only be stricter). jsonschema runs only on a
document that fails it, to say why.
"""
from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

if TYPE_CHECKING:  # referencing does not export the class it returns from Registry.resolver()
    from referencing._core import Resolver

KINDS = ("identity", "trust", "resource", "scp")

#: Categories whose problem is about a member's presence, so its position is the key.
_KEY_CATEGORIES = frozenset({"forbidden", "conflict"})

_SCHEMA_ID = "urn:iamlint:schema:{kind}"

#: A compiled schema: True when the value is valid.
_Check = Callable[[object], bool]

#: Python classes of each JSON type used by the schemas (``bool`` is excluded
#: from ``number`` separately, as JSON Schema does).
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "number": (int, float),
    "boolean": (bool,),
}

#: Keywords that only annotate or locate subschemas: the fast check ignores them.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$defs", "$comment", "title",
     "x-iamlint-message", "x-iamlint-label", "x-iamlint-category", "x-iamlint-member"}
)


@dataclass(frozen=True)
class SchemaProblem:
    """One schema violation, pinned to a node of the document."""

    #: RFC 6901 pointer of the offending node; for a forbidden, unknown or
    #: conflicting element the pointer of that member; for a missing element
    #: the pointer of the object that lacks it.
    pointer: str
    #: One human sentence.
    message: str
    #: ``"type"`` (wrong JSON type, shape, unknown element), ``"forbidden"``
    #: (element not allowed for this kind), ``"required"`` (missing element) or
    #: ``"conflict"`` (X and NotX together).
    category: str
    #: True when the problem is the member's presence: point at its key, not its value.
    at_key: bool


def validate(document: object, kind: str) -> list[SchemaProblem]:
    """Return the schema problems of ``document`` (parsed JSON) as a policy of ``kind``.

    The list is deduplicated and sorted by pointer (list indexes numerically).
    Raises :class:`ValueError` for a kind not in :data:`KINDS`.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown policy kind {kind!r}; expected one of {', '.join(KINDS)}")
    if _fast_check(kind)(document):
        return []
    problems = {
        problem: None
        for error in _validator(kind).iter_errors(document)
        for problem in _translate(error)
        if not _about_opaque(document, problem)
    }
    return sorted(problems, key=_sort_key)


def _about_opaque(document: object, problem: SchemaProblem) -> bool:
    """A type problem at a value an IaC source could not resolve (model.policy.Opaque),
    or at a list/object holding one directly, is not a problem: the value is unknown."""
    from iamlint.model.policy import Opaque

    if problem.category != "type":
        return False
    node = document
    for token in problem.pointer.split("/")[1:] if problem.pointer else ():
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(token)
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    if isinstance(node, Opaque):
        return True
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    return any(isinstance(child, Opaque) for child in children)


@cache
def _validator(kind: str) -> Draft202012Validator:
    """The compiled validator of one kind, built on first use."""
    return Draft202012Validator({"$ref": _SCHEMA_ID.format(kind=kind)}, registry=_registry())


@cache
def _fast_check(kind: str) -> _Check:
    """The schema of one kind compiled to a yes/no check, built on first use."""
    return _compile({"$ref": _SCHEMA_ID.format(kind=kind)}, _registry().resolver())


def _compile(schema: dict, resolver: Resolver) -> _Check:
    """Compile a schema to a function that says whether a value is valid.

    Supports the keywords the iamlint schemas use, with jsonschema's semantics,
    and raises ValueError for any other keyword so the two can never disagree
    silently. Recursive schemas are not supported (none is needed).
    """
    checks: list[_Check] = []
    for keyword, value in schema.items():
        if keyword in _ANNOTATIONS:
            continue
        if keyword == "$ref":
            resolved = resolver.lookup(value)
            checks.append(_compile(resolved.contents, resolved.resolver))
        elif keyword == "type":
            checks.append(_type_check([value] if isinstance(value, str) else value))
        elif keyword == "const" and isinstance(value, str):
            checks.append(lambda v, const=value: isinstance(v, str) and v == const)
        elif keyword == "not":
            checks.append(lambda v, inner=_compile(value, resolver): not inner(v))
        elif keyword in ("allOf", "anyOf"):
            branches = [_compile(branch, resolver) for branch in value]
            combine = all if keyword == "allOf" else any
            checks.append(lambda v, branches=branches, combine=combine: combine(b(v) for b in branches))
        elif keyword == "required":
            checks.append(lambda v, names=value: not isinstance(v, dict) or all(n in v for n in names))
        elif keyword == "properties":
            members = {name: _compile(sub, resolver) for name, sub in value.items()}
            checks.append(lambda v, members=members: not isinstance(v, dict) or all(
                members[name](member) for name, member in v.items() if name in members
            ))
        elif keyword == "additionalProperties":
            checks.append(_additional_check(value, set(schema.get("properties", ())), resolver))
        elif keyword == "items":
            item = _compile(value, resolver)
            checks.append(lambda v, item=item: not isinstance(v, list) or all(item(i) for i in v))
        elif keyword == "if":
            condition = _compile(value, resolver)
            then = _compile(schema.get("then", {}), resolver)
            otherwise = _compile(schema.get("else", {}), resolver)
            checks.append(lambda v, c=condition, t=then, o=otherwise: t(v) if c(v) else o(v))
        elif keyword not in ("then", "else"):
            raise ValueError(f"schema keyword {keyword!r} (value {value!r}) is not supported by the fast check")
    if len(checks) == 1:  # the common case (e.g. every list entry's type): skip the loop
        return checks[0]
    return lambda v: all(check(v) for check in checks)


def _type_check(names: list[str]) -> _Check:
    """Check for JSON Schema ``type``: ``True`` is a boolean, never a number."""
    classes = tuple(cls for name in names for cls in _PYTHON_TYPES[name])
    booleans = "boolean" in names
    return lambda v: isinstance(v, classes) and (booleans or not isinstance(v, bool))


def _additional_check(value: dict | bool, declared: set[str], resolver: Resolver) -> _Check:
    """Check for ``additionalProperties`` (``false`` or a schema) next to ``properties``."""
    if value is False:
        return lambda v: not isinstance(v, dict) or declared.issuperset(v)
    extra = _compile(value, resolver)
    return lambda v: not isinstance(v, dict) or all(
        extra(member) for name, member in v.items() if name not in declared
    )


@cache
def _registry() -> Registry:
    """Every schema file of the package, addressed by its ``$id``."""
    resources = []
    for path in files(__package__).joinpath("schemas").iterdir():
        if path.name.endswith(".json"):
            contents = json.loads(path.read_text(encoding="utf-8"))
            resources.append(Resource(contents=contents, specification=DRAFT202012))
    return Registry().with_resources((resource.id(), resource) for resource in resources)


def _translate(error: ValidationError) -> Iterator[SchemaProblem]:
    """The problems one top-level jsonschema error stands for."""
    path = tuple(error.absolute_path)
    schema = error.schema
    if error.validator == "additionalProperties":
        label = _render(schema["x-iamlint-label"], path, error.instance)
        known = list(schema["properties"])
        for member in error.instance:
            if member not in schema["properties"]:
                message = f"unknown element `{member}` in {label}{_suggestion(member, known)}"
                yield SchemaProblem(_pointer((*path, member)), message, "type", True)
    elif error.validator == "required":
        label = _render(schema["x-iamlint-label"], path, error.instance)
        for member in error.validator_value:
            if member not in error.instance:
                yield SchemaProblem(_pointer(path), f"{label} is missing `{member}`", "required", False)
    else:
        category = schema.get("x-iamlint-category", "type")
        if "x-iamlint-member" in schema:
            path = (*path, schema["x-iamlint-member"])
        message = _render(schema["x-iamlint-message"], path, error.instance)
        yield SchemaProblem(_pointer(path), message, category, category in _KEY_CATEGORIES)


def _render(template: str, path: Sequence[str | int], instance: object) -> str:
    """Fill ``{name}`` and ``{actual}`` in an annotation (plain replacement: messages contain JSON braces)."""
    name = next((part for part in reversed(path) if isinstance(part, str)), "")
    return template.replace("{name}", name).replace("{actual}", _json_type(instance))


def _json_type(value: object) -> str:
    """The JSON type of a parsed value, with its article: "a string", "an object", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _suggestion(member: str, known: list[str]) -> str:
    """'; did you mean `X`?' for the closest known element name, or nothing."""
    same_letters = [name for name in known if name.lower() == member.lower()]
    close = same_letters or difflib.get_close_matches(member, known, n=1)
    return f"; did you mean `{close[0]}`?" if close else ""


def _pointer(path: Sequence[str | int]) -> str:
    """RFC 6901 JSON pointer of a path ("" for the document itself)."""
    return "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _sort_key(problem: SchemaProblem) -> tuple:
    """Order by pointer, comparing list indexes as numbers, then by message."""
    parts = problem.pointer.split("/")[1:]
    return (tuple((0, int(p), "") if p.isascii() and p.isdigit() else (1, 0, p) for p in parts), problem.message)
