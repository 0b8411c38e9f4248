"""`inferops fix` touches only regular files of the repository it runs in, and never loses an edit made
while it ran."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_cases import OVERLAY, PLAIN
from fix_helpers import kustomize, overlay_repo, run_cli, write

from inferops.cli import main
from inferops.fix.apply import write as write_fix
from inferops.fix.plan import Refused, plan_files, source_path
from inferops.fix.registry import Run
from inferops.validate.pipeline import Options
from inferops.validate.pipeline import run as validate

MISMATCH = PLAIN[0]  # gpu-request-limit-mismatch


def test_a_symlink_is_never_written_through(repo: Path) -> None:
    write(repo, {"real/deployment.yaml": MISMATCH.before})
    (repo / "link.yaml").symlink_to(repo / "real/deployment.yaml")
    (repo / "linked").symlink_to(repo / "real")
    with pytest.raises(Refused, match="a symbolic link"):
        source_path("link.yaml", repo, repo)
    with pytest.raises(Refused, match="behind the symbolic link linked"):
        source_path("linked/deployment.yaml", repo, repo)
    assert source_path("real/deployment.yaml", repo, repo) == repo / "real/deployment.yaml"


def test_a_symlink_to_a_file_outside_the_repository_is_refused(repo: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "elsewhere", {"deployment.yaml": MISMATCH.before})
    (repo / "deployment.yaml").symlink_to(tmp_path / "elsewhere/deployment.yaml")
    code, out = run_cli(capsys, "fix", "--rule", MISMATCH.rule, "deployment.yaml")
    assert code == 1 and "is outside the repository" in out, out
    assert (tmp_path / "elsewhere/deployment.yaml").read_text() == MISMATCH.before


def test_a_file_outside_the_repository_is_refused(repo: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Run from a repository on a directory outside it (no Git root of its own): nothing is written there."""
    write(tmp_path / "elsewhere", {"deployment.yaml": MISMATCH.before})
    code, out = run_cli(capsys, "fix", "--rule", MISMATCH.rule, "../elsewhere")
    assert code == 1 and "is outside the repository" in out, out
    assert (tmp_path / "elsewhere/deployment.yaml").read_text() == MISMATCH.before


def test_a_file_changed_after_it_was_read_is_left_alone(repo: Path) -> None:
    write(repo, {"deployment.yaml": MISMATCH.before})
    report = validate(Options(paths=["."], cwd=repo))
    planned, _ = plan_files(report.findings, Run(report.objects), repo, repo, {MISMATCH.rule})
    assert len(planned) == 1
    edited = MISMATCH.before + "# a colleague's edit, saved meanwhile\n"
    (repo / "deployment.yaml").write_text(edited)
    with pytest.raises(Refused, match="changed since it was read"):
        write_fix(planned[0])
    assert (repo / "deployment.yaml").read_text() == edited
    assert [p.name for p in repo.iterdir() if p.name != ".git"] == ["deployment.yaml"]  # no temporary file left


def test_the_file_mode_is_kept(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, {"deployment.yaml": MISMATCH.before})
    (repo / "deployment.yaml").chmod(0o640)
    assert run_cli(capsys, "fix", ".")[0] == 0
    assert (repo / "deployment.yaml").stat().st_mode & 0o777 == 0o640


def test_unknown_rule_and_standard_input_are_usage_errors(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fix", "--rule", "gpu-toleration", "."]) == 2
    assert "no mechanical fix for rule gpu-toleration" in capsys.readouterr().err
    assert main(["fix", "-"]) == 2
    assert "standard input cannot be fixed" in capsys.readouterr().err


def test_fixes_in_base_and_overlay_in_one_run(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The base lacks seccomp, the overlay's patch mismatches the GPU request: one run fixes each where it
    was written, kustomize still renders, and nothing fixable is left."""
    overlay_repo(repo, PLAIN[4].before, OVERLAY[0].before)
    assert run_cli(capsys, "fix", ".")[0] == 0
    assert run_cli(capsys, "fix", "--dry-run", ".") == (0, "nothing to fix\n")
    assert "type: RuntimeDefault" in (repo / "base/deployment.yaml").read_text()
    assert "nvidia.com/gpu: 2  # typo" in (repo / "overlays/prod/patch.yaml").read_text()
    assert "RuntimeDefault" in kustomize(repo / "overlays/prod")


def test_json_output_lists_fixed_and_unfixed(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    write(repo, {"deployment.yaml": MISMATCH.before})
    code, out = run_cli(capsys, "fix", "--dry-run", "--format", "json", "--rule", MISMATCH.rule, ".")
    doc = json.loads(out)
    assert code == 1 and doc["dry_run"] is True and doc["unfixed"] == []
    assert doc["diff"] == MISMATCH.diff
    assert [(c["file"], [f["rule_id"] for f in c["fixed"]]) for c in doc["changed"]] == [
        ("deployment.yaml", [MISMATCH.rule])]
    assert (repo / "deployment.yaml").read_text() == MISMATCH.before
