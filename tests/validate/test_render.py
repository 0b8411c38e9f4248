"""Rendering with the real kustomize (through kubectl), origins mapped back to source files and lines."""

import dataclasses
import shutil
from pathlib import Path

import pytest

from inferops.errors import InferopsError
from inferops.validate.discovery import discover
from inferops.validate.loader import LoadedFiles
from inferops.validate.origins import ORIGIN_ANNOTATION, Sources, rendered_manifests
from inferops.validate.render import (
    KUSTOMIZE_ENV,
    UNREACHABLE_PROXY,
    Kustomize,
    find_kustomize,
    first_error,
    offline_environment,
    render_all,
)

pytestmark = pytest.mark.skipif(
    shutil.which("kustomize") is None and shutil.which("kubectl") is None, reason="needs kustomize or kubectl"
)

DEPLOY = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
data: {a: b}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


@pytest.fixture
def tool() -> Kustomize:
    found = find_kustomize()
    assert found is not None
    return found


@pytest.fixture
def overlay_repo(tmp_path: Path) -> Path:
    write(tmp_path, {
        "base/kustomization.yaml": "resources: [app.yaml]\n",
        "base/app.yaml": DEPLOY,
        "overlays/prod/kustomization.yaml": (
            "namePrefix: prod-\nresources: [../../base]\npatches:\n- path: replicas.yaml\n"
            "configMapGenerator:\n- name: settings\n  literals: [MODE=prod]\n"
        ),
        "overlays/prod/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n",
    })
    return tmp_path


def test_kubectl_is_used_when_no_standalone_kustomize_is_on_path(tool: Kustomize) -> None:
    expected = ("build",) if shutil.which("kustomize") else ("kustomize",)
    assert tool.command[1:] == expected


def test_no_kustomize_on_path_is_reported_as_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(KUSTOMIZE_ENV, raising=False)
    assert find_kustomize() is None


def test_a_bad_kustomize_override_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KUSTOMIZE_ENV, "/nonexistent/kustomize")
    with pytest.raises(InferopsError, match="INFEROPS_KUSTOMIZE=/nonexistent/kustomize is not an executable"):
        find_kustomize()


def test_a_cached_render_stores_its_objects_and_later_runs_read_them_back_alike(
        overlay_repo: Path, tool: Kustomize, tmp_path: Path) -> None:
    """The second use of a cached render stores the objects its text loads as; the third reads them instead of
    parsing, and every object is the same, with the same source file, line and overlay places."""
    from inferops.validate.render import render_cached
    from inferops.validate.render_cache import RenderCache

    plan = discover([], overlay_repo)
    [root] = plan.render_roots
    cache = RenderCache(tmp_path / "cache", tool.command, [overlay_repo])
    assert render_cached(root.dir, tool, cache).documents is None  # rendered afresh

    def loaded() -> tuple[str | None, list[tuple[object, ...]]]:
        rendered = render_cached(root.dir, tool, cache)
        result = rendered_manifests(rendered, root, Sources(overlay_repo.resolve(), strict=True), cache)
        return rendered.documents, [(m.data, m.file, m.line, m.render_root, m.place(("spec", "replicas")))
                                    for m in result.manifests]

    parsed_documents, parsed = loaded()
    stored_documents, stored = loaded()
    assert parsed_documents is None and stored_documents is not None and stored == parsed
    assert loaded() == (stored_documents, parsed)


def test_stored_objects_still_obey_the_size_limits(overlay_repo: Path, tool: Kustomize, tmp_path: Path) -> None:
    from inferops.validate.limits import DEFAULT_LIMITS
    from inferops.validate.render import render_cached
    from inferops.validate.render_cache import RenderCache

    plan = discover([], overlay_repo)
    [root] = plan.render_roots
    cache = RenderCache(tmp_path / "cache", tool.command, [overlay_repo])
    render_cached(root.dir, tool, cache)
    rendered_manifests(render_cached(root.dir, tool, cache), root, Sources(overlay_repo.resolve(), strict=True), cache)
    rendered = render_cached(root.dir, tool, cache)
    assert rendered.documents is not None
    small = dataclasses.replace(DEFAULT_LIMITS, documents=1)
    files = LoadedFiles(str, strict=True, limits=small)
    result = rendered_manifests(rendered, root, Sources(overlay_repo.resolve(), strict=True, files=files), cache)
    assert [f.rule_id for f in result.findings] == ["file-unreadable"]


def test_rendered_objects_point_at_their_source_file_and_line(overlay_repo: Path, tool: Kustomize) -> None:
    plan = discover([], overlay_repo)
    [root] = plan.render_roots
    [rendered] = render_all([root.dir], tool)
    assert rendered.error is None
    result = rendered_manifests(rendered, root, Sources(overlay_repo.resolve(), strict=True))
    by_name = {m.name: m for m in result.manifests}
    assert set(by_name) == {"prod-other", "prod-web", next(n for n in by_name if n.startswith("prod-settings-"))}

    web = by_name["prod-web"]
    assert (web.file, web.line, web.render_root) == ("base/app.yaml", 7, "overlays/prod")
    assert web.data["spec"]["replicas"] == 3  # the patched object is what gets checked
    assert web.line_of(("spec", "template", "spec", "containers", 0, "image")) == 20
    assert ORIGIN_ANNOTATION not in web.annotations and "annotations" not in web.metadata
    assert web.environment == "prod"
    assert (by_name["prod-other"].file, by_name["prod-other"].line) == ("base/app.yaml", 1)

    generated = next(m for m in result.manifests if m.name.startswith("prod-settings-"))
    assert (generated.file, generated.line) == ("overlays/prod/kustomization.yaml", 6)


def test_a_render_failure_is_one_line_in_kustomize_words_about_the_users_paths(tmp_path: Path, tool: Kustomize) -> None:
    write(tmp_path, {"app/kustomization.yaml": "resources: [missing.yaml]\n"})
    [rendered] = render_all([(tmp_path / "app").resolve()], tool)
    assert rendered.error is not None and rendered.text == ""
    assert "\n" not in rendered.error
    assert "missing.yaml" in rendered.error and "no such file or directory" in rendered.error
    assert str(tmp_path.resolve()) not in rendered.error and "inferops-render" not in rendered.error


def test_several_roots_render_and_come_back_in_the_order_given(tmp_path: Path, tool: Kustomize) -> None:
    dirs = []
    for i in range(5):
        write(tmp_path, {f"k{i}/kustomization.yaml": "resources: [cm.yaml]\n",
                         f"k{i}/cm.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\n"})
        dirs.append((tmp_path / f"k{i}").resolve())
    results = render_all(dirs, tool)
    assert [r.root for r in results] == dirs
    assert all(f"name: cm{i}" in r.text for i, r in enumerate(results))


def test_first_error_strips_klog_framing_and_error_prefixes() -> None:
    root = Path("/repo/app")
    klog = ('E1127 05:40:18.466871    6014 run.go:72] "command failed" err="no resource matches '
            'strategic merge patch \\"ConfigMap.v1.[noGrp]/y.[noNs]\\" in /repo/app/p.yaml"\n')
    assert first_error(klog, root) == 'no resource matches strategic merge patch "ConfigMap.v1.[noGrp]/y.[noNs]" in p.yaml'
    assert first_error("# Warning: 'bases' is deprecated\nError: invalid Kustomization: bad\nmore\n", root) == (
        "invalid Kustomization: bad"
    )


def test_first_error_reads_a_multi_line_klog_block_and_drops_the_plugin_config_header() -> None:
    root = Path("/repo/app")
    klog = ('E1202 04:41:40.459718   18503 run.go:72] "command failed" err=<\n'
            "\ttrouble configuring builtin PatchTransformer with config: `\n\tpath: missing.yaml\n"
            "\t`: failed to get the patch file from path(missing.yaml): lstat /repo/app/missing.yaml: no such file\n >\n")
    assert first_error(klog, root) == "failed to get the patch file from path(missing.yaml): lstat missing.yaml: no such file"


@pytest.mark.parametrize(("kustomization", "extra", "error"), [
    ("helmCharts:\n- name: redis\n  repo: https://charts.example.com\n", {}, "must specify --enable-helm"),
    ("transformers:\n- fn.yaml\n", {"fn.yaml": (
        "apiVersion: example.com/v1\nkind: Fn\nmetadata:\n  name: f\n  annotations:\n"
        "    config.kubernetes.io/function: |\n      exec:\n        path: /bin/touch\n")},
     "external plugins disabled"),
])
def test_builds_never_run_helm_or_plugins(tmp_path: Path, tool: Kustomize, kustomization: str,
                                         extra: dict[str, str], error: str) -> None:
    write(tmp_path, {"app/kustomization.yaml": kustomization, **{f"app/{k}": v for k, v in extra.items()}})
    [rendered] = render_all([(tmp_path / "app").resolve()], tool)
    assert rendered.error is not None and error in rendered.error


def test_offline_builds_get_a_fresh_home_and_no_way_out() -> None:
    env = offline_environment(Path("/tmp/render-home"))
    assert env["HOME"] == "/tmp/render-home" and env["GIT_ALLOW_PROTOCOL"] == "none"
    assert {env[k] for k in ("HTTP_PROXY", "https_proxy", "ALL_PROXY")} == {UNREACHABLE_PROXY}
    assert env["NO_PROXY"] == "" and "GITHUB_TOKEN" not in env and "SSH_AUTH_SOCK" not in env
