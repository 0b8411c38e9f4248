"""The guardrail policy file (``.inferops.yaml`` at a repository root) that the validator reads.

The generator writes one that its own repositories satisfy; its JSON Schema is exported to
``schemas/policy.schema.json`` (a test keeps it in sync with this model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

POLICY_FILENAME = ".inferops.yaml"

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

    version: Literal[1] = 1
    kubernetes_version: str | None = Field(
        default=None, pattern=r"^\d+\.\d+\.\d+$", description="Default for --kubernetes-version."
    )
    required_labels: list[str] = Field(default_factory=lambda: ["app.kubernetes.io/name"])
    allowed_registries: list[str] = Field(
        default_factory=list,
        description="Glob patterns an image reference must match, e.g. 'docker.io/vllm/*'; empty allows any.",
    )
    environments: dict[str, EnvironmentPolicy] = Field(
        default_factory=lambda: {"prod": EnvironmentPolicy(require_digest=False, require_pinned_revision=True)}
    )
    rules: dict[str, RuleSetting] = Field(default_factory=dict, description="Severity overrides by rule id.")

    def environment(self, name: str | None) -> EnvironmentPolicy:
        """The policy for environment ``name``; an unnamed or unlisted one gets the defaults."""
        if name and name in self.environments:
            return self.environments[name]
        return EnvironmentPolicy()


def load_policy(path: Path) -> Policy:
    """Read a policy file; errors carry the file and line."""
    from inferops.configfile import load_model

    return load_model(path, Policy, hint="see schemas/policy.schema.json")


def find_policy(start: Path) -> Path | None:
    """The nearest ``.inferops.yaml`` in ``start`` or a parent directory, stopping at a Git root."""
    current = start.resolve()
    for directory in (current, *current.parents):
        candidate = directory / POLICY_FILENAME
        if candidate.is_file():
            return candidate
        if (directory / ".git").exists():
            return None
    return None
