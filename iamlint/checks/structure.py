"""Checks for syntax and structure (IAM0xx)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from iamlint.engine.report import Report
from iamlint.engine.runner import Context
from iamlint.model.policy import Opaque
from iamlint.parsing.schema import validate

VERSIONS = ("2012-10-17", "2008-10-17")
_SID_IAM = re.compile(r"^[A-Za-z0-9]*$")
_POLICY_VARIABLE = re.compile(r"\$\{[^}]+\}")


def _schema_problems(ctx: Context):
    return ctx.fact(_find_schema_problems)


def _find_schema_problems(ctx: Context) -> list:
    doc = ctx.document
    cached = [p for p in validate(doc.value, doc.kind) if not _at_opaque(doc, p.pointer)]
    return cached


def _at_opaque(doc, pointer: str) -> bool:
    """A schema problem at (or under) a value an IaC source could not resolve is unknown, not wrong."""
    while True:
        if isinstance(doc.value_at(pointer), Opaque):
            return True
        if not pointer:
            return False
        pointer = pointer.rsplit("/", 1)[0]


def json_syntax(ctx: Context) -> Iterator[Report]:
    for problem in ctx.document.syntax_problems:
        yield Report("", problem.message, span=problem.span)


def value_not_evaluated(ctx: Context) -> Iterator[Report]:
    """IAM013: one finding per distinct notice the source attached (a source may
    meet the same unevaluated value many times)."""
    seen = set()
    for notice in ctx.document.notices:
        if notice not in seen:
            seen.add(notice)
            yield Report("", notice.message, span=notice.span)


def schema_violation(ctx: Context) -> Iterator[Report]:
    for p in _schema_problems(ctx):
        if p.category == "type":
            yield Report(p.pointer, p.message, at_key=p.at_key)


def element_not_allowed(ctx: Context) -> Iterator[Report]:
    for p in _schema_problems(ctx):
        if p.category != "type":
            yield Report(p.pointer, p.message, at_key=p.at_key)


def missing_version(ctx: Context) -> Iterator[Report]:
    value = ctx.document.value
    if isinstance(value, dict) and "Version" not in value and "Statement" in value:
        yield Report(
            "",
            'policy has no `Version`: IAM then uses "2008-10-17", which disables policy '
            'variables; add "Version": "2012-10-17"',
        )


def invalid_version(ctx: Context) -> Iterator[Report]:
    version = ctx.policy.version
    if isinstance(version, str) and version not in VERSIONS:
        hint = ""
        stripped = version.strip()
        if stripped in VERSIONS:
            hint = f"; remove the whitespace: {stripped!r}"
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped):
            hint = '; the only current version is "2012-10-17"'
        yield Report(
            "/Version", f'`Version` {version!r} is not a policy language version ("2012-10-17" or "2008-10-17"){hint}'
        )


def outdated_version(ctx: Context) -> Iterator[Report]:
    if ctx.policy.version != "2008-10-17":
        return
    uses_variables = bool(_POLICY_VARIABLE.search(_all_strings(ctx.document.value)))
    extra = (
        " This document uses policy variables (`${...}`), which this version treats as literal text."
        if uses_variables
        else ""
    )
    yield Report(
        "/Version",
        'policy language version "2008-10-17" is outdated and disables policy variables; use "2012-10-17".' + extra,
    )


def _all_strings(value) -> str:
    out: list[str] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            out.append(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return "\n".join(out)


def duplicate_sid(ctx: Context) -> Iterator[Report]:
    seen: dict[str, str] = {}
    for st in ctx.policy.statements:
        sid = st.sid
        if not sid:
            continue
        if sid in seen:
            yield Report(
                st.ptr("Sid"),
                f"duplicate `Sid` {sid!r}: statement ids must be unique within a policy (first used at {seen[sid]})",
            )
        else:
            seen[sid] = st.pointer


def invalid_sid(ctx: Context) -> Iterator[Report]:
    for st in ctx.policy.statements:
        sid = st.sid
        if sid is not None and not _SID_IAM.match(sid):
            bad = sorted({c for c in sid if not c.isascii() or not c.isalnum()})
            shown = ", ".join(f"`{c}`" if c != " " else "space" for c in bad)
            yield Report(
                st.ptr("Sid"),
                f"`Sid` {sid!r} contains {shown}: IAM accepts only letters A-Z, a-z and digits 0-9 in a Sid",
            )


def duplicate_key(ctx: Context) -> Iterator[Report]:
    for obj_pointer, key, span in ctx.document.duplicates:
        where = obj_pointer or "the document"
        yield Report(
            f"{obj_pointer}/{key}",
            f"duplicate key `{key}` in {where}: AWS silently keeps only the last value",
            span=span,
        )


def empty_element(ctx: Context) -> Iterator[Report]:
    value = ctx.document.value
    if not isinstance(value, dict):
        return
    st_raw = value.get("Statement")
    if isinstance(st_raw, list) and not st_raw:
        yield Report("/Statement", "`Statement` is an empty list: the policy grants and denies nothing")
    for st in ctx.policy.statements:
        if not st.raw:
            yield Report(st.pointer, "empty statement object")
            continue
        if "Condition" not in st.raw and all(st.raw.values()):
            continue  # no empty list or object among the values (the common case: one C-level pass)
        for key, val in st.raw.items():
            if isinstance(val, (list, dict)) and not val and key != "Statement":
                what = "list" if isinstance(val, list) else "object"
                yield Report(st.ptr(key), f"`{key}` is an empty {what}: {_empty_hint(key)}")
            elif key == "Condition" and isinstance(val, dict):
                for op, block in val.items():
                    if isinstance(block, dict) and not block:
                        yield Report(st.ptr(key, op), f"condition operator `{op}` has no keys")
                    elif isinstance(block, dict):
                        for ckey, cval in block.items():
                            if isinstance(cval, list) and not cval:
                                yield Report(
                                    st.ptr(key, op, ckey),
                                    f"condition key `{ckey}` has an empty list of values: it can never match",
                                )


def _empty_hint(key: str) -> str:
    return {
        "Action": "the statement matches no action",
        "NotAction": "the statement then applies to every action",
        "Resource": "the statement matches no resource",
        "NotResource": "the statement then applies to every resource",
        "Principal": "the statement matches no principal",
        "Condition": "remove it",
    }.get(key, "remove it or give it a value")


def invalid_effect(ctx: Context) -> Iterator[Report]:
    for st in ctx.policy.statements:
        eff = st.raw.get("Effect")
        if not isinstance(eff, str) or eff in ("Allow", "Deny"):
            continue
        if eff.strip().lower() in ("allow", "deny"):
            right = eff.strip().capitalize()
            yield Report(st.ptr("Effect"), f'`Effect` must be exactly "{right}" (case-sensitive), not {eff!r}')
        else:
            yield Report(st.ptr("Effect"), f'`Effect` must be "Allow" or "Deny", not {eff!r}')


#: the largest service or resource control policy AWS Organizations accepts, in characters
ORGANIZATIONS_POLICY_MAX = 5120


def organizations_policy_too_large(ctx: Context) -> Iterator[Report]:
    """IAM014: the document without any whitespace (an unresolved IaC value
    counted as an empty string) is a lower bound of what Organizations counts."""
    value = ctx.document.value
    if not isinstance(value, dict):
        return
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=lambda _: ""))
    if size > ORGANIZATIONS_POLICY_MAX:
        what = "resource control policy" if ctx.kind == "rcp" else "service control policy"
        yield Report(
            "",
            f"this {what} is {size:,} characters even without whitespace; AWS Organizations accepts at most "
            f"{ORGANIZATIONS_POLICY_MAX:,}: split it into several policies attached to the same target",
        )


def _only_star(value: object) -> bool:
    return value == "*" or value == ["*"]


def rcp_allow_statement(ctx: Context) -> Iterator[Report]:
    """IAM015: an RCP's Allow is valid only as RCPFullAWSAccess has it."""
    for st in ctx.policy.statements:
        if not st.is_allow:
            continue
        raw = st.raw
        differs = [f"`{k}`" for k in ("NotPrincipal", "NotAction", "NotResource") if k in raw]
        differs += [
            f'`{k}` other than "*"' for k in ("Principal", "Action", "Resource") if k in raw and not _only_star(raw[k])
        ]
        differs += [f"no `{k}`" for k in ("Principal", "Action", "Resource") if k not in raw and f"Not{k}" not in raw]
        if raw.get("Condition"):
            differs.append("a `Condition`")
        if differs:
            yield Report(
                st.ptr("Effect"),
                f"an Allow statement in a resource control policy is valid only as in RCPFullAWSAccess "
                f'("Principal": "*", "Action": "*", "Resource": "*", no Condition); this one has '
                f"{', '.join(differs)}: an RCP cannot grant, write what must not happen as a Deny",
            )
