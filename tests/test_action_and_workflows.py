"""The GitHub Action (action.yml) and the workflows — this project's CI and the one `inferops new` writes —
pass actionlint and zizmor, pin every action by commit SHA, and the action's validate step passes its
inputs to `inferops validate` as intended."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
ACTION = ROOT / "action.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
README_TEST_COMMAND = "bash scripts/install-dev.sh && python -m pytest -n 2 -q"


def tool(name: str) -> str:
    """A linter binary from PATH or beside this Python; missing fails under CI=true and skips elsewhere."""
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found:
        return found
    message = f"{name} not found (bash scripts/install-dev.sh installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def lint(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def steps_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in doc:
        return list(doc["runs"]["steps"])
    return [step for job in doc["jobs"].values() for step in job.get("steps", [])]


def assert_pinned_with_version_comment(path: Path, *, except_owner: str | None = None) -> None:
    text = path.read_text(encoding="utf-8")
    for step in steps_of(load(path)):
        if "uses" in step and not step["uses"].startswith("./"):
            if except_owner and step["uses"].startswith(f"{except_owner}/"):
                continue
            assert PINNED.match(step["uses"]), f"{path.name}: {step['uses']} is not pinned to a commit SHA"
            assert re.search(rf"{re.escape(step['uses'])} # v\d", text), f"{path.name}: {step['uses']} lacks a # vX comment"


def test_this_project_has_a_ci_workflow() -> None:
    assert [w.name for w in WORKFLOWS] == ["ci.yml"]


def test_workflows_pass_actionlint() -> None:
    lint(tool("actionlint"), *map(str, WORKFLOWS))


def test_workflows_and_action_pass_zizmor() -> None:
    lint(tool("zizmor"), "--offline", "--no-progress", str(ROOT / ".github" / "workflows"), str(ACTION))


def test_action_matches_the_github_action_schema() -> None:
    lint(sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions", str(ACTION))


def test_action_is_composite_with_documented_inputs() -> None:
    action = load(ACTION)
    assert action["runs"]["using"] == "composite"
    inputs = action["inputs"]
    assert {"paths", "policy", "format", "kubernetes-version", "sarif-file", "python-version"} <= set(inputs)
    assert (inputs["paths"]["default"], inputs["format"]["default"], inputs["sarif-file"]["default"]) == (
        ".", "github", "inferops.sarif")
    assert all(inputs[name]["description"] for name in inputs)
    for step in steps_of(action):
        if "run" in step:
            assert step["shell"] == "bash"
            assert "${{" not in step["run"], f"step {step['name']!r} expands an expression inside run: (use env:)"


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_actions_are_pinned_by_sha_with_version_comment(path: Path) -> None:
    assert_pinned_with_version_comment(path)


def test_ci_runs_the_readme_test_command_with_least_privilege() -> None:
    ci = load(ROOT / ".github" / "workflows" / "ci.yml")
    assert README_TEST_COMMAND in (ROOT / "README.md").read_text(encoding="utf-8")
    runs = [step.get("run", "") for step in steps_of(ci)]
    assert README_TEST_COMMAND in runs
    assert ci["permissions"] == {}
    assert all(job["permissions"] == {"contents": "read"} for job in ci["jobs"].values())
    checkout = next(s for s in steps_of(ci) if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["persist-credentials"] is False


# --- the action's validate step, run with bash as the runner runs it, against the real inferops ---

def run_validate_step(workspace: Path, tmp: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the action's ``Validate`` step script with ``inputs`` (defaults from action.yml) in ``workspace``."""
    action = load(ACTION)
    step = next(s for s in steps_of(action) if s.get("id") == "validate")
    runner_temp = tmp / "runner-temp"
    (runner_temp / "inferops-venv" / "bin").mkdir(parents=True)
    inferops = shutil.which("inferops", path=str(Path(sys.executable).parent)) or shutil.which("inferops")
    assert inferops, "the inferops console script is installed with the project"
    (runner_temp / "inferops-venv" / "bin" / "inferops").symlink_to(inferops)
    script = tmp / "validate-step.sh"
    script.write_text(step["run"], encoding="utf-8")
    output = tmp / "github-output"
    output.touch()
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update({name.replace("_", "-"): value for name, value in inputs.items()})
    env = {**os.environ, "RUNNER_TEMP": str(runner_temp), "GITHUB_OUTPUT": str(output), "NO_COLOR": "1"}
    for name, expression in step["env"].items():
        match = re.fullmatch(r"\$\{\{ inputs\.([\w-]+) \}\}", expression)
        assert match, f"env {name} should pass one input through"
        env[name] = values[match.group(1)]
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=workspace,
                            env=env, capture_output=True, text=True, check=False)
    return result, output


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: demo
  labels: {app.kubernetes.io/name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: web
          image: registry.example.com/web:1.2.3
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {drop: [ALL]}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {memory: 128Mi}
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = tmp_path / "workspace"
    (ws / "good").mkdir(parents=True)
    (ws / "bad").mkdir()
    (ws / "good" / "deployment.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    (ws / "bad" / "deployment.yaml").write_text(DEPLOYMENT.replace("spec:\n  selector", "spec:\n  replicaz: 1\n  selector"),
                                                 encoding="utf-8")
    return ws


def test_validate_step_annotates_findings_of_every_path(workspace: Path, tmp_path: Path) -> None:
    result, _ = run_validate_step(workspace, tmp_path, paths="good\n bad")
    assert result.returncode == 1, result.stderr
    assert re.search(r"^::error file=bad/deployment.yaml,line=\d+,title=schema-invalid::", result.stdout, re.M)
    assert "in 2 files (2 objects)" in result.stdout


def test_validate_step_writes_sarif_and_sets_the_output(workspace: Path, tmp_path: Path) -> None:
    result, output = run_validate_step(workspace, tmp_path, paths="bad", format="sarif", sarif_file="out.sarif")
    assert result.returncode == 1, result.stderr
    sarif = json.loads((workspace / "out.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["schema-invalid"]
    assert output.read_text(encoding="utf-8") == "sarif-file=out.sarif\n"


def test_validate_step_passes_a_clean_tree(workspace: Path, tmp_path: Path) -> None:
    result, output = run_validate_step(workspace, tmp_path, paths="good")
    assert result.returncode == 0, result.stdout + result.stderr
    assert output.read_text(encoding="utf-8") == ""


def test_validate_step_rejects_an_unknown_format(workspace: Path, tmp_path: Path) -> None:
    result, _ = run_validate_step(workspace, tmp_path, format="junit")
    assert result.returncode == 2
    assert "::error title=inferops::the format input must be github or sarif" in result.stdout


# --- the workflow the generator writes into new repositories ---

@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "repo"
    result = subprocess.run([sys.executable, "-m", "inferops", "new", "--example", "--no-git", "--output", str(out)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return out


def test_generated_workflows_pass_actionlint_and_zizmor(generated: Path) -> None:
    """zizmor audits the whole generated repository, with the zizmor settings it ships, as its owner would."""
    workflows = sorted((generated / ".github" / "workflows").glob("*.y*ml"))
    assert workflows, "inferops new writes a CI workflow"
    lint(tool("actionlint"), *map(str, workflows))
    lint(tool("zizmor"), "--offline", "--no-progress", str(generated))
    for workflow in workflows:
        # inferops' own action is referenced by release tag (the generated zizmor.yml allows exactly that)
        assert_pinned_with_version_comment(workflow, except_owner="inferops")
