"""Issue 8, item 4: nothing a pull request names can inject a workflow command or a terminal escape.

A file name (or key, or message) holding a newline and ``::set-output``, the legacy ``##[...]`` form,
or an ANSI escape is printed as inert, visible text; the only commands in ``--format github`` output
are our own annotations, one per finding.
"""

import re
from pathlib import Path

import pytest

from inferops.cli import main
from inferops.validate.findings import Finding, Severity
from inferops.validate.report import Report
from inferops.validate.reporters import FORMATS, render

NAME = "x\n::set-output name=pwned::1\n  ::add-mask::y ##[error]legacy \x1b[2J\u202e.yaml"


def runner_commands(output: str) -> list[str]:
    """The command names the GitHub runner would execute, parsed by its rules (actions/runner
    ActionCommand.cs: ``::name ...::`` after leading blanks, else ``##[name ...]`` anywhere)."""
    commands = []
    for line in output.split("\n"):
        modern = re.match(r"::([^ :]+)[^\n]*?::", line.lstrip())
        legacy = re.search(r"##\[([^ \]]+)", line)
        if modern or legacy:
            commands.append((modern or legacy).group(1))  # type: ignore[union-attr]
    return commands


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A change adding a YAML error and a non-manifest (listed in a note), both under hostile names."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / NAME).write_text("kind: [\n")
    (tmp_path / ("notes-" + NAME)).write_text("just: data\n")
    return tmp_path


def test_github_format_prints_no_command_but_its_annotations(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--format", "github", "."]) == 1
    out = capsys.readouterr().out
    assert runner_commands(out) == ["error"]
    assert "pwned" in out  # the name is still shown, escaped
    assert "\x1b" not in out and "\u202e" not in out


def test_text_format_prints_no_command_and_no_escape_sequence(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--format", "text", "--color", "never", "."]) == 1
    out = capsys.readouterr().out
    assert runner_commands(out) == []
    assert "\x1b" not in out and "\u202e" not in out
    assert "x\\n::set-output" in out  # the newline shows as an escape on the same line


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_format_prints_a_control_character_from_a_finding(fmt: str) -> None:
    hostile = "a\x1b]0;title\x07b\rc\x00d\x9be"
    report = Report([Finding("yaml-invalid", Severity.ERROR, hostile, hostile + ".yaml", 1, "Pod/" + hostile, hostile)],
                    files_checked=1, objects_checked=1, notes=[hostile])
    out = render(report, fmt)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", out)


def test_a_usage_error_naming_a_hostile_file_prints_one_inert_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--crd", NAME, "."]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "CRD file or directory not found" in err
    assert runner_commands(err) == [] and "\x1b" not in err
