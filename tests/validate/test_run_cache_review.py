"""The run cache against an adversarial review: each case here once made a cached answer differ from what a
fresh run (``--no-cache``) prints now, or a damaged cache entry stop the run; each must answer as a fresh run."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from git import Repo
from repo_helpers import DEPLOYMENT, needs_kustomize, write

from inferops.cli import main
from inferops.validate import run_cache


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


def test_an_argo_cd_path_through_a_link_outside_the_repository_is_not_in_the_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Argo CD paths are also tried relative to the working directory, which may lie outside the repository;
    the target is resolved, so a symbolic link there (not in the key) decides whether an excluded directory
    of the repository is deployed, and so checked."""
    repo = tmp_path / "repo"
    Repo.init(repo)
    write(repo / ".hidden" / "deploy.yaml", DEPLOYMENT)
    write(repo / "app.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a, namespace: argocd}\n"
          "spec:\n  project: default\n  destination: {server: 'https://kubernetes.default.svc', namespace: x}\n"
          "  source: {repoURL: 'https://example.com/r.git', path: alias}\n")
    work = tmp_path / "work"
    work.mkdir()
    (work / "alias").symlink_to("../repo/.hidden")
    monkeypatch.chdir(work)
    validate(capsys, "../repo")
    (work / "alias").unlink()
    fresh = validate(capsys, "../repo", "--no-cache")
    # before a fix: fresh differs (.hidden is no longer deployed, so not checked) and the cache answered the first
    assert validate(capsys, "../repo") == fresh


def test_an_unrendered_kustomizations_resource_under_dot_git_is_not_in_the_key(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A kustomization that is not rendered (here: ``helmCharts``) has its plain resource files checked
    instead; one under ``.git`` is read, but nothing under ``.git`` is in the key (no render ran, so nothing
    marks the run as not reusable)."""
    write(repo / ".git" / "cm.yaml", CONFIGMAP)
    write(repo / "kustomization.yaml", "resources: [.git/cm.yaml]\nhelmCharts: [{name: x, repo: 'https://example.com'}]\n")
    validate(capsys, ".")
    write(repo / ".git" / "cm.yaml", DEPLOYMENT)
    fresh = validate(capsys, ".", "--no-cache")
    assert validate(capsys, ".") == fresh


def test_a_path_named_under_dot_git_is_not_in_the_key(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A path given on the command line inside ``.git`` is inside the Git root, so the run is cached, keyed
    by a digest that never reads ``.git``."""
    write(repo / ".git" / "cm.yaml", CONFIGMAP)
    validate(capsys, ".git/cm.yaml")
    write(repo / ".git" / "cm.yaml", DEPLOYMENT)
    fresh = validate(capsys, ".git/cm.yaml", "--no-cache")
    assert validate(capsys, ".git/cm.yaml") == fresh


def test_a_policy_outside_the_repository_edited_while_the_run_reads_is_never_kept(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The settings (here ``--policy`` outside the repository) are read for the key before the run, which reads
    the policy again; ``put`` re-checks only the repository, so the report of the new policy is stored under
    the key of the old one, and answers once the old policy is back."""
    import inferops.validate.pipeline as pipeline

    write(repo / "deploy.yaml", DEPLOYMENT)
    policy = write(tmp_path / "policy.yaml", "version: 1\n")
    real = pipeline.run

    def edited_meanwhile(options: pipeline.Options):  # type: ignore[no-untyped-def]
        write(policy, "version: 1\nrequired_labels: []\n")
        return real(options)

    monkeypatch.setattr(pipeline, "run", edited_meanwhile)
    validate(capsys, ".", "--policy", str(policy))
    monkeypatch.setattr(pipeline, "run", real)
    write(policy, "version: 1\n")
    fresh = validate(capsys, ".", "--policy", str(policy), "--no-cache")
    assert validate(capsys, ".", "--policy", str(policy)) == fresh


def test_the_size_bound_counts_every_entry(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """MAX_ENTRIES bounds the cost of hashing with every entry, not only regular files: a change adding a
    million symbolic links (each resolved with ``realpath``) or directories is not hashed on every run."""
    for n in range(20):
        (repo / f"link{n}").symlink_to(".")
        (repo / f"dir{n}").mkdir()
    monkeypatch.setattr(run_cache, "MAX_ENTRIES", 10)
    assert run_cache.scan(repo) is None


def test_a_link_resolving_through_a_link_outside_the_repository_is_not_in_the_key(
        repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A link is hashed by its target text and accepted when it resolves inside the repository; resolving
    through a link outside it, the file it reaches changes when that outside link does."""
    write(repo / "x" / "cm.yaml", CONFIGMAP)
    write(repo / "y" / "cm.yaml", DEPLOYMENT)
    (tmp_path / "hop").symlink_to(repo / "x" / "cm.yaml")
    (repo / "app.yaml").symlink_to("../hop")
    validate(capsys, ".")
    (tmp_path / "hop").unlink()
    (tmp_path / "hop").symlink_to(repo / "y" / "cm.yaml")
    fresh = validate(capsys, ".", "--no-cache")
    assert validate(capsys, ".") == fresh
