"""The guardrail policy file (``.inferops.yaml`` at a repository root) that the validator reads.

The generator writes one that its own repositories satisfy. A file is validated against the pydantic
models of :mod:`inferops.policy_schema` (which ``schemas/policy.schema.json`` is exported from; a test
keeps both in sync); the classes here hold the result as plain dataclasses, so a run without a policy
file does not import pydantic at all.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from inferops.validate.discovery import DEFAULT_EXCLUDES

if TYPE_CHECKING:
    from inferops import policy_schema

POLICY_FILENAME = ".inferops.yaml"

SeverityName = Literal["error", "warning", "info", "off"]


@dataclass(slots=True)
class RuleSetting:
    """Per-rule override: a severity, or ``off`` to disable the rule."""

    severity: SeverityName


@dataclass(slots=True)
class EnvironmentPolicy:
    """Limits for one environment (``dev``, ``staging``, ``prod``, ...)."""

    gpu_budget: int | None = None
    require_digest: bool = False
    require_pinned_revision: bool = False


def _default_environments() -> dict[str, EnvironmentPolicy]:
    return {"prod": EnvironmentPolicy(require_digest=False, require_pinned_revision=True)}


@dataclass(slots=True)
class Policy:
    """Guardrails for a repository; every field is optional and has a safe default (what each means:
    :class:`inferops.policy_schema.Policy`)."""

    version: Literal[1] = 1
    kubernetes_version: str | None = None
    required_labels: list[str] = field(default_factory=lambda: ["app.kubernetes.io/name"])
    allowed_registries: list[str] = field(default_factory=list)
    environments: dict[str, EnvironmentPolicy] = field(default_factory=_default_environments)
    rules: dict[str, RuleSetting] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDES))

    def environment(self, name: str | None) -> EnvironmentPolicy:
        """The policy for environment ``name``; an unnamed or unlisted one gets the defaults."""
        if name and name in self.environments:
            return self.environments[name]
        return EnvironmentPolicy()

    @classmethod
    def model_validate(cls, data: Any) -> Policy:
        """Validate ``data`` against the file format (raises pydantic's ``ValidationError``)."""
        from inferops import policy_schema

        return cls.from_model(policy_schema.Policy.model_validate(data))

    @classmethod
    def from_model(cls, model: policy_schema.Policy) -> Policy:
        return cls(
            version=model.version, kubernetes_version=model.kubernetes_version,
            required_labels=list(model.required_labels), allowed_registries=list(model.allowed_registries),
            environments={name: EnvironmentPolicy(**env.model_dump()) for name, env in model.environments.items()},
            rules={rule_id: RuleSetting(setting.severity) for rule_id, setting in model.rules.items()},
            exclude=list(model.exclude),
        )

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of the file format."""
        from inferops import policy_schema

        return policy_schema.Policy.model_json_schema()

    def model_dump(self) -> dict[str, Any]:
        """The policy as plain JSON data."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dump(cls, data: dict[str, Any]) -> Policy:
        """The inverse of :meth:`model_dump` (for data it wrote; anything else raises)."""
        return cls(
            version=data["version"], kubernetes_version=data["kubernetes_version"],
            required_labels=list(data["required_labels"]), allowed_registries=list(data["allowed_registries"]),
            environments={name: EnvironmentPolicy(**env) for name, env in data["environments"].items()},
            rules={rule_id: RuleSetting(**setting) for rule_id, setting in data["rules"].items()},
            exclude=list(data["exclude"]),
        )


def load_policy(path: Path, *, cache_dir: Path | None = None) -> Policy:
    """Read a policy file; errors carry the file and line, and a severity override for a rule id that
    does not exist is an error (a typo would otherwise leave the rule at its default silently).

    With ``cache_dir``, a file whose exact bytes passed these checks before (with this inferops version)
    is taken from the result there instead of being validated again: validating needs pydantic and
    ruamel.yaml, whose imports cost more than a small run's checks. Only valid files are stored, so every
    error is still found and reported the same way.
    """
    from inferops.policy_cache import PolicyCache

    cache = PolicyCache(cache_dir, path) if cache_dir is not None else None
    if cache is not None and (known := cache.get()) is not None:
        return known
    policy = _validated(path)
    if cache is not None:
        cache.put(policy)
    return policy


def _validated(path: Path) -> Policy:
    import difflib

    from inferops import policy_schema
    from inferops.configfile import line_of, load_yaml, validate_document
    from inferops.errors import InferopsError
    from inferops.rules.base import load_all_rules

    root = load_yaml(path)
    policy = Policy.from_model(validate_document(root, policy_schema.Policy, path,
                                                 hint="see schemas/policy.schema.json"))
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
