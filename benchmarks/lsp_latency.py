"""Latency of ``iamlint lsp``: time from ``didChange`` to ``publishDiagnostics``.

Drives the server over stdio with raw JSON-RPC (no client library), opens a
~10 KB identity policy, warms the server up, then sends N single edits (each
after the previous diagnostics arrived and a pause longer than the server's
throttle window, as a person's edit would) and reports the median and p90.
A second series sends bursts of keystrokes 20 ms apart and reports the time
from the last keystroke to the diagnostics for the final buffer.

    .venv/bin/python benchmarks/lsp_latency.py [--runs 50]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path


class RawClient:
    """A minimal LSP client over a subprocess's stdio."""

    def __init__(self, cmd: list[str], cwd: str | None = None):
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=cwd
        )
        self.messages: queue.Queue[dict] = queue.Queue()
        self._id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.decode().partition(":")
                headers[k.lower()] = v.strip()
            body = out.read(int(headers["content-length"]))
            msg = json.loads(body)
            msg["_t"] = time.perf_counter()
            self.messages.put(msg)

    def send(self, msg: dict) -> None:
        data = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: dict, timeout: float = 30) -> dict:
        self._id += 1
        rid = self._id
        self.send({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m, timeout)

    def wait(self, pred, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no matching message from the server")
            msg = self.messages.get(timeout=left)
            if msg.get("method") and "id" in msg:  # a server request (registerCapability ...): answer it
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": None})
            if pred(msg):
                return msg

    def diagnostics(self, uri: str, version: int | None = None, timeout: float = 30) -> dict:
        return self.wait(
            lambda m: (
                m.get("method") == "textDocument/publishDiagnostics"
                and m["params"]["uri"] == uri
                and (version is None or m["params"].get("version") == version)
            ),
            timeout,
        )

    def initialize(self, root: str) -> dict:
        result = self.request(
            "initialize", {"processId": os.getpid(), "rootUri": Path(root).as_uri(), "capabilities": {}}
        )
        self.notify("initialized", {})
        return result

    def close(self) -> None:
        try:
            self.request("shutdown", {}, timeout=5)
            self.notify("exit", {})
            self.proc.wait(timeout=5)
        except (OSError, TimeoutError, queue.Empty, subprocess.TimeoutExpired):  # a server that does not answer
            self.proc.kill()


def policy_10kb() -> str:
    statements = []
    i = 0
    while True:
        statements.append(
            {
                "Sid": f"Read{i}",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:ListBucket", "dynamodb:GetItem", "dynamodb:Query"],
                "Resource": [
                    f"arn:aws:s3:::bucket-{i}",
                    f"arn:aws:s3:::bucket-{i}/*",
                    f"arn:aws:dynamodb:us-east-1:111122223333:table/t{i}",
                ],
            }
        )
        i += 1
        text = json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)
        if len(text) >= 10_000:
            return text + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    exe = [sys.executable, "-m", "iamlint", "lsp"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy.json"
        text = policy_10kb()
        path.write_text(text)
        uri = path.as_uri()
        client = RawClient(exe, cwd=tmp)
        client.initialize(tmp)
        client.notify(
            "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "json", "version": 1, "text": text}}
        )
        client.diagnostics(uri, timeout=60)
        version = 1
        # the edit toggles a Sid's digit; full-text sync would be similar
        line = next(i for i, s in enumerate(text.split("\n")) if '"Sid": "Read0"' in s)
        col = text.split("\n")[line].index("Read0") + 4

        def edit(ch: str) -> None:
            nonlocal version
            version += 1
            client.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [
                        {
                            "range": {
                                "start": {"line": line, "character": col},
                                "end": {"line": line, "character": col + 1},
                            },
                            "text": ch,
                        }
                    ],
                },
            )

        single = []
        for n in range(args.runs + 5):
            time.sleep(0.2)  # a pause longer than the throttle window
            t0 = time.perf_counter()
            edit(str(n % 10))
            msg = client.diagnostics(uri, version)
            if n >= 5:  # warm-up
                single.append((msg["_t"] - t0) * 1000)
        bursts = []
        for n in range(max(5, args.runs // 5)):
            time.sleep(0.3)
            for k in range(5):
                edit(str((n + k) % 10))
                t_last = time.perf_counter()
                time.sleep(0.02)
            msg = client.diagnostics(uri, version)
            bursts.append((msg["_t"] - t_last) * 1000)
        client.close()
    single.sort()
    print(f"policy: {len(text):,} bytes, {len(json.loads(text)['Statement'])} statements")
    print(
        f"single edit didChange -> publishDiagnostics over {len(single)} runs: "
        f"median {statistics.median(single):.1f} ms, p90 {single[int(len(single) * 0.9) - 1]:.1f} ms, "
        f"min {single[0]:.1f} ms"
    )
    print(
        f"typing burst (5 keystrokes 20 ms apart), last keystroke -> diagnostics of the final buffer: "
        f"median {statistics.median(bursts):.1f} ms"
    )


if __name__ == "__main__":
    main()
