"""Issue 8, item 2: kustomize never reaches the network while validating an untrusted change.

Each remote form is planted in a real kustomization and pointed at a real 127.0.0.1 server that counts
what it receives: it must receive nothing, the reference must be a finding at its file and line, and
the kustomization's local resources must still be checked. Then the second layer: kustomize started
directly (as if detection had missed something) runs in an environment that cannot fetch anything.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from render_support import (
    MARKER,
    PRIVILEGED_POD,
    counting_http_server,
    counting_tcp_listener,
    everything_said,
    found,
    needs_kustomize,
    validate,
    write,
)

from inferops.cli import main
from inferops.validate import render
from inferops.validate.discovery import discover
from inferops.validate.render import UNREACHABLE_PROXY, RenderSettings, find_kustomize, network_sandbox, render_one
from inferops.validate.remote import is_remote

pytestmark = needs_kustomize

# (kustomization text with {url}, the line naming the remote entry); each also lists the local pod.yaml
FORMS = {
    "resources-url": ("resources:\n- pod.yaml\n- {url}/cm.yaml\n", 3),
    "resources-upper-case-scheme": ("resources:\n- pod.yaml\n- {URL}/cm.yaml\n", 3),
    "bases-github": ("resources:\n- pod.yaml\nbases:\n- github.com/example/bases//app?ref=v1\n", 4),
    "components-scp": ("resources:\n- pod.yaml\ncomponents:\n- git@127.0.0.1:example/comp.git\n", 4),
    "resources-git-prefix": ("resources:\n- pod.yaml\n- git::{url}/example/repo.git\n", 3),
    "resources-file-clone": ("resources:\n- pod.yaml\n- file:///tmp/some/repo.git\n", 3),
    "configmap-files": ("resources:\n- pod.yaml\nconfigMapGenerator:\n- name: c\n  files:\n  - key={url}/f\n", 6),
    "secret-envs": ("resources:\n- pod.yaml\nsecretGenerator:\n- name: s\n  envs:\n  - {url}/env\n", 6),
    "patch-path": ("resources:\n- pod.yaml\npatches:\n- path: {url}/patch.yaml\n", 4),
    "inline-builtin-transformer": (
        "resources:\n- pod.yaml\ntransformers:\n- |-\n  apiVersion: builtin\n  kind: PatchTransformer\n"
        "  metadata: {{name: p}}\n  path: {url}/patch.yaml\n", 4),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_remote_reference_is_a_finding_at_its_line_and_nothing_is_fetched(tmp_path: Path, form: str) -> None:
    text, line = FORMS[form]
    with counting_http_server() as server:
        write(tmp_path, {"app/pod.yaml": PRIVILEGED_POD,
                         "app/kustomization.yaml": text.format(url=server.url, URL=server.url.upper())})
        report = validate(tmp_path)
    assert server.connections == 0 and server.requests == []
    assert found(report, "remote-reference") == [("app/kustomization.yaml", line)]
    # the local resource is still checked, and said so
    assert ("app/pod.yaml", 11) in found(report, "pod-privileged")
    assert any("app/pod.yaml" in note and "not rendered (app)" in note for note in report.notes)
    assert report.exit_code == 1 and MARKER not in everything_said(report)


def test_remote_references_are_found_at_any_depth_of_local_bases(tmp_path: Path) -> None:
    with counting_http_server() as server:
        write(tmp_path, {
            "overlays/prod/kustomization.yaml": "resources:\n- ../../mid\n",
            "mid/kustomization.yaml": "resources:\n- ../deep\n",
            "deep/kustomization.yaml": f"resources:\n- pod.yaml\n- {server.url}/cm.yaml\n",
            "deep/pod.yaml": PRIVILEGED_POD,
        })
        # only the overlay is named: the bases are outside the scanned path and still followed
        report = validate(tmp_path, "overlays/prod")
    assert server.requests == [] and server.connections == 0
    assert found(report, "remote-reference") == [("deep/kustomization.yaml", 3)]
    assert ("deep/pod.yaml", 11) in found(report, "pod-privileged")


def test_a_remote_path_in_a_builtin_plugin_config_file_is_found(tmp_path: Path) -> None:
    with counting_http_server() as server:
        write(tmp_path, {
            "app/kustomization.yaml": "resources:\n- pod.yaml\ntransformers:\n- patcher.yaml\n",
            "app/patcher.yaml": f"apiVersion: builtin\nkind: PatchTransformer\nmetadata:\n  name: p\npath: {server.url}/p.yaml\n",
            "app/pod.yaml": PRIVILEGED_POD,
        })
        report = validate(tmp_path)
    assert server.requests == [] and found(report, "remote-reference") == [("app/patcher.yaml", 5)]


def test_allow_remote_lets_kustomize_fetch_so_the_server_does_count(tmp_path: Path) -> None:
    # the control experiment: the same setup does reach the server when the owner allows it
    with counting_http_server() as server:
        write(tmp_path, {"app/kustomization.yaml": f"resources:\n- {server.url}/cm.yaml\n"})
        report = validate(tmp_path, checks=["render", "schema"], allow_remote=True)
    assert server.requests and found(report, "remote-reference") == []
    assert report.objects_checked == 1


def test_the_allow_remote_flag_is_documented_off_by_default_and_not_in_the_action() -> None:
    root = Path(__file__).resolve().parents[2]
    assert "`--allow-remote`" in (root / "README.md").read_text()
    import yaml

    action = yaml.safe_load((root / "action.yml").read_text())
    assert not [name for name in action["inputs"] if "remote" in name]
    assert not [step for step in action["runs"]["steps"] if "allow-remote" in step.get("run", "")]
    from inferops.cli import build_parser

    args = build_parser().parse_args(["validate"])
    assert args.allow_remote is False and args.render_timeout == 60.0


@pytest.mark.parametrize("entry", [
    "https://x/y", "HTTP://x/y", "git::https://x/y", "GIT::x@y:z", "github.com/o/r", "GitHub.com:o/r",
    "git@github.com:o/r.git", "ssh://git@x/o/r", "file:///etc", " https://x/y",
])
def test_every_form_kustomize_fetches_is_remote(entry: str) -> None:
    assert is_remote(entry)


@pytest.mark.parametrize("entry", ["pod.yaml", "../base", "overlays/prod", "github.comx/o", "dir/github.com/o/r"])
def test_local_paths_are_not_remote(entry: str) -> None:
    assert not is_remote(entry)


# --- the second layer: the environment kustomize runs in ------------------------------------------


def _render_directly(root: Path) -> render.Rendered:
    """kustomize started on ``root`` without remote detection, as if :mod:`closure` had missed something."""
    tool = find_kustomize()
    assert tool is not None
    return render_one(root.resolve(), tool, RenderSettings(timeout=30))


def test_kustomize_cannot_clone_a_repository_from_elsewhere_on_disk(tmp_path: Path) -> None:
    # file:// makes kustomize clone with git: reading outside the repository without any network
    outside = tmp_path / "outside"
    write(outside, {"kustomization.yaml": "resources: [cm.yaml]\n",
                    "cm.yaml": f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\ndata: {{k: {MARKER}}}\n"})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-C", str(outside)]
    subprocess.run([*git, "init", "-q", "-b", "main"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    write(tmp_path, {"repo/app/kustomization.yaml": f"resources:\n- file://{outside}?ref=main\n"})
    rendered = _render_directly(tmp_path / "repo/app")
    assert rendered.error is not None and MARKER not in rendered.text and "stolen" not in rendered.text


def test_git_transports_are_refused_before_any_connection(tmp_path: Path) -> None:
    with counting_tcp_listener() as listener:
        write(tmp_path, {"app/kustomization.yaml": f"resources:\n- ssh://git@127.0.0.1:{listener.port}/o/r.git\n"})
        rendered = _render_directly(tmp_path / "app")
    assert rendered.error is not None and listener.connections == 0


def test_http_to_any_other_host_goes_to_the_unreachable_proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # this layer alone, without the network namespace (which would hide the host's loopback server too)
    monkeypatch.setattr(render, "network_sandbox", lambda tool: ())
    # point the "unreachable" proxy at a counting server to see that kustomize really uses it ...
    with counting_http_server(status=403) as proxy:
        monkeypatch.setattr(render, "UNREACHABLE_PROXY", proxy.url)
        write(tmp_path, {"app/kustomization.yaml": "resources:\n- http://manifests.example.com/cm.yaml\n"})
        rendered = _render_directly(tmp_path / "app")
    assert set(proxy.requests) == {"http://manifests.example.com/cm.yaml"} and rendered.error is not None
    # ... and with the real one, the request is refused and nothing comes back
    monkeypatch.setattr(render, "UNREACHABLE_PROXY", UNREACHABLE_PROXY)
    rendered = _render_directly(tmp_path / "app")
    assert rendered.error is not None and rendered.text == ""


def test_the_validate_command_fetches_nothing_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    with counting_http_server() as server:
        write(tmp_path, {"app/kustomization.yaml": f"resources:\n- {server.url}/cm.yaml\n"})
        monkeypatch.chdir(tmp_path)
        for fmt in ("text", "json", "sarif", "github", "junit"):
            assert main(["validate", "--format", fmt]) == 1
            assert MARKER not in capsys.readouterr().out
    assert server.connections == 0
    assert discover([], tmp_path).render_roots[0].remote[0].line == 2


def test_where_the_os_allows_it_even_loopback_is_out_of_reach(tmp_path: Path) -> None:
    tool = find_kustomize()
    if tool is None or not network_sandbox(tool):
        pytest.skip("this OS refuses unprivileged network namespaces")
    # proxies do not apply to loopback addresses (Go's rule), so only detection and the namespace stop this
    with counting_http_server() as server:
        write(tmp_path, {"app/kustomization.yaml": f"resources:\n- {server.url}/cm.yaml\n"})
        rendered = _render_directly(tmp_path / "app")
    assert server.connections == 0 and rendered.error is not None and MARKER not in rendered.text


def test_a_duplicated_key_cannot_hide_a_remote_entry(tmp_path: Path) -> None:
    with counting_http_server() as server:
        write(tmp_path, {"app/kustomization.yaml": f"resources:\n- {server.url}/cm.yaml\nresources:\n- pod.yaml\n",
                         "app/pod.yaml": PRIVILEGED_POD})
        report = validate(tmp_path)
    assert server.connections == 0 and found(report, "remote-reference") == [("app/kustomization.yaml", 2)]


@pytest.mark.parametrize(("text", "line"), [("resources: [a\n", 2), ("\tresources: []\n", 1)])
def test_a_kustomization_that_cannot_be_parsed_is_not_handed_to_kustomize(tmp_path: Path, text: str,
                                                                           line: int) -> None:
    # what it would fetch cannot be known; kustomize's own YAML parser might read it differently
    write(tmp_path, {"app/kustomization.yaml": text})
    report = validate(tmp_path)
    [failed] = [f for f in report.findings if f.rule_id == "render-failed"]
    assert (failed.file, failed.line) == ("app/kustomization.yaml", line)
    assert "cannot be read (invalid YAML" in failed.message
