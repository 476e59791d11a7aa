"""ARNs, in one place: splitting an ARN, matching a ``Resource`` pattern
against the catalog's ARN formats, and whether one ARN pattern covers another.

:mod:`iamlint.knowledge.arns` is the data layer below: the catalog's ARN
formats per resource type, and the matching of a pattern against a format
(placeholders do not match ``/`` where the catalog's format says a segment
cannot hold one, as bucket names). Rules and analyses read ARNs only through
this module.

* :func:`parse` — the five fields after ``arn:`` (partition, service, region,
  account, resource); the ``arn`` prefix in any case as the catalog accepts
  it, or exactly ``arn`` with ``exact_prefix=True`` (as IAM writes it);
* :func:`fields` — the six colon-separated fields of a value, whatever its
  prefix (``ArnLike`` compares a request value field by field);
* :func:`matches_format` — whether a pattern can name a resource of a catalog
  ARN format;
* :func:`problems` — what is wrong with an ARN pattern's syntax;
* :func:`covers` — pattern inclusion: every string ``narrow`` matches is
  matched by ``wide``.

Reference: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
"""

from __future__ import annotations

import functools
import re

from iamlint.iam import wildcard
from iamlint.knowledge import arns, catalog
from iamlint.knowledge.arns import ArnParts

__all__ = [
    "ArnParts",
    "covers",
    "fields",
    "format_service",
    "has_wildcard_or_variable",
    "is_concrete",
    "is_whole_account",
    "matches_format",
    "parse",
    "principal_account",
    "problems",
    "required_formats",
]

#: ``*``, ``?`` or a policy variable (``${...}``) in an ARN field: it may stand for anything
has_wildcard_or_variable = arns.has_wildcard
#: the ARN service of a catalog format (``arn:${Partition}:s3:::${BucketName}`` -> ``s3``)
format_service = arns.format_service
#: an ARN whose partition, service, region and account hold no wildcard or variable
is_concrete = arns.is_concrete_arn
#: whether a ``Resource`` pattern can name a resource of the catalog format
matches_format = arns.resource_matches_format


def problems(text: str) -> tuple[str, ...]:
    """What is wrong with the ARN pattern of a ``Resource`` element (message
    fragments; empty when nothing is): the catalog's syntax rules."""
    return arns._arn_problems(text)


def parse(text: str, exact_prefix: bool = False) -> ArnParts | None:
    """The fields of an ARN after its ``arn:`` prefix; None when ``text`` has
    fewer than six colon-separated fields or another prefix. The prefix may be
    in any case (as the catalog reads it) unless ``exact_prefix``."""
    parts = arns.split_arn(text)
    if parts is None or (exact_prefix and not text.startswith("arn:")):
        return None
    return parts


def fields(text: str) -> list[str] | None:
    """The six colon-separated fields of ``text`` (the last keeps its colons),
    whatever the first one holds; None if fewer."""
    parts = text.split(":", 5)
    return parts if len(parts) == 6 else None


def covers(wide: str, narrow: str) -> bool:
    """Whether every ARN the pattern ``narrow`` matches is matched by ``wide``
    (:func:`iamlint.iam.wildcard.covers`; ARNs are case-sensitive)."""
    return wildcard.covers(wide, narrow)


@functools.lru_cache(maxsize=65536)
def required_formats(action: str) -> tuple[str, ...] | None:
    """The catalog ARN formats of the resource types every request for
    ``action`` names: the required ones when its types span several services
    and the catalog marks some required (``ssm:SendCommand`` names a document;
    the S3 bucket for its output is optional, so a grant on buckets alone
    does not grant it), else all; None for an unknown action. One service's
    types are taken alike, which keeps the big per-service records (EC2's)
    unread. The rules' permission analysis and the access model both ask this."""
    formats = catalog.resource_formats(action)
    if not formats or len(formats) == 1 or len({format_service(f) for f in formats}) == 1:
        return formats
    info = catalog.action_info(action)
    if info is None:
        return formats
    required = tuple(ref.arn for ref in info.resource_types if ref.required)
    return required or formats


_ACCOUNT_ID = re.compile(r"^\d{12}$")
_PRINCIPAL_ARN = re.compile(
    r"^arn:(?P<partition>[^:]*):(?P<service>iam|sts)::(?P<account>[^:]*):(?P<rest>.*)$", re.IGNORECASE
)


def principal_account(principal: str) -> str | None:
    """The account id of an AWS principal (an account id, an IAM or STS ARN);
    None when it names no account or the account is an unresolved placeholder."""
    text = principal.strip()
    if _ACCOUNT_ID.match(text):
        return text
    m = _PRINCIPAL_ARN.match(text)
    if m and _ACCOUNT_ID.match(m.group("account")):
        return m.group("account")
    return None


def is_whole_account(principal: str) -> bool:
    """Whether an AWS principal names a whole account: its id, or its ``:root`` ARN."""
    text = principal.strip()
    if _ACCOUNT_ID.match(text):
        return True
    m = _PRINCIPAL_ARN.match(text)
    return bool(m and m.group("service").lower() == "iam" and m.group("rest").lower() == "root")
