"""The text report: the rule's name next to its id, the remedy on its own
``help:`` line, ``[*]`` on findings ``--fix`` can fix and their count in the
summary, OSC 8 links to the rule's documentation only on a terminal that shows
them, and ``--show-source`` windows on very long (minified) lines."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from iamlint.api import FileReport
from iamlint.cli import main
from iamlint.engine.registry import Registry, RuleLoadError, load_rule_file
from iamlint.findings import Finding, Span
from iamlint.reporters import RunResult
from iamlint.reporters.text import SOURCE_WIDTH, render, split_remedy, terminal_supports_hyperlinks

REGISTRY = Registry.load()
ADMIN = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
NO_VERSION = '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}'
DUPLICATE_SID = (
    '{"Version": "2012-10-17", "Statement": ['
    '{"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}, '
    '{"Sid": "A", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::b/*"}]}'
)
SGR = re.compile(r"\x1b\[[0-9;]*m")
OSC8 = re.compile(r"\x1b\]8;;([^\x1b]*)\x1b\\")


def _check(tmp_path, text: str, *args: str, name: str = "p.json"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(main, ["check", "--no-cache", *args, str(p)])
    assert r.exit_code in (0, 1), r.output
    return p, r.stdout


# --------------------------------------------------------------------------
# id and name, message and help
# --------------------------------------------------------------------------


def test_the_rule_name_follows_its_id_and_the_remedy_is_its_own_help_line(tmp_path):
    p, out = _check(tmp_path, ADMIN)
    lines = out.splitlines()
    assert lines[0] == (
        f"{p}:1:71: IAM201 administrator-access [error] "
        "Statement[0] grants every action on every resource (administrator access)"
    )
    assert lines[1] == "  help: grant only the actions and resources the workload needs"
    assert lines[2] == "Found 1 finding (1 error) in 1 file."


def test_json_keeps_the_whole_message(tmp_path):
    # only the text output splits it: fingerprints, baselines and SARIF see the message as before
    p = tmp_path / "p.json"
    p.write_text(ADMIN)
    r = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", str(p)])
    [finding] = json.loads(r.stdout)["findings"]
    assert finding["message"].endswith(
        "(administrator access); grant only the actions and resources the workload needs"
    )


def test_a_message_without_a_remedy_gets_the_rules_help(tmp_path):
    p, out = _check(tmp_path, DUPLICATE_SID)
    lines = out.splitlines()
    assert lines[0].startswith(f"{p}:1:") and " IAM007 duplicate-sid [error] duplicate `Sid` 'A'" in lines[0]
    assert lines[1] == "  help: " + REGISTRY.get("IAM007").help
    assert lines[1] == "  help: give every statement its own `Sid`, or drop the `Sid`"


def test_show_source_puts_the_help_under_the_caret(tmp_path):
    _, out = _check(tmp_path, ADMIN, "--show-source")
    lines = out.splitlines()
    assert lines[1] == f"    1 | {ADMIN}"
    assert lines[2] == "      | " + " " * 70 + "^^^"
    assert lines[3] == "      = help: grant only the actions and resources the workload needs"


@pytest.mark.parametrize(
    "message, what, remedy",
    [
        ("x is wrong; use `y`", "x is wrong", "use `y`"),
        (
            "`s3:Foo` is not an action of `s3`; did you mean `s3:GetObject`?",
            "`s3:Foo` is not an action of `s3`",
            "did you mean `s3:GetObject`?",
        ),
        # a remedy after a clause that is not one
        (
            "A acts for others; without a condition anyone can (confused deputy); pin them as in https://x",
            "A acts for others; without a condition anyone can (confused deputy)",
            "pin them as in https://x",
        ),
        # "; use" inside a policy value (backticks), quotes or brackets is part of what is wrong
        ("`a; use b` is not an action", "`a; use b` is not an action", ""),
        ('value "x; add y" is odd', 'value "x; add y" is odd', ""),
        ("grants (a; remove b) on *", "grants (a; remove b) on *", ""),
        # "what: remedy" when there is no "; remedy"
        (
            "`<action>` is not an action: write actions as `service:ActionName`",
            "`<action>` is not an action",
            "write actions as `service:ActionName`",
        ),
        ("duplicate `Sid` 'a': statement ids must be unique", "duplicate `Sid` 'a': statement ids must be unique", ""),
        ("no remedy here", "no remedy here", ""),
        ("; use y", "; use y", ""),
    ],
)
def test_split_remedy(message, what, remedy):
    assert split_remedy(message) == (what, remedy)


def test_every_builtin_rule_has_a_one_line_help():
    for rule in REGISTRY:
        if rule.pack == "builtin":
            assert rule.help and "\n" not in rule.help, rule.id


def test_a_rule_file_help_must_be_one_line(tmp_path):
    source = Path(REGISTRY.get("IAM007").source).read_text(encoding="utf-8")
    bad = tmp_path / "IAM007-duplicate-sid.yaml"
    bad.write_text(
        re.sub(r"^help: .*$", lambda _: 'help: "first line\\nsecond line"', source, count=1, flags=re.M),
        encoding="utf-8",
    )
    with pytest.raises(RuleLoadError, match="help"):
        load_rule_file(bad)


def test_a_repository_rules_help_is_escaped(tmp_path):
    yaml = pytest.importorskip("yaml")
    rule = yaml.safe_load(
        (
            Path(__file__).resolve().parents[2]
            / "examples"
            / "custom-rules"
            / "ORG002-sensitive-action-on-all-resources.yaml"
        ).read_text(encoding="utf-8")
    )
    rule["help"] = "\x1b]0;pwned\x07 ask the security team"
    rule["match"]["message"] = rule["match"]["message"].split(";")[0]  # no remedy of its own: the rule's help shows
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "ORG002-sensitive-action-on-all-resources.yaml").write_text(
        yaml.safe_dump(rule, allow_unicode=False), encoding="utf-8"
    )
    (tmp_path / ".iamlint.toml").write_text('extend-rules = ["rules"]\n')
    (tmp_path / "p.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}]}'
    )
    proc = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--no-cache", "--select", "ORG002", "p.json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "IAMLINT_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert proc.returncode == 1, proc.stderr
    assert "  help: \\x1b]0;pwned\\x07 ask the security team\n" in proc.stdout
    assert "\x1b" not in proc.stdout


# --------------------------------------------------------------------------
# fixable findings
# --------------------------------------------------------------------------


def test_findings_fix_can_fix_are_marked_and_counted(tmp_path):
    p, out = _check(tmp_path, NO_VERSION)
    lines = out.splitlines()
    assert lines[0].startswith(f"{p}:1:1: IAM004 missing-version [warning] [*] policy has no `Version`")
    assert lines[-1] == "Found 1 finding (1 warning) in 1 file. [*] 1 fixable with `--fix`."


def test_unfixable_findings_are_not_marked_and_not_counted(tmp_path):
    p, out = _check(tmp_path, ADMIN.replace('"Version": "2012-10-17", ', ""))
    [admin] = [line for line in out.splitlines() if " IAM201 " in line]
    assert "[*]" not in admin
    assert out.splitlines()[-1] == "Found 2 findings (1 error, 1 warning) in 1 file. [*] 1 fixable with `--fix`."
    p, out = _check(tmp_path, ADMIN)
    out = out.replace(str(p), "")
    assert "[*]" not in out and "fixable" not in out


def test_quiet_drops_the_summary_with_its_fixable_count(tmp_path):
    _, out = _check(tmp_path, NO_VERSION, "--quiet")
    assert "fixable" not in out and " IAM004 missing-version [warning] [*] " in out


def test_rule_docs_say_whether_there_is_a_fix():
    def doc(rule_id):
        r = CliRunner().invoke(main, ["rule", rule_id])
        assert r.exit_code == 0, r.output
        return r.stdout

    assert "Fix: available. `iamlint check --fix` fixes it" in doc("IAM004")
    assert "Fix: available." in doc("IAM310")
    assert "Fix: in the editor only." in doc("IAM306")
    assert "Fix: none" in doc("IAM201")
    root = Path(__file__).resolve().parents[2]
    assert "Fix: available." in (root / "docs" / "rules" / "IAM004.md").read_text(encoding="utf-8")
    assert "| [IAM004](IAM004.md) | missing-version | warning | `--fix` |" in (
        root / "docs" / "rules" / "README.md"
    ).read_text(encoding="utf-8")


def test_rules_listing_marks_the_fixable_rules():
    r = CliRunner().invoke(main, ["rules"])
    lines = {line.split()[0]: line for line in r.stdout.splitlines()}
    assert " [*] " in lines["IAM004"] and " [*] " in lines["IAM310"]
    assert "[*]" not in lines["IAM201"] and "[*]" not in lines["IAM306"]
    listed = {x["id"]: x for x in json.loads(CliRunner().invoke(main, ["rules", "--format", "json"]).stdout)}
    assert (listed["IAM004"]["fix"], listed["IAM306"]["fix"], listed["IAM201"]["fix"]) == ("fix", "quickfix", None)


# --------------------------------------------------------------------------
# hyperlinks
# --------------------------------------------------------------------------


def _in_pty(args, env, cwd):
    """Run iamlint with stdout on a pseudo-terminal; its output."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "iamlint", *args],
            stdout=slave,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
        )
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        assert proc.wait(timeout=60) in (0, 1), proc.stderr.read()
    finally:
        os.close(master)
    return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def _env(tmp_path, **extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("CI", "NO_COLOR", "FORCE_HYPERLINK", "TERM_PROGRAM", "VTE_VERSION", "WT_SESSION")
    }
    return {**env, "IAMLINT_CACHE_DIR": str(tmp_path / "cache"), **extra}


def test_a_terminal_that_shows_links_gets_the_rule_doc_as_a_link(tmp_path):
    (tmp_path / "p.json").write_text(ADMIN)
    out = _in_pty(
        ["check", "--no-cache", "p.json"], _env(tmp_path, TERM="xterm-256color", TERM_PROGRAM="vscode"), tmp_path
    )
    assert OSC8.findall(out) == ["https://github.com/iamlint/iamlint/blob/main/docs/rules/IAM201.md", ""]
    link = "\x1b]8;;https://github.com/iamlint/iamlint/blob/main/docs/rules/IAM201.md\x1b\\"
    assert f"{link}IAM201 administrator-access\x1b]8;;\x1b\\" in out


@pytest.mark.parametrize(
    "extra",
    [
        {"TERM": "xterm-256color"},  # not known to show links
        {"TERM": "dumb", "TERM_PROGRAM": "vscode"},
        {"TERM_PROGRAM": "vscode", "CI": "true"},
        {"TERM_PROGRAM": "vscode", "FORCE_HYPERLINK": "0"},
        {"TERM_PROGRAM": "vscode", "NO_COLOR": "1"},
    ],
)
def test_no_links_where_they_may_not_show(tmp_path, extra):
    (tmp_path / "p.json").write_text(ADMIN)
    out = _in_pty(["check", "--no-cache", "p.json"], _env(tmp_path, **extra), tmp_path)
    assert " IAM201 administrator-access" in SGR.sub("", out) and "\x1b]8" not in out


def test_no_links_in_pipes_or_files_even_with_color_always(tmp_path):
    (tmp_path / "p.json").write_text(ADMIN)
    env = _env(tmp_path, TERM_PROGRAM="vscode", FORCE_HYPERLINK="1")
    piped = subprocess.run(
        [sys.executable, "-m", "iamlint", "check", "--no-cache", "--color", "always", "p.json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert "\x1b[31m" in piped.stdout and "\x1b]8" not in piped.stdout
    _in_pty(["check", "--no-cache", "--color", "always", "-o", "report.txt", "p.json"], env, tmp_path)
    report = (tmp_path / "report.txt").read_text(encoding="utf-8")
    assert "IAM201" in report and "\x1b]8" not in report


def test_terminal_supports_hyperlinks():
    master, slave = pty.openpty()
    try:
        with open(slave, "w", closefd=False) as tty, open(os.devnull, "w") as file:
            assert terminal_supports_hyperlinks(tty, {"TERM_PROGRAM": "iTerm.app"})
            assert terminal_supports_hyperlinks(tty, {"TERM": "xterm-kitty"})
            assert terminal_supports_hyperlinks(tty, {"VTE_VERSION": "7200"})
            assert not terminal_supports_hyperlinks(tty, {"VTE_VERSION": "4800"})
            assert not terminal_supports_hyperlinks(tty, {"TERM": "xterm"})
            assert terminal_supports_hyperlinks(tty, {"TERM": "xterm", "FORCE_HYPERLINK": "1"})
            assert not terminal_supports_hyperlinks(file, {"TERM_PROGRAM": "iTerm.app", "FORCE_HYPERLINK": "1"})
    finally:
        os.close(master)
        os.close(slave)


# --------------------------------------------------------------------------
# --show-source on long lines
# --------------------------------------------------------------------------


def _minified(n_statements: int, middle: str) -> str:
    filler = [
        {"Sid": f"S{i}", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::b{i}/*"}
        for i in range(n_statements)
    ]
    doc = {"Version": "2012-10-17", "Statement": [*filler, json.loads(middle), *filler]}
    return json.dumps(doc, separators=(",", ":"))


def _source_of(out: str, rule: str) -> tuple[str, str]:
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if f" {rule} " in line)
    return lines[at + 1], lines[at + 2]


def test_show_source_on_minified_json_shows_a_window_around_the_span(tmp_path):
    text = _minified(40, '{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}')
    assert "\n" not in text and len(text) > 5000
    _, out = _check(tmp_path, text, "--show-source", "--select", "IAM206")
    shown, caret = _source_of(out, "IAM206")
    assert shown.startswith("    1 | …") and shown.endswith("…")
    assert len(shown) - len("    1 | ") <= SOURCE_WIDTH + 2
    at = caret.index("^")
    assert shown[at : at + len('"iam:PassRole"')] == '"iam:PassRole"' and caret[at:] == "^" * len('"iam:PassRole"')
    # the window is around the span, not at the start of the line
    assert '"Action":"iam:PassRole"' in shown


def test_a_span_wider_than_the_window_is_shown_from_its_start(tmp_path):
    # IAM004 marks the whole one-line document
    text = _minified(40, '{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::x/*"}').replace(
        '"Version":"2012-10-17",', ""
    )
    _, out = _check(tmp_path, text, "--show-source", "--select", "IAM004")
    shown, caret = _source_of(out, "IAM004")
    assert shown == "    1 | " + text[:SOURCE_WIDTH] + "…"
    assert caret == "      | " + "^" * SOURCE_WIDTH


def test_escapes_in_a_window_keep_the_caret_under_the_span():
    # a raw control character before the span widens the shown text; the caret follows it
    src = "x" * 3000 + "\x1b\x1b" + "y" * 20 + "SPAN" + "z" * 3000
    col = src.index("SPAN") + 1
    finding = Finding("IAM011", "invalid-effect", "error", "a message", "p.json", Span(1, col, 1, col + 4))
    run = RunResult(
        files=[FileReport("p.json", [finding], 1, text=src)],
        findings=[finding],
        documents=1,
        registry=REGISTRY,
        show_source=True,
    )
    source_line, caret_line = render(run).splitlines()[1:3]
    assert source_line.startswith("    1 | ") and caret_line.startswith("      | ")
    shown, caret = source_line[len("    1 | ") :], caret_line[len("      | ") :]
    assert shown.startswith("…") and shown.endswith("…") and "\\x1b\\x1b" + "y" * 20 + "SPAN" in shown
    assert "\x1b" not in shown
    at = caret.index("^")
    assert shown[at : at + 4] == "SPAN" and caret[at:] == "^^^^"


def test_short_lines_are_shown_whole(tmp_path):
    _, out = _check(tmp_path, ADMIN, "--show-source")
    shown, _ = _source_of(out, "IAM201")
    assert shown == f"    1 | {ADMIN}" and "…" not in out


def test_the_help_line_aligns_with_a_wide_line_number_gutter():
    text = "\n" * 123455 + '  "Effect": "allow"\n'
    finding = Finding(
        "IAM011", "invalid-effect", "error", '`Effect` must be exactly "Allow"', "p.json", Span(123456, 13, 123456, 20)
    )
    run = RunResult(
        files=[FileReport("p.json", [finding], 1, text=text)],
        findings=[finding],
        documents=1,
        registry=REGISTRY,
        show_source=True,
    )
    lines = render(run).splitlines()
    assert lines[1:4] == [
        '123456 |   "Effect": "allow"',
        "       |             ^^^^^^^",
        '       = help: write "Allow" or "Deny"',
    ]
