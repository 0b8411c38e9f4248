"""Ways the caches kept between ``inferops validate`` runs could give a stale or wrong answer, each
shown not to: a checksum is no signature, so a cache file whose checksum matches but whose entries are
not what inferops writes (forged, or from another build) is ignored, never a crash or "no findings";
inferops' code is part of every key, not only its version string (an editable install keeps "0.1.0"
while its rules change); and a second kustomization file next to a cached one (kustomize then refuses
to build) is never answered with the cached render."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from guardrail_cases import server, workload

from inferops import code_identity
from inferops.policy import Policy
from inferops.rules.base import Context, run_rules
from inferops.validate.manifest import Manifest
from inferops.validate.render import find_kustomize, render_cached
from inferops.validate.render_cache import RenderCache

FAMILIES = ("gpu", "guardrails")


def shown(findings: Any) -> list[tuple[Any, ...]]:
    return [(f.rule_id, f.severity, f.message, f.file, f.line, f.object, f.hint, f.path) for f in findings]


def latest() -> list[Manifest]:
    data = workload()
    server(data)["image"] = "docker.io/vllm/vllm-openai:latest"
    return [Manifest(data=data, file="apps/app.yaml", line=1)]


def checksum(entries: Any) -> str:
    """How inferops checksums a findings file: anyone can compute it."""
    return hashlib.sha256(json.dumps(entries, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@pytest.mark.parametrize("entry", [
    "no findings",                                  # an entry that is not a mapping
    {"image-tag-latest": "x"},                      # violations that are not a list
    {"image-tag-latest": [["only a message"]]},     # a violation of the wrong length
    {"image-tag-latest": [[1, ["spec"], None]]},    # a message that is not text
    {"image-tag-latest": [["m", "spec", None]]},    # a path that is not a list
    {"image-tag-latest": [["m", [1.5], None]]},     # a path step that is neither key nor index
    {"image-tag-latest": [["m", [], 7]]},           # a hint that is not text
])
def test_a_cache_file_with_a_valid_checksum_but_foreign_entries_is_ignored(tmp_path: Path, entry: Any) -> None:
    objects, ctx = latest(), Context(Policy())
    fresh = shown(run_rules(objects, ctx, FAMILIES))
    assert shown(run_rules(objects, ctx, FAMILIES, tmp_path)) == fresh
    [stored] = tmp_path.glob("*.json")
    keys = list(json.loads(stored.read_bytes())["entries"])
    entries = {key: entry for key in keys}
    stored.write_text(json.dumps({"format": 1, "entries": entries, "sha256": checksum(entries)}), encoding="utf-8")
    assert shown(run_rules(objects, ctx, FAMILIES, tmp_path)) == fresh


def test_a_forged_policy_cache_entry_is_ignored(tmp_path: Path) -> None:
    from inferops.policy import load_policy
    from inferops.policy_cache import PolicyCache

    path = tmp_path / ".inferops.yaml"
    path.write_text("version: 1\nenvironments: {prod: {gpu_budget: 8}}\n", encoding="utf-8")
    fresh = load_policy(path)
    assert load_policy(path, cache_dir=tmp_path / "cache") == fresh
    entry = PolicyCache(tmp_path / "cache", path).entry
    assert entry is not None and entry.is_file()
    data = json.loads(entry.read_bytes())["policy"]
    data["environments"]["prod"]["gpu_budget"] = "eight"  # would crash the budget rule's comparison
    data["required_labels"] = "team"                       # would require labels "t", "e", "a", "m"
    entry.write_text(json.dumps({"format": 1, "policy": data, "sha256": hashlib.sha256(
        json.dumps(data, sort_keys=True).encode()).hexdigest()}), encoding="utf-8")
    assert load_policy(path, cache_dir=tmp_path / "cache") == fresh


def test_the_code_identity_changes_with_any_source_file(tmp_path: Path) -> None:
    package = tmp_path / "package"
    (package / "rules").mkdir(parents=True)
    module = package / "rules" / "a_rule.py"
    module.write_text("LIMIT = 1\n", encoding="utf-8")
    before = code_identity.of_package(package)
    assert code_identity.of_package(package) == before
    module.write_text("LIMIT = 22\n", encoding="utf-8")  # an edit in place: same version string
    assert code_identity.of_package(package) != before
    edited = code_identity.of_package(package)
    (package / "rules" / "another.py").write_text("", encoding="utf-8")
    assert code_identity.of_package(package) != edited


@pytest.mark.parametrize("cache", ["findings", "policies", "renders"])
def test_every_cache_key_holds_the_code_identity(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str) -> None:
    """Same version string, other code (an editable install after an edit): no entry is shared."""
    def key() -> object:
        if cache == "findings":
            from inferops.rules.result_cache import RuleResultCache

            return RuleResultCache(tmp_path, []).path
        if cache == "policies":
            from inferops.policy_cache import PolicyCache

            policy = tmp_path / "p.yaml"
            policy.write_text("version: 1\n", encoding="utf-8")
            return PolicyCache(tmp_path, policy).key
        (tmp_path / "repo" / "app").mkdir(parents=True, exist_ok=True)
        (tmp_path / "repo" / "app" / "kustomization.yaml").write_text("resources: []\n", encoding="utf-8")
        return RenderCache(tmp_path / "c", ("kubectl", "kustomize"), [tmp_path / "repo"]).key(tmp_path / "repo" / "app")

    before = key()
    monkeypatch.setattr(code_identity, "_identity", "other code")
    assert key() != before


@pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None,
                    reason="needs kustomize or kubectl")
@pytest.mark.parametrize("second", ["kustomization.yml", "Kustomization"])
def test_a_second_kustomization_file_is_never_answered_from_the_render_cache(tmp_path: Path, second: str) -> None:
    tool = find_kustomize()
    assert tool is not None
    root = tmp_path / "repo" / "app"
    root.mkdir(parents=True)
    (root / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", encoding="utf-8")
    (root / "kustomization.yaml").write_text("resources: [cm.yaml]\n", encoding="utf-8")
    cache = RenderCache(tmp_path / "cache", tool.command, [tmp_path / "repo"])
    assert render_cached(root, tool, cache).error is None
    (root / second).write_text("resources: [cm.yaml]\n", encoding="utf-8")  # kustomize: "multiple files"
    again = render_cached(root, tool, cache)
    assert again.error is not None and "multiple kustomization files" in again.error


def test_a_cache_directory_inside_the_checked_repository_is_never_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """CI that keeps ``XDG_CACHE_HOME`` in its workspace would let a pull request commit cache files whose
    entries answer "no findings" for its own objects: such a directory is neither read nor written."""
    import yaml

    from inferops.validate.pipeline import Options, run

    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "app.yaml").write_text(yaml.safe_dump(latest()[0].data), encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(repo / ".cache"))
    report = run(Options(paths=["app.yaml"], cwd=repo, checks=["gpu", "guardrails"]))
    assert "image-tag-latest" in {f.rule_id for f in report.findings}
    assert not (repo / ".cache").exists()
    assert any("inside the checked repository" in note for note in report.notes)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "outside"))
    run(Options(paths=["app.yaml"], cwd=repo, checks=["gpu", "guardrails"]))
    assert (tmp_path / "outside" / "inferops" / "findings").is_dir()
