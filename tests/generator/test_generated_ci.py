"""The generated CI workflow passes actionlint and zizmor; the pre-commit config is valid pre-commit."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml


def tool(name: str) -> str:
    """A linter from the test environment (the venv's bin directory first, then PATH)."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (scripts/install-dev.sh installs it)")
    return found


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from inferops.cli import main

    out = tmp_path_factory.mktemp("ci") / "repo"
    assert main(["new", "--example", "--output", str(out)]) == 0
    return out


def test_workflow_passes_actionlint(repo: Path) -> None:
    done = subprocess.run([tool("actionlint"), ".github/workflows/validate.yml"], cwd=repo,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_and_hooks_pass_zizmor(repo: Path) -> None:
    done = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "."], cwd=repo, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_workflow_is_least_privilege(repo: Path) -> None:
    workflow = yaml.safe_load((repo / ".github/workflows/validate.yml").read_text())
    assert workflow["permissions"] == {}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    checkout, validate = job["steps"]
    assert checkout["with"]["persist-credentials"] is False
    assert validate["uses"] == "inferops/inferops@v0.1.0"


def test_pre_commit_config_is_valid_and_runs_the_hook(repo: Path) -> None:
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    assert config["repos"] == [{"repo": "https://github.com/inferops/inferops", "rev": "v0.1.0",
                                "hooks": [{"id": "inferops-validate"}]}]
    done = subprocess.run([tool("pre-commit"), "validate-config", ".pre-commit-config.yaml"], cwd=repo,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_readme_documents_the_layout_and_bootstrap(repo: Path) -> None:
    readme = (repo / "README.md").read_text()
    for text in ("apps/<model>/base/", "apps/<model>/overlays/<env>/", "argocd/<env>/root.yaml",
                 "kubectl apply -n argocd -f argocd/prod/", "git tag v0.1.0", "`llama-3-1-8b`"):
        assert text in readme
