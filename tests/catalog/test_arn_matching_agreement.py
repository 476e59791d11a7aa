"""The ARN matcher's fast paths (masked patterns, one-step closure, bit masks
built in one pass, early accept on a final placeholder) answer exactly what a
plain set-of-positions NFA over the same tokens answers."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from iamlint.knowledge import arns, catalog

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
STAR, ANY, STAR_NC = arns.STAR, arns.ANY, arns.STAR_NC


def _reference(resource: str, fmt: str) -> bool:
    """Whether some string matches both, by a textbook NFA (sets of format positions)."""
    p, f = arns._tokens_of_pattern(resource), arns._tokens_of_format(fmt)
    m = len(f)

    def closure(states: set[int]) -> set[int]:
        todo = list(states)
        while todo:
            j = todo.pop()
            if j < m and f[j] in (STAR, STAR_NC) and j + 1 not in states:
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
            if t in (STAR, STAR_NC):
                if t == STAR or a != ":":
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
]
EDGE_FORMATS = [
    "arn:${Partition}:svc:${Region}:${Account}:${A}${B}",
    "arn:${Partition}:s3:::${A}${B}/${C}",
    "arn:${P}:x:::a*b",
    "arn:${P}:x:::a?b",
    "arn:${Partition}:s3:::fixed",
    "arn:aws:iam::aws:policy/${Name}",
    "",
]


@pytest.mark.corpus
def test_fast_matcher_agrees_with_a_plain_nfa():
    rng = random.Random(3)
    formats = sorted({f for fs in catalog._arn_formats().values() for f in fs})
    resources = _corpus_resources()
    pairs = []
    for resource in rng.sample(resources, min(600, len(resources))) + EDGE_PATTERNS:
        parts = arns.split_arn(resource)
        own = catalog._arn_formats().get(parts.service.lower(), ()) if parts else ()
        for fmt in list(own)[:25] + rng.sample(formats, 4) + EDGE_FORMATS:
            pairs.append((resource, fmt))
    disagreements = [(r, f) for r, f in pairs if arns.resource_matches_format(r, f) != _reference(r, f)]
    assert len(pairs) > 3000
    assert disagreements == []


def test_masked_pattern_has_the_tokens_of_the_pattern():
    for text in [*EDGE_PATTERNS, "arn:aws:s3:::${a}${b}**c", "ARN:AWS:S3:::X?*", "a${x}*${y}b", "${"]:
        masked, head, tail, literal = arns._pattern_parts(text)
        tokens = arns._tokens_of_pattern(text)
        assert arns._tokens_of_masked(masked) == tokens
        assert head == arns._literal_prefix(tokens) and tail == arns._literal_prefix(tokens[::-1])
        assert literal == ("".join(tokens) if all(len(t) == 1 for t in tokens) else None)


def _reference_format_tokens(fmt: str) -> tuple[str, ...]:
    """Format tokens character by character: placeholders in the first five
    fields hold no colon, later ones anything; runs of wildcards merge."""
    out: list[str] = []
    colons, pos, lower = 0, 0, fmt.lower()
    for m in arns._VARIABLE.finditer(lower):
        for c in lower[pos : m.start()]:
            out.append(STAR if c == "*" else c)
            colons += c == ":"
        out.append(STAR_NC if colons < 5 else STAR)
        pos = m.end()
    out.extend(STAR if c == "*" else c for c in lower[pos:])
    merged: list[str] = []
    for t in out:
        if t in (STAR, STAR_NC) and merged and merged[-1] in (STAR, STAR_NC):
            merged[-1] = STAR if STAR in (t, merged[-1]) else STAR_NC
        else:
            merged.append(t)
    return tuple(merged)


def test_format_tokens_of_every_catalog_format():
    formats = sorted({f for fs in catalog._arn_formats().values() for f in fs}) + EDGE_FORMATS
    formats += ["a}${x}", "${a}${b}", "x**y", "*${a}", "${a}*", "a:b:c:d:e:${f}${g}*", "${", "}", "*"]
    for fmt in formats:
        assert arns._tokens_of_format(fmt) == _reference_format_tokens(fmt), fmt
