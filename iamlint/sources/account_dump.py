"""``aws iam get-account-authorization-details`` dumps.

Every policy document in the dump becomes a :class:`Document` located in the
dump file itself (a locator that prefixes the document's pointer with its
place in the dump), and every role, user and group becomes a
:class:`~iamlint.model.role.Role` for the whole-role rules:

* ``RoleDetailList``: trust policy, inline policies (``RolePolicyList``),
  attached managed policies, permissions boundary, instance profiles;
* ``UserDetailList``: inline and attached policies, and the groups the user
  is in (``Role.member_of``: their Role objects, so a user's power
  includes its groups' policies);
* ``GroupDetailList``: inline and attached policies;
* ``Policies``: customer managed policies, default version only; they are
  linted once and resolve the attachments that name them.  One used only as
  a permissions boundary is kind ``boundary``.  AWS managed
  policies listed there are not linted (their content is AWS's, judged at the
  attachment through the managed policy catalog).

Known oddities tolerated: an object where a list is expected (AWS's own
documentation example has ``AttachedManagedPolicies`` as an object),
``IsTruncated``/``Marker`` (a partial dump: ``meta["truncated"]`` on every
principal), documents as URL-encoded JSON strings (older CLI versions), and
entries of the wrong type (skipped).
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from iamlint.findings import Span
from iamlint.model.declarations import Declaration, Membership, Principal, Target
from iamlint.model.document import Document, NodeLocator, PrefixLocator
from iamlint.model.policy import join_pointer
from iamlint.model.role import Attachment, Role
from iamlint.sources.assemble import assemble
from iamlint.sources.result import SourceResult
from iamlint.vocabulary import DocumentKind

_START = Span(1, 1, 1, 2)


def _as_list(value: Any, pointer: str) -> list[tuple[Any, str]]:
    """Items with their pointers; an object where a list is expected is one item."""
    if isinstance(value, list):
        return [(item, join_pointer(pointer, i)) for i, item in enumerate(value)]
    if isinstance(value, dict):
        return [(value, pointer)]
    return []


def _count(entry: dict, key: str) -> int:
    """A count of a ``Policies`` entry (0 when absent or not a number)."""
    value = entry.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def decode_document(raw: Any) -> Any:
    """A policy document as written in a dump: an object, or a (URL-encoded)
    JSON string.  Returns the decoded value, or ``raw`` itself when it cannot
    be decoded (the schema rule then reports its shape)."""
    if not isinstance(raw, str):
        return raw
    for candidate in (raw, urllib.parse.unquote(raw), urllib.parse.unquote_plus(raw)):
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):
            continue
    return raw


def is_dump(value: Any) -> bool:
    return isinstance(value, dict) and (
        any(k in value for k in ("RoleDetailList", "UserDetailList", "GroupDetailList"))
        or ("Policies" in value and isinstance(value.get("Policies"), list) and "Statement" not in value)
    )


def read_json(path: str, text: str, value: Any, parse_result: Any, kind: str | None) -> SourceResult:
    """Read a dump already decoded by :mod:`iamlint.sources.rawjson`."""
    return _Dump(path, text, value, parse_result.locator, getattr(parse_result, "duplicates", [])).run()


class _Dump:
    def __init__(self, path: str, text: str, value: dict, locator: Any, duplicates: list) -> None:
        self.path, self.text, self.value, self.locator = path, text, value, locator
        self.duplicates = duplicates or []
        self.documents: list[Document] = []
        self.declarations: list[Declaration] = []
        self.roles: list[Role] = []
        self.customer: dict[str, Document] = {}  # policy ARN (lower) -> default version document
        self.customer_entries: list[tuple[Document, dict]] = []  # each customer policy's document and entry
        self.truncated = bool(value.get("IsTruncated")) if isinstance(value, dict) else False

    # -- documents ------------------------------------------------------------
    def _document(self, raw: Any, pointer: str, kind: str, owner: str, meta: dict | None = None) -> Document:
        value = decode_document(raw)
        if isinstance(raw, str):
            locator: Any = NodeLocator(self.locator, pointer)
            meta = {**(meta or {}), "encoded": True}
        else:
            locator = PrefixLocator(self.locator, pointer)
        dups = [
            (p[len(pointer) :], k, s) for (p, k, s) in self.duplicates if p == pointer or p.startswith(pointer + "/")
        ]
        doc = Document(
            self.path,
            value,
            kind,
            locator,
            owner=owner,
            kind_source="location",
            duplicates=dups,
            fallback_span=self.locator.span(pointer) or _START,
            meta=meta or {},
        )
        self.documents.append(doc)
        return doc

    def _resource(self, entry: dict, pointer: str, owner: str) -> Document:
        return Document(
            self.path,
            entry,
            "role",
            PrefixLocator(self.locator, pointer),
            owner=owner,
            kind_source="location",
            fallback_span=self.locator.span(pointer) or _START,
        )

    def _attachments(self, entry: dict, key: str = "AttachedManagedPolicies") -> list[Attachment]:
        out = []
        for item, pointer in _as_list(entry.get(key), f"/{key}"):
            if not isinstance(item, dict) or "PolicyArn" not in item:
                continue
            arn = item["PolicyArn"]
            doc = self.customer.get(arn.lower()) if isinstance(arn, str) else None
            out.append(Attachment(arn, pointer + "/PolicyArn", doc))
        return out

    # -- run --------------------------------------------------------------------
    def run(self) -> SourceResult:
        self._policies()
        for ptype, key in (("group", "GroupDetailList"), ("role", "RoleDetailList"), ("user", "UserDetailList")):
            for entry, pointer in _as_list(self.value.get(key), f"/{key}"):
                if isinstance(entry, dict):
                    self._principal(ptype, entry, pointer)
        self.roles = assemble(self.declarations)
        self._boundary_kinds()
        return SourceResult(documents=self.documents, roles=self.roles, text=self.text)

    def _boundary_kinds(self) -> None:
        """A customer managed policy used as a permissions boundary (by a
        principal of the dump, or ``PermissionsBoundaryUsageCount`` > 0) and
        attached to nobody as a permission policy (no principal of the dump
        attaches it, ``AttachmentCount`` is 0 or absent) is kind boundary.
        Both a boundary and a permission policy, it stays identity (it grants)."""
        attached = {id(a.document) for r in self.roles for a in r.managed if a.document is not None}
        boundaries = {id(r.boundary.document) for r in self.roles if r.boundary and r.boundary.document}
        for doc, entry in self.customer_entries:
            used = id(doc) in boundaries or _count(entry, "PermissionsBoundaryUsageCount") > 0
            if used and id(doc) not in attached and _count(entry, "AttachmentCount") == 0:
                doc.kind = DocumentKind.BOUNDARY

    def _policies(self) -> None:
        for entry, pointer in _as_list(self.value.get("Policies"), "/Policies"):
            if not isinstance(entry, dict):
                continue
            arn = entry.get("Arn")
            name = entry.get("PolicyName") if isinstance(entry.get("PolicyName"), str) else str(arn)
            aws_managed = isinstance(arn, str) and ":iam::aws:policy/" in arn
            if aws_managed:
                continue
            chosen = None
            versions = _as_list(entry.get("PolicyVersionList"), f"{pointer}/PolicyVersionList")
            for version, vptr in versions:
                if isinstance(version, dict) and version.get("IsDefaultVersion") is True:
                    chosen = (version, vptr)
                    break
            if chosen is None:
                for version, vptr in versions:
                    if isinstance(version, dict) and version.get("VersionId") == entry.get("DefaultVersionId"):
                        chosen = (version, vptr)
                        break
            if chosen is None and len(versions) == 1 and isinstance(versions[0][0], dict):
                chosen = versions[0]
            if chosen is None or "Document" not in chosen[0]:
                continue
            doc = self._document(
                chosen[0]["Document"],
                f"{chosen[1]}/Document",
                DocumentKind.IDENTITY,
                f"policy/{name}",
                {"policy_name": name, "policy_arn": arn, "version": chosen[0].get("VersionId")},
            )
            if isinstance(arn, str):
                self.customer[arn.lower()] = doc
            self.customer_entries.append((doc, entry))

    def _principal(self, ptype: str, entry: dict, pointer: str) -> None:
        name_key = {"role": "RoleName", "user": "UserName", "group": "GroupName"}[ptype]
        name = entry.get(name_key)
        name = name if isinstance(name, str) else f"{ptype}{pointer.rsplit('/', 1)[-1]}"
        owner = f"{ptype}/{name}"
        path = entry.get("Path") if isinstance(entry.get("Path"), str) else None
        decl = Principal(ptype, name, self.path, self._resource(entry, pointer, owner), name=name, path=path)
        decl.service_linked = bool(path and path.startswith("/aws-service-role/"))
        decl.meta["arn"] = entry.get("Arn")
        decl.meta["dump"] = True
        if self.truncated:
            decl.meta["truncated"] = True
        meta: dict[str, Any] = {"service_linked": True} if decl.service_linked else {}
        arn_parts = decl.meta["arn"].split(":") if isinstance(decl.meta["arn"], str) else []
        if len(arn_parts) > 4 and arn_parts[4].isdigit():
            meta["account_id"] = arn_parts[4]  # the dumped account: trust rules treat it as own (IAM304)
        if ptype == "role" and "AssumeRolePolicyDocument" in entry:
            decl.trust = self._document(
                entry["AssumeRolePolicyDocument"],
                f"{pointer}/AssumeRolePolicyDocument",
                DocumentKind.TRUST,
                owner,
                dict(meta),
            )
        inline_key = {"role": "RolePolicyList", "user": "UserPolicyList", "group": "GroupPolicyList"}[ptype]
        for item, iptr in _as_list(entry.get(inline_key), f"{pointer}/{inline_key}"):
            if isinstance(item, dict) and "PolicyDocument" in item:
                pname = item.get("PolicyName") if isinstance(item.get("PolicyName"), str) else None
                decl.inline.append(
                    self._document(
                        item["PolicyDocument"],
                        f"{iptr}/PolicyDocument",
                        DocumentKind.IDENTITY,
                        owner,
                        {**meta, "policy_name": pname},
                    )
                )
        decl.managed = self._attachments(entry)
        boundary = entry.get("PermissionsBoundary")
        if isinstance(boundary, dict) and "PermissionsBoundaryArn" in boundary:
            arn = boundary["PermissionsBoundaryArn"]
            decl.boundary = Attachment(
                arn,
                "/PermissionsBoundary/PermissionsBoundaryArn",
                self.customer.get(arn.lower()) if isinstance(arn, str) else None,
            )
        if ptype == "role":
            profiles = []
            for item, _ in _as_list(entry.get("InstanceProfileList"), ""):
                if isinstance(item, dict) and isinstance(item.get("InstanceProfileName"), str):
                    profiles.append(item["InstanceProfileName"])
            decl.meta["instance_profiles"] = profiles
        self.declarations.append(decl)
        if ptype == "user":  # the groups it is in, by name: the dump's groups of that name
            user = Target("user", key=name)
            self.declarations += [
                Membership(user, Target("group", name=group), group)
                for group, _ in _as_list(entry.get("GroupList"), "")
                if isinstance(group, str)
            ]
