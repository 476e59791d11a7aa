"""Validate a policy document against the JSON Schema of its kind.

The schemas live in ``iamlint/parsing/schemas/``: ``policy-common.json`` holds
the shape every IAM policy shares (element types, known element names) plus
reusable statement rules; ``identity.json``, ``trust.json``, ``resource.json``,
``scp.json``, ``boundary.json`` and ``rcp.json`` add the elements each kind
requires or forbids.

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
files into generated Python functions (:func:`_compile`). It supports exactly the
keywords the schemas use and refuses any other, so for what ``json.loads``
produces it accepts a document if and only if jsonschema does (for other Python
types, e.g. ``Decimal``, it may only be stricter). jsonschema runs only on a
document that fails it, to say why, and only then are ``jsonschema`` and
``referencing`` imported (importing them costs more than checking the AWS managed
policies).
"""

from __future__ import annotations

import difflib
import functools
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import CodeType
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from iamlint import cache
from iamlint.model.policy import Opaque
from iamlint.vocabulary import DOCUMENT_KINDS

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError
    from referencing import Registry

#: the document kinds, one schema each
KINDS = DOCUMENT_KINDS

#: Categories whose problem is about a member's presence, so its position is the key.
_KEY_CATEGORIES = frozenset({"forbidden", "conflict"})

_SCHEMA_ID = "urn:iamlint:schema:{kind}"

#: A compiled schema: True when the value is valid.
_Check = Callable[[object], bool]

#: Keywords that only annotate or locate subschemas: the fast check ignores them.
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$defs",
        "$comment",
        "title",
        "x-iamlint-message",
        "x-iamlint-label",
        "x-iamlint-category",
        "x-iamlint-member",
    }
)


class SchemaProblem(NamedTuple):
    """One schema violation, pinned to a node of the document."""

    #: RFC 6901 pointer of the offending node; for a forbidden, unknown or
    #: conflicting element the pointer of that member; for a missing element
    #: the pointer of the object that lacks it.
    pointer: str
    #: One human sentence.
    message: str
    #: ``"type"`` (wrong JSON type, shape, unknown element), ``"forbidden"``
    #: (element not allowed for this kind), ``"value"`` (a value this kind does
    #: not allow, e.g. a named principal in an RCP), ``"required"`` (missing
    #: element) or ``"conflict"`` (X and NotX together).
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


@functools.cache
def _validator(kind: str) -> Draft202012Validator:
    """The compiled validator of one kind, built on first use."""
    from jsonschema import Draft202012Validator  # noqa: PLC0415 (~75 ms to import: only when a document fails the fast check)

    return Draft202012Validator({"$ref": _SCHEMA_ID.format(kind=kind)}, registry=_registry())


@functools.cache
def _fast_check(kind: str) -> _Check:
    """The schema of one kind compiled to a yes/no check, built on first use."""
    return _cached_check(kind)


class _Resolved:
    __slots__ = ("contents", "resolver")

    def __init__(self, contents: object, resolver: _LocalResolver) -> None:
        self.contents, self.resolver = contents, resolver


class _LocalResolver:
    """Resolves the ``$ref``s of the package's schema files without ``referencing``.

    Supports what the schema files use: an absolute ``$id`` (``urn:iamlint:schema:x``)
    and/or a JSON-pointer fragment (``#/$defs/name``), relative to the current
    base. Anything else raises ValueError (the fast check then cannot be built).
    """

    __slots__ = ("base",)

    def __init__(self, base: str) -> None:
        self.base = base

    def lookup(self, ref: str) -> _Resolved:
        uri, _, fragment = ref.partition("#")
        uri = uri or self.base
        node = _schema_files().get(uri)
        if node is None:
            raise ValueError(f"cannot resolve $ref {ref!r}")
        if fragment:
            if not fragment.startswith("/"):
                raise ValueError(f"cannot resolve $ref {ref!r}")
            for token in fragment[1:].split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                if not isinstance(node, dict) or token not in node:
                    raise ValueError(f"cannot resolve $ref {ref!r}")
                node = node[token]
        return _Resolved(node, _LocalResolver(uri))


_SCHEMA_DIR = Path(__file__).parent / "schemas"


@functools.cache
def _schema_files() -> dict[str, dict]:
    """Every schema file of the package, by its ``$id``."""
    out = {}
    for path in sorted(_SCHEMA_DIR.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        out[contents["$id"]] = contents
    return out


def _compile(schema: dict, resolver) -> _Check:
    """Compile a schema to a function that says whether a value is valid.

    Supports the keywords the iamlint schemas use, with jsonschema's semantics,
    and raises ValueError for any other keyword so the two can never disagree
    silently. Recursive schemas are not supported (none is needed).

    The schema becomes Python source (one function per subschema, plain
    ``isinstance`` tests and loops), which runs several times faster than
    nested closures. ``resolver`` looks up ``$ref`` (``.lookup(ref)`` returning
    ``.contents`` and ``.resolver``, as ``referencing`` resolvers do).
    """
    entry, code = _compile_code(schema, resolver)
    return _load_check(entry, code)


def _compile_code(schema: dict, resolver) -> tuple[str, CodeType]:
    """The entry function's name and the compiled module of :func:`_compile`:
    self-contained (its constants are built by its own first lines), so the
    code object can be marshalled."""
    gen = _CodeGen()
    entry = gen.function(schema, resolver)
    source = [f"{name} = {text}" for name, text in gen.constants.items()] + gen.lines
    return entry, compile("\n".join(source), "<iamlint schema check>", "exec")


def _load_check(entry: str, code: CodeType) -> _Check:
    namespace: dict[str, object] = {"_MISSING": _MISSING}
    exec(code, namespace)
    return namespace[entry]  # type: ignore[return-value]


@functools.cache
def _check_inputs() -> tuple[str | bytes | None, ...]:
    """What the generated checks derive from: the Python version (of the
    marshalled code), this module's source and every schema file's name and
    content."""
    parts: list[str | bytes | None] = [sys.version]
    for path in (Path(__file__), *sorted(_SCHEMA_DIR.glob("*.json"))):
        parts += [path.name, cache.file_bytes(path)]
    return tuple(parts)


#: The compiled fast schema check of each document kind.
CHECKS_CACHE = cache.Namespace("schema-check", derives_from=_check_inputs, legacy=["schema-check-*-*.marshal"])


def _cached_check(kind: str) -> _Check:
    """The fast check of one kind, its compiled code kept in the cache
    directory (:data:`CHECKS_CACHE`): generating and compiling it costs ~15 ms
    a process, loading it ~0.2 ms.  The entry is keyed by iamlint's and the
    Python version, this module's source and every schema file's name and
    content (:func:`_check_inputs`), so any change to them builds it again;
    nothing is cached when one of them cannot be read."""
    entry = None if None in _check_inputs() else CHECKS_CACHE.entry(where=[kind])
    cached = entry.read_marshal() if entry is not None else None
    if isinstance(cached, tuple) and len(cached) == 2:
        name, code = cached
        if isinstance(name, str) and isinstance(code, CodeType):
            try:
                return _load_check(name, code)
            except (ValueError, TypeError, KeyError):
                pass  # a damaged entry: build it again
    name, code = _compile_code({"$ref": _SCHEMA_ID.format(kind=kind)}, _LocalResolver(""))
    if entry is not None:
        entry.write_marshal((name, code))
    return _load_check(name, code)


_MISSING = object()

#: Python classes (as source) of each JSON type used by the schemas; ``bool`` is
#: excluded from ``number`` separately, as JSON Schema does.
_TYPE_SOURCE = {
    "object": ("dict",),
    "array": ("list",),
    "string": ("str",),
    "number": ("int", "float"),
    "boolean": ("bool",),
}


class _CodeGen:
    """Emits Python source for schemas.

    A subschema that only has to hold (properties, list entries, ``$ref``,
    ``allOf``) is inlined as statements that ``return False`` from the
    enclosing function on failure; one whose truth value is needed (``not``,
    ``anyOf``, ``if``) becomes an expression: inline when it is only a
    ``type``, only a ``$ref`` or empty, else a call of its own ``def _sN(v)``.
    """

    def __init__(self) -> None:
        self.lines: list[str] = []
        #: name -> source of the value
        self.constants: dict[str, str] = {}
        self.count = 0
        self.names = 0

    def constant(self, value: frozenset) -> str:
        """The name under which the generated code sees ``value`` (a frozenset of
        strings or of builtin classes), built once by the module's first lines."""
        name = f"_c{len(self.constants)}"
        items = sorted(v if isinstance(v, str) else v.__name__ for v in value)
        if all(isinstance(v, str) for v in value):
            self.constants[name] = f"frozenset({tuple(items)!r})"
        else:
            self.constants[name] = f"frozenset(({''.join(i + ', ' for i in items)}))"
        return name

    def fresh(self) -> str:
        self.names += 1
        return f"v{self.names}"

    def expr(self, schema: dict, resolver, var: str) -> str:
        """A Python expression, true when ``var`` is valid against ``schema``."""
        keywords = [k for k in schema if k not in _ANNOTATIONS]
        if not keywords:
            return "True"
        if all(k in ("type", "required") or (k == "const" and isinstance(schema[k], str)) for k in keywords):
            tests = []
            for keyword in keywords:
                value = schema[keyword]
                if keyword == "type":
                    tests.append(f"({_type_source([value] if isinstance(value, str) else value, var)})")
                elif keyword == "required":
                    if value:
                        names = " and ".join(f"{n!r} in {var}" for n in value)
                        tests.append(f"(not isinstance({var}, dict) or ({names}))")
                else:
                    tests.append(f"(isinstance({var}, str) and {var} == {value!r})")
            return "(" + (" and ".join(tests) or "True") + ")"
        if keywords == ["$ref"]:
            resolved = resolver.lookup(schema["$ref"])
            return self.expr(resolved.contents, resolved.resolver, var)
        return f"{self.function(schema, resolver)}({var})"

    def function(self, schema: dict, resolver) -> str:
        name = f"_s{self.count}"
        self.count += 1
        body = self.block(schema, resolver, "v", 1)
        self.lines.append(f"def {name}(v):")
        self.lines.extend(body)
        self.lines.append("    return True")
        return name

    def block(self, schema: dict, resolver, var: str, depth: int) -> list[str]:
        """Statements (indented ``depth`` levels) that ``return False`` unless ``var`` is valid."""
        pad = "    " * depth
        out: list[str] = []
        for keyword, value in schema.items():
            if keyword in _ANNOTATIONS:
                continue
            if keyword == "$ref":
                resolved = resolver.lookup(value)
                out += self.block(resolved.contents, resolved.resolver, var, depth)
            elif keyword == "type":
                out.append(
                    f"{pad}if not ({_type_source([value] if isinstance(value, str) else value, var)}): return False"
                )
            elif keyword == "const" and isinstance(value, str):
                out.append(f"{pad}if not (isinstance({var}, str) and {var} == {value!r}): return False")
            elif keyword == "not":
                out.append(f"{pad}if {self.expr(value, resolver, var)}: return False")
            elif keyword == "allOf":
                for branch in value:
                    out += self.block(branch, resolver, var, depth)
            elif keyword == "anyOf":
                tests = [self.expr(branch, resolver, var) for branch in value]
                out.append(f"{pad}if not ({' or '.join(tests) or 'False'}): return False")
            elif keyword == "required":
                if value:
                    present = " and ".join(f"{n!r} in {var}" for n in value)
                    out.append(f"{pad}if isinstance({var}, dict) and not ({present}): return False")
            elif keyword == "properties":
                inner: list[str] = []
                for member, sub in value.items():
                    x = self.fresh()
                    checks = self.block(sub, resolver, x, depth + 2)
                    if checks:
                        inner.append(f"{pad}    {x} = {var}.get({member!r}, _MISSING)")
                        inner.append(f"{pad}    if {x} is not _MISSING:")
                        inner += checks
                if inner:
                    out.append(f"{pad}if isinstance({var}, dict):")
                    out += inner
            elif keyword == "additionalProperties":
                declared = self.constant(frozenset(schema.get("properties", ())))
                if value is False:
                    out.append(f"{pad}if isinstance({var}, dict) and not {declared}.issuperset({var}): return False")
                else:
                    k, x = self.fresh(), self.fresh()
                    checks = self.block(value, resolver, x, depth + 3)
                    if checks:
                        out.append(f"{pad}if isinstance({var}, dict):")
                        out.append(f"{pad}    for {k}, {x} in {var}.items():")
                        out.append(f"{pad}        if {k} not in {declared}:")
                        out += checks
            elif keyword == "items":
                x = self.fresh()
                names = _type_only(value, resolver)
                if names is not None:
                    # Entries that are only type-checked: one C-level pass over
                    # their exact types first; the loop decides only otherwise
                    # (e.g. for a subclass of str).
                    exact = self.constant(frozenset(_exact_types(names)))
                    out.append(f"{pad}if isinstance({var}, list) and not {exact}.issuperset(map(type, {var})):")
                    out.append(f"{pad}    for {x} in {var}:")
                    out.append(f"{pad}        if not ({_type_source(names, x)}): return False")
                    continue
                checks = self.block(value, resolver, x, depth + 2)
                if checks:
                    out.append(f"{pad}if isinstance({var}, list):")
                    out.append(f"{pad}    for {x} in {var}:")
                    out += checks
            elif keyword == "if":
                then = self.block(schema.get("then", {}), resolver, var, depth + 1) or [f"{pad}    pass"]
                otherwise = self.block(schema.get("else", {}), resolver, var, depth + 1) or [f"{pad}    pass"]
                out.append(f"{pad}if {self.expr(value, resolver, var)}:")
                out += then
                out.append(f"{pad}else:")
                out += otherwise
            elif keyword not in ("then", "else"):
                raise ValueError(f"schema keyword {keyword!r} (value {value!r}) is not supported by the fast check")
        return out


def _type_only(schema: dict, resolver) -> list[str] | None:
    """The ``type`` names of a schema that checks nothing else (through ``$ref``s), else None."""
    keywords = [k for k in schema if k not in _ANNOTATIONS]
    if keywords == ["$ref"]:
        resolved = resolver.lookup(schema["$ref"])
        return _type_only(resolved.contents, resolved.resolver)
    if keywords == ["type"]:
        value = schema["type"]
        return [value] if isinstance(value, str) else list(value)
    return None


def _exact_types(names: list[str]) -> set[type]:
    """Classes whose exact instances satisfy ``type`` (``bool`` only for "boolean")."""
    builtin = {"dict": dict, "list": list, "str": str, "int": int, "float": float, "bool": bool}
    return {builtin[cls] for name in names for cls in _TYPE_SOURCE[name]}


def _type_source(names: list[str], var: str) -> str:
    """Source of the JSON Schema ``type`` test: ``True`` is a boolean, never a number."""
    classes = [cls for name in names for cls in _TYPE_SOURCE[name]]
    test = f"isinstance({var}, ({', '.join(classes)},))"
    if "boolean" not in names and ("int" in classes):
        test += f" and not isinstance({var}, bool)"
    return test


@functools.cache
def _registry() -> Registry:
    """Every schema file of the package, addressed by its ``$id``."""
    from referencing import Registry  # noqa: PLC0415 (part of jsonschema's ~75 ms, as _validator)
    from referencing.jsonschema import DRAFT202012  # noqa: PLC0415 (as above)

    pairs = []
    for contents in _schema_files().values():
        resource = DRAFT202012.create_resource(contents)
        uri = resource.id()
        assert uri is not None, "every schema file has an $id"
        pairs.append((uri, resource))
    return Registry().with_resources(pairs)


def _translate(error: ValidationError) -> Iterator[SchemaProblem]:
    """The problems one top-level jsonschema error stands for."""
    path = tuple(error.absolute_path)
    # every error here comes from an object schema of the package's own files,
    # so the schema is a mapping and the instance and validator value are set
    schema = cast("Mapping[str, Any]", error.schema)
    instance: Any = error.instance
    required: Any = error.validator_value
    if error.validator == "additionalProperties":
        label = _render(schema["x-iamlint-label"], path, instance)
        known = list(schema["properties"])
        for member in instance:
            if member not in schema["properties"]:
                message = f"unknown element `{member}` in {label}{_suggestion(member, known)}"
                yield SchemaProblem(_pointer((*path, member)), message, "type", True)
    elif error.validator == "required":
        label = _render(schema["x-iamlint-label"], path, instance)
        for member in required:
            if member not in instance:
                yield SchemaProblem(_pointer(path), f"{label} is missing `{member}`", "required", False)
    else:
        category = schema.get("x-iamlint-category", "type")
        if "x-iamlint-member" in schema:
            path = (*path, schema["x-iamlint-member"])
        message = _render(schema["x-iamlint-message"], path, instance)
        yield SchemaProblem(_pointer(path), message, category, category in _KEY_CATEGORIES)


def _render(template: str, path: Sequence[str | int], instance: object) -> str:
    """Fill ``{name}`` and ``{actual}`` in an annotation (plain replacement: messages contain JSON braces)."""
    name = next((part for part in reversed(path) if isinstance(part, str)), "")
    return template.replace("{name}", name).replace("{actual}", json_type(instance))


def json_type(value: object) -> str:
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
