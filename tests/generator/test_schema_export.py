"""schemas/*.schema.json match the pydantic models, and the spec schema accepts what the loader accepts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
from ruamel.yaml import YAML

from inferops.data import schemas_dir
from inferops.generator.spec import EXAMPLE_SPEC

from conftest import SPECS

ROOT = Path(__file__).resolve().parents[2]


def test_exported_schemas_are_in_sync() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts/export_schemas.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_spec_schema_accepts_the_samples_and_refuses_unknown_keys() -> None:
    schema = json.loads((schemas_dir() / "model-spec.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in [EXAMPLE_SPEC, *sorted(SPECS.glob("*.yaml"))]:
        document = YAML(typ="safe").load(path.read_text())
        assert list(validator.iter_errors(document)) == [], path
        document["colour"] = "red"
        assert list(validator.iter_errors(document)), path
