"""Size limits: an oversized file or document is refused before parsing, with one finding at its line."""

from pathlib import Path

import pytest

from inferops.cli import main
from inferops.validate.limits import Limits, count_nodes, parse_size
from inferops.validate.loader import load_documents, load_path

NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"


def only_finding(result) -> tuple[str, int | None, str]:
    assert result.manifests == [] and len(result.findings) == 1
    finding = result.findings[0]
    return finding.rule_id, finding.line, finding.message


def test_a_file_over_the_byte_limit_is_refused_without_being_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(NAMESPACE + "#" * 5000 + "\n")
    rule, line, message = only_finding(load_path(path, "big.yaml", strict=True, limits=Limits(file_bytes=4096)))
    assert (rule, line) == ("file-unreadable", 1)
    assert "over the limit of 4096 bytes for one file" in message and "--max-file-bytes" in message


def test_a_document_over_the_byte_limit_is_refused_at_its_line() -> None:
    text = NAMESPACE + "---\n" + NAMESPACE + "data: {k: " + "x" * 3000 + "}\n"
    rule, line, message = only_finding(load_documents(text, "f.yaml", strict=True, limits=Limits(document_bytes=2048)))
    assert (rule, line) == ("file-unreadable", 4)
    assert "--max-document-bytes" in message


def test_a_one_line_flow_map_with_too_many_nodes_is_refused() -> None:
    text = "{" + ", ".join(f"k{i}: [1, 2]" for i in range(5000)) + "}\n"
    rule, line, message = only_finding(load_documents(text, "flow.yaml", strict=True, limits=Limits(nodes=10_000)))
    assert (rule, line) == ("file-unreadable", 1)
    assert "more than 10000 YAML nodes" in message


def test_too_many_documents_are_refused_at_the_first_one_past_the_limit() -> None:
    text = "".join(f"---\n{NAMESPACE}" for _ in range(5))
    rule, line, message = only_finding(load_documents(text, "many.yaml", strict=True, limits=Limits(documents=3)))
    assert (rule, line) == ("file-unreadable", 13)
    assert "more than 3 documents" in message


def test_indicator_characters_in_strings_are_counted_exactly_before_refusing() -> None:
    """Colons and dashes in a block scalar raise the quick bound, not the node count: the file loads."""
    text = NAMESPACE + "data:\n  log: |\n" + "".join("    12:00:01 - a, b, c\n" for _ in range(300))
    assert count_nodes(text, 10_000) < 20
    result = load_documents(text, "log.yaml", strict=True, limits=Limits(nodes=2_000))
    assert result.findings == [] and len(result.manifests) == 1


@pytest.mark.parametrize(("text", "size"), [("1048576", 1 << 20), ("512K", 512 << 10), ("64M", 64 << 20),
                                            ("1G", 1 << 30), ("2MiB", 2 << 20)])
def test_sizes_take_binary_suffixes(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_the_flags_raise_and_lower_the_limits(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ns.yaml"
    path.write_text(NAMESPACE + "---\n" + NAMESPACE)
    assert main(["validate", str(path), "--checks", "schema", "--max-documents", "1"]) == 2
    assert "more than 1 documents in one file (raise the limit with --max-documents)" in capsys.readouterr().out
    assert main(["validate", str(path), "--checks", "schema", "--max-file-bytes", "1K"]) == 0
    with pytest.raises(SystemExit):
        main(["validate", str(path), "--max-file-bytes", "lots"])
