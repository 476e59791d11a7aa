"""One step builds principals from what readers declare, for every format.

:func:`assemble` takes a reader's declarations (:mod:`iamlint.model.declarations`)
in input order and returns the :class:`~iamlint.model.role.Role` objects the
whole-role rules see:

1. every :class:`Principal` becomes a Role (in declaration order);
2. inline policies, attachments and access keys join the principals their
   target names -- by reader key, else by IAM name (every principal of that
   type and name), else an external principal, one per (type, join key),
   created where it is first named (after the declared ones);
3. group memberships link users to groups (``Role.member_of``, each group
   once, in order; ``Role.groups`` keeps the names as written), after the
   policies, which may name a group the input does not declare.

A declaration with an ``origin`` reaches a principal through one target of
that origin only (a resource naming a role twice gives it its policy once);
``links``, when given, receives each principal's origins (by ``id(role)``,
in order): the parts of the input that name it.

A target naming a principal of another type (a ``user`` target whose key is
a role) matches nothing: types never mix.
"""

from __future__ import annotations

import contextlib
from collections.abc import Hashable, Iterable
from typing import Any

from iamlint.model.declarations import (
    AccessKeyDeclaration,
    Declaration,
    InlinePolicy,
    Membership,
    Mention,
    PolicyAttachment,
    Principal,
    Target,
)
from iamlint.model.role import AccessKey, Attachment, Role


class _Index:
    def __init__(self) -> None:
        self.roles: list[Role] = []
        self.by_key: dict[tuple[str, str], Role] = {}
        self.by_name: dict[tuple[str, Hashable], list[Role]] = {}
        self.externals: dict[tuple[str, Hashable], Role] = {}
        #: per role: the attachments and access keys listed in its resource document
        self.listed: dict[int, tuple[list[Any], list[str]]] = {}
        #: (id(role), id(origin)) -> the target through which that origin reached the role
        self.reached: dict[tuple[int, int], Target] = {}
        self.links: dict[int, list[Any]] | None = None

    def reach(self, decl: Any, target: Target, externals: list[Role]) -> list[Role]:
        """The principals ``decl`` (naming them by ``target``) applies to."""
        roles = self.resolve(target, externals)
        origin = decl.origin
        if origin is None or not roles:
            return roles
        out = []
        for role in roles:
            via = self.reached.setdefault((id(role), id(origin)), target)
            if via is not target:
                continue
            out.append(role)
            if self.links is not None:
                seen = self.links.setdefault(id(role), [])
                if not seen or seen[-1] is not origin:
                    seen.append(origin)
        return out

    def add(self, decl: Principal) -> None:
        role = Role(
            decl.key,
            decl.file,
            decl.resource,
            principal_type=decl.principal_type,
            trust=decl.trust,
            inline=list(decl.inline),
            managed=list(decl.managed),
            boundary=decl.boundary,
            path=decl.path,
            service_linked=decl.service_linked,
            meta=dict(decl.meta),
        )
        self.roles.append(role)
        self.by_key.setdefault((decl.principal_type, decl.key), role)
        if decl.name is None:
            return
        with contextlib.suppress(TypeError):  # a name that is a list or an object (malformed input): by key only
            self.by_name.setdefault((decl.principal_type, decl.name), []).append(role)

    def resolve(self, target: Target, externals: list[Role]) -> list[Role]:
        ptype = target.principal_type
        if target.key is not None:
            role = self.by_key.get((ptype, target.key))
            if role is not None:
                return [role]
        hits = None
        if target.name is not None:
            with contextlib.suppress(TypeError):
                hits = self.by_name.get((ptype, target.name))
        if hits:
            return hits
        ext = target.external
        if ext is None:
            return []
        try:
            role = self.externals.get((ptype, ext.join))
        except TypeError:
            return []
        if role is None:
            if ext.resource is None:
                return []
            resource = ext.resource()
            role = Role(ext.name, resource.file, resource, principal_type=ptype, external=True)
            self.externals[(ptype, ext.join)] = role
            externals.append(role)
        return [role]

    def lists(self, role: Role) -> tuple[list[Any], list[str]]:
        found = self.listed.get(id(role))
        if found is None:
            found = self.listed[id(role)] = ([], [])
        return found


def assemble(declarations: Iterable[Declaration], links: dict[int, list[Any]] | None = None) -> list[Role]:
    """The principals ``declarations`` declare and name, declared ones first."""
    decls = list(declarations)
    index = _Index()
    index.links = links
    for decl in decls:
        if isinstance(decl, Principal):
            index.add(decl)
    externals: list[Role] = []
    for decl in decls:
        if isinstance(decl, InlinePolicy):
            for role in index.reach(decl, decl.target, externals):
                if all(decl.document is not d for d in role.inline):
                    role.inline.append(decl.document)
        elif isinstance(decl, PolicyAttachment):
            for role in index.reach(decl, decl.target, externals):
                _attach(index, role, decl)
        elif isinstance(decl, Mention):
            index.reach(decl, decl.target, externals)
        elif isinstance(decl, AccessKeyDeclaration):
            for role in index.reach(decl, decl.user, externals):
                _access_key(index, role, decl)
    for decl in decls:
        if isinstance(decl, Membership):
            users = index.resolve(decl.user, externals)
            groups = index.resolve(decl.group, externals)
            for user in users:
                if decl.group_name and decl.group_name not in user.groups:
                    user.groups.append(decl.group_name)
                for group in groups:
                    if group is not user and all(group is not g for g in user.member_of):
                        user.member_of.append(group)
    return index.roles + externals


def _aliasing(role: Role) -> Any:
    """The locator of ``role``'s resource document, which maps the pointers
    assemble lists there (``/attachments/N``) to where the reader says they are
    written: a reader whose declarations carry ``where`` gives its principals'
    resource documents a locator with ``alias(pointer, where)``."""
    return role.resource.locator


def _attach(index: _Index, role: Role, decl: PolicyAttachment) -> None:
    """``decl`` on ``role``: a boundary at ``/permissions_boundary``, an
    attachment listed at ``/attachments/N`` of its resource document."""
    if decl.pointer is not None:
        role.managed.append(Attachment(decl.arn, decl.pointer, decl.document))
        return
    locator = _aliasing(role)
    if decl.boundary:
        locator.alias("/permissions_boundary", decl.where)
        role.boundary = Attachment(decl.arn, "/permissions_boundary", decl.document)
        return
    arns, _keys = index.lists(role)
    pointer = f"/attachments/{len(arns)}"
    arns.append(decl.arn)
    role.resource.value["attachments"] = arns
    locator.alias(pointer, decl.where)
    role.managed.append(Attachment(decl.arn, pointer, decl.document))


def _access_key(index: _Index, role: Role, decl: AccessKeyDeclaration) -> None:
    if decl.document is not None:
        role.access_keys.append(AccessKey(decl.name, decl.document, decl.pointer))
        return
    _arns, keys = index.lists(role)
    pointer = f"/access_keys/{len(keys)}"
    keys.append(decl.name)
    role.resource.value["access_keys"] = keys
    _aliasing(role).alias(pointer, decl.where)
    role.access_keys.append(AccessKey(decl.name, role.resource, pointer))
