"""Raw JSON files: a policy document, or JSON that other readers recognise."""

from __future__ import annotations

from iamlint.findings import Span
from iamlint.model.document import Document
from iamlint.model.policy import detect_kind, organizations_kind
from iamlint.parsing.parse import parse
from iamlint.parsing.strict import SyntaxProblem
from iamlint.sources import markers
from iamlint.sources.result import SourceResult
from iamlint.vocabulary import DocumentKind


def _is_iam(text: str, kind: str | None) -> bool:
    """Whether a file that cannot be parsed gets its syntax finding: a kind
    forced by ``--kind`` or the configuration makes it a policy by decree,
    else its text decides (the same rule for a named and a walked file)."""
    return kind is not None or markers.json_is_iam(text)


def undecodable(path: str, message: str, kind: str | None, data: bytes) -> SourceResult:
    """Bytes that are not UTF-8 text: a syntax finding if they look like IAM
    material, else skipped (a binary file, named or found by a walk).  NUL
    bytes are dropped before the test, so UTF-16 policy text is recognised."""
    if not _is_iam(data.replace(b"\x00", b"").decode("latin-1"), kind):
        return SourceResult(skipped=True)
    doc = Document(
        path, None, kind or DocumentKind.IDENTITY, syntax_problems=[SyntaxProblem(message, Span(1, 1, 1, 2))]
    )
    return SourceResult(documents=[doc])


def read(path: str, text: str, kind: str | None) -> SourceResult:
    result = parse(text)
    if result.problems:
        if not _is_iam(text, kind):
            return SourceResult(skipped=True, text=text)  # tsconfig.json, .vscode/settings.json ...
        doc = Document(path, None, kind or DocumentKind.IDENTITY, result.locator, syntax_problems=result.problems)
        return SourceResult(documents=[doc], text=text)
    value = result.value
    if isinstance(value, dict):
        other = _other_reader(value)
        if other is not None:
            return other(path, text, value, result, kind)
    if kind is None and not (isinstance(value, dict) and "Statement" in value):
        # valid JSON that is not a policy (package.json, tsconfig.json ...)
        return SourceResult(skipped=True, text=text)
    if kind == DocumentKind.SCP:
        kind = organizations_kind(value)  # `--kind scp` names Organizations policies: an RCP has a Principal
    doc = Document(
        path,
        value,
        kind or detect_kind(value),
        result.locator,
        kind_source="option" if kind else "content",
        duplicates=result.duplicates,
    )
    return SourceResult(documents=[doc], text=text)


def _other_reader(value: dict):
    """CloudFormation JSON, Terraform plan JSON and account dumps."""
    try:
        if (
            "Resources" in value
            and isinstance(value.get("Resources"), dict)
            and (
                "AWSTemplateFormatVersion" in value
                or any(
                    isinstance(r, dict) and str(r.get("Type", "")).startswith(("AWS::", "Custom::"))
                    for r in value["Resources"].values()
                )
            )
        ):
            # each format's reader is imported for a file of that format only: every JSON
            # file passes here, and cloudformation costs ~80M instructions to import,
            # terraform_plan (lark, the HCL reader) ~340M, account_dump ~22M
            from iamlint.sources.cloudformation import read_json as reader  # noqa: PLC0415 (start-up cost)

            return reader
        if "planned_values" in value or ("resource_changes" in value and "format_version" in value):
            from iamlint.sources.terraform_plan import read_json as reader  # noqa: PLC0415 (start-up cost)

            return reader
        if any(k in value for k in ("RoleDetailList", "UserDetailList", "GroupDetailList")) or (
            "Policies" in value and isinstance(value.get("Policies"), list) and "Statement" not in value
        ):
            from iamlint.sources.account_dump import read_json as reader  # noqa: PLC0415 (start-up cost)

            return reader
    except ImportError:
        return None
    return None
