"""Does the text of a file that cannot be parsed carry IAM material?

A file iamlint cannot parse (JSON with comments, YAML with a tab, HCL its
parser does not take, bytes that are not UTF-8) gets a syntax finding only
when it is an IAM document or holds IAM material; anything else (tsconfig,
editor settings, workflows, a ``.tf`` with no IAM) is skipped silently.  The
same rule holds whether the file was named (pre-commit, an editor, ``xargs``)
or found by a directory walk, so the answer is a cheap textual test that
needs no parse.  A kind forced by ``--kind`` or a ``kinds`` pattern in the
configuration is decided by the callers (the file is a policy by decree).
"""

from __future__ import annotations

import re

#: keys and values only a policy document, a CloudFormation template, a
#: Terraform plan or an account authorization dump holds
_JSON_MARKERS = (
    "Statement",
    '"Effect"',
    "2012-10-17",
    "2008-10-17",
    "AWSTemplateFormatVersion",
    "RoleDetailList",
    "UserDetailList",
    "GroupDetailList",
    "aws_iam_",
)
_HCL_MARKERS = ("aws_iam_", "policy", "assume_role")
_RESOURCES = re.compile(r"""["']?Resources["']?\s*:""")
_SERVERLESS_SERVICE = re.compile(r"^service\s*:", re.MULTILINE)
_SERVERLESS_PROVIDER = re.compile(r"^provider\s*:", re.MULTILINE)


def _template_text(text: str) -> bool:
    """A CloudFormation template: its version key, or resources of AWS types."""
    return "AWSTemplateFormatVersion" in text or ("AWS::" in text and _RESOURCES.search(text) is not None)


def json_is_iam(text: str) -> bool:
    """JSON (or bytes meant as JSON) that is a policy, template, plan or dump."""
    return any(m in text for m in _JSON_MARKERS) or _template_text(text)


def yaml_is_iam(text: str) -> bool:
    """YAML that is a CloudFormation (or SAM) template."""
    return _template_text(text)


def hcl_is_iam(text: str) -> bool:
    """Terraform that declares IAM resources, policy documents or policies."""
    lower = text.lower()
    return any(m in lower for m in _HCL_MARKERS)


def serverless_is_iam(text: str) -> bool:
    """A ``serverless.yml`` (top-level ``service`` and ``provider``): Serverless
    creates a Lambda execution role from it."""
    return _SERVERLESS_SERVICE.search(text) is not None and _SERVERLESS_PROVIDER.search(text) is not None
