"""Curated facts about privilege escalation in AWS: the escalation methods
(which combinations of actions let a principal gain more privileges) and the
sensitive actions (secret reads, credential exposure), from
``data/privesc_methods.json`` and ``data/sensitive_actions.json``.

:mod:`iamlint.analysis.permissions` asks which of them a policy grants.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import NamedTuple

from iamlint.knowledge import read_data


class EscalationMethod(NamedTuple):
    id: str
    name: str
    #: all-of groups; each group is a tuple of alternatives (any-of)
    requires: tuple[tuple[str, ...], ...]
    #: actions whose resource decides whose privileges are gained: they count
    #: only when allowed on a broad resource (``*``, ``role/*`` ...)
    broad_resource: frozenset[str]
    description: str
    references: tuple[str, ...]


class SensitiveAction(NamedTuple):
    action: str
    category: str  # "credentials-exposure" | "secret-read"
    description: str


@functools.cache
def privesc_methods() -> tuple[EscalationMethod, ...]:
    out = []
    for m in read_data("privesc_methods.json")["methods"]:
        out.append(
            EscalationMethod(
                id=m["id"],
                name=m["name"],
                requires=tuple(tuple(group) for group in m["requires"]),
                broad_resource=frozenset(a.lower() for a in m.get("broad_resource", ())),
                description=m["description"],
                references=tuple(m["references"]),
            )
        )
    return tuple(out)


@functools.cache
def sensitive_actions() -> tuple[SensitiveAction, ...]:
    return tuple(
        SensitiveAction(e["action"], e["category"], e["description"])
        for e in read_data("sensitive_actions.json")["actions"]
    )


def escalation_names(ids: Iterable[str]) -> list[str]:
    """The human names of escalation methods by id (an unknown id as itself)."""
    names = {m.id: m.name for m in privesc_methods()}
    return [names.get(i, i) for i in ids]
