"""Baselines: record findings, then report only new ones; fingerprints survive lines moving."""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest
from click.testing import CliRunner

from iamlint import baseline
from iamlint.api import lint_text
from iamlint.cli import main
from iamlint.config import Config
from iamlint.engine.registry import Registry
from iamlint.engine.report import Report
from iamlint.engine.runner import make_finding
from iamlint.model.document import Document

# two statements, each with an empty element (IAM010), and no Version (IAM004)
OLD = [
    {"Sid": "Read", "Effect": "Allow", "Action": [], "Resource": "arn:aws:s3:::a/*"},
    {"Sid": "Write", "Effect": "Allow", "Action": "s3:PutObject", "Resource": []},
]
NEW = {"Sid": "Fresh", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {}}


def policy(statements):
    return json.dumps({"Statement": statements}, indent=2) + "\n"


def run(*args):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "p.json").write_text(policy(OLD))
    return tmp_path


def test_write_then_check_exits_0(repo):
    r = run("check", "policies")
    assert r.exit_code == 1
    r = run("check", "--write-baseline", "baseline.json", "policies")
    assert r.exit_code == 0, r.output
    data = json.loads((repo / "baseline.json").read_text())
    assert data["version"] == 1
    assert sorted(e["rule"] for e in data["findings"]) == ["IAM004", "IAM010", "IAM010"]
    assert all(e["file"] == "policies/p.json" and e["count"] == 1 for e in data["findings"])
    r = run("check", "--baseline", "baseline.json", "--format", "json", "policies")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["findings"] == []


def test_new_statement_above_reports_only_the_new_finding(repo):
    assert run("check", "--write-baseline", "baseline.json", "policies").exit_code == 0
    (repo / "policies" / "p.json").write_text(policy([NEW, *OLD]))
    r = run("check", "--baseline", "baseline.json", "--format", "json", "policies")
    assert r.exit_code == 1
    found = json.loads(r.stdout)["findings"]
    assert [(f["rule"], f["pointer"]) for f in found] == [("IAM010", "/Statement/0/Condition")]
    # and without the baseline the old ones are still there, at their new lines
    r = run("check", "--format", "json", "policies")
    assert len(json.loads(r.stdout)["findings"]) == 4


def test_paths_given_differently_still_match(repo):
    assert run("check", "--write-baseline", "baseline.json", "./policies").exit_code == 0
    r = run("check", "--baseline", "baseline.json", str(repo / "policies" / "p.json"))
    assert r.exit_code == 0, r.output


def test_baseline_is_a_multiset():
    text = policy(OLD)
    found = lint_text(text)
    base = Counter(f.fingerprint for f in found)
    doubled = lint_text(policy([OLD[0], *OLD]))  # the same risky statement twice
    new = baseline.filter_new(doubled, base)
    # one copy is absorbed by the baseline, the second is new (and its Sid is now a duplicate)
    assert [(f.rule, f.pointer) for f in new] == [("IAM007", "/Statement/1/Sid"), ("IAM010", "/Statement/1/Action")]


def test_fingerprint_survives_inserting_a_statement_above():
    before = {f.fingerprint for f in lint_text(policy(OLD))}
    after = {f.fingerprint for f in lint_text(policy([NEW, *OLD]))}
    assert before <= after and len(after - before) == 1


def test_fingerprint_changes_when_the_offending_statement_changes():
    before = {f.fingerprint for f in lint_text(policy(OLD)) if f.rule == "IAM010"}
    changed = [dict(OLD[0], Resource="arn:aws:s3:::other/*"), OLD[1]]
    after = {f.fingerprint for f in lint_text(policy(changed)) if f.rule == "IAM010"}
    assert len(before & after) == 1


@pytest.mark.parametrize(
    "content,needle",
    [
        ("not json", "not a JSON baseline"),
        ('{"version": 9, "findings": []}', "not an iamlint baseline"),
        ('{"version": 1, "findings": [{"rule": "IAM004"}]}', "findings/0: missing `fingerprint`"),
    ],
)
def test_bad_baseline_exits_2_with_one_line(repo, content, needle):
    (repo / "baseline.json").write_text(content)
    r = run("check", "--baseline", "baseline.json", "policies")
    assert r.exit_code == 2
    assert len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr


def test_missing_baseline_file_exits_2(repo):
    r = run("check", "--baseline", "nope.json", "policies")
    assert r.exit_code == 2 and "nope.json" in r.stderr


def test_two_findings_of_one_rule_at_one_node_differ_but_numbers_do_not_count():
    rule = Registry.load().get("IAM010")
    doc = Document("p.json", json.loads(policy(OLD)), "identity")
    fp = lambda msg: make_finding(doc, rule, Report("/Statement/0/Action", msg), Config()).fingerprint  # noqa: E731
    assert fp("path A via Statement[0] line 3") != fp("path B via Statement[0] line 3")
    assert fp("path A via Statement[0] line 3") == fp("path A via Statement[1] line 9")


@pytest.mark.parametrize(
    "given",
    [
        "p.json",
        "./a/p.json",
        "a/../b/p.json",
        "{cwd}/a/p.json",
        "{cwd}",
        "{cwd}/",
        "{parent}/other/p.json",
        "/elsewhere/p.json",
        "-",
        "<stdin>",
        "",
    ],
)
def test_fingerprint_path_is_relpath_under_the_working_directory(given, tmp_path, monkeypatch):
    """The fingerprint's file part: what os.path.relpath gives for a path under
    the current directory, the normalised path elsewhere (a prefix test stands
    in for relpath, which cost ~25 us a file): a finding in the given file has
    the fingerprint of the same finding in the expected file, and not that of
    another file's."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    path = given.format(cwd=os.getcwd(), parent=os.path.dirname(os.getcwd()))
    if path in ("", "-", "<stdin>"):
        expected = path
    else:
        norm = os.path.normpath(path)
        rel = os.path.relpath(norm) if os.path.isabs(norm) else norm
        expected = norm if rel.startswith("..") else rel
    rule = Registry.load().get("IAM010")
    value = json.loads(policy(OLD))

    def fingerprint(file: str) -> str:
        doc = Document(file, value, "identity")
        return make_finding(doc, rule, Report("/Statement/0/Action", "a message"), Config()).fingerprint

    assert fingerprint(path) == fingerprint(expected.replace("\\", "/"))
    assert fingerprint(path) != fingerprint(expected + "x")
