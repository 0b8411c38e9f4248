"""Review of the run cache: cases where a cached answer differs from what a fresh run (``--no-cache``)
prints now, or where a damaged cache entry stops the run."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from git import Repo

from inferops.cli import main
from inferops.validate import run_cache

needs_kustomize = pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None,
                                     reason="needs kustomize or kubectl")

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "xdg"
    monkeypatch.setenv("XDG_CACHE_HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    return home


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    Repo.init(root)
    monkeypatch.chdir(root)
    return root


def validate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["validate", *args])
    return code, capsys.readouterr().out


def _entries() -> list[Path]:
    return sorted(run_cache.default_directory().rglob("*.json"))


@needs_kustomize
def test_enclosing_kustomization_above_the_git_root_is_not_in_the_key(
        repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Scanning the Git root, discovery looks for an enclosing kustomization in the root's *parent* (outside
    the repository) whose resources use the walked files; that file is not part of the key."""
    write(repo / "deploy.yaml", DEPLOYMENT)
    validate(capsys, ".")
    write(tmp_path / "kustomization.yaml", "namePrefix: outer-\nresources: [repo/deploy.yaml]\n")
    fresh = validate(capsys, ".", "--no-cache")
    # before the fix: fresh != first (the outer kustomization renders deploy.yaml) and the cache answered first
    assert validate(capsys, ".") == fresh


def test_a_retargeted_dot_git_symlink_is_not_in_the_key(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``.git`` entries are hashed by presence only, but where repositories start is decided by
    ``(dir / ".git").exists()``, which follows a symlink: retargeting ``app/.git`` from an existing to a
    missing path (a change inside the repository) makes ``app`` stop being a repository of its own."""
    write(repo / "base" / "deployment.yaml", DEPLOYMENT)
    write(repo / "base" / "kustomization.yaml", "resources: [deployment.yaml]\n")
    write(repo / "app" / "kustomization.yaml", "resources: [../base]\n")
    (repo / "app" / ".git").symlink_to("../base")
    validate(capsys, ".")
    (repo / "app" / ".git").unlink()
    (repo / "app" / ".git").symlink_to("../nowhere")
    fresh = validate(capsys, ".", "--no-cache")
    # before the fix: fresh != first (app now renders, its base being inside the repository), cache answered first
    assert validate(capsys, ".") == fresh


def test_a_deeply_nested_entry_is_ignored(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A forged entry ``[[[[...]]]]`` makes ``json.loads`` raise RecursionError, which ``get`` does not catch."""
    write(repo / "deploy.yaml", DEPLOYMENT)
    first = validate(capsys, ".")
    (entry,) = _entries()
    entry.write_text("[" * 200_000, encoding="utf-8")
    assert validate(capsys, ".") == first


def test_a_fifo_as_entry_does_not_hang(repo: Path, tmp_path: Path) -> None:
    """``get`` opens the entry with a blocking ``read_bytes``: a FIFO in its place stops the run forever."""
    write(repo / "deploy.yaml", DEPLOYMENT)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "NO_COLOR": "1",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}  # this checkout's code, not the installed one
    command = [sys.executable, "-m", "inferops", "validate", "."]
    first = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=120)
    (entry,) = _entries()
    entry.unlink()
    os.mkfifo(entry)
    try:
        again = subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, check=False, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("the run blocked opening a FIFO in the run cache")
    assert (again.stdout, again.returncode) == (first.stdout, first.returncode)


CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n"


def test_a_symlink_into_dot_git_reads_unkeyed_content(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A link inside the repository to a file under ``.git`` passes the digest's "inside" test and is hashed
    by its target text; discovery reads the file through it, but ``.git`` content is never hashed."""
    write(repo / ".git" / "extra.yaml", CONFIGMAP)
    (repo / "settings.yaml").symlink_to(".git/extra.yaml")
    validate(capsys, ".")
    write(repo / ".git" / "extra.yaml", DEPLOYMENT)
    fresh = validate(capsys, ".", "--no-cache")
    # before the fix: fresh != first, and the cache answered first
    assert validate(capsys, ".") == fresh


def test_an_argo_cd_path_into_dot_git_reads_unkeyed_content(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An Application whose ``spec.source.path`` names a directory under ``.git`` makes discovery walk it
    (deployed paths are checked although excluded); nothing under ``.git`` is in the key."""
    write(repo / ".git" / "manifests" / "cm.yaml", CONFIGMAP)
    write(repo / "app.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a, namespace: argocd}\n"
          "spec:\n  project: default\n  destination: {server: 'https://kubernetes.default.svc', namespace: x}\n"
          "  source: {repoURL: 'https://example.com/r.git', path: .git/manifests}\n")
    validate(capsys, ".")
    write(repo / ".git" / "manifests" / "cm.yaml", DEPLOYMENT)
    fresh = validate(capsys, ".", "--no-cache")
    # before the fix: fresh != first, and the cache answered first
    assert validate(capsys, ".") == fresh


def test_a_retargeted_symlink_to_the_repository_is_not_in_the_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The key holds the paths as given and the content relative to the Git root, not where the root is:
    ``inferops validate /x/current`` with ``current`` switched between two checkouts of the same content
    answers with the first checkout's absolute paths."""
    for name in ("blue", "green"):
        Repo.init(tmp_path / name)
        write(tmp_path / name / "deploy.yaml", DEPLOYMENT)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    current = tmp_path / "current"
    current.symlink_to("blue")
    first = validate(capsys, str(current))
    assert str(tmp_path / "blue") in first[1]
    current.unlink()
    current.symlink_to("green")
    fresh = validate(capsys, str(current), "--no-cache")
    assert str(tmp_path / "green") in fresh[1]
    assert validate(capsys, str(current)) == fresh


def test_an_edit_undone_before_the_run_ends_is_never_kept(
        repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``put`` compares the digest after the run with the one before it: a file changed while the run reads
    and changed back before it ends (a ``git stash`` / ``stash pop``, an editor's save and undo) passes, and
    the report of the intermediate content is kept as the report of the original content."""
    import inferops.validate.pipeline as pipeline

    write(repo / "cm.yaml", CONFIGMAP)
    real = pipeline.run

    def edited_meanwhile(options: pipeline.Options):  # type: ignore[no-untyped-def]
        write(repo / "cm.yaml", DEPLOYMENT)
        try:
            return real(options)
        finally:
            write(repo / "cm.yaml", CONFIGMAP)

    monkeypatch.setattr(pipeline, "run", edited_meanwhile)
    validate(capsys, ".")
    monkeypatch.setattr(pipeline, "run", real)
    fresh = validate(capsys, ".", "--no-cache")
    assert validate(capsys, ".") == fresh
