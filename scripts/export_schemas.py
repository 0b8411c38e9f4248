"""Regenerate the JSON Schemas of the user-written files from their pydantic models.

    python scripts/export_schemas.py          # write schemas/*.schema.json
    python scripts/export_schemas.py --check  # exit 1 if they are out of date

tests/generator/test_schema_export.py runs the check, so a model change without a re-export fails CI.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _policy_schema() -> dict[str, Any]:
    from inferops.policy import Policy

    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/inferops/inferops/schemas/policy.schema.json",
        **Policy.model_json_schema(),
    }


def _spec_schema() -> dict[str, Any]:
    from inferops.generator.spec import spec_json_schema

    return spec_json_schema()


EXPORTS: dict[str, Callable[[], dict[str, Any]]] = {
    "model-spec.schema.json": _spec_schema,
    "policy.schema.json": _policy_schema,
}


def rendered() -> dict[str, str]:
    """File name -> the text it should hold."""
    return {name: json.dumps(build(), indent=2, sort_keys=False) + "\n" for name, build in EXPORTS.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a schema file is out of date")
    args = parser.parse_args()
    stale = []
    for name, text in rendered().items():
        path = ROOT / "schemas" / name
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(name)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check and stale:
        print(f"out of date: {', '.join(stale)}; run python scripts/export_schemas.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
