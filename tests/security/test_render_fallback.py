"""Issue 11, "nothing dropped silently" and "accuracy": a kustomization that does not render still has
its files checked; patch files are never checked as whole objects; render-failed quotes the real error."""

from __future__ import annotations

from pathlib import Path

from render_support import PRIVILEGED_POD, found, needs_kustomize, validate, write

pytestmark = needs_kustomize

PATCH = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: nobody\nspec:\n  hostPID: true\n"


def test_files_used_only_by_a_failing_kustomization_are_checked_on_their_own(tmp_path: Path) -> None:
    write(tmp_path, {
        # the patch names an object the kustomization does not have: kustomize fails
        "app/kustomization.yaml": "resources:\n- pod.yaml\npatches:\n- path: patch.yaml\n",
        "app/pod.yaml": PRIVILEGED_POD,
        "app/patch.yaml": PATCH,
    })
    report = validate(tmp_path)
    [failed] = [f for f in report.findings if f.rule_id == "render-failed"]
    assert failed.file == "app/kustomization.yaml" and "no resource matches strategic merge patch" in failed.message
    assert ("app/pod.yaml", 11) in found(report, "pod-privileged")
    # the patch is not an object of its own: no finding about it as a Pod
    assert not [f for f in report.findings if f.file == "app/patch.yaml"]
    [note] = [n for n in report.notes if "not rendered" in n]
    assert "app/pod.yaml" in note and "app/patch.yaml" not in note


def test_a_file_shared_with_a_kustomization_that_renders_is_checked_once_through_it(tmp_path: Path) -> None:
    write(tmp_path, {
        "base/kustomization.yaml": "resources:\n- pod.yaml\n",
        "base/pod.yaml": PRIVILEGED_POD,
        "good/kustomization.yaml": "resources:\n- ../base\n",
        "bad/kustomization.yaml": "resources:\n- ../base\n- missing.yaml\n",
    })
    report = validate(tmp_path)
    assert found(report, "render-failed") == [("bad/kustomization.yaml", None)]
    assert found(report, "pod-privileged") == [("base/pod.yaml", 11)]
    [note] = [n for n in report.notes if "not rendered" in n]
    assert "their 0 local resource file(s)" in note


def test_patch_files_of_a_rendered_kustomization_are_not_checked_as_objects(tmp_path: Path) -> None:
    write(tmp_path, {
        "app/kustomization.yaml": (
            "resources:\n- pod.yaml\npatches:\n- path: p1.yaml\npatchesStrategicMerge:\n- p2.yaml\n"
        ),
        "app/pod.yaml": PRIVILEGED_POD.replace("name: evil", "name: nobody"),
        "app/p1.yaml": PATCH,
        "app/p2.yaml": PATCH.replace("hostPID", "hostIPC"),
    })
    report = validate(tmp_path, checks=["render", "schema"])
    assert report.findings == []


def test_render_failed_quotes_the_error_line_not_the_plugin_config_header(tmp_path: Path) -> None:
    write(tmp_path, {
        "app/kustomization.yaml": "resources:\n- pod.yaml\npatches:\n- path: gone.yaml\n",
        "app/pod.yaml": PRIVILEGED_POD,
    })
    [failed] = [f for f in validate(tmp_path).findings if f.rule_id == "render-failed"]
    assert "trouble configuring" not in failed.message and "command failed" not in failed.message
    assert failed.message.startswith("kustomization app does not build: failed to get the patch file from path(gone.yaml)")
    assert failed.message.endswith("no such file or directory") and "\n" not in failed.message
    assert str(tmp_path) not in failed.message


def test_a_patch_checked_on_its_own_path_is_checked_through_its_kustomization(tmp_path: Path) -> None:
    write(tmp_path, {
        "app/kustomization.yaml": "resources:\n- pod.yaml\npatches:\n- path: patches/p1.yaml\n",
        "app/pod.yaml": PRIVILEGED_POD.replace("name: evil", "name: nobody"),
        "app/patches/p1.yaml": PATCH,
    })
    for path in ("app/patches", "app/patches/p1.yaml"):
        report = validate(tmp_path, path, checks=["render", "schema", "guardrails"])
        # the patch is not a Pod of its own (it has no containers): the patched Pod is what is checked, and
        # the one value the patch sets (hostPID) is reported at the patch's line, nothing else is
        at_patch = [(f.rule_id, f.line) for f in report.findings if f.file == "app/patches/p1.yaml"]
        assert at_patch == [("pod-host-access", 6)], path
        assert ("app/pod.yaml", 11) in found(report, "pod-privileged")
        assert any("above the checked paths" in note and "app/" in note for note in report.notes)
