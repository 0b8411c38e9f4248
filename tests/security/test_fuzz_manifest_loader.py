"""The manifest loader takes any text a pull request can hold: whatever it is, the answer is manifests or
findings, never an exception (which would end `inferops validate` with a traceback and exit 1). Black-box,
through the loader's public functions only."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from fuzzing import fuzz_settings, yaml_like_text
from inferops.validate.findings import Finding
from inferops.validate.loader import LoadResult, load_documents, load_path
from inferops.validate.manifest import Manifest

FILE = "fuzz/manifest.yaml"


def check(result: LoadResult) -> None:
    assert isinstance(result, LoadResult)
    assert all(isinstance(m, Manifest) for m in result.manifests)
    assert all(isinstance(f, Finding) and f.file == FILE for f in result.findings)
    for finding in result.findings:
        assert finding.line is None or finding.line >= 1
        assert isinstance(finding.message, str) and finding.message
    for manifest in result.manifests:  # what later stages read never raises either
        assert isinstance(manifest.kind, str) and isinstance(manifest.api_version, str)
        assert isinstance(manifest.name, str) and isinstance(manifest.labels, dict)


@fuzz_settings(max_examples=300)
@given(text=yaml_like_text(), strict=st.booleans())
def test_any_yaml_like_text_gives_manifests_or_findings(text: str, strict: bool) -> None:
    check(load_documents(text, FILE, strict=strict))


@fuzz_settings(max_examples=150)
@given(text=st.text(max_size=400), strict=st.booleans())
def test_any_text_gives_manifests_or_findings(text: str, strict: bool) -> None:
    check(load_documents(text, FILE, strict=strict))


@fuzz_settings(max_examples=100)
@given(data=st.one_of(st.binary(max_size=300), yaml_like_text().map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_any_bytes_in_a_file_give_manifests_or_findings(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "manifest.yaml"
        path.write_bytes(data)
        check(load_path(path, FILE, strict=True))
