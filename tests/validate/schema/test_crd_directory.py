"""``--crd DIR``: a CRDs folder often holds more than CRDs; what is not a CRD is skipped with a note."""

from pathlib import Path

import pytest
from test_crd_schemas import CRD, widget

from inferops.cli import main
from inferops.errors import InferopsError
from inferops.validate.schema import SchemaChecker, SchemaOptions


@pytest.fixture
def crds(tmp_path: Path) -> Path:
    folder = tmp_path / "crds"
    (folder / "nested").mkdir(parents=True)
    (folder / "nested" / "widget.yaml").write_text(CRD)
    (folder / "kustomization.yaml").write_text("resources: [nested/widget.yaml]\n")
    (folder / "broken.yaml").write_text("kind: [\n")
    (folder / "example.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
    return folder


def test_files_without_a_crd_are_skipped_with_one_note(crds: Path) -> None:
    checker = SchemaChecker(SchemaOptions(crds=[crds]))
    assert [c.kind for c in checker.crds] == ["Widget"]
    assert checker.notes == [f"--crd {crds}: skipped 3 file(s) with no CustomResourceDefinition: "
                             "broken.yaml, example.yaml, kustomization.yaml"]


def test_the_note_reaches_the_report_and_the_run_goes_on(
    crds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "widget.yaml").write_text(widget("[1]"))
    assert main(["validate", "--checks", "schema", "--crd", "crds", "widget.yaml"]) == 1
    out = capsys.readouterr().out
    assert "spec.size: expected integer or string, got array" in out
    assert "note: --crd crds: skipped 3 file(s) with no CustomResourceDefinition" in out


def test_a_file_named_on_its_own_must_still_hold_a_crd(crds: Path) -> None:
    with pytest.raises(InferopsError, match="no CustomResourceDefinition in this file"):
        SchemaChecker(SchemaOptions(crds=[crds / "example.yaml"]))


def test_a_broken_file_that_holds_a_crd_is_still_an_error(crds: Path) -> None:
    (crds / "nested" / "widget.yaml").write_text(CRD + "---\nkind: [\n")
    with pytest.raises(InferopsError, match="widget.yaml"):
        SchemaChecker(SchemaOptions(crds=[crds]))
