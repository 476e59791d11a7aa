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
* ``Fn::Sub``, ``Fn::Join``, ``Fn::Select``, ``Fn::Split``, ``Fn::FindInMap``
  when their inputs resolve. In ``Fn::Sub``/``Fn::Join`` a reference that does
  not resolve (a resource, ``Fn::GetAtt``, a parameter without default) is kept
  as ``${Name}`` when the string has other text, so
  ``!Sub "arn:${AWS::Partition}:s3:::${Bucket}/*"`` reads
  ``arn:aws:s3:::${Bucket}/*``; a string made only of such references is opaque.

Everything else (``Fn::If``, ``Fn::GetAtt``, ``Fn::ImportValue``, ``Ref`` of a
resource, ``AWS::NoValue`` ...) is :class:`Opaque` with a short rendering.
"""
from __future__ import annotations

import re
from typing import Any

from iamlint.model.policy import Opaque

FIXED_PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
PLACEHOLDER_PSEUDO = frozenset({"AWS::AccountId", "AWS::Region", "AWS::StackName", "AWS::StackId"})
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_ONLY_PLACEHOLDERS = re.compile(r"(?:\$\{[^}]*\})+")
_PLACEHOLDER = re.compile(r"\$\{[^}]+\}")


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and _is_function_key(next(iter(value)))


def _is_function_key(key: Any) -> bool:
    return isinstance(key, str) and (key == "Ref" or key.startswith("Fn::"))


class Resolver:
    """Resolves intrinsics against one template's Parameters and Mappings."""

    def __init__(self, template: Any) -> None:
        template = template if isinstance(template, dict) else {}
        params = template.get("Parameters")
        self.parameters: dict[str, Any] = {}
        for name, spec in (params.items() if isinstance(params, dict) else ()):
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

    # -- public ------------------------------------------------------------
    def resolve(self, value: Any) -> Any:
        try:
            return self._resolve(value)
        except RecursionError:
            return Opaque("<too deeply nested>")

    # -- walking -----------------------------------------------------------
    def _resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                key, arg = next(iter(value.items()))
                if _is_function_key(key):
                    return self._function(key, arg)
            return {k: self._resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v) for v in value]
        return value

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
        return Opaque("${" + arg + "}")

    def _getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            return Opaque("${" + arg + "}")
        if isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
            return Opaque("${" + ".".join(arg) + "}")
        return Opaque("!GetAtt")

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
        failed = False

        def replace(match: re.Match) -> str:
            nonlocal failed
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            name = name.strip()
            if name in variables:
                piece = self._piece(variables[name])
            elif "." in name and not name.startswith("AWS::"):
                piece = "${" + name + "}"
            else:
                piece = self._piece(self._ref(name))
            if piece is None:
                failed = True
                return match.group(0)
            return piece

        result = _SUB_VARIABLE.sub(replace, template)
        if failed:
            return Opaque(_short(template))
        return self._maybe_opaque(result)

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
        return self._maybe_opaque(delimiter.join(pieces))  # type: ignore[arg-type]

    def _select(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return Opaque("!Select")
        index, items = self._resolve(arg[0]), self._resolve(arg[1])
        if isinstance(index, str) and index.isdigit():
            index = int(index)
        if isinstance(index, int) and not isinstance(index, bool) and isinstance(items, list) and 0 <= index < len(items):
            return items[index]
        return Opaque("!Select")

    def _split(self, arg: Any) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2):
            return Opaque("!Split")
        delimiter, text = self._resolve(arg[0]), self._resolve(arg[1])
        if isinstance(delimiter, str) and delimiter and isinstance(text, str):
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
                return self._resolve(second[keys[2]])
        if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
            return self._resolve(arg[3]["DefaultValue"])
        return Opaque("!FindInMap")


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
