"""Discovery: which files are plain manifests, which kustomizations render, what is skipped."""

from pathlib import Path

import pytest

from inferops.errors import InferopsError
from inferops.validate.discovery import NO_EXCLUSIONS, Exclusions, Plan, discover, display_path

CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n"


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def names(paths: list[Path], root: Path) -> list[str]:
    return sorted(display_path(p, root.resolve()) for p in paths)


def roots(plan: Plan, root: Path) -> list[str]:
    return names([k.dir for k in plan.render_roots], root)


def test_finds_yaml_and_json_and_skips_what_exclude_matches_listing_each(tmp_path: Path) -> None:
    write(tmp_path, {
        "a.yaml": CONFIGMAP.format(name="a"),
        "sub/b.yml": CONFIGMAP.format(name="b"),
        "sub/c.json": '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}',
        "notes.txt": "kind: ConfigMap",
        ".github/workflows/ci.yaml": "on: push\njobs: {}\n",
        ".hidden/x.yaml": CONFIGMAP.format(name="x"),
        ".pre-commit-config.yaml": "repos: []\n",
        "node_modules/pkg/y.yaml": CONFIGMAP.format(name="y"),
        "venv/pyvenv.cfg": "home = /usr\n",
        "venv/lib/z.yaml": CONFIGMAP.format(name="z"),
    })
    plan = discover([], tmp_path)
    # a planted pyvenv.cfg no longer hides a directory: only the exclude globs decide
    assert names(plan.files, tmp_path) == ["a.yaml", "sub/b.yml", "sub/c.json", "venv/lib/z.yaml"]
    assert names(plan.excluded, tmp_path) == [".github", ".hidden", ".pre-commit-config.yaml", "node_modules"]


def test_a_file_or_hidden_directory_named_explicitly_is_always_used(tmp_path: Path) -> None:
    write(tmp_path, {".inferops/x.yaml": CONFIGMAP.format(name="x"), "values.yaml": "replicas: 2\n"})
    plan = discover([".inferops", "values.yaml"], tmp_path)
    assert names(plan.files, tmp_path) == [".inferops/x.yaml", "values.yaml"]


def test_walked_files_without_apiversion_or_kind_are_skipped_as_not_manifests(tmp_path: Path) -> None:
    write(tmp_path, {
        "values.yaml": "replicas: 2\n---\nimage: x\n",
        "package.json": '{"name": "x"}',
        "half.yaml": "kind: ConfigMap\n",
        "broken.yaml": "a: [\n",
    })
    plan = discover(["."], tmp_path)
    assert names(plan.not_manifests, tmp_path) == ["package.json", "values.yaml"]
    # half an object and unparseable YAML are reported by the checks, not silently dropped
    assert names(plan.files, tmp_path) == ["broken.yaml", "half.yaml"]


def test_files_a_kustomization_references_are_owned_by_it_not_checked_as_plain(tmp_path: Path) -> None:
    write(tmp_path, {
        "app/kustomization.yaml": (
            "resources: [deploy.yaml, https://example.com/remote.yaml]\n"
            "patches:\n- path: patch.yaml\n"
            "patchesStrategicMerge: [smp.yaml]\n"
            "configMapGenerator:\n- name: cfg\n  files: [conf=settings.json]\n  envs: [vars.env]\n"
        ),
        "app/deploy.yaml": CONFIGMAP.format(name="d"),
        "app/patch.yaml": CONFIGMAP.format(name="d"),
        "app/smp.yaml": CONFIGMAP.format(name="d"),
        "app/settings.json": '{"apiVersion": "fake", "kind": "NotOne"}',
        "app/vars.env": "A=1\n",
        "app/stray.yaml": CONFIGMAP.format(name="stray"),
    })
    plan = discover([], tmp_path)
    assert roots(plan, tmp_path) == ["app"]
    assert names(plan.files, tmp_path) == ["app/stray.yaml"]


def test_an_included_kustomization_is_not_a_root_and_components_never_are(tmp_path: Path) -> None:
    write(tmp_path, {
        "base/kustomization.yaml": "resources: [cm.yaml]\n",
        "base/cm.yaml": CONFIGMAP.format(name="cm"),
        "comp/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
        "unused-comp/kustomization.yaml": "kind: Component\n",
        "overlays/dev/kustomization.yaml": "resources: [../../base]\ncomponents: [../../comp]\n",
        "overlays/prod/kustomization.yml": "bases: [../../base]\n",
    })
    plan = discover([], tmp_path)
    assert roots(plan, tmp_path) == ["overlays/dev", "overlays/prod"]
    assert plan.files == []


def test_an_argo_cd_application_path_makes_a_kustomization_a_root_even_when_included(tmp_path: Path) -> None:
    write(tmp_path, {
        "base/kustomization.yaml": "resources: [cm.yaml]\n",
        "base/cm.yaml": CONFIGMAP.format(name="cm"),
        "overlay/kustomization.yaml": "resources: [../base]\n",
        "argocd/app.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: base}\n"
            "spec:\n  sources:\n  - path: base\n    repoURL: https://example.com/repo.git\n"
        ),
        "argocd/set.yaml": (
            "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: s}\n"
            "spec:\n  template:\n    spec:\n      source:\n        path: '{{path}}'\n"
        ),
    })
    plan = discover([], tmp_path)
    assert roots(plan, tmp_path) == ["base", "overlay"]
    assert names(plan.files, tmp_path) == ["argocd/app.yaml", "argocd/set.yaml"]


def test_a_chart_skips_only_its_templates_and_a_kustomization_inflating_charts_is_still_a_root(tmp_path: Path) -> None:
    write(tmp_path, {
        "chart/Chart.yaml": "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
        "chart/values.yaml": "replicas: 1\n",
        "chart/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\n{{- if .Values.x }}\n",
        "chart/templates/plain.yaml": CONFIGMAP.format(name="verbatim"),
        "chart/crds/crd.yaml": CONFIGMAP.format(name="crd"),
        "chart/charts/sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        "helmy/kustomization.yaml": "helmCharts:\n- name: redis\n  repo: https://charts.example.com\n",
    })
    plan = discover([], tmp_path)
    assert names(plan.charts, tmp_path) == ["chart", "chart/charts/sub"]
    assert names(plan.helm_templates, tmp_path) == ["chart/templates/deploy.yaml"]
    assert names(plan.files, tmp_path) == ["chart/crds/crd.yaml", "chart/templates/plain.yaml"]
    assert names(plan.not_manifests, tmp_path) == ["chart/values.yaml"]
    # the pipeline decides not to render it (and checks its local resources instead)
    assert roots(plan, tmp_path) == ["helmy"] and plan.render_roots[0].uses_helm


def test_an_explicit_kustomization_file_is_rendered_and_dash_means_stdin(tmp_path: Path) -> None:
    write(tmp_path, {"base/kustomization.yaml": "resources: [cm.yaml]\n", "base/cm.yaml": CONFIGMAP.format(name="c")})
    plan = discover(["base/kustomization.yaml", "-"], tmp_path)
    assert roots(plan, tmp_path) == ["base"]
    assert plan.stdin and plan.files == []


def test_a_missing_path_is_a_usage_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InferopsError, match=r"^nope\.yaml: no such file or directory$") as err:
        discover(["nope.yaml"], tmp_path)
    assert err.value.exit_code == 2


def test_paths_are_shown_relative_to_the_working_directory_when_inside_it(tmp_path: Path) -> None:
    assert display_path(tmp_path / "a" / "b.yaml", tmp_path) == "a/b.yaml"
    assert display_path(Path("/elsewhere/x.yaml"), tmp_path) == "/elsewhere/x.yaml"


def test_exclude_globs_match_names_anywhere_and_paths_with_a_slash_from_the_policy_directory(tmp_path: Path) -> None:
    write(tmp_path, {
        "vendor/a.yaml": CONFIGMAP.format(name="a"),
        "apps/vendor/b.yaml": CONFIGMAP.format(name="b"),
        "apps/legacy/c.yaml": CONFIGMAP.format(name="c"),
        "legacy/d.yaml": CONFIGMAP.format(name="d"),
    })
    plan = discover([], tmp_path, Exclusions(("vendor", "apps/legacy"), tmp_path.resolve()))
    assert names(plan.files, tmp_path) == ["legacy/d.yaml"]
    assert names(plan.excluded, tmp_path) == ["apps/legacy", "apps/vendor", "vendor"]
    assert names(discover([], tmp_path, NO_EXCLUSIONS).files, tmp_path) == [
        "apps/legacy/c.yaml", "apps/vendor/b.yaml", "legacy/d.yaml", "vendor/a.yaml"]


def test_remote_entries_are_recorded_with_their_line_and_never_taken_for_local_paths(tmp_path: Path) -> None:
    write(tmp_path, {"app/kustomization.yaml": (
        "resources:\n- cm.yaml\n- https://example.com/x.yaml\ncomponents:\n- github.com/o/r//c?ref=v1\n"
        "configMapGenerator:\n- name: g\n  files:\n  - k=http://example.com/f\n"
    ), "app/cm.yaml": CONFIGMAP.format(name="c")})
    [k] = discover([], tmp_path).render_roots
    assert [(r.entry, r.line) for r in k.remote] == [
        ("https://example.com/x.yaml", 3), ("github.com/o/r//c?ref=v1", 5), ("http://example.com/f", 9)]
    assert names(k.resources, tmp_path) == ["app/cm.yaml"] and k.includes == [] and k.aux == []


def test_a_url_inside_an_inline_patch_is_not_a_remote_reference(tmp_path: Path) -> None:
    write(tmp_path, {"app/kustomization.yaml": (
        "resources: [cm.yaml]\npatchesStrategicMerge:\n- |-\n  apiVersion: v1\n  kind: ConfigMap\n"
        "  metadata:\n    name: c\n    annotations: {docs: 'https://example.com/docs'}\n"
    ), "app/cm.yaml": CONFIGMAP.format(name="c")})
    [k] = discover([], tmp_path).render_roots
    assert k.remote == []
