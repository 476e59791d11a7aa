"""HCL parsers for Terraform: iamlint's hclpos (python-hcl2's Lark grammar) against tree-sitter-hcl.

For issue 17 ("HCL: choose the parser that is correct and fast, with a
measurement").  Parses every ``.tf`` file of the shared Terraform corpus and of
``tests/`` with

(a) ``iamlint.sources.hclpos.parse_hcl``: what ``terraform.py`` calls through
    ``parse_cached`` (here without the cache), i.e. the heredoc normalisation,
    the Lark LALR parse with the ``=>`` post-lexer and the Block/Attribute index;
(b) tree-sitter-hcl (``tree-sitter`` + ``tree-sitter-hcl`` from PyPI, the
    ``bench`` extra): the C parse alone, and the C parse plus a prototype
    adapter (:func:`ts_blocks`) that builds the same block/attribute index with
    the same spans as hclpos.

and reports: total time per parser (median of ``--runs``), the files each
rejects (hclpos: ``HclFile.error``; tree-sitter: a tree with an ERROR or
MISSING node), whether each accepts the valid-Terraform constructs of
``tests/sources/test_hcl_valid_constructs.py`` and a few more (and ten
invalid inputs), whether the adapter's block types, labels, attribute names
and spans (block, header, attribute key, attribute value) equal hclpos's on
every file both accept, and whether heredoc bodies with their offsets and
plain string values agree.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/hcl_parsers.py [--runs 5] [--corpus ../shared/corpus/terraform]

``--share`` measures the share of hclpos's parse in a whole ``iamlint check
--jobs 1`` run instead (a timer and cProfile); ``--only MODE`` parses once for
valgrind instruction counts (docs/performance.md, "Issue 17: which HCL parser").
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from iamlint.findings import Span  # noqa: E402 (after the path set-up)
from iamlint.sources.hclpos import Block, HclFile, LineTable, hcl_parser, node_span, parse_hcl, unescape  # noqa: E402

# --------------------------------------------------------------------------
# tree-sitter


def ts_parser() -> Any:
    import tree_sitter  # noqa: PLC0415 (benchmark-only dependency)
    import tree_sitter_hcl  # noqa: PLC0415 (benchmark-only dependency)

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_hcl.language()))


def ts_problems(root: Any) -> list[tuple[str, int, int]]:
    """(ERROR | MISSING, line, column) of every error node (1-based, byte columns)."""
    out: list[tuple[str, int, int]] = []
    if not root.has_error:
        return out
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            row, col = node.start_point
            out.append(("MISSING " + node.type if node.is_missing else "ERROR", row + 1, col + 1))
            continue
        stack.extend(c for c in node.children if c.has_error)
    return sorted(out, key=lambda p: (p[1], p[2]))


class Chars:
    """Byte offsets (tree-sitter) -> 1-based (line, column in code points) spans (hclpos)."""

    def __init__(self, text: str) -> None:
        self.lines = LineTable(text)
        self.ascii = text.isascii()
        if not self.ascii:
            self.map: list[int] = []
            for i, ch in enumerate(text):
                self.map.extend([i] * len(ch.encode("utf-8")))
            self.map.append(len(text))

    def span(self, node: Any, end_node: Any = None) -> Span:
        start, end = node.start_byte, (end_node or node).end_byte
        if not self.ascii:
            start, end = self.map[start], self.map[end]
        return self.lines.span(start, end)


def ts_label(node: Any, src: bytes) -> str:
    """A block label as hclpos's ``name_of``: an identifier's text, a string's
    unescaped characters ("" when it interpolates).

    A string's text is the bytes between its quotes, not its
    ``template_literal`` nodes: tree-sitter-hcl leaves the blanks at either
    end of a literal run out of the node (``" x "`` has the literal ``x``)."""
    if node.type == "identifier":
        return src[node.start_byte : node.end_byte].decode()
    inner = [c for c in node.children if c.type not in ("quoted_template_start", "quoted_template_end")]
    if any(c.type != "template_literal" for c in inner):
        return ""
    first, last = node.children[0], node.children[-1]
    return unescape(src[first.end_byte : last.start_byte].decode())


class TsBlock:
    """The fields of :class:`iamlint.sources.hclpos.Block` that terraform.py reads."""

    __slots__ = ("attrs", "blocks", "header_span", "labels", "span", "type")

    def __init__(self, type_: str, labels: list[str], span: Span, header: Span) -> None:
        self.type, self.labels, self.span, self.header_span = type_, labels, span, header
        self.attrs: dict[str, tuple[Span, Span]] = {}  # name -> (key span, value span)
        self.blocks: list[TsBlock] = []


def ts_body(body: Any, src: bytes, chars: Chars) -> tuple[dict[str, tuple[Span, Span]], list[TsBlock]]:
    attrs: dict[str, tuple[Span, Span]] = {}
    blocks: list[TsBlock] = []
    for child in body.named_children:
        if child.type == "attribute":
            key = child.named_children[0]
            expr = child.named_children[-1]
            attrs[src[key.start_byte : key.end_byte].decode()] = (chars.span(key), chars.span(expr))
        elif child.type == "block":
            blocks.append(ts_block(child, src, chars))
    return attrs, blocks


def ts_block(node: Any, src: bytes, chars: Chars) -> TsBlock:
    names = [c for c in node.named_children if c.type in ("identifier", "string_lit")]
    labels = [ts_label(c, src) for c in names]
    block = TsBlock(labels[0] if labels else "", labels[1:], chars.span(node), chars.span(names[0], names[-1]))
    for c in node.named_children:
        if c.type == "body":
            block.attrs, block.blocks = ts_body(c, src, chars)
    return block


def ts_blocks(tree: Any, src: bytes, text: str) -> list[TsBlock]:
    chars = Chars(text)
    body = next((c for c in tree.root_node.named_children if c.type == "body"), None)
    if body is None:
        return []
    _attrs, blocks = ts_body(body, src, chars)  # top-level attributes are not Terraform; hclpos drops them
    return blocks


def ts_attr_exprs(node: Any) -> list[Any]:
    """The value expression of every attribute inside blocks, in document order
    (the order of :func:`hclpos_attr_exprs` on the same file)."""
    out: list[Any] = []
    for child in node.named_children:
        if child.type == "block":
            body = next((c for c in child.named_children if c.type == "body"), None)
            if body is not None:
                for c in body.named_children:
                    if c.type == "attribute":
                        out.append(c.named_children[-1])
                out.extend(ts_attr_exprs(body))
        elif child.type in ("config_file", "body"):
            out.extend(ts_attr_exprs(child))
    return out


def hclpos_attr_exprs(blocks: list[Block]) -> list[Any]:
    out: list[Any] = []
    for b in blocks:
        out.extend(a.expr for a in b.attrs.values())
        out.extend(hclpos_attr_exprs(b.blocks))
    return out


def ts_inner(expr: Any) -> Any:
    """The single meaningful node under ``expression`` / ``template_expr`` /
    ``literal_value`` wrappers."""
    while expr.type in ("expression", "template_expr", "literal_value") and expr.named_child_count == 1:
        expr = expr.named_children[0]
    return expr


def ts_heredoc_body(node: Any, src: bytes, chars: Chars) -> tuple[str, int]:
    """(body text, code-point offset of the body) of a ``heredoc_template``, as
    hclpos's ``heredoc_body``: from the line after the opener to the newline
    before the end-marker line."""
    idents = [c for c in node.named_children if c.type == "heredoc_identifier"]
    start = src.index(b"\n", idents[0].end_byte) + 1
    end = max(src.rfind(b"\n", 0, idents[-1].start_byte), start)
    if not chars.ascii:
        start, end = chars.map[start], chars.map[end]
    text = src.decode("utf-8")
    return text[start:end], start


def ts_plain_string(node: Any, src: bytes) -> str | None:
    """A quoted string without interpolations, unescaped (None for anything else)."""
    if node.type != "string_lit":
        return None
    return ts_label(node, src)


def expression_checks(h: HclFile, tree: Any, src: bytes, text: str) -> tuple[int, int, int, int, list[str]]:
    """(heredocs, heredocs equal, plain strings, plain strings equal, differences)
    between the attribute values of both parses: heredoc bodies and their
    offsets (where embedded JSON policies are located from), plain string values."""
    from lark import Tree  # noqa: PLC0415

    from iamlint.sources.hclpos import heredoc_body, name_of, unwrap  # noqa: PLC0415

    chars = Chars(text)
    ours, theirs = hclpos_attr_exprs(h.blocks), ts_attr_exprs(tree.root_node)
    if len(ours) != len(theirs):
        return 0, 0, 0, 0, [f"{len(ours)} != {len(theirs)} attributes"]
    heredocs = heredocs_ok = strings = strings_ok = 0
    diffs: list[str] = []
    for o, t in zip(ours, theirs, strict=True):
        node, inner = unwrap(o), ts_inner(t)
        if isinstance(node, Tree) and node.data in ("heredoc_template", "heredoc_template_trim"):
            heredocs += 1
            mine = heredoc_body(node.children[0])  # type: ignore[arg-type]
            other = ts_heredoc_body(inner, src, chars) if inner.type == "heredoc_template" else None
            if mine == other:
                heredocs_ok += 1
            else:
                diffs.append(f"heredoc at {node_span(node)}: {mine!r:.60} != {other!r:.60}")
        elif isinstance(node, Tree) and node.data == "string" and name_of(node) is not None:
            strings += 1
            other_s = ts_plain_string(inner, src)
            if name_of(node) == other_s:
                strings_ok += 1
            else:
                diffs.append(f"string at {node_span(node)}: {name_of(node)!r:.60} != {other_s!r:.60}")
    return heredocs, heredocs_ok, strings, strings_ok, diffs


# --------------------------------------------------------------------------
# comparison of the two indexes


def shape_hclpos(blocks: list[Block]) -> list:
    return [
        (
            b.type,
            b.labels,
            b.span,
            b.header_span,
            {n: (a.key_span, a.span) for n, a in b.attrs.items()},
            shape_hclpos(b.blocks),
        )
        for b in blocks
    ]


def shape_ts(blocks: list[TsBlock]) -> list:
    return [(b.type, b.labels, b.span, b.header_span, b.attrs, shape_ts(b.blocks)) for b in blocks]


def flatten(shape: list, path: str = "") -> list[tuple[str, Any]]:
    """(path, value) of every block type, label list and span of an index shape."""
    out: list[tuple[str, Any]] = []
    for i, (btype, labels, span, header, attrs, subs) in enumerate(shape):
        at = f"{path}/{i}:{btype}"
        out += [(at + " type", btype), (at + " labels", labels), (at + " span", span), (at + " header", header)]
        out.append((at + " attribute names", list(attrs)))
        for name, (key, value) in attrs.items():
            out += [(f"{at}.{name} key", key), (f"{at}.{name} value", value)]
        out += flatten(subs, at)
    return out


_TRIVIA = re.compile(r"(?:\s|#[^\n]*|//[^\n]*|/\*.*?\*/)*", re.S)


def differences(hclpos: list, ts: list, text: str) -> tuple[list[str], list[str]]:
    """(differences, hclpos value spans that only run on over trailing newlines
    and comments): python-hcl2's grammar puts the newline after a heredoc's end
    marker into its token and lets a binary operation take the newlines and
    comments that follow it; tree-sitter's spans end at the expression's last
    character."""
    a, b = flatten(hclpos), flatten(ts)
    if [k for k, _ in a] != [k for k, _ in b]:
        return [f"structure: {len(a)} != {len(b)} items"], []
    lines = LineTable(text)
    real, trailing = [], []
    for (k, x), (_, y) in zip(a, b, strict=True):
        if x == y:
            continue
        if isinstance(x, Span) and isinstance(y, Span) and x[:2] == y[:2]:
            gap = text[lines.offset(y.end_line, y.end_column) : lines.offset(x.end_line, x.end_column)]
            if _TRIVIA.fullmatch(gap):
                trailing.append(f"{k}: {x} vs {y}")
                continue
        real.append(f"{k}: hclpos {x!r} != tree-sitter {y!r}")
    return real, trailing


# --------------------------------------------------------------------------
# valid Terraform constructs

ADMIN = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


def _heredoc(opener: str, indent: str, end_line: str) -> str:
    return (
        f'resource "aws_iam_role_policy" "p" {{\n  role   = "r"\n  policy = {opener}\n{indent}{ADMIN}\n{end_line}\n}}\n'
    )


CONSTRUCTS: dict[str, str] = {
    # tests/sources/test_hcl_valid_constructs.py
    "heredoc end marker + spaces": _heredoc("<<EOT", "", "EOT   "),
    "heredoc end marker + tab": _heredoc("<<EOT", "", "EOT\t"),
    "<<- heredoc end marker + spaces": _heredoc("<<-EOT", "    ", "    EOT  "),
    "<<- heredoc end marker + tab/spaces": _heredoc("<<-EOF", "\t", "\tEOF \t "),
    "heredoc end marker + spaces, CRLF": _heredoc("<<EOT", "", "EOT  ").replace("\n", "\r\n"),
    "heredoc end marker + spaces at EOF": "locals {\n  x = <<EOT\nhello\nEOT  \n}\ny = <<EOT\nhello\nEOT   ",
    "newline before => in for": "locals {\n  tags = { for k, v in var.tags : k\n    => v }\n}\n",
    "comment + newline before =>": (
        "locals {\n  n = { for k, v in var.r : k # key\n    # name\n    => v.name if v.enabled }\n}\n"
    ),
    # issue 17: heredoc policies with template directives
    "heredoc with %{if}": (
        'resource "aws_iam_policy" "p" {\n  policy = <<EOT\n{"Version": "2012-10-17", "Statement": [\n'
        '%{ if var.admin }\n  {"Effect": "Allow", "Action": "*", "Resource": "*"},\n%{ endif }\n'
        '  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}\n]}\nEOT\n}\n'
    ),
    "heredoc with %{~ if ~}/%{else}, end + spaces": (
        'resource "aws_iam_policy" "p" {\n  policy = <<-EOT\n    {"Statement": [\n    %{~ if var.a ~}\n'
        '    {"Effect": "Allow", "Action": "*", "Resource": "*"}\n    %{~ else ~}\n'
        '    {"Effect": "Deny", "Action": "*", "Resource": "*"}\n    %{~ endif ~}\n    ]}\n    EOT   \n}\n'
    ),
    "heredoc with %{for}": (
        'resource "aws_iam_policy" "p" {\n  policy = <<EOT\n{"Statement": [\n'
        '%{ for i, b in var.buckets }${i > 0 ? "," : ""}{"Effect": "Allow", "Action": "s3:*", '
        '"Resource": "arn:aws:s3:::${b}"}%{ endfor }\n]}\nEOT\n}\n'
    ),
    # more valid Terraform (HCL native syntax, Terraform >= 1.8 for provider functions)
    "%{if} in a quoted string": 'locals {\n  a = "x%{ if var.b }y%{ else }z%{ endif }"\n}\n',
    "provider-defined function": 'locals {\n  a = provider::aws::arn_parse("arn:aws:iam::1:role/x").account_id\n}\n',
    "legacy index and splat": "locals {\n  a = aws_instance.x.0.id\n  b = aws_instance.x.*.id\n  c = var.l[*].id\n}\n",
    "conditional over lines in ()": "locals {\n  a = (var.x\n    ? 1\n    : 2)\n}\n",
    "expansion ... in a call": "locals {\n  a = merge(var.maps...)\n}\n",
    "object with : and ,": 'locals {\n  a = { "k": 1, b = 2 }\n}\n',
    "tuple with comments, trailing comma": "locals {\n  a = [\n    1, # one\n    /* two */ 2,\n  ]\n}\n",
    "one-line block": 'resource "a" "b" { x = 1 }\n',
    "no newline at end of file": 'resource "a" "b" {\n  x = 1\n}',
    "unary minus and not": "locals {\n  a = -1\n  b = !var.x\n}\n",
    "dynamic block with iterator": (
        'data "aws_iam_policy_document" "d" {\n  dynamic "statement" {\n    for_each = var.s\n'
        "    iterator = st\n    content {\n      actions = st.value\n    }\n  }\n}\n"
    ),
}


#: invalid HCL: each parser must reject it (IAM001), not read a policy from half a file
INVALID: dict[str, str] = {
    "unclosed block": 'resource "a" "b" {\n  x = 1\n',
    "unclosed string": 'resource "a" "b" {\n  x = "abc\n}\n',
    "missing value": 'resource "a" "b" {\n  x =\n}\n',
    "doubled =": 'resource "a" "b" {\n  x = = 1\n}\n',
    "two attributes on a line": 'resource "a" "b" {\n  x = 1 y = 2\n}\n',
    "unclosed heredoc": 'resource "a" "b" {\n  x = <<EOT\nabc\n}\n',
    "block without braces": 'resource "a" "b"\n',
    "stray closing brace": "locals {\n  x = 1\n}\n}\n",
    "unclosed tuple": "locals {\n  x = [1, 2\n}\n",
    "unclosed interpolation": 'locals {\n  x = "${var.a"\n}\n',
}


# --------------------------------------------------------------------------


MODES = {
    "hclpos": "hclpos.parse_hcl (python-hcl2 grammar, Lark LALR)",
    "ts": "tree-sitter-hcl parse",
    "ts-adapter": "tree-sitter-hcl parse + block/attribute adapter",
    "none": "set-up only",
}


def tf_files(corpus: Path) -> list[Path]:
    files = sorted(corpus.rglob("*.tf")) + sorted((ROOT / "tests").rglob("*.tf"))
    return [f for f in files if f.is_file()]


def decode(data: bytes) -> str:
    """As terraform.py reads a file: UTF-8 (errors replaced), newlines normalised, no BOM."""
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n").replace("\r", "\n")
    return text.lstrip("\ufeff")


def timed(fn: Any, runs: int) -> tuple[list[float], list[float]]:
    """(wall-clock times, CPU times) of ``runs`` calls."""
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return wall, cpu


def share(corpus: Path, runs: int) -> int:
    """Time ``iamlint check --jobs 1 CORPUS`` in this process, and the calls of
    ``hclpos.parse_hcl`` inside it (by a timer around it, and by cProfile's
    cumulative time), with a warm catalog and rule cache and no result cache
    (a private cache directory, its ``results-*`` entries removed before each run)."""
    import contextlib  # noqa: PLC0415
    import cProfile  # noqa: PLC0415
    import os  # noqa: PLC0415
    import pstats  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from iamlint import cli  # noqa: PLC0415
    from iamlint.sources import hclpos  # noqa: PLC0415

    cache = tempfile.mkdtemp(prefix="iamlint-hclbench-")
    os.environ["IAMLINT_CACHE_DIR"] = cache
    argv = ["check", "--jobs", "1", "-q", str(corpus)]
    subprocess.run([sys.executable, "-m", "iamlint", *argv], capture_output=True, check=False)  # warm the caches
    spent = [0.0, 0]
    original = hclpos.parse_hcl

    def timed_parse(path: str, text: str) -> Any:
        t0 = time.process_time()
        try:
            return original(path, text)
        finally:
            spent[0] += time.process_time() - t0
            spent[1] += 1

    def one_run() -> float:
        """CPU seconds of one run (wall time on the shared 2-core VMs is mostly waiting)."""
        for entry in Path(cache).glob("results-*"):
            entry.unlink()
        t0 = time.process_time()
        with open(os.devnull, "w") as out, contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            cli.main(argv, standalone_mode=False)
        return time.process_time() - t0

    hclpos.parse_hcl = timed_parse
    try:
        print(f"iamlint check --jobs 1 {corpus} (warm catalog, no result cache), in-process, CPU time:")
        for i in range(runs):
            spent[:] = [0.0, 0]
            total = one_run()
            print(
                f"  run {i + 1}: total {total:.2f} s, hclpos.parse_hcl {spent[0]:.2f} s "
                f"({spent[1]} calls) = {100 * spent[0] / total:.0f}%"
            )
    finally:
        hclpos.parse_hcl = original
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    total = one_run()
    profile.disable()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    parse = sum(v[3] for (f, _, fn), v in stats.items() if fn == "parse_hcl" and f.endswith("hclpos.py"))
    read = sum(v[3] for (f, _, fn), v in stats.items() if fn == "read" and f.endswith("sources/terraform.py"))
    print(
        f"  under cProfile: total {total:.2f} s; cumulative hclpos.parse_hcl {parse:.2f} s "
        f"= {100 * parse / total:.0f}%, terraform.read {read:.2f} s = {100 * read / total:.0f}%"
    )
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus" / "terraform"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument(
        "--only",
        choices=sorted(MODES),
        help="set up, parse every file once with this parser and stop (for instruction counts under valgrind)",
    )
    ap.add_argument(
        "--share",
        action="store_true",
        help="measure the share of hclpos's parse in a whole `iamlint check --jobs 1` run of the corpus and stop",
    )
    args = ap.parse_args()
    corpus = Path(args.corpus)
    if args.share:
        return share(corpus, args.runs)
    files = tf_files(corpus)
    texts = [(str(f), decode(f.read_bytes())) for f in files]
    blobs = [(p, t, t.encode("utf-8")) for p, t in texts]
    size = sum(len(b) for _, _, b in blobs)
    print(f"{len(files)} .tf files ({size:,} bytes): {corpus} and tests/")

    t0 = time.perf_counter()
    hcl_parser()
    print(f"hclpos: parser set-up (python-hcl2 import + Lark grammar from its cache) {time.perf_counter() - t0:.3f} s")
    t0 = time.perf_counter()
    ts = ts_parser()
    print(f"tree-sitter: parser set-up {time.perf_counter() - t0:.3f} s")

    def run_hclpos() -> None:
        for p, t, _ in blobs:
            parse_hcl(p, t)

    def run_ts() -> None:
        for _, _, b in blobs:
            ts.parse(b)

    def run_ts_adapter() -> None:
        for _, t, b in blobs:
            ts_blocks(ts.parse(b), b, t)

    def run_none() -> None:
        pass

    runs = {"hclpos": run_hclpos, "ts": run_ts, "ts-adapter": run_ts_adapter, "none": run_none}
    if args.only:
        runs[args.only]()
        return 0
    rows = []
    for mode in ("hclpos", "ts", "ts-adapter"):
        wall, cpu = timed(runs[mode], args.runs)
        rows.append((MODES[mode], statistics.median(cpu)))
        print(
            f"{MODES[mode]}: CPU median {statistics.median(cpu):.3f} s, min {min(cpu):.3f} s; "
            f"wall median {statistics.median(wall):.3f} s (CPU of the {args.runs} runs: "
            f"{', '.join(f'{x:.3f}' for x in cpu)})"
        )
    base = rows[0][1]
    for name, med in rows[1:]:
        print(f"  {name}: {base / med:.1f}x less CPU than hclpos")

    # rejected files and index equality
    rejected_h, rejected_t, differ = [], [], []
    compared = trailing_files = trailing_spans = 0
    expr_counts = [0, 0, 0, 0]
    expr_diffs: list[tuple[str, str]] = []
    for p, t, b in blobs:
        h = parse_hcl(p, t)
        tree = ts.parse(b)
        probs = ts_problems(tree.root_node)
        if h.error is not None:
            rejected_h.append((p, h.error))
        if probs:
            again = not ts_problems(ts.parse(b + b"\n").root_node)
            rejected_t.append((p, probs, again))
        if h.error is None and not probs:
            compared += 1
            real, trailing = differences(shape_hclpos(h.blocks), shape_ts(ts_blocks(tree, b, t)), t)
            trailing_files += bool(trailing)
            trailing_spans += len(trailing)
            if real:
                differ.append((p, real))
            *counts, diffs = expression_checks(h, tree, b, t)
            expr_counts = [x + y for x, y in zip(expr_counts, counts, strict=True)]
            expr_diffs += [(p, d) for d in diffs]

    def rel(p: str) -> str:
        try:
            return str(Path(p).resolve().relative_to(ROOT.parent.resolve()))
        except ValueError:
            return p

    print(f"\nrejected by hclpos: {len(rejected_h)}")
    for p, (msg, span) in rejected_h:
        print(f"  {rel(p)}:{span.line}:{span.column}: {msg}")
    print(f"rejected by tree-sitter-hcl (ERROR/MISSING nodes): {len(rejected_t)}")
    for p, probs, again in rejected_t:
        note = "; accepted with a final newline appended" if again else ""
        print(f"  {rel(p)}: {len(probs)} node(s), first {probs[0]}{note}")
    print(
        f"block/attribute index (types, labels, attribute names; block, header, key and value spans) "
        f"of the {compared} files both accept: {compared - len(differ)} equal, {len(differ)} differ; "
        f"{trailing_spans} value spans in {trailing_files} files end later in hclpos only over "
        f"trailing newlines/comments (heredoc end line, binary operations)"
    )
    for p, real in differ:
        print(f"  {rel(p)}: {len(real)} difference(s), first {real[0]}")
    print(
        f"attribute values: heredoc bodies and offsets equal {expr_counts[1]} of {expr_counts[0]}, "
        f"plain strings equal {expr_counts[3]} of {expr_counts[2]}"
    )
    for p, d in expr_diffs:
        print(f"  {rel(p)}: {d}")

    print("\nvalid Terraform constructs: accepted by hclpos / by tree-sitter-hcl / same index")
    for name, text in CONSTRUCTS.items():
        h = parse_hcl("main.tf", text)
        b = text.encode()
        tree = ts.parse(b)
        probs = ts_problems(tree.root_node)
        same = note = "-"
        if h.error is None and not probs:
            real, trailing = differences(shape_hclpos(h.blocks), shape_ts(ts_blocks(tree, b, text)), text)
            *_counts, diffs = expression_checks(h, tree, b, text)
            real += diffs
            same = "same" if not real else f"DIFFERS: {real[0]}"
            if trailing and not real:
                same += f" (hclpos value span runs on over trailing trivia: {len(trailing)})"
        elif probs and not ts_problems(ts.parse(b + b"\n").root_node):
            note = "accepted with a final newline appended"
        hs = "yes" if h.error is None else "NO: " + h.error[0][:60]
        tss = "yes" if not probs else f"NO: {probs[0]}, {note}"
        print(f"  {name:44} {hs} / {tss} / {same}")

    print("\ninvalid HCL: rejected by hclpos (position) / by tree-sitter-hcl (first ERROR/MISSING node)")
    for name, text in INVALID.items():
        h = parse_hcl("main.tf", text)
        probs = ts_problems(ts.parse(text.encode()).root_node)
        hs = f"yes {h.error[1].line}:{h.error[1].column}" if h.error else "NO"
        tss = f"yes {probs[0][1]}:{probs[0][2]} {probs[0][0]}" if probs else "NO"
        print(f"  {name:44} {hs} / {tss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
