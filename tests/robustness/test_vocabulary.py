"""iamlint.vocabulary: a member stands wherever its plain string stood, and
nothing written changes (outputs, JSON, fingerprints, dict look-ups)."""

from __future__ import annotations

import enum
import json

import pytest

from iamlint import vocabulary
from iamlint.reporters import FORMATS
from iamlint.reporters.jsontext import dumps_indent2
from iamlint.vocabulary import DocumentKind, OutputFormat, Severity

MEMBERS = [*DocumentKind, *Severity, *OutputFormat]


@pytest.mark.parametrize("member", MEMBERS, ids=str)
def test_a_member_is_its_value(member):
    value = member.value
    assert type(value) is str
    assert member == value and value == member
    assert hash(member) == hash(value)
    assert str(member) == f"{member}" == "%s" % (member,) == format(member, "") == value  # noqa: UP031 (%-formatting is under test)
    assert format(member, ">12") == format(value, ">12")
    assert "\x1f".join([member]) == value
    assert member.encode() == value.encode()
    assert {value: 1}[member] == 1 and {member: 1}[value] == 1
    assert json.dumps({member: [member]}) == json.dumps({value: [value]})
    assert type(member)(value) is member


def test_the_json_writer_writes_a_member_as_json_dumps_does():
    data = {Severity.ERROR: [DocumentKind.TRUST, {"severity": Severity.WARNING}], "kind": OutputFormat.SARIF}
    assert dumps_indent2(data) == json.dumps(data, indent=2, ensure_ascii=False)


def test_the_value_tuples_are_plain_strings():
    # click's Choice shows an enum member by its name: --format gets plain strings
    for values, enum_class in (
        (vocabulary.DOCUMENT_KINDS, DocumentKind),
        (vocabulary.SEVERITIES, Severity),
        (vocabulary.OUTPUT_FORMATS, OutputFormat),
    ):
        assert values == tuple(m.value for m in enum_class)
        assert all(type(v) is str for v in values)
    assert FORMATS == vocabulary.OUTPUT_FORMATS


def test_the_python_3_10_fallback_behaves_as_enum_strenum():
    """The class Python 3.10 uses (no enum.StrEnum there), built here on any version."""

    class Fallback(str, enum.Enum):
        __str__ = str.__str__
        __format__ = str.__format__

    class Kind(Fallback):
        TRUST = "trust"

    assert str(Kind.TRUST) == f"{Kind.TRUST}" == format(Kind.TRUST, "") == "trust"
    assert json.dumps([Kind.TRUST]) == '["trust"]'
    assert Kind.TRUST == "trust" and hash(Kind.TRUST) == hash("trust")
