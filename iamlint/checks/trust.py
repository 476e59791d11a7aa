"""Checks for role trust policies (IAM3xx): who may assume the role.

Conditions count only in the statement that grants the trust, with IAM's
operator semantics: ``StringEquals`` compares literally, ``StringLike`` /
``ArnLike`` / ``ArnEquals`` expand ``*`` and ``?``; the values of one key are
ORed (so one wildcard value opens the whole condition); ``...IfExists`` passes
when the key is absent; ``ForAllValues:`` is true when the key is absent unless a
``Null`` check requires it; negated operators (``StringNotEquals`` ...) never pin
a caller.  Unresolved IaC values (:class:`~iamlint.model.policy.Opaque`) are
unknown: never a wildcard, never reported as specific.

Service-linked roles (``meta["service_linked"]``, set by sources for the path
``/aws-service-role/``) are AWS-managed and never second-guessed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from iamlint.engine.report import Report
from iamlint.engine.runner import Context
from iamlint.iam import arn
from iamlint.iam.conditions import operator_info
from iamlint.iam.scope import KeyState, key_state, pins_caller, unknown_conditions
from iamlint.iam.wildcard import has_wildcard, match_action
from iamlint.knowledge import providers as kb
from iamlint.model.policy import Opaque, Statement
from iamlint.vocabulary import Severity

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")

# keys that pin who the caller is when the principal is a wildcard (issue 4, rule 1)
PIN_KEYS = (
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "sts:externalid",
    "aws:userid",
)
# keys that make a cross-account trust deliberate
CROSS_ACCOUNT_KEYS = ("sts:externalid", "aws:principalorgid", "aws:principalorgpaths", "aws:principalarn")
MFA_KEYS = ("aws:multifactorauthpresent", "aws:multifactorauthage")

ASSUME = "sts:assumerole"
ASSUME_WEB = "sts:assumerolewithwebidentity"
ASSUME_SAML = "sts:assumerolewithsaml"
ASSUME_ACTIONS = (ASSUME, ASSUME_WEB, ASSUME_SAML)


# -- helpers ------------------------------------------------------------------


def _service_linked(ctx: Context) -> bool:
    return bool(ctx.document.meta.get("service_linked"))


def _allow_statements(ctx: Context) -> Iterator[Statement]:
    if _service_linked(ctx):
        return iter(())
    return (s for s in ctx.policy.statements if s.is_allow and s.principal_key == "Principal")


def _ptype(ptype: str) -> str:
    return ptype if ptype == "*" else str(ptype).lower()


def _actions(st: Statement) -> set[str] | None:
    """The role-assumption actions the statement allows (lower case), or None
    when it uses NotAction (then every assume action is allowed)."""
    if st.not_action:
        listed = {a.lower() for a in st.action_strings()}
        return {a for a in ASSUME_ACTIONS if not any(match_action(p, a) for p in listed)}
    out: set[str] = set()
    for a in st.action_strings():
        for cand in ASSUME_ACTIONS:
            if match_action(a, cand):
                out.add(cand)
    return out


def _has_opaque_action(st: Statement) -> bool:
    return any(isinstance(v.value, Opaque) for v in st.actions)


def _trusted_accounts(ctx: Context) -> set[str]:
    raw = ctx.option("trusted-accounts") or []
    if isinstance(raw, (str, int)):
        raw = [raw]
    out = {str(a).strip() for a in raw}
    own = ctx.document.meta.get("account_id")
    if isinstance(own, str):
        out.add(own)
    return out


# -- IAM301 wildcard principal ------------------------------------------------


def wildcard_principal_trust(ctx: Context) -> Iterator[Report]:
    for st in _allow_statements(ctx):
        wild = [v for t, v in st.principals if _ptype(t) in ("*", "aws") and v.value == "*"]
        if not wild or pins_caller(st, PIN_KEYS):
            continue
        for v in wild:
            what = '`"Principal": "*"`' if st.raw.get("Principal") == "*" else '`"AWS": "*"`'
            yield Report(
                v.pointer,
                f"{what} lets any AWS principal in any account assume this role; name the trusted "
                "principals, or pin the caller with a condition such as `aws:PrincipalOrgID` or `aws:PrincipalArn`",
            )


# -- IAM302 wildcard inside a principal ARN ------------------------------------


def wildcard_in_principal_arn(ctx: Context) -> Iterator[Report]:
    for st in _allow_statements(ctx):
        for t, v in st.principals:
            if _ptype(t) != "aws" or not isinstance(v.value, str):
                continue
            text = _PLACEHOLDER.sub("", v.value)
            if v.value != "*" and has_wildcard(text):
                yield Report(
                    v.pointer,
                    f"principal {v.value!r} contains a wildcard: IAM accepts a wildcard only as the whole "
                    'value `"*"`; name the account or role exactly and use `aws:PrincipalArn` with `ArnLike` '
                    "for patterns",
                )


# -- IAM303 Allow with NotPrincipal -------------------------------------------


def allow_with_not_principal(ctx: Context) -> Iterator[Report]:
    if _service_linked(ctx):
        return
    for st in ctx.policy.statements:
        if st.is_allow and "NotPrincipal" in st.raw:
            yield Report(
                st.ptr("NotPrincipal"),
                "`Allow` with `NotPrincipal` trusts every principal except the ones listed, including "
                "anonymous and other accounts' principals (role trust policies reject it); list the trusted "
                "principals in `Principal` instead",
                at_key=True,
            )


# -- IAM304/IAM305 cross-account trust ----------------------------------------


def _cross_account(ctx: Context):
    trusted = _trusted_accounts(ctx)
    for st in _allow_statements(ctx):
        for t, v in st.principals:
            if _ptype(t) != "aws" or not isinstance(v.value, str) or v.value == "*":
                continue
            account = arn.principal_account(v.value)
            if account is None or account in trusted:
                continue
            yield st, v, account


def cross_account_trust_without_condition(ctx: Context) -> Iterator[Report]:
    for st, v, account in _cross_account(ctx):
        if pins_caller(st, CROSS_ACCOUNT_KEYS + MFA_KEYS):
            continue
        who = (
            ("every principal of account " + account)
            if arn.is_whole_account(v.value)
            else f"{v.value!r} (account {account})"
        )
        yield Report(
            v.pointer,
            f"this trust lets {who} assume the role with no `sts:ExternalId`, `aws:PrincipalOrgID`, "
            "`aws:PrincipalArn` or MFA condition; add the external id the third party gave you (or list the "
            "account under the `trusted-accounts` option if it is yours)",
        )


def whole_account_trust(ctx: Context) -> Iterator[Report]:
    for st, v, account in _cross_account(ctx):
        if not arn.is_whole_account(v.value):
            continue
        if unknown_conditions(st) or not pins_caller(st, CROSS_ACCOUNT_KEYS + MFA_KEYS):
            continue  # IAM304 reports it, or the conditions are unknown
        yield Report(
            v.pointer,
            f"{v.value!r} trusts every principal of account {account} that its administrators allow to "
            f"call `sts:AssumeRole`; name the role that needs access (arn:aws:iam::{account}:role/NAME) if one will do",
        )


# -- web identity (IAM306-IAM309) ----------------------------------------------


@dataclass
class _Claim:
    name: str
    spec: dict
    state: KeyState


def _claim_keys(st: Statement, host: str, claim: str, loose: bool) -> list[str]:
    """Condition keys of ``st`` that test ``claim`` of the provider ``host``."""
    want = f"{host}:{claim}".lower()
    keys = []
    for c in st.conditions:
        k = c.key_lower
        if k == want or ((loose or "${" in k) and k.rsplit(":", 1)[-1] == claim and k.rsplit(":", 1)[0] != "aws"):
            keys.append(c.key)
    return sorted(set(keys))


def _web_identity_principals(ctx: Context):
    """(statement, principal value, classification) for OIDC principals."""
    for st in _allow_statements(ctx):
        for t, v in st.principals:
            if _ptype(t) != "federated":
                continue
            fed = kb.classify_federated(v.value)
            if fed.kind == "oidc" and fed.provider is not None:
                yield st, v, fed


def _claims(st: Statement, fed: kb.Federated) -> list[_Claim]:
    out = []
    prov = fed.provider
    assert prov is not None  # _web_identity_principals yields known OIDC providers only
    names = set(prov.claims) | set(prov.require_any_of)
    for name in sorted(names):
        spec = prov.claims.get(name, {})
        keys = _claim_keys(st, fed.host, name, fed.unresolved)
        out.append(_Claim(name, spec, key_state(st, keys)))
    return out


def _missing(ctx: Context, role: str) -> Iterator[Report]:
    for st, v, fed in _web_identity_principals(ctx):
        if unknown_conditions(st):
            continue
        prov = fed.provider
        claims = _claims(st, fed)
        if prov.require_any_of:
            if role != "subject":
                continue
            relevant = [c for c in claims if c.name in prov.require_any_of]
            if any(c.state.strong or c.state.weak for c in relevant):
                continue
            if any(k.key_lower.startswith(fed.host.lower() + ":") for k in st.conditions if k.values):
                continue  # some other claim of this provider is tested
            # an unresolved provider (a module input) may come with conditions a
            # source could not render (e.g. a Terraform dynamic block): info only
            yield Report(
                v.pointer,
                f"web identity provider {fed.host!r} is trusted with no condition on its `sub` or `aud` claim: "
                f"{prov.admits_when_missing} can assume the role; add a `StringEquals` condition on "
                f"`{fed.host}:sub` (and `{fed.host}:aud`)",
                severity=Severity.INFO if fed.unresolved else prov.missing_severity,
            )
            continue
        for c in claims:
            if c.spec.get("role") != role or not c.spec.get("missing_severity"):
                continue
            if c.state.strong or c.state.weak:
                continue  # weak conditions are IAM309's
            forms = c.spec.get("forms") or []
            example = f" such as {forms[0]!r}" if forms else ""
            neg = " (a negated operator does not pin it)" if c.state.negated else ""
            yield Report(
                v.pointer,
                f"{prov.name} trust without a condition on `{fed.host}:{c.name}`{neg}: "
                f"{c.spec.get('admits_when_missing', 'anyone the provider issues a token to')} can assume the role; "
                f"add `StringEquals` `{fed.host}:{c.name}`{example}",
                severity=c.spec["missing_severity"],
            )


def oidc_trust_without_subject(ctx: Context) -> Iterator[Report]:
    return _missing(ctx, "subject")


def web_identity_trust_without_audience(ctx: Context) -> Iterator[Report]:
    yield from _missing(ctx, "audience")


_SEVERITY_ORDER: dict[str, int] = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


def oidc_claim_wildcard(ctx: Context) -> Iterator[Report]:
    for st, _v, fed in _web_identity_principals(ctx):
        for c in _claims(st, fed):
            if c.spec.get("role") not in ("subject", "audience"):
                continue
            for cond in c.state.strong:
                if not operator_info(cond.operator).wildcards:
                    continue
                worst = None
                for val in cond.values:
                    if not isinstance(val.value, str) or not has_wildcard(val.value):
                        continue
                    sev, admits = kb.wildcard_grade(c.spec, val.value)
                    if worst is None or _SEVERITY_ORDER[sev] > _SEVERITY_ORDER[worst[0]]:
                        worst = (sev, admits, val)
                if worst is None:
                    continue
                sev, admits, val = worst
                yield Report(
                    val.pointer,
                    f"`{cond.operator}` `{cond.key}` = {val.value!r} admits {admits}; "
                    f"pin the claim to the exact value with `StringEquals`",
                    severity=sev,
                )


def oidc_condition_passes_without_claim(ctx: Context) -> Iterator[Report]:
    for st, _v, fed in _web_identity_principals(ctx):
        for c in _claims(st, fed):
            if c.spec.get("role") not in ("subject", "audience") or c.state.strong:
                continue
            for cond in c.state.weak:
                why = (
                    "`...IfExists` passes when the token has no such claim"
                    if operator_info(cond.operator).if_exists
                    else "`ForAllValues:` is true when the claim is absent"
                )
                yield Report(
                    cond.pointer,
                    f"`{cond.operator}` on `{cond.key}` does not require the claim: {why}; use "
                    f'`StringEquals` (or add a `Null` condition `{cond.key}`: "false")',
                    at_key=True,
                )


# -- IAM310 SAML without SAML:aud ----------------------------------------------


def saml_trust_without_audience(ctx: Context) -> Iterator[Report]:
    for st in _allow_statements(ctx):
        saml = [
            v for t, v in st.principals if _ptype(t) == "federated" and kb.classify_federated(v.value).kind == "saml"
        ]
        if not saml:
            continue
        if pins_caller(st, ["saml:aud"]):
            continue
        yield Report(
            saml[0].pointer,
            "SAML federation trust without a `SAML:aud` condition: assertions meant for any other service "
            "provider can be replayed to assume the role; add `StringEquals` "
            '`"SAML:aud": "https://signin.aws.amazon.com/saml"`',
        )


# -- IAM311 principal / action mismatch ----------------------------------------


def principal_action_mismatch(ctx: Context) -> Iterator[Report]:
    for st in _allow_statements(ctx):
        if _has_opaque_action(st):
            continue
        allowed = _actions(st)
        if not allowed:
            continue  # no role-assumption action (e.g. sts:TagSession only)
        for t, v in st.principals:
            pt = _ptype(t)
            if pt == "federated":
                fed = kb.classify_federated(v.value)
                if fed.kind == "saml":
                    need, label = ASSUME_SAML, "a SAML provider"
                elif fed.kind == "oidc":
                    need, label = ASSUME_WEB, "a web identity (OIDC) provider"
                else:
                    continue
            elif pt in ("aws", "service", "*"):
                need, label = (
                    ASSUME,
                    {"aws": "an AWS principal", "service": "a service principal", "*": "a wildcard principal"}[pt],
                )
            else:
                continue
            if need in allowed:
                continue
            listed = ", ".join(
                sorted(
                    "`"
                    + a.replace("sts:assumerole", "sts:AssumeRole")
                    .replace("withwebidentity", "WithWebIdentity")
                    .replace("withsaml", "WithSAML")
                    + "`"
                    for a in allowed
                )
            )
            proper = {
                ASSUME: "sts:AssumeRole",
                ASSUME_WEB: "sts:AssumeRoleWithWebIdentity",
                ASSUME_SAML: "sts:AssumeRoleWithSAML",
            }[need]
            yield Report(
                v.pointer,
                f"{label} ({v.value!r}) can only assume a role with `{proper}`, but this statement allows "
                f"{listed}: AWS rejects or never matches it; use `{proper}`",
            )


# -- IAM312 malformed service principal ----------------------------------------

_SERVICE = re.compile(
    r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*"
    r"\.(?:amazonaws\.com(?:\.cn)?|amazon\.com|c2s\.ic\.gov|sc2s\.sgov\.gov)$"
)


def _service_problem(text: str) -> str | None:
    if "${" in text:
        # IaC placeholder (e.g. ${AWS::URLSuffix}): check only the literal parts
        rest = _PLACEHOLDER.sub("x", text)
        if re.fullmatch(r"[a-z0-9.-]+", rest):
            return None
        return "contains characters that cannot appear in a service principal"
    if _SERVICE.match(text):
        return None
    if text != text.strip():
        return "has leading or trailing whitespace"
    if text.lower() != text and _SERVICE.match(text.lower()):
        return f"must be lower case: {text.lower()!r}"
    if text.lower().startswith(("arn:", "https://", "http://")):
        return "is an ARN or URL; a service principal is a name like 'ec2.amazonaws.com'"
    if text == "*" or has_wildcard(text):
        return "cannot contain a wildcard; name the service"
    if re.fullmatch(r"[a-z0-9-]+", text):
        return f"is missing the domain: {text + '.amazonaws.com'!r}"
    return "is not of the form '<service>.amazonaws.com'"


def malformed_service_principal(ctx: Context) -> Iterator[Report]:
    for st in _allow_statements(ctx):
        for t, v in st.principals:
            pt = _ptype(t)
            if not isinstance(v.value, str):
                continue
            if pt == "service":
                problem = _service_problem(v.value)
                if problem:
                    yield Report(v.pointer, f"service principal {v.value!r} {problem}")
            elif pt == "aws" and _SERVICE.match(v.value.strip().lower()):
                yield Report(
                    v.pointer,
                    f"{v.value!r} is a service principal but is listed under `AWS`; move it to "
                    f'`"Service": "{v.value.strip().lower()}"`',
                )


# -- IAM313 confused deputy ----------------------------------------------------


def service_trust_confused_deputy(ctx: Context) -> Iterator[Report]:
    keys = kb.confused_deputy_condition_keys()
    for st in _allow_statements(ctx):
        for t, v in st.principals:
            if _ptype(t) != "service" or not isinstance(v.value, str):
                continue
            entry = kb.confused_deputy_service(v.value)
            if entry is None:
                continue
            if pins_caller(st, keys):
                continue
            yield Report(
                v.pointer,
                f"{entry['service']} ({v.value}) acts for resources that may belong to other accounts; "
                "without an `aws:SourceArn` or `aws:SourceAccount` condition any such resource can make it "
                f"assume this role (confused deputy); pin them as in {entry['url']}",
            )
