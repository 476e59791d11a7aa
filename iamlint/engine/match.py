"""Declarative rules: a ``match:`` block compiled into a check function.

The vocabulary (documented in ``docs/declarative-rules.md``) is evaluated per
statement, with IAM semantics: actions through the catalog's
:class:`~iamlint.knowledge.catalog.ActionSet` (wildcards, case-insensitivity,
``NotAction`` as a complement), resources by wildcard coverage, conditions
aware of their operator (``StringEquals`` values are literals, ``StringLike``
values are patterns; a list of values is OR-ed).  Values an IaC source could
not resolve (:class:`~iamlint.model.policy.Opaque`) are unknown and never match.

Each predicate returns ``(matched, witness)``: the witness is the JSON pointer
of the node that made it true; the finding points at the first witness (or at
the element named by ``at:``).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from iamlint.engine.errors import RuleLoadError
from iamlint.engine.report import Report
from iamlint.iam.conditions import operator_info
from iamlint.iam.wildcard import covers
from iamlint.iam.wildcard import match as glob_match
from iamlint.knowledge.catalog import ActionSet
from iamlint.model.document import Document
from iamlint.model.policy import Condition, Policy, Statement

#: whether a predicate holds, and the pointer of the node that makes it hold
Result = tuple[bool, "str | None"]
Predicate = Callable[["_Ctx", Statement], Result]
#: a predicate's part of a match block, as the schema (match-schema.json) allows it
Spec = Any

_REPORT_KEYS = ("message", "at")
_ACCOUNT = re.compile(r"^(?:arn:[^:]*:iam::)?([0-9]{12})(?::.*)?$")


class MatchError(Exception):
    pass


@lru_cache(maxsize=1)
def _validator() -> Any:  # a jsonschema validator (jsonschema has no type information)
    from jsonschema import Draft202012Validator  # noqa: PLC0415 (heavy, ~60 ms here; only when a match block is validated)

    schema = json.loads((Path(__file__).parent / "match-schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def validate_match(match: Any, source: str = "<rule>") -> None:
    """Raise RuleLoadError naming the file and the field of the first problem."""
    if not isinstance(match, dict):
        raise RuleLoadError(f"{source}: field `match`: must be a mapping of predicates")
    body = {k: v for k, v in match.items() if k not in _REPORT_KEYS}
    if not body:
        raise RuleLoadError(f"{source}: field `match`: needs at least one predicate (effect, principal, allows ...)")
    problems = []
    v = _validator()
    problems += [("", e) for e in v.iter_errors(body)]
    report_schema = v.schema["$defs"]["report"]
    problems += [("", e) for e in type(v)(report_schema).iter_errors({k: match[k] for k in _REPORT_KEYS if k in match})]
    if not problems:
        return
    _, err = min(problems, key=lambda p: (len(list(p[1].absolute_path)), str(list(p[1].absolute_path))))
    # descend to the most specific error of a oneOf
    best = err
    if err.context:
        best = max(err.context, key=lambda e: len(list(e.absolute_path)))
    path = "/".join(str(p) for p in ["match", *best.absolute_path])
    if best.validator == "additionalProperties":
        extra = sorted(set(best.instance) - set(best.schema.get("properties", {})))
        close = difflib.get_close_matches(extra[0], list(best.schema.get("properties", {})), n=1) if extra else []
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        msg = f"unknown key `{extra[0] if extra else '?'}`{hint}"
    else:
        msg = best.message
    raise RuleLoadError(f"{source}: field `{path}`: {msg}")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def glob_covers(written: str, wanted: str, ci: bool = False) -> bool:
    """Whether the written pattern matches everything ``wanted`` matches
    (:func:`iamlint.iam.wildcard.covers`)."""
    return covers(written, wanted, ci)


@lru_cache(maxsize=1024)
def _action_set(patterns: tuple[str, ...], negated: bool) -> ActionSet:
    return ActionSet(patterns, negated)


class _Ctx:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.kind = document.kind


# --------------------------------------------------------------------------
# predicates
# --------------------------------------------------------------------------


def _p_kind(spec: Spec) -> Predicate:
    kinds = set(_as_list(spec))
    return lambda ctx, st: (ctx.kind in kinds, None)


def _p_effect(spec: Spec) -> Predicate:
    def pred(ctx: _Ctx, st: Statement) -> Result:
        return (st.effect == spec, st.ptr("Effect") if st.effect == spec else None)

    return pred


def _p_sid(spec: Spec) -> Predicate:
    pats = _as_list(spec)

    def pred(ctx: _Ctx, st: Statement) -> Result:
        ok = st.sid is not None and any(glob_match(p, st.sid) for p in pats)
        return ok, st.ptr("Sid") if ok else None

    return pred


def _principal_ok(ptype: str, value: Any, spec: dict[str, Any]) -> bool:
    if not isinstance(value, str):
        return False  # unresolved or malformed: unknown
    if "type" in spec:
        types = {t.lower() for t in _as_list(spec["type"])}
        # "Principal": "*" is everyone, which includes every AWS principal
        if ptype.lower() not in types and not (ptype == "*" and "aws" in types):
            return False
    if "value" in spec and not any(glob_match(p, value, True) for p in _as_list(spec["value"])):
        return False
    if "value-not" in spec and any(glob_match(p, value, True) for p in _as_list(spec["value-not"])):
        return False
    if "account-in" in spec or "account-not-in" in spec:
        if value == "*":
            account = "*"
        else:
            m = _ACCOUNT.match(value)
            if not m:
                return False  # a service or federated principal has no account
            account = m.group(1)
        if "account-in" in spec and account not in spec["account-in"]:
            return False
        if "account-not-in" in spec and account in spec["account-not-in"]:
            return False
    return True


def _p_principal(spec: Spec) -> Predicate:
    if spec == "*":
        spec = {"value": "*"}
        exact_star = True
    else:
        exact_star = False

    def pred(ctx: _Ctx, st: Statement) -> Result:
        if st.principal_key != "Principal":
            return False, None
        for ptype, val in st.principals:
            if exact_star:
                if val.value == "*" and ptype in ("*", "AWS"):
                    return True, val.pointer
            elif _principal_ok(ptype, val.value, spec):
                return True, val.pointer
        return False, None

    return pred


def _actions_covered(st: Statement, wanted: list[str]) -> str | None:
    """Pointer of the action value that covers one of ``wanted`` (None: none)."""
    values = st.actions
    strings = tuple(v.value for v in values if isinstance(v.value, str))
    if len(strings) != len(values) and st.not_action:
        return None  # an unresolved NotAction: unknown
    if not strings:
        return None
    aset = _action_set(strings, st.not_action)
    for w in wanted:
        if aset.allows_any(w):
            if st.not_action:
                return st.ptr("NotAction")
            for v in values:
                if isinstance(v.value, str) and _action_set((v.value,), False).allows_any(w):
                    return v.pointer
            return st.ptr(st.action_key)
    return None


def _p_allows(spec: Spec) -> Predicate:
    wanted = _as_list(spec)

    def pred(ctx: _Ctx, st: Statement) -> Result:
        if not st.is_allow:
            return False, None  # a Deny never grants
        ptr = _actions_covered(st, wanted)
        return ptr is not None, ptr

    return pred


def _p_actions(spec: Spec) -> Predicate:
    wanted = _as_list(spec)

    def pred(ctx: _Ctx, st: Statement) -> Result:
        ptr = _actions_covered(st, wanted)
        return ptr is not None, ptr

    return pred


def _p_resource(spec: Spec) -> Predicate:
    if isinstance(spec, dict):
        covers = _as_list(spec.get("covers", []))
        matches = _as_list(spec.get("matches", []))
    else:
        covers, matches = _as_list(spec), []

    def pred(ctx: _Ctx, st: Statement) -> Result:
        values = st.resources
        if not values:
            return False, None
        if st.not_resource:
            # NotResource applies to everything it does not list
            strings = [v.value for v in values if isinstance(v.value, str)]
            if len(strings) != len(values):
                return False, None
            ok = all(not any(glob_match(s, w) for s in strings) for w in covers) if covers else True
            if matches:
                ok = False  # the resources a NotResource applies to are not written down
            return ok, st.ptr("NotResource") if ok else None
        for v in values:
            if not isinstance(v.value, str):
                continue
            if covers and not any(glob_covers(v.value, w) for w in covers):
                continue
            if matches and not any(glob_match(m, v.value) for m in matches):
                continue
            return True, v.pointer
        return False, None

    return pred


def _condition_admits(cond: Condition, patterns: list[str]) -> str | None:
    info = operator_info(cond.operator)
    if info.negated:
        return None
    ci = info.ignore_case
    like = info.wildcards
    for v in cond.values:
        if not isinstance(v.value, (str, int, float, bool)) or v.value is None:
            continue
        text = v.value if isinstance(v.value, str) else json.dumps(v.value)
        for p in patterns:
            if glob_match(p, text, ci):
                return v.pointer
            if like and glob_covers(text, p, ci):
                return v.pointer
    return None


def _p_condition(spec: Spec) -> Predicate:
    key = spec["key"]
    present = spec.get("present", True)
    ops = _as_list(spec["operator"]) if "operator" in spec else None
    values = _as_list(spec["value"]) if "value" in spec else None

    def pred(ctx: _Ctx, st: Statement) -> Result:
        found = [
            c
            for c in st.conditions
            if glob_match(key, c.key, True) and (ops is None or any(glob_match(o, c.operator, True) for o in ops))
        ]
        if values is not None:
            for c in found:
                ptr = _condition_admits(c, values)
                if ptr is not None:
                    return (True, ptr) if present else (False, None)
            return (False, None) if present else (True, None)
        if found:
            return (True, found[0].pointer) if present else (False, None)
        return (False, None) if present else (True, None)

    return pred


def _p_all(spec: Spec) -> Predicate:
    return _p_all_compiled([_compile(p) for p in spec])


def _p_any(spec: Spec) -> Predicate:
    preds = [_compile(p) for p in spec]

    def pred(ctx: _Ctx, st: Statement) -> Result:
        for p in preds:
            ok, w = p(ctx, st)
            if ok:
                return True, w
        return False, None

    return pred


def _p_not(spec: Spec) -> Predicate:
    inner = _compile(spec)

    def pred(ctx: _Ctx, st: Statement) -> Result:
        ok, _ = inner(ctx, st)
        return (not ok), None

    return pred


_PREDICATES: dict[str, Callable[[Spec], Predicate]] = {
    "kind": _p_kind,
    "effect": _p_effect,
    "sid": _p_sid,
    "principal": _p_principal,
    "allows": _p_allows,
    "actions": _p_actions,
    "resource": _p_resource,
    "condition": _p_condition,
    "all": _p_all,
    "any": _p_any,
    "not": _p_not,
}


def _compile(spec: dict[str, Any]) -> Predicate:
    preds = [_PREDICATES[k](v) for k, v in spec.items() if k not in _REPORT_KEYS]
    if len(preds) == 1:
        return preds[0]
    return _p_all_compiled(preds)


def _p_all_compiled(preds: list[Predicate]) -> Predicate:
    """Every predicate holds; the witness is the first one that is not just
    the ``Effect`` (an effect rarely is what the finding is about)."""

    def pred(ctx: _Ctx, st: Statement) -> Result:
        witness: str | None = None
        weak: str | None = None
        for p in preds:
            ok, w = p(ctx, st)
            if not ok:
                return False, None
            if w is not None and w.endswith("/Effect"):
                weak = weak or w
            else:
                witness = witness or w
        return True, witness or weak

    return pred


# --------------------------------------------------------------------------
# reporting
# --------------------------------------------------------------------------


def _at_pointer(st: Statement, at: str) -> str:
    if at == "effect":
        return st.ptr("Effect")
    if at == "principal":
        return st.ptr(st.principal_key) if st.principal_key else st.pointer
    if at == "action":
        return st.ptr(st.action_key) if st.action_key in st.raw else st.pointer
    if at == "resource":
        return st.ptr(st.resource_key) if st.resource_key in st.raw else st.pointer
    if at == "condition":
        return st.ptr("Condition") if "Condition" in st.raw else st.pointer
    return st.pointer


class _SafeDict(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _render(template: str, doc: Document, st: Statement, pointer: str) -> str:
    value = doc.value_at(pointer)
    text = value if isinstance(value, str) else json.dumps(value, default=str) if value is not None else ""
    label = (
        f"statement {st.sid!r}"
        if st.sid
        else (f"statement {st.index + 1}" if st.index is not None else "the statement")
    )
    message = " ".join(
        template.format_map(_SafeDict(value=text, sid=st.sid or "", statement=label, kind=doc.kind)).split()
    )
    return message[:1].upper() + message[1:]


class CheckContext(Protocol):
    """What a declarative rule's check reads of the runner's ``Context``."""

    @property
    def document(self) -> Document: ...

    @property
    def policy(self) -> Policy: ...


class RuleInfo(Protocol):
    """What compiling a match block reads of its rule."""

    @property
    def id(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def summary(self) -> str: ...


def compile_match(match: dict[str, Any], rule: RuleInfo) -> Callable[[CheckContext], Iterator[Report]]:
    """The check function of a declarative rule."""
    validate_match(match, rule.source)
    predicate = _compile(match)
    at: str | None = match.get("at")
    template: str = match.get("message") or rule.summary

    def check(ctx: CheckContext) -> Iterator[Report]:
        doc = ctx.document
        mctx = _Ctx(doc)
        for st in ctx.policy.statements:
            ok, witness = predicate(mctx, st)
            if not ok:
                continue
            pointer = _at_pointer(st, at) if at else (witness or st.pointer)
            yield Report(pointer, _render(template, doc, st, pointer))

    check.__name__ = f"match_{rule.id}"
    return check
