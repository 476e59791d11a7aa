"""Confinement of output: text from the checked files (policy strings, file
names, source lines, error texts) cannot drive the terminal or a CI log.

A raw ESC starts terminal control sequences (``ESC [2J`` clears the screen,
``ESC ]0;…BEL`` sets the window title), a raw newline starts a new output
line, and GitHub Actions runs a stdout line starting with ``::`` as a
workflow command.  Text and JUnit output show them as visible escapes
(``\\x1b``, ``\\x07``, ``\\n``); JUnit stays well-formed XML."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from iamlint.reporters.text import escape

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\r\n::error file=x::injected\u202e\x9b"
#: every character that must not reach the output raw (the newline only as a line end)
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
OUR_COLORS = re.compile(r"\x1b\[[0-9;]*m")


def _iamlint(*args, cwd):
    proc = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--no-cache", *args],
        capture_output=True,
        timeout=60,
        cwd=cwd,
        env={**os.environ, "IAMLINT_CACHE_DIR": str(cwd / "cache")},
    )
    assert b"Traceback" not in proc.stderr, proc.stderr[-2000:]
    return proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")


def _assert_confined(output: str) -> None:
    """No raw control character, and no line a CI runner would execute."""
    assert not RAW_CONTROL.search(output), repr(RAW_CONTROL.search(output))
    for line in output.split("\n"):
        assert not line.lstrip(" \t").startswith("::"), line


def _terraform_with(value: str) -> str:
    # HCL strings may hold raw control characters; the action's text reaches
    # the finding message (unknown action) and the --show-source line
    return (
        'resource "aws_iam_policy" "p" {\n  name = "x"\n  policy = jsonencode({Version = "2012-10-17", '
        f'Statement = [{{Effect = "Allow", Action = "s3:Get{value}Object", Resource = "*"}}]}})\n}}\n'
    )


@pytest.fixture
def hostile_value(tmp_path):
    path = tmp_path / "main.tf"
    path.write_text(_terraform_with(HOSTILE), encoding="utf-8")
    return path


@pytest.mark.parametrize("extra", [[], ["--show-source"], ["--show-source", "--color", "always"]])
def test_a_policy_value_cannot_drive_the_terminal_in_text_output(tmp_path, hostile_value, extra):
    code, out, err = _iamlint(*extra, str(hostile_value), cwd=tmp_path)
    assert code == 1 and err == ""
    _assert_confined(OUR_COLORS.sub("", out))
    assert "s3:Get\\x1b]0;pwned\\x07\\x1b[2J\\r\\n::error file=x::injected\\u202e\\x9bObject" in out
    finding_lines = [line for line in out.splitlines() if "IAM103" in line]
    assert len(finding_lines) == 1, out


def test_json_escapes_in_a_policy_are_escaped_too(tmp_path):
    # "\u001b" in JSON text decodes to a raw ESC in the message
    p = tmp_path / "p.json"
    p.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", '
        '"Action": "s3:Get\\u001b[2J\\u0007\\n::error::x"}]}'
    )
    code, out, err = _iamlint(str(p), cwd=tmp_path)
    assert code == 1 and err == ""
    _assert_confined(out)
    assert "s3:Get\\x1b[2J\\x07\\n::error::x" in out


def test_show_source_escapes_raw_control_characters_and_keeps_the_caret_under_the_span(tmp_path):
    p = tmp_path / "raw.json"
    p.write_bytes(b'{"Statement": [{"Sid": "\x1b]0;t\x07\x1b[2J", "Effect": "allow"}]}')
    code, out, err = _iamlint("--show-source", str(p), cwd=tmp_path)
    assert code == 1 and err == ""
    _assert_confined(out)
    lines = out.splitlines()
    source = next(i for i, line in enumerate(lines) if line.startswith("    1 | "))
    shown, caret = lines[source], lines[source + 1]
    assert shown == '    1 | {"Statement": [{"Sid": "\\x1b]0;t\\x07\\x1b[2J", "Effect": "allow"}]}'
    # IAM001 at the raw ESC (column 25): the caret starts under its escape
    assert lines[0].startswith(f"{p}:1:25: IAM001 ")
    assert caret.index("^") == shown.index("\\x1b")


def test_a_file_name_cannot_drive_the_terminal_or_start_a_workflow_command(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    name = "::error::pwned\x1b[2J\n::warning::x.json"
    (tree / name).write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:ListBucket", "Resource": "*"}]}'
    )
    for fmt in ("text", "junit"):
        code, out, err = _iamlint("--format", fmt, name, cwd=tree)
        assert code == 1 and err == ""
        _assert_confined(out)
        assert "\\x3a:error::pwned\\x1b[2J\\n::warning::x.json" in out
        if fmt == "junit":
            ET.fromstring(out.split("\n", 1)[1])  # well-formed
    code, out, err = _iamlint("--format", "text", ".", cwd=tree)
    assert code == 1 and "./::error::pwned\\x1b[2J\\n::warning::x.json:1:" in out


def test_one_line_errors_on_stderr_are_escaped(tmp_path):
    missing = "no\x1b[2Jsuch\n::error::file.json"
    code, _, err = _iamlint(missing, cwd=tmp_path)
    assert code == 2
    _assert_confined(err)
    assert err == "iamlint: no\\x1b[2Jsuch\\n::error::file.json: no such file or directory\n"


def test_junit_output_is_well_formed_and_escaped(tmp_path, hostile_value):
    code, out, err = _iamlint("--format", "junit", str(hostile_value), cwd=tmp_path)
    assert code == 1 and err == ""
    _assert_confined(out)
    root = ET.fromstring(out.split("\n", 1)[1])
    (failure,) = root.iter("failure")
    assert "s3:Get\\x1b]0;pwned\\x07\\x1b[2J\\r\\n::error file=x::injected\\u202e\\x9bObject" in failure.text
    assert len(failure.text.splitlines()) == 1


@pytest.mark.parametrize(
    "text, shown",
    [
        ("plain", "plain"),
        ("tab\tkept", "tab\tkept"),
        ("\x00\x1b\x7f\x85\x9f", "\\x00\\x1b\\x7f\\x85\\x9f"),
        ("a\nb\rc", "a\\nb\\rc"),
        ("\u2028\u202e\u2066", "\\u2028\\u202e\\u2066"),
        ("ünïcödé ✓", "ünïcödé ✓"),
    ],
)
def test_escape_shows_every_control_character_visibly(text, shown):
    assert escape(text) == shown


@pytest.mark.parametrize(
    "text, shown",
    [
        ("::error::x", "\\x3a:error::x"),
        ("  \t::set-output", "  \t\\x3a:set-output"),
        ("a::b", "a::b"),
        (":x", ":x"),
    ],
)
def test_escape_at_line_start_defuses_a_workflow_command(text, shown):
    assert escape(text, line_start=True) == shown
    assert escape(text) == text


def test_a_repository_rule_pack_cannot_drive_the_terminal(tmp_path):
    # extend-rules come from the checked repository: its summary, docs and
    # messages go through the same escaping as everything else
    (tmp_path / "rules").mkdir()
    yaml = pytest.importorskip("yaml")
    rule = yaml.safe_load(
        (
            Path(__file__).resolve().parents[2]
            / "examples"
            / "custom-rules"
            / "ORG002-sensitive-action-on-all-resources.yaml"
        ).read_text(encoding="utf-8")
    )
    rule["summary"] = "\x1b]0;pwned\x07\n::error::" + rule["summary"]
    rule["match"]["message"] = "\x1b[2J\n::error::" + rule["match"]["message"]
    rule = yaml.safe_dump(rule, allow_unicode=False)
    (tmp_path / "rules" / "ORG002-sensitive-action-on-all-resources.yaml").write_text(rule, encoding="utf-8")
    (tmp_path / ".iamlint.toml").write_text('extend-rules = ["rules"]\n')
    policy = tmp_path / "p.json"
    policy.write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}'
    )
    outputs = []
    for args in (["rules"], ["rule", "ORG002"], ["check", "--no-cache", "--select", "ORG002", str(policy)]):
        proc = subprocess.run(
            [sys.executable, "-m", "iamlint", *args],
            capture_output=True,
            timeout=60,
            cwd=tmp_path,
            env={**os.environ, "IAMLINT_CACHE_DIR": str(tmp_path / "cache")},
        )
        assert proc.returncode in (0, 1) and proc.stderr == b"", proc.stderr[-2000:]
        outputs.append(proc.stdout.decode("utf-8"))
        _assert_confined(outputs[-1])
    rules, doc, check = outputs
    assert "\\x1b]0;pwned\\x07\\n::error::A statement allows" in rules
    # the documentation keeps its lines: the newline stays one, the `::` after it does not start a command
    assert "\\x1b]0;pwned\\x07\n\\x3a:error::A statement allows" in doc
    assert (
        "ORG002 sensitive-action-on-all-resources [warning] \\x1b[2J" in check
    )  # (the message's whitespace is folded by the match engine)
