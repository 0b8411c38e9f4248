"""Each file is parsed once per run: discovery's peek, the plain-file checks and render origins share it."""

import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
import yaml_rs

from inferops.validate import loader
from inferops.validate.pipeline import Options, run

NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n"


def test_every_file_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "plain").mkdir()
    for name in ("a", "b", "c"):
        (tmp_path / "plain" / f"{name}.yaml").write_text(NAMESPACE % name)
    (tmp_path / "ci.yaml").write_text("jobs: {build: {steps: []}}\n")  # not a manifest: peeked, then skipped
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "ns.yaml").write_text(NAMESPACE % "base")
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [ns.yaml]\n")
    calls: Counter[Path] = Counter()
    parsed: Counter[str] = Counter()
    original = loader.load_path

    def counting(path: Path, *args: object, **kwargs: object) -> loader.LoadResult:
        calls[path] += 1
        return original(path, *args, **kwargs)  # type: ignore[arg-type]

    def parser(function):  # records the text every YAML parser entry point is given
        def parse(text, *args, **kwargs):
            parsed[text if isinstance(text, str) else ""] += 1
            return function(text, *args, **kwargs)
        return parse

    monkeypatch.setattr(loader, "load_path", counting)
    for module, name in ((yaml, "load_all"), (yaml, "compose_all"), (yaml_rs, "loads")):
        monkeypatch.setattr(module, name, parser(getattr(module, name)))
    has_kustomize = shutil.which("kustomize") or shutil.which("kubectl")
    report = run(Options(paths=[str(tmp_path)], cwd=tmp_path, checks=["schema"], skip_render=not has_kustomize,
                         render_cache=False))
    assert report.objects_checked == 4
    assert calls and max(calls.values()) == 1
    assert tmp_path / "ci.yaml" in calls
    for path in [*(tmp_path / "plain").iterdir(), tmp_path / "base" / "ns.yaml", tmp_path / "ci.yaml"]:
        assert parsed[path.read_text()] == 1, path
