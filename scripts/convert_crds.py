#!/usr/bin/env python3
"""Convert CustomResourceDefinitions into the JSON Schemas shipped in ``schemas/crds``.

    python scripts/convert_crds.py [CRD_DIR ...] [--output schemas/crds]

By default it reads ``../shared/crds`` beside the checkout (Argo CD, KEDA and Prometheus Operator CRDs,
Apache-2.0) and writes ``<group>/<kind>_<version>.json``, the layout of kubeconform's
``{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`` template. A test re-runs it and
checks that the shipped files are in sync.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inferops.errors import InferopsError  # noqa: E402
from inferops.validate.schema.crd import dump, load_crds  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "crds"
DEFAULT_OUTPUT = ROOT / "schemas" / "crds"


def convert(sources: list[Path], output: Path) -> list[Path]:
    """Write one schema file per CRD version found under ``sources``; return the files written."""
    written = []
    for source in sources:
        for crd in load_crds(source):
            target = output / crd.relative_path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(dump(crd.schema), encoding="utf-8")
            written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", nargs="*", type=Path, default=[DEFAULT_SOURCE], help="CRD files or directories")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="directory to write schemas into")
    args = parser.parse_args(argv)
    try:
        written = convert(args.sources, args.output)
    except InferopsError as err:
        print(f"convert_crds: error: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(path.relative_to(args.output))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
