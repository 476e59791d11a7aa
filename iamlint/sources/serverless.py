"""Serverless Framework ``serverless.yml`` / ``serverless.yaml``: the policies it holds.

A thin syntax adapter: nothing is executed and no file a variable names is read
(``serverless.ts`` / ``.js`` are never read at all).  What Serverless deploys
from the file, read with the positions of :mod:`iamlint.sources.yamlpos`:

* the default Lambda execution role, ``IamRoleLambdaExecution`` (as Serverless
  names it), with the trust Serverless generates (``lambda.amazonaws.com``;
  synthesized, so it is marked ``meta["synthesized"]``, located at the
  ``provider`` key and not linted as a document: no finding lands in text the
  user did not write);
* its inline policy: ``provider.iam.role.statements`` (v3+) and the older
  ``provider.iamRoleStatements``, one identity document each, every pointer
  located at the statement the user wrote;
* its managed policies (``provider.iam.role.managedPolicies``, older
  ``provider.iamManagedPolicies``) and permissions boundary
  (``provider.iam.role.permissionsBoundary``, older
  ``provider.rolePermissionsBoundary``), located at each ARN;
* what ``resources.extensions.IamRoleLambdaExecution.Properties`` sets on
  that role: Serverless assigns each property over the generated one, so its
  ``Policies``, ``ManagedPolicyArns``, ``PermissionsBoundary`` and
  ``AssumeRolePolicyDocument`` replace the provider's (a replaced policy is
  deployed nowhere and not linted);
* ``resources.Resources``: a CloudFormation Resources section, read by
  :func:`iamlint.sources.cloudformation.read_template` with positions in this file.
  An ``IamRoleLambdaExecution`` there is deep-merged by Serverless (lodash
  ``merge``) over the role it generates: one principal, the user's trust
  replacing the generated one, the user's ``Policies`` and
  ``ManagedPolicyArns`` added to the provider's (lodash merges lists element
  by element; reading both in full lints all that may be deployed), the
  user's boundary and path replacing the provider's;
* with the ``serverless-iam-roles-per-function`` plugin listed in
  ``plugins``: a role per function that has ``iamRoleStatements``, named
  ``<NormalizedFunctionName>IamRoleLambdaExecution`` as the plugin names it
  (``iamRoleStatementsName`` is its IAM name, kept in ``meta["role_name"]``),
  with the generated role's trust and path, the function's statements (and
  the provider's with ``iamRoleStatementsInherit`` / ``defaultInherit``), no
  managed policy, and ``iamPermissionsBoundary`` or the plugin's
  ``iamGlobalPermissionsBoundary``.  Without the plugin those keys do nothing
  and are not read.  A function with ``role`` uses that role: no principal.

The generated roles are :class:`~iamlint.model.declarations.Principal`
declarations (the overrides and extensions above change them as Serverless
does), built by :func:`~iamlint.sources.assemble.assemble` like every reader's.

``provider.iam.role`` (or the older ``provider.role``) given as an ARN, a name
or an intrinsic names an existing role: Serverless creates none and ignores
the statements, managed policies and boundary written for the generated
role, so there is no principal and those statements are not linted (dead
configuration: they grant nothing).

Serverless variables (``${self:custom.x}``, ``${opt:stage}``, ``${env:X}``,
``${sls:stage}``, ``${aws:accountId}``, ``${ssm:...}``, ``${file(...)}`` ...)
are resolved by Serverless at deploy time from outside the file: a string that
holds one becomes :class:`~iamlint.model.policy.Opaque` (unknown, never a
wildcard, never malformed), except that ``${self:...}`` naming a plain value
of the same file is substituted (:class:`SelfVariables`).  IAM policy
variables (``${aws:username}``) and CloudFormation ``${AWS::Region}`` are not
Serverless variables and stay text.
"""

from __future__ import annotations

import re
from typing import Any

from iamlint.findings import Span
from iamlint.model.declarations import Principal
from iamlint.model.document import Document, NullLocator, PrefixLocator
from iamlint.model.policy import Opaque, escape_pointer_token
from iamlint.model.role import Attachment, Role
from iamlint.parsing.strict import SyntaxProblem
from iamlint.sources import cloudformation, markers, yamlpos
from iamlint.sources.assemble import assemble
from iamlint.sources.intrinsics import Resolver, budget_for, is_intrinsic
from iamlint.sources.result import SourceResult
from iamlint.vocabulary import DocumentKind

#: file names the Serverless Framework reads its configuration from (YAML only)
FILE_NAMES = ("serverless.yml", "serverless.yaml")
#: the logical id Serverless gives the default Lambda execution role
ROLE_ID = "IamRoleLambdaExecution"
#: the trust policy Serverless generates for that role
LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}
    ],
}

#: the plugin that gives functions roles of their own (``functions.<name>.iamRoleStatements``)
PLUGIN = "serverless-iam-roles-per-function"

_START = Span(1, 1, 1, 2)
#: ``${source:...}`` / ``${source(...)...}`` of Serverless's variable sources
#: (v3 and v4); ``aws:`` only for the two addresses Serverless resolves
_VARIABLE = re.compile(
    r"\$\{\s*(?:"
    r"(?:self|opt|env|sls|ssm|s3|cf|param|file|strToBool|git|vault|terraform|doppler|state)\s*[:(.]"
    r"|aws:(?:accountId|region)\b"
    r")"
)


def normalized_function_name(name: str) -> str:
    """Serverless's ``getNormalizedFunctionName``: ``-`` is ``Dash``, ``_`` is
    ``Underscore``, the first letter upper case (``get-user`` -> ``GetDashuser``)."""
    name = name.replace("-", "Dash").replace("_", "Underscore")
    return name[:1].upper() + name[1:]


def is_serverless_path(path: str) -> bool:
    """``serverless.yml`` / ``serverless.yaml`` in any directory."""
    return path.replace("\\", "/").rsplit("/", 1)[-1].lower() in FILE_NAMES


def looks_like_serverless(value: Any) -> bool:
    """A Serverless configuration for AWS: ``service`` and ``provider`` at the
    top level, the provider named ``aws`` (a variable there is taken as aws)."""
    if not isinstance(value, dict) or "service" not in value:
        return False
    provider = value.get("provider")
    if isinstance(provider, str):
        return provider == "aws"
    if not isinstance(provider, dict):
        return False
    name = provider.get("name")
    return name == "aws" or (isinstance(name, str) and _VARIABLE.search(name) is not None)


def read(path: str, text: str, kind: str | None) -> SourceResult:
    """A file named ``serverless.yml``: a Serverless configuration is read
    here; any other YAML of that name is read as CloudFormation would be
    (which skips what is not a template)."""
    loaded = yamlpos.load(text)
    if loaded.problems:
        if markers.serverless_is_iam(text):
            return _syntax(path, text, loaded.problems, loaded.locator)
        return cloudformation.read(path, text, kind)
    if not looks_like_serverless(loaded.value):
        return cloudformation.read(path, text, kind)
    try:
        return _Reader(path, text, loaded).run()
    except RecursionError:  # the loader took it, but what is built from it goes deeper
        return _syntax(path, text, [SyntaxProblem("YAML nesting is too deep to read", _START)], loaded.locator)


def _syntax(path: str, text: str, problems: list, locator: Any) -> SourceResult:
    doc = Document(path, None, DocumentKind.IDENTITY, locator, kind_source="location", syntax_problems=list(problems))
    return SourceResult(documents=[doc], text=text)


# --------------------------------------------------------------------------
# variables


def has_variable(text: str) -> bool:
    """Whether ``text`` holds a Serverless variable (``${self:...}``, ``${opt:...}`` ...)."""
    return "${" in text and _VARIABLE.search(text) is not None


def opaque_variables(value: Any, root: Any = None) -> Any:
    """``value`` with every string that holds a Serverless variable replaced by
    :class:`Opaque` (its text kept as the rendering); keys are left as written.
    With ``root`` (the whole configuration), ``${self:...}`` variables that name
    a plain value of the same file are substituted first (:class:`SelfVariables`)."""
    selves = SelfVariables(root) if isinstance(root, dict) else None

    def walk(node: Any) -> Any:
        if isinstance(node, str):
            if not has_variable(node):
                return node
            resolved = selves.substitute(node) if selves is not None else None
            return Opaque(node) if resolved is None else resolved
        if isinstance(node, dict):
            return {k: walk(v) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(value)


class _Unresolved(Exception):
    pass


class SelfVariables:
    """``${self:custom.bucket}``: a variable that names a value of the same
    file, substituted when that value is a plain scalar (a string, itself
    resolved the same way, a number or a boolean) and the variable has no
    default or nested variable.  ``provider.stage`` / ``provider.region`` are
    never substituted (``--stage`` / ``--region`` may replace them).  A chain
    longer than :data:`MAX_CHAIN` or a cycle stays unresolved; what is built is
    bounded by :data:`MAX_LENGTH` characters a string."""

    MAX_CHAIN = 10
    MAX_LENGTH = 4096
    _REF = re.compile(r"\$\{\s*self:([\w.\-]+)\s*\}")
    _DEPLOY_TIME = ("provider.stage", "provider.region")

    def __init__(self, root: dict) -> None:
        self.root = root
        self._memo: dict[str, str | None] = {}
        self._active: list[str] = []

    def substitute(self, text: str) -> str | None:
        """``text`` with its ``${self:...}`` variables substituted, or None when
        a Serverless variable would remain."""
        if "self:" not in text:
            return None

        def one(match: re.Match[str]) -> str:
            found = self.lookup(match.group(1))
            if found is None:
                raise _Unresolved
            return found

        try:
            out = self._REF.sub(one, text)
        except _Unresolved:
            return None
        return None if len(out) > self.MAX_LENGTH or has_variable(out) else out

    def lookup(self, address: str) -> str | None:
        if address in self._memo:
            return self._memo[address]
        if address in self._active or len(self._active) >= self.MAX_CHAIN:
            return None  # a cycle, or a chain too long to follow
        if any(address == d or address.startswith(d + ".") for d in self._DEPLOY_TIME):
            return None
        node: Any = self.root
        for part in address.split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        found: str | None = None
        if isinstance(node, bool):
            found = "true" if node else "false"
        elif isinstance(node, (int, float)):
            found = str(node)
        elif isinstance(node, str):
            self._active.append(address)
            try:
                found = self.substitute(node) if has_variable(node) else node
            finally:
                self._active.pop()
        self._memo[address] = found
        return found


# --------------------------------------------------------------------------
# locators


class StatementsLocator:
    """The inline policy Serverless builds from a list of statements written at
    ``base``: ``/Statement/...`` is ``base/...``; the synthesized top
    (``""``, ``/Version``) is located at the list."""

    def __init__(self, locator: Any, base: str) -> None:
        self.locator, self.base = locator, base

    def _pointer(self, pointer: str) -> str | None:
        if pointer == "/Statement" or pointer == "":
            return self.base
        if pointer.startswith("/Statement/"):
            return self.base + pointer[len("/Statement") :]
        return None

    def span(self, pointer: str) -> Span | None:
        found = self._pointer(pointer)
        return self.locator.span(found) if found is not None else None

    def key_span(self, pointer: str) -> Span | None:
        found = self._pointer(pointer)
        return self.locator.key_span(found) if found is not None else None


# --------------------------------------------------------------------------
# reading


class _Reader:
    def __init__(self, path: str, text: str, loaded: yamlpos.YamlResult) -> None:
        self.path, self.text, self.loaded = path, text, loaded
        self.locator = loaded.locator
        self.config: dict = opaque_variables(loaded.value, loaded.value)
        self.documents: list[Document] = []
        self.roles: list[Role] = []
        #: the inline policies of the provider's statements (``iam`` / ``old`` keys)
        self.provider_statements: dict[str, Document | None] = {}
        #: the roles Serverless (and the per-function plugin) generate, declared
        #: (assembled with the others at the end, see :func:`assemble`)
        self.generated: list[Principal] = []
        self.default_role: Principal | None = None
        #: documents of the generated role that ``resources.extensions`` replaced
        self.replaced: list[Document] = []
        #: CloudFormation templates of ``resources`` (pointer of each, template)
        self.templates = self._templates()
        # intrinsics in provider statements resolve against the (first) template
        first = self.templates[0][1] if self.templates else {}
        self.resolver = Resolver(first, budget_for(len(text)))

    def _templates(self) -> list[tuple[str, dict]]:
        resources = self.config.get("resources")
        if isinstance(resources, dict):
            return [("/resources", resources)]
        if isinstance(resources, list):  # several fragments, each with Resources (or a ${file(...)})
            return [(f"/resources/{i}", r) for i, r in enumerate(resources) if isinstance(r, dict)]
        return []

    def _duplicates(self, base: str, rebase: str = "") -> list[tuple[str, str, Span]]:
        return [
            (rebase + p[len(base) :], k, s)
            for p, k, s in self.loaded.duplicates
            if p == base or p.startswith(base + "/")
        ]

    def run(self) -> SourceResult:
        for base, template in self.templates:
            result = cloudformation.read_template(
                self.path, self.text, template, PrefixLocator(self.locator, base), self._duplicates(base)
            )
            self.documents += result.documents
            self.roles += result.roles
        provider = self.config.get("provider")
        if isinstance(provider, dict):
            self._provider(provider)
        self._functions()
        self.roles += assemble(self.generated)
        if self.replaced:  # policies an extension replaced and no role holds
            held = {id(d) for r in self.roles for d in (r.trust, *r.inline) if d is not None}
            gone = {id(d) for d in self.replaced} - held
            self.documents = [d for d in self.documents if id(d) not in gone]
        return SourceResult(documents=self.documents, roles=self.roles, text=self.text)

    # -- the provider's default role -------------------------------------------
    def _provider(self, provider: dict) -> None:
        iam = provider.get("iam")
        iam = iam if isinstance(iam, dict) else {}
        role_spec = iam.get("role")
        # an ARN, a name, an intrinsic or a variable: an existing role
        named = role_spec is not None and (not isinstance(role_spec, dict) or is_intrinsic(role_spec))
        if "role" in provider or named:
            # an existing role: Serverless creates none and ignores the statements,
            # managed policies and boundary written for the generated role (dead
            # configuration: no principal, and nothing to lint as a grant)
            return
        spec: dict = role_spec if isinstance(role_spec, dict) else {}
        self.provider_statements = {
            key: self._statements(raw, pointer)
            for key, raw, pointer in (
                ("iam", spec.get("statements"), "/provider/iam/role/statements"),
                ("old", provider.get("iamRoleStatements"), "/provider/iamRoleStatements"),
            )
        }
        inline = [doc for doc in self.provider_statements.values() if doc is not None]
        resource, trust = self._role_documents(ROLE_ID)
        path = self.resolver.resolve(spec.get("path"))
        role = Principal(
            "role",
            ROLE_ID,
            self.path,
            resource,
            path=path if isinstance(path, str) else None,
            meta={"ignore": [], "serverless": True},
        )
        role.trust, role.inline = trust, inline
        for raw, pointer in (
            *self._list(spec.get("managedPolicies"), "/provider/iam/role/managedPolicies"),
            *self._list(provider.get("iamManagedPolicies"), "/provider/iamManagedPolicies"),
        ):
            role.managed.append(self._attachment(raw, pointer))
        if spec.get("permissionsBoundary") is not None:
            role.boundary = self._attachment(spec["permissionsBoundary"], "/provider/iam/role/permissionsBoundary")
        elif provider.get("rolePermissionsBoundary") is not None:
            role.boundary = self._attachment(provider["rolePermissionsBoundary"], "/provider/rolePermissionsBoundary")
        # Serverless merges resources.Resources over the generated template, then
        # applies resources.extensions
        for base, template in self.templates:
            self._override(role, template, base)
        for base, template in self.templates:
            self._extension(role, template, base)
        self.generated.append(role)
        self.default_role = role

    def _role_documents(self, name: str) -> tuple[Document, Document]:
        """The ``role`` document of a role Serverless (or a plugin) generates and
        its synthesized Lambda trust.  The role is declared by the file as a
        whole (provider keys, functions, resources): attachments are located by
        pointers from the top of the file."""
        fallback = self.locator.key_span("/provider") or self.locator.span("/provider") or _START
        resource = Document(
            self.path,
            self.resolver.resolve(self.config),
            "role",
            self.locator,
            owner=name,
            kind_source="location",
            fallback_span=fallback,
            meta={"ignore": [], "logical_id": name, "serverless": True},
        )
        trust = Document(
            self.path,
            LAMBDA_TRUST,
            DocumentKind.TRUST,
            NullLocator(),
            owner=name,
            kind_source="location",
            fallback_span=fallback,
            meta={"synthesized": True, "logical_id": name, "serverless": True},
        )
        return resource, trust

    def _override(self, role: Principal, template: dict, base: str) -> None:
        """``resources.Resources.IamRoleLambdaExecution``: Serverless deep-merges
        it over the role it generates (lodash ``merge``), so there is one role.
        Read as: the user's ``AssumeRolePolicyDocument`` replaces the generated
        trust, the user's ``Policies`` add to the provider statements, the
        user's ``ManagedPolicyArns`` add to the provider's, the user's
        ``PermissionsBoundary`` and ``Path`` replace the provider's.  (lodash
        merges lists element by element, so the deployed lists may mix both;
        reading both in full lints everything that may be deployed.)"""
        resources = template.get("Resources")
        written = resources.get(ROLE_ID) if isinstance(resources, dict) else None
        if not isinstance(written, dict):
            return
        at = f"{base}/Resources/{ROLE_ID}"
        read = next((r for r in self.roles if r.name == ROLE_ID), None)
        if read is not None and read.principal_type == "role":
            # read by the CloudFormation reader (it has a Type): take its documents
            self.roles.remove(read)
            if read.trust is not None:
                role.trust = read.trust
            role.inline += read.inline
            for attachment in read.managed:
                attachment.pointer = at + attachment.pointer
                role.managed.append(attachment)
            if read.boundary is not None:
                read.boundary.pointer = at + read.boundary.pointer
                role.boundary = read.boundary
            if read.path is not None:
                role.path = read.path
            role.meta["ignore"] = [*role.meta.get("ignore", []), *read.meta.get("ignore", [])]
            return
        props = written.get("Properties")
        if "Type" not in written and isinstance(props, dict):
            # a partial override (no Type, which the generated role supplies)
            self._properties(role, props, f"{at}/Properties")
            path = self.resolver.resolve(props.get("Path"))
            if isinstance(path, str):
                role.path = path

    def _extension(self, role: Principal, template: dict, base: str) -> None:
        """``resources.extensions.IamRoleLambdaExecution.Properties``: Serverless
        assigns each property over the role's (``Object.assign``, after merging
        ``resources.Resources``), so ``Policies``, ``ManagedPolicyArns``,
        ``AssumeRolePolicyDocument`` and ``PermissionsBoundary`` written here
        replace the role's; the policies replaced are deployed nowhere and are
        not linted (unless a per-function role inherits them)."""
        extensions = template.get("extensions")
        ext = extensions.get(ROLE_ID) if isinstance(extensions, dict) else None
        props = ext.get("Properties") if isinstance(ext, dict) else None
        if not isinstance(props, dict):
            return
        if "Policies" in props:
            self.replaced += role.inline
            role.inline = []
        if "ManagedPolicyArns" in props:
            role.managed = []
        if "PermissionsBoundary" in props:
            role.boundary = None
        if "AssumeRolePolicyDocument" in props and role.trust is not None:
            self.replaced.append(role.trust)
        self._properties(role, props, f"{base}/extensions/{ROLE_ID}/Properties")

    def _properties(self, role: Principal, props: dict, at: str) -> None:
        """Role ``Properties`` written at ``at`` (a pointer from the top of the file)."""
        if isinstance(props.get("AssumeRolePolicyDocument"), dict):
            role.trust = self._document(
                props["AssumeRolePolicyDocument"], f"{at}/AssumeRolePolicyDocument", DocumentKind.TRUST
            )
        for item, pointer in self._list(props.get("Policies"), f"{at}/Policies"):
            if isinstance(item, dict) and isinstance(item.get("PolicyDocument"), dict):
                role.inline.append(
                    self._document(item["PolicyDocument"], f"{pointer}/PolicyDocument", DocumentKind.IDENTITY)
                )
        for raw, pointer in self._list(props.get("ManagedPolicyArns"), f"{at}/ManagedPolicyArns"):
            role.managed.append(self._attachment(raw, pointer))
        if props.get("PermissionsBoundary") is not None:
            role.boundary = self._attachment(props["PermissionsBoundary"], f"{at}/PermissionsBoundary")

    # -- per-function roles (serverless-iam-roles-per-function) ----------------
    def _plugin(self) -> bool:
        """Whether ``plugins`` lists serverless-iam-roles-per-function (or a fork
        of the same name: ``@scope/serverless-iam-roles-per-function``, ``...-v4``)."""
        plugins = self.config.get("plugins")
        if isinstance(plugins, dict):
            plugins = plugins.get("modules")
        return isinstance(plugins, list) and any(isinstance(p, str) and PLUGIN in p.rsplit("/", 1)[-1] for p in plugins)

    def _functions(self) -> None:
        """``functions.<name>.iamRoleStatements``: the plugin gives such a
        function a role of its own, ``<Name>IamRoleLambdaExecution``, cloned from
        the generated role (its trust and path), with the log statements, the
        function's statements (plus the provider's with
        ``iamRoleStatementsInherit``), no managed policy, and the function's
        ``iamPermissionsBoundary`` (or the plugin's global boundary).  A function
        with ``role`` uses that role (the plugin refuses both)."""
        functions = self.config.get("functions")
        base = self.default_role
        if not isinstance(functions, dict) or base is None or not self._plugin():
            return
        custom = self.config.get("custom")
        settings = custom.get(PLUGIN) if isinstance(custom, dict) else None
        settings = settings if isinstance(settings, dict) else {}
        global_boundary = settings.get("iamGlobalPermissionsBoundary")
        if global_boundary is not None:
            base.boundary = self._attachment(global_boundary, f"/custom/{PLUGIN}/iamGlobalPermissionsBoundary")
        provider = self.config.get("provider")
        old_style = not (isinstance(provider, dict) and "iam" in provider)
        inherited = self.provider_statements.get("old" if old_style else "iam")
        for fname, fn in functions.items():
            if not isinstance(fn, dict) or "iamRoleStatements" not in fn or fn.get("role") is not None:
                continue
            at = "/functions/" + escape_pointer_token(fname)
            name = normalized_function_name(str(fname)) + ROLE_ID
            resource, _ = self._role_documents(name)
            role_name = fn.get("iamRoleStatementsName")
            role = Principal(
                "role",
                name,
                self.path,
                resource,
                path=base.path,
                meta={
                    "ignore": [],
                    "serverless": True,
                    "function": fname,
                    **({"role_name": role_name} if isinstance(role_name, str) else {}),
                },
            )
            role.trust = base.trust
            inherit = fn.get("iamRoleStatementsInherit") is True or (
                settings.get("defaultInherit") is True and fn.get("iamRoleStatementsInherit") is not False
            )
            if inherit and inherited is not None:
                role.inline.append(inherited)
            own = self._statements(fn["iamRoleStatements"], f"{at}/iamRoleStatements", owner=name)
            if own is not None:
                role.inline.append(own)
            if fn.get("iamPermissionsBoundary") is not None:
                role.boundary = self._attachment(fn["iamPermissionsBoundary"], f"{at}/iamPermissionsBoundary")
            elif global_boundary is not None:
                role.boundary = self._attachment(global_boundary, f"/custom/{PLUGIN}/iamGlobalPermissionsBoundary")
            self.generated.append(role)

    def _document(self, raw: dict, pointer: str, kind: str) -> Document:
        """A policy document written in full at ``pointer``."""
        doc = Document(
            self.path,
            self.resolver.resolve(raw),
            kind,
            PrefixLocator(self.locator, pointer),
            owner=ROLE_ID,
            kind_source="location",
            duplicates=self._duplicates(pointer),
            fallback_span=self.locator.span(pointer) or _START,
            meta={"ignore": [], "logical_id": ROLE_ID, "serverless": True},
        )
        self.documents.append(doc)
        return doc

    @staticmethod
    def _list(value: Any, pointer: str) -> list[tuple[Any, str]]:
        if isinstance(value, list):
            return [(v, f"{pointer}/{i}") for i, v in enumerate(value)]
        if value is None:
            return []
        return [(value, pointer)]

    def _attachment(self, raw: Any, pointer: str) -> Attachment:
        """A managed policy ARN (pointer from the top of the file); a ``!Ref``
        of a managed policy of ``resources`` links its document."""
        return Attachment(self.resolver.resolve(raw), pointer, self._managed_ref(raw))

    def _managed_ref(self, raw: Any) -> Document | None:
        lid: Any = None
        if isinstance(raw, dict) and len(raw) == 1:
            if "Ref" in raw:
                lid = raw["Ref"]
            elif isinstance(raw.get("Fn::GetAtt"), list) and raw["Fn::GetAtt"]:
                lid = raw["Fn::GetAtt"][0]
            elif isinstance(raw.get("Fn::GetAtt"), str):
                lid = raw["Fn::GetAtt"].split(".", 1)[0]
        if not isinstance(lid, str):
            return None
        for doc in self.documents:
            if doc.meta.get("managed_policy") and doc.meta.get("logical_id") == lid:
                return doc
        return None

    def _statements(self, raw: Any, pointer: str, owner: str = ROLE_ID) -> Document | None:
        """The inline policy Serverless builds from the statements at ``pointer``
        (none from an empty list: Serverless adds no statement then)."""
        if raw is None or raw == []:
            return None
        statements = self.resolver.resolve(raw)
        value = {"Version": "2012-10-17", "Statement": statements}
        doc = Document(
            self.path,
            value,
            DocumentKind.IDENTITY,
            StatementsLocator(self.locator, pointer),
            owner=owner,
            kind_source="location",
            duplicates=self._duplicates(pointer, "/Statement"),
            fallback_span=self.locator.span(pointer) or _START,
            meta={"ignore": [], "logical_id": owner, "serverless": True},
        )
        self.documents.append(doc)
        return doc
