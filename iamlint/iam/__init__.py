"""IAM semantics, in one place: how IAM reads a policy, with no data and no I/O.

The layer above :mod:`iamlint.knowledge` (it may ask the catalog) and below
:mod:`iamlint.analysis` and :mod:`iamlint.checks`, which reason with it:

* :mod:`iamlint.iam.wildcard` — the one wildcard engine (``*``/``?``; actions
  case-insensitive, ARNs and values case-sensitive; linear time) and pattern
  inclusion (``covers``);
* :mod:`iamlint.iam.arn` — ARN parsing, a pattern matched against the
  catalog's ARN formats (:mod:`iamlint.knowledge.arns`), ARN pattern inclusion;
* :mod:`iamlint.iam.conditions` — the one condition model: an operator as
  written, read into a typed record (negation, ``...IfExists``,
  ``ForAllValues:``/``ForAnyValue:``, ``Null``, wildcard-expanding
  operators) and what a value holds (wildcards, policy variables);
* :mod:`iamlint.iam.scope` — the one definition each of "pins the caller"
  (trust policies), "restricts the caller" (resource policies) and "narrows
  the resources" (identity policies);
* :mod:`iamlint.iam.evaluate` — a Condition block evaluated on a concrete
  request context (True, False or UNKNOWN for unresolved values);
* :mod:`iamlint.iam.access` — the access model: what a set of policies (with a
  boundary and SCPs) allows, Deny-aware, and the escalations it reaches;
* :mod:`iamlint.iam.applicability` — which actions carry a condition key, and
  statements whose conditions can never be true.

Nothing here reads files, keeps state across documents (beyond bounded
``lru_cache``s of pure functions) or knows about rules and findings.
"""
