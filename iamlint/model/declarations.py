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
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
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


@dataclass
class External:
    """How to declare a principal the input names but does not declare
    (``role = var.role_name``, ``Users: [bob]``, ``user = "bob"`` in a plan)."""

    #: one external principal per (principal type, join key)
    join: Hashable
    #: its name as written (the Role's name)
    name: str
    #: its resource document, located where it is first named; called once,
    #: by the first declaration that names it.  None: the target joins an
    #: external principal other declarations created, and creates none
    resource: Callable[[], Document] | None = None


@dataclass
class Target:
    """A principal as a declaration names it: by ``key`` (a principal of the
    input whose reader key it is), else by IAM ``name`` (every principal of
    that type and name; None: not by name), else ``external``."""

    principal_type: str  # role | user | group | permission_set
    key: str | None = None
    name: Any = None
    external: External | None = None


@dataclass
class Principal:
    """A role, user, group or permission set, with what is written inside it."""

    principal_type: str
    key: str  # the reader's key, e.g. a logical id or Terraform address: the Role's name
    file: str
    resource: Document  # kind "role": the declaration itself, for locating attachments
    name: Any = None  # its IAM name (None: none known; UNKNOWN: matched by UNKNOWN)
    path: str | None = None
    trust: Document | None = None
    inline: list[Document] = field(default_factory=list)
    managed: list[Attachment] = field(default_factory=list)
    boundary: Attachment | None = None
    service_linked: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class InlinePolicy:
    """A policy document written apart from its principal (``AWS::IAM::Policy``,
    ``aws_iam_role_policy``) that applies to ``target``."""

    target: Target
    document: Document


@dataclass
class PolicyAttachment:
    """A managed policy attached to ``target`` by a declaration of its own
    (``aws_iam_role_policy_attachment``, ``aws_ssoadmin_managed_policy_attachment``),
    or the permissions boundary such a declaration sets (``boundary``)."""

    target: Target
    arn: Any  # str, or model.policy.Opaque when unresolved
    where: Any  # where the ARN is written, in the reader's terms (the locator's alias target)
    document: Document | None = None  # the policy the ARN names, when the input defines it
    boundary: bool = False


@dataclass
class Membership:
    """``user`` is a member of ``group`` (written ``group_name``, or None)."""

    user: Target
    group: Target
    group_name: str | None = None


@dataclass
class AccessKeyDeclaration:
    """An active long-term access key of ``user``: located at ``document`` and
    ``pointer`` when it is a document of its own (a template resource), else at
    ``where`` (in the reader's terms), listed in the user's resource document."""

    user: Target
    name: str
    document: Document | None = None
    pointer: str = ""
    where: Any = None


@dataclass
class Mention:
    """A declaration that names a principal and gives it nothing (an inline
    policy resource without a policy, an inactive access key): an external
    principal is still declared where it is first named."""

    target: Target


Declaration = Principal | InlinePolicy | PolicyAttachment | Membership | AccessKeyDeclaration | Mention
