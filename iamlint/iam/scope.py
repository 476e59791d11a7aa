"""Who and what a statement's conditions limit: one definition each of

* **pins the caller** (trust policies, :func:`pins_caller`): some positive
  condition on the given keys requires the caller to be something specific;
* **restricts the caller** (resource policies, :func:`restricts_caller`): a
  condition limits who can use an Allow granted to ``"*"``;
* **narrows the resources** (identity policies, :func:`narrows_resources`):
  a condition limits the resources a statement applies to, so ``Resource: *``
  is not "every resource". The rules (IAM2xx) and the managed-policy
  summaries (:mod:`iamlint.analysis.summary`) read it through
  :func:`iamlint.analysis.permissions.narrowing_conditions`.

All three read conditions through :mod:`iamlint.iam.conditions`, with the
same semantics: a negated operator never limits anything (it is true for
every other value); a condition that is true when the key is absent
(``...IfExists``, ``ForAllValues:``) does not limit on its own; ``Null``
with ``"false"`` requires the key, which is what ``StringLike "*"`` says.
Unresolved IaC values (:class:`~iamlint.model.policy.Opaque`) are unknown:
given the benefit of the doubt, never taken for a wildcard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from iamlint.iam import arn
from iamlint.iam.conditions import has_wildcard, null_requires_presence, operator_info, passes_when_absent, true_value
from iamlint.model.policy import Condition, Opaque, Statement, Value

__all__ = [
    "PASS_ROLE_KEYS",
    "PLACEHOLDER",
    "RESOURCE_NARROWING_KEYS",
    "RESTRICTING_BOOL_KEYS",
    "RESTRICTING_KEYS",
    "KeyState",
    "condition_pins",
    "key_state",
    "narrowing_conditions",
    "narrows_resources",
    "pass_role_conditions",
    "pins_caller",
    "restricting_conditions",
    "restricts_caller",
    "unknown_conditions",
    "value_pins",
]


def unknown_conditions(st: Statement) -> bool:
    """The statement's conditions are (partly) unresolved IaC (a dynamic block,
    ``!If``, a variable): they may pin anything, so condition-based rules stay quiet."""
    block = st.raw.get("Condition")
    if isinstance(block, Opaque):
        return True
    if isinstance(block, dict):
        return any(isinstance(op, Opaque) or isinstance(keys, Opaque) or "${" in str(op) for op, keys in block.items())
    return False


# --------------------------------------------------------------------------
# pins the caller (trust policies)
# --------------------------------------------------------------------------


@dataclass
class KeyState:
    """How a statement constrains one or more condition keys."""

    strong: list[Condition] = field(default_factory=list)  # must be present and match
    weak: list[Condition] = field(default_factory=list)  # pass when the key is absent
    negated: list[Condition] = field(default_factory=list)

    @property
    def constrained(self) -> bool:
        return bool(self.strong)


def _null_required(st: Statement, key: str) -> bool:
    return any(null_requires_presence(c) for c in st.conditions_on(key))


def key_state(st: Statement, keys: Iterable[str]) -> KeyState:
    """The statement's conditions on ``keys``, sorted by how they constrain the
    key: ``ForAllValues:`` counts as strong when a ``Null`` ``"false"`` on the
    same key requires it; ``Null`` itself is left out."""
    state = KeyState()
    for key in keys:
        required = _null_required(st, key)
        for c in st.conditions_on(key):
            info = operator_info(c.operator)
            if info.is_null:
                continue
            if info.negated:
                state.negated.append(c)
            elif info.if_exists or (info.qualifier.lower() == "forallvalues" and not required):
                state.weak.append(c)
            else:
                state.strong.append(c)
    return state


_ORG_PATH = re.compile(r"^o-[a-z0-9]+/")


def value_pins(cond: Condition, value: Value) -> bool:
    """Whether this value of a positive condition limits the key to something
    specific: a literal, or a wildcard pattern that still fixes the account
    (``aws:PrincipalArn``/``aws:SourceArn``) or the organisation
    (``aws:PrincipalOrgPaths``/``aws:SourceOrgPaths``). ``StringLike
    aws:PrincipalOrgID "o-*"`` does not pin; an empty string does not; an
    unresolved value does (benefit of the doubt)."""
    v = value.value
    if isinstance(v, Opaque) or not isinstance(v, str):
        return True  # unknown: give the benefit of the doubt
    text = v.strip()
    if not text:
        return False
    if not operator_info(cond.operator).wildcards or not has_wildcard(text):
        return True
    if not text.strip("*?"):
        return False
    key = cond.key_lower
    if key in ("aws:principalarn", "aws:sourcearn"):
        parts = text.split(":")
        return len(parts) >= 5 and not has_wildcard(parts[4]) and parts[4] != ""
    if key in ("aws:principalorgpaths", "aws:sourceorgpaths"):
        return bool(_ORG_PATH.match(text))
    return False


def condition_pins(cond: Condition) -> bool:
    """Whether every value of the condition (they are ORed) pins
    (:func:`value_pins`): ``StringLike aws:PrincipalOrgID ["o-abc", "o-*"]`` does not."""
    return bool(cond.values) and all(value_pins(cond, v) for v in cond.values)


def pins_caller(st: Statement, keys: Iterable[str]) -> bool:
    """Some positive condition on ``keys`` pins the caller: a ``Bool`` required
    true, an MFA age, or a condition every value of which (they are ORed) pins
    (:func:`value_pins`). Unknown (unresolved) conditions count as pinning."""
    if unknown_conditions(st):
        return True
    for cond in key_state(st, keys).strong:
        if operator_info(cond.operator).family == "Bool" or cond.key_lower == "aws:multifactorauthpresent":
            if any(true_value(v.value) is True for v in cond.values):
                return True
            continue
        if cond.key_lower == "aws:multifactorauthage" and cond.values:
            return True
        if condition_pins(cond):
            return True
    return False


# --------------------------------------------------------------------------
# restricts the caller (resource policies)
# --------------------------------------------------------------------------

#: Condition keys that, tested positively, limit who can use an Allow granted to
#: "*": the caller's organisation/account/ARN, the calling resource (confused
#: deputy protection for service principals), or the network path.
RESTRICTING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:username",
        "aws:principalservicename",
        "aws:principalservicenameslist",
        "aws:sourcearn",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourcevpce",
        "aws:sourcevpc",
        "aws:sourceip",
        "aws:vpcsourceip",
        "kms:calleraccount",
        "s3:dataaccesspointaccount",
        "s3:dataaccesspointarn",
        "sns:endpoint",
        "sqs:sourcearn",
    }
)
#: Bool keys that restrict only when required to be true
RESTRICTING_BOOL_KEYS = frozenset({"aws:principalisawsservice"})
_OPEN_NETWORKS = frozenset({"0.0.0.0/0", "::/0"})
#: restricting keys whose value is an ARN: a wildcard value still restricts when
#: the ARN's account is named (``arn:aws:sns:eu-west-1:111122223333:*``)
_ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn", "s3:dataaccesspointarn", "sqs:sourcearn"})
#: organisation paths (``o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*``): restrict when the organisation is named
_ORG_PATH_KEYS = frozenset({"aws:principalorgpaths", "aws:sourceorgpaths"})
#: a role's or user's unique id, then ``:`` and a session name: restricts when the id is named
_USER_ID_KEYS = frozenset({"aws:userid"})
#: restricting keys a wildcard still restricts with while some text is fixed (``*@example.com``)
_PATTERN_KEYS = frozenset({"sns:endpoint"})
_WILD = re.compile(r"[*?]")
#: IAM's escapes for a literal ``*``, ``?`` and ``$``
_LITERAL_ESCAPE = re.compile(r"\$\{[*?$]\}")
#: an IAM policy variable (``${aws:username}``, ``${aws:PrincipalTag/team}``), not a
#: CloudFormation pseudo parameter (``${AWS::AccountId}``) or a Terraform reference (``${var.x}``)
_POLICY_VARIABLE = re.compile(r"\$\{[^}:${]+:(?!:)[^}${]*\}")
#: what is left of ``${...}`` once the policy variables are gone: an IaC value, unknown but fixed
#: (neither pattern crosses a ``$`` or ``{``, so a run of unclosed ``${`` is scanned in linear time)
PLACEHOLDER = re.compile(r"\$\{[^}${]*\}")


def _caller_pattern(text: str) -> str:
    """The value as a pattern of what the caller can present: IAM's literal escapes
    are fixed characters, a policy variable is a wildcard (the caller's own tag,
    name or account fills it in), an IaC placeholder is an unknown fixed value."""
    text = _LITERAL_ESCAPE.sub("x", text)
    text = _POLICY_VARIABLE.sub("*", text)
    return PLACEHOLDER.sub("x", text)


def _value_restricts(key: str, text: str) -> bool:
    """Whether one condition value names a caller (an organisation, account, ARN,
    endpoint ...) rather than matching anyone's: ``o-*``, ``*`` and
    ``${aws:PrincipalTag/org}`` match every caller's value."""
    pattern = _caller_pattern(text)
    if not has_wildcard(pattern):
        return pattern != ""
    if key in _ARN_KEYS:
        parts = arn.parse(pattern, exact_prefix=True)
        if parts is None:
            return False
        account, resource = parts.account, parts.resource
        if account:
            return not has_wildcard(account)
        return _WILD.split(resource, 1)[0] != ""  # an S3 ARN has no account: a named prefix
    if key in _ORG_PATH_KEYS:
        org = pattern.split("/", 1)[0]
        return org.startswith("o-") and not has_wildcard(org)
    if key in _USER_ID_KEYS:
        unique_id, sep, _ = pattern.partition(":")
        return bool(sep) and unique_id != "" and not has_wildcard(unique_id)
    if key in _PATTERN_KEYS:
        return pattern.strip("*?") != ""
    return False  # an organisation, account, endpoint or network id: a wildcard matches others'


def restricts_caller(cond: Condition) -> bool:
    """Whether the condition limits who can use a resource policy's Allow:
    a positive test of a restricting key whose every value names a caller
    (:func:`_value_restricts`: ``StringLike aws:PrincipalOrgID "o-*"``, ``*``
    and ``${aws:PrincipalTag/org}`` match anyone's and do not restrict)."""
    info = operator_info(cond.operator)
    if passes_when_absent(info):
        return False  # passes when the key is absent (e.g. an anonymous request)
    if info.negated or info.is_null:
        return False
    key = cond.key_lower
    values = [v.value for v in cond.values]
    if key in RESTRICTING_BOOL_KEYS:
        return any(str(v).lower() == "true" for v in values)
    if key not in RESTRICTING_KEYS:
        return False
    strings = [v for v in values if isinstance(v, str)]
    if any(not isinstance(v, str) for v in values):
        return True  # unresolved IaC value: assume it names something
    if key in ("aws:sourceip", "aws:vpcsourceip") and any(s in _OPEN_NETWORKS for s in strings):
        return False
    return bool(strings) and all(_value_restricts(key, s) for s in strings)


def restricting_conditions(stmt: Statement) -> list[Condition]:
    """The statement's conditions that restrict the caller (:func:`restricts_caller`)."""
    return [c for c in stmt.conditions if restricts_caller(c)]


# --------------------------------------------------------------------------
# narrows the resources (identity policies)
# --------------------------------------------------------------------------

#: Condition keys that, tested positively, narrow the resources a statement
#: applies to (besides every ``…ResourceTag/…`` key): resources of one account
#: or organisation, calls made only through an AWS service, the policies an
#: ``iam:Attach…Policy`` may attach.
RESOURCE_NARROWING_KEYS = frozenset(
    {
        "aws:resourceaccount",
        "aws:resourceorgid",
        "aws:resourceorgpaths",
        "aws:calledvia",
        "aws:calledviafirst",
        "aws:calledvialast",
        "aws:viaawsservice",
        "kms:viaservice",
        "iam:policyarn",
    }
)

#: Keys only ``iam:PassRole`` requests carry: a positive condition on them
#: limits the service or resource a role is passed to, not the roles.
PASS_ROLE_KEYS = frozenset({"iam:passedtoservice", "iam:associatedresourcearn"})


def narrows_resources(cond: Condition) -> bool:
    """Whether the condition narrows the resources an identity statement applies
    to: a positive test of a resource tag or of a :data:`RESOURCE_NARROWING_KEYS`
    key (``aws:ViaAWSService`` only when required true), including ``Null``
    ``"false"`` (the tag must be there: ``StringLike "*"`` in other words).
    Negated operators and ``...IfExists``/``ForAllValues:`` do not narrow."""
    key = cond.key_lower
    if key not in RESOURCE_NARROWING_KEYS and "resourcetag/" not in key:
        return False
    info = operator_info(cond.operator)
    if info.negated or passes_when_absent(info):
        return False
    if key == "aws:viaawsservice":
        return not info.is_null and any(true_value(v.value) is True for v in cond.values)
    if info.is_null:
        return null_requires_presence(cond)
    return True


def narrowing_conditions(stmt: Statement) -> list[str]:
    """Keys (as written) of the statement's conditions that narrow its resources."""
    block = stmt.raw.get("Condition")
    if not isinstance(block, dict) or not block:
        return []
    return [c.key for c in stmt.conditions if narrows_resources(c)]


def pass_role_conditions(stmt: Statement) -> list[str]:
    """Keys (as written) of positive conditions on :data:`PASS_ROLE_KEYS`: the
    statement's other actions never carry them (without ``...IfExists`` they
    never apply), and for ``iam:PassRole`` they name where a role may go, which
    IAM206 judges."""
    if "Condition" not in stmt.raw:
        return []
    out = []
    for c in stmt.conditions:
        if c.key_lower in PASS_ROLE_KEYS:
            info = operator_info(c.operator)
            if not info.negated and not info.is_null:
                out.append(c.key)
    return out
