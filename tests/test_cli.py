"""The CLI entry point: help, version and usage errors."""

import subprocess
import sys

import pytest

from inferops import __version__
from inferops.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_unknown_check_family_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["validate", "--checks", "schema,nope"])
    assert exc.value.code == 2
    assert "unknown check family nope" in capsys.readouterr().err


def test_help_does_not_import_heavy_modules() -> None:
    code = (
        "import sys; from inferops.cli import build_parser; build_parser();"
        "heavy = [m for m in ('pydantic', 'ruamel', 'cookiecutter', 'git', 'jsonschema_rs', 'yaml') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
