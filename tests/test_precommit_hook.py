"""The `inferops-validate` pre-commit hook, run by the real pre-commit framework (`pre-commit try-repo`) on a
repository made by `inferops new --example`: it passes as generated and fails after a bad edit.

try-repo installs the hook from the *committed* HEAD of a repository (``pip install .`` into pre-commit's
own virtualenv, dependencies from the package registry), so the test commits a copy of this checkout —
tracked files plus new, not-ignored ones — into a temporary Git repository first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from git import Actor, InvalidGitRepositoryError, Repo

ROOT = Path(__file__).resolve().parent.parent
HOOK_ID = "inferops-validate"
IDENTITY = {
    "GIT_AUTHOR_NAME": "inferops tests", "GIT_AUTHOR_EMAIL": "tests@inferops.invalid",
    "GIT_COMMITTER_NAME": "inferops tests", "GIT_COMMITTER_EMAIL": "tests@inferops.invalid",
}

pytestmark = pytest.mark.slow


def test_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == HOOK_ID)
    assert hook["entry"] == "inferops validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["require_serial"] is True
    assert hook["files"] == r"\.(ya?ml|json)$"


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Git repository holding this checkout's files in one commit."""
    try:
        source = Repo(ROOT)
    except InvalidGitRepositoryError:
        pytest.skip("the project is not a Git checkout")
    files = source.git.ls_files("-z", "--cached", "--others", "--exclude-standard").split("\0")
    dest = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    repo = Repo.init(dest)
    repo.git.add(all=True)
    who = Actor("inferops tests", "tests@inferops.invalid")
    repo.index.commit("hook under test", author=who, committer=who)
    return dest


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache per test session, so the hook's virtualenv is built once and ~/.cache stays clean."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    out = tmp_path / "gitops"
    env = {**os.environ, **IDENTITY}
    result = subprocess.run([sys.executable, "-m", "inferops", "new", "--example", "--output", str(out)],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    repo = Repo(out) if (out / ".git").exists() else Repo.init(out)
    repo.git.add(all=True)  # --all-files runs the hook when any tracked file matches `files`
    return out


def try_repo(repo: Path, hook_repo: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **IDENTITY, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), HOOK_ID, "--all-files", "--color", "never"],
        cwd=repo, capture_output=True, text=True, env=env, check=False,
    )


def add_unknown_field_to_a_deployment(repo: Path) -> Path:
    for path in sorted(repo.rglob("*.yaml")):
        if ".git" in path.parts:
            continue
        docs = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") == "Deployment" and "template" in doc.get("spec", {}):
                doc["spec"]["replicaz"] = 2
                path.write_text(yaml.safe_dump_all(docs, sort_keys=False), encoding="utf-8")
                return path
    raise AssertionError("the example repository has a Deployment")


def test_hook_passes_on_a_generated_repository_and_fails_after_a_bad_edit(
    generated: Path, hook_repo: Path, pre_commit_home: Path
) -> None:
    clean = try_repo(generated, hook_repo, pre_commit_home)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "inferops validate" in clean.stdout and "Passed" in clean.stdout

    edited = add_unknown_field_to_a_deployment(generated)
    broken = try_repo(generated, hook_repo, pre_commit_home)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert "Failed" in broken.stdout
    assert "schema-invalid" in broken.stdout
    assert edited.relative_to(generated).as_posix() in broken.stdout
