"""``iamlint lsp`` driven over stdio with raw JSON-RPC (the client of benchmarks/lsp_latency.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from iamlint.configfile import CONFIG_NAMES
from iamlint.knowledge.catalog import action_info

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

GITHUB_NO_SUB = """{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
    "Action": "sts:AssumeRoleWithWebIdentity",
    "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
  }]
}
"""
NO_VERSION = '{\n  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]\n}\n'
SAML_YAML = """Resources:
  SsoRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              Federated: arn:aws:iam::111122223333:saml-provider/okta
            Action: sts:AssumeRoleWithSAML
"""


def _client_module():
    spec = importlib.util.spec_from_file_location("lsp_latency", ROOT / "benchmarks" / "lsp_latency.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def lsp(tmp_path):
    client = _client_module().RawClient([sys.executable, "-m", "iamlint", "lsp"], cwd=str(tmp_path))
    init = client.initialize(str(tmp_path))
    client.capabilities = init["result"]["capabilities"]
    yield client
    client.close()


def _open(lsp, path: Path, text: str, language: str = "json") -> list[dict]:
    path.write_text(text)
    lsp.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": path.as_uri(), "languageId": language, "version": 1, "text": text}},
    )
    return lsp.diagnostics(path.as_uri(), timeout=60)["params"]["diagnostics"]


def _change(lsp, path: Path, text: str, version: int) -> list[dict]:
    lsp.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": path.as_uri(), "version": version}, "contentChanges": [{"text": text}]},
    )
    return lsp.diagnostics(path.as_uri(), version)["params"]["diagnostics"]


def test_capabilities(lsp):
    caps = lsp.capabilities
    assert caps["hoverProvider"]
    assert "quickfix" in caps["codeActionProvider"]["codeActionKinds"]
    assert caps["textDocumentSync"]["openClose"] and caps["textDocumentSync"]["save"]


def test_diagnostics_on_open_with_exact_range_code_and_docs_link(lsp, tmp_path):
    diags = _open(lsp, tmp_path / "trust.json", GITHUB_NO_SUB)
    [d] = [d for d in diags if d["code"] == "IAM306"]
    line = GITHUB_NO_SUB.splitlines()[4]
    start = line.index('"arn:aws:iam::111122223333:oidc-provider')
    end = line.index('"}', start) + 1
    assert d["range"] == {"start": {"line": 4, "character": start}, "end": {"line": 4, "character": end}}
    assert d["severity"] == 1 and d["source"] == "iamlint"
    assert d["codeDescription"]["href"].endswith("/docs/rules/IAM306.md")
    assert "sub" in d["message"]


def test_change_relints_the_unsaved_buffer(lsp, tmp_path):
    path = tmp_path / "policy.json"
    assert [d["code"] for d in _open(lsp, path, NO_VERSION)] == ["IAM004"]
    fixed = NO_VERSION.replace("{\n", '{\n  "Version": "2012-10-17",\n', 1)
    assert _change(lsp, path, fixed, 2) == []
    assert path.read_text() == NO_VERSION  # the file on disk was not read
    broken = fixed.replace('"Allow",', '"Allow",,')
    diags = _change(lsp, path, broken, 3)
    assert [d["code"] for d in diags] == ["IAM001"]


def test_unparseable_and_undecodable_input_yield_one_diagnostic(lsp, tmp_path):
    diags = _open(lsp, tmp_path / "bad.json", '{"Statement": [}\n')
    assert len(diags) == 1 and diags[0]["code"] == "IAM001"
    diags = _open(lsp, tmp_path / "bad.yaml", "Resources:\n  - [unclosed\n", "yaml")
    assert len(diags) <= 1
    diags = _open(
        lsp, tmp_path / "bad.tf", 'resource "aws_iam_role" "x" {\n  assume_role_policy = <<EOF\n', "terraform"
    )
    assert len(diags) <= 1
    # the server is still alive and linting
    assert [d["code"] for d in _open(lsp, tmp_path / "ok.json", NO_VERSION)] == ["IAM004"]


def test_code_action_adds_the_version_and_the_result_is_clean(lsp, tmp_path):
    path = tmp_path / "policy.json"
    diags = _open(lsp, path, NO_VERSION)
    resp = lsp.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": path.as_uri()}, "range": diags[0]["range"], "context": {"diagnostics": diags}},
    )
    actions = resp["result"]
    [action] = [a for a in actions if "Version" in a["title"]]
    assert action["kind"] == "quickfix" and action["isPreferred"]
    assert action["diagnostics"][0]["code"] == "IAM004"
    [edit] = action["edit"]["changes"][path.as_uri()]
    assert edit["range"]["start"] == edit["range"]["end"] == {"line": 1, "character": 2}
    assert edit["newText"] == '"Version": "2012-10-17",\n  '
    lsp.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": path.as_uri(), "version": 2},
            "contentChanges": [{"range": edit["range"], "text": edit["newText"]}],
        },
    )
    assert lsp.diagnostics(path.as_uri(), 2)["params"]["diagnostics"] == []


def test_code_actions_for_github_sub_and_ignore_comment_in_yaml(lsp, tmp_path):
    path = tmp_path / "trust.json"
    diags = _open(lsp, path, GITHUB_NO_SUB)
    d = next(d for d in diags if d["code"] == "IAM306")
    actions = lsp.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": path.as_uri()}, "range": d["range"], "context": {"diagnostics": [d]}},
    )["result"]
    titles = [a["title"] for a in actions]
    assert any("sub condition" in t for t in titles), titles
    assert not any("ignore" in t.lower() for t in titles)  # JSON has no comments
    ypath = tmp_path / "template.yaml"
    ydiags = _open(lsp, ypath, SAML_YAML, "yaml")
    yd = next(d for d in ydiags if d["code"] == "IAM310")
    yactions = lsp.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": ypath.as_uri()}, "range": yd["range"], "context": {"diagnostics": [yd]}},
    )["result"]
    ignore = next(a for a in yactions if "ignore" in a["title"].lower())
    [edit] = ignore["edit"]["changes"][ypath.as_uri()]
    assert edit["newText"] == "              # iamlint: ignore[IAM310]\n"
    assert edit["range"]["start"] == {"line": yd["range"]["start"]["line"], "character": 0}
    assert any("SAML:aud" in a["title"] for a in yactions)


def test_hover_on_an_action_shows_description_and_access_level(lsp, tmp_path):
    path = tmp_path / "policy.json"
    _open(lsp, path, NO_VERSION)
    line = NO_VERSION.splitlines()[1]
    col = line.index("s3:GetObject") + 4
    resp = lsp.request(
        "textDocument/hover", {"textDocument": {"uri": path.as_uri()}, "position": {"line": 1, "character": col}}
    )
    value = resp["result"]["contents"]["value"]
    assert "s3:GetObject" in value and "Read" in value
    assert action_info("s3:GetObject").description in value
    nothing = lsp.request(
        "textDocument/hover",
        {"textDocument": {"uri": path.as_uri()}, "position": {"line": 1, "character": line.index("Effect")}},
    )
    assert nothing["result"] is None


def test_workspace_configuration_is_honoured_and_reloaded(lsp, tmp_path):
    (tmp_path / ".iamlint.toml").write_text('ignore = ["IAM004"]\n')
    lsp.notify(
        "workspace/didChangeWatchedFiles", {"changes": [{"uri": (tmp_path / ".iamlint.toml").as_uri(), "type": 1}]}
    )
    path = tmp_path / "policy.json"
    assert _open(lsp, path, NO_VERSION) == []
    (tmp_path / ".iamlint.toml").write_text('select = ["ALL"]\n')
    lsp.notify(
        "workspace/didChangeWatchedFiles", {"changes": [{"uri": (tmp_path / ".iamlint.toml").as_uri(), "type": 2}]}
    )
    assert [d["code"] for d in lsp.diagnostics(path.as_uri())["params"]["diagnostics"]] == ["IAM004"]
    # saving a configuration file reloads too
    (tmp_path / ".iamlint.toml").write_text('ignore = ["IAM004"]\n')
    lsp.notify("textDocument/didSave", {"textDocument": {"uri": (tmp_path / ".iamlint.toml").as_uri()}})
    assert lsp.diagnostics(path.as_uri())["params"]["diagnostics"] == []


def test_non_policy_files_get_no_diagnostics_and_utf16_columns(lsp, tmp_path):
    assert _open(lsp, tmp_path / "package.json", '{"name": "x"}\n') == []
    text = (
        '{\n  "Statement": [{"Sid": "\U0001f600x", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]\n}\n'
    )
    diags = _open(lsp, tmp_path / "emoji.json", text)
    sid = next(d for d in diags if d["code"] == "IAM008")
    # the emoji is one code point for iamlint and two UTF-16 code units for the client
    assert sid["range"]["start"]["character"] == text.splitlines()[1].index('"\U0001f600')
    assert sid["range"]["end"]["character"] == text.splitlines()[1].index('x"') + 2 + 1


def test_rapid_changes_are_coalesced_into_the_latest_buffer(lsp, tmp_path):
    path = tmp_path / "policy.json"
    _open(lsp, path, NO_VERSION)
    fixed = NO_VERSION.replace("{\n", '{\n  "Version": "2012-10-17",\n', 1)
    for v in range(2, 8):
        lsp.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": path.as_uri(), "version": v},
                "contentChanges": [{"text": NO_VERSION if v % 2 else fixed}],
            },
        )
    lsp.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": path.as_uri(), "version": 8}, "contentChanges": [{"text": fixed}]},
    )
    final = lsp.diagnostics(path.as_uri(), 8, timeout=10)
    assert final["params"]["diagnostics"] == []


def _ids(diags: list[dict]) -> list[str]:
    return [d["code"] for d in diags]


def test_a_config_file_changed_behind_the_servers_back_is_noticed_at_the_next_change(lsp, tmp_path):
    """No ``didChangeWatchedFiles`` (the client never watched the file, as Neovim
    0.7 with the README's set-up): the next didChange / didSave / didOpen
    notices the changed configuration and lints with it."""
    path = tmp_path / "policy.json"
    assert _ids(_open(lsp, path, NO_VERSION)) == ["IAM004"]
    (tmp_path / ".iamlint.toml").write_text('ignore = ["IAM004"]\n')  # created, nobody told
    assert _change(lsp, path, NO_VERSION, 2) == []
    (tmp_path / ".iamlint.toml").write_text('ignore = ["IAM008"]\n')  # same size, new content
    lsp.notify("textDocument/didSave", {"textDocument": {"uri": path.as_uri()}})
    assert _ids(lsp.diagnostics(path.as_uri(), 2)["params"]["diagnostics"]) == ["IAM004"]


def test_a_pyproject_and_a_nearer_config_are_noticed_and_every_open_document_relinted(lsp, tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    top, inner = tmp_path / "top.json", sub / "inner.json"
    assert _ids(_open(lsp, top, NO_VERSION)) == ["IAM004"]
    assert _ids(_open(lsp, inner, NO_VERSION)) == ["IAM004"]
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.iamlint]\nignore = ["IAM004"]\n')
    # a change to one document relints both with the new configuration
    lsp.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": inner.as_uri(), "version": 2}, "contentChanges": [{"text": NO_VERSION}]},
    )
    published = {}
    lsp.wait(
        lambda m: (
            m.get("method") == "textDocument/publishDiagnostics"
            and published.setdefault(m["params"]["uri"], m["params"]["diagnostics"]) is not None
            and len(published) == 2
        )
    )
    assert published == {top.as_uri(): [], inner.as_uri(): []}
    # a configuration created nearer to one document takes over for it at its next open
    (sub / ".iamlint.toml").write_text('select = ["ALL"]\n')
    other = sub / "other.json"
    assert _ids(_open(lsp, other, NO_VERSION)) == ["IAM004"]


def test_config_watchers_are_registered_when_the_client_can_watch(tmp_path):
    """A client that supports dynamic registration of didChangeWatchedFiles is
    asked to watch every configuration file name iamlint reads."""
    client = _client_module().RawClient([sys.executable, "-m", "iamlint", "lsp"], cwd=str(tmp_path))
    try:
        client.request(
            "initialize",
            {
                "processId": None,
                "rootUri": tmp_path.as_uri(),
                "capabilities": {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": True}}},
            },
        )
        client.notify("initialized", {})
        msg = client.wait(lambda m: m.get("method") == "client/registerCapability", timeout=30)
        [reg] = msg["params"]["registrations"]
        assert reg["method"] == "workspace/didChangeWatchedFiles"
        globs = {w["globPattern"] for w in reg["registerOptions"]["watchers"]}
        assert globs == {f"**/{name}" for name in CONFIG_NAMES}
        # a reported change reloads the configuration
        (tmp_path / ".iamlint.toml").write_text('ignore = ["IAM004"]\n')
        path = tmp_path / "policy.json"
        assert _open(client, path, NO_VERSION) == []
        (tmp_path / ".iamlint.toml").write_text('select = ["ALL"]\n')
        client.notify(
            "workspace/didChangeWatchedFiles", {"changes": [{"uri": (tmp_path / ".iamlint.toml").as_uri(), "type": 2}]}
        )
        assert _ids(client.diagnostics(path.as_uri())["params"]["diagnostics"]) == ["IAM004"]
    finally:
        client.close()


def test_a_client_that_cannot_watch_is_not_asked_to(tmp_path):
    """The registration would be sent from the ``initialized`` handler, before the
    server answers the next request: every message up to that answer is seen."""
    client = _client_module().RawClient([sys.executable, "-m", "iamlint", "lsp"], cwd=str(tmp_path))
    try:
        client.initialize(str(tmp_path))  # capabilities: {}
        seen = []
        client._id += 1
        client.send({"jsonrpc": "2.0", "id": client._id, "method": "shutdown", "params": None})
        client.wait(lambda m: seen.append(m) or (m.get("id") == client._id and "method" not in m))
        assert [m.get("method") for m in seen] == [None], seen
    finally:
        client.close()


GITHUB_ROLE_TF = """resource "aws_iam_role" "deploy" {
  name = "github-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
      Condition = {
        StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
        StringLike   = { "token.actions.githubusercontent.com:sub" = "repo:my-org/*" }
      }
    }]
  })
}
"""
ADMIN_ATTACH_TF = """resource "aws_iam_role_policy_attachment" "admin" {
  role       = aws_iam_role.deploy.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}
"""


def _open_unsaved(lsp, path: Path, text: str, language: str = "terraform") -> None:
    lsp.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": path.as_uri(), "languageId": language, "version": 1, "text": text}},
    )


def test_terraform_buffer_sees_the_unsaved_buffers_of_its_module(lsp, tmp_path):
    role = tmp_path / "role.tf"
    diags = _open(lsp, role, GITHUB_ROLE_TF, "terraform")
    assert _ids(diags) == ["IAM308"]
    # attach.tf exists only in the editor: role.tf's module holds it, and role.tf is linted again
    attach = tmp_path / "attach.tf"
    _open_unsaved(lsp, attach, ADMIN_ATTACH_TF)
    assert not attach.exists()
    latest: dict[str, list[dict]] = {}

    def both_linted(m: dict) -> bool:
        if m.get("method") == "textDocument/publishDiagnostics":
            latest[m["params"]["uri"]] = m["params"]["diagnostics"]
        return "IAM401" in _ids(latest.get(role.as_uri(), [])) and attach.as_uri() in latest

    lsp.wait(both_linted, timeout=60)
    relinted = latest[role.as_uri()]
    assert sorted(_ids(relinted)) == ["IAM308", "IAM401", "IAM404"]
    [admin] = [d for d in relinted if d["code"] == "IAM401"]
    assert "AdministratorAccess" in admin["message"] and "aws_iam_role.deploy" in admin["message"]
    # attach.tf's own diagnostics: IAM401 at the ARN it writes; the role's IAM404, which
    # it is part of, on its first line, naming where it is (role.tf) and linking there
    own = latest[attach.as_uri()]
    assert sorted(_ids(own)) == ["IAM401", "IAM404"]
    [here] = [d for d in own if d["code"] == "IAM401"]
    assert here["range"] == {"start": {"line": 2, "character": 15}, "end": {"line": 2, "character": 60}}
    assert here["message"].startswith("AWS managed policy `AdministratorAccess`")
    [there] = [d for d in own if d["code"] == "IAM404"]
    assert there["range"] == {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}
    assert there["message"].startswith("role.tf:5:18: ")
    first = there["relatedInformation"][0]["location"]
    assert first["uri"] == role.as_uri() and first["range"]["start"] == {"line": 4, "character": 17}
    # role.tf shows the attachment's finding on its first line, naming attach.tf
    [claimed] = [d for d in relinted if d["code"] == "IAM401"]
    assert claimed["message"].startswith("attach.tf:3:16: ")
    # an unsaved edit of attach.tf (the attachment now of another role) is seen by role.tf at its next lint
    lsp.notify(
        "textDocument/didChange",
        {
            "textDocument": {"uri": attach.as_uri(), "version": 2},
            "contentChanges": [{"text": ADMIN_ATTACH_TF.replace("aws_iam_role.deploy.name", '"other"')}],
        },
    )
    again = lsp.wait(
        lambda m: (
            m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == role.as_uri()
            and "IAM401" not in _ids(m["params"]["diagnostics"])
        ),
        timeout=60,
    )["params"]["diagnostics"]
    assert _ids(again) == ["IAM308"]


ESCALATING = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]\n}\n'
)


def test_a_grouped_finding_shows_every_item_in_the_editor(lsp, tmp_path):
    """IAM208 groups a statement's escalation methods into one finding whose
    message names a few; the diagnostic lists them all and keeps them in data."""
    diags = _open(lsp, tmp_path / "iam-star.json", ESCALATING)
    [d] = [d for d in diags if d["code"] == "IAM208"]
    items = d["data"]["items"]
    assert len(items) > 5, items
    assert d["message"].splitlines()[1:] == [f"- {item}" for item in items]
    assert "and" in d["message"].splitlines()[0] and "more" in d["message"].splitlines()[0]
