"""What per-object rules found is kept between runs, and is never stale: a run with the cache reports
exactly what a run without it reports, whatever changed since the cache was filled (the object, the
policy, inferops' version, the Kubernetes version, the rules asked for); a corrupt cache file is rebuilt;
concurrent runs agree; ``--no-cache`` leaves it alone."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from guardrail_cases import pod, server, workload

from inferops.policy import EnvironmentPolicy, Policy, RuleSetting
from inferops.rules import result_cache
from inferops.rules.base import REGISTRY, Context, load_all_rules, run_rules
from inferops.validate.manifest import Manifest

FAMILIES = ("gpu", "guardrails")


def manifests(*objects: dict[str, Any]) -> list[Manifest]:
    return [Manifest(data=o, file=f"apps/{i}.yaml", line=1) for i, o in enumerate(objects)]


def shown(findings: Iterator[Any]) -> list[tuple[Any, ...]]:
    return [(f.rule_id, f.severity, f.message, f.file, f.line, f.object, f.hint, f.path) for f in findings]


def both(objects: list[Manifest], ctx: Context, cache: Path, families: tuple[str, ...] = FAMILIES) -> list[Any]:
    """The findings with the cache, after checking they are those of a run without it."""
    cached = shown(run_rules(objects, ctx, families, cache))
    assert cached == shown(run_rules(objects, ctx, families))
    return cached


def flawed() -> dict[str, Any]:
    """A Deployment several rules find fault with (no liveness probe, a root user, a latest tag)."""
    data = workload()
    server(data)["image"] = "docker.io/vllm/vllm-openai:latest"
    pod(data)["securityContext"]["runAsUser"] = 0
    return data


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """How many times the per-object rule ``image-tag-latest`` has run (so a test can tell a cache hit)."""
    load_all_rules()
    calls = [0]
    original = REGISTRY["image-tag-latest"]
    assert original.check is not None
    check = original.check

    def counting(m: Manifest, ctx: Context) -> Iterator[Any]:
        calls[0] += 1
        return iter(list(check(m, ctx)))

    monkeypatch.setitem(REGISTRY, original.id, dataclasses.replace(original, check=counting))
    return lambda: calls[0]


def test_a_second_run_takes_the_verdicts_from_the_cache(tmp_path: Path, counted: Callable[[], int]) -> None:
    objects, ctx = manifests(flawed(), workload()), Context(Policy())
    first = both(objects, ctx, tmp_path)
    assert "image-tag-latest" in {f[0] for f in first}
    calls = counted()
    assert shown(run_rules(objects, ctx, FAMILIES, tmp_path)) == first
    assert counted() == calls  # not run again
    assert len(list(tmp_path.glob("*.json"))) == 1


def test_an_edited_object_is_checked_afresh(tmp_path: Path, counted: Callable[[], int]) -> None:
    data = flawed()
    ctx = Context(Policy())
    both(manifests(data), ctx, tmp_path)
    server(data)["image"] = "docker.io/vllm/vllm-openai:v0.11.0"
    calls = counted()
    assert "image-tag-latest" not in {f[0] for f in both(manifests(data), ctx, tmp_path)}
    assert counted() > calls


def test_the_same_object_in_another_file_or_render_is_its_own_entry(tmp_path: Path) -> None:
    ctx = Context(Policy(environments={"prod": EnvironmentPolicy(require_digest=True)}))
    data = workload()
    both([Manifest(data=data, file="apps/dev/x.yaml", line=1)], ctx, tmp_path)
    prod = both([Manifest(data=data, file="apps/x.yaml", line=1, render_root="apps/overlays/prod")], ctx, tmp_path)
    assert "image-digest-required" in {f[0] for f in prod}


@pytest.mark.parametrize("change", ["policy", "rule-off", "kubernetes", "families", "version"])
def test_a_change_of_settings_is_never_answered_from_the_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    removed = {"apiVersion": "extensions/v1beta1", "kind": "Ingress", "metadata": {"name": "web"}}
    objects = manifests(flawed(), removed)
    ctx, families = Context(Policy(), kubernetes_version="1.15.0"), FAMILIES
    before = both(objects, ctx, tmp_path)
    if change == "policy":
        ctx = Context(Policy(required_labels=["team"]), kubernetes_version="1.15.0")
    elif change == "rule-off":
        ctx = Context(Policy(rules={"image-tag-latest": RuleSetting(severity="off")}), kubernetes_version="1.15.0")
    elif change == "kubernetes":
        ctx = Context(Policy(), kubernetes_version="1.33.0")
    elif change == "families":
        families = ("gpu",)
    else:
        monkeypatch.setattr(result_cache, "__version__", "999.0.0")
    after = both(objects, ctx, tmp_path, families)
    if change != "version":
        assert after != before


def test_a_corrupt_cache_file_is_rebuilt(tmp_path: Path) -> None:
    objects, ctx = manifests(flawed()), Context(Policy())
    first = both(objects, ctx, tmp_path)
    [stored] = tmp_path.glob("*.json")
    good = json.loads(stored.read_bytes())
    forged = {**good, "entries": {key: {} for key in good["entries"]}}  # "no findings", checksum left stale
    for corruption in (b"{not json", b"[]", json.dumps(forged).encode()):
        stored.write_bytes(corruption)
        assert both(objects, ctx, tmp_path) == first
        assert json.loads(stored.read_bytes())["entries"] == good["entries"]


def test_the_cache_lives_in_the_user_cache_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert result_cache.default_directory() == tmp_path / "xdg" / "inferops" / "findings"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert result_cache.default_directory() == Path.home() / ".cache" / "inferops" / "findings"


def test_concurrent_runs_agree_and_no_cache_leaves_it_alone(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    import yaml

    (repo / "app.yaml").write_text(yaml.safe_dump_all([flawed(), workload()]), encoding="utf-8")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    command = [sys.executable, "-m", "inferops", "validate", "app.yaml", "-f", "json"]
    fresh = subprocess.run([*command, "--no-cache"], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert not (tmp_path / "xdg" / "inferops" / "findings").exists()
    runs = [subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    again = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert outputs[0] == outputs[1] == fresh.stdout == again.stdout
    assert json.loads(fresh.stdout)["summary"]["errors"] > 0
    [stored] = (tmp_path / "xdg" / "inferops" / "findings").glob("*.json")
    assert len(json.loads(stored.read_bytes())["entries"]) == 2
