"""What every check produces: a finding with rule id, severity, place, object, message and fix hint."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inferops.validate.manifest import JsonPath, Manifest


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for sorting and for ``--fail-on``-style comparisons."""
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in one place.

    ``file`` is a POSIX path relative to the directory validation ran from (or absolute when outside it);
    ``line`` is 1-based, ``None`` when unknown. ``object`` is ``Kind/namespace/name`` (namespace omitted
    when the object has none).
    """

    rule_id: str
    severity: Severity
    message: str
    file: str
    line: int | None = None
    object: str | None = None
    hint: str | None = None
    family: str = field(default="", compare=False)
    #: The rendered object and the JSON path inside it the finding is about, for ``inferops fix`` and the
    #: reports' ``fix`` objects (computed only when asked); not shown, not compared.
    subject: Manifest | None = field(default=None, compare=False, repr=False)
    path: JsonPath = field(default=(), compare=False, repr=False)

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line or 0, self.rule_id, self.message)
