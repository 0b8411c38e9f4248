"""``--engine kubeconform`` against the real kubeconform binary, on kubeconform's own fixtures.

For each mode, every fixture is checked twice: by the binary run directly on the fixture files, and by
inferops with ``--engine kubeconform`` (its loader, then the same binary through the engine). Both get
kubernetes-validate's local schemas, so nothing is downloaded. A fixture's verdict (valid or not) must
be the same both ways.

Building the binary takes one to three minutes on two cores, so this test is ``slow`` and runs only when
a binary is already there: ``$INFEROPS_KUBECONFORM``, or the one ``python bench/bench.py`` (or
``bench/kubeconform_setup.py``'s ``build_binary``) leaves in ``~/.cache/inferops-dev/kubeconform``.
"""

import importlib.util
import json
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

from inferops.validate.loader import load_path
from inferops.validate.schema import SchemaChecker, SchemaOptions

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT.parent / "shared" / "corpus" / "kubeconform-fixtures"
KUBERNETES_VERSION = "1.33.0"
#: kubeconform's default mode and inferops' default (``-strict``); each mode costs a minute on a busy machine.
MODES = {"default": (False, False), "strict": (True, False)}

_spec = importlib.util.spec_from_file_location("kubeconform_setup", ROOT / "bench" / "kubeconform_setup.py")
assert _spec is not None and _spec.loader is not None
setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(setup)
BINARY = setup.cached_binary()

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(BINARY is None, reason="no kubeconform binary built (see bench/kubeconform_setup.py)"),
    pytest.mark.skipif(not FIXTURES.is_dir(), reason="../shared reference data is not beside the checkout"),
]


def fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.suffix in (".yaml", ".yml", ".json"))


def binary_verdicts(strict: bool, ignore_missing: bool, location: str) -> dict[str, int]:
    """1 for each fixture the binary reports an invalid or unreadable resource in, else 0."""
    flags = ["-output", "json", "-kubernetes-version", KUBERNETES_VERSION, "-schema-location", location]
    flags += ["-strict"] * strict + ["-ignore-missing-schemas"] * ignore_missing
    done = subprocess.run([str(BINARY), *flags, *map(str, fixtures())], capture_output=True, text=True,
                          check=False, timeout=600)
    bad = {Path(r["filename"]).name for r in json.loads(done.stdout or "{}").get("resources") or []
           if r.get("status") in ("statusInvalid", "statusError")}
    return {path.name: int(path.name in bad) for path in fixtures()}


def engine_verdicts(strict: bool, ignore_missing: bool, location: str) -> dict[str, int]:
    """The same through inferops: its loader's findings plus ``--engine kubeconform``'s, in one batch."""
    checker = SchemaChecker(SchemaOptions(kubernetes_version=KUBERNETES_VERSION, strict=strict,
                                          ignore_missing=ignore_missing, engine="kubeconform",
                                          locations=[location]))
    errors: dict[str, int] = defaultdict(int)
    manifests = []
    for path in fixtures():
        loaded = load_path(path, path.name, strict=strict)
        errors[path.name] += sum(f.severity.value == "error" for f in loaded.findings)
        manifests.extend(loaded.manifests)
    for finding in checker.check_all(manifests):
        errors[finding.file] += finding.severity.value == "error"
    return {path.name: int(errors[path.name] > 0) for path in fixtures()}


@pytest.mark.parametrize("mode", MODES)
def test_engine_kubeconform_agrees_with_the_binary_on_every_fixture(
        mode: str, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    assert BINARY is not None
    monkeypatch.setenv("PATH", f"{BINARY.parent}:{__import__('os').environ.get('PATH', '')}")
    strict, ignore_missing = MODES[mode]
    location = setup.local_schemas(KUBERNETES_VERSION, tmp_path_factory.getbasetemp() / "schemas", strict=strict)
    direct = binary_verdicts(strict, ignore_missing, location)
    through_engine = engine_verdicts(strict, ignore_missing, location)
    assert len(direct) >= 30
    differing = {name: (direct[name], through_engine[name]) for name in direct if direct[name] != through_engine[name]}
    assert differing == {}


def test_self_contained_schemas_stand_alone_and_give_the_same_verdicts(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The benchmark's schemas (every ``$ref`` inlined, one file per kind) refer to nothing outside their
    own file, and the binary reaches the same verdict on every fixture with them as with the shared
    ``_definitions.json``."""
    base = tmp_path_factory.getbasetemp() / "schemas"
    standalone = setup.standalone_schemas(KUBERNETES_VERSION, base)
    for schema in Path(standalone).parent.glob("*.json"):
        text = schema.read_text(encoding="utf-8")
        local = json.loads(text).get("$defs", {})
        refs = set(re.findall(r'"\$ref": "([^"]*)"', text))
        assert {ref for ref in refs if ref.removeprefix("#/$defs/") not in local} == set(), schema.name
    shared = setup.local_schemas(KUBERNETES_VERSION, base, strict=True)
    assert binary_verdicts(True, False, standalone) == binary_verdicts(True, False, shared)
