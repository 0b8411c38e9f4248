"""`inferops validate` end to end: arguments, output, colour and exit codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from inferops.cli import main
from inferops.validate.command import use_color

GOOD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  key: value\n"
BAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\ndata:\n  key: [not, a, string]\n"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    (tmp_path / "good.yaml").write_text(GOOD)
    return tmp_path


def test_no_findings_exits_0_and_checks_the_current_directory_by_default(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate"]) == 0
    assert "no findings in 1 file (1 object)" in capsys.readouterr().out


def test_error_findings_exit_1(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "bad.yaml").write_text(BAD)
    assert main(["validate", "good.yaml", "bad.yaml"]) == 1
    out = capsys.readouterr().out
    assert "bad.yaml" in out and "schema-invalid" in out and "\x1b[" not in out


def test_an_unreadable_file_is_reported_exits_2_and_does_not_stop_the_others(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "bad.yaml").write_text(BAD)
    (repo / "latin1.yaml").write_bytes(b"kind: ConfigMap\nname: caf\xe9\n")
    assert main(["validate", "-f", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert {(f["rule_id"], f["file"]) for f in report["findings"]} == {
        ("file-unreadable", "latin1.yaml"), ("schema-invalid", "bad.yaml"),
    }


def test_a_missing_path_exits_2_with_one_line(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "good.yaml", "nope/"]) == 2
    captured = capsys.readouterr()
    assert captured.err == "inferops: error: nope/: no such file or directory\n" and captured.out == ""


def test_a_bad_kubernetes_version_exits_2_before_any_work(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--kubernetes-version", "0.1.0"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("inferops: error: ") and captured.err.count("\n") == 1 and captured.out == ""


def test_the_report_goes_to_the_output_file_in_the_chosen_format(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "bad.yaml").write_text(BAD)
    assert main(["validate", "--format", "sarif", "--output", "results.sarif", "bad.yaml"]) == 1
    assert capsys.readouterr().out == ""
    sarif = json.loads((repo / "results.sarif").read_text())
    [result] = sarif["runs"][0]["results"]
    assert result["ruleId"] == "schema-invalid"


def test_an_unwritable_output_file_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "-o", "no/such/dir/report.txt"]) == 2
    assert capsys.readouterr().err.startswith("inferops: error: no/such/dir/report.txt: cannot write report")


def test_checks_picks_the_families_that_run(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "bad.yaml").write_text(BAD)
    assert main(["validate", "--checks", "render,gpu"]) == 0
    assert main(["validate", "--checks", "schema"]) == 1


def test_color_is_used_only_when_asked_or_on_a_terminal_without_no_color(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "bad.yaml").write_text(BAD)
    assert main(["validate", "--color", "always", "bad.yaml"]) == 1
    assert "\x1b[" in capsys.readouterr().out
    assert use_color("never", to_terminal=True) is False
    assert use_color("auto", to_terminal=False) is False
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    assert use_color("auto", to_terminal=True) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color("auto", to_terminal=True) is False


def test_dash_reads_manifests_from_standard_input(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "inferops", "validate", "-f", "json", "-"],
        input=BAD, capture_output=True, text=True, cwd=tmp_path, check=False,
    )
    assert result.returncode == 1, result.stderr
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["file"], finding["line"], finding["rule_id"]) == ("<stdin>", 6, "schema-invalid")


def test_a_repository_from_inferops_new_validates_clean_from_inside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("inferops.generator.commands", reason="generator not built yet")
    assert main(["new", "--example", "--no-git", "-o", str(tmp_path / "repo")]) == 0
    monkeypatch.chdir(tmp_path / "repo")
    capsys.readouterr()
    code = main(["validate", "-f", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["findings"] == [] and code == 0
    assert report["summary"]["objects"] > 0
