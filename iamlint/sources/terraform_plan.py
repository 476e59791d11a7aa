"""Terraform plan JSON (``terraform show -json plan.out``).

Policies are JSON strings in resource ``values`` (``planned_values`` and its
child modules) and in ``resource_changes[].change.after``; each is parsed and
located at its string in the plan file (every pointer of such a document maps
to that string: the plan holds the policy as escaped text).  A resource present
in both places is read once, from ``planned_values``.

IAM Identity Center permission sets get the ``aws_ssoadmin_*`` resources whose
``permission_set_arn`` is the set's ARN (a set that exists) or whose
``configuration`` expression refers to the set (a set the plan creates).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

from iamlint.findings import Span
from iamlint.model.declarations import (
    UNKNOWN,
    AccessKeyDeclaration,
    Declaration,
    External,
    InlinePolicy,
    Membership,
    Mention,
    PolicyAttachment,
    Principal,
    Target,
)
from iamlint.model.document import Document
from iamlint.model.policy import Opaque
from iamlint.model.role import Attachment, Role
from iamlint.parsing.parse import parse
from iamlint.parsing.schema import json_type
from iamlint.parsing.strict import SyntaxProblem
from iamlint.sources.assemble import assemble
from iamlint.sources.hclpos import WholeLocator
from iamlint.sources.result import SourceResult
from iamlint.sources.terraform import (
    ATTACHMENTS,
    IDENTITY,
    INLINE_TARGET,
    ORGANIZATIONS,
    PERMISSION_SET_PARTS,
    PRINCIPAL_TYPES,
    RESOURCE,
)
from iamlint.vocabulary import DocumentKind


class _PrefixLocator:
    """Pointers of a resource's ``values`` answered by the plan file's locator."""

    def __init__(self, inner: Any, base: str, extra: dict[str, str] | None = None) -> None:
        self.inner, self.base = inner, base
        self.extra = extra if extra is not None else {}

    def _target(self, pointer: str) -> str:
        for prefix, target in self.extra.items():
            if pointer == prefix or pointer.startswith(prefix + "/"):
                return target
        return self.base + pointer

    def span(self, pointer: str) -> Span | None:
        return self.inner.span(self._target(pointer))

    def key_span(self, pointer: str) -> Span | None:
        return self.inner.key_span(self._target(pointer))

    def alias(self, pointer: str, target: str) -> None:
        """``pointer`` (a part assemble lists, ``/attachments/0``) is written at plan pointer ``target``."""
        self.extra[pointer] = target


def _resources(module: Any, base: str, wrong: list[tuple[str, str]]) -> Iterator[tuple[dict, str]]:
    """The resources of a module and its child modules; a ``resources`` or
    ``child_modules`` that is not a list goes to ``wrong`` (pointer, message)."""
    if not isinstance(module, dict):
        return
    for member in ("resources", "child_modules"):
        items = module.get(member)
        if items is not None and not isinstance(items, list):
            wrong.append((f"{base}/{member}", f"`{member}` must be a list, not {json_type(items)}"))
    resources = module.get("resources")
    for i, res in enumerate(resources if isinstance(resources, list) else ()):
        if isinstance(res, dict):
            yield res, f"{base}/resources/{i}"
    children = module.get("child_modules")
    for j, child in enumerate(children if isinstance(children, list) else ()):
        yield from _resources(child, f"{base}/child_modules/{j}", wrong)


def read_json(path: str, text: str, value: dict, parse_result: Any, kind: str | None) -> SourceResult:
    locator = parse_result.locator
    found: dict[str, tuple[dict, str, str]] = {}  # address -> (resource, values pointer, type)
    wrong: list[tuple[str, str]] = []  # (pointer, message): values of the wrong JSON type
    planned = value.get("planned_values")
    if isinstance(planned, dict):
        for res, ptr in _resources(planned.get("root_module"), "/planned_values/root_module", wrong):
            if res.get("mode", "managed") != "managed" or not isinstance(res.get("values"), dict):
                continue
            address = str(res.get("address") or f"{res.get('type')}.{res.get('name')}")
            found.setdefault(address, (res["values"], ptr + "/values", str(res.get("type", ""))))
    changes = value.get("resource_changes")
    if isinstance(changes, list):
        for i, rc in enumerate(changes):
            if not isinstance(rc, dict) or rc.get("mode", "managed") != "managed":
                continue
            change = rc.get("change")
            after = change.get("after") if isinstance(change, dict) else None
            if not isinstance(after, dict):
                continue
            address = str(rc.get("address") or f"{rc.get('type')}.{rc.get('name')}")
            found.setdefault(address, (after, f"/resource_changes/{i}/change/after", str(rc.get("type", ""))))

    documents: list[Document] = []
    by_address: dict[str, list[Document]] = {}

    def shape_problem(pointer: str, message: str, owner: str = "") -> None:
        """A value of the wrong JSON type: an IAM001 finding at it (the plan is
        malformed there); the rest of the plan is still read."""
        span = locator.span(pointer) or Span(1, 1, 1, 2)
        documents.append(
            Document(
                path,
                None,
                DocumentKind.IDENTITY,
                WholeLocator(span, locator.key_span(pointer)),
                owner=owner,
                kind_source="location",
                fallback_span=span,
                syntax_problems=[SyntaxProblem(message + " (Terraform plan of the wrong shape)", span)],
            )
        )

    def policy(address: str, values: dict, base: str, attr: str, kind_: str, rtype: str) -> Document | None:
        raw = values.get(attr)
        ptr = f"{base}/{attr}"
        if raw is not None and not isinstance(raw, str):
            shape_problem(ptr, f"`{attr}` must be a JSON string, not {json_type(raw)}", address)
            return None
        if raw is None or not raw.strip():
            return None
        span, key = locator.span(ptr), locator.key_span(ptr)
        result = parse(raw)
        fallback = span or Span(1, 1, 1, 2)
        if result.problems:
            doc = Document(
                path,
                None,
                kind_,
                WholeLocator(span, key),
                owner=address,
                kind_source="location",
                fallback_span=fallback,
                syntax_problems=[SyntaxProblem(result.problems[0].message + " (in this JSON string)", fallback)],
                meta={"resource_type": rtype},
            )
        else:
            doc = Document(
                path,
                result.value,
                kind_,
                WholeLocator(span, key),
                owner=address,
                kind_source="location",
                fallback_span=fallback,
                meta={"resource_type": rtype},
            )
        documents.append(doc)
        by_address.setdefault(address, []).append(doc)
        return doc

    for pointer, message in wrong:
        shape_problem(pointer, message)
    roles: list[tuple[str, dict, str, str]] = []
    for address, (values, base, rtype) in found.items():
        if rtype == "aws_iam_role":
            policy(address, values, base, "assume_role_policy", DocumentKind.TRUST, rtype)
            inlines = values.get("inline_policy")
            if inlines is not None and not isinstance(inlines, list):
                shape_problem(
                    f"{base}/inline_policy",
                    f"`inline_policy` must be a list of blocks, not {json_type(inlines)}",
                    address,
                )
            for k, inline in enumerate(inlines if isinstance(inlines, list) else ()):
                if isinstance(inline, dict):
                    policy(address, inline, f"{base}/inline_policy/{k}", "policy", DocumentKind.IDENTITY, rtype)
        elif rtype in IDENTITY:
            policy(address, values, base, IDENTITY[rtype], DocumentKind.IDENTITY, rtype)
        elif rtype in RESOURCE:
            policy(address, values, base, RESOURCE[rtype], DocumentKind.RESOURCE, rtype)
        elif rtype == "aws_organizations_policy" and values.get("type", "SERVICE_CONTROL_POLICY") in ORGANIZATIONS:
            policy(address, values, base, "content", ORGANIZATIONS[values.get("type", "SERVICE_CONTROL_POLICY")], rtype)
        if rtype in PRINCIPAL_TYPES:
            roles.append((address, values, base, rtype))

    policies = _policy_index(found)
    ctx = _Plan(path, locator, found, by_address, policies)
    decls: list[Declaration] = [ctx.principal(address, values, base, rtype) for address, values, base, rtype in roles]
    for other, (ovalues, obase, otype) in found.items():
        decls += ctx.naming(other, ovalues, obase, otype)
    for pset, parts in _permission_set_parts(found, value.get("configuration")).items():
        for other in parts:
            decls += ctx.permission_set_part(pset, other)
    role_objects = assemble(decls)
    _boundary_kinds(role_objects, found, policies, by_address)
    if not documents and not role_objects:
        return SourceResult(skipped=True, text=text)
    return SourceResult(documents=documents, roles=role_objects, text=text)


def _boundary_kinds(roles: list[Role], found: dict, policies: tuple[dict, dict], by_address: dict) -> None:
    """A policy of the plan that a ``permissions_boundary`` names and that no
    attachment (to a principal of the plan or not) or ``managed_policy_arns``
    names is kind boundary; both a boundary and attached, it stays identity."""
    attached = {id(a.document) for r in roles for a in r.managed if a.document is not None}
    for values, _base, rtype in found.values():
        if rtype in ATTACHMENTS:
            doc = _policy_doc(values.get("policy_arn"), policies, by_address)
            if doc is not None:
                attached.add(id(doc))
    for role in roles:
        doc = role.boundary.document if role.boundary is not None else None
        if doc is not None and id(doc) not in attached and doc.kind == DocumentKind.IDENTITY:
            doc.kind = DocumentKind.BOUNDARY


def _policy_index(found: dict) -> tuple[dict[str, tuple[int, str]], dict[Any, tuple[int, str]]]:
    """The plan's ``aws_iam_policy`` resources by ARN and by name (the first
    of each, with its place in the plan), read once for every attachment."""
    by_arn: dict[str, tuple[int, str]] = {}
    by_name: dict[Any, tuple[int, str]] = {}
    for position, (address, (values, _base, rtype)) in enumerate(found.items()):
        if rtype == "aws_iam_policy":
            for table, key in ((by_arn, values.get("arn")), (by_name, values.get("name"))):
                with contextlib.suppress(TypeError):  # a list or an object: names nothing
                    table.setdefault(key, (position, address))
    return by_arn, by_name


def _policy_doc(arn: Any, policies: tuple[dict, dict], by_address: dict) -> Document | None:
    """The document of an ``aws_iam_policy`` of this plan named by ``arn``
    (the first whose ARN or name matches; ``policies`` from :func:`_policy_index`)."""
    if not isinstance(arn, str) or ":policy/" not in arn or ":iam::aws:policy/" in arn:
        return None
    by_arn, by_name = policies
    hits = [hit for hit in (by_arn.get(arn), by_name.get(arn.rsplit("/", 1)[-1])) if hit is not None]
    if not hits:
        return None
    docs = by_address.get(min(hits)[1])
    return docs[0] if docs else None


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _permission_set_parts(found: dict, configuration: Any) -> dict[str, list[str]]:
    """Permission set address -> the addresses, in plan order, of the
    ``aws_ssoadmin_*`` resources that apply to it: their ``permission_set_arn``
    is the set's ``arn`` (known when the set exists), or the plan's
    ``configuration`` names the set in that expression (a set created by
    this plan, whose ARN is not known yet)."""
    by_arn: dict[str, str] = {}
    by_config: dict[str, str] = {}  # address without instance keys -> address
    for address, (values, _base, rtype) in found.items():
        if rtype == "aws_ssoadmin_permission_set":
            arn = values.get("arn")
            if isinstance(arn, str) and arn:
                by_arn.setdefault(arn, address)
            by_config.setdefault(_unindexed(address), address)
    referenced = _configured_references(configuration)
    parts: dict[str, list[str]] = {}
    for address, (values, _base, rtype) in found.items():
        if rtype not in PERMISSION_SET_PARTS:
            continue
        arn = values.get("permission_set_arn")
        target = by_arn.get(arn) if isinstance(arn, str) else None
        if target is None:
            ref = referenced.get(_unindexed(address))
            target = by_config.get(ref) if ref is not None else None
        if target is not None:
            parts.setdefault(target, []).append(address)
    return parts


def _unindexed(address: str) -> str:
    return re.sub(r"\[[^\]]*\]", "", address)


def _configured_references(configuration: Any) -> dict[str, str]:
    """Address -> the ``aws_ssoadmin_permission_set`` its ``permission_set_arn``
    refers to, from the plan's ``configuration`` (root and called modules)."""
    found: dict[str, str] = {}
    todo: list[tuple[Any, str]] = []
    if isinstance(configuration, dict):
        todo.append((configuration.get("root_module"), ""))
    seen = 0
    while todo and seen < 10_000:  # bounded: a malformed plan cannot loop
        module, prefix = todo.pop()
        seen += 1
        if not isinstance(module, dict):
            continue
        resources = module.get("resources")
        for res in resources if isinstance(resources, list) else ():
            rtype = res.get("type") if isinstance(res, dict) else None
            if not isinstance(rtype, str) or rtype not in PERMISSION_SET_PARTS:
                continue
            expressions = res.get("expressions")
            expr = expressions.get("permission_set_arn") if isinstance(expressions, dict) else None
            refs = expr.get("references") if isinstance(expr, dict) else None
            for ref in refs if isinstance(refs, list) else ():
                if isinstance(ref, str) and ref.startswith("aws_ssoadmin_permission_set."):
                    name = ref.split(".")[1]
                    found.setdefault(f"{prefix}{res.get('address')}", f"{prefix}aws_ssoadmin_permission_set.{name}")
                    break
        calls = module.get("module_calls")
        for call, body in calls.items() if isinstance(calls, dict) else ():
            if isinstance(body, dict):
                todo.append((body.get("module"), f"{prefix}module.{call}."))
    return found


def _customer_reference(ref: Any, policies: tuple, by_address: dict) -> tuple[Opaque, Document | None] | None:
    """A ``customer_managed_policy_reference`` block: (its opaque ARN, the
    plan's ``aws_iam_policy`` of that name, else None: a member-account policy)."""
    if not isinstance(ref, dict) or not isinstance(ref.get("name"), str):
        return None
    name, path = ref["name"], ref.get("path") if isinstance(ref.get("path"), str) else "/"
    doc = _policy_doc(f"arn:aws:iam::{{member}}:policy{path}{name}", policies, by_address)
    return Opaque("${customer managed policy " + f"{path}{name}" + "}"), doc


def _name(value: Any) -> Any:
    """A principal's name as the plan gives it; unknown until apply: UNKNOWN."""
    return UNKNOWN if value is None else value


def _target_attr(otype: str, ptype: str) -> str | None:
    """The attribute by which a resource of type ``otype`` names principals of
    type ``ptype`` (an inline policy's ``role``, an attachment's ``users``,
    an access key's ``user``), or None."""
    if otype in INLINE_TARGET:
        attr, target = INLINE_TARGET[otype]
        return attr if target == ptype else None
    if otype in ATTACHMENTS:
        names, only = ATTACHMENTS[otype]
        if only is not None:
            return names[0] if only == ptype else None
        return {"role": "roles", "user": "users", "group": "groups"}.get(ptype)
    if otype == "aws_iam_access_key" and ptype == "user":
        return "user"
    return None


class _Plan:
    """The declarations of a plan's principals and of the resources naming
    them, for :func:`~iamlint.sources.assemble.assemble`.  Resources name
    principals by IAM name (the plan's values); a name the plan does not
    declare gives an external principal, located at the first value naming it."""

    def __init__(self, path: str, locator: Any, found: dict, by_address: dict, policies: tuple) -> None:
        self.path, self.locator, self.found = path, locator, found
        self.by_address, self.policies = by_address, policies

    def _resource(self, values: dict, base: str, owner: str, rtype: str) -> Document:
        return Document(
            self.path,
            values,
            "role",
            _PrefixLocator(self.locator, base),
            owner=owner,
            kind_source="location",
            fallback_span=self.locator.span(base) or Span(1, 1, 1, 2),
            meta={"resource_type": rtype},
        )

    def principal(self, address: str, values: dict, base: str, rtype: str) -> Principal:
        ptype = PRINCIPAL_TYPES[rtype]
        decl = Principal(
            ptype,
            address,
            self.path,
            self._resource(dict(values), base, address, rtype),
            name=_name(values.get("name")),
            path=values.get("path") if isinstance(values.get("path"), str) else None,
        )
        if rtype == "aws_iam_role":
            docs = self.by_address.get(address, [])
            decl.trust = next((d for d in docs if d.kind == DocumentKind.TRUST), None)
            decl.inline = [d for d in docs if d.kind == DocumentKind.IDENTITY]
            arns = values.get("managed_policy_arns")
            if isinstance(arns, list):
                decl.managed = [
                    Attachment(a, f"/managed_policy_arns/{i}", _policy_doc(a, self.policies, self.by_address))
                    for i, a in enumerate(arns)
                ]
        boundary = values.get("permissions_boundary")
        if isinstance(boundary, str) and boundary:
            decl.boundary = Attachment(
                boundary, "/permissions_boundary", _policy_doc(boundary, self.policies, self.by_address)
            )
        return decl

    def _target(self, ptype: str, name: Any, where: str, otype: str) -> Target:
        """A principal named ``name`` at plan pointer ``where`` (by a resource of type ``otype``)."""
        if not isinstance(name, str) or not name:
            return Target(ptype, name=_name(name))

        def resource() -> Document:
            value = {"type": "external", "principal_type": ptype, "name": name}
            return self._resource(value, where, name, otype)

        return Target(ptype, name=name, external=External(name, name, resource))

    def naming(self, other: str, ovalues: dict, obase: str, otype: str) -> list[Declaration]:
        """What resource ``other`` declares about principals it names by IAM name."""
        if otype in ("aws_iam_user_group_membership", "aws_iam_group_membership"):
            return self._memberships(ovalues, otype)
        out: list[Declaration] = []
        for ptype in ("role", "user", "group"):
            attr = _target_attr(otype, ptype)
            if attr is None:
                continue
            written = ovalues.get(attr)
            items = list(enumerate(written)) if isinstance(written, list) else [(None, written)]
            seen: list[Any] = []
            for i, name in items:
                if name in seen or isinstance(name, (dict, list)):
                    continue  # a resource names a principal once; a list or an object names none
                seen.append(name)
                where = f"{obase}/{attr}" + (f"/{i}" if i is not None else "")
                target = self._target(ptype, name, where, otype)
                if otype in INLINE_TARGET:
                    docs = self.by_address.get(other, [])
                    out += [InlinePolicy(target, d) for d in docs] if docs else [Mention(target)]
                elif otype in ATTACHMENTS:
                    arn = ovalues.get("policy_arn")
                    doc = _policy_doc(arn, self.policies, self.by_address)
                    out.append(PolicyAttachment(target, arn, f"{obase}/policy_arn", doc))
                elif name is not None and ovalues.get("status") != "Inactive":  # aws_iam_access_key
                    # IAM405: located at the key resource's "address" in the plan
                    at = re.sub(r"/(values|change/after)$", "", obase) + "/address"
                    out.append(AccessKeyDeclaration(target, other, where=at))
                else:
                    out.append(Mention(target))
        return out

    @staticmethod
    def _memberships(values: dict, rtype: str) -> list[Declaration]:
        """A user's groups, by IAM name, from ``aws_iam_user_group_membership``
        (``user``, ``groups``) and ``aws_iam_group_membership`` (``group``,
        ``users``): IAM405 sees the groups' policies as it does in HCL and dumps.
        Groups the plan neither declares nor names elsewhere have no policies to add."""
        pairs: list[tuple[Any, Any]]
        if rtype == "aws_iam_user_group_membership":
            pairs = [(values.get("user"), g) for g in _names(values.get("groups"))]
        else:
            pairs = [(u, values.get("group")) for u in _names(values.get("users"))]
        return [
            Membership(
                Target("user", name=user, external=External(user, user)),
                Target("group", name=group, external=External(group, group)),
                group,
            )
            for user, group in pairs
            if isinstance(user, str) and isinstance(group, str)
        ]

    def permission_set_part(self, pset: str, other: str) -> list[Declaration]:
        """The inline policy, AWS and customer managed policies and boundary that
        the ``aws_ssoadmin_*`` resource ``other`` gives the permission set
        ``pset``; each attachment located at its value in the plan."""
        ovalues, obase, otype = self.found[other]
        target = Target("permission_set", key=pset)
        index = (self.policies, self.by_address)
        out: list[Declaration] = []
        if otype == "aws_ssoadmin_permission_set_inline_policy":
            out += [InlinePolicy(target, d) for d in self.by_address.get(other, [])]
        elif otype == "aws_ssoadmin_managed_policy_attachment":
            arn = ovalues.get("managed_policy_arn")
            out.append(PolicyAttachment(target, arn, f"{obase}/managed_policy_arn", _policy_doc(arn, *index)))
        elif otype == "aws_ssoadmin_customer_managed_policy_attachment":
            refs = ovalues.get("customer_managed_policy_reference")
            for k, ref in enumerate(refs if isinstance(refs, list) else ()):
                found = _customer_reference(ref, *index)
                if found is not None:
                    where = f"{obase}/customer_managed_policy_reference/{k}/name"
                    out.append(PolicyAttachment(target, found[0], where, found[1]))
        else:  # aws_ssoadmin_permissions_boundary_attachment
            boundaries = ovalues.get("permissions_boundary")
            for k, boundary in enumerate(boundaries if isinstance(boundaries, list) else ()):
                if not isinstance(boundary, dict):
                    continue
                arn = boundary.get("managed_policy_arn")
                if isinstance(arn, str) and arn:
                    where = f"{obase}/permissions_boundary/{k}/managed_policy_arn"
                    out.append(PolicyAttachment(target, arn, where, _policy_doc(arn, *index), boundary=True))
                refs = boundary.get("customer_managed_policy_reference")
                for j, ref in enumerate(refs if isinstance(refs, list) else ()):
                    found = _customer_reference(ref, *index)
                    if found is not None:
                        where = f"{obase}/permissions_boundary/{k}/customer_managed_policy_reference/{j}/name"
                        out.append(PolicyAttachment(target, found[0], where, found[1], boundary=True))
        return out
