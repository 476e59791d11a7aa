"""The iamlint language server (``iamlint lsp``); see :mod:`iamlint.lsp.server`."""

from __future__ import annotations


def main(log_file: str | None = None) -> None:
    from iamlint.lsp.server import main as _main

    _main(log_file)
