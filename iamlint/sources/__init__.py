"""Which kind of file is this, and which policy documents does it hold?

``read_source`` dispatches on content first and extension second: a ``.json``
file may be a raw policy, a CloudFormation template, a Terraform plan or an
account authorization dump.  Each reader returns :class:`SourceResult`; a file
that holds no IAM material is ``skipped`` silently.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from iamlint.parsing.decode import DecodeError, decode_bytes
from iamlint.sources import rawjson
from iamlint.sources.module import ModuleView
from iamlint.sources.result import SourceResult

__all__ = ["ModuleView", "SourceResult", "is_module_file", "module_file_parses", "read_module", "read_source"]

#: files read as part of a Terraform module (see :func:`read_module`)
MODULE_FILE_SUFFIXES = (".tf", ".hcl")


def is_module_file(path: str) -> bool:
    """Whether ``path`` is read with its module (a Terraform file)."""
    return path.lower().endswith(MODULE_FILE_SUFFIXES)


def module_file_parses(path: str, text: str) -> bool:
    """Whether ``text`` (of a Terraform file) is valid HCL: else it is read on its own."""
    reader = importlib.import_module("iamlint.sources.terraform")
    return reader.parses(path, text)


def read_module(path: str, text: str, module: ModuleView, kinds: Callable[[str], str | None]) -> SourceResult:
    """Every document and principal of the Terraform module holding ``path``
    (``text``, already decoded, is its content; ``module`` holds the other
    files): see :func:`iamlint.sources.terraform.read_module`."""
    reader = importlib.import_module("iamlint.sources.terraform")
    return reader.read_module(path, text, module, kinds)


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
