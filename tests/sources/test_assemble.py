"""The one assemble step (iamlint.sources.assemble): principals from declarations.

Declarations are built by hand here, the way a reader emits them; each test
asserts on the Roles assemble returns (which principal got what, where it is
located)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from iamlint.findings import Span
from iamlint.model.declarations import (
    UNKNOWN,
    AccessKeyDeclaration,
    External,
    InlinePolicy,
    Membership,
    Mention,
    PolicyAttachment,
    Principal,
    Target,
)
from iamlint.model.document import Document
from iamlint.parsing.parse import parse
from iamlint.sources import terraform_plan
from iamlint.sources.assemble import assemble


class _Locator:
    """A resource locator with aliases, as readers give principals."""

    def __init__(self) -> None:
        self.aliases: dict[str, Any] = {}

    def span(self, pointer: str) -> Span | None:
        where = self.aliases.get(pointer)
        return Span(where, 1, where, 5) if isinstance(where, int) else None

    def key_span(self, pointer: str) -> Span | None:
        return None

    def alias(self, pointer: str, where: Any) -> None:
        self.aliases[pointer] = where


def _resource(owner: str, value: dict | None = None) -> Document:
    return Document("main.tf", dict(value or {}), "role", _Locator(), owner=owner, kind_source="location")


def _policy(owner: str) -> Document:
    return Document("main.tf", {"Version": "2012-10-17", "Statement": []}, "identity", owner=owner)


def _principal(ptype: str, key: str, name: Any = None) -> Principal:
    return Principal(ptype, key, "main.tf", _resource(key), name=name)


def test_targets_resolve_by_key_then_by_iam_name():
    role = _principal("role", "aws_iam_role.app", name="app")
    by_key, by_name = _policy("by_key"), _policy("by_name")
    roles = assemble(
        [
            role,
            InlinePolicy(Target("role", key="aws_iam_role.app"), by_key),
            InlinePolicy(Target("role", key="aws_iam_role.gone", name="app"), by_name),  # key unknown: the name
        ]
    )
    assert [r.name for r in roles] == ["aws_iam_role.app"]
    assert roles[0].inline == [by_key, by_name]
    assert not roles[0].external


def test_an_attachment_is_listed_in_the_principals_resource_at_its_location():
    roles = assemble(
        [
            _principal("user", "aws_iam_user.u", name="u"),
            PolicyAttachment(Target("user", name="u"), "arn:aws:iam::aws:policy/ReadOnlyAccess", 7),
            PolicyAttachment(Target("user", name="u"), "arn:aws:iam::aws:policy/AdministratorAccess", 9),
            PolicyAttachment(Target("user", name="u"), "arn:aws:iam::aws:policy/B", 11, boundary=True),
        ]
    )
    user = roles[0]
    assert [(a.arn.rsplit("/", 1)[1], a.pointer) for a in user.managed] == [
        ("ReadOnlyAccess", "/attachments/0"),
        ("AdministratorAccess", "/attachments/1"),
    ]
    assert user.resource.value["attachments"] == [a.arn for a in user.managed]
    assert user.resource.locate("/attachments/1").line == 9  # where the reader says the ARN is written
    assert user.boundary is not None and user.boundary.pointer == "/permissions_boundary"
    assert user.resource.locate("/permissions_boundary").line == 11


def test_undeclared_targets_become_one_external_principal_each():
    made: list[str] = []

    def external(name: str) -> External:
        def resource() -> Document:
            made.append(name)
            return _resource(name, {"type": "external", "name": name})

        return External(name, name, resource)

    declared = _principal("role", "aws_iam_role.app", name="app")
    roles = assemble(
        [
            declared,
            PolicyAttachment(Target("role", name="legacy", external=external("legacy")), "arn:a", 3),
            InlinePolicy(Target("role", name="legacy", external=external("legacy")), _policy("p")),
            PolicyAttachment(Target("role", name="app", external=external("app")), "arn:b", 4),  # declared
            Mention(Target("user", name="bob", external=external("bob"))),
        ]
    )
    assert [(r.principal_type, r.name, r.external) for r in roles] == [
        ("role", "aws_iam_role.app", False),
        ("role", "legacy", True),
        ("user", "bob", True),
    ]
    legacy = roles[1]
    assert [a.arn for a in legacy.managed] == ["arn:a"] and len(legacy.inline) == 1
    assert [a.arn for a in roles[0].managed] == ["arn:b"]
    assert made == ["legacy", "bob"]  # each external's resource made once, where it is first named


def test_a_target_without_a_way_to_declare_it_is_dropped():
    roles = assemble([InlinePolicy(Target("role", name="nowhere"), _policy("p"))])
    assert roles == []


def test_memberships_link_users_to_groups_in_order_each_once():
    admins, ops = _principal("group", "g.admins", name="admins"), _principal("group", "g.ops", name="ops")
    alice = _principal("user", "u.alice", name="alice")
    user = Target("user", key="u.alice")
    roles = assemble(
        [
            alice,
            Membership(user, Target("group", name="ops"), "ops"),
            admins,
            ops,
            Membership(user, Target("group", key="g.admins"), "admins"),
            Membership(user, Target("group", name="ops"), "ops"),  # twice: once
            Membership(user, Target("group", name="elsewhere"), "elsewhere"),  # not declared, no external
        ]
    )
    by_key = {r.name: r for r in roles}
    assert by_key["u.alice"].member_of == [by_key["g.ops"], by_key["g.admins"]]
    assert by_key["u.alice"].groups == ["ops", "admins", "elsewhere"]
    assert by_key["g.ops"].member_of == [] and by_key["g.admins"].member_of == []


def test_memberships_join_externals_other_declarations_created_and_create_none():
    def ext(name: str, make: bool) -> External:
        return External(name, name, (lambda: _resource(name)) if make else None)

    roles = assemble(
        [
            PolicyAttachment(Target("group", name="ops", external=ext("ops", True)), "arn:x", 2),
            Membership(
                Target("user", name="dave", external=ext("dave", True)),
                Target("group", name="ops", external=ext("ops", False)),
                "ops",
            ),
            Membership(
                Target("user", name="erin", external=ext("erin", False)),
                Target("group", name="ops", external=ext("ops", False)),
                "ops",
            ),
        ]
    )
    by_name = {(r.principal_type, r.name): r for r in roles}
    assert set(by_name) == {("group", "ops"), ("user", "dave")}  # erin: only joins, creates nothing
    assert by_name[("user", "dave")].member_of == [by_name[("group", "ops")]]


def test_group_graph_has_no_cycles_a_group_is_never_its_own_member():
    group = _principal("group", "g", name="g")
    roles = assemble([group, Membership(Target("group", key="g"), Target("group", key="g"), "g")])
    assert roles[0].member_of == []


def test_a_target_naming_a_principal_of_another_type_matches_nothing():
    role = _principal("role", "shared", name="shared")
    roles = assemble(
        [
            role,
            InlinePolicy(Target("user", key="shared", name="shared"), _policy("p")),
            AccessKeyDeclaration(Target("user", key="shared"), "key", where=3),
            Membership(Target("user", key="shared"), Target("group", key="shared"), "shared"),
        ]
    )
    assert len(roles) == 1
    assert roles[0].inline == [] and roles[0].access_keys == [] and roles[0].member_of == []


def test_access_keys_are_located_at_their_own_document_or_listed_at_the_user():
    key_doc = _resource("UserKey")
    roles = assemble(
        [
            _principal("user", "u", name="u"),
            AccessKeyDeclaration(Target("user", key="u"), "UserKey", document=key_doc),
            AccessKeyDeclaration(Target("user", key="u"), "aws_iam_access_key.k", where=12),
        ]
    )
    user = roles[0]
    assert [(k.name, k.document is key_doc, k.pointer) for k in user.access_keys] == [
        ("UserKey", True, ""),
        ("aws_iam_access_key.k", False, "/access_keys/0"),
    ]
    assert user.resource.value["access_keys"] == ["aws_iam_access_key.k"]
    assert user.resource.locate("/access_keys/0").line == 12


def test_an_unknown_name_matches_the_principals_whose_name_is_unknown():
    """A plan leaves a computed name unknown (``name_prefix``) in both the role
    and the policy naming it: they are linked, as the plan reader always did."""
    role = _principal("role", "aws_iam_role.r", name=UNKNOWN)
    doc = _policy("p")
    roles = assemble([role, InlinePolicy(Target("role", name=UNKNOWN), doc)])
    assert roles[0].inline == [doc]


def test_no_name_matches_nothing_by_name():
    unnamed = _principal("role", "Unnamed")  # a template role without RoleName
    roles = assemble([unnamed, InlinePolicy(Target("role", key="NotARole"), _policy("p"))])
    assert roles[0].inline == []


def test_service_linked_and_path_come_from_the_principal_declaration():
    decl = Principal("role", "r", "dump.json", _resource("r"), name="r", path="/aws-service-role/x/")
    other = Principal("role", "s", "t.yaml", _resource("s"), name="s", service_linked=True)
    roles = assemble([decl, other])
    assert [r.service_linked for r in roles] == [True, True]
    assert roles[0].path == "/aws-service-role/x/"


def test_a_plans_principals_are_assembled_from_its_declarations():
    """A plan naming principals by IAM name: declared, unknown-named and
    external principals, list targets, access keys (an inactive one gives no
    key) and memberships joining the groups other resources name."""
    path = str(Path(__file__).parent / "fixtures" / "tf" / "plan" / "principals.json")
    text = Path(path).read_text(encoding="utf-8")
    parsed = parse(text)
    roles = terraform_plan.read_json(path, text, parsed.value, parsed, None).roles
    got = {
        (r.principal_type, r.name): (
            r.external,
            len(r.inline),
            [a.pointer for a in r.managed],
            [g.name for g in r.member_of],
            [k.name for k in r.access_keys],
        )
        for r in roles
    }
    assert got == {
        ("role", "aws_iam_role.a"): (False, 1, ["/managed_policy_arns/0"], [], []),
        # unknown names: linked to the inline policy whose role is unknown too
        ("role", "aws_iam_role.nameless"): (False, 1, [], [], []),
        ("role", "aws_iam_role.nameless2"): (False, 1, [], [], []),
        ("user", "aws_iam_user.u"): (False, 0, [], ["aws_iam_group.devs", "ops"], ["aws_iam_access_key.k1"]),
        ("group", "aws_iam_group.devs"): (False, 0, ["/attachments/0"], [], []),
        ("role", "a"): (True, 1, ["/attachments/0"], [], []),  # aws_iam_role.a has no name in the plan
        ("role", "ghost"): (True, 0, ["/attachments/0", "/attachments/1"], [], []),
        ("role", "other"): (True, 0, ["/attachments/0"], [], []),
        ("user", "bob"): (True, 0, ["/attachments/0"], ["aws_iam_group.devs"], ["aws_iam_access_key.k2"]),
        ("user", "carol"): (True, 0, ["/attachments/0"], [], []),
        ("user", "zed"): (True, 0, ["/attachments/0"], ["ops"], []),  # its key is inactive
        ("group", "ops"): (True, 1, [], [], []),
    }
    ghost = next(r for r in roles if r.name == "ghost")
    # located at the first value naming it (the empty inline policy's `role`), its
    # attachments at their policy_arn
    assert ghost.resource.locate("").line == 7
    assert ghost.resource.locate("/attachments/1").line == 9
    u = next(r for r in roles if r.name == "aws_iam_user.u")
    assert u.boundary is not None and u.boundary.document is not None and u.boundary.document.kind == "boundary"


def test_a_declaration_naming_a_principal_through_two_targets_applies_once():
    """``roles = [aws_iam_role.app.name, "app"]``: one resource (origin), two
    targets, one role: the attachment is listed once; ``links`` names the
    origins that reached each principal."""
    block, other = object(), object()
    by_key, by_name = Target("role", key="aws_iam_role.app"), Target("role", name="app")
    arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    links: dict[int, list] = {}
    roles = assemble(
        [
            _principal("role", "aws_iam_role.app", name="app"),
            Mention(by_key, block),
            PolicyAttachment(by_key, arn, 3, origin=block),
            Mention(by_name, block),
            PolicyAttachment(by_name, arn, 3, origin=block),
            PolicyAttachment(by_name, arn, 8, origin=other),  # another resource: applies
        ],
        links,
    )
    assert [(a.pointer, a.arn) for a in roles[0].managed] == [("/attachments/0", arn), ("/attachments/1", arn)]
    assert links[id(roles[0])] == [block, other]
