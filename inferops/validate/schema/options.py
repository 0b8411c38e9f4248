"""What the schema checks are configured with (``inferops validate`` flags and the policy file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_KUBERNETES_VERSION = "1.33.0"


@dataclass
class SchemaOptions:
    """Schema settings; names follow kubeconform's flags.

    ``strict`` rejects fields a schema does not declare. ``locations`` are kubeconform templates (paths or
    URLs); ``"default"`` stands for the built-in schemas, which are searched after the others when not
    listed. ``skip``/``reject`` hold kinds as ``Kind`` or ``group/version/Kind``. ``engine`` is
    ``"builtin"`` or ``"kubeconform"`` (a binary on PATH).
    """

    kubernetes_version: str = DEFAULT_KUBERNETES_VERSION
    strict: bool = True
    locations: list[str] = field(default_factory=list)
    crds: list[Path] = field(default_factory=list)
    ignore_missing: bool = False
    skip: list[str] = field(default_factory=list)
    reject: list[str] = field(default_factory=list)
    cache_dir: Path | None = None
    engine: str = "builtin"
