"""The policy file (.inferops.yaml): loading, defaults, one-line errors with line numbers, and its JSON
Schema in schemas/ matching the pydantic model."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from inferops.errors import InferopsError
from inferops.policy import POLICY_FILENAME, EnvironmentPolicy, Policy, RuleSetting, find_policy, load_policy

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "policy.schema.json"

EXAMPLE = """\
version: 1
kubernetes_version: "1.33.0"
required_labels:
  - app.kubernetes.io/name
  - app.kubernetes.io/part-of
allowed_registries:
  - "docker.io/vllm/*"
  - "ghcr.io/huggingface/*"
  - "nvcr.io/nvidia/*"
environments:
  dev:
    gpu_budget: 2
  prod:
    gpu_budget: 16
    require_digest: true
    require_pinned_revision: true
rules:
  probes-missing:
    severity: error
  required-labels:
    severity: "off"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / POLICY_FILENAME
    path.write_text(text, encoding="utf-8")
    return path


def test_example_loads(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, EXAMPLE))
    assert policy.kubernetes_version == "1.33.0"
    assert policy.environment("prod").require_digest is True
    assert policy.environment("prod").gpu_budget == 16
    assert policy.environment("dev").require_pinned_revision is False
    assert policy.rules["required-labels"].severity == "off"


def test_defaults_are_safe() -> None:
    policy = Policy()
    assert policy.required_labels == ["app.kubernetes.io/name"]
    assert policy.allowed_registries == []
    assert policy.environment("prod").require_pinned_revision is True
    assert policy.environment(None) == policy.environment("unlisted")
    assert policy.environment("unlisted").require_digest is False


def test_an_empty_mapping_is_a_valid_policy(tmp_path: Path) -> None:
    assert load_policy(_write(tmp_path, "{}\n")) == Policy()


@pytest.mark.parametrize(("text", "line", "message"), [
    ("version: 1\nallowed_registrys: [a]\n", 2, "allowed_registrys: unknown key"),
    ("version: 1\nrules:\n  pod-privileged:\n    severity: fatal\n", 4, "rules.pod-privileged.severity"),
    ("version: 1\nkubernetes_version: '1.33'\n", 2, "kubernetes_version"),
    ("version: 2\n", 1, "version"),
    ("environments:\n  prod:\n    gpu_budget: -1\n", 3, "environments.prod.gpu_budget"),
    ("environments:\n  prod:\n    require_digest: yes please\n", 3, "environments.prod.require_digest"),
    ("rules:\n  pod-privileged: {severity: warning}\n  pod-priviledged: {severity: off}\n", 3,
     "rules.pod-priviledged: unknown rule id; did you mean pod-privileged?"),
    ("version: 1\nversion: 1\n", 2, "invalid YAML"),
    ("environments:\n\tprod: {}\n", 2, "tab"),
    ("- a\n- b\n", 1, "expected a mapping"),
])
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(InferopsError) as err:
        load_policy(path)
    assert err.value.exit_code == 2
    assert err.value.line == line
    assert str(err.value).startswith(f"{path}:{line}: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_value_yaml_cannot_convert_is_a_one_line_error(tmp_path: Path) -> None:
    path = _write(tmp_path, f"kubernetes_version: {'9' * 5000}\n")
    with pytest.raises(InferopsError, match="invalid YAML: Exceeds the limit") as err:
        load_policy(path)
    assert "\n" not in str(err.value)


def test_missing_file_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(InferopsError, match="file not found"):
        load_policy(tmp_path / POLICY_FILENAME)


def test_find_policy_walks_up_to_the_git_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    nested = repo / "apps" / "llama"
    nested.mkdir(parents=True)
    assert find_policy(nested) is None
    _write(tmp_path, "{}\n")  # above the Git root: not this repository's policy
    assert find_policy(nested) is None
    policy = _write(repo, "{}\n")
    assert find_policy(nested) == policy


def test_schema_file_matches_the_model() -> None:
    on_disk = json.loads(SCHEMA.read_text(encoding="utf-8"))
    model = Policy.model_json_schema()
    assert {k: v for k, v in on_disk.items() if not k.startswith("$") or k == "$defs"} == model


def test_schema_accepts_what_the_model_accepts_and_rejects_what_it_rejects() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(yaml.safe_load(EXAMPLE), schema)
    for bad in ({"allowed_registrys": []}, {"rules": {"x": {"severity": "fatal"}}},
                {"environments": {"prod": {"gpu_budget": -1}}}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)


def test_the_generated_repositories_policy_is_valid(tmp_path: Path) -> None:
    """The generator writes a policy file its own repositories satisfy; it must at least load."""
    from inferops.cli import main

    assert main(["new", "--example", "--output", str(tmp_path / "repo"), "--no-git"]) == 0
    policy = load_policy(tmp_path / "repo" / POLICY_FILENAME)
    assert policy.environment("prod").require_pinned_revision is True
    assert policy.allowed_registries


def test_the_policy_a_run_uses_mirrors_the_file_format_field_for_field() -> None:
    from inferops import policy_schema

    assert Policy() == Policy.model_validate({})
    pairs = ((Policy, policy_schema.Policy), (EnvironmentPolicy, policy_schema.EnvironmentPolicy),
             (RuleSetting, policy_schema.RuleSetting))
    for runtime, model in pairs:
        assert [f.name for f in dataclasses.fields(runtime)] == list(model.model_fields)
    loaded = Policy.model_validate(yaml.safe_load(EXAMPLE))
    assert loaded.environments["dev"] == EnvironmentPolicy(gpu_budget=2)
    assert loaded.rules["probes-missing"] == RuleSetting("error")
    assert Policy.model_validate({"environments": {"x": {}}}).environments["x"] == EnvironmentPolicy()


def test_a_run_without_a_policy_file_does_not_import_pydantic(tmp_path: Path) -> None:
    """pydantic is only needed to validate a policy file (its import is a fifth of a small run)."""
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", encoding="utf-8")
    probe = ("import sys; from inferops.cli import main; code = main(['validate', 'cm.yaml', '-o', '/dev/null']); "
             "print(code, 'pydantic' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["0", "False"], done.stderr


def test_a_valid_policy_file_is_validated_once_and_every_edit_or_error_afresh(tmp_path: Path) -> None:
    from inferops import policy_cache

    cache = tmp_path / "cache"
    path = _write(tmp_path, EXAMPLE)
    first = load_policy(path, cache_dir=cache)
    assert first == load_policy(path) and len(list(cache.glob("*.json"))) == 1
    assert policy_cache.PolicyCache(cache, path).get() == first  # the next run takes it from there
    edited = EXAMPLE.replace("gpu_budget: 16", "gpu_budget: 8")
    path.write_text(edited, encoding="utf-8")
    assert load_policy(path, cache_dir=cache).environment("prod").gpu_budget == 8
    path.write_text(edited + "allowed_registrys: [a]\n", encoding="utf-8")
    for _ in range(2):  # an invalid file is never stored: the error comes every time
        with pytest.raises(InferopsError, match="allowed_registrys: unknown key"):
            load_policy(path, cache_dir=cache)
    assert len(list(cache.glob("*.json"))) == 2


def test_a_corrupt_cached_policy_is_validated_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    path = _write(tmp_path, EXAMPLE)
    first = load_policy(path, cache_dir=cache)
    [entry] = cache.glob("*.json")
    stored = json.loads(entry.read_bytes())
    forged = {**stored, "policy": {**stored["policy"], "required_labels": []}}  # checksum left stale
    for corruption in (b"{not json", json.dumps(forged).encode()):
        entry.write_bytes(corruption)
        assert load_policy(path, cache_dir=cache) == first
        assert json.loads(entry.read_bytes()) == stored


def test_no_cache_leaves_the_policy_cache_alone(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / POLICY_FILENAME).write_text(EXAMPLE, encoding="utf-8")
    (repo / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n", encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    command = [sys.executable, "-m", "inferops", "validate", ".", "-f", "json"]
    fresh = subprocess.run([*command, "--no-cache"], cwd=repo, env=env, capture_output=True, text=True, timeout=120)
    assert not (tmp_path / "xdg" / "inferops" / "policies").exists()
    cached = [subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=120) for _ in range(2)]
    assert fresh.stdout == cached[0].stdout == cached[1].stdout
    assert len(list((tmp_path / "xdg" / "inferops" / "policies").glob("*.json"))) == 1
