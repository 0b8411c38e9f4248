"""Issue 8, item 5: a credential is printed by no format, whichever finding carries it.

``credential-literal`` redacts what it reports, but a token reaches other messages too: inside an image
name (``image-tag-latest``), as the name of an unknown field (``schema-invalid``), and in a kustomize
``secretGenerator`` literal that kustomize quotes in its error (``render-failed``). The report redacts
every message, hint, object name, file name and note once, for every format.
"""

import shutil
from pathlib import Path

import pytest

from inferops.cli import main
from inferops.validate.reporters import FORMATS

HF_TOKEN = "hf_" + "Zq7" * 12
GITHUB_TOKEN = "ghp_" + "K9x" * 13
PASSWORD = "hunter2-plain-password"

DEPLOYMENT = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llm
  {GITHUB_TOKEN}: unknown-field
spec:
  selector: {{matchLabels: {{app: llm}}}}
  template:
    metadata: {{labels: {{app: llm}}}}
    spec:
      containers:
        - name: vllm
          image: registry.example.com/{HF_TOKEN}/vllm
"""


def validate(capsys: pytest.CaptureFixture[str], fmt: str, *paths: str) -> str:
    main(["validate", "--format", fmt, *paths])
    return capsys.readouterr().out


@pytest.mark.parametrize("fmt", FORMATS)
def test_tokens_in_an_image_name_and_a_field_name_are_redacted(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "deployment.yaml").write_text(DEPLOYMENT)
    out = validate(capsys, fmt, "deployment.yaml")
    assert "image-tag-latest" in out and "schema-invalid" in out  # the findings are still there
    assert HF_TOKEN not in out and GITHUB_TOKEN not in out
    assert "…(redacted)" in out


@pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None,
                    reason="needs kustomize or kubectl")
@pytest.mark.parametrize("fmt", FORMATS)
def test_secret_generator_literals_quoted_by_kustomize_are_redacted(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        "secretGenerator:\n  - name: db\n    literals:\n"
        f"      - DB_PASSWORD={PASSWORD}\n      - HF_TOKEN={HF_TOKEN}\n      - {PASSWORD}-without-a-key\n"
    )
    out = validate(capsys, fmt, ".")
    assert "render-failed" in out
    assert PASSWORD not in out and HF_TOKEN not in out
