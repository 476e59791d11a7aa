"""Terraform HCL: the IAM policies of a ``.tf`` file, with positions in that file.

Policies are found where Terraform declares them (see ``IDENTITY``/``RESOURCE``
below, ``aws_iam_role.assume_role_policy``, ``inline_policy`` blocks,
``data "aws_iam_policy_document"``, ``aws_lambda_permission``, and module
arguments whose name says they hold a policy: :func:`module_argument_kind`;
the called module is never read) and read from
``jsonencode({...})`` (positions of the HCL tokens), heredoc JSON (positions
inside the heredoc), ``file()``/``templatefile()`` (the JSON file; its
documents carry that file's path), or a reference to a policy document data
source, a policy resource or a local in the same module.

Each file is read on its own: the other ``.tf`` files of its module (a
:class:`~iamlint.sources.module.ModuleView`, handed in or read from disk) are
parsed (once, cached) only to resolve references and to learn how a data
source is used; a document is reported in the file where it is written.
:func:`read_module` reads every file of a module so (the caller keeps the
findings of the files it was asked about, see :func:`iamlint.api.lint_bytes`).  Values that
cannot be known offline are :class:`~iamlint.model.policy.Opaque`; within
strings an unresolved interpolation keeps its ``${...}`` text.

A JSON file read through ``file()``/``templatefile()`` is linted by the ``.tf``
that uses it (``meta["included_from"]``): that reading knows the kind from the
usage and renders the template.  When the same run also lints the JSON file on
its own (a directory run), :func:`iamlint.api.merge_included` drops the
standalone copy, so each finding is reported once per run.

Offline evaluation is bounded, because the files are often someone else's
(a pull request): each reference and each expression is evaluated once per
file, nothing larger than the file's budget (``EVAL_BUDGET_MIN``) is built,
and ``file()``/``templatefile()`` (and the sibling files) are read only when
they are regular files inside the repository.  What is not evaluated is
Opaque and its document carries a :class:`~iamlint.model.document.Notice`
(IAM013) at the expression.

Every document carries ``meta["resource_type"]``: the Terraform type of the
resource whose attribute holds it (for a policy document data source, of the
first resource using it), e.g. ``aws_vpc_endpoint`` for an endpoint policy.
Users get ``Role.access_keys`` from the
``aws_iam_access_key`` resources of the module (IAM405).  IAM Identity Center
permission sets (``aws_ssoadmin_permission_set``) are principals too: the
``aws_ssoadmin_*`` resources naming them by ``permission_set_arn`` give them
their inline policy, managed and customer managed policies and boundary.

Principals are not linked here: each file's run declares (see
:mod:`iamlint.model.declarations`) its principals and the groups memberships
name, with what is written inside them, and what the module's resources
naming them give them (by address, literal IAM name or the expression an
unknown name is written as), and :func:`~iamlint.sources.assemble.assemble`
builds them, as for every format.  A resource naming a principal the module
does not declare (``role = var.role_name``, ``user = "bob"``,
``data.aws_iam_role.x.name``) gives an external principal
(``Role.external``), one per target as written, joined over the module and
declared by the file that names it first (by path): its
attachments are located at their ARNs (IAM401-IAM403), it has no trust (IAM404
stays silent), and what it holds here is a lower bound (IAM405 says so).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Callable
from typing import Any, NamedTuple, cast

from lark import Token, Tree

from iamlint.findings import Span
from iamlint.model.declarations import (
    AccessKeyDeclaration,
    Declaration,
    External,
    InlinePolicy,
    Membership,
    Mention,
    PolicyAttachment,
    Principal,
    Target,
)
from iamlint.model.document import Document, Notice
from iamlint.model.policy import Opaque, detect_kind, join_pointer, organizations_kind
from iamlint.model.role import AccessKey, Attachment, Role
from iamlint.parsing.parse import parse
from iamlint.parsing.strict import SyntaxProblem
from iamlint.sources.assemble import assemble
from iamlint.sources.hclpos import (
    Attribute,
    Block,
    EditMap,
    HclFile,
    LineTable,
    MapLocator,
    Rendering,
    ShiftLocator,
    TemplateNode,
    Where,
    WholeLocator,
    find_interpolations,
    heredoc_body,
    json_string_states,
    name_of,
    node_offsets,
    node_span,
    parse_cached,
    parse_template,
    parses_to_tree,
    source_text,
    subtrees,
    unescape,
    unwrap,
)
from iamlint.sources.markers import hcl_is_iam
from iamlint.sources.module import (  # noqa: F401 (re-exported: where these were)
    MAX_SIBLING_FILE,
    MAX_SIBLINGS,
    ModuleView,
    read_confined,
    repository_root,
)
from iamlint.sources.result import SourceResult
from iamlint.vocabulary import DocumentKind

#: resource type -> attribute holding an identity policy
IDENTITY = {
    "aws_iam_policy": "policy",
    "aws_iam_role_policy": "policy",
    "aws_iam_user_policy": "policy",
    "aws_iam_group_policy": "policy",
    "aws_ssoadmin_permission_set_inline_policy": "inline_policy",
}
#: resource type -> attribute holding a resource-based policy
RESOURCE = {
    "aws_s3_bucket_policy": "policy",
    "aws_s3_bucket": "policy",
    "aws_sqs_queue_policy": "policy",
    "aws_sqs_queue": "policy",
    "aws_sns_topic_policy": "policy",
    "aws_sns_topic": "policy",
    "aws_kms_key": "policy",
    "aws_kms_key_policy": "policy",
    "aws_ecr_repository_policy": "policy",
    "aws_ecr_registry_policy": "policy",
    "aws_ecrpublic_repository_policy": "policy",
    "aws_secretsmanager_secret_policy": "policy",
    "aws_secretsmanager_secret": "policy",
    "aws_glacier_vault": "access_policy",
    "aws_elasticsearch_domain": "access_policies",
    "aws_elasticsearch_domain_policy": "access_policies",
    "aws_opensearch_domain": "access_policies",
    "aws_opensearch_domain_policy": "access_policies",
    "aws_cloudwatch_log_resource_policy": "policy_document",
    "aws_codeartifact_repository_permissions_policy": "policy_document",
    "aws_backup_vault_policy": "policy",
    "aws_efs_file_system_policy": "policy",
    "aws_api_gateway_rest_api_policy": "policy",
    "aws_api_gateway_rest_api": "policy",
    "aws_s3_access_point": "policy",
    "aws_dynamodb_resource_policy": "policy",
    "aws_cloudwatch_event_bus_policy": "policy",
    # endpoint policies: Principal "*" is normal there (IAM501 skips them by resource_type)
    "aws_vpc_endpoint": "policy",
    "aws_vpc_endpoint_policy": "policy",
}
PRINCIPAL_TYPES = {
    "aws_iam_role": "role",
    "aws_iam_user": "user",
    "aws_iam_group": "group",
    "aws_ssoadmin_permission_set": "permission_set",
}
#: what applies to an IAM Identity Center permission set (named by ``permission_set_arn``)
PERMISSION_SET_PARTS = frozenset(
    {
        "aws_ssoadmin_permission_set_inline_policy",
        "aws_ssoadmin_managed_policy_attachment",
        "aws_ssoadmin_customer_managed_policy_attachment",
        "aws_ssoadmin_permissions_boundary_attachment",
    }
)
#: attachment resource type -> (attribute naming the principal(s), principal type)
ATTACHMENTS = {
    "aws_iam_role_policy_attachment": (("role",), "role"),
    "aws_iam_user_policy_attachment": (("user",), "user"),
    "aws_iam_group_policy_attachment": (("group",), "group"),
    "aws_iam_policy_attachment": (("roles", "users", "groups"), None),
}
#: attribute naming a managed policy -> what the policy is to the principal
_POLICY_USES = {
    "permissions_boundary": DocumentKind.BOUNDARY,
    "policy_arn": DocumentKind.IDENTITY,
    "policy_arns": DocumentKind.IDENTITY,
    "managed_policy_arns": DocumentKind.IDENTITY,
}
#: a reference to a customer managed policy of the module (not data.aws_iam_policy, not ..._document)
_POLICY_REF = re.compile(r"(?<![\w.])aws_iam_policy\.([A-Za-z0-9_-]+)")
#: aws_organizations_policy type -> document kind (TAG_POLICY, BACKUP_POLICY ... are not IAM)
ORGANIZATIONS = {"SERVICE_CONTROL_POLICY": DocumentKind.SCP, "RESOURCE_CONTROL_POLICY": DocumentKind.RCP}
INLINE_TARGET = {
    "aws_iam_role_policy": ("role", "role"),
    "aws_iam_user_policy": ("user", "user"),
    "aws_iam_group_policy": ("group", "group"),
}
#: resource types that name principals (inline policies, attachments, keys, memberships, permission set parts)
NAMING_TYPES = frozenset(
    (
        *INLINE_TARGET,
        *ATTACHMENTS,
        *PERMISSION_SET_PARTS,
        "aws_iam_access_key",
        "aws_iam_group_membership",
        "aws_iam_user_group_membership",
    )
)
#: a reference to a principal resource inside a target expression
_PRINCIPAL_REF = re.compile(r"(?<![\w.])aws_iam_(?:role|user|group)\s*(?:\.|\[)")
#: a local a target expression uses
_LOCAL_REF = re.compile(r"(?<![\w.])local\s*\.\s*([A-Za-z_][A-Za-z0-9_-]*)")
#: a target that depends on the block's iteration
_ITERATION = re.compile(r"\b(?:each|count)\s*\.")
ACCOUNT = "${AccountId}"
#: What evaluating the expressions of one .tf file may build: no value larger
#: than the budget (its expanded size: characters of strings and keys, one per
#: scalar and container), and no more than the budget in all beyond what the
#: source text itself spells out.  At least EVAL_BUDGET_MIN, else
#: EVAL_BUDGET_FACTOR times the file.  Past it a value is Opaque and IAM013
#: says so: a 700-byte chain of doubling locals would otherwise build 2**24
#: values, and "${local.big}" repeated would copy megabytes per use.
EVAL_BUDGET_MIN = 1 << 20
EVAL_BUDGET_FACTOR = 16
#: the most pieces (texts, interpolations, directives) rendering one template
#: visits: nested %{ for } loops over long lists stop there (IAM013)
MAX_TEMPLATE_STEPS = 100_000
#: the largest file that file()/templatefile() reads (the default of --max-file-size)
MAX_INCLUDED_FILE = 10 * 1024 * 1024


class _Template(NamedTuple):
    """A template being rendered (see ``TerraformReader.templated_json``)."""

    body: str
    #: whether an offset of the body is inside a JSON string
    in_string: Callable[[int], bool]
    lines: LineTable
    #: where the body begins in ``file``
    offset: int
    file: str
    #: templatefile()'s variables; None for a heredoc
    template_vars: dict | None
    #: how an %{ if } whose condition is unknown is read
    unknown_if: bool
    #: pieces rendered so far (one count in a list): bounded like the text, so
    #: nested loops over long lists with empty bodies stop too
    steps: list[int]


class DocRef:
    """A reference that evaluates to a policy document (``data.x.json``)."""

    def __init__(self, block: Block | None = None, attr: Attribute | None = None) -> None:
        self.block = block
        self.attr = attr


# --------------------------------------------------------------------------
# entry point


def read(path: str, text: str, kind: str | None, module: ModuleView | None = None) -> SourceResult:
    """The documents and principals declared in ``path`` (whose text is
    ``text``), its module's other files (``module``; default: read from disk,
    see :class:`~iamlint.sources.module.ModuleView`) resolving references."""
    try:
        home = parse_cached(path, text)
    except RecursionError:
        return SourceResult(error="Terraform file nested too deeply to analyse", text=text)
    if home.error is not None:
        if kind is None and not hcl_is_iam(text):
            # no IAM text at all: a construct the HCL parser does not take in
            # a file iamlint has nothing to say about is not an error (issue 15)
            return SourceResult(skipped=True, text=text)
        message, span = home.error
        doc = Document(
            path,
            None,
            kind or DocumentKind.IDENTITY,
            syntax_problems=[SyntaxProblem(message, span)],
            kind_source="location",
        )
        return SourceResult(documents=[doc], text=text)
    try:
        reader = TerraformReader(path, home, kind, module)
        reader.run()
    except RecursionError:
        return SourceResult(error="Terraform file nested too deeply to analyse", text=text)
    if not reader.documents and not reader.roles:
        return SourceResult(skipped=True, text=text)
    return SourceResult(documents=reader.documents, roles=reader.roles, text=text)


def parses(path: str, text: str) -> bool:
    """Whether ``text`` is valid HCL (parsed once: :func:`read_module` reuses the parse)."""
    try:
        return parse_cached(path, text).error is None
    except RecursionError:
        return False


def read_module(
    path: str, text: str, module: ModuleView, kinds: Callable[[str], str | None] | None = None
) -> SourceResult:
    """Every document and principal declared in the module of ``path``: each
    file of ``module`` read as :func:`read` reads it (its own evaluation
    budget, its own declarations first when two files declare one address).  A document is
    declared in its ``file`` (or, read through ``file()``, in the
    ``meta["included_from"]`` that uses it), a principal in its ``file``;
    ``parts`` names the files declaring a part of each principal.  ``kinds``
    gives each file's ``--kind``/``kinds`` (default: none).  When ``path``
    itself is not valid HCL, its own :func:`read`."""
    kind_of = kinds or (lambda _p: None)
    try:
        home = parse_cached(path, text)
    except RecursionError:
        home = None
    if home is None or home.error is not None:
        return read(path, text, kind_of(path), module)
    module = module.with_text(path, text)
    out = SourceResult(text=text)
    for fpath, ftext in module.files:
        try:
            hcl = home if fpath == path else parse_cached(fpath, ftext)
            if hcl.error is not None:
                continue  # reported when it is linted itself (its syntax error)
            reader = TerraformReader(fpath, hcl, kind_of(fpath), module, kind_of)
            reader.run()
        except RecursionError:
            if fpath == path:
                return SourceResult(error="Terraform file nested too deeply to analyse", text=text)
            continue
        out.documents += reader.documents
        out.roles += reader.roles
        out.parts.update(reader.parts)
    if not out.documents and not out.roles:
        out.skipped = True
    return out


# --------------------------------------------------------------------------


class Index:
    def __init__(self, hcl: HclFile) -> None:
        self.file = hcl
        self.resources: dict[tuple[str, str], Block] = {}
        self.data: dict[tuple[str, str], Block] = {}
        self.locals: dict[str, Attribute] = {}
        for block in hcl.blocks:
            if block.type == "resource" and len(block.labels) >= 2:
                self.resources.setdefault((block.labels[0], block.labels[1]), block)
            elif block.type == "data" and len(block.labels) >= 2:
                self.data.setdefault((block.labels[0], block.labels[1]), block)
            elif block.type == "locals":
                for name, attr in block.attrs.items():
                    self.locals.setdefault(name, attr)


class TerraformReader:
    def __init__(
        self,
        path: str,
        home: HclFile,
        kind: str | None,
        module: ModuleView | None = None,
        kinds: Callable[[str], str | None] | None = None,
    ) -> None:
        self.path = path
        self.home = home
        self.kind_option = kind
        #: the module's files (None: read from disk when first needed) and each file's kind option
        self.module = module
        self._kinds = kinds
        #: id(role) -> the files declaring a part of it (see read_module)
        self.parts: dict[int, frozenset[str]] = {}
        self.dir = os.path.dirname(path) or "."
        self.indexes = [Index(home)]
        self.texts = {path: home.text}
        self.lines = {path: home.lines}
        self._siblings_loaded = False
        self.documents: list[Document] = []
        self.roles: list[Role] = []
        self._doc_cache: dict[int, Document | None] = {}
        self._emitted: set[int] = set()
        self._active: set[int] = set()
        self._usage: dict[str, str] | None = None
        #: aws_iam_policy name -> boundary or identity (see managed_kind)
        self._managed_use: dict[str, str] | None = None
        #: data source name -> type of the first resource using it (filled with _usage)
        self._usage_type: dict[str, str] = {}
        #: id(principal's resource document) -> file -> its view over that file (see _located)
        self._elsewhere: dict[int, dict[str, Document]] = {}
        #: principal resource type -> the IAM names the module declares (see _declared_names)
        self._declared: dict[str, set[str]] = {}
        #: the evaluation budget (see EVAL_BUDGET_MIN) and how much of it is spent
        self.budget = max(EVAL_BUDGET_MIN, EVAL_BUDGET_FACTOR * len(home.text))
        self._spent = 0
        #: id -> (list or dict, expanded size, holds an Opaque) of each container evaluation built
        self._sizes: dict[int, tuple[Any, int, bool]] = {}
        #: (root, names) -> (value, notices): every reference is evaluated once
        self._ref_memo: dict[tuple, tuple[Any, list]] = {}
        #: how many reference cycles were cut (a value computed meanwhile is not memoised)
        self._cycles = 0
        #: id(node) -> (node, value, notices) of each expression evaluated without positions
        self._eval_memo: dict[int, tuple[Any, Any, list]] = {}
        #: notices being collected, one list per document (or reference) under
        #: evaluation; the first collects those of values no document uses
        self._scopes: list[list[tuple[str, Span | None, str]]] = [[]]
        #: id(document) -> the notices raised while building it (replayed when it is reused)
        self._doc_notices: dict[int, list] = {}
        #: variables of the template being rendered (templatefile's, %{ for }'s), innermost last
        self._bindings: list[dict[str, Any]] = []
        #: expression text -> its parse (see _snippet)
        self._snippets: dict[str, Any] = {}
        #: ids of the documents of policy document data sources (each linted where it is written)
        self._data_documents: set[int] = set()
        #: id(data block) -> the statements its document copies from others (see Document.inherited)
        self._origins: dict[int, dict[int, tuple[Document, str]]] = {}

    # -- module ---------------------------------------------------------
    def siblings(self) -> list[Index]:
        """The other files of the module (:attr:`module`), parsed; those that
        are not valid HCL are left out, at most MAX_SIBLINGS of them."""
        if not self._siblings_loaded:
            self._siblings_loaded = True
            if self.module is None:
                self.module = ModuleView.from_disk(self.path)
            here = os.path.abspath(self.path)
            count = 0
            for full, text in self.module.files:
                if count >= MAX_SIBLINGS or os.path.abspath(full) == here:
                    continue
                try:
                    parsed = parse_cached(full, text)
                except RecursionError:
                    continue
                if parsed.error is not None:
                    continue
                count += 1
                self.indexes.append(Index(parsed))
                self.texts[full] = parsed.text
                self.lines[full] = parsed.lines
        return self.indexes[1:]

    def all_indexes(self, need_siblings: bool = True) -> list[Index]:
        if need_siblings:
            self.siblings()
        return self.indexes

    def find(self, table: str, key: Any) -> Any:
        hit = getattr(self.indexes[0], table).get(key)
        if hit is not None:
            return hit
        for idx in self.siblings():
            hit = getattr(idx, table).get(key)
            if hit is not None:
                return hit
        return None

    # -- main pass ------------------------------------------------------
    def run(self) -> None:
        for block in self.home.blocks:
            if block.type == "resource" and len(block.labels) >= 2:
                self.resource(block)
            elif block.type == "data" and len(block.labels) >= 2 and block.labels[0] == "aws_iam_policy_document":
                doc = self.data_document(block)
                self.emit(doc)
            elif block.type == "module" and block.labels:
                self.module_arguments(block)
        try:
            self.roles = self.principals()
        except RecursionError:
            raise
        except Exception:  # noqa: BLE001 (bad input never gives a traceback: principals that cannot be assembled are left out)  # pragma: no cover
            pass

    def emit(self, doc: Document | None) -> None:
        if doc is None or id(doc) in self._emitted:
            return
        if doc.file != self.path and not doc.meta.get("included_from"):
            return  # written in a sibling file: reported there
        if doc.value is None and not doc.syntax_problems:
            return
        self._emitted.add(id(doc))
        self.documents.append(doc)

    def resource(self, block: Block) -> None:
        rtype = block.labels[0]
        owner = block.address
        if rtype == "aws_iam_role":
            attr = block.attrs.get("assume_role_policy")
            if attr is not None:
                self.emit(self.policy_document(attr.expr, attr.file, DocumentKind.TRUST, owner, attr, rtype))
            for inline in block.sub("inline_policy"):
                pattr = inline.attrs.get("policy")
                if pattr is not None:
                    self.emit(self.policy_document(pattr.expr, pattr.file, DocumentKind.IDENTITY, owner, pattr, rtype))
        elif rtype in IDENTITY:
            attr = block.attrs.get(IDENTITY[rtype])
            if attr is not None:
                kind = self.managed_kind(block.labels[1]) if rtype == "aws_iam_policy" else DocumentKind.IDENTITY
                self.emit(self.policy_document(attr.expr, attr.file, kind, owner, attr, rtype))
        elif rtype in RESOURCE:
            attr = block.attrs.get(RESOURCE[rtype])
            if attr is not None:
                self.emit(self.policy_document(attr.expr, attr.file, DocumentKind.RESOURCE, owner, attr, rtype))
        elif rtype == "aws_organizations_policy":
            attr = block.attrs.get("content")
            ptype = self.eval_simple(block.attrs.get("type")) if "type" in block.attrs else "SERVICE_CONTROL_POLICY"
            if attr is not None and (ptype is None or ptype in ORGANIZATIONS):
                kind = ORGANIZATIONS[ptype] if isinstance(ptype, str) else DocumentKind.SCP
                doc = self.policy_document(attr.expr, attr.file, kind, owner, attr, rtype)
                if doc is not None and ptype is None:  # a type Terraform computes: the content decides
                    doc.kind = organizations_kind(doc.value)
                self.emit(doc)
        elif rtype == "aws_lambda_permission":
            self.emit(self._collecting(self.lambda_permission, block))

    # -- module arguments ---------------------------------------------------
    def module_arguments(self, block: Block) -> None:
        """The policy documents passed to a module (``module "b" { policy = jsonencode({...}) }``).

        The called module is never read (its ``source`` may be anywhere): an
        argument is read when :func:`module_argument_kind` says by its name
        that it holds a policy, and only when its value is one -- a
        ``jsonencode`` of an object with ``Statement``, JSON text (heredoc,
        string, ``file()``/``templatefile()``), a policy document data source
        or a local holding one; a list or map of them is read item by item.
        Anything else (a bool, an ARN, a list of ARNs, ``var.x``) is ignored."""
        for name, attr in block.attrs.items():
            named = module_argument_kind(name)
            if named is None:
                continue
            node = unwrap(attr.expr)
            if isinstance(node, Tree) and node.data == "tuple":
                items = subtrees(node)
            elif isinstance(node, Tree) and node.data == "object":
                items = [e.children[-1] for e in subtrees(node) if e.data == "object_elem"]
            else:
                items = [node]
            for item in items:
                self.emit(self._module_document(unwrap(item), attr, named, block.address))

    def _module_document(self, node: Any, attr: Attribute, named: str, owner: str) -> Document | None:
        kind = named or None
        ref = self._data_reference(node)
        if ref is not None:  # its kind: from this use (see usage_kind), else from its content
            return self.data_document(ref, kind)
        if not _may_hold_policy(node):
            return None
        shared = id(node) in self._doc_cache
        doc = self.policy_document(node, attr.file, kind or DocumentKind.IDENTITY, owner, attr, "module")
        if doc is None:
            return None
        if isinstance(doc.value, dict):
            if "Statement" not in doc.value:
                return None
            if kind is None and not shared and id(doc) not in self._data_documents:
                doc.kind, doc.kind_source = detect_kind(doc.value), "content"
            return doc
        if isinstance(doc.value, Opaque):  # a file() that was not read: the notice says why
            return doc
        text = self.text_of(doc.file) if doc.file != attr.file else source_text(node, self.text_of(attr.file))
        return doc if doc.syntax_problems and _json_like(text) else None

    def _data_reference(self, node: Any) -> Block | None:
        """The policy document data source ``node`` names (``data.aws_iam_policy_document.x[0].json``)."""
        trav = self.traversal(node)
        if trav is None or trav[0] != "data":
            return None
        names = [p for p in trav[1] if isinstance(p, str)]
        if len(names) < 3 or names[0] != "aws_iam_policy_document" or names[2] not in ("json", "minified_json"):
            return None
        return cast(Block | None, self.find("data", (names[0], names[1])))

    # -- budget and notices -------------------------------------------------
    def _measure(self, value: Any) -> tuple[int, bool]:
        """(expanded size, holds an Opaque) of an evaluated value: O(1) for the
        containers evaluation built, which are recorded as they are built (a
        list holding the same list twice is measured without walking it twice)."""
        if isinstance(value, str):
            return len(value), False
        if isinstance(value, (list, dict)):
            rec = self._sizes.get(id(value))
            if rec is not None and rec[0] is value:
                return rec[1], rec[2]
            return self._record(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value.bit_length() // 3 + 1, False  # about its digits
        return 1, isinstance(value, Opaque)

    def _record(self, value: list | dict) -> tuple[int, bool]:
        """Measure a container from its (measured) children and remember it."""
        size, opaque = 1, False
        if isinstance(value, dict):
            for k, v in value.items():
                n, o = self._measure(v)
                size += len(k) + n
                opaque = opaque or o
        else:
            for v in value:
                n, o = self._measure(v)
                size += n
                opaque = opaque or o
        self._sizes[id(value)] = (value, size, opaque)
        return size, opaque

    def _afford(self, size: int, source_len: int) -> bool:
        """May a value of ``size`` be used where the source spells out
        ``source_len`` characters?  Charges the budget with the difference.

        Charged where a value is copied in: a reference (``local.big`` in a
        list, a string, a document) and a template variable.  What lists,
        objects and strings around it add is spelled out by the source itself,
        and every expression is evaluated once (see :meth:`eval`), so the
        charges sum what evaluating the file produced beyond its own text."""
        extra = size - source_len
        if size > self.budget or (extra > 0 and self._spent + extra > self.budget):
            return False
        if extra > 0:
            self._spent += extra
        return True

    def _built(self, value: list | dict, node: Any, file: str) -> Any:
        """A container just built for ``node``: itself, or Opaque when it is
        larger than the budget (nothing walks or encodes it then)."""
        size, _opaque = self._record(value)
        if size <= self.budget:
            return value
        del self._sizes[id(value)]
        return self._over_budget(node, file)

    def _over_budget(self, node: Any, file: str) -> Opaque:
        """The Opaque value of ``node`` whose value would exceed the budget, noticed there."""
        text = _short(source_text(node, self.text_of(file)))
        self._notice(
            file,
            node_span(node),
            f"`{text}` was not evaluated: its value would exceed the evaluation "
            f"budget ({self.budget:,} bytes for this file); it is treated as unknown",
        )
        return Opaque(text)

    def _notice(self, file: str, span: Span | None, message: str) -> None:
        self._scopes[-1].append((file, span, message))

    def _close_scope(self, bubble: bool = True) -> list:
        """End the innermost notice scope; its notices also belong to the
        enclosing one.  Each notice once: a list that holds a list twice
        replays that list's notices twice, and down a chain of such lists the
        copies would double."""
        notes = list(dict.fromkeys(self._scopes.pop()))
        if bubble and notes:
            self._scopes[-1].extend(notes)
        return notes

    def _collecting(self, build: Any, *args: Any) -> Document | None:
        """``build(*args)`` (a Document or None) with the notices raised while building it."""
        self._scopes.append([])
        try:
            doc = build(*args)
        finally:
            notes = self._close_scope()
        if doc is not None and notes:
            self._attach(doc, notes)
        return doc

    def _attach(self, doc: Document, notes: list) -> None:
        """Notices of ``doc``: at their span in its file, else at the document
        with the place named (a local in a sibling file)."""
        self._doc_notices.setdefault(id(doc), []).extend(notes)
        for file, span, message in notes:
            if file == doc.file and span is not None:
                notice = Notice(message, span)
            else:
                where = (
                    f" ({os.path.basename(file)}:{span.line})" if span is not None and not file.startswith("<") else ""
                )
                notice = Notice(message + where, doc.fallback_span)
            if notice not in doc.notices:
                doc.notices.append(notice)

    def _replay(self, doc: Document | None) -> None:
        """A document built earlier is used again: its notices belong to the user too."""
        notes = self._doc_notices.get(id(doc)) if doc is not None else None
        if notes:
            self._scopes[-1].extend(notes)

    # -- evaluation -----------------------------------------------------
    def eval_simple(self, attr: Attribute | None) -> Any:
        if attr is None:
            return None
        return self.eval(attr.expr, attr.file, "", None)

    def text_of(self, file: str) -> str:
        return self.texts.get(file, "")

    def opaque(self, node: Any, file: str) -> Opaque:
        return Opaque(source_text(node, self.text_of(file)))

    def eval(self, node: Any, file: str, ptr: str, sink: dict | None, key: Span | None = None) -> Any:
        """Value of an HCL expression; records positions in ``sink``.

        Without a sink, each expression is evaluated once per file (the same
        value, and the same notices, every time it is asked for), unless a
        reference cycle was cut meanwhile (see :meth:`reference`)."""
        node = unwrap(node)
        if sink is not None:
            sink[ptr] = Where(file, node_span(node), key)
            return self._eval(node, file, ptr, sink)
        if self._bindings:  # in a template: the value depends on its variables
            return self._eval(node, file, ptr, None)
        hit = self._eval_memo.get(id(node))
        if hit is not None and hit[0] is node:
            if hit[2]:
                self._scopes[-1].extend(hit[2])
            return hit[1]
        notes = self._scopes[-1]
        mark, cycles = len(notes), self._cycles
        value = self._eval(node, file, ptr, None)
        if self._cycles == cycles:
            self._eval_memo[id(node)] = (node, value, list(dict.fromkeys(notes[mark:])))
        return value

    def _eval(self, node: Any, file: str, ptr: str, sink: dict | None) -> Any:
        if isinstance(node, Token):
            return self.opaque(node, file)
        kind = node.data
        if kind == "string":
            return self.eval_string(node, file)
        if kind == "int_lit":
            try:
                return int(str(node.children[0]))
            except ValueError:  # more digits than Python converts (4,300)
                return self.opaque(node, file)
        if kind == "float_lit":
            try:
                return float(str(node.children[0]))
            except ValueError:
                return self.opaque(node, file)
        if kind == "literal_value":
            return {"true": True, "false": False, "null": None}.get(str(node.children[0]))
        if kind == "tuple":
            items = [self.eval(item, file, join_pointer(ptr, i), sink) for i, item in enumerate(subtrees(node))]
            return self._built(items, node, file)
        if kind == "object":
            out: dict[str, Any] = {}
            for elem in subtrees(node):
                if elem.data != "object_elem":
                    continue
                key_node = elem.children[0]
                kexpr = subtrees(key_node)[0] if isinstance(key_node, Tree) and subtrees(key_node) else key_node
                k = self.object_key(kexpr, file)
                out[k] = self.eval(elem.children[-1], file, join_pointer(ptr, k), sink, node_span(key_node))
            return self._built(out, node, file)
        if kind in ("heredoc_template", "heredoc_template_trim"):
            tok = node.children[0]
            body = heredoc_body(tok)
            if body is None or re.search(r"(?<!\$)\$\{|(?<!%)%\{", body[0]):
                return self.opaque(node, file)
            return body[0].replace("$${", "${").replace("%%{", "%{")
        if kind == "unary_op":
            inner = self.eval(node.children[-1], file, ptr, None)
            if str(node.children[0]) == "-" and isinstance(inner, (int, float)) and not isinstance(inner, bool):
                return -inner
            if str(node.children[0]) == "!" and isinstance(inner, bool):
                return not inner
            return self.opaque(node, file)
        if kind == "function_call":
            return self.eval_call(node, file, ptr, sink)
        if kind in ("identifier", "get_attr_expr_term", "index_expr_term"):
            value = self.reference(node, file)
            if isinstance(value, DocRef):
                return self.opaque(node, file)
            if isinstance(value, (str, list, dict)):
                off = node_offsets(node)
                if not self._afford(self._measure(value)[0], off[1] - off[0] if off else 0):
                    return self._over_budget(node, file)
            return value
        return self.opaque(node, file)

    def object_key(self, kexpr: Any, file: str) -> str:
        node = unwrap(kexpr)
        if isinstance(node, Tree) and node.data in ("identifier", "keyword", "literal_value"):
            return str(node.children[0])
        value = self.eval(node, file, "", None)
        if isinstance(value, str):
            return value
        return source_text(node, self.text_of(file))

    def eval_string(self, node: Tree, file: str) -> Any:
        parts: list[str] = []
        unresolved = resolved = 0
        pieces = subtrees(node)
        for part in pieces:
            child = part.children[0]
            if isinstance(child, Token):
                if child.type == "STRING_CHARS":
                    parts.append(unescape(str(child)))
                elif child.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    parts.append(str(child)[1:])
                else:
                    return self.opaque(node, file)
            elif isinstance(child, Tree) and child.data == "interpolation":
                inner = subtrees(child)
                value = self.eval(inner[0], file, "", None) if inner else None
                if isinstance(value, bool):
                    parts.append("true" if value else "false")
                elif isinstance(value, (str, int, float)):
                    resolved += 1
                    parts.append(str(value))
                else:
                    unresolved += 1
                    parts.append(source_text(child, self.text_of(file)))
            else:  # template directives
                return self.opaque(node, file)
        if unresolved and len(pieces) == 1:
            return self.opaque(node, file)
        if resolved and sum(map(len, parts)) > self.budget:
            return self._over_budget(node, file)
        return "".join(parts)

    def eval_call(self, node: Tree, file: str, ptr: str, sink: dict | None) -> Any:
        fname = name_of(node.children[0]) or ""
        args = []
        for child in node.children:
            if isinstance(child, Tree) and child.data == "arguments":
                args = subtrees(child)
        if fname in ("tolist", "toset") and len(args) == 1:
            return self.eval(args[0], file, ptr, sink)
        if fname in ("concat", "flatten", "distinct", "compact"):
            values = [self.eval(a, file, ptr, None) for a in args]
            if fname == "concat":
                if all(isinstance(v, list) for v in values):
                    # the would-be size first: concat(local.big, local.big) is not built past the budget
                    if 1 + sum(self._measure(v)[0] - 1 for v in values) > self.budget:
                        return self._over_budget(node, file)
                    return self._built([x for v in values for x in v], node, file)
            elif len(values) == 1 and isinstance(values[0], list):
                v = values[0]
                if fname == "flatten":
                    size = 1 + sum(self._measure(x)[0] - (1 if isinstance(x, list) else 0) for x in v)
                    if size > self.budget:
                        return self._over_budget(node, file)
                    out = []
                    for x in v:
                        out.extend(x if isinstance(x, list) else [x])
                    return self._built(out, node, file)
                if fname == "compact":
                    return self._built([x for x in v if x not in ("", None)], node, file)
                return self._built(_distinct(v), node, file)
        if fname == "merge":
            values = [self.eval(a, file, ptr, None) for a in args]
            if all(isinstance(v, dict) for v in values):
                merged: dict = {}
                for v in values:
                    merged.update(v)
                return self._built(merged, node, file)
        if fname in ("lower", "upper", "trimspace") and len(args) == 1:
            v = self.eval(args[0], file, ptr, None)
            if isinstance(v, str):
                return {"lower": v.lower, "upper": v.upper, "trimspace": v.strip}[fname]()
        if fname == "jsonencode" and len(args) == 1:
            v = self.eval(args[0], file, ptr, None)
            size, opaque = self._measure(v)
            if not opaque:
                if size > self.budget:
                    return self._over_budget(node, file)
                try:
                    text = json.dumps(v, separators=(",", ":"))
                except (TypeError, ValueError):
                    pass
                else:
                    return text if len(text) <= self.budget else self._over_budget(node, file)
        return self.opaque(node, file)

    # -- references -----------------------------------------------------
    def traversal(self, node: Any) -> tuple[str, list[Any]] | None:
        """``aws_iam_role.x[0].arn`` -> ("aws_iam_role", ["x", 0, "arn"])."""
        parts: list[Any] = []
        node = unwrap(node)
        while isinstance(node, Tree) and node.data in ("get_attr_expr_term", "index_expr_term"):
            step = node.children[1]
            if step.data == "get_attr":
                parts.append(name_of(step.children[-1]))
            else:
                parts.append(0)
            node = unwrap(node.children[0])
        if not (isinstance(node, Tree) and node.data == "identifier"):
            return None
        parts.reverse()
        return str(node.children[0]), parts

    def reference(self, node: Any, file: str) -> Any:
        """The value of a reference, evaluated once per file and reference
        (``local.a = [local.b, local.b]`` costs one evaluation of ``local.b``,
        so chains that double are linear).  A value computed while a reference
        cycle was cut is not remembered: from elsewhere the cycle is cut at
        another place, and the memo must not change any result."""
        trav = self.traversal(node)
        if trav is None:
            return self.opaque(node, file)
        root, parts = trav
        names = [p for p in parts if isinstance(p, str)]
        if self._bindings and root in self._bindings[-1]:  # a template or loop variable
            bound = self._bindings[-1][root]
            for n in parts:
                bound = (
                    bound.get(n)
                    if isinstance(n, str) and isinstance(bound, dict)
                    else bound[n]
                    if isinstance(n, int) and isinstance(bound, list) and -len(bound) <= n < len(bound)
                    else None
                )
            return self.opaque(node, file) if bound is None else bound
        memo_key = (root, tuple(names))
        hit = self._ref_memo.get(memo_key)
        if hit is not None:
            value, notes = hit
            if notes:
                self._scopes[-1].extend(notes)
        else:
            key = id(unwrap(node))
            if key in self._active:
                self._cycles += 1
                return self.opaque(node, file)
            self._active.add(key)
            cycles = self._cycles
            self._scopes.append([])
            try:
                value = self._reference(root, names)
            finally:
                self._active.discard(key)
                notes = self._close_scope()
            if self._cycles == cycles:
                self._ref_memo[memo_key] = (value, notes)
        if value is None:
            return self.opaque(node, file)
        return value

    def _reference(self, root: str, names: list[str]) -> Any:
        if root == "local" and names:
            attr = self.find("locals", names[0])
            if attr is None:
                return None
            value = self.eval(attr.expr, attr.file, "", None)
            for n in names[1:]:
                value = value.get(n) if isinstance(value, dict) else None
            return value
        if root == "path" and names and names[0] in ("module", "root", "cwd"):
            return "."  # file paths are joined to this file's directory
        if root == "data" and len(names) >= 3:
            dtype, dname, dattr = names[0], names[1], names[2]
            if dtype == "aws_partition":
                return {"partition": "aws", "dns_suffix": "amazonaws.com", "id": "aws"}.get(dattr)
            block = self.find("data", (dtype, dname))
            if block is None:
                return None
            if dtype == "aws_iam_policy_document" and dattr in ("json", "minified_json"):
                return DocRef(block=block)
            if dtype == "aws_iam_policy" and dattr == "arn":
                return self.attr_value(block, "arn")
            return self.attr_value(block, dattr)
        if "_" in root and len(names) >= 2:
            block = self.find("resources", (root, names[0]))
            if block is None:
                return None
            return self.resource_attr(block, names[1])
        return None

    def attr_value(self, block: Block, name: str) -> Any:
        attr = block.attrs.get(name)
        if attr is None:
            return None
        value = self.eval(attr.expr, attr.file, "", None)
        return value

    def resource_attr(self, block: Block, name: str) -> Any:
        rtype = block.labels[0]
        if rtype == "aws_iam_openid_connect_provider":
            url = self.attr_value(block, "url")
            if name == "url":
                return url
            if name in ("arn", "id") and isinstance(url, str):
                return f"arn:aws:iam::{ACCOUNT}:oidc-provider/{re.sub(r'^https://', '', url)}"
            return None
        if rtype == "aws_iam_saml_provider" and name in ("arn", "id"):
            pname = self.attr_value(block, "name")
            return f"arn:aws:iam::{ACCOUNT}:saml-provider/{pname}" if isinstance(pname, str) else None
        if rtype in ("aws_iam_role", "aws_iam_user", "aws_iam_group", "aws_iam_policy"):
            pname = self.attr_value(block, "name")
            if name in ("name", "id"):
                return pname if isinstance(pname, str) else None
            if name == "arn":
                if not isinstance(pname, str):
                    return None
                path = self.attr_value(block, "path")
                path = path if isinstance(path, str) and path.startswith("/") and path.endswith("/") else "/"
                what = {
                    "aws_iam_role": "role",
                    "aws_iam_user": "user",
                    "aws_iam_group": "group",
                    "aws_iam_policy": "policy",
                }[rtype]
                return f"arn:aws:iam::{ACCOUNT}:{what}{path}{pname}"
            if name == "policy" and rtype == "aws_iam_policy":
                attr = block.attrs.get("policy")
                return DocRef(attr=attr) if attr is not None else None
            return None
        if rtype == "aws_s3_bucket":
            bucket = self.attr_value(block, "bucket")
            if name in ("id", "bucket"):
                return bucket if isinstance(bucket, str) else None
            if name == "arn" and isinstance(bucket, str):
                return f"arn:aws:s3:::{bucket}"
            return None
        if name in ("arn", "id"):
            return None
        value = self.attr_value(block, name)
        return value if isinstance(value, (str, int, float, bool)) else None

    # -- policy documents -----------------------------------------------
    def policy_document(
        self, expr: Any, file: str, kind: str, owner: str, attr: Attribute | None, resource_type: str | None = None
    ) -> Document | None:
        """The document ``expr`` evaluates to; ``resource_type`` (the Terraform
        type of the resource whose attribute holds it) goes into
        ``meta["resource_type"]`` unless the document already has one (a
        document shared by several resources keeps the first)."""
        node = unwrap(expr)
        key = id(node)
        if key in self._doc_cache:
            doc = self._doc_cache[key]
            self._replay(doc)
        else:
            self._doc_cache[key] = None  # recursion guard
            doc = self._collecting(self._policy_document, node, file, kind, owner, attr)
            self._doc_cache[key] = doc
        if doc is not None and resource_type:
            doc.meta.setdefault("resource_type", resource_type)
        return doc

    def _new_doc(
        self, file: str, value: Any, kind: str, locator: Any, owner: str, attr: Attribute | None, **kw: Any
    ) -> Document:
        fallback = (attr.key_span if attr is not None else None) or Span(1, 1, 1, 2)
        return Document(file, value, kind, locator, owner=owner, kind_source="location", fallback_span=fallback, **kw)

    def _policy_document(self, node: Any, file: str, kind: str, owner: str, attr: Attribute | None) -> Document | None:
        if not isinstance(node, Tree):
            return None
        if node.data == "function_call":
            fname = name_of(node.children[0]) or ""
            args = []
            for child in node.children:
                if isinstance(child, Tree) and child.data == "arguments":
                    args = subtrees(child)
            if fname == "jsonencode" and len(args) == 1:
                sink: dict[str, Where] = {}
                value = self.eval(args[0], file, "", sink)
                if isinstance(value, Opaque):
                    inner = self.policy_document(args[0], file, kind, owner, attr)
                    return inner
                if attr is not None:
                    sink[""] = Where(file, node_span(args[0]), attr.key_span)
                return self._new_doc(file, value, kind, MapLocator(file, sink), owner, attr)
            if fname in ("file", "templatefile") and args:
                return self.file_document(fname, args, file, kind, owner, attr, node)
            return None
        if node.data in ("heredoc_template", "heredoc_template_trim"):
            tok = cast(Token, node.children[0])  # the parser's heredoc rules have one token
            found = heredoc_body(tok)
            if found is None:
                return None
            body, offset = found
            return self.embedded_json(body, offset, file, kind, owner, attr, template_vars=None)
        if node.data == "string":
            pieces = subtrees(node)
            if (
                len(pieces) == 1
                and isinstance(pieces[0].children[0], Tree)
                and pieces[0].children[0].data == "interpolation"
            ):
                inner_trees = subtrees(pieces[0].children[0])
                if inner_trees:
                    return self.policy_document(inner_trees[0], file, kind, owner, attr)
            value = self.eval_string(node, file)
            if not isinstance(value, str):
                return None
            result = parse(value)
            span = node_span(node)
            if result.problems:
                if "${" in value:
                    return None
                return self._new_doc(
                    file,
                    None,
                    kind,
                    WholeLocator(span),
                    owner,
                    attr,
                    syntax_problems=[
                        SyntaxProblem(result.problems[0].message + " (in this string)", span or Span(1, 1, 1, 2))
                    ],
                )
            return self._new_doc(
                file, result.value, kind, WholeLocator(span, attr.key_span if attr else None), owner, attr
            )
        if node.data in ("identifier", "get_attr_expr_term", "index_expr_term"):
            trav = self.traversal(node)
            if trav is None:
                return None
            root, parts = trav
            names = [p for p in parts if isinstance(p, str)]
            if root == "local" and names:
                lattr = self.find("locals", names[0])
                if lattr is None or len(names) > 1:
                    return None
                return self.policy_document(lattr.expr, lattr.file, kind, owner, lattr)
            ref = self._reference(root, names)
            if isinstance(ref, DocRef):
                if ref.block is not None:
                    return self.data_document(ref.block, kind)
                if ref.attr is not None:
                    return self.policy_document(ref.attr.expr, ref.attr.file, kind, owner, ref.attr)
            return None
        return None

    def file_document(
        self, fname: str, args: list, file: str, kind: str, owner: str, attr: Attribute | None, node: Any = None
    ) -> Document | None:
        """The policy in the JSON file that ``file()``/``templatefile()`` names:
        read only when it is a regular file inside the repository (see
        :func:`read_included`); else an Opaque document with a notice naming
        the path, which is never opened."""
        target = self.eval(args[0], file, "", None)
        if not isinstance(target, str) or "${" in target:
            return None
        full = target if os.path.isabs(target) else os.path.join(self.dir, target)
        full = os.path.normpath(full)
        content, refusal = read_included(full, self.dir)
        if refusal is not None:
            return self._refused_file(f'{fname}("{target}")', refusal, node, file, kind, owner, attr)
        if content is None:
            return None
        if fname == "templatefile":
            vars_node = args[1] if len(args) > 1 else None
            template_vars: dict[str, Any] = {}
            if vars_node is not None:
                v = self.eval(vars_node, file, "", None)
                if isinstance(v, dict):
                    template_vars = v
            self.texts.setdefault(full, content)
            lines = LineTable(content)
            self.lines.setdefault(full, lines)
            doc = self.embedded_json(content, 0, full, kind, owner, None, template_vars=template_vars)
        else:
            result = parse(content)
            doc = Document(
                full,
                result.value,
                kind,
                result.locator,
                owner=owner,
                kind_source="location",
                syntax_problems=result.problems,
                duplicates=result.duplicates,
            )
        if doc is not None:
            doc.meta["included_from"] = self.path
        return doc

    def _refused_file(
        self, call: str, why: str, node: Any, file: str, kind: str, owner: str, attr: Attribute | None
    ) -> Document:
        """The document of a ``file()`` that was not read: unknown, and noticed at the call."""
        key = attr.key_span if attr is not None else None
        span = node_span(node) if node is not None else None
        fallback = key or span or Span(1, 1, 1, 2)
        self._notice(
            file, span or fallback, f"`{_short(call, 200)}` was not read: {why}; the policy is treated as unknown"
        )
        return Document(
            file,
            Opaque(_short(call)),
            kind,
            WholeLocator(span or fallback, key),
            owner=owner,
            kind_source="location",
            fallback_span=fallback,
        )

    def embedded_json(
        self,
        body: str,
        offset: int,
        file: str,
        kind: str,
        owner: str,
        attr: Attribute | None,
        template_vars: dict | None,
    ) -> Document | None:
        """JSON written in a heredoc or template: interpolations resolved where
        possible, else kept (inside strings) or made opaque (outside)."""
        in_string = json_string_states(body)
        edits: list[tuple[int, int, str]] = []
        placeholders: dict[str, Opaque] = {}
        lines = self.lines.get(file) or LineTable(self.text_of(file))
        for start, end, what in find_interpolations(body):
            if what == "escape":
                edits.append((start, end, ""))
                continue
            if what == "directive":
                return self.templated_json(body, offset, file, kind, owner, attr, template_vars)
            expr_text = body[start + 2 : end - 1].strip()
            _value, text = self._interpolated(
                expr_text, template_vars, in_string(start), (start, end), lines, offset, file
            )
            if text is not None:
                edits.append((start, end, text))
            elif in_string(start):
                if '"' in body[start:end] or "\\" in body[start:end]:
                    edits.append((start, end, "${?}"))
            else:
                mark = f"\u0000opaque{len(placeholders)}"
                placeholders[mark] = Opaque("${" + expr_text + "}")
                edits.append((start, end, json.dumps(mark)))
        return self._json_document(EditMap(body, edits), placeholders, offset, lines, file, kind, owner, attr)

    def _json_document(
        self,
        emap: EditMap,
        placeholders: dict[str, Opaque],
        offset: int,
        lines: LineTable,
        file: str,
        kind: str,
        owner: str,
        attr: Attribute | None,
    ) -> Document:
        """The document of embedded JSON as ``emap`` rendered it."""
        result = parse(emap.text)
        locator = ShiftLocator(result.locator, emap, offset, lines)
        fallback = (attr.key_span if attr is not None else None) or Span(1, 1, 1, 2)
        if result.problems:
            problem = result.problems[0]
            span = locator._map(problem.span) or fallback
            return Document(
                file,
                None,
                kind,
                locator,
                owner=owner,
                kind_source="location",
                fallback_span=fallback,
                syntax_problems=[SyntaxProblem(problem.message, span)],
            )
        value = _replace_placeholders(result.value, placeholders) if placeholders else result.value
        return Document(
            file,
            value,
            kind,
            locator,
            owner=owner,
            kind_source="location",
            fallback_span=fallback,
            duplicates=[(p, k, locator._map(s) or fallback) for p, k, s in result.duplicates],
        )

    def templated_json(
        self,
        body: str,
        offset: int,
        file: str,
        kind: str,
        owner: str,
        attr: Attribute | None,
        template_vars: dict | None,
    ) -> Document | None:
        """JSON written in a template with ``%{ if }`` / ``%{ for }`` directives.

        A directive whose condition or collection evaluates (a literal, a
        local, a template variable, a loop variable) is rendered as Terraform
        does: the branch taken, the body once per element.  One that does not
        is read both ways it can be (rather than the document being dropped):
        an unknown ``%{ if }`` as true, and, when that does not give JSON
        (a separator comma only some iterations write), as false; an unknown
        ``%{ for }`` with its body once, the loop variable unknown.  Each unknown
        directive is noticed (IAM013) at itself, saying how it was read.  Every
        copied piece keeps its position in the file, so findings outside the
        directives are where they were written.  Directives that do not nest
        give an unknown document, noticed at the first directive."""
        lines = self.lines.get(file) or LineTable(self.text_of(file))
        nodes = parse_template(body)
        first = next(i for i in find_interpolations(body) if i[2] == "directive")
        if nodes is None:
            return self._unrendered(body, first, offset, lines, file, kind, owner, attr, "its directives do not nest")
        in_string = json_string_states(body)
        doc = None
        for unknown_if in (True, False):
            self._scopes.append([])
            ok = False
            try:
                rendering = Rendering(body)
                placeholders: dict[str, Opaque] = {}
                state = _Template(body, in_string, lines, offset, file, template_vars, unknown_if, [0])
                if not self._render(nodes, rendering, placeholders, state, {}):
                    ok = True  # the notices stand: rendering stopped
                    return self._unrendered(
                        body, first, offset, lines, file, kind, owner, attr, "its rendering would exceed the budget"
                    )
                doc = self._json_document(rendering.finish(), placeholders, offset, lines, file, kind, owner, attr)
                ok = not doc.syntax_problems
            finally:
                self._close_scope(bubble=ok or not unknown_if)
            if ok:
                break
        return doc

    def _unrendered(
        self,
        body: str,
        where: tuple,
        offset: int,
        lines: LineTable,
        file: str,
        kind: str,
        owner: str,
        attr: Attribute | None,
        why: str,
    ) -> Document:
        start, end = where[0], where[1]
        span = lines.span(offset + start, offset + end)
        self._notice(file, span, f"the template was not rendered: {why}; the policy is treated as unknown")
        fallback = (attr.key_span if attr is not None else None) or span
        return Document(
            file,
            Opaque(_short(body)),
            kind,
            WholeLocator(span, attr.key_span if attr else None),
            owner=owner,
            kind_source="location",
            fallback_span=fallback,
        )

    def _render(
        self,
        nodes: list[TemplateNode],
        out: Rendering,
        placeholders: dict[str, Opaque],
        state: _Template,
        bound: dict[str, Any],
    ) -> bool:
        """Render ``nodes`` into ``out`` (see :meth:`templated_json`); False past the budget."""
        lines, offset, file, template_vars = state.lines, state.offset, state.file, state.template_vars
        for node in nodes:
            state.steps[0] += 1
            if len(out) > self.budget or state.steps[0] > MAX_TEMPLATE_STEPS:
                return False
            if node.what == "text":
                out.copy(node.start, node.end)
            elif node.what == "escape":
                continue  # the doubled $ or %
            elif node.what == "interp":
                self._render_interpolation(node, out, placeholders, state, bound)
            elif node.what == "if":
                span = lines.span(offset + node.start, offset + node.end)
                cond = self._directive_value(node.expr, template_vars, bound, file, span)
                if isinstance(cond, bool):
                    taken = node.body if cond else node.other
                else:
                    taken = node.body if state.unknown_if else node.other
                    self._notice(
                        file,
                        span,
                        f"`%{{ if {_short(node.expr)} }}` was not evaluated: the policy is read as if it were "
                        + ("true" if state.unknown_if else "false"),
                    )
                if not self._render(taken, out, placeholders, state, bound):
                    return False
            else:  # for
                span = lines.span(offset + node.start, offset + node.end)
                coll = self._directive_value(node.expr, template_vars, bound, file, span)
                items: list[tuple[Any, Any]] | None = None
                if isinstance(coll, list):
                    items = list(enumerate(coll))
                elif isinstance(coll, dict):
                    items = list(coll.items())
                if items is None or self._measure(coll)[1]:
                    self._notice(
                        file,
                        span,
                        f"`%{{ for {', '.join(node.names)} in {_short(node.expr)} }}` was not evaluated: "
                        "its body is read once, with unknown values",
                    )
                    items = [(None, None)]
                for key, value in items:
                    state.steps[0] += 1  # an iteration is a step, its body empty or not
                    if state.steps[0] > MAX_TEMPLATE_STEPS:
                        return False
                    inner = dict(bound)
                    if len(node.names) == 2:
                        inner[node.names[0]], inner[node.names[1]] = key, value
                    else:
                        inner[node.names[0]] = value
                    if not self._render(node.body, out, placeholders, state, inner):
                        return False
        return True

    def _render_interpolation(
        self, node: TemplateNode, out: Rendering, placeholders: dict[str, Opaque], state: _Template, bound: dict
    ) -> None:
        body, lines, offset, file, template_vars = (
            state.body,
            state.lines,
            state.offset,
            state.file,
            state.template_vars,
        )
        start, end, expr_text = node.start, node.end, node.expr
        inside = state.in_string(start)
        if template_vars is not None:
            scope = {**template_vars, **{k: v for k, v in bound.items() if v is not None}}
            _value, text = self._interpolated(expr_text, scope, inside, (start, end), lines, offset, file)
        else:
            self._bindings.append(bound)
            try:
                _value, text = self._interpolated(expr_text, None, inside, (start, end), lines, offset, file)
            finally:
                self._bindings.pop()
        if text is not None:
            out.insert(text, start, end)
        elif inside:
            if '"' in body[start:end] or "\\" in body[start:end]:
                out.insert("${?}", start, end)
            else:
                out.copy(start, end)
        else:
            mark = f"\u0000opaque{len(placeholders)}"
            placeholders[mark] = Opaque("${" + expr_text + "}")
            out.insert(json.dumps(mark), start, end)

    def _directive_value(self, expr_text: str, template_vars: dict | None, bound: dict, file: str, span: Span) -> Any:
        """The value of a directive's condition or collection: evaluated with
        the template's and the loops' variables (unknown ones are None)."""
        tree = self._snippet(expr_text)
        if tree is None:
            return None
        scope = {**(template_vars or {}), **bound}
        self._bindings.append(scope)
        self._scopes.append([])
        try:
            self.texts["<interpolation>"] = f"x = {expr_text}\n"
            value = self._directive_eval(tree, "<interpolation>")
        finally:
            notes = self._close_scope(bubble=False)
            self._bindings.pop()
        for _file, _span, message in notes:  # (an evaluation budget spent) at the directive
            self._notice(file, span, message)
        return None if isinstance(value, Opaque) else value

    def _directive_eval(self, node: Any, file: str) -> Any:
        """A directive's expression: :meth:`eval`, and also the operators
        (``==``, ``<``, ``&&``, ``!`` ...) and ``length()`` over known values that
        conditions use (``%{ if i < length(list) - 1 }``); None when unknown."""
        node = unwrap(node)
        if isinstance(node, Tree) and node.data == "binary_op":
            kids = subtrees(node)
            term = subtrees(kids[1]) if len(kids) > 1 else []
            if len(term) < 2 or not term[0].children:
                return None
            left, right = self._directive_eval(kids[0], file), self._directive_eval(term[-1], file)
            return _binary(str(term[0].children[0]), left, right)
        if isinstance(node, Tree) and node.data == "unary_op" and str(node.children[0]) == "!":
            inner = self._directive_eval(node.children[-1], file)
            return not inner if isinstance(inner, bool) else None
        if isinstance(node, Tree) and node.data == "function_call" and name_of(node.children[0]) == "length":
            args = next((subtrees(c) for c in node.children if isinstance(c, Tree) and c.data == "arguments"), [])
            value = self._directive_eval(args[0], file) if len(args) == 1 else None
            return len(value) if isinstance(value, (list, dict, str)) else None
        value = self.eval(node, file, "", None)
        return None if isinstance(value, Opaque) or self._measure(value)[1] else value

    def _interpolated(
        self,
        expr_text: str,
        template_vars: dict | None,
        inside: bool,
        where: tuple[int, int],
        lines: LineTable,
        offset: int,
        file: str,
    ) -> tuple[Any, str | None]:
        """(value, JSON text to put in its place or None) of one ``${...}`` of
        embedded JSON (inside a JSON string: the escaped characters).  Its
        notices, and a text past the budget, are noticed at the interpolation."""
        start, end = where
        self._scopes.append([])
        try:
            value = self.eval_snippet(expr_text, template_vars)
        finally:
            notes = self._close_scope(bubble=False)
        text, over = None, False
        if inside:
            if isinstance(value, bool):
                value = "true" if value else "false"
            if isinstance(value, (str, int, float)):
                if self._measure(value)[0] > self.budget:
                    over = True
                else:
                    text = json.dumps(str(value))[1:-1]
        elif value is not None and not isinstance(value, Opaque):
            size, opaque = self._measure(value)
            if not opaque and size > self.budget:
                over = True
            elif not opaque:
                with contextlib.suppress(TypeError, ValueError):
                    text = json.dumps(value)
        # a template variable is copied in here; a reference was charged where it was evaluated
        if text is not None and (
            len(text) > self.budget or (template_vars is not None and not self._afford(len(text), end - start))
        ):
            text, over = None, True
        span = lines.span(offset + start, offset + end)
        if over:
            notes.append(
                (
                    file,
                    span,
                    f"`${{{_short(expr_text)}}}` was not evaluated: its value would exceed the "
                    f"evaluation budget ({self.budget:,} bytes for this file); it is treated as unknown",
                )
            )
        for _file, _span, message in notes:
            self._notice(file, span, message)
        return value, text

    def _snippet(self, expr_text: str) -> Any:
        """The parsed expression of an interpolation or directive, parsed once
        per text (a template's loop asks for the same ones again and again)."""
        if expr_text not in self._snippets:
            self._snippets[expr_text] = _snippet_expr(f"x = {expr_text}\n")
        return self._snippets[expr_text]

    def eval_snippet(self, expr_text: str, template_vars: dict | None) -> Any:
        """Evaluate the expression of an interpolation found in embedded text."""
        if template_vars is not None:
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", expr_text):
                return template_vars.get(expr_text)
            return None
        text = f"x = {expr_text}\n"
        tree = self._snippet(expr_text)
        if tree is None:
            return None
        # a detached evaluation: positions are not recorded
        self.texts["<interpolation>"] = text
        value = self.eval(tree, "<interpolation>", "", None)
        return value

    # -- aws_iam_policy_document -----------------------------------------
    def usage_kind(self, block: Block) -> str | None:
        """How a policy document data source is used in this module."""
        if self._usage is None:
            self._usage = {}
            pattern = re.compile(r"data\.aws_iam_policy_document\.([A-Za-z0-9_-]+)(?:\[[^\]]*\])?\.(?:minified_)?json")
            for idx in self.all_indexes():
                for b in idx.file.blocks:
                    if b.type == "module":  # arguments whose name says the kind
                        for name, a in b.attrs.items():
                            named = module_argument_kind(name)
                            if named is None:
                                continue
                            for m in pattern.finditer(source_text(a.expr, idx.file.text)):
                                if named:
                                    self._usage.setdefault(m.group(1), named)
                                self._usage_type.setdefault(m.group(1), "module")
                        continue
                    if b.type != "resource" or len(b.labels) < 2:
                        continue
                    rtype = b.labels[0]
                    attrs: list[tuple[Attribute, str]] = []
                    if rtype == "aws_iam_role":
                        if "assume_role_policy" in b.attrs:
                            attrs.append((b.attrs["assume_role_policy"], DocumentKind.TRUST))
                        attrs += [
                            (i.attrs["policy"], DocumentKind.IDENTITY)
                            for i in b.sub("inline_policy")
                            if "policy" in i.attrs
                        ]
                    elif rtype in IDENTITY and IDENTITY[rtype] in b.attrs:
                        kind = self.managed_kind(b.labels[1]) if rtype == "aws_iam_policy" else DocumentKind.IDENTITY
                        attrs.append((b.attrs[IDENTITY[rtype]], kind))
                    elif rtype in RESOURCE and RESOURCE[rtype] in b.attrs:
                        attrs.append((b.attrs[RESOURCE[rtype]], DocumentKind.RESOURCE))
                    for a, k in attrs:
                        text = source_text(a.expr, idx.file.text)
                        for m in pattern.finditer(text):
                            # the first use decides, but a boundary's document only while nothing else uses it
                            prev = self._usage.get(m.group(1))
                            if prev is None or (prev == DocumentKind.BOUNDARY and k != DocumentKind.BOUNDARY):
                                self._usage[m.group(1)] = k
                                self._usage_type[m.group(1)] = rtype
        return self._usage.get(block.labels[1])

    def managed_kind(self, name: str) -> str:
        """The kind of ``aws_iam_policy.<name>``'s document: boundary when the
        module names it in a ``permissions_boundary`` and in no ``policy_arn``,
        ``policy_arns`` or ``managed_policy_arns`` (a policy that is both a
        boundary and a permission policy stays identity: it grants), else identity."""
        if self._managed_use is None:
            self._managed_use = {}
            for idx in self.all_indexes():
                for b in idx.file.blocks:
                    for aname, a in b.attrs.items():
                        use = _POLICY_USES.get(aname)
                        if use is None:
                            continue
                        for m in _POLICY_REF.finditer(source_text(a.expr, idx.file.text)):
                            if self._managed_use.get(m.group(1)) != DocumentKind.IDENTITY:
                                self._managed_use[m.group(1)] = use
        return self._managed_use.get(name, DocumentKind.IDENTITY)

    def data_document(self, block: Block, kind: str | None = None) -> Document | None:
        key = id(block)
        if key in self._doc_cache:
            doc = self._doc_cache[key]
            self._replay(doc)
            return doc
        self._doc_cache[key] = None
        doc = self._collecting(self._data_document, block, kind)
        self._doc_cache[key] = doc
        return doc

    def _data_document(self, block: Block, kind: str | None) -> Document:
        used = self.usage_kind(block) if len(block.labels) >= 2 else None
        value, entries = self.synthesize(block)
        kind_source = "location"
        final = used or kind
        if final is None:
            option = self._kinds(block.file) if self._kinds is not None else self.kind_option
            if option:
                final, kind_source = option, "option"
            else:
                final, kind_source = detect_kind(value), "content"
        # the resource that uses it (aws_s3_bucket_policy, aws_vpc_endpoint ...), else the data source type
        rtype = self._usage_type.get(block.labels[1]) if len(block.labels) >= 2 else None
        doc = Document(
            block.file,
            value,
            final,
            MapLocator(block.file, entries),
            owner=block.address,
            kind_source=kind_source,
            fallback_span=block.header_span or Span(1, 1, 1, 2),
            meta={"resource_type": rtype or block.labels[0]},
            inherited=self._origins.pop(id(block), {}),
        )
        self._data_documents.add(id(doc))
        return doc

    def synthesize(self, block: Block) -> tuple[dict, dict[str, Where]]:
        file = block.file
        entries: dict[str, Where] = {"": Where(file, block.header_span, block.header_span)}
        doc: dict[str, Any] = {}
        version = block.attrs.get("version")
        doc["Version"] = (
            self.eval(version.expr, file, "/Version", entries, version.key_span) if version else "2012-10-17"
        )
        if version is None:
            entries["/Version"] = Where(file, block.header_span, block.header_span)
        pid = block.attrs.get("policy_id")
        if pid is not None:
            doc["Id"] = self.eval(pid.expr, file, "/Id", entries, pid.key_span)
        statements: list[Any] = []
        st_entries: list[dict[str, Where]] = []  # per statement, relative pointers
        #: per statement, (document, pointer) of a data source's statement it copies
        st_origin: list[tuple[Document, str] | None] = []
        #: Sid -> index of the first statement with it: a statement that
        #: replaces one by Sid looks it up (scanning the statements before it
        #: made n statement blocks cost O(n^2))
        by_sid: dict[str, int] = {}

        def add(st: Any, rel: dict[str, Where], replace: bool, origin: tuple[Document, str] | None = None) -> None:
            """Append a statement, or (``replace``) put it in place of the first one with its Sid."""
            sid = st.get("Sid") if isinstance(st, dict) else None
            if not isinstance(sid, str) or not sid:
                sid = None
            k = by_sid.get(sid) if replace and sid is not None else None
            if k is not None:
                statements[k], st_entries[k], st_origin[k] = st, rel, origin
                return
            if sid is not None:
                by_sid.setdefault(sid, len(statements))
            statements.append(st)
            st_entries.append(rel)
            st_origin.append(origin)

        def add_from_documents(attr_name: str, override: bool, single: bool = False) -> None:
            """Statements of the documents of ``attr_name``: a list of them, or
            (``single``: the deprecated ``source_json`` / ``override_json``) one."""
            attr = block.attrs.get(attr_name)
            if attr is None:
                return
            lst = unwrap(attr.expr)
            items = subtrees(lst) if not single and isinstance(lst, Tree) and lst.data == "tuple" else [lst]
            for item in items:
                other = self.policy_document(item, attr.file, DocumentKind.IDENTITY, block.address, attr)
                if other is None or not isinstance(other.value, dict):
                    # an unknown document: unknown statements, never "no statements"
                    add(
                        Opaque(source_text(item, self.text_of(attr.file))),
                        {"": Where(attr.file, node_span(item), attr.key_span)},
                        False,
                    )
                    continue
                raw = other.value.get("Statement")
                raw = [raw] if isinstance(raw, dict) else raw if isinstance(raw, list) else []
                # a data source's document is linted on its own: its statements are its findings
                linted = id(other) in self._data_documents
                for j, st in enumerate(raw):
                    base = f"/Statement/{j}" if isinstance(other.value.get("Statement"), list) else "/Statement"
                    add(st, _relative_entries(other, base), override, (other, base) if linted else None)

        # the provider's order: source_json, source_policy_documents, the
        # statement blocks, override_policy_documents, override_json
        add_from_documents("source_json", False, single=True)
        add_from_documents("source_policy_documents", False)
        for sub in block.blocks:
            st_block = sub
            dynamic = False
            if sub.type == "dynamic" and sub.labels[:1] == ["statement"]:
                content = sub.sub("content")
                if not content:
                    continue
                st_block, dynamic = content[0], True
            elif sub.type != "statement":
                continue
            rel: dict[str, Where] = {}
            add(self.statement(st_block, rel, sub, dynamic), rel, True)
        add_from_documents("override_policy_documents", True)
        add_from_documents("override_json", True, single=True)
        doc["Statement"] = statements
        self._origins[id(block)] = {i: o for i, o in enumerate(st_origin) if o is not None}
        entries["/Statement"] = Where(file, block.span, block.header_span)
        for i, rel in enumerate(st_entries):
            base = f"/Statement/{i}"
            for p, w in rel.items():
                entries[base + p] = w
        return doc, entries

    def statement(self, st: Block, rel: dict[str, Where], outer: Block, dynamic: bool = False) -> dict:
        file = st.file
        out: dict[str, Any] = {}
        header = outer.header_span
        rel[""] = Where(file, outer.span, header)
        sid = st.attrs.get("sid")
        if sid is not None:
            out["Sid"] = self.eval(sid.expr, file, "/Sid", rel, sid.key_span)
        effect = st.attrs.get("effect")
        if effect is not None:
            out["Effect"] = self.eval(effect.expr, file, "/Effect", rel, effect.key_span)
        else:
            out["Effect"] = "Allow"
            rel["/Effect"] = Where(file, header, header)
        for hcl_name, key in (("not_principals", "NotPrincipal"), ("principals", "Principal")):
            blocks = [(b, False) for b in st.sub(hcl_name)] + [
                (d.sub("content")[0], True)
                for d in st.sub("dynamic")
                if d.labels[:1] == [hcl_name] and d.sub("content")
            ]
            if not blocks:
                continue
            principal: dict[str, Any] = {}
            first = True
            for pb, _dyn in blocks:
                tattr, iattr = pb.attrs.get("type"), pb.attrs.get("identifiers")
                ptype = self.eval(tattr.expr, file, "", None) if tattr else None
                if not isinstance(ptype, str) or iattr is None:
                    continue
                tmp: dict[str, Where] = {}
                ids = self.eval(iattr.expr, file, "", tmp)
                ids_list = ids if isinstance(ids, list) else [ids]
                have = principal.setdefault(ptype, [])
                shift = len(have) if isinstance(have, list) else 0
                if isinstance(have, list):
                    have.extend(ids_list)
                p_ptr = f"/{key}/{_esc(ptype)}"
                if p_ptr not in rel:
                    rel[p_ptr] = Where(file, iattr.span, node_span(tattr.expr) if tattr else None)
                for p, w in tmp.items():
                    if p and p.split("/")[1].isdigit():
                        idx = int(p.split("/")[1]) + shift
                        rest = "/".join(p.split("/")[2:])
                        rel[f"{p_ptr}/{idx}" + (f"/{rest}" if rest else "")] = w
                    elif not p and not isinstance(ids, list):
                        rel[f"{p_ptr}/{shift}"] = w
                if first:
                    rel[f"/{key}"] = Where(file, node_span(pb.node), node_span(pb.node.children[0]))
                    first = False
            if not principal:  # only dynamic blocks of unknown type
                out[key] = Opaque(f"dynamic {hcl_name}")
            elif list(principal) == ["*"] and principal["*"] == ["*"]:
                out[key] = "*"
            else:
                out[key] = principal
        for hcl_name, key in (
            ("actions", "Action"),
            ("not_actions", "NotAction"),
            ("resources", "Resource"),
            ("not_resources", "NotResource"),
        ):
            attr = st.attrs.get(hcl_name)
            if attr is not None:
                out[key] = self.eval(attr.expr, file, f"/{key}", rel, attr.key_span)
        conds = [(b, False) for b in st.sub("condition")] + [
            (d.sub("content")[0], True) for d in st.sub("dynamic") if d.labels[:1] == ["condition"] and d.sub("content")
        ]
        if conds:
            condition: dict[str, Any] = {}
            opaque = False
            first = True
            for cb, _dyn in conds:
                tattr, vattr, valattr = cb.attrs.get("test"), cb.attrs.get("variable"), cb.attrs.get("values")
                test = self.eval(tattr.expr, file, "", None) if tattr else None
                var = self.eval(vattr.expr, file, "", None) if vattr else None
                if first:
                    rel["/Condition"] = Where(file, node_span(cb.node), node_span(cb.node.children[0]))
                    first = False
                if _dyn or not isinstance(test, str) or not isinstance(var, str) or valattr is None:
                    # a dynamic condition may or may not exist: the statement's
                    # conditions are unknown as a whole
                    opaque = True
                    continue
                assert tattr is not None and vattr is not None  # else test or var is None
                op_ptr = f"/Condition/{_esc(test)}"
                rel.setdefault(op_ptr, Where(file, node_span(cb.node), tattr.span))
                tmp = {}
                values = self.eval(valattr.expr, file, "", tmp)
                values_list = values if isinstance(values, list) else [values]
                bucket = condition.setdefault(test, {})
                have = bucket.setdefault(var, [])
                shift = len(have)
                have.extend(values_list)
                k_ptr = f"{op_ptr}/{_esc(var)}"
                rel.setdefault(k_ptr, Where(file, valattr.span, vattr.span))
                for p, w in tmp.items():
                    if p and p.split("/")[1].isdigit():
                        rel[f"{k_ptr}/{int(p.split('/')[1]) + shift}"] = w
            out["Condition"] = Opaque("dynamic condition") if opaque else condition
        # Terraform omits null arguments: an unknown value may be null, so an
        # unknown X next to NotX (or any unknown optional argument of a dynamic
        # statement) is left out rather than reported as a conflict.
        for a, b in (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal")):
            if a in out and b in out:
                if isinstance(out[b], Opaque):
                    del out[b]
                elif isinstance(out[a], Opaque):
                    del out[a]
        if dynamic:
            for k in ("Sid", "NotAction", "Resource", "NotResource"):
                if isinstance(out.get(k), Opaque) and not (k == "Resource" and "NotResource" not in out):
                    del out[k]
            if isinstance(out.get("Action"), Opaque) and "NotAction" in out:
                del out["Action"]
        return out

    # -- aws_lambda_permission ---------------------------------------------
    def lambda_permission(self, block: Block) -> Document | None:
        file = block.file
        entries: dict[str, Where] = {"": Where(file, block.header_span, block.header_span)}
        st_ptr = "/Statement/0"
        entries["/Statement"] = entries[st_ptr] = Where(file, block.span, block.header_span)
        st: dict[str, Any] = {"Effect": "Allow"}
        sid = block.attrs.get("statement_id")
        if sid is not None:
            st["Sid"] = self.eval(sid.expr, file, st_ptr + "/Sid", entries, sid.key_span)
        pattr = block.attrs.get("principal")
        if pattr is None:
            return None
        principal = self.eval(pattr.expr, file, st_ptr + "/Principal/x", entries, pattr.key_span)
        if isinstance(principal, str) and principal == "*":
            st["Principal"] = "*"
            entries[st_ptr + "/Principal"] = Where(file, pattr.span, pattr.key_span)
        else:
            ptype = (
                "Service"
                if isinstance(principal, str) and principal.endswith((".amazonaws.com", ".amazonaws.com.cn"))
                else "AWS"
            )
            st["Principal"] = {ptype: principal}
            entries[st_ptr + "/Principal"] = Where(file, pattr.span, pattr.key_span)
            entries[f"{st_ptr}/Principal/{ptype}"] = entries.pop(st_ptr + "/Principal/x")
        aattr = block.attrs.get("action")
        if aattr is not None:
            st["Action"] = self.eval(aattr.expr, file, st_ptr + "/Action", entries, aattr.key_span)
        fattr = block.attrs.get("function_name")
        if fattr is not None:
            fn = self.eval(fattr.expr, file, st_ptr + "/Resource", entries, fattr.key_span)
            if isinstance(fn, str) and not fn.startswith("arn:"):
                fn = f"arn:aws:lambda:${{Region}}:{ACCOUNT}:function:{fn}"
            st["Resource"] = fn
        cond: dict[str, dict] = {}
        for attr_name, op, ckey in (
            ("source_arn", "ArnLike", "AWS:SourceArn"),
            ("source_account", "StringEquals", "AWS:SourceAccount"),
            ("principal_org_id", "StringEquals", "aws:PrincipalOrgID"),
        ):
            a = block.attrs.get(attr_name)
            if a is not None:
                ptr = f"{st_ptr}/Condition/{op}/{_esc(ckey)}"
                cond.setdefault(op, {})[ckey] = self.eval(a.expr, file, ptr, entries, a.key_span)
        if cond:
            st["Condition"] = cond
        value = {"Version": "2012-10-17", "Statement": [st]}
        return Document(
            file,
            value,
            DocumentKind.RESOURCE,
            MapLocator(file, entries),
            owner=block.address,
            kind_source="location",
            fallback_span=block.header_span or Span(1, 1, 1, 2),
            meta={"synthesized": "aws_lambda_permission", "resource_type": "aws_lambda_permission"},
        )

    # -- roles ------------------------------------------------------------------
    def principal_target(self, expr: Any, file: str, rtype: str) -> tuple[str | None, str | None]:
        """(Terraform name of the referenced aws_iam_role/user/group, literal IAM name).

        A principal declared with ``count``/``for_each`` is named through an
        index or a splat: ``aws_iam_role.x[0].name``, ``aws_iam_role.x["k"].name``,
        ``aws_iam_role.x[*].name``, ``one(aws_iam_role.x[*].name)``,
        ``element(aws_iam_role.x.*.name, 0)``: each names ``aws_iam_role.x``."""
        trav = self.traversal(_splat_base(expr))
        if trav is not None and trav[0] == rtype and trav[1] and isinstance(trav[1][0], str):
            return trav[1][0], None
        value = self.eval(expr, file, "", None)
        return None, value if isinstance(value, str) else None

    def _targets(self, attr: Attribute | None, rtype: str) -> list[tuple[str | None, str | None, Any]]:
        if attr is None:
            return []
        node = unwrap(attr.expr)
        items = subtrees(node) if isinstance(node, Tree) and node.data == "tuple" else [node]
        return [(*self.principal_target(i, attr.file, rtype), i) for i in items]

    def principals(self) -> list[Role]:
        """The principals this file declares, and the external principals it
        names first in the module (by path, then position): assembled
        (:func:`~iamlint.sources.assemble.assemble`) from the declarations of
        the module's principals and of the resources naming them."""
        home = [b for b in self.home.blocks if b.type == "resource" and len(b.labels) >= 2]
        if not any(b.labels[0] in PRINCIPAL_TYPES or b.labels[0] in NAMING_TYPES for b in home):
            return []
        links: dict[int, list[Any]] = {}
        roles = assemble(self._declarations(), links)
        here = os.path.abspath(self.path)
        kept: list[Role] = []
        externals: list[Role] = []
        for role in roles:
            self._finish(role)
            origins = links.get(id(role), [])
            if not role.external:
                if role.file == self.path:
                    kept.append(role)
                    self.parts[id(role)] = _part_files(role, [role.file, *(b.file for b in origins)])
            elif origins and role.file == self.path and min(os.path.abspath(b.file) for b in origins) == here:
                externals.append(role)
                self.parts[id(role)] = _part_files(role, [b.file for b in origins])
        order = list(PRINCIPAL_TYPES.values())
        externals.sort(key=lambda r: order.index(r.principal_type))
        return kept + externals

    def _declarations(self) -> list[Declaration]:
        """The declarations of the principals this file may return (its own,
        and the groups memberships name: a user's power includes its groups')
        and of the resources of the module, in module order (this file
        first), that may name one of them or an external principal this file
        names: what names only other principals is linked by other files' runs."""
        full = [
            b
            for b in self.home.blocks
            if b.type == "resource" and len(b.labels) >= 2 and b.labels[0] in PRINCIPAL_TYPES
        ]
        naming = [(b, self._named(b)) for idx in self.all_indexes() for b in idx.file.blocks if self._names(b)]
        here = {
            id(other): [x for x in (self._target(r, t, f, other, True) for r, t, f in named) if x is not None]
            for other, named in naming
            if other.file == self.path
        }
        # join keys of the externals this file may return or its users' groups may be
        wanted = {join for targets in here.values() for _t, join in targets if join is not None}
        groups = [pair for other, _named in naming for pair in self._group_targets(other)]
        wanted.update(join for _t, join in groups if join is not None)
        group_keys = {t.key for t, _join in groups if t.key is not None}
        group_names = {t.name for t, _join in groups if t.key is None}
        keys = {b.address for b in full}
        for idx in self.indexes[1:] if groups else ():
            for (rtype, _n), block in idx.resources.items():
                if rtype != "aws_iam_group" or block.address in keys:
                    continue
                if block.address in group_keys or (group_names and self._principal_name(block) in group_names):
                    full.append(block)
                    keys.add(block.address)
        principals = [self._principal(b) for b in full]
        names = {(p.principal_type, p.name) for p in principals if p.name is not None}
        decls: list[Declaration] = list(principals)
        keep = (keys, names, wanted)
        for other, named in naming:
            if other.file == self.path:
                targets = [t for t, join in here[id(other)] if self._keeps(t, join, keep)]
            else:
                found = (self._target(r, t, f, other, True, keep) for r, t, f in named)
                targets = [t[0] for t in found if t is not None]
            if targets:
                decls += self._naming_declarations(other, targets)
        return decls

    @staticmethod
    def _keeps(target: Target, join: Any, keep: tuple[set[str], set[tuple[str, Any]], set[Any]]) -> bool:
        if target.key is not None:
            return target.key in keep[0]
        return (target.principal_type, target.name) in keep[1] or join in keep[2]

    def _principal_name(self, block: Block) -> Any:
        """How a principal is named by the resources naming it: its literal
        IAM name, else its name's expression as written (``var.role_name``)."""
        name = self.attr_value(block, "name")
        if isinstance(name, str):
            return name
        nattr = block.attrs.get("name")
        return ("expr", self._expr_text(nattr.expr, nattr.file)) if nattr is not None else None

    def _principal(self, block: Block) -> Principal:
        """The declaration of an ``aws_iam_role``/``user``/``group`` or
        permission set, with what is written inside it."""
        rtype = block.labels[0]
        file = block.file
        iam_name = self.attr_value(block, "name")
        iam_name = iam_name if isinstance(iam_name, str) else None
        entries: dict[str, Where] = {"": Where(file, block.header_span, block.header_span)}
        value: dict[str, Any] = {"type": rtype, "address": block.address}
        if iam_name:
            value["name"] = iam_name
        path = self.attr_value(block, "path")
        resource = Document(
            file,
            value,
            "role",
            MapLocator(file, entries),
            owner=block.address,
            kind_source="location",
            fallback_span=block.header_span or Span(1, 1, 1, 2),
            meta={"resource_type": rtype},
        )
        decl = Principal(
            PRINCIPAL_TYPES[rtype],
            block.address,
            file,
            resource,
            name=self._principal_name(block),
            path=path if isinstance(path, str) else None,
        )
        if rtype == "aws_iam_role":
            attr = block.attrs.get("assume_role_policy")
            if attr is not None:
                decl.trust = self.policy_document(attr.expr, attr.file, DocumentKind.TRUST, block.address, attr, rtype)
            for inline in block.sub("inline_policy"):
                pattr = inline.attrs.get("policy")
                if pattr is not None:
                    doc = self.policy_document(
                        pattr.expr, pattr.file, DocumentKind.IDENTITY, block.address, pattr, rtype
                    )
                    if doc is not None:
                        decl.inline.append(doc)
            mattr = block.attrs.get("managed_policy_arns")
            if mattr is not None:
                arns = self.eval(mattr.expr, file, "/managed_policy_arns", entries, mattr.key_span)
                value["managed_policy_arns"] = arns
                node = unwrap(mattr.expr)
                items = subtrees(node) if isinstance(node, Tree) and node.data == "tuple" else []
                if isinstance(arns, list):
                    for i, arn in enumerate(arns):
                        pdoc = self.policy_for_arn(items[i], file) if i < len(items) else None
                        decl.managed.append(Attachment(arn, f"/managed_policy_arns/{i}", pdoc))
                else:
                    decl.managed.append(Attachment(arns, "/managed_policy_arns"))
        battr = block.attrs.get("permissions_boundary")
        if battr is not None:
            arn = self.eval(battr.expr, file, "/permissions_boundary", entries, battr.key_span)
            value["permissions_boundary"] = arn
            decl.boundary = Attachment(arn, "/permissions_boundary", self.policy_for_arn(battr.expr, file))
        return decl

    @staticmethod
    def _names(block: Block) -> bool:
        return block.type == "resource" and len(block.labels) >= 2 and block.labels[0] in NAMING_TYPES

    def _named(self, other: Block) -> list[tuple[str, tuple[str | None, str | None, Any], str]]:
        """(principal resource type, target as :meth:`principal_target` reads
        it, file) of each principal the naming resource ``other`` names."""
        out = []
        for rtype, ptype in PRINCIPAL_TYPES.items():
            attr_name = self._principal_attr(other.labels[0], ptype)
            attr = other.attrs.get(attr_name) if attr_name is not None else None
            if attr is not None:
                out += [(rtype, target, attr.file) for target in self._targets(attr, rtype)]
        return out

    def _group_targets(self, other: Block) -> list[tuple[Target, Any]]:
        """(target, external join key) of the groups a membership names; an
        external group is one other resources name (a membership declares none)."""
        otype = other.labels[0]
        if otype not in ("aws_iam_group_membership", "aws_iam_user_group_membership"):
            return []
        attr = other.attrs.get("group" if otype == "aws_iam_group_membership" else "groups")
        found = [
            self._target("aws_iam_group", t, cast(Attribute, attr).file, other, create=False)
            for t in self._targets(attr, "aws_iam_group")
        ]
        return [t for t in found if t is not None]

    def _target(
        self,
        rtype: str,
        target: tuple[str | None, str | None, Any],
        file: str,
        block: Block,
        create: bool,
        keep: tuple[set[str], set[tuple[str, Any]], set[Any]] | None = None,
    ) -> tuple[Target, Any] | None:
        """(:class:`Target`, external join key or None) for what
        :meth:`principal_target` read: by address, else by literal name or
        expression, else external (see :meth:`_external_key`).  With ``keep``
        (addresses, names, join keys), None for a target naming none of them."""
        ref, literal, node = target
        ptype = PRINCIPAL_TYPES[rtype]
        if ref is not None:
            key = f"{rtype}.{ref}"
            return None if keep is not None and key not in keep[0] else (Target(ptype, key=key), None)
        name = literal if literal is not None else ("expr", self._expr_text(node, file))
        if keep is not None:
            if (ptype, name) in keep[1]:
                return Target(ptype, name=name), None  # a declared name: never external
            if not keep[2]:
                return None
        hit = self._external_key(rtype, target, file, block)
        if hit is None or (keep is not None and hit[0] not in keep[2]):
            return None if keep is not None else (Target(ptype, name=name), None)
        join, written = hit
        make = self._external_resource(written, ptype, block, node, file) if create else None
        return Target(ptype, name=name, external=External(join, written, make)), join

    @staticmethod
    def _external_resource(name: str, ptype: str, block: Block, node: Any, file: str) -> Callable[[], Document]:
        """How to make the resource document of an external principal, located
        at the target that first names it."""

        def make() -> Document:
            span = node_span(node) or block.header_span or Span(1, 1, 1, 2)
            return Document(
                file,
                {"type": "external", "principal_type": ptype, "name": name},
                "role",
                MapLocator(file, {"": Where(file, span, span)}),
                owner=name,
                kind_source="location",
                fallback_span=span,
                meta={"resource_type": block.labels[0]},
            )

        return make

    def _naming_declarations(self, other: Block, targets: list[Target]) -> list[Declaration]:
        """What the resource ``other`` (an inline policy, attachment, access
        key, group membership or ``aws_ssoadmin_*`` part) declares for each
        of ``targets``: the ARNs located relative to where they are written."""
        otype = other.labels[0]
        inline: Document | None = None
        arns: list[tuple[Any, dict[str, Where], Document | None, bool]] = []  # (ARN, where, document, boundary)
        key: dict[str, Where] | None = None
        if otype in INLINE_TARGET or otype == "aws_ssoadmin_permission_set_inline_policy":
            pattr = other.attrs.get("policy" if otype in INLINE_TARGET else "inline_policy")
            if pattr is not None:
                inline = self.policy_document(
                    pattr.expr, pattr.file, DocumentKind.IDENTITY, other.address, pattr, otype
                )
        elif otype in ATTACHMENTS or otype == "aws_ssoadmin_managed_policy_attachment":
            aattr = other.attrs.get("policy_arn" if otype in ATTACHMENTS else "managed_policy_arn")
            arns = [(*self._arn(aattr), False)] if aattr is not None else []
        elif otype == "aws_ssoadmin_customer_managed_policy_attachment":
            refs = map(self._customer_reference, other.sub("customer_managed_policy_reference"))
            arns = [(*c, False) for c in refs if c]
        elif otype == "aws_ssoadmin_permissions_boundary_attachment":
            for boundary in other.sub("permissions_boundary"):
                battr = boundary.attrs.get("managed_policy_arn")
                arns += [(*self._arn(battr), True)] if battr is not None else []
                refs = map(self._customer_reference, boundary.sub("customer_managed_policy_reference"))
                arns += [(*c, True) for c in refs if c]
        elif otype == "aws_iam_access_key" and self._active_key(other):
            key = {"": Where(other.file, other.header_span, other.header_span)}
        groups: list[tuple[Target, str | None]] = []
        if otype == "aws_iam_group_membership":  # group = ..., users = [...]
            name = self.attr_value(other, "group")
            groups = [(t, name if isinstance(name, str) else None) for t, _join in self._group_targets(other)]
        elif otype == "aws_iam_user_group_membership":  # user = ..., groups = [...]
            names = self.attr_value(other, "groups")
            groups = [(Target("group"), g) for g in (names if isinstance(names, list) else ()) if isinstance(g, str)]
            groups += [(t, None) for t, _join in self._group_targets(other)]
        out: list[Declaration] = []
        for target in targets:
            out.append(Mention(target, other))
            if inline is not None:
                out.append(InlinePolicy(target, inline, other))
            out += [PolicyAttachment(target, arn, at, doc, limits, origin=other) for arn, at, doc, limits in arns]
            if key is not None:
                out.append(AccessKeyDeclaration(target, other.address, where=key, origin=other))
            if target.principal_type == "user":
                out += [Membership(target, group, name) for group, name in groups]
        return out

    def _arn(self, attr: Attribute) -> tuple[Any, dict[str, Where], Document | None]:
        """(value, where it is written, the module's policy it names) of a policy ARN."""
        where: dict[str, Where] = {}
        arn = self.eval(attr.expr, attr.file, "", where, attr.key_span)
        return arn, where, self.policy_for_arn(attr.expr, attr.file)

    def _finish(self, role: Role) -> None:
        """Locate the attachments and keys of ``role`` written in another
        file than it in that file (see :meth:`_located`)."""
        resource = role.resource
        entries = cast(MapLocator, resource.locator).entries
        if role.boundary is not None:
            resource.value["permissions_boundary"] = role.boundary.arn
        for att in (*role.managed, role.boundary):
            if att is not None:
                where = self._located(resource, att.pointer, entries)
                att.located_in = where if where is not resource else None
        role.access_keys = [
            AccessKey(k.name, self._located(resource, k.pointer, entries), k.pointer) for k in role.access_keys
        ]

    def _located(self, resource: Document, pointer: str, entries: dict[str, Where]) -> Document:
        """The document in which ``pointer`` of a principal's ``resource`` can be
        located: ``resource`` itself, or -- for an attachment or key written in
        another file of the module -- a view of it over that file, so the finding
        lands on the ARN or key as written there rather than on the principal."""
        where = entries.get(pointer)
        if where is None or where.file == resource.file:
            return resource
        views = self._elsewhere.setdefault(id(resource), {})
        view = views.get(where.file)
        if view is None:
            view = views[where.file] = Document(
                where.file,
                resource.value,
                resource.kind,
                MapLocator(where.file, entries),
                owner=resource.owner,
                kind_source=resource.kind_source,
                fallback_span=where.span or Span(1, 1, 1, 2),
                meta=resource.meta,
            )
        return view

    def _customer_reference(self, ref: Block) -> tuple[Opaque, dict[str, Where], Document | None] | None:
        """(value, where, document) of a ``customer_managed_policy_reference {
        name, path }``, located at its ``name``: the ``aws_iam_policy`` of the
        module it names (by reference or by its literal name), else an opaque
        policy of the member accounts."""
        nattr = ref.attrs.get("name")
        if nattr is None:
            return None
        where: dict[str, Where] = {}
        name = self.eval(nattr.expr, nattr.file, "", where, nattr.key_span)
        path = self.attr_value(ref, "path")
        label = f"{path if isinstance(path, str) else '/'}{name if isinstance(name, str) else '${name}'}"
        doc = self.policy_for_arn(nattr.expr, nattr.file)
        if doc is None and isinstance(name, str):
            block = next(
                (
                    b
                    for idx in self.all_indexes()
                    for (t, _n), b in idx.resources.items()
                    if t == "aws_iam_policy" and self.attr_value(b, "name") == name
                ),
                None,
            )
            if block is not None and "policy" in block.attrs:
                attr = block.attrs["policy"]
                doc = self.policy_document(
                    attr.expr, attr.file, DocumentKind.IDENTITY, block.address, attr, "aws_iam_policy"
                )
        return Opaque("${customer managed policy " + label + "}"), where, doc

    @staticmethod
    def _principal_attr(otype: str, ptype: str) -> str | None:
        """The attribute by which a resource of type ``otype`` names the
        principals of type ``ptype`` it applies to (an inline policy's
        ``role``, an attachment's ``roles``, an access key's ``user``), or None."""
        if otype in INLINE_TARGET:
            attr, target = INLINE_TARGET[otype]
            return attr if target == ptype else None
        if otype in ATTACHMENTS:
            names, only = ATTACHMENTS[otype]
            if only is None:
                return {"role": "roles", "user": "users", "group": "groups"}.get(ptype)
            return names[0] if only == ptype else None
        if otype in PERMISSION_SET_PARTS:
            return "permission_set_arn" if ptype == "permission_set" else None
        if otype in ("aws_iam_access_key", "aws_iam_user_group_membership") and ptype == "user":
            return "user"
        if otype == "aws_iam_group_membership" and ptype == "user":
            return "users"
        return None

    def _active_key(self, block: Block) -> bool:
        """An ``aws_iam_access_key`` that can sign requests (``status`` unset or not "Inactive")."""
        return self.eval_simple(block.attrs.get("status")) != "Inactive"

    # -- principals the module does not declare ---------------------------------

    def _declared_names(self, rtype: str) -> set[str]:
        """The IAM names (``name = ...``) of the module's principals of type
        ``rtype``, and the expressions of those whose name is unknown (``var.name``)."""
        names = self._declared.get(rtype)
        if names is None:
            names = set()
            for idx in self.all_indexes():
                for (t, _n), b in idx.resources.items():
                    if t == rtype:
                        v = self.attr_value(b, "name")
                        if isinstance(v, str):
                            names.add(v)
                        elif "name" in b.attrs:
                            names.add(self._expr_text(b.attrs["name"].expr, b.attrs["name"].file))
            self._declared[rtype] = names
        return names

    def _expr_text(self, node: Any, file: str) -> str:
        """An expression as written, blanks collapsed (``var.role_name``)."""
        return " ".join(source_text(node, self.text_of(file)).split())

    def _external_key(
        self, rtype: str, target: tuple[str | None, str | None, Any], file: str, block: Block
    ) -> tuple[tuple, str] | None:
        """(join key, name as written) of a target naming no principal of the
        module (``var.role_name``, ``"bob"``, ``data.aws_iam_role.x.name``), or None.

        A reference to a principal resource (``aws_iam_role.x.name``, a splat,
        ``try(aws_iam_role.this[0].name, "")``) is the module's own principal,
        never external; a target that depends on ``each``/``count`` is a
        principal of its block alone (two blocks iterating are not one principal)."""
        ref, literal, node = target
        if ref is not None:
            return None
        text = self._expr_text(node, file)
        if not text or text in ("<expression>", "null", '""') or self._may_name_own_principal(text):
            return None
        if (literal if literal is not None else text) in self._declared_names(rtype):
            return None  # the module's principal, by its name or by the expression its name is
        ptype = PRINCIPAL_TYPES[rtype]
        if literal is not None and literal and "${" not in literal:
            written = literal if text.startswith('"') and "${" not in text else text
            return (ptype, "name", literal), written
        if _ITERATION.search(text):
            return (ptype, "in", block.address, text), text
        return (ptype, "expr", text), text

    def _may_name_own_principal(self, text: str, depth: int = 0) -> bool:
        """Whether an expression refers to a principal resource, directly or
        through the locals it uses (``local.group_name = var.create ?
        aws_iam_group.this[0].id : var.name``): then it may be the module's own."""
        if _PRINCIPAL_REF.search(text):
            return True
        if depth >= 4:
            return False
        for name in dict.fromkeys(_LOCAL_REF.findall(text)):
            attr = self.find("locals", name)
            if attr is not None and self._may_name_own_principal(
                source_text(attr.expr, self.text_of(attr.file)), depth + 1
            ):
                return True
        return False

    def policy_for_arn(self, expr: Any, file: str) -> Document | None:
        """The document of ``aws_iam_policy.x`` when ``expr`` is ``aws_iam_policy.x.arn``."""
        trav = self.traversal(expr)
        if trav is None or trav[0] != "aws_iam_policy" or not trav[1] or not isinstance(trav[1][0], str):
            return None
        block = self.find("resources", ("aws_iam_policy", trav[1][0]))
        if block is None or "policy" not in block.attrs:
            return None
        attr = block.attrs["policy"]
        kind = self.managed_kind(trav[1][0])
        return self.policy_document(attr.expr, attr.file, kind, block.address, attr, "aws_iam_policy")


# --------------------------------------------------------------------------


def _esc(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def read_included(path: str, module_dir: str) -> tuple[str | None, str | None]:
    """The text of a file that ``file()``/``templatefile()`` names, as
    ``(text, None)``; ``(None, why)`` for one that is not read; ``(None, None)``
    for one that does not exist, cannot be opened or is not UTF-8 (as before:
    no document).  See :func:`read_confined`."""
    data, why = read_confined(path, module_dir, MAX_INCLUDED_FILE)
    if data is None:
        return None, why
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None, None
    # as a text-mode open() read it before: universal newlines, no BOM
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"), None


def _part_files(role: Role, files: list[str]) -> frozenset[str]:
    """The files declaring a part of ``role``: ``files`` (its block's and
    those of the resources naming it), and the files its policies are written
    in (a document read through ``file()`` counts for the .tf that reads it)."""
    docs = [role.trust, *role.inline, *(a.document for a in role.managed)]
    if role.boundary is not None:
        docs.append(role.boundary.document)
    found = set(files)
    found.update(d.meta.get("included_from") or d.file for d in docs if d is not None)
    return frozenset(found)


def _short(text: str, limit: int = 60) -> str:
    """An expression as named in a message: one line, at most ``limit`` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _distinct(values: list) -> list:
    """Terraform's distinct(): the first of equal elements, in order, by hashing
    a frozen copy of each (``x not in seen`` over a list is quadratic)."""
    seen: set = set()
    out = []
    for x in values:
        key = _frozen(x)
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


def _frozen(value: Any) -> Any:
    """A hashable value equal to another's frozen copy exactly when the values are equal."""
    if isinstance(value, list):
        return ("list", tuple(_frozen(v) for v in value))
    if isinstance(value, dict):
        return ("dict", frozenset((k, _frozen(v)) for k, v in value.items()))
    return value


def _replace_placeholders(value: Any, marks: dict[str, Opaque]) -> Any:
    if isinstance(value, str):
        return marks.get(value, value)
    if isinstance(value, list):
        return [_replace_placeholders(v, marks) for v in value]
    if isinstance(value, dict):
        return {k: _replace_placeholders(v, marks) for k, v in value.items()}
    return value


def _relative_entries(other: Document, base: str) -> dict[str, Where]:
    """Positions of the statement at ``base`` in ``other``, relative to it."""
    loc = other.locator
    out: dict[str, Where] = {}
    if isinstance(loc, MapLocator):
        for p, w in loc.entries.items():
            if p == base or p.startswith(base + "/"):
                out[p[len(base) :]] = w
        return out
    stack = [("", other.value_at(base))]
    while stack:
        rel, node = stack.pop()
        out[rel] = Where(other.file, loc.span(base + rel), loc.key_span(base + rel))
        if isinstance(node, dict):
            stack.extend((join_pointer(rel, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((join_pointer(rel, i), v) for i, v in enumerate(node))
    return out


#: words of a module argument's name (split at "_") that make it hold a trust
#: policy, a resource policy, an identity policy; see module_argument_kind
_TRUST_WORDS = frozenset({"assume", "trust"})
_RESOURCE_WORDS = frozenset(
    {
        "bucket", "queue", "topic", "key", "kms", "repository", "repo", "registry", "secret", "vault", "domain",
        "resource", "endpoint", "bus", "s3", "sqs", "sns", "ecr", "access",
    }
)  # fmt: skip
_IDENTITY_WORDS = frozenset({"inline", "iam", "identity", "permission", "permissions", "user", "group", "role"})
#: last words of names that hold no document (an ARN, a switch, a count ...)
_NOT_DOCUMENT_WORDS = frozenset({"arn", "arns", "name", "names", "id", "ids", "path", "prefix", "statements"})
_SWITCH_WORDS = frozenset({"attach", "create", "number", "force", "block", "ignore", "restrict", "enable", "use"})


def module_argument_kind(name: str) -> str | None:
    """Whether the module argument ``name`` holds a policy document, and its kind.

    The name must contain ``policy``/``policies`` (``policy``, ``bucket_policy``,
    ``policy_json``, ``inline_policy``, ``assume_role_policy``, ``policy_jsons``),
    and neither end in a word that names something else (``policy_arn``,
    ``custom_role_policy_arns``, ``policy_name``, ``policy_statements``: a map of
    statement objects, not a document) nor start with a switch
    (``attach_policy``, ``create_policy``, ``number_of_policies``).  The kind:
    ``trust`` when a word is ``assume``/``trust`` (``assume_role_policy``,
    ``trust_policy``); ``resource`` when a word names a resource
    (``bucket_policy``, ``queue_policy``, ``key_policy``, ``resource_policy``,
    ``repository_policy``, ``access_policies`` ...); ``identity`` when a word
    names an IAM policy (``inline_policy``, ``role_policy``, ``iam_policy``);
    and ``""`` for a name that does not say (``policy``, ``policy_json``,
    ``policy_document``): the document's content decides then
    (:func:`~iamlint.model.policy.detect_kind`: identity without a
    ``Principal``).  None for any other name."""
    words = name.lower().split("_")
    if not any(w.startswith("polic") for w in words):
        return None
    if words[-1] in _NOT_DOCUMENT_WORDS or words[0] in _SWITCH_WORDS:
        return None
    if _TRUST_WORDS.intersection(words):
        return DocumentKind.TRUST
    if _RESOURCE_WORDS.intersection(words):
        return DocumentKind.RESOURCE
    if _IDENTITY_WORDS.intersection(words):
        return DocumentKind.IDENTITY
    return ""


def _may_hold_policy(node: Any) -> bool:
    """An expression that can be a policy document (not a bool, number, list
    or ``var.x``): ``jsonencode``, ``file``/``templatefile``, a heredoc, a
    string, a local."""
    if not isinstance(node, Tree):
        return False
    if node.data == "function_call":
        return name_of(node.children[0]) in ("jsonencode", "file", "templatefile")
    if node.data in ("heredoc_template", "heredoc_template_trim", "string"):
        return True
    if node.data in ("get_attr_expr_term", "index_expr_term"):
        base = node
        while isinstance(base, Tree) and base.data in ("get_attr_expr_term", "index_expr_term"):
            base = unwrap(base.children[0])
        return isinstance(base, Tree) and base.data == "identifier" and str(base.children[0]) in ("local", "data")
    return False


def _json_like(text: str) -> bool:
    """Text written as JSON (a string or heredoc whose content begins with ``{``)."""
    body = text.strip()
    if body.startswith("<<"):
        body = body.split("\n", 1)[1].strip() if "\n" in body else ""
    return body.lstrip('"').lstrip().startswith("{")


def _binary(op: str, left: Any, right: Any) -> Any:
    """``left op right`` as Terraform computes it, for known values; None otherwise."""
    if left is None or right is None:
        return None
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
    if op in ("==", "!="):
        return ((left == right and type(left) is type(right)) or (numbers and left == right)) == (op == "==")
    if op in ("&&", "||"):
        if isinstance(left, bool) and isinstance(right, bool):
            return (left and right) if op == "&&" else (left or right)
        return None
    if not numbers:
        return None
    if op in ("<", ">", "<=", ">="):
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]
    if op in ("+", "-", "*"):
        return {"+": left + right, "-": left - right, "*": left * right}[op]
    return None


#: functions that pick principals out of a list without changing which they are
_PICKING = frozenset({"one", "element", "tolist", "toset", "try", "coalesce", "compact", "distinct", "flatten", "sort"})


def _splat_base(node: Any) -> Any:
    """The traversal a principal reference is made of: ``one(x[*].name)`` and
    ``x[*].name`` / ``x.*.name`` give ``x`` (see ``principal_target``); any
    other expression is itself."""
    node = unwrap(node)
    while isinstance(node, Tree) and node.data == "function_call" and name_of(node.children[0]) in _PICKING:
        args = next((subtrees(c) for c in node.children if isinstance(c, Tree) and c.data == "arguments"), [])
        if not args:
            return node
        node = unwrap(args[0])
    if isinstance(node, Tree) and node.data in ("attr_splat_expr_term", "full_splat_expr_term"):
        return unwrap(node.children[0])
    return node


def _snippet_expr(text: str) -> Any:
    """The expression of the single attribute ``x = <expr>`` of a snippet,
    parsed by the same parser as whole files (hclpos: one parser a process)."""
    try:
        tree = parses_to_tree(text)
    except Exception:  # noqa: BLE001 (the HCL parser raises many kinds of errors; a snippet it cannot parse is no expression)
        return None
    body = tree.children[0] if tree.children else None
    if not isinstance(body, Tree):
        return None
    for child in subtrees(body):
        if child.data == "attribute":
            return child.children[-1]
    return None
