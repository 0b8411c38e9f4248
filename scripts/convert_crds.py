#!/usr/bin/env python3
"""Convert CustomResourceDefinitions into the JSON Schemas shipped in ``schemas/crds``.

    python scripts/convert_crds.py [CRD_DIR ...] [--output schemas/crds]

By default it reads ``../shared/crds`` beside the checkout (Argo CD, KEDA, Prometheus Operator, KServe,
LeaderWorkerSet, KubeRay, JobSet, Gateway API and its inference extension; all Apache-2.0) and writes
``<group>/<kind>_<version>.json.gz``: the layout of kubeconform's
``{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`` template, gzip-compressed (byte for
byte reproducible) so the wheel stays small. A ``LICENSE`` beside a CRD file is copied into each group
directory written from it. A test re-runs the script and checks that the shipped files are in sync.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inferops.errors import InferopsError  # noqa: E402
from inferops.validate.schema.crd import compress, crd_files, load_crds  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "crds"
DEFAULT_OUTPUT = ROOT / "schemas" / "crds"


def convert(sources: list[Path], output: Path) -> list[Path]:
    """Write one schema file per CRD version found under ``sources``; return the files written."""
    written = []
    for source in sources:
        for file in crd_files(source):
            if file.name == "LICENSE":
                continue
            for crd in load_crds(file):
                target = output / crd.shipped_path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(compress(crd.schema))
                written.append(target)
                licence = file.parent / "LICENSE"
                if licence.is_file():
                    shutil.copyfile(licence, target.parent / "LICENSE")
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
