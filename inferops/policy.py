"""The guardrail policy file (``.inferops.yaml`` at a repository root) that the validator reads.

The generator writes one that its own repositories satisfy; its JSON Schema is exported to
``schemas/policy.schema.json`` (a test keeps it in sync with this model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from inferops.validate.discovery import DEFAULT_EXCLUDES

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

    def environment(self, name: str | None) -> EnvironmentPolicy:
        """The policy for environment ``name``; an unnamed or unlisted one gets the defaults."""
        if name and name in self.environments:
            return self.environments[name]
        return EnvironmentPolicy()


def load_policy(path: Path) -> Policy:
    """Read a policy file; errors carry the file and line, and a severity override for a rule id that
    does not exist is an error (a typo would otherwise leave the rule at its default silently)."""
    import difflib

    from inferops.configfile import line_of, load_yaml, validate_document
    from inferops.errors import InferopsError
    from inferops.rules.base import load_all_rules

    root = load_yaml(path)
    policy = validate_document(root, Policy, path, hint="see schemas/policy.schema.json")
    known = load_all_rules()
    for rule_id in policy.rules:
        if rule_id not in known:
            close = difflib.get_close_matches(rule_id, list(known), n=1)
            suggestion = f"; did you mean {close[0]}?" if close else "; `inferops rules` lists the ids"
            raise InferopsError(f"rules.{rule_id}: unknown rule id{suggestion}", file=str(path),
                                line=line_of(root, ("rules", rule_id)))
    return policy


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
