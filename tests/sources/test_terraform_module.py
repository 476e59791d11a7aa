"""Terraform's unit is the module: a named .tf file is linted with its
directory's other .tf files (issue 17).

Fixtures (tests/fixtures/terraform_module/):
- ``github_admin``: role.tf declares a GitHub OIDC role trusting any
  repository of the organisation; attach.tf attaches AdministratorAccess.
- ``split_escalation``: the same kind of role with ``ec2:RunInstances``
  inline in role.tf and ``iam:PassRole`` in a policy attached from passrole.tf.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from iamlint.api import lint_bytes
from iamlint.session import Options, Session
from iamlint.sources.module import MAX_SIBLINGS, ModuleView

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "terraform_module"


@pytest.fixture
def module(tmp_path):
    """A copy of a fixture module (inside a git repository: the confinement root)."""
    (tmp_path / ".git").mkdir()

    def copy(name: str) -> Path:
        dest = tmp_path / name
        shutil.copytree(FIX / name, dest)
        return dest

    return copy


def _run(*paths: Path, jobs: int = 1):
    with Session(Options(use_cache=False)) as session:
        return session.run([str(p) for p in paths], jobs=jobs)


def _where(result) -> list[tuple[str, str, int, int]]:
    return sorted((f.rule, os.path.basename(f.file), f.line, f.column) for f in result.findings)


def test_named_attachment_file_reports_the_admin_attachment_of_a_role_declared_elsewhere(module):
    mod = module("github_admin")
    result = _run(mod / "attach.tf")
    # at the locations a full run gives them: IAM401 at the ARN in attach.tf, IAM404 at the
    # trust policy in role.tf
    assert _where(result) == [("IAM401", "attach.tf", 3, 16), ("IAM404", "role.tf", 5, 18)]
    [admin] = [f for f in result.findings if f.rule == "IAM401"]
    assert "`AdministratorAccess`" in admin.message and "aws_iam_role.deploy" in admin.message
    [report] = result.reports
    assert report.path == str(mod / "attach.tf") and not report.skipped
    assert result.failing()


def test_full_run_and_any_named_files_report_the_same_findings_once(module):
    mod = module("github_admin")
    full = _where(_run(mod))
    assert full == [("IAM308", "role.tf", 11, 70), ("IAM401", "attach.tf", 3, 16), ("IAM404", "role.tf", 5, 18)]
    assert _where(_run(mod / "role.tf", mod / "attach.tf")) == full
    assert _where(_run(mod / "attach.tf", mod / "role.tf")) == full
    assert _where(_run(mod / "role.tf")) == full
    # a walk reports each finding in the report of the file it is located in
    by_file = {os.path.basename(r.path): sorted(f.rule for f in r.findings) for r in _run(mod).reports}
    assert by_file == {"attach.tf": ["IAM401"], "role.tf": ["IAM308", "IAM404"]}


def test_escalation_split_over_two_files_is_combined_when_one_is_named(module):
    mod = module("split_escalation")
    result = _run(mod / "passrole.tf")
    assert _where(result) == [
        ("IAM205", "passrole.tf", 5, 74),
        ("IAM206", "passrole.tf", 5, 47),
        ("IAM404", "role.tf", 5, 18),
        ("IAM406", "role.tf", 1, 1),  # the split itself, at the role (issue 18)
    ]
    [exposed] = [f for f in result.findings if f.rule == "IAM404"]
    assert "can escalate privileges" in exposed.message
    [split] = [f for f in result.findings if f.rule == "IAM406"]
    assert sorted(os.path.basename(r.file) for r in split.related) == ["passrole.tf", "role.tf"]


def test_parallel_run_of_many_modules_equals_one_job(module, tmp_path):
    for i in range(12):
        shutil.copytree(FIX / "github_admin", tmp_path / f"m{i:02}")
    one = _run(tmp_path, jobs=1)
    two = _run(tmp_path, jobs=2)
    assert [(r.path, r.findings) for r in one.reports] == [(r.path, r.findings) for r in two.reports]
    assert len(one.findings) == 36


def test_a_view_handed_in_is_all_that_is_read(tmp_path):
    """lint_bytes with a ModuleView reads no sibling from disk: here none exists."""
    role = (FIX / "github_admin" / "role.tf").read_text()
    attach = (FIX / "github_admin" / "attach.tf").read_text()
    path = str(tmp_path / "attach.tf")
    view = ModuleView(str(tmp_path), ((str(tmp_path / "role.tf"), role),))
    report = lint_bytes(path, attach.encode(), module=view)
    assert sorted((f.rule, f.line) for f in report.findings) == [("IAM401", 3), ("IAM404", 5)]
    assert not (tmp_path / "role.tf").exists()
    alone = lint_bytes(path, attach.encode(), module=ModuleView.single(path, attach))
    assert alone.findings == [] and alone.skipped


def test_from_disk_reads_regular_module_files_within_the_limits(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.tf").write_text("a = 1\n")
    (tmp_path / "b.tf").write_text("b = 2\n")
    (tmp_path / "notes.txt").write_text("not a module file\n")
    os.mkfifo(tmp_path / "fifo.tf")  # would block a plain open()
    outside = tmp_path.parent / f"{tmp_path.name}-outside.tf"
    outside.write_text("secret = 1\n")
    (tmp_path / "link.tf").symlink_to(outside)  # out of the repository: not read
    (tmp_path / "big.tf").write_text("x" * (2 * 1024 * 1024 + 1))
    view = ModuleView.from_disk(str(tmp_path / "a.tf"))
    assert [os.path.basename(p) for p in view.paths] == ["a.tf", "b.tf"]
    assert view.text(str(tmp_path / "b.tf")) == "b = 2\n"


def test_from_disk_overrides_win_and_add_unsaved_files(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.tf").write_text("a = 1\n")
    (tmp_path / "b.tf").write_text("b = 2\n")
    buffers = {str(tmp_path / "b.tf"): "b = 3\n", str(tmp_path / "new.tf"): "n = 1\n", "/elsewhere/c.tf": "c = 1\n"}
    view = ModuleView.from_disk(str(tmp_path / "a.tf"), buffers)
    assert [(os.path.basename(p), t) for p, t in view.files] == [
        ("a.tf", "a = 1\n"),
        ("b.tf", "b = 3\n"),
        ("new.tf", "n = 1\n"),
    ]
    assert view.key != ModuleView.from_disk(str(tmp_path / "a.tf")).key


def test_from_disk_holds_at_most_max_siblings_besides_the_named_file(tmp_path):
    (tmp_path / ".git").mkdir()
    for i in range(MAX_SIBLINGS + 5):
        (tmp_path / f"f{i:03}.tf").write_text(f"x{i} = 1\n")
    named = tmp_path / f"f{MAX_SIBLINGS + 4:03}.tf"
    view = ModuleView.from_disk(str(named))
    assert len(view.files) == MAX_SIBLINGS + 1 and str(named) in view


def test_a_module_lint_is_not_reused_once_a_file_it_includes_changed(tmp_path):
    """The module's lint serves its other files; a policy read through file()
    that changed in between (an editor saving it) is read again."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "policy.json").write_text('{"Version": "2012-10-17", "Statement": []}')
    main = tmp_path / "main.tf"
    main.write_text('resource "aws_iam_policy" "p" {\n  policy = file("policy.json")\n}\n')
    (tmp_path / "other.tf").write_text("locals {\n  x = 1\n}\n")
    first = lint_bytes(str(main), main.read_bytes())
    assert "IAM003" not in [f.rule for f in first.findings] and not first.cacheable
    (tmp_path / "policy.json").write_text('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}')
    again = lint_bytes(str(main), main.read_bytes())
    assert "IAM003" in [f.rule for f in again.findings]


@pytest.mark.parametrize("crlf", [False, True])
def test_a_bare_relative_name_and_crlf_lines_lint_the_whole_module(module, monkeypatch, crlf):
    """``iamlint role.tf`` from the module's directory (pre-commit's cwd is the
    repository; an editor may pass a bare name): the file's own documents are
    read and the sibling's findings are spelled ``attach.tf``, not ``./attach.tf``;
    a CRLF file keeps its carriage returns and reads the same."""
    mod = module("github_admin")
    if crlf:
        (mod / "role.tf").write_bytes((mod / "role.tf").read_bytes().replace(b"\n", b"\r\n"))
    monkeypatch.chdir(mod)
    found = sorted((f.rule, f.file, f.line, f.column) for f in _run(Path("role.tf")).findings)
    assert found == [
        ("IAM308", "role.tf", 11, 70),
        ("IAM401", "attach.tf", 3, 16),
        ("IAM404", "role.tf", 5, 18),
    ]
