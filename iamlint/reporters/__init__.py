"""Output formats.  Each reporter module has ``render(run) -> str``."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from iamlint.findings import Finding
from iamlint.vocabulary import OUTPUT_FORMATS

if TYPE_CHECKING:  # for the annotation only: the registry module costs ~0.1 s to import
    from iamlint.engine.registry import Registry

#: the --format names, plain strings (click's Choice would show an enum member's name)
FORMATS = OUTPUT_FORMATS


@dataclass
class RunResult:
    """Everything a reporter may need about one run."""

    files: list = field(default_factory=list)  # FileReport, in order
    findings: list[Finding] = field(default_factory=list)
    documents: int = 0
    registry: Registry | None = None
    show_source: bool = False
    color: bool = False
    #: OSC 8 links to the rules' documentation (text output on a terminal that shows them)
    hyperlinks: bool = False
    root: str = "."

    @property
    def linted_files(self) -> int:
        # a file with an error but documents was linted (e.g. its --fix was refused)
        return sum(1 for f in self.files if not f.skipped and (not f.error or f.documents))


def render(fmt: str, run: RunResult) -> str:
    module = importlib.import_module(f"iamlint.reporters.{fmt}")
    return module.render(run)
