"""`inferops fix` on unusual and hostile input: JSON manifests stay JSON, values shared through YAML anchors
are left for a person, a refused file is reported once, a read-only file is not replaced, and a fix that
does not take is not claimed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from fix_cases import DEPLOYMENT, PLAIN, broken
from fix_helpers import kustomize, run_cli, write

import inferops.fix.command
from inferops.fix.registry import FIXERS, Fixer, Set

MISMATCH = PLAIN[0]  # gpu-request-limit-mismatch
NO_SECCOMP = broken("        seccompProfile:\n          type: RuntimeDefault\n", "")
TWO_GPUS = broken('args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]',
                  'args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size=2"]'
                  ).replace("nvidia.com/gpu: 1", "nvidia.com/gpu: 2")


def _as_json(text: str) -> str:
    return json.dumps(yaml.safe_load(text), indent=2) + "\n"


def test_a_json_manifest_stays_json(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A quoted string is replaced by a quoted string (plain ``RuntimeDefault`` is YAML, not JSON, and
    kubectl reads a ``.json`` file as JSON)."""
    write(repo, {"deployment.json": _as_json(DEPLOYMENT.replace("type: RuntimeDefault", "type: Unconfined"))})
    assert run_cli(capsys, "fix", "--rule", "pod-seccomp", ".")[0] == 0
    fixed = json.loads((repo / "deployment.json").read_text())
    assert fixed["spec"]["template"]["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}


def test_json_lists_and_empty_mappings_get_json(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """/dev/shm for two GPUs appended to JSON lists, and ``emptyDir: {}`` filled in, still parse as JSON."""
    two = _as_json(TWO_GPUS)
    doc = json.loads(two)
    pod = doc["spec"]["template"]["spec"]
    pod["containers"][0]["volumeMounts"] = [{"name": "cache", "mountPath": "/cache"}]
    pod["volumes"] = [{"name": "cache", "emptyDir": {}}]
    write(repo, {"deployment.json": json.dumps(doc, indent=2) + "\n",
                 "kept.json": json.dumps({**doc, "metadata": {"name": "kept", "labels": {"app": "vllm"}}}, indent=2)
                 .replace('"/cache"', '"/dev/shm"') + "\n"})
    assert run_cli(capsys, "fix", "--rule", "gpu-shm-missing", ".")[0] == 0
    fixed = json.loads((repo / "deployment.json").read_text())["spec"]["template"]["spec"]
    assert fixed["containers"][0]["volumeMounts"][-1] == {"name": "dshm", "mountPath": "/dev/shm"}
    assert fixed["volumes"][-1] == {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "8Gi"}}
    kept = json.loads((repo / "kept.json").read_text())["spec"]["template"]["spec"]
    assert kept["volumes"] == [{"name": "cache", "emptyDir": {"medium": "Memory"}}]


def test_a_quoted_value_keeps_its_quotes(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, {"deployment.yaml": DEPLOYMENT.replace("type: RuntimeDefault", "type: 'Unconfined'  # perf")})
    assert run_cli(capsys, "fix", "--rule", "pod-seccomp", ".")[0] == 0
    assert "          type: 'RuntimeDefault'  # perf\n" in (repo / "deployment.yaml").read_text()


def test_an_empty_mapping_filled_in_leaves_no_trailing_blank(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mounted = TWO_GPUS.replace("          securityContext:\n            allowPrivilegeEscalation",
                               "          volumeMounts:\n            - {name: dshm, mountPath: /dev/shm}\n"
                               "          securityContext:\n            allowPrivilegeEscalation")
    write(repo, {"deployment.yaml": mounted + "      volumes:\n        - name: dshm\n          emptyDir: {}\n"})
    assert run_cli(capsys, "fix", "--rule", "gpu-shm-missing", ".")[0] == 0
    assert (repo / "deployment.yaml").read_text().endswith("          emptyDir:\n            medium: Memory\n")


def test_an_insertion_after_an_alias_lands_after_the_alias(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The pod securityContext ends with ``*policy``, whose node the parser places at its anchor in the
    annotations: seccompProfile goes after the alias, not into the annotations."""
    aliased = NO_SECCOMP.replace("        app: vllm\n    spec:\n",
                                 "        app: vllm\n      annotations:\n        fs-policy: &policy OnRootMismatch\n"
                                 "    spec:\n").replace("        runAsUser: 1000\n",
                                                       "        runAsUser: 1000\n        fsGroupChangePolicy: *policy\n")
    write(repo, {"deployment.yaml": aliased})
    assert run_cli(capsys, "fix", "--rule", "pod-seccomp", ".") == (0, "fixed deployment.yaml: 1 finding (pod-seccomp)\n")
    template = yaml.safe_load((repo / "deployment.yaml").read_text())["spec"]["template"]
    assert template["metadata"]["annotations"] == {"fs-policy": "OnRootMismatch"}
    assert template["spec"]["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}


def test_a_value_shared_through_an_anchor_is_left_for_a_person(repo: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    """The sidecar's ``securityContext: *sc`` is the GPU container's: changing the anchor would change both."""
    shared = broken("          securityContext:\n            allowPrivilegeEscalation: false\n",
                    "          securityContext: &sc\n            allowPrivilegeEscalation: true\n"
                    ) + "        - name: sidecar\n          image: busybox:1.36\n          securityContext: *sc\n"
    write(repo, {"deployment.yaml": shared})
    code, out = run_cli(capsys, "fix", "--rule", "pod-privilege-escalation", ".")
    assert code == 1 and out.count("pod-privilege-escalation: no safe mechanical fix") == 2, out
    assert (repo / "deployment.yaml").read_text() == shared


def test_a_file_that_cannot_be_written_is_reported_once(repo: Path, capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo, {"deployment.yaml": MISMATCH.before})

    def denied(file_fix: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(inferops.fix.command, "write", denied)
    code, out = run_cli(capsys, "fix", ".")
    assert (code, out) == (1, "deployment.yaml:34: gpu-request-limit-mismatch: not fixed: cannot write "
                              "deployment.yaml: Permission denied\n")


def test_a_read_only_file_is_not_replaced(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, {"deployment.yaml": MISMATCH.before})
    (repo / "deployment.yaml").chmod(0o444)
    code, out = run_cli(capsys, "fix", "-f", "json", ".")
    assert code == 1 and json.loads(out)["unfixed"][0]["reason"] == "not fixed: deployment.yaml is read-only"
    assert (repo / "deployment.yaml").read_text() == MISMATCH.before


def test_a_fix_that_does_not_take_is_not_claimed(repo: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A fixer whose edit leaves the finding in place (here: one that counts up) ends after the last round
    with the finding unfixed, not listed as fixed."""
    counted = iter(range(3, 100))
    monkeypatch.setitem(FIXERS, MISMATCH.rule, Fixer(MISMATCH.rule, "counts up", lambda m, path, run: [
        Set(path, next(counted))]))
    write(repo, {"deployment.yaml": MISMATCH.before})
    code, out = run_cli(capsys, "fix", ".")
    assert (code, out) == (1, f"deployment.yaml:34: {MISMATCH.rule}: not fixed in 3 rounds\n")


def test_an_app_project_of_the_wrong_shape_is_no_crash(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The fix of an Application on ``default`` reads every AppProject of the run, however malformed."""
    from fix_cases import APPLICATION, PROJECTS

    broken_projects = PROJECTS.replace('destinations:\n    - {server: https://kubernetes.default.svc, namespace: "llm-*"}',
                                       "destinations: 5", 1)
    write(repo, {"apps.yaml": APPLICATION + broken_projects})
    code, out = run_cli(capsys, "fix", "-f", "json", "--rule", "argocd-default-project", ".")
    assert code == 1 and json.loads(out)["unfixed"][0]["reason"] == "no safe mechanical fix for this object"


def test_a_flag_split_over_folded_lines_is_left_for_a_person(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``>-`` folds the line break into a space: the script reads ``--tensor-parallel-size 1``, the file
    does not have that text, so there is nothing to splice (and the file does not "already have the fix")."""
    folded = TWO_GPUS.replace('          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size=2"]\n',
                              '          command: ["/bin/sh", "-c"]\n          args:\n            - >-\n'
                              '              exec vllm serve meta-llama/Llama-3.1-8B-Instruct --tensor-parallel-size\n'
                              '              1 --port 8000\n')
    write(repo, {"deployment.yaml": folded})
    code, out = run_cli(capsys, "fix", "--rule", "gpu-parallelism-idle", ".")
    assert (code, out) == (1, "deployment.yaml:33: gpu-parallelism-idle: no safe mechanical fix at deployment.yaml:33\n")


def test_a_diff_never_prints_a_credential(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The token sits in the context of the USER fix: the dry-run diff shows it redacted, in text and JSON."""
    from fix_cases import CURRENT_VLLM

    token = "hf_" + "a1B2c3D4e5" * 4
    text = broken(*CURRENT_VLLM).replace('          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]\n',
                                         '          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]\n'
                                         f'          env:\n            - name: HF_TOKEN\n              value: {token}\n')
    write(repo, {"deployment.yaml": text})
    code, out = run_cli(capsys, "fix", "--dry-run", "--rule", "vllm-user-missing", ".")
    assert code == 1 and "+            - name: USER\n" in out and "hf_a" in out and token not in out, out
    code, out = run_cli(capsys, "fix", "--dry-run", "-f", "json", "--rule", "vllm-user-missing", ".")
    assert code == 1 and token not in out and "- name: USER" in json.loads(out)["diff"]


def test_replicas_another_environment_keeps_are_left_for_a_person(repo: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """prod adds an HPA over the shared base; dev has none and runs the base's 3 replicas. Deleting the base's
    line would drop dev to 1 replica, so it stays; with the HPA in the base itself, the line goes."""
    from fix_cases import HPA

    base = DEPLOYMENT.replace("  replicas: 1\n", "  replicas: 3\n")
    write(repo, {"base/deployment.yaml": base, "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
                 "overlays/prod/kustomization.yaml": "resources:\n  - ../../base\n  - hpa.yaml\n",
                 "overlays/prod/hpa.yaml": HPA.removeprefix("---\n"),
                 "overlays/dev/kustomization.yaml": "resources:\n  - ../../base\n"})
    code, out = run_cli(capsys, "fix", "--rule", "replicas-with-autoscaler", ".")
    assert code == 1 and "replicas-with-autoscaler: no safe mechanical fix for this object" in out, out
    assert (repo / "base/deployment.yaml").read_text() == base

    write(repo, {"base/kustomization.yaml": "resources:\n  - deployment.yaml\n  - hpa.yaml\n",
                 "base/hpa.yaml": HPA.removeprefix("---\n"),
                 "overlays/prod/kustomization.yaml": "resources:\n  - ../../base\n"})
    assert run_cli(capsys, "fix", "--rule", "replicas-with-autoscaler", ".")[0] == 0
    assert "replicas:" not in (repo / "base/deployment.yaml").read_text()


@pytest.mark.parametrize("newline", ["\r", "\u2028"], ids=["CR", "LS"])
def test_a_file_with_other_line_breaks_is_refused(repo: Path, capsys: pytest.CaptureFixture[str],
                                                  newline: str) -> None:
    """Splices find line ends by LF: with CR-only line ends, an insertion would land at the end of the file."""
    no_limit = broken("            limits:\n              nvidia.com/gpu: 1\n", "            limits:\n")
    text = no_limit.replace("\n", "\r") if newline == "\r" else no_limit.replace(
        "    app: vllm  # selector label\n", f'    app: vllm  # selector label\n  annotations:\n    note: "a{newline}b"\n')
    write(repo, {"deployment.yaml": text})
    code, out = run_cli(capsys, "fix", "--rule", "gpu-limit-missing", ".")
    assert code == 1 and "is written with line breaks other than LF and CRLF" in out, out
    assert (repo / "deployment.yaml").read_bytes() == text.encode()


def test_a_patch_left_without_keys_keeps_an_empty_mapping(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The overlay's patch only set replicas: removing the line must not leave ``spec:`` null, which in a
    strategic merge patch deletes the Deployment's whole spec."""
    from fix_cases import HPA

    write(repo, {"base/deployment.yaml": DEPLOYMENT.replace("  replicas: 1\n", ""),
                 "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
                 "overlays/prod/kustomization.yaml": "resources:\n  - ../../base\n  - hpa.yaml\n"
                                                     "patches:\n  - path: patch.yaml\n",
                 "overlays/prod/hpa.yaml": HPA.removeprefix("---\n"),
                 "overlays/prod/patch.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: vllm\n"
                                             "spec:  # prod\n  replicas: 3\n"})
    assert run_cli(capsys, "fix", "--rule", "replicas-with-autoscaler", ".")[0] == 0
    assert (repo / "overlays/prod/patch.yaml").read_text().endswith("spec: {}  # prod\n")
    rendered = list(yaml.safe_load_all(kustomize(repo / "overlays/prod")))
    deployment = next(d for d in rendered if d["kind"] == "Deployment")
    assert "replicas" not in deployment["spec"] and deployment["spec"]["template"]["spec"]["containers"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another user")
def test_the_file_owner_is_kept(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(repo, {"deployment.yaml": MISMATCH.before})
    os.chown(repo / "deployment.yaml", 65534, 65534)
    assert run_cli(capsys, "fix", ".")[0] == 0
    info = (repo / "deployment.yaml").stat()
    assert (info.st_uid, info.st_gid) == (65534, 65534) and MISMATCH.before != (repo / "deployment.yaml").read_text()


def test_a_patch_that_states_the_args_gets_the_size_in_place(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The overlay raises the GPUs and states the whole args list (a strategic merge patch replaces it): the
    size changes in that list, where it stands, instead of a stray ``"2"`` appended after ``--max-model-len``."""
    args = '["--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size", "1"]'
    base = DEPLOYMENT.replace('args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]', f"args: {args}")
    patch = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: vllm\nspec:\n  template:\n    spec:\n"
             "      containers:\n        - name: vllm\n          args:\n            - --model\n"
             "            - meta-llama/Llama-3.1-8B-Instruct\n            - --tensor-parallel-size\n"
             '            - "1"  # one GPU\n            - --max-model-len\n            - "4096"\n'
             "          resources:\n            requests:\n              nvidia.com/gpu: 2\n"
             "            limits:\n              nvidia.com/gpu: 2\n")
    write(repo, {"base/deployment.yaml": base, "base/kustomization.yaml": "resources:\n  - deployment.yaml\n",
                 "overlays/prod/kustomization.yaml": "resources:\n  - ../../base\npatches:\n  - path: patch.yaml\n",
                 "overlays/prod/patch.yaml": patch})
    assert run_cli(capsys, "fix", "--rule", "gpu-parallelism-idle", ".")[0] == 0
    assert (repo / "overlays/prod/patch.yaml").read_text() == patch.replace('"1"  # one GPU', '"2"  # one GPU')
    assert (repo / "base/deployment.yaml").read_text() == base


def test_a_finding_whose_fix_fails_half_way_leaves_no_item_behind() -> None:
    """Its first operation extended a list another finding inserts; its second cannot be spliced: the list
    goes back to what the other finding put there."""
    from ruamel.yaml import YAML

    from inferops.fix.registry import Append
    from inferops.fix.splice import Edit, Planner

    text = "spec:\n  replicas: 1\n"
    doc = YAML(typ="rt").compose(text)
    planner = Planner(text)
    assert planner.plan(doc, [Append(("spec", "items"), ("first",))], {})
    assert not planner.plan(doc, [Append(("spec", "items"), ("second",)), Set(("spec", "replicas", "x"), 1)], {})
    assert planner.result() == [Edit(len(text), len(text), "  items: [first]\n", 2)]


def test_a_file_name_with_a_newline_gets_a_quoted_diff_header(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Quoted as git quotes it, so the header stays one line and `git apply` takes the diff."""
    from git import Repo

    write(repo, {'odd/x\ny "z".yaml': MISMATCH.before})
    code, out = run_cli(capsys, "fix", "--dry-run", "-f", "json", ".")
    diff = json.loads(out)["diff"]
    assert diff.startswith('--- "a/odd/x\\ny \\"z\\".yaml"\n+++ "b/odd/x\\ny \\"z\\".yaml"\n'), diff
    (repo / "fix.diff").write_text(diff)
    Repo(repo).git.apply("fix.diff")
    assert "nvidia.com/gpu: 1  # one too many" in (repo / 'odd/x\ny "z".yaml').read_text()


def test_a_file_only_validate_can_parse_is_named_as_such(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A tab after a value: fine for the validator, refused by ruamel.yaml's scanner."""
    text = MISMATCH.before.replace("nvidia.com/gpu: 2  # one too many", "nvidia.com/gpu: 2\t")
    write(repo, {"deployment.yaml": text})
    code, out = run_cli(capsys, "fix", ".")
    assert (code, out) == (1, "deployment.yaml:34: gpu-request-limit-mismatch: not fixed: the round-trip YAML "
                              "parser cannot read deployment.yaml\n")
    assert (repo / "deployment.yaml").read_text() == text


def test_an_append_after_aliased_items_lands_in_its_own_list(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The vLLM container's env is ``[*hf, *cache]``, anchored in the init container: USER goes after
    ``*cache``, not into the init container's env where the parser places those nodes."""
    from fix_cases import CURRENT_VLLM

    text = broken(*CURRENT_VLLM).replace(
        "      containers:\n",
        "      initContainers:\n        - name: download\n          image: busybox:1.36\n          env:\n"
        "            - &hf {name: HF_HOME, value: /cache}\n            - &cache {name: CACHE, value: /cache}\n"
        "      containers:\n").replace(
        '          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]\n',
        '          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]\n          env:\n            - *hf\n'
        "            - *cache\n")
    write(repo, {"deployment.yaml": text})
    assert run_cli(capsys, "fix", "--rule", "vllm-user-missing", ".")[0] == 0
    pod = yaml.safe_load((repo / "deployment.yaml").read_text())["spec"]["template"]["spec"]
    assert [e["name"] for e in pod["initContainers"][0]["env"]] == ["HF_HOME", "CACHE"]
    assert [e["name"] for e in pod["containers"][0]["env"]] == ["HF_HOME", "CACHE", "USER"]


def test_an_append_to_a_list_that_starts_with_an_alias_keeps_its_dash_column(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The first item's node sits at its anchor, four columns further in: the new item follows the list's own
    dash, not the anchor's."""
    from fix_cases import CURRENT_VLLM

    text = broken(*CURRENT_VLLM).replace(
        "        app: vllm\n    spec:\n",
        "        app: vllm\n      annotations:\n        x-env: [&hf {name: HF_HOME, value: /cache}]\n    spec:\n")
    text = text.replace('          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]\n',
                        '          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]\n          env:\n'
                        "          - *hf\n")
    write(repo, {"deployment.yaml": text})
    assert yaml.safe_load(text)["spec"]["template"]["spec"]["containers"][0]["env"][0]["name"] == "HF_HOME"
    code, out = run_cli(capsys, "fix", "--rule", "vllm-user-missing", ".")
    assert code == 0, out
    assert "          env:\n          - *hf\n          - name: USER\n            value: vllm\n" in (
        repo / "deployment.yaml").read_text()


def test_two_containers_share_the_shm_volume_one_of_them_mounts(repo: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    """One container mounts a disk-backed ``dshm`` at /dev/shm, the other nothing: the volume becomes
    memory-backed and the second container mounts it too; no second volume."""
    second = ("        - name: vllm2\n          image: \"vllm/vllm-openai:v0.8.5\"\n"
              '          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--tensor-parallel-size=2"]\n'
              "          resources:\n            limits: {nvidia.com/gpu: 2}\n")
    text = TWO_GPUS.replace("          securityContext:\n            allowPrivilegeEscalation",
                            "          volumeMounts:\n            - {name: dshm, mountPath: /dev/shm}\n"
                            "          securityContext:\n            allowPrivilegeEscalation") + second + (
        "      volumes:\n        - name: dshm\n          emptyDir: {}\n")
    write(repo, {"deployment.yaml": text})
    code, out = run_cli(capsys, "fix", "--rule", "gpu-shm-missing", ".")
    assert code == 0, out
    pod = yaml.safe_load((repo / "deployment.yaml").read_text())["spec"]["template"]["spec"]
    assert pod["volumes"] == [{"name": "dshm", "emptyDir": {"medium": "Memory"}}]
    assert [c["volumeMounts"] for c in pod["containers"]] == [[{"name": "dshm", "mountPath": "/dev/shm"}]] * 2


def test_keys_go_into_flow_mappings_as_flow_text(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``resources: {requests: {...}}`` gains its limits inside the braces; a JSON file's mapping gains JSON."""
    flow = DEPLOYMENT.replace(
        "          resources:\n            requests:\n              nvidia.com/gpu: 1\n              memory: 24Gi\n"
        "            limits:\n              nvidia.com/gpu: 1\n              memory: 24Gi\n",
        "          resources: {requests: {nvidia.com/gpu: 1, memory: 24Gi}}  # no limits\n")
    write(repo, {"deployment.yaml": flow, "seccomp.json": _as_json(NO_SECCOMP.replace("name: vllm\n", "name: json\n", 1))})
    assert run_cli(capsys, "fix", "--rule", "gpu-limit-missing", "--rule", "pod-seccomp", ".")[0] == 0
    assert (repo / "deployment.yaml").read_text() == flow.replace(
        "{requests: {nvidia.com/gpu: 1, memory: 24Gi}}", "{requests: {nvidia.com/gpu: 1, memory: 24Gi}, limits: {nvidia.com/gpu: 1}}")
    pod = json.loads((repo / "seccomp.json").read_text())["spec"]["template"]["spec"]
    assert pod["securityContext"] == {"runAsNonRoot": True, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}}


def test_the_last_guard_keeps_a_json_file_json() -> None:
    """Whatever a future splice writes, an edit that leaves YAML but not JSON is not written to a JSON file."""
    from inferops.fix.plan import _still_yaml
    from inferops.fix.splice import Edit

    text = '\ufeff{"type": "Unconfined"}\n'
    assert not _still_yaml(text, [Edit(10, 22, "RuntimeDefault")])
    assert _still_yaml(text, [Edit(10, 22, '"RuntimeDefault"')])
    assert _still_yaml("type: Unconfined\n", [Edit(6, 16, "RuntimeDefault")])
