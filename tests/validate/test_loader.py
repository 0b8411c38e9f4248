"""The loader: YAML/JSON documents become manifests with lines, or findings that say what is wrong."""

from pathlib import Path

import pytest

from inferops.validate.loader import load_documents, load_path

DEPLOYMENT = """\
# a comment before the object
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm
spec:
  template:
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:v0.8.5
          resources:
            limits:
              nvidia.com/gpu: 1
"""


def rules(result) -> list[tuple[str, int | None]]:
    return [(f.rule_id, f.line) for f in result.findings]


def test_multi_document_yaml_gives_one_manifest_per_object_with_its_first_line() -> None:
    text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n# second\n\napiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n"
    result = load_documents(text, "ns.yaml", strict=True)
    assert [(m.name, m.line, m.file) for m in result.manifests] == [("a", 1, "ns.yaml"), ("b", 7, "ns.yaml")]
    assert result.findings == []


def test_locate_maps_nested_json_paths_to_lines() -> None:
    m = load_documents(DEPLOYMENT, "d.yaml", strict=True).manifests[0]
    assert m.line == 2
    assert m.locate(("spec", "template", "spec", "containers", 0, "image")) == 11
    assert m.locate(("spec", "template", "spec", "containers", 0, "resources", "limits", "nvidia.com/gpu")) == 14
    assert m.locate(("spec", "template", "spec", "containers", 0)) == 10
    assert m.locate(("spec", "nope")) is None
    assert m.line_of(("spec", "template", "spec", "containers", 0, "missing")) == 10


def test_json_documents_load_with_lines() -> None:
    text = '{\n\t"apiVersion": "v1",\n\t"kind": "Namespace",\n\t"metadata": {\n\t\t"name": "a"\n\t}\n}\n'
    result = load_documents(text, "ns.json", strict=True)
    assert result.findings == []
    assert result.manifests[0].data == {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
    assert result.manifests[0].locate(("metadata", "name")) == 5


def test_list_kinds_are_expanded_into_their_items_and_an_empty_list_is_valid() -> None:
    text = ("apiVersion: v1\nkind: List\nitems:\n"
            "  - apiVersion: v1\n    kind: Namespace\n    metadata: {name: a}\n"
            "  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: b}\n    data: {k: v}\n")
    result = load_documents(text, "list.yaml", strict=True)
    assert [(m.kind, m.line) for m in result.manifests] == [("Namespace", 4), ("ConfigMap", 7)]
    assert result.manifests[1].locate(("data", "k")) == 10
    empty = load_documents("apiVersion: v1\nkind: List\nitems: []\n", "empty.yaml", strict=True)
    assert empty.manifests == [] and empty.findings == []


def test_blank_and_comment_only_documents_are_skipped() -> None:
    result = load_documents("---\n# only a comment\n---\n\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n",
                            "x.yaml", strict=True)
    assert [m.name for m in result.manifests] == ["a"]
    assert result.findings == []
    assert load_documents("", "empty.yaml", strict=True).manifests == []


def test_duplicate_keys_are_findings_in_strict_mode_and_last_wins_otherwise() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  mode: fast\n  mode: safe\n"
    strict = load_documents(text, "cm.yaml", strict=True)
    assert rules(strict) == [("yaml-invalid", 7)]
    assert "duplicate key 'mode'" in strict.findings[0].message
    lax = load_documents(text, "cm.yaml", strict=False)
    assert lax.findings == []
    assert lax.manifests[0].data["data"] == {"mode": "safe"}


def test_a_syntax_error_is_reported_at_its_line_and_later_documents_still_load() -> None:
    text = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nkey: [unclosed\nother: 1\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: c}\n"
    result = load_documents(text, "x.yaml", strict=True)
    assert [f.rule_id for f in result.findings] == ["yaml-invalid"]
    assert 5 <= result.findings[0].line <= 7
    assert [(m.name, m.line) for m in result.manifests] == [("a", 1), ("c", 8)]


def test_tab_indentation_is_named() -> None:
    result = load_documents("metadata:\n\tname: a\n", "t.yaml", strict=True)
    assert rules(result) == [("yaml-invalid", 2)]
    assert "tab" in result.findings[0].message


def test_alias_bombs_are_refused_quickly() -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    result = load_documents("\n".join(levels) + "\n", "bomb.yaml", strict=True)
    assert result.manifests == []
    assert rules(result) == [("yaml-invalid", 1)]
    assert "alias" in result.findings[0].message


def test_ordinary_aliases_and_merge_keys_are_expanded() -> None:
    text = "base: &base {a: 1, b: 2}\nobj:\n  <<: *base\n  b: 3\ncopy: *base\n"
    data = load_documents(text, "m.yaml", strict=True).manifests[0].data
    assert data["obj"] == {"a": 1, "b": 3}
    assert data["copy"] == {"a": 1, "b": 2}


def test_recursive_aliases_are_refused() -> None:
    result = load_documents("a: &a [*a]\n", "r.yaml", strict=True)
    assert [f.rule_id for f in result.findings] == ["yaml-invalid"]


def test_scalars_follow_kubectl_yaml_rules() -> None:
    text = "when: 2024-01-02\nport: 8080\nflag: on\nmode: 0644\nclock: 22:30\nnothing: ~\nratio: 0.5\n80: http\n"
    data = load_documents(text, "s.yaml", strict=True).manifests[0].data
    assert data == {"when": "2024-01-02", "port": 8080, "flag": True, "mode": 420, "clock": "22:30",
                    "nothing": None, "ratio": 0.5, "80": "http"}


def test_documents_that_are_not_mappings_are_object_invalid() -> None:
    result = load_documents("- a\n- b\n---\njust text\n", "l.yaml", strict=True)
    assert rules(result) == [("object-invalid", 1), ("object-invalid", 4)]
    assert result.manifests == []


def test_non_object_list_items_are_object_invalid() -> None:
    result = load_documents("apiVersion: v1\nkind: List\nitems:\n  - 42\n", "l.yaml", strict=True)
    assert rules(result) == [("object-invalid", 4)]


@pytest.mark.parametrize(("content", "needle"), [
    (b"\x00\x01\x02binary", "binary"),
    (b"kind: \xff\xfe\n", "UTF-8"),
])
def test_binary_and_non_utf8_files_are_unreadable_findings(tmp_path: Path, content: bytes, needle: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    result = load_path(path, "bad.yaml", strict=True)
    assert [(f.rule_id, f.file) for f in result.findings] == [("file-unreadable", "bad.yaml")]
    assert needle in result.findings[0].message


def test_missing_file_is_an_unreadable_finding_not_an_exception(tmp_path: Path) -> None:
    result = load_path(tmp_path / "gone.yaml", "gone.yaml", strict=True)
    assert [f.rule_id for f in result.findings] == ["file-unreadable"]


def test_load_path_reads_utf8_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "ns.yaml"
    path.write_bytes("\ufeffapiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n".encode())
    result = load_path(path, "ns.yaml", strict=True)
    assert [m.name for m in result.manifests] == ["a"]


def test_an_integer_too_long_to_convert_stays_text() -> None:
    # Python refuses int() of more than 4300 digits; go-yaml keeps such a scalar as a string too
    digits = "9" * 5000
    result = load_documents(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\ndata: {{a: {digits}}}\n",
                            "big.yaml", strict=True)
    assert result.findings == []
    assert result.manifests[0].data["data"]["a"] == digits


def test_a_fifo_is_a_finding_not_a_hang(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert [(f.rule_id, f.message) for f in load_path(fifo, "pipe.yaml", strict=True).findings] == [
        ("file-unreadable", "not a regular file (a FIFO, socket or device)")]
