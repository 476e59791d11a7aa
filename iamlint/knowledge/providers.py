"""Trusted-entity knowledge: web identity providers and confused-deputy services.

Both tables are data (``data/oidc_providers.json``,
``data/confused_deputy_services.json``), loaded once and memoised.  This module
only answers questions about them:

* :func:`classify_federated` — what kind of federated principal a
  ``Principal.Federated`` value names (SAML provider, a known OIDC provider, an
  unknown OIDC provider, or unknown);
* :func:`wildcard_grade` — how much a wildcarded claim value admits;
* :func:`confused_deputy_service` — the documentation entry for a service
  principal that should be pinned with ``aws:SourceArn``/``aws:SourceAccount``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, NamedTuple

from iamlint.knowledge import read_data
from iamlint.vocabulary import Severity

_OIDC_ARN = re.compile(r"^arn:[^:]*:iam::.*?:oidc-provider/(?P<host>.+)$", re.IGNORECASE)
_SAML_ARN = re.compile(r"^arn:[^:]*:iam::.*?:saml-provider/(?P<name>.+)$", re.IGNORECASE)


class Provider(NamedTuple):
    id: str
    name: str
    category: str
    claims: dict  # claim name (lower case) -> claim spec (dict)
    docs: tuple[str, ...]
    require_any_of: tuple[str, ...] = ()
    missing_severity: str | None = None
    admits_when_missing: str = ""

    @property
    def is_generic(self) -> bool:
        return self.id == "generic-oidc"


class Federated(NamedTuple):
    """What a ``Principal.Federated`` string names."""

    kind: str  # "saml" | "oidc" | "unknown"
    host: str = ""  # OIDC: the condition-key prefix (provider URL without https://)
    provider: Provider | None = None
    #: the host contains an unresolved IaC placeholder (``${...}``)
    unresolved: bool = False


def _provider(raw: dict) -> Provider:
    claims = {k.lower(): v for k, v in (raw.get("claims") or {}).items()}
    return Provider(
        id=raw["id"],
        name=raw["name"],
        category=raw.get("category", "oidc"),
        claims=claims,
        docs=tuple(raw.get("docs", ())),
        require_any_of=tuple(c.lower() for c in raw.get("require_any_of", ())),
        missing_severity=raw.get("missing_severity"),
        admits_when_missing=raw.get("admits_when_missing", ""),
    )


@lru_cache(maxsize=1)
def _providers() -> tuple[list[tuple[re.Pattern, Provider]], Provider]:
    data = read_data("oidc_providers.json")
    table = []
    for raw in data["providers"]:
        prov = _provider(raw)
        for pattern in raw.get("host_patterns", ()):
            table.append((re.compile(pattern, re.IGNORECASE), prov))
    return table, _provider(data["generic"])


def providers() -> list[Provider]:
    seen: dict[str, Provider] = {}
    for _, prov in _providers()[0]:
        seen.setdefault(prov.id, prov)
    return list(seen.values())


def generic_provider() -> Provider:
    return _providers()[1]


def provider_for_host(host: str) -> Provider | None:
    host = host.strip().rstrip("/")
    if host.lower().startswith("https://"):
        host = host[8:]
    for pattern, prov in _providers()[0]:
        if pattern.match(host):
            return prov
    return None


def classify_federated(value: Any) -> Federated:
    """Classify a ``Principal.Federated`` value; non-strings are ``unknown``."""
    if not isinstance(value, str):
        return Federated("unknown")
    text = value.strip()
    if _SAML_ARN.match(text):
        return Federated("saml")
    m = _OIDC_ARN.match(text)
    host = m.group("host") if m else text
    unresolved = "${" in host
    prov = None if unresolved else provider_for_host(host)
    if prov is not None:
        return Federated("oidc", host, prov)
    if m or _looks_like_host(host):
        return Federated("oidc", host, generic_provider(), unresolved=unresolved)
    return Federated("unknown", host, unresolved=unresolved)


def _looks_like_host(text: str) -> bool:
    return bool(re.match(r"^[A-Za-z0-9${}._-]+\.[A-Za-z0-9${}._-]+(/\S*)?$", text))


def wildcard_grade(claim: dict, value: str) -> tuple[str, str]:
    """(severity, what it admits) of a wildcarded value of ``claim``."""
    for grade in claim.get("wildcard_grades") or ():
        if re.match(grade["regex"], value):
            return grade["severity"], grade["admits"]
    return claim.get("default_wildcard_severity", Severity.WARNING), "more subjects than one"


# -- confused deputy -------------------------------------------------------


@lru_cache(maxsize=1)
def _confused_deputy() -> tuple[dict, tuple[str, ...], str]:
    data = read_data("confused_deputy_services.json")
    table = {s["principal"].lower(): s for s in data["services"]}
    keys = tuple(k.lower() for k in data["accepted_condition_keys"])
    return table, keys, data["general_reference"]


def confused_deputy_service(principal: str) -> dict | None:
    """The table entry for ``principal`` (``states.amazonaws.com``; regional and
    China forms such as ``states.us-east-1.amazonaws.com`` map to the same entry)."""
    table = _confused_deputy()[0]
    p = principal.strip().lower()
    if p in table:
        return table[p]
    m = re.match(r"^([a-z0-9-]+)\.(?:[a-z0-9-]+\.)?amazonaws\.com(?:\.cn)?$", p)
    if m:
        return table.get(f"{m.group(1)}.amazonaws.com")
    return None


def confused_deputy_condition_keys() -> tuple[str, ...]:
    return _confused_deputy()[1]


def confused_deputy_reference() -> str:
    return _confused_deputy()[2]
