"""Safe YAML with positions, for CloudFormation templates.

PyYAML only *composes* the text into nodes (libyaml's C composer when present);
nothing is ever *constructed* from a tag, so ``!!python/object/apply:...`` and
friends are inert text.  :func:`load` turns the node graph into plain values
(dicts, lists, str, int, float, bool, None) and records the span of every value
and key by JSON pointer, so a finding on ``/Resources/R/Properties/...`` lands
on the line and column the person wrote.

* CloudFormation's short-form tags (``!Sub``, ``!Ref``, ``!GetAtt`` ...) become
  their long forms (``{"Fn::Sub": ...}``, ``{"Ref": ...}``), exactly as the JSON
  form of the same template reads; the inner value is located at the tag.
* Any other tag (``!Rain::Module``, ``!!python/...``, ``!!binary``) is ignored:
  the value reads as if it were untagged.
* Aliases are expanded, but only up to :data:`MAX_ALIAS_NODES` nodes in total
  (a "billion laughs" document stops with a clear problem instead of eating
  the memory).  A merge key (``<<``) merges each source mapping once, however
  often it is listed.
* Plain scalars follow YAML 1.1 as PyYAML resolves them (``true``, ``3600``),
  except timestamps (``Version: 2012-10-17``), which stay the text as written,
  as CloudFormation reads them.

Positions: lines and columns are 1-based and count code points, as PyYAML's
marks do.  (YAML also breaks lines at U+0085, U+2028 and U+2029.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from iamlint.findings import Span
from iamlint.model.policy import escape_pointer_token
from iamlint.parsing.strict import SyntaxProblem

try:  # libyaml: about ten times faster, same marks
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

#: Nodes that alias expansion may add to a document before loading stops.
MAX_ALIAS_NODES = 20_000

#: short-form tag -> long-form key
INTRINSIC_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in (
            "Sub",
            "GetAtt",
            "Join",
            "If",
            "Select",
            "Split",
            "ImportValue",
            "FindInMap",
            "Base64",
            "Cidr",
            "GetAZs",
            "Equals",
            "And",
            "Or",
            "Not",
            "Transform",
            "Length",
            "ToJsonString",
            "ForEach",
        )
    },
}

_YAML = "tag:yaml.org,2002:"
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


class _TooManyAliases(Exception):
    def __init__(self, node: Node) -> None:
        self.node = node


@dataclass
class YamlResult:
    #: the decoded value; None when there is a problem (or an empty document)
    value: Any
    #: empty when the text is valid; else exactly one problem
    problems: list[SyntaxProblem]
    #: (pointer of the mapping, key, span of the later key) for repeated keys
    duplicates: list[tuple[str, str, Span]] = field(default_factory=list)
    locator: YamlLocator = field(default_factory=lambda: YamlLocator({}))
    #: True when the text holds more than one YAML document (``---``)
    multiple_documents: bool = False


def _span(node: Node) -> Span:
    s, e = node.start_mark, node.end_mark
    end = (e.line + 1, e.column + 1)
    if end < (s.line + 1, s.column + 1):  # pragma: no cover - defensive
        end = (s.line + 1, s.column + 2)
    return Span(s.line + 1, s.column + 1, *end)


class YamlLocator:
    """Spans of the values and keys of a loaded YAML text, by JSON pointer."""

    def __init__(self, nodes: dict[str, tuple[Node, Node | None]]) -> None:
        self._nodes = nodes

    def span(self, pointer: str) -> Span | None:
        found = self._nodes.get(pointer)
        return _span(found[0]) if found else None

    def key_span(self, pointer: str) -> Span | None:
        found = self._nodes.get(pointer)
        return _span(found[1]) if found and found[1] is not None else None


def load(text: str, max_alias_nodes: int = MAX_ALIAS_NODES) -> YamlResult:
    """Compose ``text`` safely and convert it to values with positions."""
    loader = _Loader(text)
    try:
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.composer.ComposerError as exc:
        if "expected a single document" in str(exc):
            return YamlResult(None, [_problem(exc)], multiple_documents=True)
        return YamlResult(None, [_problem(exc)])
    except yaml.YAMLError as exc:
        return YamlResult(None, [_problem(exc)])
    except RecursionError:
        return YamlResult(None, [SyntaxProblem("YAML nesting is too deep to read", Span(1, 1, 1, 2))])
    if root is None:
        return YamlResult(None, [])
    converter = _Converter(max_alias_nodes)
    try:
        value = converter.convert(root, "", None)
    except _TooManyAliases as exc:
        return YamlResult(
            None,
            [
                SyntaxProblem(
                    f"YAML aliases expand to more than {max_alias_nodes:,} values (an alias bomb?): "
                    "the template was not read",
                    _span(exc.node),
                )
            ],
        )
    except RecursionError:
        return YamlResult(None, [SyntaxProblem("YAML nesting is too deep to read", Span(1, 1, 1, 2))])
    return YamlResult(value, [], converter.duplicates, YamlLocator(converter.nodes))


def _problem(exc: yaml.YAMLError) -> SyntaxProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None)
    context = getattr(exc, "context", None)
    if isinstance(exc, yaml.reader.ReaderError):
        text = (
            f"YAML syntax error: {exc.reason} (character #x{ord(exc.character):04x})"
            if isinstance(exc.character, str)
            else f"YAML syntax error: {exc.reason}"
        )
        return SyntaxProblem(text, Span(1, 1, 1, 2))
    if problem:
        text = f"YAML syntax error: {problem}"
        if context and context not in problem:
            text += f" ({context}"
            cmark = getattr(exc, "context_mark", None)
            if cmark is not None and mark is not None and cmark.line != mark.line:
                text += f" at line {cmark.line + 1}"
            text += ")"
    else:
        text = f"YAML syntax error: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    if mark is None:
        return SyntaxProblem(text, Span(1, 1, 1, 2))
    return SyntaxProblem(text, Span.point(mark.line + 1, mark.column + 1))


def _scalar(node: ScalarNode) -> Any:
    """null, bool, int and float as YAML 1.1 resolves them; anything else
    (str, timestamp, local or unknown tags) is the text as written."""
    kind = node.tag[len(_YAML) :] if node.tag.startswith(_YAML) else ""
    try:
        if kind == "null":
            return None
        if kind == "bool":
            return _CONSTRUCTOR.construct_yaml_bool(node)
        if kind == "int":
            return _CONSTRUCTOR.construct_yaml_int(node)
        if kind == "float":
            return _CONSTRUCTOR.construct_yaml_float(node)
    except (ValueError, TypeError, KeyError, OverflowError, yaml.YAMLError):
        pass
    return node.value


class _Converter:
    def __init__(self, max_alias_nodes: int) -> None:
        self.nodes: dict[str, tuple[Node, Node | None]] = {}
        self.duplicates: list[tuple[str, str, Span]] = []
        self._seen: set[int] = set()
        self._alias_depth = 0
        self._alias_nodes = 0
        self._alias_root: Node | None = None
        self._max = max_alias_nodes

    def convert(self, node: Node, pointer: str, key_node: Node | None) -> Any:
        aliased = id(node) in self._seen
        if aliased:
            if not self._alias_depth:
                self._alias_root = node  # the outermost alias: where the report points
            self._alias_depth += 1
        else:
            self._seen.add(id(node))
        try:
            if self._alias_depth:
                self._alias_nodes += 1
                if self._alias_nodes > self._max:
                    assert self._alias_root is not None  # set when the alias depth left zero
                    raise _TooManyAliases(self._alias_root)
            self.nodes[pointer] = (node, key_node)
            long_form = INTRINSIC_TAGS.get(node.tag)
            if long_form is None:
                return self._plain(node, pointer)
            inner = join(pointer, long_form)
            self.nodes[inner] = (node, None)
            if isinstance(node, ScalarNode):
                if long_form == "Fn::GetAtt":
                    parts = node.value.split(".", 1)
                    for i in range(len(parts)):
                        self.nodes[join(inner, i)] = (node, None)
                    return {long_form: parts}
                return {long_form: node.value}
            return {long_form: self._plain(node, inner)}
        finally:
            if aliased:
                self._alias_depth -= 1

    def _plain(self, node: Node, pointer: str) -> Any:
        if isinstance(node, ScalarNode):
            return _scalar(node)
        if isinstance(node, SequenceNode):
            return [self.convert(child, join(pointer, i), None) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            out: dict[str, Any] = {}
            merges: list[tuple[Node, Node]] = []
            for key_node, value_node in node.value:
                if key_node.tag == _YAML + "merge":
                    merges.append((key_node, value_node))
                    continue
                key = _key(key_node)
                if key in out:
                    self.duplicates.append((pointer, key, _span(key_node)))
                out[key] = self.convert(value_node, join(pointer, key), key_node)
            merged: set[int] = set()
            for _key_node, value_node in merges:  # explicit keys win over merged ones
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    # a source merged again adds nothing (its keys are all in
                    # already): skipping it keeps `<<: [*a, *a, ...]` linear
                    if not isinstance(source, MappingNode) or id(source) in merged:
                        continue
                    merged.add(id(source))
                    for k_node, v_node in source.value:
                        key = _key(k_node)
                        if key not in out:
                            out[key] = self.convert(v_node, join(pointer, key), k_node)
            return out
        return None  # pragma: no cover - no other node types


def _key(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return str(node.value)
    return f"<{type(node).__name__[:-4].lower()} key at line {node.start_mark.line + 1}>"


def join(pointer: str, token: Any) -> str:
    return f"{pointer}/{escape_pointer_token(token)}"
