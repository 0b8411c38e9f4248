"""The loader's fast path (yaml-rs) gives exactly what the libyaml path gives, YAML 1.1 included.

Every file of the shared corpora and CRDs, and a list of snippets where YAML 1.1 and 1.2 disagree, is
loaded both ways: data (with types: ``True`` is not ``1``), document lines and findings must match.
"""

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from inferops.validate import loader
from inferops.validate.limits import document_starts
from inferops.validate.loader import load_documents
from inferops.validate.native_yaml import load_native, needs_libyaml

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
#: Big CRDs take seconds on the libyaml path; the smaller ones cover the same constructs.
SHARED_YAML = sorted(p for folder in ("corpus", "crds") for p in (SHARED / folder).rglob("*")
                     if p.suffix in (".yaml", ".yml", ".json") and p.is_file() and p.stat().st_size < 300_000)

YAML11_SNIPPETS = [
    "a: yes\nb: on\nc: Off\nd: NO\n",
    "mode: 0755\n",
    "n: 1_000\n",
    "x: 1e3\ny: 1.5e+3\nz: -.5\n",
    "b: 0b101\no: 0o17\nh: +0x1F\ni: 0xF_F\n",
    "base: &b {a: 1}\nderived:\n  <<: *b\n  c: 2\n",
    "on: push\n",
    "80: http\ntrue: t\nnull: n\n~: m\n1.50: f\n",
    "m: {a: 1, 2}\n",
    "s: {{HF_TOKEN}}\n",
    "[a, b]: c\n",
    "? complex\n: key\n",
    "t: !!str 1\nu: !custom {x: 1}\n",
    "a: 1\n...\n---\nb: 2\n",
    "a: x\u2028b: y\n",
    "a: x\x85b\n",
    "a:\n\t- 1\n",
    "a: 1\r b: 2\n",
    "big: " + "9" * 5000 + "\n",
    "dup: 1\ndup: 2\n",
    "- a\n- b\n",
    "just a scalar\n",
    "a: [1\n---\nb: 2\n",
    "x: \"a #\" , on\n",
    "%YAML 1.1\n---\na: on\n",
    "quoted: 'on'\n",
]

PLAIN_SNIPPETS = [
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n",
    "# the port this service should serve on\napiVersion: v1\nkind: Service\nmetadata:\n  name: s\n",
    "---\n---\n# only a comment\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n",
    "a: 1\n---\n- 1\n---\nscalar\n",
    "--- {apiVersion: v1, kind: Namespace, metadata: {name: n}}\n",
    "",
    "# nothing but a comment\n",
    "a: 'one'\nb: \"0755\"\nc: 1.5\nd: -3\ne: .inf\nf: 0x1F\ng: 1:30\nh: 2024-01-01\ni: ~\nj: True\n",
]


def both_ways(text: str, strict: bool = True) -> tuple[str, str]:
    fast = load_documents(text, "f.yaml", strict=strict)
    slow = loader._load_libyaml(text, "f.yaml", strict)
    return _shape(fast), _shape(slow)


def _shape(result: loader.LoadResult) -> str:
    return json.dumps({
        "manifests": [[m.data, m.line, m.file] for m in result.manifests],
        "findings": [[f.rule_id, f.message, f.line] for f in result.findings],
        "has_objects": result.has_objects,
    }, default=repr)


@pytest.mark.parametrize("path", SHARED_YAML, ids=lambda p: str(p.relative_to(SHARED)))
def test_every_shared_file_loads_the_same_both_ways(path: Path) -> None:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    fast, slow = both_ways(text)
    assert fast == slow


@pytest.mark.parametrize("text", YAML11_SNIPPETS + PLAIN_SNIPPETS)
@pytest.mark.parametrize("strict", [True, False])
def test_yaml11_snippets_load_the_same_both_ways(text: str, strict: bool) -> None:
    fast, slow = both_ways(text, strict)
    assert fast == slow


@pytest.mark.parametrize("text", YAML11_SNIPPETS[:19])
def test_yaml11_constructs_are_left_to_libyaml(text: str) -> None:
    assert needs_libyaml(text) or load_native(text, document_starts(text), strict=True) is None


@pytest.mark.parametrize("text", PLAIN_SNIPPETS)
def test_plain_manifests_take_the_fast_path(text: str) -> None:
    assert load_native(text, document_starts(text), strict=True) is not None


def test_the_replicated_corpus_mostly_takes_the_fast_path() -> None:
    corpus = SHARED / "corpus" / "argocd-example-apps"
    files = [p for p in corpus.rglob("*.yaml") if "templates" not in p.parts]
    fast = [p for p in files if load_native(t := p.read_text(), document_starts(t), strict=True) is not None]
    assert len(fast) >= 0.9 * len(files)


def test_a_field_line_on_the_fast_path_comes_from_libyaml_on_demand() -> None:
    text = "# c\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      image: x\n"
    assert load_native(text, document_starts(text), strict=True) is not None
    manifest = load_documents(text, "p.yaml", strict=True).manifests[0]
    assert manifest.line == 2
    assert manifest.locate(("spec", "containers", 0, "image")) == 9
    assert manifest.line_of(("metadata", "name", "missing")) == 5


FUZZ_PIECES = [*"0123456789abcxyzAEX+-._:~ #'\"[]{},!&*|>?%@`\\\n\t", "yes", "on", "null", "true", "\n  ", "\n- ",
               ": ", "- ", "---\n", "\\n", "\\x41", "\u00e9", "\u2028", "key: ", "\n  k: ", "<<: "]


def test_random_texts_load_the_same_both_ways() -> None:
    """Seeded, bounded fuzzing: random YAML-ish texts give the same data, lines and findings both ways."""
    rng = random.Random(20250101)
    for _ in range(1500):
        text = "".join(rng.choice(FUZZ_PIECES) for _ in range(rng.randint(1, 14)))
        fast, slow = both_ways(text, strict=rng.random() < 0.5)
        assert fast == slow, text


def test_runs_after_the_first_in_one_process_parse_on_threads_safely(tmp_path: Path) -> None:
    """yaml-rs keeps state from the first thread that parses; a fresh thread after that one exited crashed
    the interpreter on the second in-process run (``inferops fix`` validates once per round). Run in a child
    process, so a crash fails this test instead of the test worker."""
    for i in range(8):  # enough files for discovery's load threads
        (tmp_path / f"cm{i}.yaml").write_text(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm{i}\ndata:\n  key: value\n", encoding="utf-8")
    script = ("import contextlib, io, sys\nfrom inferops.cli import main\n"
              "for _ in range(3):\n"
              "    with contextlib.redirect_stdout(io.StringIO()):\n"
              "        assert main(['validate', '.']) == 0\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
