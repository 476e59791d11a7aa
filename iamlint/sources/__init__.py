"""Which kind of file is this, and which policy documents does it hold?

``read_source`` dispatches on content first and extension second: a ``.json``
file may be a raw policy, a CloudFormation template, a Terraform plan or an
account authorization dump.  Each reader returns :class:`SourceResult`; a file
that holds no IAM material is ``skipped`` silently.
"""

from __future__ import annotations

import importlib

from iamlint.parsing.decode import DecodeError, decode_bytes
from iamlint.sources import rawjson
from iamlint.sources.result import SourceResult

__all__ = ["SourceResult", "read_source"]


def read_source(path: str, data: bytes, kind: str | None = None, explicit: bool = True) -> SourceResult:
    """Read ``data`` (the bytes of ``path``) into policy documents.

    ``explicit`` (the file was named rather than found by a walk) is kept for
    callers and cache keys but decides nothing: a file is IAM or not by its
    content (or a forced ``kind``), whether pre-commit names it or a walk
    finds it (issue 15)."""
    try:
        text = decode_bytes(data)
    except DecodeError as exc:
        return rawjson.undecodable(path, str(exc), kind, data)
    lower = path.lower()
    stripped = text.lstrip("\ufeff \t\r\n")
    if lower.endswith((".yaml", ".yml", ".template")) or lower.endswith(".tf") or lower.endswith(".hcl"):
        return _read_iac(path, text, kind)
    if stripped.startswith(("{", "[")) or lower.endswith(".json") or not stripped:
        return rawjson.read(path, text, kind)
    return _read_iac(path, text, kind)


def _read_iac(path: str, text: str, kind: str | None) -> SourceResult:
    """Terraform (.tf/.hcl), Serverless Framework (``serverless.yml``) and
    CloudFormation YAML; a reader that is not available yet skips the file."""
    lower = path.lower()
    if lower.endswith((".tf", ".hcl")):
        module = "terraform"
    elif lower.replace("\\", "/").rsplit("/", 1)[-1] in ("serverless.yml", "serverless.yaml"):
        module = "serverless"  # a file of that name that is not a Serverless configuration goes on to CloudFormation
    else:
        module = "cloudformation"
    try:
        reader = importlib.import_module(f"iamlint.sources.{module}")
    except ImportError:
        return SourceResult(skipped=True, text=text)
    return reader.read(path, text, kind)
