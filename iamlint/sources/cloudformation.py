"""CloudFormation and SAM templates (JSON and YAML): the policies they hold.

Every policy found becomes a :class:`Document` whose kind comes from where it
sits (``AssumeRolePolicyDocument`` -> trust, ``Policies``/``AWS::IAM::Policy``
-> identity, bucket/queue/topic/key... policies -> resource), whose value is the
policy with intrinsics resolved (:mod:`iamlint.sources.intrinsics`), and whose
locator maps pointers inside the policy to the template's lines and columns.
Every ``AWS::IAM::Role``/``User``/``Group``, IAM Identity Center permission
set (``AWS::SSO::PermissionSet``) and SAM function role is also assembled into
a :class:`~iamlint.model.role.Role`; a principal that policies,
memberships or keys name without the template declaring it (``Users: [bob]``,
``Roles: [!ImportValue Shared]``) is an external one (``Role.external``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from iamlint.findings import Span
from iamlint.knowledge import managed as managed_policies
from iamlint.model.declarations import (
    AccessKeyDeclaration,
    Declaration,
    External,
    InlinePolicy,
    Membership,
    PolicyAttachment,
    Principal,
    Target,
)
from iamlint.model.document import Document, NodeLocator, Notice, PrefixLocator
from iamlint.model.policy import Opaque, escape_pointer_token
from iamlint.model.role import Attachment, Role
from iamlint.parsing.parse import parse
from iamlint.parsing.strict import SyntaxProblem
from iamlint.sources import apigateway, markers
from iamlint.sources.assemble import assemble
from iamlint.sources.intrinsics import Resolver, Unevaluated, budget_for, is_intrinsic
from iamlint.sources.result import SourceResult
from iamlint.vocabulary import DocumentKind

_START = Span(1, 1, 1, 2)

#: resource type -> (property holding a resource policy, ...); a nested property
#: is a path of names joined by "/", where "*" stands for every element of a list
#: (a policy written as a JSON string, e.g. ``AWS::Logs::ResourcePolicy``, is parsed)
RESOURCE_POLICIES: dict[str, tuple[str, ...]] = {
    "AWS::S3::BucketPolicy": ("PolicyDocument",),
    "AWS::SQS::QueuePolicy": ("PolicyDocument",),
    "AWS::SQS::QueueInlinePolicy": ("PolicyDocument",),
    "AWS::SNS::TopicPolicy": ("PolicyDocument",),
    "AWS::SNS::TopicInlinePolicy": ("PolicyDocument",),
    "AWS::KMS::Key": ("KeyPolicy",),
    "AWS::KMS::ReplicaKey": ("KeyPolicy",),
    "AWS::ECR::Repository": ("RepositoryPolicyText",),
    "AWS::ECR::RegistryPolicy": ("PolicyText",),
    "AWS::SecretsManager::ResourcePolicy": ("ResourcePolicy",),
    "AWS::S3::AccessPoint": ("Policy",),
    "AWS::EFS::FileSystem": ("FileSystemPolicy",),
    "AWS::Backup::BackupVault": ("AccessPolicy",),
    "AWS::OpenSearchService::Domain": ("AccessPolicies",),
    "AWS::Elasticsearch::Domain": ("AccessPolicies",),
    "AWS::Events::EventBusPolicy": ("Statement",),  # handled specially below
    # an endpoint policy: Principal "*" is normal there (IAM501 skips it by resource_type)
    "AWS::EC2::VPCEndpoint": ("PolicyDocument",),
    "AWS::ApiGateway::RestApi": ("Policy",),
    "AWS::ApiGateway::DomainNameV2": ("Policy",),
    "AWS::Logs::ResourcePolicy": ("PolicyDocument",),
    "AWS::S3Express::BucketPolicy": ("PolicyDocument",),
    "AWS::S3Tables::TableBucketPolicy": ("ResourcePolicy",),
    "AWS::S3::MultiRegionAccessPointPolicy": ("Policy",),
    "AWS::S3ObjectLambda::AccessPointPolicy": ("PolicyDocument",),
    "AWS::DynamoDB::Table": ("ResourcePolicy/PolicyDocument", "StreamSpecification/ResourcePolicy/PolicyDocument"),
    "AWS::DynamoDB::GlobalTable": (
        "Replicas/*/ResourcePolicy/PolicyDocument",
        "Replicas/*/ReplicaStreamSpecification/ResourcePolicy/PolicyDocument",
    ),
}

#: AWS::Organizations::Policy Type -> document kind (TAG_POLICY, BACKUP_POLICY ... are not IAM)
ORGANIZATIONS_POLICY_KINDS = {"SERVICE_CONTROL_POLICY": DocumentKind.SCP, "RESOURCE_CONTROL_POLICY": DocumentKind.RCP}

#: policy resources: type -> (property naming the principals, principal type)
POLICY_TARGETS = {"Roles": "role", "Users": "user", "Groups": "group"}
INLINE_POLICY_TYPES = {
    "AWS::IAM::RolePolicy": ("RoleName", "role"),
    "AWS::IAM::UserPolicy": ("UserName", "user"),
    "AWS::IAM::GroupPolicy": ("GroupName", "group"),
}
PRINCIPAL_TYPES = {
    "AWS::IAM::Role": "role",
    "AWS::IAM::User": "user",
    "AWS::IAM::Group": "group",
    "AWS::SSO::PermissionSet": "permission_set",
}

#: AWS managed policies that SAM names without their path: only a fallback for
#: names the shipped managed-policy catalog does not know (yet)
SAM_SERVICE_ROLE_POLICIES = frozenset(
    {
        "AWSLambdaBasicExecutionRole",
        "AWSLambdaVPCAccessExecutionRole",
        "AWSLambdaRole",
        "AWSLambdaDynamoDBExecutionRole",
        "AWSLambdaKinesisExecutionRole",
        "AWSLambdaSQSQueueExecutionRole",
        "AWSLambdaENIManagementAccess",
        "AWSLambdaMSKExecutionRole",
        "AWSLambdaBasicDurableExecutionRolePolicy",
        "AWSXrayWriteOnlyAccess",
        "AWSConfigRole",
        "AWSIoTRuleActions",
        "AWSIoTLogging",
        "AWSBatchServiceRole",
        "AWSGlueServiceRole",
        "AmazonEC2ContainerServiceRole",
        "AmazonEC2ContainerServiceforEC2Role",
        "AmazonECSTaskExecutionRolePolicy",
        "AWSCodeDeployRole",
        "AWSCodeDeployRoleForLambda",
    }
)
_MANAGED_NAME = re.compile(r"[\w+=,.@-]+")
_TEMPLATE_MARKERS = ("AWSTemplateFormatVersion", "AWS::")


# --------------------------------------------------------------------------
# locators


class MappedLocator:
    """A synthesized document whose parts come from different template nodes:
    the longest mapped prefix of a pointer decides where it is located."""

    def __init__(self, locator: Any, mapping: dict[str, str]) -> None:
        self.locator = locator
        self.mapping = sorted(mapping.items(), key=lambda kv: -len(kv[0]))

    def _target(self, pointer: str) -> tuple[str, bool] | None:
        for prefix, target in self.mapping:
            if pointer == prefix or pointer.startswith(prefix + "/"):
                return target, pointer == prefix
        return None

    def span(self, pointer: str) -> Span | None:
        found = self._target(pointer)
        return self.locator.span(found[0]) if found else None

    def key_span(self, pointer: str) -> Span | None:
        found = self._target(pointer)
        return self.locator.key_span(found[0]) if found and found[1] else None


# --------------------------------------------------------------------------
# entry points


def looks_like_template(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    resources = value.get("Resources")
    if "AWSTemplateFormatVersion" in value and isinstance(resources, (dict, type(None))):
        return True
    return isinstance(resources, dict) and any(
        isinstance(r, dict)
        and isinstance(r.get("Type"), str)
        and r["Type"].startswith(("AWS::", "Custom::", "Alexa::"))
        for r in resources.values()
    )


def read(path: str, text: str, kind: str | None) -> SourceResult:
    """A ``.yaml``/``.yml``/``.template`` file (or any text that is not JSON)."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith("{"):
        result = parse(text)
        if result.problems:
            if not markers.yaml_is_iam(text):  # only templates are read here
                return SourceResult(skipped=True, text=text)
            return _syntax(path, text, result.problems, result.locator)
        if looks_like_template(result.value):
            return read_json(path, text, result.value, result, kind)
        return SourceResult(skipped=True, text=text)
    if not any(m in text for m in _TEMPLATE_MARKERS):
        return SourceResult(skipped=True, text=text)  # docker-compose, workflows, k8s ...
    from iamlint.sources import yamlpos  # noqa: PLC0415 (PyYAML, heavy: only for YAML templates)

    loaded = yamlpos.load(text)
    if loaded.problems:
        if not markers.yaml_is_iam(text) or (loaded.multiple_documents and "AWSTemplateFormatVersion" not in text):
            # a workflow or compose file that mentions AWS:: is not a template
            return SourceResult(skipped=True, text=text)
        return _syntax(path, text, loaded.problems, loaded.locator)
    if not looks_like_template(loaded.value):
        return SourceResult(skipped=True, text=text)
    return _Extractor(path, text, loaded.value, loaded.locator, loaded.duplicates).run()


def read_json(path: str, text: str, value: Any, parse_result: Any, kind: str | None) -> SourceResult:
    """A JSON template (``rawjson`` recognised it by content)."""
    return _Extractor(path, text, value, parse_result.locator, list(parse_result.duplicates)).run()


def read_template(path: str, text: str, template: dict, locator: Any, duplicates: list) -> SourceResult:
    """A template held inside another file (``resources`` of a ``serverless.yml``):
    ``locator`` answers pointers from the template's root (``/Resources/...``) and
    ``duplicates`` are relative to it."""
    return _Extractor(path, text, template, locator, duplicates).run()


def _syntax(path: str, text: str, problems: list, locator: Any) -> SourceResult:
    doc = Document(path, None, DocumentKind.IDENTITY, locator, kind_source="location", syntax_problems=list(problems))
    return SourceResult(documents=[doc], text=text)


def _sam_managed_arn(name: str) -> str:
    """The ARN SAM expands an AWS managed policy name to: the catalog knows
    each policy's path (``service-role/``, ``job-function/`` ...); an unknown
    name keeps the plain ``arn:aws:iam::aws:policy/<name>`` (IAM402 reports it)."""
    policy = managed_policies.get(name)
    if policy is not None and policy.name == name:
        return policy.arn()
    if policy is not None:  # SAM matches names exactly: a wrong case does not resolve
        return f"arn:aws:iam::aws:policy/{name}"
    path = "service-role/" if name in SAM_SERVICE_ROLE_POLICIES else ""
    return f"arn:aws:iam::aws:policy/{path}{name}"


# --------------------------------------------------------------------------
# extraction


def _ptr(*tokens: Any) -> str:
    return "".join("/" + escape_pointer_token(t) for t in tokens)


def _property_values(node: Any, names: list[str], pointer: str) -> list[tuple[Any, str]]:
    """(pointer, value) of the property at ``names`` under ``node`` (a template
    mapping), ``"*"`` matching every element of a list; absent parts yield nothing."""
    if not names:
        return [(pointer, node)]
    name, rest = names[0], names[1:]
    if name == "*":
        if not isinstance(node, list):
            return []
        return [found for i, item in enumerate(node) for found in _property_values(item, rest, f"{pointer}/{i}")]
    if not isinstance(node, dict) or name not in node:
        return []
    return _property_values(node[name], rest, f"{pointer}/{escape_pointer_token(name)}")


def _as_list(value: Any, pointer: str) -> list[tuple[Any, str]]:
    if isinstance(value, list):
        return [(v, f"{pointer}/{i}") for i, v in enumerate(value)]
    if value is None:
        return []
    return [(value, pointer)]


def _names_resource(ref: Any, resources: Any) -> bool:
    """Whether ``ref`` refers to a resource of the template (``!Ref X``, ``!GetAtt X.Arn``)."""
    if not isinstance(ref, dict) or len(ref) != 1 or not isinstance(resources, dict):
        return False
    target = ref.get("Ref")
    getatt = ref.get("Fn::GetAtt")
    if isinstance(getatt, list) and getatt:
        target = getatt[0]
    elif isinstance(getatt, str):
        target = getatt.split(".", 1)[0]
    return isinstance(target, str) and target in resources


def _written(ref: Any) -> str | None:
    """A target as the template writes it: ``bob``, ``!Ref Name``, ``!ImportValue Shared``."""
    if isinstance(ref, str):
        return ref or None
    if isinstance(ref, dict) and len(ref) == 1:
        ((fn, arg),) = ref.items()
        tag = "!Ref" if fn == "Ref" else "!" + str(fn).removeprefix("Fn::")
        text = arg if isinstance(arg, str) else json.dumps(arg, separators=(",", ":"), default=str)
        return f"{tag} {text}"
    return None


def _ignore_list(resource: dict) -> list[str]:
    meta = resource.get("Metadata")
    own = meta.get("iamlint") if isinstance(meta, dict) else None
    ignore = own.get("ignore") if isinstance(own, dict) else None
    if isinstance(ignore, str):
        return [ignore]
    if isinstance(ignore, list):
        return [str(i) for i in ignore if isinstance(i, (str, int))]
    return []


class _Extractor:
    def __init__(self, path: str, text: str, template: dict, locator: Any, duplicates: list) -> None:
        self.path, self.text, self.template, self.locator = path, text, template, locator
        self.duplicates = duplicates
        self.resolver = Resolver(template, budget_for(len(text)))
        #: id(node) -> pointer of every container of the template, built when a
        #: value was left unevaluated and its intrinsic must be located
        self._pointers: dict[int, str] | None = None
        self.documents: list[Document] = []
        #: the template's principals by logical id (declarations, assembled at the end)
        self.principals: dict[str, Principal] = {}
        #: what the resources declare about principals, in template order: access
        #: keys (a key of a user the template does not define is located at the
        #: key), then policies and attachments, then memberships
        self.keys: list[Declaration] = []
        self.policy_links: list[Declaration] = []
        self.memberships: list[Declaration] = []
        #: a user's ``Groups``: (user's logical id, group as written, its name)
        self.user_groups: list[tuple[str, Any, str | None]] = []
        self.roles: list[Role] = []
        #: logical id of a managed policy -> its document
        self.managed_docs: dict[str, Document] = {}
        #: IAM names given in the template (RoleName ...) -> logical id
        self.names: dict[tuple[str, str], str] = {}
        #: attachments whose policy may be defined further down: (attachment, ARN as written)
        self.unlinked: list[tuple[Attachment, Any]] = []
        #: customer managed policy references, by name: (attachment, name)
        self.references: list[tuple[Attachment, Any]] = []
        #: logical ids of managed policies whose Roles/Users/Groups name principals
        self.attached_managed: set[str] = set()

    # -- helpers -------------------------------------------------------------
    def _document(
        self, lid: str, resource: dict, pointer: str, raw: Any, kind: str, extra_meta: dict | None = None
    ) -> Document | None:
        """The policy written at template ``pointer`` (None when it is absent or
        wholly unresolvable, e.g. ``!If`` around the whole document)."""
        value = self.resolver.resolve(raw)
        notices = self._notices(value, pointer)
        if value is None or (isinstance(value, Opaque) and not notices):
            return None
        locator: Any = PrefixLocator(self.locator, pointer)
        fallback = self.locator.span(pointer) or self.locator.span(_ptr("Resources", lid)) or _START
        problems: list[SyntaxProblem] = []
        if isinstance(value, str):  # a policy written as a JSON string
            try:
                value = json.loads(value)
            except ValueError:
                # IAM001 at the string, with the JSON parser's own reason
                found = parse(value).problems
                reason = found[0].message if found else "not valid JSON"
                problems.append(SyntaxProblem(f"{reason} (in this JSON string)", fallback))
                value = None
            locator = NodeLocator(self.locator, pointer)
        duplicates = [
            (p[len(pointer) :], k, s) for p, k, s in self.duplicates if p == pointer or p.startswith(pointer + "/")
        ]
        meta = {"ignore": _ignore_list(resource), "resource_type": resource.get("Type"), "logical_id": lid}
        meta.update(extra_meta or {})
        doc = Document(
            self.path,
            value,
            kind,
            locator,
            owner=lid,
            kind_source="location",
            duplicates=duplicates,
            fallback_span=fallback,
            meta=meta,
            notices=notices,
            syntax_problems=problems,
        )
        self.documents.append(doc)
        return doc if value is not None else None

    def _notices(self, value: Any, pointer: str) -> list[Notice]:
        """One notice per intrinsic left :class:`Unevaluated` in ``value`` (a
        resolved policy), at that intrinsic in the template.  Costs nothing
        unless the template's evaluation budget ran out."""
        if not self.resolver.unevaluated:
            return []
        found: dict[int, Unevaluated] = {}
        seen: set[int] = set()
        stack = [value]
        while stack:  # the value may share containers (the resolver's memo): visit each once
            node = stack.pop()
            if isinstance(node, Unevaluated):
                found.setdefault(id(node.node), node)
            elif isinstance(node, (dict, list)) and id(node) not in seen:
                seen.add(id(node))
                stack.extend(node.values() if isinstance(node, dict) else node)
        fallback = self.locator.span(pointer) or _START
        budget = self.resolver.budget
        return [
            Notice(
                f"{u.function} here would take iamlint past its evaluation budget for this template "
                f"({budget:,} bytes of values): the value is not evaluated and is treated as unknown",
                self._span_of(u.node) or fallback,
            )
            for u in found.values()
        ]

    def _span_of(self, node: Any) -> Span | None:
        """Where a node of the template (found by identity) is written."""
        if self._pointers is None:
            self._pointers = {}
            stack: list[tuple[Any, str]] = [(self.template, "")]
            while stack:
                item, pointer = stack.pop()
                if id(item) in self._pointers:
                    continue
                self._pointers[id(item)] = pointer
                if isinstance(item, dict):
                    stack.extend(
                        (v, f"{pointer}/{escape_pointer_token(k)}")
                        for k, v in item.items()
                        if isinstance(v, (dict, list))
                    )
                else:
                    stack.extend((v, f"{pointer}/{i}") for i, v in enumerate(item) if isinstance(v, (dict, list)))
        found = self._pointers.get(id(node))
        return None if found is None else self.locator.span(found)

    def _resource_document(self, lid: str, resource: dict) -> Document:
        base = _ptr("Resources", lid)
        return Document(
            self.path,
            self.resolver.resolve(resource),
            "role",
            PrefixLocator(self.locator, base),
            owner=lid,
            kind_source="location",
            fallback_span=self.locator.span(base) or _START,
            meta={"ignore": _ignore_list(resource), "resource_type": resource.get("Type"), "logical_id": lid},
        )

    def _target(self, ref: Any, principal_type: str, res: dict | None = None, pointer: str | None = None) -> Target:
        """The role/user/group ``ref`` names: a principal of this template by
        logical id (``!Ref Role``) or by its IAM name, else (given where it is
        named) an external principal."""
        external = self._external(ref, principal_type, res, pointer) if res is not None else None
        if isinstance(ref, dict) and set(ref) == {"Ref"} and isinstance(ref["Ref"], str):
            return Target(principal_type, key=ref["Ref"], external=external)
        resolved = self.resolver.resolve(ref)
        if isinstance(resolved, str):
            lid = self.names.get((principal_type, resolved))
            if lid is not None:
                return Target(principal_type, key=lid, external=external)
        return Target(principal_type, external=external)

    def _external_name(self, ref: Any) -> tuple[str | None, str | None]:
        """(join key, name as written) of a principal ``ref`` names without this
        template declaring it: ``"bob"``, a parameter, ``!ImportValue ...``; (None,
        None) for a reference to a resource of the template (never external)."""
        if _names_resource(ref, self.template.get("Resources")):
            return None, None
        resolved = self.resolver.resolve(ref)
        written = _written(ref)
        if isinstance(resolved, str) and resolved and "${" not in resolved:
            return resolved, written if is_intrinsic(ref) else resolved
        return written, written

    def _external(self, ref: Any, ptype: str, res: dict, pointer: str | None) -> External | None:
        """The principal a policy, membership or key names without this template
        declaring it (``Roles: [ExistingRole]``, ``Users: [!ImportValue CiUser]``):
        one per name, declared at the first place it is named (``pointer``; None:
        only one another declaration declared)."""
        key, written = self._external_name(ref)
        if key is None or written is None:
            return None
        if pointer is None:
            return External(key, written)

        def resource() -> Document:
            return Document(
                self.path,
                {"type": "external", "principal_type": ptype, "name": written},
                "role",
                MappedLocator(self.locator, {"": pointer}),
                owner=written,
                kind_source="location",
                fallback_span=self.locator.span(pointer) or _START,
                meta={"ignore": _ignore_list(res), "resource_type": res.get("Type")},
            )

        return External(key, written, resource)

    def _managed_ref(self, raw: Any) -> Document | None:
        """The customer managed policy of this template an ARN value names."""
        if isinstance(raw, dict) and len(raw) == 1:
            if isinstance(raw.get("Ref"), str):
                return self.managed_docs.get(raw["Ref"])
            getatt = raw.get("Fn::GetAtt")
            if isinstance(getatt, list) and getatt and isinstance(getatt[0], str):
                return self.managed_docs.get(getatt[0])
            if isinstance(getatt, str):
                return self.managed_docs.get(getatt.split(".", 1)[0])
        return None

    def _attachment(self, raw: Any, pointer: str) -> Attachment:
        attachment = Attachment(self.resolver.resolve(raw), pointer)
        # the managed policy may be defined further down: linked once all are read
        self.unlinked.append((attachment, raw))
        return attachment

    # -- run -------------------------------------------------------------------
    def run(self) -> SourceResult:
        resources = self.template.get("Resources")
        if not isinstance(resources, dict):
            return SourceResult(text=self.text)
        # principals first, so that policies can attach to them
        for lid, res in resources.items():
            if isinstance(res, dict) and res.get("Type") in (*PRINCIPAL_TYPES, "AWS::IAM::ServiceLinkedRole"):
                self._principal(str(lid), res)
        for lid, res in resources.items():
            if not isinstance(res, dict) or not isinstance(res.get("Type"), str):
                continue
            lid = str(lid)
            rtype = res["Type"]
            props = res.get("Properties")
            props = props if isinstance(props, dict) else {}
            base = _ptr("Resources", lid, "Properties")
            if rtype in apigateway.READ_TYPES:  # OpenAPI bodies, SAM Auth.ResourcePolicy
                self.documents.extend(apigateway.read(self, lid, res, _ignore_list(res)))
            if rtype in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                self._policy_resource(lid, res, props, base, managed=rtype == "AWS::IAM::ManagedPolicy")
            elif rtype in INLINE_POLICY_TYPES:
                self._inline_policy_resource(lid, res, props, base, *INLINE_POLICY_TYPES[rtype])
            elif rtype == "AWS::IAM::AccessKey":
                self._access_key(lid, res, props)
            elif rtype == "AWS::IAM::UserToGroupAddition":
                self._group_addition(res, props, base)
            elif rtype == "AWS::Lambda::Permission":
                self._lambda_permission(lid, res, props, base)
            elif rtype in ("AWS::Serverless::Function", "AWS::Serverless::StateMachine"):
                self._sam_function(lid, res, props, base)
            elif rtype == "AWS::Events::EventBusPolicy":
                if "Statement" in props:
                    self._document(
                        lid,
                        res,
                        base,
                        {"Version": "2012-10-17", "Statement": props["Statement"]},
                        DocumentKind.RESOURCE,
                    )
            elif rtype in RESOURCE_POLICIES:
                for path in RESOURCE_POLICIES[rtype]:
                    for pointer, raw in _property_values(props, path.split("/"), base):
                        self._document(lid, res, pointer, raw, DocumentKind.RESOURCE)
            elif rtype == "AWS::Organizations::Policy":
                ptype = self.resolver.resolve(props.get("Type"))
                kind = ORGANIZATIONS_POLICY_KINDS.get(ptype) if isinstance(ptype, str) else None
                if kind is not None and "Content" in props:
                    self._document(lid, res, f"{base}/Content", props["Content"], kind)
        self.documents.extend(apigateway.read_globals(self, self.template))
        for attachment, raw in self.unlinked:
            attachment.document = self._managed_ref(raw)
        for attachment, name in self.references:
            self._link_reference(attachment, name)
        groups = [Membership(Target("user", key=lid), self._group(g), name) for lid, g, name in self.user_groups]
        self.roles = assemble([*self.principals.values(), *self.keys, *self.policy_links, *groups, *self.memberships])
        self._boundary_kinds()
        return SourceResult(documents=self.documents, roles=self.roles, text=self.text)

    def _boundary_kinds(self) -> None:
        """A managed policy of this template that a ``PermissionsBoundary``
        names and that is attached to nobody (no ``ManagedPolicyArns`` names
        it, its own ``Roles``/``Users``/``Groups`` are empty) is a boundary:
        kind boundary.  Both a boundary and a permission policy, it stays
        identity (it grants)."""
        attached = {id(a.document) for r in self.roles for a in r.managed if a.document is not None}
        attached |= {id(self.managed_docs[lid]) for lid in self.attached_managed if lid in self.managed_docs}
        for role in self.roles:
            doc = role.boundary.document if role.boundary is not None else None
            if doc is not None and id(doc) not in attached:
                doc.kind = DocumentKind.BOUNDARY

    # -- roles, users, groups ------------------------------------------------
    def _principal(self, lid: str, res: dict) -> None:
        rtype = res["Type"]
        props = res.get("Properties")
        props = props if isinstance(props, dict) else {}
        base = _ptr("Resources", lid, "Properties")
        resource_doc = self._resource_document(lid, res)
        if rtype == "AWS::IAM::ServiceLinkedRole":
            service = self.resolver.resolve(props.get("AWSServiceName"))
            path: str | None = f"/aws-service-role/{service}/" if isinstance(service, str) else "/aws-service-role/"
            self.principals[lid] = Principal("role", lid, self.path, resource_doc, path=path, service_linked=True)
            return
        ptype = PRINCIPAL_TYPES[rtype]
        path = self.resolver.resolve(props.get("Path"))
        path = path if isinstance(path, str) else None
        service_linked = bool(path and path.startswith("/aws-service-role/"))
        extra = {"service_linked": True} if service_linked else {}
        name_key = {"role": "RoleName", "user": "UserName", "group": "GroupName", "permission_set": "Name"}[ptype]
        name = self.resolver.resolve(props.get(name_key))
        role = Principal(
            ptype,
            lid,
            self.path,
            resource_doc,
            name=name if isinstance(name, str) else None,
            path=path,
            meta={"ignore": _ignore_list(res)},
        )
        self.principals[lid] = role
        if isinstance(name, str):
            self.names[(ptype, name)] = lid
        if ptype == "permission_set":
            self._permission_set(lid, res, props, base, role)
            return
        if ptype == "role" and "AssumeRolePolicyDocument" in props:
            role.trust = self._document(
                lid,
                res,
                f"{base}/AssumeRolePolicyDocument",
                props["AssumeRolePolicyDocument"],
                DocumentKind.TRUST,
                extra,
            )
        for item, pointer in _as_list(props.get("Policies"), f"{base}/Policies"):
            if isinstance(item, dict) and "PolicyDocument" in item:
                pname = self.resolver.resolve(item.get("PolicyName"))
                doc = self._document(
                    lid,
                    res,
                    f"{pointer}/PolicyDocument",
                    item["PolicyDocument"],
                    DocumentKind.IDENTITY,
                    {**extra, "policy_name": pname if isinstance(pname, str) else None},
                )
                if doc is not None:
                    role.inline.append(doc)
        rel = "/Properties"
        raw_arns = props.get("ManagedPolicyArns")
        resolved_arns = self.resolver.resolve(raw_arns)
        if isinstance(raw_arns, list):
            for i, raw in enumerate(raw_arns):
                role.managed.append(self._attachment(raw, f"{rel}/ManagedPolicyArns/{i}"))
        elif raw_arns is not None and isinstance(resolved_arns, list):  # e.g. a list parameter's default
            for arn in resolved_arns:
                role.managed.append(Attachment(arn, f"{rel}/ManagedPolicyArns"))
        if "PermissionsBoundary" in props:
            role.boundary = self._attachment(props["PermissionsBoundary"], f"{rel}/PermissionsBoundary")
        if ptype == "user":
            for item, _ in _as_list(props.get("Groups"), ""):
                # the group may be declared further down: named once all are read
                self.user_groups.append((lid, item, self._resolved_name(item)))

    # -- IAM Identity Center permission sets ---------------------------------------
    def _permission_set(self, lid: str, res: dict, props: dict, base: str, pset: Principal) -> None:
        """``AWS::SSO::PermissionSet``: ``InlinePolicy`` (an object or a JSON
        string), ``ManagedPolicies`` (AWS managed policy ARNs),
        ``CustomerManagedPolicyReferences`` (policies by name, which live in the
        member accounts) and ``PermissionsBoundary``."""
        if "InlinePolicy" in props:
            doc = self._document(lid, res, f"{base}/InlinePolicy", props["InlinePolicy"], DocumentKind.IDENTITY)
            if doc is not None:
                pset.inline.append(doc)
        rel = "/Properties"
        raw_arns = props.get("ManagedPolicies")
        resolved_arns = self.resolver.resolve(raw_arns)
        if isinstance(raw_arns, list):
            for i, raw in enumerate(raw_arns):
                pset.managed.append(self._attachment(raw, f"{rel}/ManagedPolicies/{i}"))
        elif raw_arns is not None and isinstance(resolved_arns, list):
            pset.managed += [Attachment(arn, f"{rel}/ManagedPolicies") for arn in resolved_arns]
        for item, pointer in _as_list(
            props.get("CustomerManagedPolicyReferences"), f"{rel}/CustomerManagedPolicyReferences"
        ):
            reference = self._customer_reference(item, pointer)
            if reference is not None:
                pset.managed.append(reference)
        boundary = props.get("PermissionsBoundary")
        if isinstance(boundary, dict):
            if "ManagedPolicyArn" in boundary:
                pset.boundary = self._attachment(
                    boundary["ManagedPolicyArn"], f"{rel}/PermissionsBoundary/ManagedPolicyArn"
                )
            elif "CustomerManagedPolicyReference" in boundary:
                pset.boundary = self._customer_reference(
                    boundary["CustomerManagedPolicyReference"],
                    f"{rel}/PermissionsBoundary/CustomerManagedPolicyReference",
                )

    def _customer_reference(self, item: Any, pointer: str) -> Attachment | None:
        """A customer managed policy named by ``{Name, Path}`` (located at its
        ``Name``): the ``AWS::IAM::ManagedPolicy`` of this template with that
        ``ManagedPolicyName`` when there is one, else a policy of the member
        accounts that iamlint cannot see (its ARN stays opaque)."""
        if not isinstance(item, dict) or "Name" not in item:
            return None
        name = self.resolver.resolve(item["Name"])
        path = self.resolver.resolve(item.get("Path", "/"))
        label = f"{path if isinstance(path, str) else '/'}{name if isinstance(name, str) else '${Name}'}"
        attachment = Attachment(Opaque("${customer managed policy " + label + "}"), f"{pointer}/Name")
        self.references.append((attachment, name))
        return attachment

    def _link_reference(self, attachment: Attachment, name: Any) -> None:
        """A customer managed policy reference names the ``AWS::IAM::ManagedPolicy``
        of this template with that ``ManagedPolicyName``, if there is one."""
        if not isinstance(name, str):
            return
        for key, res in self.template["Resources"].items():
            doc = self.managed_docs.get(str(key))
            props = res.get("Properties") if doc is not None and isinstance(res, dict) else None
            if isinstance(props, dict) and self.resolver.resolve(props.get("ManagedPolicyName")) == name:
                attachment.arn, attachment.document = Opaque("${" + str(key) + "}"), doc
                return

    def _group(self, ref: Any) -> Target:
        """The group a membership names (``!Ref Group`` or its GroupName): of this
        template, or an external group a policy of the template names (a
        membership declares none)."""
        return self._target(ref, "group", {}, None)

    def _group_addition(self, res: dict, props: dict, base: str) -> None:
        """``AWS::IAM::UserToGroupAddition``: ``GroupName`` gets ``Users``."""
        group_ref = props.get("GroupName")
        if group_ref is None:
            return
        group = self._resolved_name(group_ref)
        for item, pointer in _as_list(props.get("Users"), f"{base}/Users"):
            user = self._target(item, "user", res, pointer)
            self.memberships.append(Membership(user, self._group(group_ref), group))

    def _resolved_name(self, item: Any) -> str | None:
        if (
            isinstance(item, dict)
            and set(item) == {"Ref"}
            and isinstance(item["Ref"], str)
            and item["Ref"] in self.principals
        ):
            return item["Ref"]
        value = self.resolver.resolve(item)
        return value if isinstance(value, str) else None

    # -- policies --------------------------------------------------------------
    def _policy_resource(self, lid: str, res: dict, props: dict, base: str, managed: bool) -> None:
        doc = self._document(
            lid,
            res,
            f"{base}/PolicyDocument",
            props.get("PolicyDocument"),
            DocumentKind.IDENTITY,
            {"managed_policy": managed},
        )
        if doc is None:
            return
        if managed:
            self.managed_docs[lid] = doc
            if any(props.get(key) for key in POLICY_TARGETS):
                self.attached_managed.add(lid)  # to principals, maybe outside this template
        for key, ptype in POLICY_TARGETS.items():
            for item, pointer in _as_list(props.get(key), f"{base}/{key}"):
                target = self._target(item, ptype, res, pointer)
                if managed:  # located at the principal
                    self.policy_links.append(
                        PolicyAttachment(target, Opaque("${" + lid + "}"), document=doc, pointer="")
                    )
                else:
                    self.policy_links.append(InlinePolicy(target, doc))

    def _inline_policy_resource(self, lid: str, res: dict, props: dict, base: str, name_key: str, ptype: str) -> None:
        doc = self._document(lid, res, f"{base}/PolicyDocument", props.get("PolicyDocument"), DocumentKind.IDENTITY)
        if doc is None or name_key not in props:
            return

        self.policy_links.append(InlinePolicy(self._target(props[name_key], ptype, res, f"{base}/{name_key}"), doc))

    # -- long-term credentials ---------------------------------------------------
    def _access_key(self, lid: str, res: dict, props: dict) -> None:
        """``AWS::IAM::AccessKey``: recorded on its user (``Role.access_keys``,
        located at the key's logical id) for IAM405.  A key of a user this template does not define
        (a literal name, an import) gets a user of its own, so it is still seen."""
        if self.resolver.resolve(props.get("Status")) == "Inactive":
            return  # an inactive key cannot sign requests
        raw = props.get("UserName")
        key_doc = self._resource_document(lid, res)
        user = self._target(raw, "user") if raw is not None else Target("user")
        key, _written = self._external_name(raw)
        label = key if key is not None else f"UserName of {lid}"
        user.external = External(label, label, lambda: key_doc)  # located at the key
        # the finding lands on the key's logical id (Report at_key, pointer "")
        self.keys.append(AccessKeyDeclaration(user, lid, document=key_doc))

    # -- Lambda permissions ------------------------------------------------------
    def _lambda_permission(self, lid: str, res: dict, props: dict, base: str) -> None:
        """``AWS::Lambda::Permission`` as the statement it adds to the function's
        resource policy, each element located at the property it comes from."""
        if "Principal" not in props:
            return
        resolve = self.resolver.resolve
        principal = resolve(props["Principal"])
        if isinstance(principal, str) and principal == "*":
            principal_value: Any = "*"
            principal_ptr = "/Statement/0/Principal"
        else:
            ptype = (
                "Service"
                if isinstance(principal, str) and principal.endswith((".amazonaws.com", ".amazon.com"))
                else "AWS"
            )
            principal_value = {ptype: principal}
            principal_ptr = f"/Statement/0/Principal/{ptype}"
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": principal_value,
            "Action": resolve(props.get("Action", "lambda:InvokeFunction")),
            "Resource": resolve(props.get("FunctionName", Opaque("${FunctionName}"))),
        }
        mapping = {
            "": base,
            "/Statement": base,
            "/Statement/0": base,
            "/Statement/0/Principal": f"{base}/Principal",
            principal_ptr: f"{base}/Principal",
            "/Statement/0/Action": f"{base}/Action",
            "/Statement/0/Resource": f"{base}/FunctionName",
        }
        conditions: dict[str, dict[str, Any]] = {}
        for prop, operator, key in (
            ("SourceArn", "ArnLike", "AWS:SourceArn"),
            ("SourceAccount", "StringEquals", "AWS:SourceAccount"),
            ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
            ("FunctionUrlAuthType", "StringEquals", "lambda:FunctionUrlAuthType"),
            ("EventSourceToken", "StringEquals", "lambda:EventSourceToken"),
        ):
            if prop in props:
                conditions.setdefault(operator, {})[key] = resolve(props[prop])
                mapping[f"/Statement/0/Condition/{operator}/{escape_pointer_token(key)}"] = f"{base}/{prop}"
        if conditions:
            statement["Condition"] = conditions
            mapping["/Statement/0/Condition"] = base
        value = {"Version": "2012-10-17", "Statement": [statement]}
        doc = Document(
            self.path,
            value,
            DocumentKind.RESOURCE,
            MappedLocator(self.locator, mapping),
            owner=lid,
            kind_source="location",
            fallback_span=self.locator.span(base) or _START,
            notices=self._notices(value, base),
            meta={
                "ignore": _ignore_list(res),
                "resource_type": res.get("Type"),
                "logical_id": lid,
                "synthesized": True,
            },
        )
        self.documents.append(doc)

    # -- SAM ---------------------------------------------------------------------
    def _sam_function(self, lid: str, res: dict, props: dict, base: str) -> None:
        """SAM ``Policies``: inline statements, managed policy names or ARNs, and
        SAM policy templates (``S3ReadPolicy: {...}``, skipped: SAM expands them)."""
        if "Policies" not in props:
            return
        role: Principal | None = None
        if "Role" not in props:  # SAM creates the execution role
            role = Principal(
                "role",
                lid,
                self.path,
                self._resource_document(lid, res),
                meta={"sam": True, "ignore": _ignore_list(res)},
            )
            self.principals[lid] = role
        for item, pointer in _as_list(props["Policies"], f"{base}/Policies"):
            rel = pointer[len(_ptr("Resources", lid)) :]
            if isinstance(item, dict) and not is_intrinsic(item):
                if "Statement" in item:
                    doc = self._document(lid, res, pointer, item, DocumentKind.IDENTITY, {"sam": True})
                    if doc is not None and role is not None:
                        role.inline.append(doc)
                continue  # a SAM policy template
            if role is None:
                continue
            if isinstance(item, str) and not item.startswith("arn:") and _MANAGED_NAME.fullmatch(item):
                role.managed.append(Attachment(_sam_managed_arn(item), rel))
            else:
                role.managed.append(self._attachment(item, rel))
