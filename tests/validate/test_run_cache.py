"""The run cache: a repository with nothing changed gets the last identical run's report without a run; any
change to its files or to the settings runs afresh, and a run that read anything else is never kept."""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from git import Repo
from repo_helpers import DEPLOYMENT, needs_kustomize, write

import inferops.validate.pipeline as pipeline
from inferops.cli import main
from inferops.validate import run_cache
from inferops.validate.report import Report


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Git repository with a base, an overlay patching it, and a plain manifest; the run starts in it."""
    root = tmp_path / "repo"
    Repo.init(root)
    write(root / "base" / "deployment.yaml", DEPLOYMENT)
    write(root / "base" / "kustomization.yaml", "resources: [deployment.yaml]\n")
    write(root / "overlay" / "patch.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
                                           "spec: {replicas: 2}\n")
    write(root / "overlay" / "kustomization.yaml", "resources: [../base]\npatches: [{path: patch.yaml}]\n")
    write(root / "plain" / "namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n")
    monkeypatch.chdir(root)
    return root


class Runs:
    """``inferops validate`` in this process, counting the runs of the pipeline behind it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.count = 0
        self.capsys = capsys
        real = pipeline.run

        def counted(options: pipeline.Options) -> Report:
            self.count += 1
            return real(options)

        monkeypatch.setattr(pipeline, "run", counted)

    def __call__(self, *args: str) -> tuple[int, str]:
        code = main(["validate", *args])
        return code, self.capsys.readouterr().out


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Runs:
    return Runs(monkeypatch, capsys)


@needs_kustomize
def test_an_unchanged_repository_gets_the_same_report_without_a_run(repo: Path, runs: Runs) -> None:
    write(repo / "plain" / "pod.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                                       "spec: {containers: [{name: c, image: 'nginx:latest'}]}\n")
    first = runs(".")
    assert runs.count == 1 and first[0] == 1 and "image-tag-latest" in first[1]
    assert runs(".") == first and runs.count == 1
    assert runs(".", "-f", "json") != first and runs.count == 2  # another format is another report


EDITS: dict[str, Callable[[Path], object]] = {
    "a base file": lambda r: write(r / "base" / "deployment.yaml", DEPLOYMENT.replace("nginx:1.27", "nginx:latest")),
    "a patch": lambda r: write(r / "overlay" / "patch.yaml", "apiVersion: apps/v1\nkind: Deployment\n"
                                                            "metadata: {name: web}\nspec: {replicas: 3}\n"),
    "a new file": lambda r: write(r / "plain" / "other.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: o}\n"),
    "a deleted file": lambda r: (r / "plain" / "namespace.yaml").unlink(),
    "a renamed file": lambda r: (r / "plain" / "namespace.yaml").rename(r / "plain" / "ns.yaml"),
    "a new empty directory": lambda r: (r / "apps" / "empty").mkdir(parents=True),
    "a file in an excluded directory": lambda r: write(r / ".hidden" / "x.yaml", "a: 1\n"),
    "a policy file": lambda r: write(r / ".inferops.yaml", "kubernetes_version: '1.31'\n"),
    "a symbolic link": lambda r: (r / "plain" / "link.yaml").symlink_to("namespace.yaml"),
    "a nested repository": lambda r: (r / "plain" / ".git").mkdir(),
}


@needs_kustomize
@pytest.mark.parametrize("edit", EDITS)
def test_any_change_to_the_repository_runs_afresh(repo: Path, runs: Runs, edit: str) -> None:
    runs(".")
    EDITS[edit](repo)
    runs(".")
    assert runs.count == 2


@needs_kustomize
def test_a_changed_base_reports_the_change(repo: Path, runs: Runs) -> None:
    assert "image-tag-latest" not in runs(".")[1]
    EDITS["a base file"](repo)
    code, out = runs(".")
    assert code == 1 and "image-tag-latest" in out and runs.count == 2


@needs_kustomize
@pytest.mark.parametrize("settings", [["--checks", "schema"], ["--kubernetes-version", "1.30"], ["-f", "sarif"],
                                      ["--exclude", "plain/**"], ["plain"], ["--no-strict"]])
def test_other_settings_run_afresh(repo: Path, runs: Runs, settings: list[str]) -> None:
    runs(".")
    runs(*settings) if settings == ["plain"] else runs(".", *settings)
    assert runs.count == 2


@needs_kustomize
def test_another_working_directory_runs_afresh(repo: Path, runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    runs(".")
    monkeypatch.chdir(repo / "plain")
    runs("..")
    assert runs.count == 2


def test_an_edit_in_git_history_keeps_the_report(repo: Path, runs: Runs) -> None:
    runs("plain")
    Repo(repo).index.add(["plain/namespace.yaml"])
    Repo(repo).index.commit("add")
    runs("plain")
    assert runs.count == 1


@pytest.mark.parametrize("case", ["--no-cache", "stdin", "--crd", "outside git", "link out", "cache inside"])
def test_a_run_that_may_read_elsewhere_is_never_kept(repo: Path, runs: Runs, tmp_path: Path, case: str,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["plain"]
    if case == "--no-cache":
        args.append("--no-cache")
    elif case == "stdin":
        monkeypatch.setattr(sys, "stdin", open(repo / "plain" / "namespace.yaml", encoding="utf-8"))  # noqa: SIM115
        args.append("-")
    elif case == "--crd":
        args += ["--crd", str(write(tmp_path / "crds" / "none.yaml", "a: 1\n"))]
    elif case == "outside git":
        shutil.rmtree(repo / ".git")
    elif case == "link out":
        write(tmp_path / "elsewhere.yaml", "a: 1\n")
        (repo / "plain" / "out.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    elif case == "cache inside":
        monkeypatch.setenv("XDG_CACHE_HOME", str(repo / ".cache"))
    before = _entries()
    runs(*args)
    runs(*args)
    assert runs.count == 2 and _entries() == before


@needs_kustomize
def test_a_failed_render_is_never_kept(repo: Path, runs: Runs) -> None:
    write(repo / "overlay" / "kustomization.yaml", "resources: [../base]\npatches: [{path: missing.yaml}]\n")
    assert runs(".")[0] == 1
    runs(".")
    assert runs.count == 2


def test_an_edit_made_while_the_run_reads_is_never_kept(repo: Path, runs: Runs,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    counted = pipeline.run

    def editing(options: pipeline.Options) -> Report:
        report = counted(options)
        write(repo / "plain" / "namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: edited}\n")
        return report

    monkeypatch.setattr(pipeline, "run", editing)
    runs("plain")
    runs("plain")
    assert runs.count == 2


def _entries() -> set[Path]:
    return set(run_cache.default_directory().rglob("*.json"))


@pytest.mark.parametrize("damage", ["truncated", "text changed", "exit code changed", "not an object"])
def test_a_corrupt_or_forged_entry_is_ignored_and_rewritten(repo: Path, runs: Runs, damage: str) -> None:
    before = _entries()
    first = runs("plain")
    (entry,) = _entries() - before
    stored = json.loads(entry.read_text(encoding="utf-8"))
    if damage == "truncated":
        entry.write_text(entry.read_text(encoding="utf-8")[:20], encoding="utf-8")
    elif damage == "text changed":
        entry.write_text(json.dumps({**stored, "text": "✓ all good\n"}), encoding="utf-8")
    elif damage == "exit code changed":
        entry.write_text(json.dumps({**stored, "exit_code": 0 if stored["exit_code"] else 1}), encoding="utf-8")
    else:
        entry.write_text("[1, 2]", encoding="utf-8")
    assert runs("plain") == first and runs.count == 2
    assert json.loads(entry.read_text(encoding="utf-8")) == stored
    assert runs("plain") == first and runs.count == 2


def test_a_deleted_cache_only_costs_a_run(repo: Path, runs: Runs) -> None:
    first = runs("plain")
    shutil.rmtree(run_cache.default_directory())
    assert runs("plain") == first and runs.count == 2


def test_a_later_content_replaces_the_entry_of_the_same_settings(repo: Path, runs: Runs) -> None:
    before = _entries()
    runs("plain")
    EDITS["a new file"](repo)
    runs("plain")
    assert runs.count == 2 and len(_entries() - before) == 1


@needs_kustomize
def test_concurrent_runs_agree_with_a_run_without_cache(repo: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "inferops", "validate", ".", "-f", "json"]
    EDITS["a base file"](repo)
    expected = subprocess.run([*command, "--no-cache"], cwd=repo, env=env, capture_output=True, text=True, check=False)
    workers = [subprocess.Popen(command, cwd=repo, env=env, stdout=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [(w.communicate()[0], w.returncode) for w in workers]
    again = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False)
    assert all(output == (expected.stdout, expected.returncode) for output in outputs)
    assert (again.stdout, again.returncode) == (expected.stdout, expected.returncode) == (again.stdout, 1)


def test_a_large_repository_is_not_hashed(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_cache, "MAX_ENTRIES", 3)
    assert run_cache.scan(repo) is None
    monkeypatch.setattr(run_cache, "MAX_ENTRIES", 100)
    assert run_cache.scan(repo) is not None


def test_a_fifo_in_the_repository_is_never_opened(repo: Path) -> None:
    before = run_cache.scan(repo)
    os.mkfifo(repo / "plain" / "pipe.yaml")
    after = run_cache.scan(repo)
    assert after is not None and after != before
