"""Every row of kubeconform's fixture verdict table, in its three modes, with the built-in schemas.

kubeconform's default mode is ``--no-strict`` here, its ``-strict`` is our default, and
``-ignore-missing-schemas`` is ``--ignore-missing-schemas``. A file is invalid (exit 1) when it has
any error finding.
"""

from pathlib import Path

import pytest

from inferops.validate.loader import load_path
from inferops.validate.schema import SchemaChecker, SchemaOptions

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "kubeconform-fixtures"
MODES = {
    "default": SchemaOptions(strict=False),
    "strict": SchemaOptions(strict=True),
    "strict_ignore_missing": SchemaOptions(strict=True, ignore_missing=True),
}


def rows() -> list[tuple[str, str, int]]:
    table = FIXTURES / "VERDICTS.tsv"
    if not table.is_file():
        return []
    header, *lines = table.read_text().splitlines()
    modes = header.split("\t")[1:]
    return [(name, mode, int(code)) for name, *codes in (line.split("\t") for line in lines if line)
            for mode, code in zip(modes, codes)]


@pytest.fixture(scope="module")
def checkers() -> dict[str, SchemaChecker]:
    return {mode: SchemaChecker(options) for mode, options in MODES.items()}


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared reference data is not beside the checkout")
@pytest.mark.parametrize(("fixture", "mode", "expected"), rows())
def test_verdict_matches_kubeconform(checkers: dict[str, SchemaChecker], fixture: str, mode: str, expected: int) -> None:
    checker = checkers[mode]
    loaded = load_path(FIXTURES / fixture, fixture, strict=checker.options.strict)
    findings = loaded.findings + checker.check_all(loaded.manifests)
    errors = [f"{f.rule_id}:{f.line}: {f.message}" for f in findings if f.severity.value == "error"]
    assert int(bool(errors)) == expected, errors


def test_the_verdict_table_was_found() -> None:
    if not FIXTURES.is_dir():
        pytest.skip("../shared reference data is not beside the checkout")
    assert len(rows()) >= 90
