"""API Gateway resource policies written in SAM and OpenAPI, not in a ``Policy``.

Three places of a template hold the resource policy of a REST API besides
``AWS::ApiGateway::RestApi.Policy`` (read with the other resource policies):

- ``x-amazon-apigateway-policy`` at the top of an inline OpenAPI document:
  ``AWS::Serverless::Api.DefinitionBody`` and ``AWS::ApiGateway::RestApi.Body``.
  ``DefinitionUri`` / ``BodyS3Location`` (a file, an S3 object) and
  ``Fn::Transform`` bodies are never followed.  A body policy equal to the
  resource's own ``Policy`` is not read a second time.
- SAM's ``Auth.ResourcePolicy`` (a ``ResourcePolicyStatement``) on an
  ``AWS::Serverless::Api``, in ``Globals.Api.Auth`` and on the ``Api`` events
  of an ``AWS::Serverless::Function`` / ``StateMachine``.  SAM merges those
  (and the body's policy) into one policy per API; here each is its own
  document, read where it is written, so a Deny in one does not cover an
  Allow in another (IAM501 weighs Deny guards within one document only).

A ``ResourcePolicyStatement`` becomes the policy SAM generates from it (its
``samtranslator`` swagger editor), so a reviewer sees what is deployed:

- ``CustomStatements`` (one statement or a list) are the user's own statements,
  located exactly where they are written;
- ``AwsAccountWhitelist`` / ``Blacklist``: ``Allow`` / ``Deny``
  ``execute-api:Invoke`` to ``Principal: {AWS: <the list>}`` -- a ``"*"`` in the
  whitelist makes the API public (IAM501, at that entry);
- ``IpRangeBlacklist``, ``SourceVpcBlacklist``, ``IntrinsicVpc(e)Blacklist``:
  ``Allow`` to ``"*"`` and a ``Deny`` for the listed sources -- public to
  everyone else, reported at the blacklist's key;
- ``IpRangeWhitelist``, ``SourceVpcWhitelist``, ``IntrinsicVpc(e)Whitelist``:
  SAM writes ``Allow`` to ``"*"`` and a ``Deny`` to everyone not from the listed
  sources.  Here the ``Allow`` carries the whitelist as its condition
  (``IpAddress aws:SourceIp`` / ``StringEquals aws:SourceVpc`` or
  ``aws:SourceVpce``) and the ``Deny`` is kept: the same effective access (the
  ``Deny`` already removes every other caller), which IAM501 judges correctly
  without reasoning over Deny guards; ``0.0.0.0/0`` in the whitelist is still
  public.

Generated statements act on ``Opaque`` resources (SAM lists every method and
path of the API: the paths may come from functions' events) and are located at
the property they come from; values at the user's list entries.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from iamlint.findings import Span
from iamlint.model.document import Document, Notice, PrefixLocator
from iamlint.model.policy import Opaque, escape_pointer_token
from iamlint.sources.intrinsics import Resolver, is_intrinsic
from iamlint.vocabulary import DocumentKind

#: resource types this module reads
READ_TYPES = frozenset(
    {"AWS::Serverless::Api", "AWS::ApiGateway::RestApi", "AWS::Serverless::Function", "AWS::Serverless::StateMachine"}
)
BODY_POLICY = "x-amazon-apigateway-policy"
_START = Span(1, 1, 1, 2)
_INVOKE = "execute-api:Invoke"
_METHODS = "execute-api:/${Stage}/<each method and path of the API>"

#: how a pointer below a mapped prefix is located: "tree" follows the template
#: node's own structure, "node" stops at the node, "key" at the node's key
TREE, NODE, KEY = "tree", "node", "key"


class Template(Protocol):
    """What this module needs of the CloudFormation extractor."""

    path: str
    locator: Any
    resolver: Resolver
    duplicates: list

    def _notices(self, value: Any, pointer: str) -> list[Notice]: ...


class RebasedLocator:
    """A document assembled from several template nodes: the longest mapped
    prefix of a pointer names the template node it is located at."""

    def __init__(self, locator: Any, mapping: dict[str, tuple[str, str]]) -> None:
        self.locator = locator
        self.mapping = sorted(mapping.items(), key=lambda kv: -len(kv[0]))

    def _target(self, pointer: str) -> tuple[str, str] | None:
        for prefix, (target, mode) in self.mapping:
            if pointer == prefix:
                return target, mode
            if pointer.startswith(prefix + "/"):
                return (target + pointer[len(prefix) :], mode) if mode == TREE else (target, mode)
        return None

    def span(self, pointer: str) -> Span | None:
        found = self._target(pointer)
        if found is None:
            return None
        target, mode = found
        if mode == KEY:
            return self.locator.key_span(target) or self.locator.span(target)
        return self.locator.span(target)

    def key_span(self, pointer: str) -> Span | None:
        found = self._target(pointer)
        return self.locator.key_span(found[0]) if found and found[1] == TREE else None


def _ptr(*tokens: Any) -> str:
    return "".join("/" + escape_pointer_token(t) for t in tokens)


def _mapping(value: Any) -> dict:
    """A template mapping written literally (not an intrinsic), else empty."""
    return value if isinstance(value, dict) and not is_intrinsic(value) else {}


def read(tpl: Template, lid: str, res: dict, ignore: list[str]) -> list[Document]:
    """The API resource policies of resource ``lid`` that are not a ``Policy``."""
    props = _mapping(res.get("Properties"))
    base = _ptr("Resources", lid, "Properties")
    rtype = res.get("Type")
    reader = _Reader(tpl, lid, res, ignore)
    if rtype == "AWS::ApiGateway::RestApi":
        reader.body_policy(props, "Body", base)
    elif rtype == "AWS::Serverless::Api":
        reader.body_policy(props, "DefinitionBody", base)
        reader.statement(_mapping(props.get("Auth")), f"{base}/Auth")
    else:  # a function's or state machine's Api events
        for name, event in _mapping(props.get("Events")).items():
            event = _mapping(event)
            if tpl.resolver.resolve(event.get("Type")) == "Api":
                event_props = _mapping(event.get("Properties"))
                reader.statement(
                    _mapping(event_props.get("Auth")),
                    _ptr("Resources", lid, "Properties", "Events", name, "Properties", "Auth"),
                )
    return reader.documents


def _as_policy(value: Any) -> Any:
    """A ``Policy`` value as a document (CloudFormation accepts a JSON string too)."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def _serves_api(res: Any) -> bool:
    """Whether a resource is a SAM API or has an ``Api`` event (the implicit API)."""
    if not isinstance(res, dict):
        return False
    if res.get("Type") == "AWS::Serverless::Api":
        return True
    if res.get("Type") not in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
        return False
    events = _mapping(_mapping(res.get("Properties")).get("Events"))
    return any(_mapping(e).get("Type") == "Api" for e in events.values())


def read_globals(tpl: Template, template: dict) -> list[Document]:
    """SAM ``Globals.Api.Auth.ResourcePolicy``: part of the policy of every SAM
    API of the template (the implicit one of ``Api`` events too), read once
    where it is written when the template has such an API."""
    auth = _mapping(_mapping(_mapping(template.get("Globals")).get("Api")).get("Auth"))
    resources = _mapping(template.get("Resources"))
    if "ResourcePolicy" not in auth or not any(_serves_api(r) for r in resources.values()):
        return []
    reader = _Reader(tpl, "Globals", {"Type": "AWS::Serverless::Api"}, [])
    reader.statement(auth, "/Globals/Api/Auth")
    return reader.documents


class _Reader:
    def __init__(self, tpl: Template, lid: str, res: dict, ignore: list[str]) -> None:
        self.tpl, self.lid, self.res, self.ignore = tpl, lid, res, ignore
        self.documents: list[Document] = []

    def _add(self, value: Any, locator: Any, pointer: str, duplicates: list, extra: dict) -> None:
        tpl = self.tpl
        meta = {"ignore": self.ignore, "resource_type": self.res.get("Type"), "logical_id": self.lid, **extra}
        self.documents.append(
            Document(
                tpl.path,
                value,
                DocumentKind.RESOURCE,
                locator,
                owner=self.lid,
                kind_source="location",
                duplicates=duplicates,
                fallback_span=tpl.locator.span(pointer) or _START,
                meta=meta,
                notices=tpl._notices(value, pointer),
            )
        )

    def _duplicates(self, template_ptr: str, doc_ptr: str) -> list:
        return [
            (doc_ptr + p[len(template_ptr) :], k, s)
            for p, k, s in self.tpl.duplicates
            if p == template_ptr or p.startswith(template_ptr + "/")
        ]

    # -- x-amazon-apigateway-policy ------------------------------------------------
    def body_policy(self, props: dict, prop: str, base: str) -> None:
        body = _mapping(props.get(prop))
        if BODY_POLICY not in body:
            return
        raw = body[BODY_POLICY]
        resolve = self.tpl.resolver.resolve
        value = resolve(raw)
        if not isinstance(value, dict):
            return  # a policy SAM or API Gateway would reject, or not evaluated
        if "Policy" in props and (props["Policy"] is raw or _as_policy(resolve(props["Policy"])) == value):
            return  # the same policy as the resource's Policy: read there once
        pointer = f"{base}/{escape_pointer_token(prop)}/{escape_pointer_token(BODY_POLICY)}"
        self._add(value, PrefixLocator(self.tpl.locator, pointer), pointer, self._duplicates(pointer, ""), {})

    # -- SAM ResourcePolicyStatement ------------------------------------------------
    def statement(self, auth: dict, auth_ptr: str) -> None:
        rps = _mapping(auth.get("ResourcePolicy"))
        if not rps:
            return
        pointer = f"{auth_ptr}/ResourcePolicy"
        policy = _Generated(self.tpl, pointer)
        # the user's statements first (SAM appends them last; the order does not
        # change what a policy allows), so that Statement[i] is CustomStatements[i]
        duplicates = policy.custom(rps)
        policy.accounts(rps, "AwsAccountWhitelist", "Allow")
        policy.accounts(rps, "AwsAccountBlacklist", "Deny")
        whitelists = policy.whitelists(rps)
        policy.blacklists(rps, open_allow=not whitelists)
        if not policy.statements:
            return
        value = {"Version": "2012-10-17", "Statement": policy.statements}
        locator = RebasedLocator(self.tpl.locator, policy.mapping)
        self._add(value, locator, pointer, duplicates, {"sam_resource_policy": True})


class _Generated:
    """The statements SAM generates from one ``ResourcePolicyStatement`` and
    where each part of them is written."""

    def __init__(self, tpl: Template, pointer: str) -> None:
        self.tpl, self.pointer = tpl, pointer
        self.statements: list[Any] = []
        self.mapping: dict[str, tuple[str, str]] = {
            "": (pointer, KEY),
            "/Version": (pointer, KEY),
            "/Statement": (pointer, KEY),
        }

    def _prop(self, name: str) -> str:
        return f"{self.pointer}/{escape_pointer_token(name)}"

    def _statement(
        self, sid: str, effect: str, principal: Any, at: str, condition: tuple[str, dict] | None = None
    ) -> None:
        """Add a generated statement, named ``sid`` (messages name it), located
        at the key of property ``at``; ``condition`` is (operator, key ->
        entries), each entry located at the list element it comes from."""
        sp = f"/Statement/{len(self.statements)}"
        statement: dict[str, Any] = {
            "Sid": sid,
            "Effect": effect,
            "Principal": principal,
            "Action": _INVOKE,
            "Resource": Opaque(_METHODS),
        }
        for part in ("", "/Sid", "/Effect", "/Action", "/Resource", "/Principal", "/Condition"):
            self.mapping[sp + part] = (at, KEY)
        if isinstance(principal, dict):  # {"AWS": entries}
            statement["Principal"] = {"AWS": [v for v, _ in principal["AWS"]]}
            for i, (_, entry) in enumerate(principal["AWS"]):
                self.mapping[f"{sp}/Principal/AWS/{i}"] = (entry, NODE)
        if condition is not None:
            operator, keys = condition
            statement["Condition"] = {operator: {key: [v for v, _ in entries] for key, entries in keys.items()}}
            for key, entries in keys.items():
                for i, (_, entry) in enumerate(entries):
                    self.mapping[f"{sp}/Condition/{operator}/{escape_pointer_token(key)}/{i}"] = (entry, NODE)
        self.statements.append(statement)

    def _values(self, rps: dict, name: str) -> list[tuple[Any, str]]:
        """The entries of list property ``name`` with the template pointer of
        each (one value, or an intrinsic's result, is located at the property)."""
        if name not in rps:
            return []
        raw = rps[name]
        value = self.tpl.resolver.resolve(raw)
        prop = self._prop(name)
        if isinstance(raw, list) and isinstance(value, list) and len(raw) == len(value):
            return [(v, f"{prop}/{i}") for i, v in enumerate(value)]
        if isinstance(value, list):
            return [(v, prop) for v in value]
        return [] if value is None else [(value, prop)]

    def accounts(self, rps: dict, name: str, effect: str) -> None:
        """``Allow``/``Deny`` to the listed accounts (an ARN, an account id or ``*``)."""
        entries = self._values(rps, name)
        if entries:
            self._statement(name, effect, {"AWS": entries}, self._prop(name))

    def _vpcs(self, rps: dict, kind: str) -> tuple[dict[str, list[tuple[Any, str]]], str]:
        """``aws:SourceVpc`` / ``aws:SourceVpce`` -> entries of the white- or
        blacklist ``kind``, sorted as SAM does; and the first property giving any."""
        found: dict[str, list[tuple[Any, str]]] = {}
        first = ""
        strings = self._values(rps, f"SourceVpc{kind}")
        for key, name, items in (
            ("aws:SourceVpc", f"SourceVpc{kind}", [e for e in strings if str(e[0]).startswith("vpc-")]),
            ("aws:SourceVpce", f"SourceVpc{kind}", [e for e in strings if str(e[0]).startswith("vpce-")]),
            ("aws:SourceVpc", f"IntrinsicVpc{kind}", self._values(rps, f"IntrinsicVpc{kind}")),
            ("aws:SourceVpce", f"IntrinsicVpce{kind}", self._values(rps, f"IntrinsicVpce{kind}")),
        ):
            if items:
                found.setdefault(key, []).extend(items)
                first = first or self._prop(name)
        return found, first

    def whitelists(self, rps: dict) -> bool:
        """Allow ``"*"`` from the listed sources only, and SAM's Deny for the
        rest; whether any whitelist is given."""
        ips = self._values(rps, "IpRangeWhitelist")
        if ips:
            at = self._prop("IpRangeWhitelist")
            self._statement("IpRangeWhitelistAllow", "Allow", "*", at, ("IpAddress", {"aws:SourceIp": ips}))
            self._statement("IpRangeWhitelistDeny", "Deny", "*", at, ("NotIpAddress", {"aws:SourceIp": ips}))
        vpcs, at = self._vpcs(rps, "Whitelist")
        for key, entries in vpcs.items():  # from a VPC or from an endpoint: one Allow each
            sid = "VpcWhitelistAllow" + key.rpartition(":")[2]
            self._statement(sid, "Allow", "*", at, ("StringEquals", {key: entries}))
        if vpcs:
            self._statement("VpcWhitelistDeny", "Deny", "*", at, ("StringNotEquals", vpcs))
        return bool(ips or vpcs)

    def blacklists(self, rps: dict, open_allow: bool) -> None:
        """Allow ``"*"`` (unless a whitelist limits it) and a Deny for the listed sources."""
        ips = self._values(rps, "IpRangeBlacklist")
        vpcs, vpc_at = self._vpcs(rps, "Blacklist")
        if open_allow and (ips or vpcs):
            at = self._prop("IpRangeBlacklist") if ips else vpc_at
            self._statement("BlacklistAllow", "Allow", "*", at)
        if ips:
            at = self._prop("IpRangeBlacklist")
            self._statement("IpRangeBlacklistDeny", "Deny", "*", at, ("IpAddress", {"aws:SourceIp": ips}))
        if vpcs:  # SAM's one Deny: both keys in one condition block
            self._statement("VpcBlacklistDeny", "Deny", "*", vpc_at, ("StringEquals", vpcs))

    def custom(self, rps: dict) -> list:
        """``CustomStatements`` (one statement or a list) as written; the
        duplicate keys found inside them."""
        if "CustomStatements" not in rps:
            return []
        raw = rps["CustomStatements"]
        value = self.tpl.resolver.resolve(raw)
        prop = self._prop("CustomStatements")
        if isinstance(value, list):
            # entries are located one by one when the resolved list is the written one
            aligned = isinstance(raw, list) and len(raw) == len(value)
            pairs = [(v, f"{prop}/{i}" if aligned else prop, TREE if aligned else NODE) for i, v in enumerate(value)]
        elif value is None:
            return []
        else:
            pairs = [(value, prop, TREE)]
        duplicates = []
        for statement, at, mode in pairs:
            sp = f"/Statement/{len(self.statements)}"
            self.statements.append(statement)
            self.mapping[sp] = (at, mode)
            duplicates += [
                (sp + p[len(at) :], k, s) for p, k, s in self.tpl.duplicates if p == at or p.startswith(at + "/")
            ]
        return duplicates
