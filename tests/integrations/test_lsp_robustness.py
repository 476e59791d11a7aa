"""``iamlint lsp`` against a misbehaving client and a slow document, over stdio.

- A request whose params do not have the shape the LSP specification gives
  them gets a JSON-RPC error response (-32602) with its id, and the server
  answers the next request; a notification of the wrong shape is dropped.
- An absurd ``Content-Length`` is refused with an error (the server neither
  allocates it nor dies) and the server goes on with the next message; so it
  does after a body that is not JSON (a parse error) and after stray bytes
  before a header.
- The server exits when asked, with the exit code LSP gives, even while a
  lint is running; it does not read documents the client has not opened.
- A document whose lint is slow does not hold up requests on other
  documents, and of the versions that arrive while it is being linted only
  the latest one's diagnostics are published.

The slow document is made with a user rule pack (``extend-rules``) whose check
blocks, for a statement with ``"Sid": "Slow"``, until the test creates a gate
file: no test hook in the server and no timing assumption.  Every read has a
generous hang-guard timeout; nothing asserts how long anything took.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("lsp_latency", ROOT / "benchmarks" / "lsp_latency.py")
_latency = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_latency)
RawClient = _latency.RawClient

NO_VERSION = '{\n  "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]\n}\n'
GUARD = 30  # seconds: a hang guard, the fixed server answers in milliseconds

SLOW_RULE = """\
id: TST901
name: slow-test-check
severity: info
kinds: [identity]
summary: A test rule whose check blocks on a gate file for a statement with Sid Slow.
check: tst_slowcheck:slow
docs: {what: a test rule, why: to make a lint slow in the language server tests, references: ["https://example.com"]}
examples:
  bad: [{content: '{"Statement": [{"Sid": "Slow"}]}'}]
  good: [{content: '{"Statement": [{"Sid": "Fast"}]}'}]
"""
SLOW_CHECK = """\
import time
from pathlib import Path

from iamlint.engine.report import Report

GATE = Path(__file__).with_name("gate")


def slow(ctx):
    for st in ctx.policy.statements:
        if st.sid == "Slow":
            deadline = time.monotonic() + 45
            while not GATE.exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            yield Report(st.ptr("Sid"), "slow statement linted")
"""
SLOW_POLICY = (
    '{\n  "Version": "2012-10-17",\n  "Statement": [{"Sid": "Slow", "Effect": "Allow", '
    '"Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]\n}\n'
)


class Client(RawClient):
    """The raw client of the latency benchmark, with the server's stderr kept and every message recorded."""

    def __init__(self, cwd: Path, env: dict | None = None):
        self.stderr_path = cwd / "server-stderr.txt"
        self._stderr = open(self.stderr_path, "wb")  # noqa: SIM115 (the server's stderr while it runs)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "iamlint", "lsp"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=str(cwd),
            env={**os.environ, **(env or {})},
        )
        self.messages: queue.Queue[dict] = queue.Queue()
        self.seen: list[dict] = []
        self._id = 1000
        threading.Thread(target=self._read, daemon=True).start()

    def wait(self, pred, timeout: float = GUARD) -> dict:
        def record(msg: dict) -> bool:
            self.seen.append(msg)
            return pred(msg)

        return super().wait(record, timeout)

    def send_raw(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def raw_request(self, rid, method: str, params, **extra) -> dict:
        """A request with any params (even ones a typed client could not build); its response."""
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params, **extra})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m)

    def stderr(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")

    def close(self) -> None:
        super().close()
        self._stderr.close()


@pytest.fixture
def lsp(tmp_path):
    client = Client(tmp_path)
    client.initialize(str(tmp_path))
    yield client
    client.close()


def _open(lsp, path: Path, text: str, version: int = 1) -> None:
    path.write_text(text)
    lsp.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": path.as_uri(), "languageId": "json", "version": version, "text": text}},
    )


def _hover_params(path: Path, line: int = 1, character: int = 0) -> dict:
    return {"textDocument": {"uri": path.as_uri()}, "position": {"line": line, "character": character}}


def _assert_alive(lsp, path: Path) -> None:
    """The server still answers a well-formed request (a hover on an action name)."""
    line = NO_VERSION.splitlines()[1]
    resp = lsp.request("textDocument/hover", _hover_params(path, 1, line.index("s3:GetObject") + 3), timeout=GUARD)
    assert "s3:GetObject" in resp["result"]["contents"]["value"]


RANGE0 = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}
INVALID_REQUESTS = {
    "hover-negative-line": (
        "textDocument/hover",
        lambda uri: {"textDocument": {"uri": uri}, "position": {"line": -1, "character": 0}},
    ),
    "hover-negative-character": (
        "textDocument/hover",
        lambda uri: {"textDocument": {"uri": uri}, "position": {"line": 0, "character": -5}},
    ),
    "hover-params-5": ("textDocument/hover", lambda uri: 5),
    "hover-no-position": ("textDocument/hover", lambda uri: {"textDocument": {"uri": uri}}),
    "code-action-params-5": ("textDocument/codeAction", lambda uri: 5),
    "code-action-context-5": (
        "textDocument/codeAction",
        lambda uri: {"textDocument": {"uri": uri}, "range": RANGE0, "context": 5},
    ),
    "code-action-malformed-diagnostic": (
        "textDocument/codeAction",
        lambda uri: {"textDocument": {"uri": uri}, "range": RANGE0, "context": {"diagnostics": [{"x": 1}]}},
    ),
    "code-action-diagnostics-not-a-list": (
        "textDocument/codeAction",
        lambda uri: {"textDocument": {"uri": uri}, "range": RANGE0, "context": {"diagnostics": "all"}},
    ),
    "code-action-no-context": ("textDocument/codeAction", lambda uri: {"textDocument": {"uri": uri}, "range": RANGE0}),
    "code-action-negative-range": (
        "textDocument/codeAction",
        lambda uri: {
            "textDocument": {"uri": uri},
            "range": {"start": {"line": -3, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []},
        },
    ),
    "completion-wrong-shape": ("textDocument/completion", lambda uri: {"textDocument": 5}),
    "completion-params-list": ("textDocument/completion", lambda uri: [uri, 0, 0]),
}


@pytest.mark.parametrize("case", sorted(INVALID_REQUESTS))
def test_invalid_params_get_an_error_response_and_the_server_goes_on(lsp, tmp_path, case):
    path = tmp_path / "policy.json"
    _open(lsp, path, NO_VERSION)
    lsp.diagnostics(path.as_uri(), timeout=GUARD)
    method, params = INVALID_REQUESTS[case]
    resp = lsp.raw_request(7, method, params(path.as_uri()))
    assert resp["id"] == 7 and "result" not in resp
    assert resp["error"]["code"] == -32602, resp
    assert "params" in resp["error"]["message"].lower()
    _assert_alive(lsp, path)
    assert "Traceback" not in lsp.stderr()


def test_the_error_response_carries_a_string_id_too(lsp, tmp_path):
    resp = lsp.raw_request("req-a", "textDocument/hover", 5)
    assert resp["id"] == "req-a" and resp["error"]["code"] == -32602


@pytest.mark.parametrize("method", ["textDocument/didOpen", "textDocument/didChange", "textDocument/didClose"])
def test_a_notification_of_the_wrong_shape_is_dropped_and_the_server_goes_on(lsp, tmp_path, method):
    path = tmp_path / "policy.json"
    lsp.notify(method, 5)
    lsp.notify(method, {"textDocument": {"uri": 5}})
    _open(lsp, path, NO_VERSION)
    assert [d["code"] for d in lsp.diagnostics(path.as_uri(), timeout=GUARD)["params"]["diagnostics"]] == ["IAM004"]
    _assert_alive(lsp, path)
    # a notification gets no response (JSON-RPC forbids one), not even an error without an id
    assert not [m for m in lsp.seen if "method" not in m and m.get("id") is None]
    assert "Traceback" not in lsp.stderr()


def test_an_absurd_content_length_is_refused_and_the_server_goes_on(lsp, tmp_path):
    path = tmp_path / "policy.json"
    _open(lsp, path, NO_VERSION)
    lsp.diagnostics(path.as_uri(), timeout=GUARD)
    body = json.dumps(
        {"jsonrpc": "2.0", "id": 55, "method": "textDocument/hover", "params": _hover_params(path)}
    ).encode()
    lsp.send_raw(b"Content-Length: 99999999999\r\n\r\n" + body)
    refused = lsp.wait(lambda m: "error" in m and "id" in m and m["id"] is None)  # JSON-RPC's null id
    assert refused["error"]["code"] == -32600
    assert "99999999999" in refused["error"]["message"]
    _assert_alive(lsp, path)
    assert lsp.proc.poll() is None
    err = lsp.stderr()
    assert "Content-Length 99999999999" in err and "Traceback" not in err and "MemoryError" not in err


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00{", b'{"jsonrpc": "2.0", "id": 1, "method": '])
def test_a_body_that_is_not_json_gets_a_parse_error_and_the_server_goes_on(lsp, tmp_path, body):
    path = tmp_path / "policy.json"
    _open(lsp, path, NO_VERSION)
    lsp.diagnostics(path.as_uri(), timeout=GUARD)
    lsp.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    error = lsp.wait(lambda m: "error" in m and "id" in m and m["id"] is None)
    assert error["error"]["code"] == -32700
    _assert_alive(lsp, path)


def test_bytes_before_a_header_are_skipped_and_the_next_message_is_read(lsp, tmp_path):
    path = tmp_path / "policy.json"
    _open(lsp, path, NO_VERSION)
    lsp.diagnostics(path.as_uri(), timeout=GUARD)
    lsp.send_raw(b"stray output without a line end " * 4000)  # 128 KB, longer than a header line may be
    _assert_alive(lsp, path)
    assert "Traceback" not in lsp.stderr()


def test_hover_on_a_document_that_is_not_open_is_empty_and_reads_nothing(lsp, tmp_path):
    missing = tmp_path / "missing.json"
    assert lsp.request("textDocument/hover", _hover_params(missing), timeout=GUARD)["result"] is None
    on_disk = tmp_path / "on-disk.json"
    on_disk.write_text(NO_VERSION)
    line = NO_VERSION.splitlines()[1]
    hover = lsp.request("textDocument/hover", _hover_params(on_disk, 1, line.index("s3:GetObject") + 3), timeout=GUARD)
    assert hover["result"] is None  # the editor has not opened it: the server does not read the disk
    assert "Traceback" not in lsp.stderr()


def test_an_absurd_content_length_then_end_of_input_exits_cleanly(tmp_path):
    client = Client(tmp_path)
    client.initialize(str(tmp_path))
    client.send_raw(b'Content-Length: 99999999999\r\n\r\n{"jsonrpc": "2.0"')
    client.proc.stdin.close()
    client.proc.wait(timeout=GUARD)
    err = client.stderr()
    assert "Content-Length 99999999999" in err and "Traceback" not in err
    client._stderr.close()


@pytest.fixture
def slow_lsp(tmp_path):
    """A server whose configuration adds a rule that blocks on ``gate`` for a statement with Sid Slow."""
    (tmp_path / "slowmod").mkdir()
    (tmp_path / "slowmod" / "tst_slowcheck.py").write_text(SLOW_CHECK)
    (tmp_path / "slowpack").mkdir()
    (tmp_path / "slowpack" / "TST901-slow.yaml").write_text(SLOW_RULE)
    (tmp_path / ".iamlint.toml").write_text('extend-rules = ["slowpack"]\n')
    pythonpath = os.pathsep.join(p for p in (str(tmp_path / "slowmod"), os.environ.get("PYTHONPATH")) if p)
    client = Client(tmp_path, env={"PYTHONPATH": pythonpath})
    client.initialize(str(tmp_path))
    client.gate = tmp_path / "slowmod" / "gate"
    yield client
    client.gate.touch()  # release a blocked check, whatever happened
    client.close()


def test_a_slow_document_does_not_block_requests_on_another_document(slow_lsp, tmp_path):
    fast = tmp_path / "fast.json"
    _open(slow_lsp, fast, NO_VERSION)
    assert [d["code"] for d in slow_lsp.diagnostics(fast.as_uri(), timeout=GUARD)["params"]["diagnostics"]] == [
        "IAM004"
    ]
    slow = tmp_path / "slow.json"
    _open(slow_lsp, slow, SLOW_POLICY)  # its lint now waits for the gate
    _assert_alive(slow_lsp, fast)
    actions = slow_lsp.request(
        "textDocument/codeAction",
        {"textDocument": {"uri": fast.as_uri()}, "range": RANGE0, "context": {"diagnostics": []}},
        timeout=GUARD,
    )
    assert "result" in actions
    # a change on the fast document is linted and published while the slow one is still blocked
    fixed = NO_VERSION.replace("{\n", '{\n  "Version": "2012-10-17",\n', 1)
    slow_lsp.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": fast.as_uri(), "version": 2}, "contentChanges": [{"text": fixed}]},
    )
    assert slow_lsp.diagnostics(fast.as_uri(), 2, timeout=GUARD)["params"]["diagnostics"] == []
    assert not [
        m
        for m in slow_lsp.seen
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == slow.as_uri()
    ]
    slow_lsp.gate.touch()
    codes = [d["code"] for d in slow_lsp.diagnostics(slow.as_uri(), 1, timeout=GUARD)["params"]["diagnostics"]]
    assert "TST901" in codes


def test_only_the_latest_version_of_a_document_being_linted_is_published(slow_lsp, tmp_path):
    slow = tmp_path / "slow.json"
    _open(slow_lsp, slow, SLOW_POLICY)  # version 1 blocks on the gate
    texts = {
        2: SLOW_POLICY.replace('"Resource"', '"Resource" ', 1),
        3: SLOW_POLICY.replace("s3:GetObject", "s3:PutObject"),
        4: SLOW_POLICY.replace('  "Version": "2012-10-17",\n', ""),
    }
    for version, text in texts.items():
        slow_lsp.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": slow.as_uri(), "version": version}, "contentChanges": [{"text": text}]},
        )
    # a request after the changes: when it is answered, the server has taken all of them in
    slow_lsp.request("textDocument/hover", _hover_params(slow), timeout=GUARD)
    slow_lsp.gate.touch()
    final = slow_lsp.diagnostics(slow.as_uri(), 4, timeout=GUARD)["params"]["diagnostics"]
    assert sorted(d["code"] for d in final) == ["IAM004", "TST901"]
    slow_lsp.request("textDocument/hover", _hover_params(slow), timeout=GUARD)  # a round trip after it
    published = [
        m["params"].get("version")
        for m in slow_lsp.seen
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == slow.as_uri()
    ]
    assert published == [4]


def test_the_server_exits_when_asked_even_with_a_lint_still_running(slow_lsp, tmp_path):
    _open(slow_lsp, tmp_path / "slow.json", SLOW_POLICY)  # its lint waits for the gate, which stays shut
    slow_lsp.request("textDocument/hover", _hover_params(tmp_path / "slow.json"), timeout=GUARD)
    assert "result" in slow_lsp.request("shutdown", {}, timeout=GUARD)
    slow_lsp.notify("exit", {})
    assert slow_lsp.proc.wait(timeout=GUARD) == 0  # not held until the worker thread ends
    assert "Traceback" not in slow_lsp.stderr()


def test_exit_without_shutdown_exits_with_status_1(lsp):
    lsp.notify("exit", {})
    assert lsp.proc.wait(timeout=GUARD) == 1  # the LSP specification's exit code for it
