"""Credential guardrails: secret-plaintext and credential-literal. Messages never contain a full token.

Token-shaped strings are assembled at run time so this file itself holds no credential-like literal.
"""

from __future__ import annotations

import pytest
from guardrail_cases import ids, pod, run, server, workload

HF = "hf_" + "Ab3" * 12
AWS = "AKIA" + "ABCDEFGH23456789"
GITHUB = "ghp_" + "x1Y2" * 9
GITHUB_PAT = "github_pat_" + "11ABCDEFG0" * 3
PRIVATE_KEY = "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize("text", [
    """
apiVersion: v1
kind: Secret
metadata: {name: hf-token}
type: Opaque
data: {token: aGZfZXhhbXBsZQ==}
""",
    """
apiVersion: v1
kind: Secret
metadata: {name: hf-token}
stringData: {token: replace-me}
""",
])
def test_secret_with_data_is_an_error(text: str) -> None:
    findings = run(text)
    assert [f.rule_id for f in findings] == ["secret-plaintext"]
    assert findings[0].severity.value == "error"


@pytest.mark.parametrize("text", [
    # SOPS-encrypted
    "apiVersion: v1\nkind: Secret\nmetadata: {name: t}\ndata: {token: 'ENC[AES256_GCM,data:abc]'}\nsops: {version: 3.9.0}\n",
    # sealed
    "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: t}\nspec: {encryptedData: {token: AgBy3i4OJSWK}}\n",
    # service account token placeholder without data
    "apiVersion: v1\nkind: Secret\nmetadata: {name: t}\ntype: kubernetes.io/service-account-token\n",
])
def test_encrypted_or_empty_secrets_pass(text: str) -> None:
    assert ids(text) == []


@pytest.mark.parametrize(("token", "label", "secret_part"), [
    (HF, "Hugging Face token", HF[5:]), (AWS, "AWS access key id", AWS[5:]), (GITHUB, "GitHub token", GITHUB[5:]),
    (GITHUB_PAT, "GitHub token", GITHUB_PAT[5:]), (PRIVATE_KEY, "private key", "MIIEowIBAAKCAQEA"),
])
def test_token_in_an_env_value_is_reported_redacted(token: str, label: str, secret_part: str) -> None:
    data = workload()
    server(data)["env"].append({"name": "EXTRA_SETTING", "value": token})
    findings = run([data])
    assert [f.rule_id for f in findings] == ["credential-literal"]
    assert label in findings[0].message
    assert "(redacted)" in findings[0].message
    assert secret_part not in findings[0].message


def test_token_in_args_command_and_config_maps() -> None:
    data = workload()
    server(data)["args"].append(f"--hf-token={HF}")
    pod(data)["initContainers"][0]["command"] = ["sh", "-c", f"curl -H 'Authorization: token {GITHUB}' x"]
    config = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "aws"},
              "data": {"credentials": f"[default]\naws_access_key_id = {AWS}\n"}}
    findings = run([data, config])
    assert [f.rule_id for f in findings] == ["credential-literal"] * 3
    assert {f.object for f in findings} == {"Deployment/llm-prod/llama", "ConfigMap/aws"}
    assert all(HF not in f.message and GITHUB not in f.message and AWS not in f.message for f in findings)


@pytest.mark.parametrize("name", ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "NGC_API_KEY", "DB_PASSWORD", "CLIENT_SECRET"])
def test_secret_named_env_var_with_a_literal_value(name: str) -> None:
    data = workload()
    server(data)["env"] = [{"name": name, "value": "replace-me"}]
    findings = run([data])
    assert [f.rule_id for f in findings] == ["credential-literal"]
    assert findings[0].message == f"container server: env {name} has a literal value"


@pytest.mark.parametrize(("name", "value"), [
    ("HF_TOKEN_PATH", "/secrets/hf/token"),
    ("TOKENIZERS_PARALLELISM", "false"),
    ("MAX_NUM_BATCHED_TOKENS", "8192"),
    ("HF_TOKEN", ""),
    ("HF_TOKEN", "$(HUGGING_FACE_HUB_TOKEN)"),
])
def test_ordinary_settings_are_not_credentials(name: str, value: str) -> None:
    data = workload()
    server(data)["env"].append({"name": name, "value": value})
    assert ids([data]) == []


def test_a_token_in_a_secret_named_env_var_is_reported_once() -> None:
    data = workload()
    server(data)["env"] = [{"name": "HF_TOKEN", "value": HF}]
    findings = run([data])
    assert [f.rule_id for f in findings] == ["credential-literal"]
    assert "Hugging Face token (hf_Ab…(redacted))" in findings[0].message


def test_secret_objects_are_left_to_secret_plaintext() -> None:
    text = f"apiVersion: v1\nkind: Secret\nmetadata: {{name: t}}\nstringData: {{token: {HF}}}\n"
    findings = run(text)
    assert [f.rule_id for f in findings] == ["secret-plaintext"]
    assert HF not in findings[0].message


def test_tokens_in_argo_cd_helm_values_are_found() -> None:
    app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "m"},
           "spec": {"project": "llm-dev", "source": {"repoURL": "https://charts.example.com", "chart": "vllm",
                                                     "targetRevision": "1.2.0",
                                                     "helm": {"values": f"hfToken: {HF}\n"}},
                    "destination": {"server": "https://kubernetes.default.svc", "namespace": "llm-dev"}}}
    findings = run([app])
    assert [f.rule_id for f in findings] == ["credential-literal"]
    assert "spec.source.helm.values" in findings[0].message
