"""The policy file's format as pydantic models: what :func:`inferops.policy.load_policy` validates a file
against, and what ``schemas/policy.schema.json`` is exported from.

Kept apart from :mod:`inferops.policy` so that a run without a policy file never imports pydantic (a fifth
of a small run's time); :class:`inferops.policy.Policy` mirrors these models field for field (a test
checks it).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from inferops.validate.discovery import DEFAULT_EXCLUDES

SeverityName = Literal["error", "warning", "info", "off"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleSetting(_Strict):
    """Per-rule override: a severity, or ``off`` to disable the rule."""

    severity: SeverityName


class EnvironmentPolicy(_Strict):
    """Limits for one environment (``dev``, ``staging``, ``prod``, ...)."""

    gpu_budget: int | None = Field(
        default=None, ge=0, description="Most GPUs all workloads of the environment may use at full scale-out."
    )
    require_digest: bool = Field(default=False, description="Images must be pinned by digest (@sha256:...).")
    require_pinned_revision: bool = Field(
        default=False, description="Argo CD Applications must track a tag or commit, not a branch or HEAD."
    )


class Policy(_Strict):
    """Guardrails for a repository; every field is optional and has a safe default."""

    version: Literal[1] = Field(default=1, description="Format version of this file.")
    kubernetes_version: str | None = Field(
        default=None, pattern=r"^\d+\.\d+\.\d+$",
        description="Default for --kubernetes-version: schemas and removed-API checks target it.",
    )
    required_labels: list[str] = Field(
        default_factory=lambda: ["app.kubernetes.io/name"],
        description="Labels every workload and Service must carry (rule required-labels).",
    )
    allowed_registries: list[str] = Field(
        default_factory=list,
        description="Glob patterns an image reference must match, e.g. 'docker.io/vllm/*'; empty allows any.",
    )
    environments: dict[str, EnvironmentPolicy] = Field(
        default_factory=lambda: {"prod": EnvironmentPolicy(require_digest=False, require_pinned_revision=True)},
        description="Per-environment limits, by the name in the inferops.io/environment label or overlays/<env>.",
    )
    rules: dict[str, RuleSetting] = Field(
        default_factory=dict, description="Severity overrides by rule id (`inferops rules` lists the ids)."
    )
    exclude: list[str] = Field(
        default_factory=lambda: list(DEFAULT_EXCLUDES),
        description=(
            "Globs of files and directories `inferops validate` does not walk into (each is listed in the "
            "report's notes). A glob without '/' matches a name at any depth; one with '/' matches the path "
            "relative to this file's directory. `.git` is never walked; a directory an Argo CD Application "
            "deploys, and any file a kustomization uses, is checked even when excluded. `[]` walks everything."
        ),
    )
