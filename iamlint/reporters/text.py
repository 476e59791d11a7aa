"""Human output, one finding per entry::

    path:line:col: IAM201 administrator-access [error] [*] what is wrong (owner)
        1 | the source line          (with --show-source)
          |    ^^^^
          = help: what to do instead

The rule's id and name come first (the id is an OSC 8 hyperlink to the rule's
documentation when the terminal shows links), ``[*]`` marks a finding that
``iamlint check --fix`` can fix, the message says what is wrong and the
``help:`` line what to do (see :func:`split_remedy`).  The summary ends with
how many findings ``--fix`` can fix.

Everything that comes from the checked files (file names, messages, owners,
``--show-source`` lines) is written through :func:`escape`: a policy string
or a file name must not be able to move the cursor, clear the terminal, set
its title or start a line that a CI runner executes (GitHub Actions runs a
stdout line starting with ``::`` as a workflow command).
"""

from __future__ import annotations

import os
import re

from iamlint.reporters import RunResult
from iamlint.vocabulary import Severity

_COLORS: dict[str, str] = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"

#: C0 controls but TAB (harmless whitespace, kept for indented source), DEL,
#: C1 controls (U+009B is CSI, U+009D OSC for terminals reading them), the
#: Unicode line and paragraph separators, and the bidirectional embedding,
#: override and isolate controls (which reorder what a line shows)
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
#: a line a CI runner reads as a command: ``::`` after optional blanks
_COMMAND_START = re.compile(r"[ \t]*::")

#: how many columns of a source line ``--show-source`` shows at most (minified
#: JSON is one line of many kilobytes)
SOURCE_WIDTH = 120
_ELLIPSIS = "…"

#: the words a message's remedy clause starts with, after ``"; "``: iamlint's
#: messages are written "what is wrong; what to do" (``…; use "2012-10-17"``,
#: ``…; did you mean `s3:GetObject`?``)
_REMEDY_START = re.compile(
    r"(?:add|attach|check|did you mean|fix|grant only|if it only|keep|leave|limit|list|move|name|pin|remove"
    r"|replace|scope|see|use|write)\b"
)


def _visible(match: re.Match) -> str:
    ch = match.group()
    named = _NAMED.get(ch)
    if named:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape(text: str, line_start: bool = False) -> str:
    """``text`` with every control character as a visible escape (``\\x1b``,
    ``\\n``, ``\\u202e``), so it stays one harmless line on a terminal or a
    CI log; with ``line_start`` (the text begins an output line) a leading
    ``::`` becomes ``\\x3a:``."""
    if _UNSAFE.search(text):
        text = _UNSAFE.sub(_visible, text)
    if line_start:
        command = _COMMAND_START.match(text)
        if command:
            end = command.end()
            text = text[: end - 2] + "\\x3a:" + text[end:]
    return text


#: the characters :func:`split_remedy` looks at: quotes, brackets, clause ends
_REMEDY_TOKENS = re.compile(r"[`\"()\[\]{}]|[;:] ")


def split_remedy(message: str) -> tuple[str, str]:
    """``(what is wrong, what to do)`` of a message written "what; remedy".

    The remedy is the text after the first ``"; "`` that is outside backticks,
    quotes and brackets (those hold policy values and lists) and is followed by
    an imperative (:data:`_REMEDY_START`), else after the first such ``": "``
    (``…is not an action: write actions as `service:ActionName```); ``""``
    when there is none.  The message itself is unchanged everywhere else
    (JSON, SARIF, fingerprints): only the text output shows the remedy on its
    own line."""
    if "; " not in message and ": " not in message:
        return message, ""
    depth, quoted = 0, ""
    colon: int | None = None
    for token in _REMEDY_TOKENS.finditer(message):
        ch, i = token.group()[0], token.start()
        if quoted:
            if ch == quoted:
                quoted = ""
        elif ch in '`"':
            quoted = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and i > 0 and _REMEDY_START.match(message, i + 2):
            if ch == ";":
                return message[:i].rstrip(), message[i + 2 :].strip()
            if colon is None:
                colon = i
    if colon is not None:  # "what: remedy", when there is no "; remedy"
        return message[:colon].rstrip(), message[colon + 2 :].strip()
    return message, ""


# --------------------------------------------------------------------------
# hyperlinks (OSC 8)
# --------------------------------------------------------------------------

#: ``TERM_PROGRAM`` values of terminals that show OSC 8 links
_LINK_PROGRAMS = {"iTerm.app", "WezTerm", "vscode", "ghostty", "Hyper", "Tabby", "rio", "WarpTerminal"}
_LINK_TERMS = ("xterm-kitty", "xterm-ghostty", "wezterm", "alacritty", "foot", "contour")


def terminal_supports_hyperlinks(stream, environ=None) -> bool:
    """Whether ``stream`` is a terminal known to show OSC 8 hyperlinks.

    Never for a file or a pipe; ``FORCE_HYPERLINK=1`` / ``=0`` decides for
    the user.  Otherwise only terminals that are known to support them (by
    ``TERM_PROGRAM``, ``TERM``, VTE ≥ 0.50, Windows Terminal, Konsole,
    DomTerm): an older terminal may print the sequence's text instead of
    ignoring it.  Inside CI and on a dumb terminal, never."""
    env = os.environ if environ is None else environ
    try:
        if not stream.isatty():
            return False
    except (AttributeError, ValueError, OSError):
        return False
    force = env.get("FORCE_HYPERLINK")
    if force is not None and force != "":
        return force not in ("0", "false", "no")
    term = env.get("TERM", "")
    if env.get("CI") or term == "dumb":
        return False
    if env.get("TERM_PROGRAM") in _LINK_PROGRAMS or term.startswith(_LINK_TERMS):
        return True
    if env.get("WT_SESSION") or env.get("KONSOLE_VERSION") or env.get("DOMTERM"):
        return True
    vte = env.get("VTE_VERSION", "")
    return vte.isdigit() and int(vte) >= 5000


def _link(url: str, text: str) -> str:
    """``text`` as an OSC 8 hyperlink to ``url``; plain ``text`` when the URL
    is not printable ASCII (it is written raw inside a terminal sequence)."""
    if not url or not all(" " < ch < "\x7f" for ch in url):
        return text
    return f"\x1b]8;;{url}\x1b\\{text}\x1b]8;;\x1b\\"


def _rule_url(rule) -> str:
    # only hyperlinked output needs it; sarif pulls in docs and the rule registry (~130M instructions)
    # while cli imports this module at start-up
    from iamlint.reporters.sarif import help_uri  # noqa: PLC0415 (start-up cost, measured)

    try:
        return help_uri(rule)
    except (OSError, ValueError):
        return ""


# --------------------------------------------------------------------------
# source lines
# --------------------------------------------------------------------------


def _source_lines(text: str | None) -> list[str]:
    # lines as the locators count them (by "\n"): str.splitlines would also
    # break at form feeds, \x1c-\x1e and U+2028, shifting every later line
    return text.split("\n") if text else []


def _window(length: int, start: int, end: int, width: int = SOURCE_WIDTH) -> tuple[int, int]:
    """The ``[lo, hi)`` slice of a line of ``length`` characters that shows the
    span ``[start, end)``: the whole line when it fits in ``width``, else
    ``width`` characters with the span in the middle (its beginning when the
    span itself is wider)."""
    if length <= width:
        return 0, length
    span = end - start
    lo = max(0, start - 10) if span >= width else max(0, start - (width - span) // 2)
    lo = min(lo, length - width)
    return lo, lo + width


def _source_and_caret(src: str, span, c: bool, severity: str) -> tuple[str, str]:
    """The escaped source line (a window of about :data:`SOURCE_WIDTH` columns
    of a long line, cut ends shown as ``…``) and its caret line, the caret
    under the escaped text of the span (an escape is wider than the character
    it shows)."""
    start = min(span.column - 1, len(src))
    end = span.end_column - 1 if span.end_line == span.line else len(src)
    end = max(start, min(end, len(src)))
    lo, hi = _window(len(src), start, end)
    head = _ELLIPSIS if lo > 0 else ""
    tail = _ELLIPSIS if hi < len(src) else ""
    before, marked = head + escape(src[lo:start]), escape(src[start : min(end, hi)])
    after = escape(src[min(end, hi) : hi]) + tail
    pad = "".join(ch if ch == "\t" else " " for ch in before)
    caret = pad + "^" * max(1, len(marked))
    return before + marked + after, (f"{_COLORS[severity]}{caret}{_RESET}" if c else caret)


# --------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------


def _nothing_fixable(rule) -> bool:
    return False


def _fixable_test():
    """``rule -> bool``: whether ``--fix`` can fix the rule's findings (a
    Rule, or an id when the rule is not loaded)."""
    try:
        from iamlint.fixes import is_fixable  # noqa: PLC0415 (~14M instructions at CLI start-up otherwise)
    except ImportError:  # an older fixes module: nothing is marked
        return _nothing_fixable
    return is_fixable


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _summary(run: RunResult, fixable: int) -> str:
    """The last line: counts by severity, files, and how many ``--fix`` fixes."""
    n = len(run.findings)
    files = _plural(run.linted_files, "file")
    # files read but holding no IAM material (tsconfig.json, a workflow ...): skipped silently
    without = sum(1 for f in run.files if f.skipped and not f.error)
    rest = f"; {_plural(without, 'file')} without IAM content." if without else "."
    if not n:
        return f"No findings in {files} ({_plural(run.documents, 'policy', 'policies')}){rest}"
    by_sev = {s: sum(1 for f in run.findings if f.severity == s) for s in Severity}
    detail = ", ".join(_plural(v, k) for k, v in by_sev.items() if v)
    line = f"Found {_plural(n, 'finding')} ({detail}) in {files}{rest}"
    if fixable:
        line += f" [*] {fixable} fixable with `--fix`."
    return line


def _source_block(src: str, f, c: bool) -> tuple[list[str], int]:
    """The ``--show-source`` lines of finding ``f`` on source line ``src``
    and the width of their gutter (the ``help:`` line aligns with it)."""
    src = src[:-1] if src.endswith("\r") else src
    shown, caret = _source_and_caret(src, f.span, c, f.severity)
    num = f"{f.span.line:>5} | "
    gutter = len(num) - 2
    return [f"{_DIM if c else ''}{num}{_RESET if c else ''}{shown}", " " * gutter + "| " + caret], gutter


def render(run: RunResult) -> str:
    out: list[str] = []
    texts = {f.path: f.text for f in run.files}
    lines_cache: dict[str, list[str]] = {}
    c = run.color
    links = c and getattr(run, "hyperlinks", False)
    registry = run.registry
    urls: dict[str, str] = {}  # rule id -> its documentation's URL
    is_fixable = _fixable_test() if run.findings else _nothing_fixable  # no findings: fixes not imported
    fixable = 0
    for f in run.findings:
        rule = registry.get(f.rule) if registry is not None else None
        what, remedy = split_remedy(f.message)
        remedy = remedy or (getattr(rule, "help", "") if rule is not None else "")
        title = f"{f.rule} {escape(f.name)}" if f.name else f.rule
        if links and rule is not None:
            if rule.id not in urls:
                urls[rule.id] = _rule_url(rule)
            title = _link(urls[rule.id], title)
        title = f"{_BOLD}{title}{_RESET}" if c else title
        sev = f"{_COLORS[f.severity]}{f.severity}{_RESET}" if c else f.severity
        mark = ""
        if is_fixable(rule if rule is not None else f.rule):
            fixable += 1
            mark = " [*]"
        owner = f" ({escape(f.owner)})" if f.owner else ""
        out.append(
            f"{escape(f.file, line_start=True)}:{f.span.line}:{f.span.column}: {title} [{sev}]{mark} "
            f"{escape(what)}{owner}"
        )
        gutter = 0
        if run.show_source:
            lines = lines_cache.setdefault(f.file, _source_lines(texts.get(f.file)))
            if 0 < f.span.line <= len(lines):
                block, gutter = _source_block(lines[f.span.line - 1], f, c)
                out += block
        if remedy:
            label = f"{_BOLD}help{_RESET}" if c else "help"
            out.append(f"{' ' * gutter + '= ' if gutter else '  '}{label}: {escape(remedy)}")
    out.append(_summary(run, fixable))
    return "\n".join(out) + "\n"
