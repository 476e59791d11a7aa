"""The policy model: Policy -> Statement -> principals, actions, resources, conditions.

The model is built from the decoded document value (plain dicts, lists and
scalars; values that IaC sources could not resolve are :class:`Opaque`).
String-or-list elements are normalised to lists and every value keeps the JSON
pointer it came from, so a rule can report a node and the engine turns the
pointer into a line and column.  Building the model never raises: a document of
the wrong shape simply yields fewer elements (the schema rule reports the shape).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple, TypeVar

from iamlint.vocabulary import DocumentKind

_T = TypeVar("_T")


PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
ROLE_ASSUMPTION_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithwebidentity",
        "sts:assumerolewithsaml",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)


class Opaque:
    """A value an IaC source could not resolve (``!Ref Param``, ``var.x``).

    ``text`` is a short human rendering (``"${var.account_id}"``); rules treat an
    opaque value as unknown: never as a wildcard, never as a specific value.
    """

    __slots__ = ("text",)

    def __init__(self, text: str = "<unresolved>") -> None:
        self.text = text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"Opaque({self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Opaque) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("Opaque", self.text))


def escape_pointer_token(token: Any) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(base: str, *tokens: Any) -> str:
    out = base
    for t in tokens:
        if type(t) is int:
            out = f"{out}/{t}"
        else:
            t = str(t)
            if "~" in t or "/" in t:
                t = t.replace("~", "~0").replace("/", "~1")
            out = f"{out}/{t}"
    return out


class Value(NamedTuple):
    """One scalar of a string-or-list element, with its pointer."""

    value: Any
    pointer: str

    @property
    def text(self) -> str | None:
        """The value if it is a plain string, else None."""
        return self.value if isinstance(self.value, str) else None


def _values(container: dict[str, Any], key: str, base: str) -> list[Value]:
    raw = container.get(key)
    pointer = join_pointer(base, key)
    if isinstance(raw, list):
        return [Value(v, f"{pointer}/{i}") for i, v in enumerate(raw)]
    if raw is None:
        return []
    return [Value(raw, pointer)]


class Condition(NamedTuple):
    operator: str  # as written, e.g. "ForAnyValue:StringLike"
    key: str  # as written, e.g. "token.actions.githubusercontent.com:sub"
    values: tuple[Value, ...]
    pointer: str  # /Statement/0/Condition/<op>/<key>

    @property
    def key_lower(self) -> str:
        return self.key.lower()

    def strings(self) -> list[str]:
        return [v.value for v in self.values if isinstance(v.value, str)]


@dataclass
class Statement:
    raw: dict[str, Any]
    index: int | None  # None when Statement is a single object
    pointer: str
    #: the facts :meth:`fact` computed, by the function that computed them
    _facts: dict[Callable[[Statement], object], object] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def fact(self, compute: Callable[[Statement], _T]) -> _T:
        """``compute(self)``, computed once per statement: what the layers above
        the model derive from a statement and share (its narrowing conditions,
        its action matcher ...)."""
        facts = self._facts
        if compute in facts:
            return facts[compute]  # type: ignore[return-value]  # stored below: compute's result
        value = compute(self)
        facts[compute] = value
        return value

    @property
    def sid(self) -> str | None:
        sid = self.raw.get("Sid")
        return sid if isinstance(sid, str) else None

    @property
    def effect(self) -> str | None:
        eff = self.raw.get("Effect")
        return eff if isinstance(eff, str) else None

    @property
    def is_allow(self) -> bool:
        return self.effect == "Allow"

    @property
    def is_deny(self) -> bool:
        return self.effect == "Deny"

    def ptr(self, *tokens: Any) -> str:
        return join_pointer(self.pointer, *tokens)

    # -- actions ---------------------------------------------------------
    @property
    def not_action(self) -> bool:
        return "NotAction" in self.raw

    @cached_property
    def actions(self) -> list[Value]:
        """Values of ``Action`` or ``NotAction`` (see :attr:`not_action`)."""
        return _values(self.raw, "NotAction" if self.not_action else "Action", self.pointer)

    @property
    def action_key(self) -> str:
        return "NotAction" if self.not_action else "Action"

    def action_strings(self) -> list[str]:
        return [v.value for v in self.actions if isinstance(v.value, str)]

    # -- resources -------------------------------------------------------
    @property
    def not_resource(self) -> bool:
        return "NotResource" in self.raw

    @cached_property
    def resources(self) -> list[Value]:
        return _values(self.raw, "NotResource" if self.not_resource else "Resource", self.pointer)

    @property
    def resource_key(self) -> str:
        return "NotResource" if self.not_resource else "Resource"

    # -- principals ------------------------------------------------------
    @property
    def principal_key(self) -> str | None:
        if "Principal" in self.raw:
            return "Principal"
        if "NotPrincipal" in self.raw:
            return "NotPrincipal"
        return None

    @cached_property
    def principals(self) -> list[tuple[str, Value]]:
        """(type, value) pairs; ``"Principal": "*"`` is (``"*"``, Value("*"))."""
        key = self.principal_key
        if key is None:
            return []
        raw = self.raw[key]
        base = self.ptr(key)
        if isinstance(raw, dict):
            out: list[tuple[str, Value]] = []
            for ptype in raw:
                out.extend((ptype, v) for v in _values(raw, ptype, base))
            return out
        return [("*", Value(raw, base))]

    # -- conditions ------------------------------------------------------
    @cached_property
    def conditions(self) -> list[Condition]:
        block = self.raw.get("Condition")
        if not isinstance(block, dict):
            return []
        out = []
        for op, keys in block.items():
            if not isinstance(keys, dict):
                continue
            for key in keys:
                ptr = self.ptr("Condition", op, key)
                vals = _values(keys, key, self.ptr("Condition", op))
                out.append(Condition(str(op), str(key), tuple(vals), ptr))
        return out

    def conditions_on(self, key: str) -> list[Condition]:
        k = key.lower()
        return [c for c in self.conditions if c.key_lower == k]


@dataclass
class Policy:
    value: Any
    pointer: str = ""

    @property
    def is_object(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def version(self) -> Any:
        return self.value.get("Version") if isinstance(self.value, dict) else None

    @cached_property
    def statements(self) -> list[Statement]:
        if not isinstance(self.value, dict):
            return []
        raw = self.value.get("Statement")
        base = join_pointer(self.pointer, "Statement")
        if isinstance(raw, dict):
            return [Statement(raw, None, base)]
        if isinstance(raw, list):
            return [Statement(s, i, f"{base}/{i}") for i, s in enumerate(raw) if isinstance(s, dict)]
        return []

    def allow_statements(self) -> Iterator[Statement]:
        return (s for s in self.statements if s.is_allow)

    @property
    def has_principal(self) -> bool:
        return any(s.principal_key for s in self.statements)


def detect_kind(value: Any) -> str:
    """Document kind from content: trust, resource or identity.

    A statement with a ``Principal`` whose actions are all role-assumption
    actions (``sts:AssumeRole*``, ``sts:TagSession``, ``sts:SetSourceIdentity``)
    makes a trust policy; a ``Principal`` with other actions a resource policy;
    no ``Principal`` anywhere an identity policy.
    """
    if isinstance(value, dict):
        raw = value.get("Statement")
        raws = (raw,) if isinstance(raw, dict) else raw if isinstance(raw, list) else ()
        if not any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in raws):
            return DocumentKind.IDENTITY.value  # the common case, decided without building statements
    policy = Policy(value)
    with_principal = [s for s in policy.statements if s.principal_key]
    if not with_principal:
        return DocumentKind.IDENTITY.value
    actions = [a.lower() for s in with_principal for a in s.action_strings()]
    if actions and all(a in ROLE_ASSUMPTION_ACTIONS for a in actions):
        return DocumentKind.TRUST.value
    return DocumentKind.RESOURCE.value


def organizations_kind(value: Any) -> str:
    """An Organizations policy's kind from content: rcp when a statement names
    a ``Principal`` (or ``NotPrincipal``) -- resource control policies do, with
    ``"*"`` -- else scp (service control policies name none)."""
    raw = value.get("Statement") if isinstance(value, dict) else None
    raws = (raw,) if isinstance(raw, dict) else raw if isinstance(raw, list) else ()
    if any(isinstance(s, dict) and ("Principal" in s or "NotPrincipal" in s) for s in raws):
        return DocumentKind.RCP.value
    return DocumentKind.SCP.value
