"""Benchmark inferops' schema engine against a peer on the same corpus, in the same process.

Peers: the ``kubernetes-validate`` package (pure-Python ``jsonschema``; same schema files), and the
``kubeconform`` binary when one is on PATH. Each peer parses and validates the same documents in
strict mode against the same Kubernetes version; objects without a built-in schema are skipped by both.

    python bench/bench_schema.py                       # corpus: ../shared/corpus (GPU samples + Argo CD apps)
    python bench/bench_schema.py path/ other.yaml -n 5 --kubernetes-version 1.33.0

Prints the best-of-N wall time for each engine and the speed-up. The counts beside the timings are what each
engine reports: inferops every schema error, kubernetes-validate the first error of each object. Timings belong here, never in unit tests.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = [ROOT.parent / "shared" / "corpus" / "gke-gpu-samples", ROOT.parent / "shared" / "corpus" / "argocd-example-apps"]


def manifest_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        else:
            files.extend(p for p in sorted(path.rglob("*")) if p.suffix in (".yaml", ".yml", ".json") and "templates" not in p.parts)
    return files


def run_inferops(files: list[Path], version: str) -> int:
    """Load with the libyaml-backed loader, validate with compiled jsonschema-rs validators."""
    from inferops.validate.loader import load_path
    from inferops.validate.schema import SchemaChecker, SchemaOptions

    checker = SchemaChecker(SchemaOptions(kubernetes_version=version, strict=True, ignore_missing=True))
    count = 0
    for f in files:
        result = load_path(f, str(f), strict=True)
        count += len(checker.check_all(result.manifests))
    return count


def run_kubernetes_validate(files: list[Path], version: str) -> int:
    """The peer: kubernetes-validate's own loader and validator on the same files."""
    import kubernetes_validate
    from kubernetes_validate.utils import resources_from_file

    count = 0
    for f in files:
        try:
            resources = resources_from_file(str(f))
        except SystemExit:  # the peer reports a file it cannot parse by exiting; count it as one finding
            count += 1
            continue
        for resource in resources:
            if not isinstance(resource, dict) or "kind" not in resource:
                continue
            try:
                kubernetes_validate.validate(resource, version, strict=True)
            except kubernetes_validate.SchemaNotFoundError:
                continue
            except Exception:  # noqa: BLE001 - ValidationError and friends
                count += 1
    return count


def run_kubeconform(files: list[Path], version: str) -> int:
    binary = shutil.which("kubeconform")
    assert binary
    proc = subprocess.run([binary, "-strict", "-ignore-missing-schemas", "-kubernetes-version", version,
                           "-summary", *map(str, files)], capture_output=True, text=True)
    return proc.returncode


def best_of(fn: Callable[[list[Path], str], int], files: list[Path], version: str, repeat: int) -> tuple[float, int]:
    best, result = float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(files, version)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("-n", "--repeat", type=int, default=3)
    parser.add_argument("--kubernetes-version", default="1.33.0")
    parser.add_argument("--copies", type=int, default=1, help="validate the corpus this many times per run (a bigger workload)")
    args = parser.parse_args()
    files = manifest_files(args.paths) * args.copies
    if not files:
        print("no manifests found", file=sys.stderr)
        return 2
    print(f"{len(files)} files, Kubernetes {args.kubernetes_version}, best of {args.repeat}")
    engines: dict[str, Callable[[list[Path], str], int]] = {
        "inferops": run_inferops,
        "kubernetes-validate": run_kubernetes_validate,
    }
    if shutil.which("kubeconform"):
        engines["kubeconform"] = run_kubeconform
    timings = {}
    for name, fn in engines.items():
        seconds, findings = best_of(fn, files, args.kubernetes_version, args.repeat)
        timings[name] = seconds
        print(f"{name:>20}: {seconds * 1000:9.1f} ms  ({findings} reported)")
    base = timings["inferops"]
    for name, seconds in timings.items():
        if name != "inferops":
            print(f"speed-up of inferops over {name}: {seconds / base:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
