"""What a reader declares about principals, before they are assembled.

Readers are syntax adapters: they say what the input declares -- a principal
(role, user, group, permission set) with what is written inside it, an inline
policy or an attachment written elsewhere that names a principal, a group
membership, an access key -- each with its location, and
:func:`iamlint.sources.assemble.assemble` builds the
:class:`~iamlint.model.role.Role` objects from them, the same way for every
format.

A declaration names the principal it applies to with a :class:`Target`: by
the reader's key (a logical id, a Terraform address) or by IAM name.  A target
that names no principal of the input becomes an external principal when the
reader says how to declare one (:class:`External`); otherwise it is dropped.

Locations stay the reader's: a :class:`PolicyAttachment` or
:class:`AccessKeyDeclaration` written outside its principal carries ``where``,
a location in the reader's own terms, which assemble lists in the principal's
resource document (``/attachments/N``, ``/access_keys/N``) through the
document locator's ``alias(pointer, where)`` -- the pointers findings carry,
so their fingerprints do not depend on which step assembled the principal.

A declaration written once that names one principal through several targets
(``roles = [aws_iam_role.a.name, "a"]``) applies to it once: the declarations
of one target share their ``origin`` (the reader's object for what is
written, e.g. the resource block), and assemble skips a principal the same
origin already reached through another target; ``assemble(..., links=...)``
lists each principal's origins (the reader's "which parts name it").

Declarations are plain slotted classes, not dataclasses: every run imports
them, and a dataclass costs ~0.7 ms to create at import (its generated methods
are compiled), a plain class ~20 µs.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from iamlint.model.document import Document
from iamlint.model.role import Attachment


class Unknown:
    """The type of :data:`UNKNOWN`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


#: a name the input leaves unknown (a plan's computed ``name``, left unknown
#: until apply, in the principal and in the resources naming it): it matches
#: the principals whose name is UNKNOWN too, as the plan reader always linked them
UNKNOWN = Unknown()


class _Record:
    __slots__: tuple[str, ...] = ()

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class External(_Record):
    """How to declare a principal the input names but does not declare
    (``role = var.role_name``, ``Users: [bob]``, ``user = "bob"`` in a plan):
    one external principal per (principal type, ``join``), named ``name`` (as
    written), whose resource document ``resource()`` makes, located where it
    is first named (called once, by the first declaration naming it).  Without
    ``resource`` the target joins an external principal other declarations
    created, and creates none."""

    __slots__ = ("join", "name", "resource")

    def __init__(self, join: Hashable, name: str, resource: Callable[[], Document] | None = None) -> None:
        self.join, self.name, self.resource = join, name, resource


class Target(_Record):
    """A principal as a declaration names it: by ``key`` (a principal of the
    input whose reader key it is), else by IAM ``name`` (every principal of
    that type and name; None: not by name), else ``external``."""

    __slots__ = ("external", "key", "name", "principal_type")

    def __init__(
        self, principal_type: str, key: str | None = None, name: Any = None, external: External | None = None
    ) -> None:
        self.principal_type = principal_type  # role | user | group | permission_set
        self.key, self.name, self.external = key, name, external


class Principal(_Record):
    """A role, user, group or permission set, with what is written inside it:
    ``key`` is the reader's key (a logical id, a Terraform address; the Role's
    name), ``resource`` the declaration itself (kind ``"role"``, for locating
    attachments), ``name`` its IAM name (None: none known; UNKNOWN: matched by
    UNKNOWN)."""

    __slots__ = (
        "boundary",
        "file",
        "inline",
        "key",
        "managed",
        "meta",
        "name",
        "path",
        "principal_type",
        "resource",
        "service_linked",
        "trust",
    )

    def __init__(
        self,
        principal_type: str,
        key: str,
        file: str,
        resource: Document,
        name: Any = None,
        path: str | None = None,
        service_linked: bool = False,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.principal_type, self.key, self.file, self.resource = principal_type, key, file, resource
        self.name, self.path, self.service_linked = name, path, service_linked
        self.meta: dict[str, Any] = meta if meta is not None else {}
        self.trust: Document | None = None
        self.inline: list[Document] = []
        self.managed: list[Attachment] = []
        self.boundary: Attachment | None = None


class InlinePolicy(_Record):
    """A policy document written apart from its principal (``AWS::IAM::Policy``,
    ``aws_iam_role_policy``) that applies to ``target``."""

    __slots__ = ("document", "origin", "target")

    def __init__(self, target: Target, document: Document, origin: Any = None) -> None:
        self.target, self.document, self.origin = target, document, origin


class PolicyAttachment(_Record):
    """A managed policy attached to ``target`` by a declaration of its own
    (``aws_iam_role_policy_attachment``, ``aws_ssoadmin_managed_policy_attachment``),
    or the permissions ``boundary`` such a declaration sets.  ``arn`` is a str,
    or model.policy.Opaque when unresolved; ``where`` is where the ARN is
    written, in the reader's terms (the locator's alias target); ``document``
    the policy the ARN names, when the input defines it.  With ``pointer`` it is
    located at that pointer of the principal's resource document instead and
    nothing is listed (CloudFormation locates a policy's ``Roles`` at the role)."""

    __slots__ = ("arn", "boundary", "document", "origin", "pointer", "target", "where")

    def __init__(
        self,
        target: Target,
        arn: Any,
        where: Any = None,
        document: Document | None = None,
        boundary: bool = False,
        pointer: str | None = None,
        origin: Any = None,
    ) -> None:
        self.target, self.arn, self.where, self.document = target, arn, where, document
        self.boundary, self.pointer, self.origin = boundary, pointer, origin


class Membership(_Record):
    """``user`` is a member of ``group`` (written ``group_name``, or None)."""

    __slots__ = ("group", "group_name", "user")

    def __init__(self, user: Target, group: Target, group_name: str | None = None) -> None:
        self.user, self.group, self.group_name = user, group, group_name


class AccessKeyDeclaration(_Record):
    """An active long-term access key ``name`` of ``user``: located at
    ``document`` and ``pointer`` when it is a document of its own (a template
    resource), else at ``where`` (in the reader's terms), listed in the user's
    resource document."""

    __slots__ = ("document", "name", "origin", "pointer", "user", "where")

    def __init__(
        self,
        user: Target,
        name: str,
        document: Document | None = None,
        pointer: str = "",
        where: Any = None,
        origin: Any = None,
    ) -> None:
        self.user, self.name, self.document, self.pointer, self.where = user, name, document, pointer, where
        self.origin = origin


class Mention(_Record):
    """A declaration that names a principal and gives it nothing (an inline
    policy resource without a policy, an inactive access key): an external
    principal is still declared where it is first named."""

    __slots__ = ("origin", "target")

    def __init__(self, target: Target, origin: Any = None) -> None:
        self.target, self.origin = target, origin


Declaration = Principal | InlinePolicy | PolicyAttachment | Membership | AccessKeyDeclaration | Mention
