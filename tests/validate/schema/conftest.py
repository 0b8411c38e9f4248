"""Helpers for the schema engine tests: check YAML text with given options; find ../shared."""

from collections.abc import Callable
from pathlib import Path

import pytest

from inferops.validate.findings import Finding
from inferops.validate.loader import load_documents
from inferops.validate.schema import SchemaChecker, SchemaOptions

SHARED = Path(__file__).resolve().parents[3].parent / "shared"

Check = Callable[..., list[Finding]]


@pytest.fixture
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared reference data is not beside the checkout")
    return SHARED


@pytest.fixture
def check() -> Check:
    """``check(text, **SchemaOptions fields)``: loader and schema findings for ``text``."""

    def run(text: str, **options: object) -> list[Finding]:
        schema_options = SchemaOptions(**options)  # type: ignore[arg-type]
        loaded = load_documents(text, "input.yaml", strict=schema_options.strict)
        return loaded.findings + SchemaChecker(schema_options).check_all(loaded.manifests)

    return run
