"""Principals as units: a role (or user, group, IAM Identity Center permission
set) with all its policies.

Sources (CloudFormation, Terraform, account dumps) assemble these; whole-role
rules (``scope: role``) receive one at a time.  Positions stay with documents:
every policy is a :class:`~iamlint.model.document.Document`, and attachments
point into ``resource``, a document of kind ``"role"`` whose value is the
resource's own definition (template properties, Terraform block, dump entry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from iamlint.model.document import Document


@dataclass
class Attachment:
    """A managed policy attached by ARN (or name, for SAM)."""

    arn: Any  # str, or model.policy.Opaque when unresolved
    pointer: str  # where the ARN is written, inside ``Role.resource`` (or ``located_in``)
    #: the policy document when the ARN names a customer managed policy defined
    #: in the same input (resolved by the source), else None
    document: Document | None = None
    #: the document ``pointer`` is in when the ARN is written in another file
    #: than the principal (a Terraform attachment in a sibling ``.tf``): the
    #: findings about this attachment are located there; None: ``Role.resource``
    located_in: Document | None = None

    def where(self, resource: Document) -> Document:
        """The document this attachment's ``pointer`` is in (``resource``: the
        principal's own, unless ``located_in`` says otherwise)."""
        return self.located_in or resource


class AccessKey(NamedTuple):
    """A long-term access key of a user (``AWS::IAM::AccessKey``,
    ``aws_iam_access_key``), located where it is declared."""

    name: str  # the key's logical id or Terraform address
    document: Document  # where the key is declared (its own resource, or the user's)
    pointer: str  # inside ``document``


@dataclass
class Role:
    name: str  # logical id, Terraform address or IAM name
    file: str
    resource: Document  # kind "role": the resource definition, for locating attachments
    principal_type: str = "role"  # role | user | group | permission_set
    trust: Document | None = None
    inline: list[Document] = field(default_factory=list)
    managed: list[Attachment] = field(default_factory=list)
    boundary: Attachment | None = None
    path: str | None = None  # IAM path, e.g. "/aws-service-role/"
    #: users: the groups they belong to (IAM names, as written)
    groups: list[str] = field(default_factory=list)
    #: users: the group principals they belong to (of the input, or external),
    #: in order, each once: a user's power includes its groups' policies (IAM405)
    member_of: list[Role] = field(default_factory=list)
    #: users: their active long-term access keys (IAM405), in declaration order
    access_keys: list[AccessKey] = field(default_factory=list)
    #: created and changed by AWS (``AWS::IAM::ServiceLinkedRole``, or a path
    #: under ``/aws-service-role/``): IAM401 does not judge its attachments
    service_linked: bool = False
    #: not declared in the input: a principal that attachments, inline policies,
    #: memberships or access keys name (``role = var.role_name``, ``user = "bob"``),
    #: named as written.  What the input shows of it is a lower bound: no trust
    #: (IAM404 cannot judge it), and other policies may be attached elsewhere.
    external: bool = False
    #: facts of one reader that no rule reads (a dump's ``arn``, ``truncated``,
    #: ``instance_profiles``; CloudFormation's ``ignore`` list, ``sam``)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.path and self.path.startswith("/aws-service-role/"):
            self.service_linked = True
