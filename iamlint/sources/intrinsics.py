"""CloudFormation intrinsic functions, resolved as far as a template alone allows.

:class:`Resolver` walks a value of a template (in long form: ``{"Fn::Sub": ...}``,
``{"Ref": ...}``; YAML short forms are already long forms after
:mod:`iamlint.sources.yamlpos`) and returns the same structure with every
intrinsic replaced by what it evaluates to, or by
:class:`~iamlint.model.policy.Opaque` when that depends on the deployment.
Resolution never raises and never changes the shape around an intrinsic, so a
JSON pointer into the resolved value names the same node of the template.

What resolves:

* ``AWS::Partition`` -> ``aws``, ``AWS::URLSuffix`` -> ``amazonaws.com``;
* ``AWS::AccountId``, ``AWS::Region``, ``AWS::StackName``, ``AWS::StackId``
  stay as ``${AWS::AccountId}`` ... in the string: the rules read ``${...}`` as
  a variable segment of an ARN, so ``arn:aws:iam::${AWS::AccountId}:root`` is
  still recognisably this account's root;
* ``Ref`` of a parameter with a ``Default`` -> the default (a list for list
  types); an empty default means "filled in at deploy time" and stays opaque;
* ``Ref``/``Fn::GetAtt X.Arn`` (also ``${X}``/``${X.Arn}`` in ``Fn::Sub``) of an
  ``AWS::IAM::OIDCProvider`` or ``AWS::IAM::SAMLProvider`` of the template ->
  the provider's ARN, ``arn:aws:iam::${AWS::AccountId}:oidc-provider/<Url
  without https://>`` (as the Terraform reader does), so the trust rules know
  which provider a ``Principal.Federated`` names;
* ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::FindInMap``
  when their inputs resolve. In ``Fn::Sub``/``Fn::Join`` a reference that does
  not resolve (a resource, ``Fn::GetAtt``, a parameter without default) is kept
  as ``${Name}`` when the string has other text, so
  ``!Sub "arn:${AWS::Partition}:s3:::${Bucket}/*"`` reads
  ``arn:aws:s3:::${Bucket}/*``; a string made only of such references is opaque.

Everything else (``Fn::If``, ``Fn::GetAtt``, ``Fn::ImportValue``, ``Ref`` of a
resource, ``AWS::NoValue`` ...) is :class:`Opaque` with a short rendering.

Bounded work (a template is hostile input): every intrinsic node is evaluated
once per template (a memo by node identity), so mappings whose every level
uses the next twice cost linear time, not exponential; and what resolution
produces is bounded by a budget (:func:`budget_for`: a multiple of the
template's size).  Each intrinsic node is charged, once, the *expanded* size
of its value (strings by length, containers by their elements), because the
rules walk a value as a tree even where the memo shares it: two
``Fn::FindInMap`` of one mapping value are two nodes, each charged the whole
value.  (A template as read is a tree: the JSON and YAML readers build a new
container for every occurrence, aliases included, so only a reference
intrinsic can make a value appear twice.)  Sizes are measured before anything
is built: an intrinsic whose value would pass the budget is
:class:`Unevaluated` (an :class:`Opaque` that remembers which node it stands
for, so the reader can say so, IAM013), and so is whatever becomes unknown
because of it.
"""

from __future__ import annotations

import re
from typing import Any

from iamlint.model.policy import Opaque

FIXED_PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
PLACEHOLDER_PSEUDO = frozenset({"AWS::AccountId", "AWS::Region", "AWS::StackName", "AWS::StackId"})
#: identity provider resources whose ``Ref`` and ``Fn::GetAtt ... Arn`` are their ARN
PROVIDER_TYPES = frozenset({"AWS::IAM::OIDCProvider", "AWS::IAM::SAMLProvider"})
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ONLY_PLACEHOLDERS = re.compile(r"(?:\$\{[^}]*\})+")
_PLACEHOLDER = re.compile(r"\$\{[^}]+\}")

#: the smallest evaluation budget of a template (bytes of resolved values)
MIN_BUDGET = 1 << 20
#: a template's budget is this many times its size (when that is above the floor)
BUDGET_PER_BYTE = 16
#: what an element of a list or a member of an object counts, besides its value
_SLOT = 32
_SCALARS = (str, int, float, bool, type(None))


def budget_for(text_length: int) -> int:
    """The evaluation budget of a template of ``text_length`` characters: a
    legitimate template resolves to about its own size, so 16 times it (at
    least 1 MiB) is never in the way, and no template builds more than that."""
    return max(MIN_BUDGET, BUDGET_PER_BYTE * text_length)


class Unevaluated(Opaque):
    """The value of an intrinsic that iamlint did not evaluate because it would
    pass the template's evaluation budget: unknown, like every Opaque.
    ``function`` is the intrinsic (``Fn::Join``) and ``node`` its node in the
    template, so that the reader can locate it."""

    __slots__ = ("function", "node")
    TEXT = "<not evaluated: too large>"

    def __init__(self, function: str, node: Any) -> None:
        super().__init__(self.TEXT)
        self.function, self.node = function, node


#: a handler's answer when what it would build does not fit the budget
_OVER_BUDGET = object()


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and _is_function_key(next(iter(value)))


def _is_function_key(key: Any) -> bool:
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


class Resolver:
    """Resolves intrinsics against one template's Parameters and Mappings."""

    def __init__(self, template: Any, budget: int = MIN_BUDGET) -> None:
        template = template if isinstance(template, dict) else {}
        #: the budget this resolver was given, and what is left of it
        self.budget = self.remaining = budget
        #: True once a value was left unevaluated (Unevaluated somewhere)
        self.unevaluated = False
        #: id(node) -> (node, value, the Unevaluated the value may depend on)
        self._memo: dict[int, tuple[Any, Any, Unevaluated | None]] = {}
        #: id(container) -> (container, expanded size) for containers intrinsics yielded
        self._sizes: dict[int, tuple[Any, int]] = {}
        #: the first Unevaluated the intrinsic being evaluated met among its inputs
        self._taint: Unevaluated | None = None
        params = template.get("Parameters")
        self.parameters: dict[str, Any] = {}
        for name, spec in params.items() if isinstance(params, dict) else ():
            if not isinstance(spec, dict) or "Default" not in spec:
                continue
            default, ptype = spec["Default"], str(spec.get("Type", "String"))
            if ptype.startswith("AWS::SSM::Parameter::Value"):
                continue  # the default names an SSM parameter, not its value
            if default == "" or default == []:
                continue  # "no value": the deployer fills it in (or a condition drops it)
            if isinstance(default, bool):
                default = "true" if default else "false"
            if ptype.startswith("List<") or ptype == "CommaDelimitedList":
                default = [p.strip() for p in str(default).split(",")] if not isinstance(default, list) else default
            elif isinstance(default, (int, float)):
                default = str(default)
            self.parameters[str(name)] = default
        mappings = template.get("Mappings")
        self.mappings = mappings if isinstance(mappings, dict) else {}
        resources = template.get("Resources")
        self.resources = set(resources) if isinstance(resources, dict) else set()
        #: logical id -> (type, Properties) of the template's identity providers
        self.providers: dict[str, tuple[str, Any]] = {
            str(lid): (res["Type"], res.get("Properties"))
            for lid, res in (resources.items() if isinstance(resources, dict) else ())
            if isinstance(res, dict) and isinstance(res.get("Type"), str) and res["Type"] in PROVIDER_TYPES
        }
        #: provider logical ids whose ARN is being computed (a Url that refers to itself)
        self._computing: set[str] = set()

    # -- public ------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        self._taint = None
        try:
            return self._resolve(value)
        except RecursionError:
            return Opaque("<too deeply nested>")
        finally:
            self._taint = None

    # -- walking -----------------------------------------------------------
    def _resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                key, arg = next(iter(value.items()))
                if _is_function_key(key):
                    return self._evaluate(value, key, arg)
            return {k: self._resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        return value

    # -- the memo and the budget ---------------------------------------------
    def _evaluate(self, node: dict, name: str, arg: Any) -> Any:
        """The value of intrinsic ``node``, evaluated once per template (a node
        that many places reach, e.g. a mapping value, is looked up again) and
        charged its expanded size then."""
        found = self._memo.get(id(node))
        if found is not None and found[0] is node:
            value, taint = found[1], found[2]
        else:
            outer, self._taint = self._taint, None
            try:
                value = self._function(name, arg)
                size = _SLOT if value is _OVER_BUDGET else self._size(value)
                if value is _OVER_BUDGET or size > self.remaining:
                    value, size = self._give_up(name, node), _SLOT
                elif self._taint is not None and type(value) is Opaque:
                    value = self._taint  # unknown because an input was not evaluated
                self.remaining -= size
                # a scalar is known whatever its inputs were; anything else may hold them
                taint = (
                    value if isinstance(value, Unevaluated) else (None if isinstance(value, _SCALARS) else self._taint)
                )
            finally:
                self._taint = outer
            self._memo[id(node)] = (node, value, taint)
        if taint is not None and self._taint is None:
            self._taint = taint
        return value

    def _give_up(self, name: str, node: dict) -> Unevaluated:
        self.unevaluated = True
        return Unevaluated(name, node)

    def _fits(self, size: int) -> bool:
        """Whether a value of ``size`` may still be built."""
        return size <= self.remaining

    def _size(self, value: Any) -> int:
        """Expanded size of a value an intrinsic yields: strings by length,
        containers by their elements, as a tree (a container that is shared
        counts wherever it appears, but is measured only once)."""
        if isinstance(value, str):
            return _SLOT + len(value)
        if not isinstance(value, (dict, list)):
            return _SLOT
        found = self._sizes.get(id(value))
        if found is not None and found[0] is value:
            return found[1]
        if isinstance(value, dict):
            size = _SLOT + sum(_SLOT + len(str(k)) + self._size(v) for k, v in value.items())
        else:
            size = _SLOT + sum(self._size(v) for v in value)
        self._sizes[id(value)] = (value, size)
        return size

    def _function(self, name: str, arg: Any) -> Any:
        handler = _HANDLERS.get(name)
        if handler is None:
            return Opaque(f"!{name[4:] if name.startswith('Fn::') else name}")
        try:
            return handler(self, arg)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            return Opaque(f"!{name[4:] if name.startswith('Fn::') else name}")

    # -- Ref ---------------------------------------------------------------
    def _ref(self, arg: Any) -> Any:
        if not isinstance(arg, str):
            return Opaque("!Ref")
        if arg in FIXED_PSEUDO:
            return FIXED_PSEUDO[arg]
        if arg in PLACEHOLDER_PSEUDO:
            return "${" + arg + "}"
        if arg in self.parameters:
            return self.parameters[arg]
        if arg in self.providers:
            arn = self._provider_arn(arg)
            if arn is not None:
                return arn
        return Opaque("${" + arg + "}")

    def _getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            text = arg
        elif isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
            text = ".".join(arg)
        else:
            return Opaque("!GetAtt")
        lid, _, attribute = text.partition(".")
        if attribute == "Arn" and lid in self.providers:
            arn = self._provider_arn(lid)
            if arn is not None:
                return arn
        return Opaque("${" + text + "}")

    def _provider_arn(self, lid: str) -> str | None:
        """The ARN of identity provider ``lid`` of this template, as the trust
        rules read a ``Principal.Federated``: the account stays
        ``${AWS::AccountId}``; an OIDC provider is named by its ``Url`` without
        ``https://``, a SAML provider by its ``Name`` (``${lid}`` when CloudFormation
        generates it).  None when the ``Url`` does not resolve."""
        rtype, props = self.providers[lid]
        props = props if isinstance(props, dict) else {}
        if lid in self._computing:
            return None
        self._computing.add(lid)
        try:
            if rtype == "AWS::IAM::OIDCProvider":
                url = self._resolve(props.get("Url"))
                if not isinstance(url, str) or not url.startswith("https://") or len(url) <= len("https://"):
                    return None
                return "arn:aws:iam::${AWS::AccountId}:oidc-provider/" + url[len("https://") :].rstrip("/")
            name = self._resolve(props["Name"]) if "Name" in props else "${" + lid + "}"
            if not isinstance(name, str) or not name:
                return None
            return "arn:aws:iam::${AWS::AccountId}:saml-provider/" + name
        finally:
            self._computing.discard(lid)

    # -- strings -----------------------------------------------------------
    def _piece(self, value: Any) -> str | None:
        """Text of a resolved value inside a string; ``${Name}`` for a simple
        unresolved reference; None when it cannot be part of a string."""
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if isinstance(value, Opaque) and _PLACEHOLDER.fullmatch(value.text):
            return value.text
        return None

    def _sub(self, arg: Any) -> Any:
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], dict):
            template, variables = arg[0], {k: self._resolve(v) for k, v in arg[1].items()}
        elif isinstance(arg, str):
            template, variables = arg, {}
        else:
            return Opaque("!Sub")
        pieces: list[str] = []
        at = 0
        for match in _SUB_VARIABLE.finditer(template):
            piece = self._sub_piece(match.group(1), variables)
            if piece is None:
                return Opaque(_short(template))
            pieces += (template[at : match.start()], piece)
            at = match.end()
        pieces.append(template[at:])
        if not self._fits(_SLOT + sum(map(len, pieces))):
            return _OVER_BUDGET  # measured before the string is built
        return self._maybe_opaque("".join(pieces))

    def _sub_piece(self, name: str, variables: dict) -> str | None:
        """The text ``${name}`` stands for in a ``Fn::Sub`` (None: unknown)."""
        if name.startswith("!"):
            return "${" + name[1:] + "}"
        name = name.strip()
        if name in variables:
            return self._piece(variables[name])
        if "." in name and not name.startswith("AWS::"):
            lid, _, attribute = name.partition(".")
            if attribute == "Arn" and lid in self.providers:
                return self._piece(self._getatt([lid, attribute]))
            return "${" + name + "}"
        return self._piece(self._ref(name))

    def _maybe_opaque(self, text: str) -> Any:
        """A string made only of unresolved ``${Name}`` references is opaque."""
        if _ONLY_PLACEHOLDERS.fullmatch(text) and not all(
            m.group(1) in PLACEHOLDER_PSEUDO for m in _SUB_VARIABLE.finditer(text)
        ):
            return Opaque(text)
        return text

    def _join(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return Opaque("!Join")
        delimiter, items = self._resolve(arg[0]), self._resolve(arg[1])
        if not isinstance(delimiter, str) or not isinstance(items, list):
            return Opaque("!Join")
        pieces = [self._piece(v) for v in items]
        if any(p is None for p in pieces):
            return Opaque("!Join")
        length = sum(map(len, pieces)) + len(delimiter) * max(len(pieces) - 1, 0)  # type: ignore[arg-type]
        if not self._fits(_SLOT + length):
            return _OVER_BUDGET  # measured before the string is built
        return self._maybe_opaque(delimiter.join(pieces))  # type: ignore[arg-type]

    def _select(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return Opaque("!Select")
        index, items = self._resolve(arg[0]), self._resolve(arg[1])
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        if (
            isinstance(index, int)
            and not isinstance(index, bool)
            and isinstance(items, list)
            and 0 <= index < len(items)
        ):
            return items[index]
        return Opaque("!Select")

    def _split(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return Opaque("!Split")
        delimiter, text = self._resolve(arg[0]), self._resolve(arg[1])
        if isinstance(delimiter, str) and delimiter and isinstance(text, str):
            count = text.count(delimiter) + 1
            if not self._fits(_SLOT + len(text) + 2 * _SLOT * count):
                return _OVER_BUDGET  # measured before the list is built
            return text.split(delimiter)
        return Opaque("!Split")

    def _find_in_map(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) in (3, 4)):
            return Opaque("!FindInMap")
        keys = [self._resolve(a) for a in arg[:3]]
        if all(isinstance(k, str) for k in keys):
            top = self.mappings.get(keys[0])
            second = top.get(keys[1]) if isinstance(top, dict) else None
            if isinstance(second, dict) and keys[2] in second:
                return self._mapped(second[keys[2]])
        if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
            return self._resolve(arg[3]["DefaultValue"])
        return Opaque("!FindInMap")

    def _mapped(self, value: Any) -> Any:
        """A mapping value, resolved once per template however many
        ``Fn::FindInMap`` reach it (an intrinsic there has its own memo entry)."""
        if not isinstance(value, (dict, list)) or is_intrinsic(value):
            return self._resolve(value)
        found = self._memo.get(id(value))
        if found is not None and found[0] is value:
            if found[2] is not None and self._taint is None:
                self._taint = found[2]
            return found[1]
        outer, self._taint = self._taint, None
        try:
            resolved = self._resolve(value)
            taint = self._taint
        finally:
            self._taint = outer if outer is not None else self._taint
        self._memo[id(value)] = (value, resolved, taint)
        return resolved


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_HANDLERS = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._getatt,
    "Fn::Sub": Resolver._sub,
    "Fn::Join": Resolver._join,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
    "Fn::FindInMap": Resolver._find_in_map,
}
