"""Finding records: equality and hashing leave out the related locations."""
from __future__ import annotations

from iamlint.findings import Finding, Related, Span


def test_findings_differing_only_in_related_locations_are_one():
    base = dict(rule="IAM208", name="privilege-escalation", severity="error", message="m", file="p.json",
                span=Span(3, 5, 3, 20), pointer="/Statement/0", owner="", fingerprint="abc")
    a = Finding(**base, related=(Related("p.json", Span(9, 1, 9, 2), "the other statement", "/Statement/1"),))
    b = Finding(**base)
    assert a == b and not (a != b) and hash(a) == hash(b) and len({a, b}) == 1
    c = Finding(**{**base, "message": "other"})
    assert a != c and not (a == c) and len({a, c}) == 2
    assert a.line == 3 and a.column == 5 and a.sort_key() == ("p.json", Span(3, 5, 3, 20), "IAM208", "m")
    assert a != ("IAM208",) and a != tuple(a)[:9]  # only findings equal findings
