"""Tests for iamlint.parsing.schema: the JSON Schemas per document kind and their messages."""

from __future__ import annotations

import copy
import functools
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

import iamlint.parsing
from iamlint.parsing.schema import KINDS, SchemaProblem, _compile, _registry, validate

pytestmark = pytest.mark.slow

SCHEMA_DIR = Path(iamlint.parsing.__file__).parent / "schemas"
SCHEMA_FILES = sorted(SCHEMA_DIR.glob("*.json"))
CORPUS = Path("/work/shared/corpus")
MANAGED = sorted((CORPUS / "aws-managed-policies").glob("*.json"))
RAW = sorted((CORPUS / "raw-policies").glob("**/*.json"))

TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def identity_statement(**members: object) -> dict:
    return {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", **members}


@functools.cache
def _reference(kind: str) -> Draft202012Validator:
    """jsonschema's validator of one kind, from the package's schema files."""
    contents = [json.loads(path.read_text(encoding="utf-8")) for path in SCHEMA_FILES]
    registry = Registry().with_resources((c["$id"], DRAFT202012.create_resource(c)) for c in contents)
    (top,) = [c["$id"] for c in contents if c["$id"].endswith(f":{kind}")]
    return Draft202012Validator({"$ref": top}, registry=registry)


def _fast(document: object, kind: str) -> bool:
    """Whether :func:`validate` answered by its fast check alone: it calls into
    jsonschema only when the fast check refuses the document."""
    slow = False

    def profile(frame, event, arg):
        nonlocal slow
        if event == "call" and "jsonschema" in frame.f_code.co_filename:
            slow = True
            sys.setprofile(None)

    sys.setprofile(profile)
    try:
        problems = validate(document, kind)
    finally:
        sys.setprofile(None)
    assert slow or problems == []
    return not slow


# --- the schema files ---------------------------------------------------------


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_file_is_a_valid_draft_2020_12_schema(path: Path) -> None:
    Draft202012Validator.check_schema(json.loads(path.read_text(encoding="utf-8")))


def test_every_kind_has_a_schema_file() -> None:
    assert {path.stem for path in SCHEMA_FILES} == {*KINDS, "policy-common"}


def _reported_subschemas(schema: object) -> Iterator[dict]:
    """Every subschema whose failing keywords can reach validate() as a top-level error.

    Errors under not / anyOf / if are never reported one by one, so those are not entered.
    """
    if not isinstance(schema, dict):
        return
    yield schema
    children = [*schema.get("$defs", {}).values(), *schema.get("properties", {}).values(), *schema.get("allOf", [])]
    children += [schema.get(keyword) for keyword in ("additionalProperties", "items", "then", "else")]
    for child in children:
        yield from _reported_subschemas(child)


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_every_reported_keyword_carries_its_message(path: Path) -> None:
    for subschema in _reported_subschemas(json.loads(path.read_text(encoding="utf-8"))):
        if {"type", "const", "not", "anyOf"} & subschema.keys():
            assert "x-iamlint-message" in subschema, subschema
        if "required" in subschema or subschema.get("additionalProperties") is False:
            assert "x-iamlint-label" in subschema, subschema


# --- documents that are valid -------------------------------------------------


def test_trust_policy_is_valid_as_trust() -> None:
    assert validate(TRUST, "trust") == []


def test_statement_may_be_a_single_object() -> None:
    assert validate({"Version": "2012-10-17", "Statement": identity_statement()}, "identity") == []


def test_condition_values_may_be_strings_booleans_numbers_and_lists_of_them() -> None:
    condition = {
        "NumericLessThan": {"s3:max-keys": [10, 20.5]},
        "Bool": {"aws:SecureTransport": True},
        "StringEquals": {"aws:RequestTag/team": ["a", "b"], "aws:PrincipalAccount": "123456789012"},
    }
    assert validate(policy(identity_statement(Condition=condition)), "identity") == []


def test_principal_may_be_star_or_an_object_of_lists() -> None:
    statement = {
        "Effect": "Allow",
        "Action": "s3:*",
        "Resource": "*",
        "Principal": {"AWS": ["arn:aws:iam::123456789012:root"], "CanonicalUser": "abc"},
    }
    assert validate(policy(statement, {**statement, "Principal": "*"}), "resource") == []


@pytest.mark.corpus
def test_every_aws_managed_policy_is_a_valid_identity_policy() -> None:
    problems = {path.name: validate(json.loads(path.read_text()), "identity") for path in MANAGED}
    assert len(problems) == 1645
    assert {name: found for name, found in problems.items() if found} == {}


def _raw_policies() -> Iterator[tuple[str, object]]:
    for path in RAW:
        try:
            yield path.name, json.loads(path.read_text())
        except json.JSONDecodeError:  # one file ships with a // comment
            continue


@pytest.mark.corpus
def test_raw_scp_rcp_and_resource_policies_have_no_type_problems() -> None:
    checked = 0
    for name, document in _raw_policies():
        statements = document["Statement"]
        statements = [statements] if isinstance(statements, dict) else statements
        has_principal = any("Principal" in s or "NotPrincipal" in s for s in statements)
        kind = "resource" if has_principal else "scp"
        assert [p for p in validate(document, kind) if p.category == "type"] == [], name
        if name.startswith("resource_control_policies__"):  # AWS's RCP examples are valid RCPs
            assert validate(document, "rcp") == [], name
        checked += 1
    assert checked == len(RAW) - 1


# --- one problem, one message -------------------------------------------------


def test_resource_in_trust_policy_is_forbidden_at_its_key() -> None:
    document = copy.deepcopy(TRUST)
    document["Statement"][0]["Resource"] = "*"
    assert validate(document, "trust") == [
        SchemaProblem(
            "/Statement/0/Resource",
            "`Resource` is not allowed in a role trust policy: a trust policy's resource is the role itself",
            "forbidden",
            True,
        )
    ]


def test_principal_in_identity_policy_is_forbidden() -> None:
    problems = validate(policy(identity_statement(NotPrincipal={"AWS": "*"})), "identity")
    assert [(p.pointer, p.category, p.at_key) for p in problems] == [("/Statement/0/NotPrincipal", "forbidden", True)]
    assert problems[0].message.startswith("`NotPrincipal` is not allowed in an identity-based policy")


def test_wrong_type_of_action() -> None:
    assert validate(policy(identity_statement(Action=5)), "identity") == [
        SchemaProblem(
            "/Statement/0/Action", "`Action` must be a string or a list of strings, not a number", "type", False
        )
    ]


def test_wrong_type_inside_a_list_points_at_the_entry() -> None:
    assert validate(policy(identity_statement(Resource=["*", None])), "identity") == [
        SchemaProblem("/Statement/0/Resource/1", "each entry of `Resource` must be a string, not null", "type", False)
    ]


def test_action_and_not_action_conflict() -> None:
    assert validate(policy(identity_statement(NotAction="s3:*")), "identity") == [
        SchemaProblem(
            "/Statement/0/NotAction", "statement has both `Action` and `NotAction`; use one", "conflict", True
        )
    ]


def test_missing_effect_points_at_the_statement() -> None:
    statement = identity_statement()
    del statement["Effect"]
    assert validate(policy(statement), "identity") == [
        SchemaProblem("/Statement/0", "statement is missing `Effect`", "required", False)
    ]


def test_missing_action_and_resource() -> None:
    assert validate(policy({"Effect": "Deny"}), "identity") == [
        SchemaProblem("/Statement/0", "statement is missing `Action` (or `NotAction`)", "required", False),
        SchemaProblem("/Statement/0", "statement is missing `Resource` (or `NotResource`)", "required", False),
    ]


def test_missing_principal_in_trust_policy() -> None:
    document = copy.deepcopy(TRUST)
    del document["Statement"][0]["Principal"]
    assert validate(document, "trust") == [
        SchemaProblem("/Statement/0", "statement is missing `Principal` (or `NotPrincipal`)", "required", False)
    ]


def test_missing_statement() -> None:
    assert validate({"Version": "2012-10-17"}, "scp") == [
        SchemaProblem("", "policy is missing `Statement`", "required", False)
    ]


def test_unknown_element_suggests_the_closest_name() -> None:
    statement = identity_statement()
    statement["Actions"] = statement.pop("Action")
    problems = validate(policy(statement), "identity")
    assert (
        SchemaProblem(
            "/Statement/0/Actions", "unknown element `Actions` in statement; did you mean `Action`?", "type", True
        )
        in problems
    )


def test_element_names_are_case_sensitive() -> None:
    statement = identity_statement()
    statement["action"] = statement.pop("Action")
    problems = validate(policy(statement), "identity")
    assert (
        SchemaProblem(
            "/Statement/0/action", "unknown element `action` in statement; did you mean `Action`?", "type", True
        )
        in problems
    )


def test_unknown_top_level_element_without_a_close_name() -> None:
    document = {**policy(identity_statement()), "Comment": "x"}
    assert validate(document, "identity") == [
        SchemaProblem("/Comment", "unknown element `Comment` in policy", "type", True)
    ]


def test_statement_as_a_string() -> None:
    assert validate({"Version": "2012-10-17", "Statement": "Allow"}, "identity") == [
        SchemaProblem("/Statement", "`Statement` must be an object or a list of objects, not a string", "type", False)
    ]


def test_statement_entry_that_is_not_an_object() -> None:
    assert validate(policy(identity_statement(), "x"), "scp") == [
        SchemaProblem("/Statement/1", "each entry of `Statement` must be an object, not a string", "type", False)
    ]


def test_document_that_is_not_an_object() -> None:
    assert validate([TRUST], "trust") == [
        SchemaProblem("", "a policy document must be a JSON object, not a list", "type", False)
    ]


def test_principal_of_wrong_type_points_at_the_member() -> None:
    document = copy.deepcopy(TRUST)
    document["Statement"][0]["Principal"] = {"AWS": 5}
    assert validate(document, "trust") == [
        SchemaProblem(
            "/Statement/0/Principal/AWS", "`AWS` must be a string or a list of strings, not a number", "type", False
        )
    ]


def test_principal_string_other_than_star() -> None:
    document = copy.deepcopy(TRUST)
    document["Statement"][0]["Principal"] = "arn:aws:iam::123456789012:root"
    [problem] = validate(document, "trust")
    assert (problem.pointer, problem.category) == ("/Statement/0/Principal", "type")
    assert problem.message.startswith('`Principal` as a string can only be "*"')


def test_unknown_principal_type_suggests_case_fix() -> None:
    document = copy.deepcopy(TRUST)
    document["Statement"][0]["Principal"] = {"service": "ec2.amazonaws.com"}
    assert validate(document, "trust") == [
        SchemaProblem(
            "/Statement/0/Principal/service",
            "unknown element `service` in `Principal`; did you mean `Service`?",
            "type",
            True,
        )
    ]


def test_condition_value_of_wrong_type_escapes_the_pointer() -> None:
    condition = {"StringEquals": {"aws:RequestTag/a~b": {"nested": "x"}}}
    assert validate(policy(identity_statement(Condition=condition)), "identity") == [
        SchemaProblem(
            "/Statement/0/Condition/StringEquals/aws:RequestTag~1a~0b",
            "condition value of `aws:RequestTag/a~b` must be a string, boolean, number or a list of them, "
            "not an object",
            "type",
            False,
        )
    ]


def test_condition_operator_must_map_to_an_object() -> None:
    assert validate(policy(identity_statement(Condition={"Bool": True})), "identity") == [
        SchemaProblem(
            "/Statement/0/Condition/Bool",
            "condition operator `Bool` must map to an object of condition keys, not a boolean",
            "type",
            False,
        )
    ]


def test_resource_scp_and_rcp_kinds_allow_a_missing_resource_but_not_both_forms() -> None:
    statement = {"Effect": "Deny", "Principal": "*", "Action": "s3:*"}
    scp_statement = {"Effect": "Deny", "Action": "s3:*"}
    assert validate(policy(statement), "resource") == []
    assert validate(policy(statement), "rcp") == []
    assert validate(policy(scp_statement), "scp") == []
    for kind, base in (("resource", statement), ("rcp", statement), ("scp", scp_statement)):
        both = {**base, "Resource": "*", "NotResource": "arn:aws:s3:::b"}
        assert [(p.pointer, p.category) for p in validate(policy(both), kind)] == [
            ("/Statement/0/NotResource", "conflict")
        ]


def test_problems_are_sorted_by_pointer_with_numeric_indexes() -> None:
    statements = [identity_statement() for _ in range(11)]
    statements[10]["Effect"] = 1
    statements[2]["Sid"] = 2
    pointers = [p.pointer for p in validate(policy(*statements), "identity")]
    assert pointers == ["/Statement/2/Sid", "/Statement/10/Effect"]


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="permission-set"):
        validate(TRUST, "permission-set")


def test_every_document_kind_has_a_schema() -> None:
    assert set(KINDS) == {"identity", "trust", "resource", "scp", "boundary", "rcp"}
    for kind in KINDS:
        assert validate({"Statement": []}, kind) == []


RCP_FULL_ACCESS = {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}


def test_rcp_full_aws_access_is_a_valid_rcp_and_not_a_valid_scp() -> None:
    assert validate(policy(RCP_FULL_ACCESS), "rcp") == []
    assert [(p.pointer, p.category) for p in validate(policy(RCP_FULL_ACCESS), "scp")] == [
        ("/Statement/0/Principal", "forbidden")
    ]


def test_rcp_principal_must_be_star_and_not_forms_are_not_supported() -> None:
    statements = [
        {"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*"},
        {"Effect": "Deny", "Principal": "*", "NotAction": "s3:GetObject", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
    ]
    assert [(p.pointer, p.category, p.at_key) for p in validate(policy(*statements), "rcp")] == [
        ("/Statement/0/Principal", "value", False),
        ("/Statement/1/NotPrincipal", "forbidden", True),
        ("/Statement/2/NotAction", "forbidden", True),
        ("/Statement/3", "required", False),
    ]


def test_boundary_has_the_identity_grammar_with_its_own_message() -> None:
    statement = {**identity_statement(), "Principal": "*"}
    (problem,) = validate(policy(statement), "boundary")
    assert (problem.pointer, problem.category) == ("/Statement/0/Principal", "forbidden")
    assert "permissions boundary" in problem.message
    assert validate(policy(identity_statement()), "boundary") == []


# --- the fast check agrees with jsonschema ------------------------------------

SAMPLES: list[object] = [None, True, 0, 1.5, "", "*", "x", [], ["*"], [1], [{}], {}, {"AWS": "*"}, {"k": {"v": 1}}]
EXTRA_MEMBERS = ["Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition", "Other"]


def _mutations(node: object) -> Iterator[object]:
    """Copies of ``node`` with one value replaced, one member removed or one member added."""
    for sample in SAMPLES:
        yield sample
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in list(children):
        for mutated in _mutations(child):
            clone = copy.copy(node)
            clone[key] = mutated
            yield clone
        if isinstance(node, dict):
            yield {k: v for k, v in node.items() if k != key}
    if isinstance(node, dict):
        for member in EXTRA_MEMBERS:
            for sample in ("*", 1, {"AWS": "*"}):
                yield {**node, member: sample}


def test_fast_check_accepts_exactly_what_jsonschema_accepts() -> None:
    bases = [
        TRUST,
        policy(identity_statement(Condition={"Bool": {"aws:SecureTransport": [True, "false"]}})),
        {"Statement": {"Effect": "Deny", "Principal": "*", "NotAction": ["s3:*"], "NotResource": "*"}},
    ]
    disagreements = []
    for kind in KINDS:
        slow = _reference(kind)
        for base in bases:
            for document in _mutations(base):
                if _fast(document, kind) != slow.is_valid(document):
                    disagreements.append((kind, document))
    assert disagreements == []


def test_fast_check_refuses_keywords_it_does_not_implement() -> None:
    with pytest.raises(ValueError, match="minItems"):
        _compile({"type": "array", "minItems": 1}, _registry().resolver())


def test_fast_check_does_not_take_a_boolean_for_a_number() -> None:
    number = _compile({"type": "number"}, _registry().resolver())
    assert (number(1), number(1.5), number(True)) == (True, True, False)


def _small_corpus_documents() -> list[object]:
    """Real documents (every raw policy, a spread of managed policies), small enough to mutate."""
    documents = []
    for path in RAW + MANAGED[::40]:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if len(json.dumps(document)) <= 1500:
            documents.append(document)
    return documents


@pytest.mark.corpus
def test_fast_check_agrees_with_jsonschema_on_mutated_corpus_documents() -> None:
    documents = _small_corpus_documents()
    assert len(documents) >= 20
    mutated = [document for base in documents for document in _mutations(base)]
    sample = random.Random(1).sample(mutated, 2500) + documents  # jsonschema is slow: a fixed sample
    disagreements = []
    for kind in KINDS:
        slow = _reference(kind)
        verdicts = set()
        for document in sample:
            verdict = _fast(document, kind)
            verdicts.add(verdict)
            if verdict != slow.is_valid(document):
                disagreements.append((kind, document))
        assert verdicts == {True, False}  # the sample holds valid and invalid documents
    assert disagreements == []


def test_fast_check_takes_subclasses_like_jsonschema() -> None:
    class Text(str):
        pass

    documents = [
        policy({"Effect": "Allow", "Action": [Text("s3:GetObject"), "s3:PutObject"], "Resource": Text("*")}),
        policy({"Effect": "Allow", "Action": ["s3:GetObject", 1], "Resource": "*"}),
        policy({"Effect": "Allow", "Action": ["s3:GetObject", True], "Resource": "*"}),
        policy({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"k": [True, 1, 1.5, "x"]}}}),
        policy({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Bool": {"k": [None]}}}),
    ]
    for kind in KINDS:
        slow = _reference(kind)
        assert [_fast(d, kind) for d in documents] == [slow.is_valid(d) for d in documents]


def test_validate_does_not_import_jsonschema_for_a_valid_document() -> None:
    code = (
        "import sys\n"
        "from iamlint.parsing.schema import validate\n"
        "assert validate({'Statement': [{'Effect': 'Allow', 'Action': '*', 'Resource': '*'}]}, 'identity') == []\n"
        "print('jsonschema' in sys.modules, 'referencing' in sys.modules)\n"
        "assert validate({'Statement': 1}, 'identity')\n"
        "print('jsonschema' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split()
    assert out == ["False", "False", "True"]


_CACHED_CHECK_PROBE = """
import sys
compiled = []
sys.addaudithook(lambda event, args: event == "compile" and compiled.append(str(args[1])))
from iamlint.parsing.schema import validate
good = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
bad = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}
assert validate(good, "identity") == [] and validate(bad, "identity")
print(sum(name.startswith("<iamlint schema") for name in compiled))
"""


def test_compiled_check_is_cached_and_a_damaged_entry_is_rebuilt(tmp_path):
    """The generated check's code is kept in the cache directory (generating and
    compiling it costs ~15 ms a process): a later process compiles nothing and
    answers the same; a damaged entry is built (compiled) again and replaced."""
    env = {**os.environ, "IAMLINT_CACHE_DIR": str(tmp_path)}
    env.pop("IAMLINT_NO_CACHE", None)

    def compiles() -> int:
        args = [sys.executable, "-c", _CACHED_CHECK_PROBE]
        return int(subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout)

    assert compiles() >= 1  # generated, compiled and written
    entries = sorted(tmp_path.glob("schema-check*"))
    assert entries
    written = [entry.read_bytes() for entry in entries]
    assert compiles() == 0  # loaded from the cache
    for entry in entries:
        entry.write_bytes(b"not marshal data")
    assert compiles() >= 1
    assert [entry.read_bytes() for entry in entries] == written  # replaced by what was built
    assert compiles() == 0
