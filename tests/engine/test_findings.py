"""Finding records: equality and hashing leave out the related locations."""

from __future__ import annotations

import json
from dataclasses import astuple

from iamlint.api import lint_text
from iamlint.engine import runner
from iamlint.engine.runner import bounded_message
from iamlint.findings import Finding, Related, Span


def test_findings_differing_only_in_related_locations_are_one():
    base = dict(
        rule="IAM208",
        name="privilege-escalation",
        severity="error",
        message="m",
        file="p.json",
        span=Span(3, 5, 3, 20),
        pointer="/Statement/0",
        owner="",
        fingerprint="abc",
    )
    a = Finding(**base, related=(Related("p.json", Span(9, 1, 9, 2), "the other statement", "/Statement/1"),))
    b = Finding(**base)
    assert a == b and not (a != b) and hash(a) == hash(b) and len({a, b}) == 1  # noqa: SIM202 (tests __ne__)
    c = Finding(**{**base, "message": "other"})
    assert a != c and not (a == c) and len({a, c}) == 2  # noqa: SIM201 (tests __eq__)
    assert a.line == 3 and a.column == 5 and a.sort_key()[:4] == ("p.json", Span(3, 5, 3, 20), "IAM208", "m")
    assert a != ("IAM208",) and a != astuple(a)[:9]  # only findings equal findings


def test_a_message_quoting_a_huge_value_is_bounded_and_keeps_its_fingerprint():
    """A rule may quote the offending value; a 300 KB ARN must not make a 300 KB
    message (terminal, SARIF, editor hover).  The fingerprint is of the whole
    message, as before the bound."""
    value = "arn:aws:s4" + "x" * 300_000
    text = json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": value}]}
    )
    (finding,) = [f for f in lint_text(text) if f.rule == "IAM105"]
    assert len(finding.message) <= runner.MAX_MESSAGE
    assert finding.message.startswith("`Resource` value `arn:aws:s4xxx") and "characters left out" in finding.message
    short = lint_text(text.replace(value, "arn:aws:s4xxx"))
    message = next(f.message for f in short if f.rule == "IAM105")
    assert message == runner.bounded_message(message)


def test_bounded_message_leaves_short_messages_alone_and_says_how_much_it_cut():
    assert bounded_message("short") == "short"
    cut = bounded_message("a" * 5000 + "END", limit=100)
    assert len(cut) <= 100 + 40 and cut.endswith("END") and "(4,908 characters left out)" in cut


def test_findings_equal_in_place_rule_and_message_sort_by_pointer_not_by_hash():
    """Two attachments of one ARN (``/attachments/0`` and ``/1`` of two roles)
    give findings alike but for the pointer: their order must not depend on
    set iteration (PYTHONHASHSEED swapped them)."""
    base = dict(rule="IAM401", name="n", severity="error", message="m", file="a.tf", span=Span(27, 16, 27, 61))
    first = Finding(**base, pointer="/attachments/0", owner="aws_iam_role.r", fingerprint="f")
    second = Finding(**base, pointer="/attachments/1", owner="aws_iam_role.r", fingerprint="f")
    for order in ([first, second], [second, first]):
        assert sorted(order, key=Finding.sort_key) == [first, second]
