"""The iamlint language server (``iamlint lsp``); see :mod:`iamlint.lsp.server`."""

from __future__ import annotations


def main(log_file: str | None = None) -> None:
    from iamlint.lsp.server import main as _main  # noqa: PLC0415 (pygls and lsprotocol: ~0.3 s, only for `iamlint lsp`)

    _main(log_file)
