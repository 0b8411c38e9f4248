"""Issue 8, robustness: nothing in a change makes a render hang, and one render has one time limit.

FIFOs are real (``os.mkfifo``): opening one for reading blocks until a writer comes, which in CI is never.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from render_support import PRIVILEGED_POD, found, needs_kustomize, validate, write

from inferops.cli import build_parser
from inferops.validate.render import RenderSettings, find_kustomize, render_one

pytestmark = needs_kustomize


def test_a_fifo_as_kustomization_file_is_reported_not_opened(tmp_path: Path) -> None:
    write(tmp_path, {"plain.yaml": PRIVILEGED_POD})
    (tmp_path / "app").mkdir()
    os.mkfifo(tmp_path / "app/kustomization.yaml")
    report = validate(tmp_path)
    assert found(report, "file-unreadable") == [("app/kustomization.yaml", None)]
    assert found(report, "render-failed") == []
    assert ("plain.yaml", 11) in found(report, "pod-privileged")


@pytest.mark.parametrize("where", [
    "resources:\n- pipe.yaml\n- pod.yaml\n",
    "resources:\n- pod.yaml\npatches:\n- path: pipe.yaml\n",
    "resources:\n- pod.yaml\nconfigMapGenerator:\n- name: c\n  files: [pipe.yaml]\n",
    "resources:\n- pod.yaml\n- ../base\n",  # the FIFO is a base's kustomization file
])
def test_a_fifo_kustomize_would_read_stops_the_render_not_the_run(tmp_path: Path, where: str) -> None:
    write(tmp_path, {"app/kustomization.yaml": where, "app/pod.yaml": PRIVILEGED_POD})
    os.mkfifo(tmp_path / "app/pipe.yaml")
    (tmp_path / "base").mkdir()
    os.mkfifo(tmp_path / "base/kustomization.yaml")
    report = validate(tmp_path, "app")
    fifo = "base/kustomization.yaml" if "../base" in where else "app/pipe.yaml"
    assert (fifo, None) in found(report, "file-unreadable")
    # the kustomization falls back to its plain resources: the pod beside the FIFO is still checked
    assert ("app/pod.yaml", 11) in found(report, "pod-privileged")


def test_a_symlink_to_a_fifo_is_a_fifo(tmp_path: Path) -> None:
    write(tmp_path, {"app/kustomization.yaml": "resources:\n- link.yaml\n"})
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "app/link.yaml").symlink_to(tmp_path / "pipe")
    # named by the file the link resolves to, as every path a kustomization references; the link itself
    # leads out of the checked directory, so the walk does not read it either
    report = validate(tmp_path, "app")
    assert found(report, "file-unreadable") == [("pipe", None)]
    assert any("outside the repository" in note and "app/link.yaml" in note for note in report.notes)


def _recording_kustomize(tmp_path: Path) -> Path:
    """A shim that logs each invocation, then runs the real kustomize (so a hang is kustomize's own)."""
    tool = find_kustomize()
    assert tool is not None
    log = tmp_path / "calls.log"
    shim = tmp_path / "bin" / "kustomize"
    shim.parent.mkdir()
    command = " ".join(f"'{part}'" for part in tool.command[:1])
    sub = tool.command[1]
    # inferops runs a binary named kustomize as `kustomize build DIR ...`: drop `build`, pass the rest on
    shim.write_text(f"#!/bin/sh\necho \"$2\" >> '{log}'\nshift\nexec {command} {sub} \"$@\"\n")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return shim


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and process groups are POSIX")
def test_one_render_gets_one_time_limit_shared_by_both_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # bypass detection: kustomize itself opens the FIFO and blocks, as a host that never answers would
    shim = _recording_kustomize(tmp_path)
    monkeypatch.setenv("INFEROPS_KUSTOMIZE", str(shim))
    write(tmp_path, {"app/kustomization.yaml": "resources:\n- pipe.yaml\n"})
    os.mkfifo(tmp_path / "app/pipe.yaml")
    tool = find_kustomize()
    assert tool is not None
    rendered = render_one((tmp_path / "app").resolve(), tool, RenderSettings(timeout=2))
    assert rendered.error == "kustomize build did not finish within the render time limit (2s, --render-timeout)"
    # the wrapped build used the whole budget: the direct build was not started for another full limit
    builds = (tmp_path / "calls.log").read_text().splitlines()
    assert len([d for d in builds if "inferops-probe-" not in d]) == 1


def test_the_render_timeout_flag_defaults_to_60_seconds_and_refuses_nonsense() -> None:
    parser = build_parser()
    assert parser.parse_args(["validate"]).render_timeout == 60.0
    assert parser.parse_args(["validate", "--render-timeout", "5"]).render_timeout == 5.0
    for bad in ("0", "-1", "nan", "soon"):
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args(["validate", "--render-timeout", bad])
        assert exit_info.value.code == 2


def test_symlink_loops_are_findings_not_tracebacks(tmp_path: Path) -> None:
    write(tmp_path, {"app/kustomization.yaml": "resources:\n- ../a\n- loop.yaml\n"})
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "app/loop.yaml").symlink_to(tmp_path / "app/loop.yaml")
    (tmp_path / "top.yaml").symlink_to(tmp_path / "top.yaml")
    report = validate(tmp_path)
    assert found(report, "render-failed") == [("app/kustomization.yaml", None)]
    assert ("top.yaml", None) in found(report, "file-unreadable")
