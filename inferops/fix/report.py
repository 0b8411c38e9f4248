"""The fix of one finding as the JSON and SARIF reports carry it: the file, and each replacement as a
1-based range (end exclusive, columns in Unicode code points) with the text that replaces it. Computed
only when a format asks, and only for findings whose rule has a fixer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml.nodes import Node

from inferops.fix.plan import fixable, repository_of, single_fix
from inferops.fix.registry import Run, load_all_fixers
from inferops.fix.splice import position
from inferops.validate.findings import Finding


@dataclass(frozen=True, slots=True)
class Replacement:
    start_line: int
    start_column: int
    end_line: int
    end_column: int
    text: str


@dataclass(frozen=True, slots=True)
class ReportedFix:
    file: str
    description: str  # what ``inferops fix`` does, e.g. "sets the GPU request to the GPU limit"
    replacements: list[Replacement]


class FixFinder:
    """Fixes of findings of one run, whose ``file``s are relative to the current directory."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.cwd = Path.cwd().resolve()
        self.boundary = repository_of([], self.cwd)
        self._sources: dict[str, tuple[str, tuple[Node, ...]] | None] = {}

    def fix_of(self, finding: Finding) -> ReportedFix | None:
        if not fixable(finding):
            return None
        found = single_fix(finding, self.run, self.cwd, self.boundary, self._sources)
        if found is None:
            return None
        file, text, edits = found
        replacements = [Replacement(*position(text, e.start), *position(text, e.end), e.replacement) for e in edits]
        return ReportedFix(file, load_all_fixers()[finding.rule_id].summary, replacements)
