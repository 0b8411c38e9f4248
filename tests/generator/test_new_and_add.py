"""`inferops new` writes a Git repository with one commit; `inferops add` changes only what it must and never
overwrites a hand edit without --force."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from conftest import SPECS, kustomize, run_cli

MISTRAL = """\
name: mistral-7b
model: mistralai/Mistral-7B-Instruct-v0.3
runtime: tgi
gpu: {count: 1, product: NVIDIA-A100-SXM4-40GB}
"""


def snapshot(repo: Path) -> dict[str, bytes]:
    return {p.relative_to(repo).as_posix(): p.read_bytes() for p in sorted(repo.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(repo).parts}


@pytest.fixture
def repo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    out = tmp_path / "llm-gitops"
    code, _, err = run_cli(capsys, "new", str(SPECS / "one-gpu.yaml"), "--output", str(out))
    assert code == 0, err
    return out


def test_new_writes_a_git_repository_with_one_commit_on_main(tmp_path: Path, capsys) -> None:
    out = tmp_path / "llm-gitops"
    code, stdout, _ = run_cli(capsys, "new", str(SPECS / "one-gpu.yaml"), "--output", str(out))
    assert code == 0
    r = git.Repo(out)
    assert r.active_branch.name == "main"
    commits = list(r.iter_commits())
    assert len(commits) == 1
    assert commits[0].message.startswith("Generate GitOps repository for llama-3-8b")
    assert not r.is_dirty(untracked_files=True)
    assert set(r.git.ls_files().splitlines()) == set(snapshot(out))
    # a short tree of what was written, then the next steps
    assert "├── apps/" in stdout and "base/ (5 files)" in stdout
    assert "git remote add origin" in stdout and "git push -u origin main" in stdout
    assert "kubectl apply -n argocd -f argocd/prod/" in stdout


def test_new_with_no_git_writes_files_only(tmp_path: Path, capsys) -> None:
    out = tmp_path / "plain"
    code, stdout, _ = run_cli(capsys, "new", "--example", "--output", str(out), "--no-git")
    assert code == 0
    assert not (out / ".git").exists()
    assert (out / "argocd/prod/root.yaml").is_file() and "git init -b main" in stdout


def test_new_refuses_a_non_empty_directory(tmp_path: Path, capsys) -> None:
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = run_cli(capsys, "new", "--example", "--output", str(out))
    assert code == 2
    assert err.startswith(f"inferops: error: {out}: directory is not empty")
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_new_fills_an_empty_directory(tmp_path: Path, capsys) -> None:
    out = tmp_path / "empty"
    out.mkdir()
    assert run_cli(capsys, "new", "--example", "--output", str(out), "--no-git")[0] == 0
    assert (out / "README.md").is_file()


def test_new_dry_run_writes_nothing(tmp_path: Path, capsys) -> None:
    out = tmp_path / "dry"
    code, stdout, _ = run_cli(capsys, "new", "--example", "--output", str(out), "--dry-run")
    assert code == 0
    assert not out.exists()
    assert "would create" in stdout and "apps/" in stdout
    assert [p.name for p in tmp_path.iterdir()] == []


@pytest.mark.parametrize("argv", [["new", "--output", "x"], ["new", "spec.yaml", "--example", "--output", "x"]],
                         ids=["no-spec", "spec-and-example"])
def test_new_needs_exactly_one_spec(argv: list[str], capsys) -> None:
    code, _, err = run_cli(capsys, *argv)
    assert code == 2 and "spec" in err


def test_new_with_a_bad_spec_writes_nothing(tmp_path: Path, write_spec, capsys) -> None:
    spec = write_spec("name: ../x\nmodel: org/m\n")
    code, _, err = run_cli(capsys, "new", str(spec), "--output", str(tmp_path / "out"))
    assert code == 2
    assert err.startswith(f"inferops: error: {spec}:1: name:")
    assert not (tmp_path / "out").exists()


def test_add_with_the_same_spec_changes_nothing(repo: Path, capsys) -> None:
    before = snapshot(repo)
    code, stdout, _ = run_cli(capsys, "add", str(SPECS / "one-gpu.yaml"), "--repo", str(repo))
    assert code == 0 and "up to date" in stdout
    assert snapshot(repo) == before
    assert not git.Repo(repo).is_dirty(untracked_files=True)


def test_add_a_model_touches_only_what_it_must(repo: Path, write_spec, capsys) -> None:
    code, stdout, _ = run_cli(capsys, "add", str(write_spec(MISTRAL)), "--repo", str(repo))
    assert code == 0
    r = git.Repo(repo)
    changed = {d.a_path for d in r.index.diff(None)}
    assert changed == {
        ".inferops.yaml", ".inferops/state.json", "README.md",
        *(f"platform/{e}/{f}" for e in ("dev", "staging", "prod") for f in ("resourcequota.yaml", "networkpolicies.yaml")),
    }
    created = set(r.untracked_files)
    assert "apps/mistral-7b/base/deployment.yaml" in created and "argocd/prod/apps/mistral-7b.yaml" in created
    assert all(p.startswith(("apps/mistral-7b/", "argocd/")) for p in created)
    assert "create   apps/mistral-7b/base/deployment.yaml" in stdout
    assert "text-generation-launcher" in kustomize(repo / "apps/mistral-7b/overlays/prod")
    # both models are now part of the repository: adding either again changes nothing
    before = snapshot(repo)
    assert run_cli(capsys, "add", str(SPECS / "one-gpu.yaml"), "--repo", str(repo))[0] == 0
    assert snapshot(repo) == before


def test_add_an_environment(repo: Path, write_spec, capsys) -> None:
    spec = (SPECS / "one-gpu.yaml").read_text() + "environments: [dev, qa, staging, prod]\n"
    code, stdout, _ = run_cli(capsys, "add", str(write_spec(spec)), "--repo", str(repo))
    assert code == 0
    assert "llm-qa" in kustomize(repo / "apps/llama-3-8b/overlays/qa")
    assert "gpu_budget" in (repo / ".inferops.yaml").read_text().split("qa:")[1]
    assert "kubectl apply -n argocd -f argocd/qa/" in stdout


def test_new_into_a_path_below_a_file_is_one_line(tmp_path: Path, capsys) -> None:
    (tmp_path / "file").write_text("x")
    code, _, err = run_cli(capsys, "new", "--example", "--output", str(tmp_path / "file" / "repo"))
    assert code == 2 and err.count("\n") == 1


def test_new_into_a_path_below_a_file_refuses_in_dry_run_too(tmp_path: Path, capsys) -> None:
    (tmp_path / "file").write_text("x")
    code, _, err = run_cli(capsys, "new", "--example", "--dry-run", "--output", str(tmp_path / "file" / "a" / "b"))
    assert code == 2 and err.count("\n") == 1 and "is a file" in err


@pytest.mark.parametrize("points_at", ["empty-dir", "missing"])
def test_new_into_a_symbolic_link_is_one_line_and_writes_nothing(tmp_path: Path, capsys, points_at: str) -> None:
    target = tmp_path / points_at
    if points_at == "empty-dir":
        target.mkdir()
    (tmp_path / "link").symlink_to(target)
    code, _, err = run_cli(capsys, "new", "--example", "--no-git", "--output", str(tmp_path / "link"))
    assert code == 2 and err.count("\n") == 1 and "symbolic link" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["link", *(["empty-dir"] if target.exists() else [])])
    assert not target.exists() or not any(target.iterdir())


def test_add_keeps_a_hand_edit_the_generator_has_nothing_new_for(repo: Path, write_spec, capsys) -> None:
    edited = repo / "apps/llama-3-8b/base/service.yaml"
    edited.write_text(edited.read_text() + "# reviewed by ops\n")
    code, stdout, _ = run_cli(capsys, "add", str(write_spec(MISTRAL)), "--repo", str(repo))
    assert code == 0
    assert edited.read_text().endswith("# reviewed by ops\n")


def test_add_refuses_to_overwrite_a_hand_edit_without_force(repo: Path, write_spec, capsys) -> None:
    edited = repo / "apps/llama-3-8b/base/deployment.yaml"
    edited.write_text(edited.read_text().replace("terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 90"))
    before = snapshot(repo)
    bigger = (SPECS / "one-gpu.yaml").read_text().replace("{count: 1}", "{count: 2}")
    spec = write_spec(bigger)

    code, _, err = run_cli(capsys, "add", str(spec), "--repo", str(repo))
    assert code == 1
    assert "apps/llama-3-8b/base/deployment.yaml" in err and "--force" in err
    assert err.count("\n") == 1
    assert snapshot(repo) == before  # nothing at all was written

    code, stdout, _ = run_cli(capsys, "add", str(spec), "--repo", str(repo), "--force")
    assert code == 0 and "overwritten (--force)" in stdout
    text = edited.read_text()
    assert "terminationGracePeriodSeconds: 60" in text and '"--tensor-parallel-size=2"' in text


def test_add_dry_run_prints_the_plan_and_writes_nothing(repo: Path, write_spec, capsys) -> None:
    before = snapshot(repo)
    code, stdout, _ = run_cli(capsys, "add", str(write_spec(MISTRAL)), "--repo", str(repo), "--dry-run")
    assert code == 0
    assert snapshot(repo) == before
    assert "create   apps/mistral-7b/base/deployment.yaml" in stdout
    assert "update   .inferops.yaml" in stdout and "unchanged" in stdout


def test_add_dry_run_shows_conflicts(repo: Path, write_spec, capsys) -> None:
    policy = repo / ".inferops.yaml"
    policy.write_text(policy.read_text() + "# tuned\n")
    code, stdout, _ = run_cli(capsys, "add", str(write_spec(MISTRAL)), "--repo", str(repo), "--dry-run")
    assert code == 1
    assert "conflict .inferops.yaml  (edited since it was generated)" in stdout


def test_add_on_a_directory_new_did_not_make_is_refused(tmp_path: Path, capsys) -> None:
    code, _, err = run_cli(capsys, "add", str(SPECS / "one-gpu.yaml"), "--repo", str(tmp_path))
    assert code == 2 and "not a repository made by `inferops new`" in err


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        (lambda doc: "{not json", "unreadable generator state"),
        (lambda doc: doc.replace('"version": 1', '"version": "1"'), "version"),
        (lambda doc: doc.replace('"files": {', '"files": {"../../escaped": "0", '), "not a path inside the repository"),
        (lambda doc: doc.replace('"files": {', '"files": {"/abs/escaped": "0", '), "not a path inside the repository"),
    ],
    ids=["invalid-json", "wrong-type", "relative-escape", "absolute-path"],
)
def test_add_with_a_tampered_state_file_is_one_line_and_writes_nothing(repo: Path, write_spec, capsys, tamper,
                                                                       words: str) -> None:
    state = repo / ".inferops/state.json"
    state.write_text(tamper(state.read_text()))
    before = snapshot(repo)
    code, _, err = run_cli(capsys, "add", str(write_spec(MISTRAL)), "--repo", str(repo))
    assert code == 2 and err.count("\n") == 1
    assert f"{state}: " in err and words in err
    assert snapshot(repo) == before


def test_add_whose_environment_is_too_long_for_the_repository_namespace_is_one_line(tmp_path: Path, write_spec,
                                                                                   capsys) -> None:
    out = tmp_path / "repo"
    code, _, err = run_cli(capsys, "new", str(write_spec(MISTRAL + "namespace: " + "n" * 40 + "\n")), "--output",
                           str(out), "--no-git")
    assert code == 0, err
    before = snapshot(out)
    spec = write_spec("name: b\nmodel: org/b\nenvironments: [a-very-long-env-name]\n")
    code, _, err = run_cli(capsys, "add", str(spec), "--repo", str(out))
    assert code == 2 and err.count("\n") == 1
    assert f"{spec}: cannot be added to {out}" in err and "63 characters" in err
    assert snapshot(out) == before


def test_add_that_cannot_write_one_file_restores_the_ones_it_wrote(repo: Path, write_spec, capsys) -> None:
    (repo / "apps" / "mistral-7b").write_text("a file where the new model's directory must go\n")
    before = snapshot(repo)
    code, _, err = run_cli(capsys, "add", str(write_spec(MISTRAL)), "--repo", str(repo))
    assert code == 2 and err.count("\n") == 1 and "nothing was changed" in err
    assert snapshot(repo) == before  # .inferops.yaml and README.md were written before the failure


def test_add_refuses_to_write_through_a_symlink_out_of_the_repository(repo: Path, tmp_path: Path, write_spec,
                                                                      capsys) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "apps" / "mistral-7b").symlink_to(outside, target_is_directory=True)
    code, _, err = run_cli(capsys, "add", str(write_spec(MISTRAL)), "--repo", str(repo))
    assert code == 2 and "outside the repository" in err
    assert list(outside.iterdir()) == []


def test_new_refuses_a_generated_argocd_object_that_would_not_sync(tmp_path: Path, capsys,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The self-check covers the Argo CD objects too: a render whose prod Application points at a directory
    that does not exist (a blueprint bug) is refused, and nothing is created."""
    from inferops.generator import commands

    real_render = commands.render

    def render_with_a_typo(spec, directory: Path):  # noqa: ANN001, ANN202  (the real render's signature)
        files = real_render(spec, directory)
        app = next(directory.rglob("argocd/prod/apps/*.yaml"))
        app.write_text(app.read_text().replace("/overlays/prod", "/overlay/prod"))
        return files

    monkeypatch.setattr(commands, "render", render_with_a_typo)
    out = tmp_path / "llm-gitops"
    code, _, err = run_cli(capsys, "new", str(SPECS / "one-gpu.yaml"), "--output", str(out))
    assert code == 2 and "[argocd-path-missing]" in err and err.count("\n") == 1, err
    assert not out.exists()
