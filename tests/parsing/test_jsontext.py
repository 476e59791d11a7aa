"""Strict JSON parsing with exact positions: iamlint.parsing (decode, parse,
locate, pointer, strict, larkjson)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamlint.findings import Span
from iamlint.parsing.decode import DecodeError, decode_bytes
from iamlint.parsing.larkjson import LarkLocator, lark_tree
from iamlint.parsing.locate import JsonLocator
from iamlint.parsing.parse import parse
from iamlint.parsing.pointer import parse_pointer
from iamlint.parsing.strict import MAX_DEPTH, SyntaxProblem

pytestmark = pytest.mark.slow


def pointers(value: object, prefix: str = "") -> Iterator[str]:
    """Every pointer of a decoded JSON value, root first."""
    yield prefix
    if isinstance(value, dict):
        for key, child in value.items():
            yield from pointers(child, f"{prefix}/{key.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from pointers(child, f"{prefix}/{index}")


def problem(text: str) -> SyntaxProblem:
    result = parse(text)
    assert result.value is None and result.duplicates == []
    assert len(result.problems) == 1
    return result.problems[0]


# --------------------------------------------------------------------------
# decode_bytes


def test_decode_strips_utf8_bom():
    assert decode_bytes(b'\xef\xbb\xbf{"a": "\xc3\xa9"}') == '{"a": "é"}'


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ('{"a": 1}'.encode("utf-16"), "UTF-16 text is not supported: save the file as UTF-8"),
        ('{"a": 1}'.encode("utf-16-le"), "UTF-16 text is not supported: save the file as UTF-8"),
        ('{"a": 1}'.encode("utf-16-be"), "UTF-16 text is not supported: save the file as UTF-8"),
        ('{"a": 1}'.encode("utf-32"), "UTF-32 text is not supported: save the file as UTF-8"),
        ('{"a": 1}'.encode("utf-32-le"), "UTF-32 text is not supported: save the file as UTF-8"),
        ('{"a": 1}'.encode("utf-32-be"), "UTF-32 text is not supported: save the file as UTF-8"),
        (b'{"a": "\x00"}', "binary file (NUL bytes)"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (NUL bytes)"),
    ],
)
def test_decode_refuses_other_encodings_and_binary(data: bytes, message: str):
    with pytest.raises(DecodeError) as caught:
        decode_bytes(data)
    assert str(caught.value) == message
    assert caught.value.span is None


@pytest.mark.parametrize(
    ("data", "message", "span"),
    [
        (b'{\n  "a": "caf\xe9"\n}', "invalid UTF-8 at line 2, column 12 (byte 13: 0xE9)", Span(2, 12, 2, 13)),
        # the BOM is a byte but not a column
        (b'\xef\xbb\xbf{"a": "\xff"}', "invalid UTF-8 at line 1, column 8 (byte 10: 0xFF)", Span(1, 8, 1, 9)),
        # a multi-byte character is one column
        (b'"\xc3\xa9\xe2\x82\xac\xc0"', "invalid UTF-8 at line 1, column 4 (byte 6: 0xC0)", Span(1, 4, 1, 5)),
        # an encoded surrogate is not UTF-8
        (b'"\xed\xa0\x80"', "invalid UTF-8 at line 1, column 2 (byte 1: 0xED)", Span(1, 2, 1, 3)),
        (b'{\r\n"a": "\xe2\x82"}', "invalid UTF-8 at line 2, column 7 (byte 9: 0xE2)", Span(2, 7, 2, 8)),
    ],
)
def test_decode_names_line_and_column_of_invalid_utf8(data: bytes, message: str, span: Span):
    with pytest.raises(DecodeError) as caught:
        decode_bytes(data)
    assert str(caught.value) == message
    assert caught.value.span == span


# --------------------------------------------------------------------------
# valid documents


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('{"Version": "2012-10-17", "Statement": []}', {"Version": "2012-10-17", "Statement": []}),
        ("[1, -0.5, 2e3, 1E-2, true, false, null]", [1, -0.5, 2000.0, 0.01, True, False, None]),
        ('"\\ud800 \\u00e9 \\/ \\n"', "\ud800 é / \n"),  # a lone surrogate escape is valid JSON
        (" \t\r\n 7 \r\n", 7),
        ("\ufeff{}", {}),
        ("null", None),
    ],
)
def test_valid_documents_decode(text: str, value: object):
    result = parse(text)
    assert result.problems == [] and result.duplicates == []
    assert result.value == value
    assert type(result.value) is type(value)


def test_integer_beyond_python_int_limit_decodes_as_float():
    result = parse("[" + "9" * 5000 + "]")
    assert result.problems == []
    assert result.value == [float("inf")]


# --------------------------------------------------------------------------
# syntax problems: message and exact span

SYNTAX_PROBLEMS = [
    # trailing and missing commas; the missing-comma (and -colon) span is the
    # token that follows the place where the comma is missing
    ('{"a": 1,}', "trailing comma before `}`", Span(1, 8, 1, 9)),
    ("[1, 2,\n]", "trailing comma before `]`", Span(1, 6, 1, 7)),
    ('{"a": 1 "b": 2}', 'missing comma before `"b"`', Span(1, 9, 1, 12)),
    ('[\n  {"a": 1}\n  {"b": 2}\n]', "missing comma before `{`", Span(3, 3, 3, 4)),
    ("[1 2]", "missing comma before `2`", Span(1, 4, 1, 5)),
    # strings
    ('{"a": "abc}', "unterminated string", Span(1, 7, 1, 8)),
    ('{"a": "abc\n}', "unterminated string", Span(1, 7, 1, 8)),
    ('["abc\\', "unterminated string", Span(1, 2, 1, 3)),
    ('["a\\xb"]', "invalid escape `\\x` in string", Span(1, 4, 1, 6)),
    ('["\\u12G4"]', "invalid escape `\\u12G` in string: `\\u` needs four hex digits", Span(1, 3, 1, 8)),
    ('["a\tb"]', "unescaped control character (U+0009) in string", Span(1, 4, 1, 5)),
    ('["a\\\x01"]', "unescaped control character (U+0001) in string", Span(1, 5, 1, 6)),
    ("{'a': 1}", "single quotes are not allowed: JSON strings use double quotes", Span(1, 2, 1, 3)),
    # truncated and empty documents; the end-of-file span follows the last token
    ('{"a": [1, 2', "unexpected end of file: expected `]`", Span(1, 12, 1, 13)),
    ('{\n  "a": 1\n', "unexpected end of file: expected `}`", Span(2, 9, 2, 10)),
    ('{"a":', "unexpected end of file: expected a value", Span(1, 6, 1, 7)),
    ('{"a"', "unexpected end of file: expected `:`", Span(1, 5, 1, 6)),
    ("", "empty document", Span(1, 1, 1, 2)),
    (" \r\n\t\n", "empty document", Span(1, 1, 1, 2)),
    # things other formats allow
    ('{\n  // comment\n  "a": 1\n}', "comments are not allowed in JSON", Span(2, 3, 2, 5)),
    ("/* c */ {}", "comments are not allowed in JSON", Span(1, 1, 1, 3)),
    ('{"a": NaN}', "`NaN` is not allowed in JSON", Span(1, 7, 1, 10)),
    ("[Infinity]", "`Infinity` is not allowed in JSON", Span(1, 2, 1, 10)),
    ("[-Infinity]", "`-Infinity` is not allowed in JSON", Span(1, 2, 1, 11)),
    ("[True]", "`True` is not JSON: write `true`", Span(1, 2, 1, 6)),
    ("[None]", "`None` is not JSON: write `null`", Span(1, 2, 1, 6)),
    # numbers
    ('{"a": +1}', "invalid number `+1`: a leading `+` is not allowed", Span(1, 7, 1, 9)),
    ("[.5]", "invalid number `.5`: a digit is required before the decimal point", Span(1, 2, 1, 4)),
    ("[01]", "invalid number `01`: leading zeros are not allowed", Span(1, 2, 1, 4)),
    ("[-012]", "invalid number `-012`: leading zeros are not allowed", Span(1, 2, 1, 6)),
    ("[1.]", "invalid number `1.`: a digit is required after the decimal point", Span(1, 2, 1, 4)),
    ("[1.e5]", "invalid number `1.e5`: a digit is required after the decimal point", Span(1, 2, 1, 6)),
    ("[1e+]", "invalid number `1e+`: a digit is required in the exponent", Span(1, 2, 1, 5)),
    ("[-]", "invalid number `-`: a digit is required after `-`", Span(1, 2, 1, 3)),
    ("[0x1F]", "invalid number `0x1F`: unexpected `x`", Span(1, 2, 1, 6)),
    # keys
    ("{a: 1}", "unquoted object key `a`: keys must be double-quoted strings", Span(1, 2, 1, 3)),
    ('{"a": 1, Sid: 2}', "unquoted object key `Sid`: keys must be double-quoted strings", Span(1, 10, 1, 13)),
    ("{1: 2}", "object keys must be double-quoted strings, not `1`", Span(1, 2, 1, 3)),
    ('{"a": abc}', "unquoted string `abc`: strings must be double-quoted", Span(1, 7, 1, 10)),
    # after the document
    ('{"a": 1} x', "extra data after the JSON document", Span(1, 10, 1, 11)),
    ("{}\n{}", "extra data after the JSON document", Span(2, 1, 2, 2)),
    ('"a" "b"', "extra data after the JSON document", Span(1, 5, 1, 8)),
    ("{}}", "extra data after the JSON document", Span(1, 3, 1, 4)),
    # anything else names what was expected
    ('{"a" 1}', "missing colon before `1`", Span(1, 6, 1, 7)),
    ('{"a" }', "unexpected `}`: expected `:`", Span(1, 6, 1, 7)),
    ('{"a": 1]', "unexpected `]`: expected `,` or `}`", Span(1, 8, 1, 9)),
    ("[,1]", "unexpected `,`: expected a value or `]`", Span(1, 2, 1, 3)),
    ("{,}", "unexpected `,`: expected a string key or `}`", Span(1, 2, 1, 3)),
    ('["a" b]', "unexpected `b`: expected `,` or `]`", Span(1, 6, 1, 7)),
    ("[\u00a0]", "unexpected character U+00A0 (NO-BREAK SPACE)", Span(1, 2, 1, 3)),
    # columns count code points; a BOM is no column; CR is not part of a column
    ('{"é€𝄞": 1,}', "trailing comma before `}`", Span(1, 10, 1, 11)),
    ('\ufeff{"a": 1,}', "trailing comma before `}`", Span(1, 8, 1, 9)),
    ('{\r\n  "a": 1,\r\n}', "trailing comma before `}`", Span(2, 9, 2, 10)),
    ('\ufeff{\r\n  "a": [1\r\n  2]}', "missing comma before `2`", Span(3, 3, 3, 4)),
]


@pytest.mark.parametrize(("text", "message", "span"), SYNTAX_PROBLEMS)
def test_syntax_problem_message_and_span(text: str, message: str, span: Span):
    assert problem(text) == SyntaxProblem(message, span)


@pytest.mark.parametrize(("text", "message", "span"), SYNTAX_PROBLEMS)
def test_lark_tree_raises_the_same_message(text: str, message: str, span: Span):
    with pytest.raises(ValueError) as caught:
        lark_tree(text)
    assert str(caught.value) == f"{message} (line {span.line}, column {span.column})"


def test_only_the_first_error_is_reported():
    assert problem('[1,]\n{"a" 1}') == SyntaxProblem("trailing comma before `]`", Span(1, 3, 1, 4))


# --------------------------------------------------------------------------
# nesting and size limits

TOO_DEEP = f"document nested too deeply (limit {MAX_DEPTH} levels)"


def test_deeply_nested_input_is_reported_not_raised():
    assert problem("[" * 100_000) == SyntaxProblem(TOO_DEEP, Span(1, MAX_DEPTH + 1, 1, MAX_DEPTH + 2))
    column = 5 * MAX_DEPTH + 1  # the opening brace of the (MAX_DEPTH + 1)th '{"a":'
    assert problem('{"a":' * 100_000) == SyntaxProblem(TOO_DEEP, Span(1, column, 1, column + 1))


def test_valid_but_too_deep_document_is_reported():
    depth = MAX_DEPTH + 100  # deeper than the limit, shallow enough for json
    text = "[" * depth + "]" * depth
    assert problem(text) == SyntaxProblem(TOO_DEEP, Span(1, MAX_DEPTH + 1, 1, MAX_DEPTH + 2))
    text = "[\n" * depth + "]" * depth
    assert problem(text) == SyntaxProblem(TOO_DEEP, Span(MAX_DEPTH + 1, 1, MAX_DEPTH + 1, 2))


def test_nesting_up_to_the_limit_is_fine_and_brackets_in_strings_do_not_count():
    assert parse("[" * MAX_DEPTH + "]" * MAX_DEPTH).problems == []
    many = ["[[[{{{"] * 1000
    assert parse(json.dumps(many)).value == many


def test_a_syntax_error_before_the_nesting_limit_comes_first():
    assert problem("[1 2" + "[" * 1000) == SyntaxProblem("missing comma before `2`", Span(1, 4, 1, 5))


def test_20_mb_string():
    body = "a" * 20_000_000
    assert parse(f'{{"k": "{body}"}}').value == {"k": body}
    column = len('{"k": "') + len(body) + 1
    assert problem(f'{{"k": "{body}\\x"}}') == SyntaxProblem(
        "invalid escape `\\x` in string", Span(1, column, 1, column + 2)
    )
    assert problem(f'{{"k": "{body}') == SyntaxProblem("unterminated string", Span(1, 7, 1, 8))


def test_1_mb_single_line():
    items = ['"arn:aws:s3:::bucket/key"'] * 40_000
    text = "[" + ",".join(items) + "]"
    assert len(text) > 1_000_000
    result = parse(text)
    assert result.problems == [] and len(result.value) == 40_000
    assert result.locator.span("/39999") == Span(1, len(text) - 25, 1, len(text))
    broken = text[:-1] + ",]"
    assert problem(broken) == SyntaxProblem("trailing comma before `]`", Span(1, len(text), 1, len(text) + 1))


# --------------------------------------------------------------------------
# duplicate keys


def test_duplicate_key_keeps_last_value_and_reports_the_later_key():
    text = '{"a": 1, "b": 2, "a": 3}'
    result = parse(text)
    assert result.problems == []
    assert result.value == {"a": 3, "b": 2}
    assert result.duplicates == [("", "a", Span(1, 18, 1, 21))]
    assert result.locator.span("/a") == Span(1, 23, 1, 24)
    assert result.locator.key_span("/a") == Span(1, 18, 1, 21)


def test_duplicates_nested_escaped_repeated_in_document_order():
    text = (
        "\ufeff{\r\n"
        '  "Statement": [\r\n'
        '    {"Sid": "x", "a/b": 1, "a/b": 2, "a/b": 3},\r\n'
        '    {"Effect": "Allow", "Effect": "Deny"}\r\n'
        "  ],\r\n"
        '  "Version": "2012-10-17", "Statement": {"c~d": {"e": 1, "e": 2}}\r\n'
        "}\r\n"
    )
    result = parse(text)
    assert result.value == {"Statement": {"c~d": {"e": 2}}, "Version": "2012-10-17"}
    assert result.duplicates == [
        ("/Statement/0", "a/b", Span(3, 28, 3, 33)),
        ("/Statement/0", "a/b", Span(3, 38, 3, 43)),
        ("/Statement/1", "Effect", Span(4, 25, 4, 33)),
        ("", "Statement", Span(6, 28, 6, 39)),
        ("/Statement/c~0d", "e", Span(6, 58, 6, 61)),
    ]
    # the locator follows the last "Statement", as AWS does
    assert result.locator.span("/Statement/c~0d/e") == Span(6, 63, 6, 64)
    assert result.locator.span("/Statement/0") is None


def test_duplicates_are_not_reported_when_there_is_a_syntax_error():
    result = parse('[{"a": 1, "a": 2}, 01]')
    assert result.duplicates == [] and result.value is None
    assert result.problems == [SyntaxProblem("invalid number `01`: leading zeros are not allowed", Span(1, 20, 1, 22))]


def test_same_key_in_different_objects_is_no_duplicate():
    result = parse('[{"a": 1}, {"a": 2, "b": {"a": 3}}]')
    assert result.duplicates == []


# --------------------------------------------------------------------------
# locators

NESTED = '{\n  "a/b": {"c~d": [10, {"": "e", "x y": [true]}]},\n  "é": null\n}'


@pytest.mark.parametrize(
    ("pointer", "span", "key_span"),
    [
        ("", Span(1, 1, 4, 2), None),
        ("/a~1b", Span(2, 10, 2, 49), Span(2, 3, 2, 8)),
        ("/a~1b/c~0d", Span(2, 18, 2, 48), Span(2, 11, 2, 16)),
        ("/a~1b/c~0d/0", Span(2, 19, 2, 21), None),
        ("/a~1b/c~0d/1", Span(2, 23, 2, 47), None),
        ("/a~1b/c~0d/1/", Span(2, 28, 2, 31), Span(2, 24, 2, 26)),
        ("/a~1b/c~0d/1/x y", Span(2, 40, 2, 46), Span(2, 33, 2, 38)),
        ("/a~1b/c~0d/1/x y/0", Span(2, 41, 2, 45), None),
        ("/é", Span(3, 8, 3, 12), Span(3, 3, 3, 6)),
    ],
)
def test_locators_find_values_and_keys(pointer: str, span: Span, key_span: Span | None):
    for locator in (JsonLocator(NESTED), LarkLocator(NESTED)):
        assert locator.span(pointer) == span
        assert locator.key_span(pointer) == key_span


@pytest.mark.parametrize(
    "pointer",
    ["/missing", "/a~1b/c~0d/2", "/a~1b/c~0d/01", "/a~1b/c~0d/-", "/a~1b/c~0d/x", "/é/x", "/a~1b/c~0d/0/0", "/a/b"],
)
def test_locators_return_none_for_what_is_not_there(pointer: str):
    for locator in (JsonLocator(NESTED), LarkLocator(NESTED)):
        assert locator.span(pointer) is None
        assert locator.key_span(pointer) is None


@pytest.mark.parametrize("pointer", ["a", "Statement/0", "/a~2", "/~"])
def test_malformed_pointer_is_an_error(pointer: str):
    with pytest.raises(ValueError):
        parse_pointer(pointer)
    with pytest.raises(ValueError):
        JsonLocator(NESTED).span(pointer)


def test_parse_pointer_unescapes_in_the_right_order():
    assert parse_pointer("") == []
    assert parse_pointer("/") == [""]
    assert parse_pointer("/~01/~10/a~1b~0c") == ["~1", "/0", "a/b~c"]


def test_locator_positions_with_bom_and_crlf():
    text = '\ufeff{\r\n  "Action": ["s3:Get*",\r\n             "s3:List*"]\r\n}\r\n'
    locator = JsonLocator(text)
    assert locator.span("") == Span(1, 1, 4, 2)
    assert locator.key_span("/Action") == Span(2, 3, 2, 11)
    assert locator.span("/Action/1") == Span(3, 14, 3, 24)
    assert locator.span("/Action") == LarkLocator(text).span("/Action") == Span(2, 13, 3, 25)
    assert locator.offset_to_position(0) == (1, 1)  # the BOM
    assert locator.offset_to_position(1) == (1, 1)  # the brace after it
    assert locator.offset_to_position(2) == (1, 2)  # the CR ends line 1
    assert locator.offset_to_position(4) == (2, 1)


def test_locator_on_invalid_text_answers_none_where_it_cannot_see():
    locator = parse('{"a": [1, 2], "b": [1,]}').locator
    assert locator.span("/a/1") is None  # the object around it is broken
    assert JsonLocator("[" * 100_000).span("/0") is None
    assert JsonLocator("").span("") is None


def test_lark_locator_refuses_invalid_text():
    with pytest.raises(ValueError, match=r"^trailing comma before `\]` \(line 1, column 3\)$"):
        LarkLocator("[1,]")


def assert_locators_agree(text: str) -> int:
    """Compare both locators on every value and key of ``text``; return the count."""
    result = parse(text)
    assert result.problems == []
    reference = LarkLocator(text)
    count = 0
    for pointer in pointers(result.value):
        assert result.locator.span(pointer) == reference.span(pointer), pointer
        assert result.locator.key_span(pointer) == reference.key_span(pointer), pointer
        count += 1
    return count


def test_locators_agree_on_every_node_of_the_aws_managed_policies(corpus):
    files = sorted((corpus / "aws-managed-policies").glob("*.json"))
    assert len(files) > 1000
    nodes = sum(assert_locators_agree(decode_bytes(path.read_bytes())) for path in files)
    assert nodes > 100_000


# --------------------------------------------------------------------------
# properties: json fast path and Lark grammar agree

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@st.composite
def json_texts(draw: st.DrawFn) -> tuple[object, str]:
    """A JSON value and one of many ways to write it."""
    value = draw(json_values)
    text = json.dumps(
        value,
        indent=draw(st.sampled_from([None, 0, 2, "\t"])),
        ensure_ascii=draw(st.booleans()),
        separators=draw(st.sampled_from([None, (",", ":"), (" , ", " : ")])),
    )
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")  # raw newlines occur only between tokens
    return value, draw(st.sampled_from(["", "\ufeff"])) + text


@settings(max_examples=300, deadline=None)
@given(json_texts())
def test_valid_json_decodes_and_locators_agree(case: tuple[object, str]):
    value, text = case
    assert parse(text).value == value
    assert_locators_agree(text)


@settings(max_examples=300, deadline=None)
@given(json_texts(), st.randoms(use_true_random=False))
def test_lazy_lookups_in_any_order_agree_with_full_indexing(case: tuple[object, str], rnd):
    """parse() marks its locator valid, so lookups scan containers only as far
    as they need and leave value ends to be measured later; in any order and
    from a fresh locator they give the spans of the full index."""
    value, text = case
    everything = [*pointers(value), "/nope", "/0/nope", "/99"]
    reference = JsonLocator(text)  # not marked valid: every container indexed whole
    for sample in (everything, rnd.sample(everything, len(everything)), [rnd.choice(everything)]):
        lazy = parse(text).locator
        for pointer in sample:
            assert lazy.span(pointer) == reference.span(pointer), pointer
            assert lazy.key_span(pointer) == reference.key_span(pointer), pointer


def test_lazy_lookup_reads_only_as_far_as_the_pointer():
    """On text parse() accepted, the first statement's action is found without
    reading the statements after it: text there that would fail to index is
    never looked at (a locator not told the text is valid indexes it, and fails)."""
    text = '{"Statement": [{"Action": ["s3:GetObject", "s3:PutObject"]}, {"Action": "x"}], "Version": "2012-10-17"}'
    locator = parse(text).locator
    assert locator.span("/Statement/0/Action/1") == Span(1, 44, 1, 58)
    assert locator.span("/Version") == Span(1, 91, 1, 103)
    assert locator.span("") == Span(1, 1, 1, 104)
    cut = text[: text.index('{"Action": "x"}')] + "!! not JSON from here"
    assert JsonLocator(cut, valid=True).span("/Statement/0/Action/1") == Span(1, 44, 1, 58)
    assert JsonLocator(cut).span("/Statement/0/Action/1") is None


@st.composite
def damaged_json_texts(draw: st.DrawFn) -> str:
    """Valid JSON with one character inserted, deleted or replaced."""
    text = json.dumps(draw(json_values), indent=draw(st.sampled_from([None, 1])))
    position = draw(st.integers(0, len(text)))
    edit = draw(st.sampled_from(["insert", "delete", "replace"]))
    char = draw(st.sampled_from([*"{}[],:\"\\ \n\t\x01'/+-.0123eEtfnuNI", "\u00a0"]))
    if edit == "insert":
        return text[:position] + char + text[position:]
    if edit == "delete":
        return text[:position] + text[position + 1 :]
    return text[:position] + char + text[position + 1 :]


@settings(max_examples=1000, deadline=None)
@given(damaged_json_texts() | st.text(alphabet='{}[],:"\\ \n\t\x01ae01-+.5tru', max_size=12))
def test_json_fast_path_and_grammar_accept_the_same_texts(text: str):
    result = parse(text)
    try:
        lark_tree(text)
    except ValueError:
        grammar_accepts = False
    else:
        grammar_accepts = True
    assert (result.problems == []) == grammar_accepts
    if result.problems:
        (found,) = result.problems
        assert 1 <= found.span.line <= text.count("\n") + 1
        assert found.span.column >= 1 and found.span.end_column > found.span.column
        assert "Token(" not in found.message and "Expected" not in found.message
