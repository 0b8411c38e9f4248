"""Placeholders (${VAR}, $VAR, <your-token>, {{ ... }}) are never judged as real values; one note names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from inferops.placeholders import is_placeholder
from inferops.validate.pipeline import Options, run

TEMPLATED = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: llama
spec:
  selector: {matchLabels: {app: llama}}
  template:
    metadata: {labels: {app: llama}}
    spec:
      containers:
        - name: vllm
          image: <image>
          command: [sh, -c, "vllm serve $MODEL --port 8000"]
          env:
            - {name: HF_TOKEN, value: $HF_TOKEN}
            - {name: NGC_API_KEY, value: "${NGC_API_KEY}"}
          resources:
            limits: {nvidia.com/gpu: "${ACCELERATOR_QUANTITY}"}
---
apiVersion: v1
kind: Secret
metadata:
  name: hf-token
stringData:
  hf_token: <your-hf-access-token-value>
"""


@pytest.mark.parametrize(("value", "expected"), [
    ("${ACCELERATOR_QUANTITY}", True), ("$HF_TOKEN", True), ("<your-token>", True), ("{{ .Values.tag }}", True),
    ("us-docker.pkg.dev/${PROJECT_ID}/repo/vllm:v1", True), ("$(LWS_GROUP_SIZE)", False), ("8", False),
    ("vllm/vllm-openai:v0.11.0", False), (8, False),
])
def test_what_counts_as_a_placeholder(value: object, expected: bool) -> None:
    assert is_placeholder(value) is expected


def test_placeholders_are_not_errors_and_get_one_note(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(TEMPLATED)
    report = run(Options(paths=["app.yaml"], cwd=tmp_path, checks=["gpu", "guardrails"]))
    judged = {f.rule_id for f in report.findings}
    assert not judged & {"gpu-whole-number", "credential-literal", "secret-plaintext", "image-tag-latest"}
    notes = [n for n in report.notes if "placeholder" in n]
    assert notes == ["5 placeholder value(s) such as '<image>' (app.yaml:12) were not judged; substitute them "
                     "(e.g. envsubst, helm template) and validate the result"]


def test_real_values_beside_placeholders_are_still_judged(tmp_path: Path) -> None:
    real = TEMPLATED.replace('"${ACCELERATOR_QUANTITY}"', '"0.5"').replace("value: $HF_TOKEN", "value: hunter2")
    (tmp_path / "app.yaml").write_text(real)
    report = run(Options(paths=["app.yaml"], cwd=tmp_path, checks=["gpu", "guardrails"]))
    assert {"gpu-whole-number", "credential-literal"} <= {f.rule_id for f in report.findings}
