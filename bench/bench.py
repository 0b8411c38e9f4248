"""Benchmark inferops against kubeconform and kubernetes-validate, side by side, in one run.

Builds the corpora under ``--work`` (default: a temporary directory), then times each workload with
each tool as a separate process, ``--runs`` times, and prints a Markdown table: the median wall time
(start-up included), resources per second, the peak RSS of the process, and the ratio to the
workload's reference (kubeconform for schema checks; ``kubectl kustomize`` run on every overlay one
after another, "REF", for the 300-overlay repository).

Corpora:
  * replicated: the plain manifests of ``../shared/corpus/argocd-example-apps`` in one multi-document
    file, copied into 100 files (3,500 resources);
  * 10k: the same file copied 286 times (10,010 resources);
  * overlays: ``inferops new`` for 100 models in dev/staging/prod (300 overlays plus the platform ones).

    python bench/bench.py                 # everything (several minutes on two busy cores)
    python bench/bench.py --runs 5 --only schema
    python bench/bench.py --skip-kubernetes-validate

kubeconform is built from ``../shared/tools/kubeconform`` on first use (see bench/kubeconform_setup.py)
and given what it reads in real life: self-contained, strict schemas, one file per kind, made from
kubernetes-validate's schemas (``openapi2jsonschema --stand-alone --strict`` style); without it, its rows
are left out. ``inferops new`` runs with ``HF_HUB_OFFLINE=1`` (no network here: the Hub would only be
retried until it gives up). Timings belong here,
never in unit tests; on a shared machine, compare ratios from one run rather than absolute times.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kubeconform_setup import build_binary, standalone_schemas  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_APPS = ROOT.parent / "shared" / "corpus" / "argocd-example-apps"
KUBERNETES_VERSION = "1.33.0"


@dataclass
class Row:
    workload: str
    tool: str
    seconds: float
    resources: int
    peak_mb: float
    ratio: float | None = None


def measure(command: list[str], runs: int, cwd: Path | None = None, env: dict[str, str] | None = None,
            before_each: object = None) -> tuple[float, float]:
    """Median wall seconds and the largest peak RSS (MB) of ``runs`` runs of ``command``."""
    walls, peaks = [], []
    for _ in range(runs):
        if callable(before_each):
            before_each()
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        peaks.append(usage.ru_maxrss / 1024)
    return statistics.median(walls), max(peaks)


def sequential(commands: list[list[str]], runs: int) -> float:
    """Median wall seconds of running ``commands`` one after another."""
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        for command in commands:
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def plain_manifests() -> str:
    """The plain manifests of argocd-example-apps (no Helm templates, kustomizations or values)."""
    texts = []
    for path in sorted(EXAMPLE_APPS.rglob("*.yaml")):
        if "templates" in path.parts or path.name in ("kustomization.yaml", "Chart.yaml") \
                or path.name.startswith("values"):
            continue
        # trailing whitespace removed: one upstream file ends lines with tabs, which kubernetes-validate's
        # pure-Python parser refuses (the whole run would stop at the first copy)
        texts.append("\n".join(line.rstrip() for line in path.read_text(encoding="utf-8").strip("\n").splitlines()))
    return "\n---\n".join(texts) + "\n"


def build_replicated(out: Path, copies: int) -> int:
    """``copies`` files each holding every plain manifest; returns the number of resources."""
    text = plain_manifests()
    out.mkdir(parents=True, exist_ok=True)
    for index in range(copies):
        (out / f"apps-{index:04d}.yaml").write_text(text, encoding="utf-8")
    return copies * sum(1 for line in text.splitlines() if line.startswith("kind:"))


def overlays_spec(models: int) -> str:
    lines = ["namespace: inference", "environments: {dev: {}, staging: {}, prod: {}}", "models:"]
    lines += [f"  - {{name: model-{i:03d}, model: org/model-{i:03d}}}" for i in range(models)]
    return "\n".join(lines) + "\n"


def inferops(*args: str) -> list[str]:
    return [sys.executable, "-m", "inferops", *args]


def schema_rows(workload: str, corpus: Path, resources: int, runs: int, kubeconform: Path | None,
                schemas: str | None, with_kv: bool) -> list[Row]:
    rows = []
    files = sorted(str(p) for p in corpus.glob("*.yaml"))
    seconds, peak = measure(inferops("validate", str(corpus), "--checks", "schema", "-o", os.devnull), runs)
    rows.append(Row(workload, "inferops", seconds, resources, peak))
    if kubeconform is not None and schemas is not None:
        seconds, peak = measure([str(kubeconform), "-strict", "-summary", "-schema-location", schemas,
                                 "-kubernetes-version", KUBERNETES_VERSION, str(corpus)], runs)
        rows.append(Row(workload, "kubeconform", seconds, resources, peak))
    if with_kv:
        binary = shutil.which("kubernetes-validate") or "kubernetes-validate"
        seconds, peak = measure([binary, "--strict", "--quiet", "-k", KUBERNETES_VERSION, *files], 1)
        rows.append(Row(workload, "kubernetes-validate (1 run)", seconds, resources, peak))
    reference = next((r.seconds for r in rows if r.tool == "kubeconform"), None)
    for row in rows:
        row.ratio = row.seconds / reference if reference else None
    return rows


def overlay_rows(work: Path, runs: int) -> list[Row]:
    spec = work / "spec.yaml"
    spec.write_text(overlays_spec(100), encoding="utf-8")
    repo = work / "overlays"
    rows: list[Row] = []

    def fresh() -> None:
        shutil.rmtree(repo, ignore_errors=True)

    offline = {**os.environ, "HF_HUB_OFFLINE": "1"}
    fresh()
    subprocess.run(inferops("new", str(spec), "-o", str(repo)), env=offline, stdout=subprocess.DEVNULL, check=True)
    kubectl = shutil.which("kubectl")
    overlay_dirs = sorted(repo.glob("apps/*/overlays/*"))
    builds = [[kubectl, "kustomize", str(d)] for d in overlay_dirs] if kubectl else []
    # REF is timed before and after inferops' runs and averaged: a shared machine's speed drifts over minutes
    before = sequential(builds, 1) if builds else None
    seconds, peak = measure(inferops("new", str(spec), "-o", str(repo)), runs, env=offline, before_each=fresh)
    if not repo.is_dir():
        subprocess.run(inferops("new", str(spec), "-o", str(repo)), env=offline, stdout=subprocess.DEVNULL,
                       check=True)
    rows.append(Row("100 models × 3 envs", "inferops new", seconds, 0, peak))
    cache_home = work / "xdg"
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    command = inferops("validate", str(repo), "-o", os.devnull)
    objects = _objects(repo, env)
    seconds, peak = measure(command, runs, env=env, before_each=lambda: shutil.rmtree(cache_home, ignore_errors=True))
    rows.append(Row("validate the 300 overlays", "inferops, cold", seconds, objects, peak))
    seconds, peak = measure(command, runs, env=env)
    rows.append(Row("validate the 300 overlays", "inferops, nothing changed", seconds, objects, peak))
    base = repo / "apps" / "model-000" / "base" / "deployment.yaml"
    original = base.read_text(encoding="utf-8")
    flips = iter(range(10**6))

    def edit_base() -> None:
        """A different edit each run (so every run sees a changed base) that the checks must report: the
        image's tag becomes ``latest`` (rule image-tag-latest), under a comment naming the run."""
        edited = re.sub(r'(image: "[^":]+):[^"]+"', r'\1:latest"', original, count=1)
        base.write_text(edited.replace("replicas:", f"# edit {next(flips)}\n  replicas:", 1), encoding="utf-8")

    seconds, peak = measure(command, runs, env=env, before_each=edit_base)
    rows.append(Row("validate the 300 overlays", "inferops, one base file changed", seconds, objects, peak))
    reported = _findings(repo, env, "image-tag-latest")
    print(f"after the base edit, image-tag-latest is reported {reported} time(s) (the 3 overlays of model-000)",
          flush=True)
    if not reported:
        print("the edited base's finding was NOT reported", file=sys.stderr)
    base.write_text(original, encoding="utf-8")
    reference = (before + sequential(builds, 1)) / 2 if before is not None else None
    if reference:
        rows.insert(1, Row("100 models × 3 envs", "REF: kubectl kustomize × 300, sequential (mean of a run before "
                                                  "and one after)", reference, 0, 0.0))
    for row in rows:
        row.ratio = row.seconds / reference if reference and row.seconds else None
    return rows


def _findings(repo: Path, env: dict[str, str], rule_id: str) -> int:
    """How many findings of ``rule_id`` a run (with the caches) reports."""
    import json

    done = subprocess.run(inferops("validate", str(repo), "-f", "json"), env=env, capture_output=True, text=True,
                          check=False)
    try:
        return sum(1 for f in json.loads(done.stdout)["findings"] if f.get("rule_id") == rule_id)
    except (ValueError, KeyError, TypeError):
        return 0


def _objects(repo: Path, env: dict[str, str]) -> int:
    import json

    done = subprocess.run(inferops("validate", str(repo), "-f", "json", "--no-cache"), env=env,
                          capture_output=True, text=True, check=False)
    try:
        return int(json.loads(done.stdout)["summary"]["objects"])
    except (ValueError, KeyError):
        return 0


def table(rows: list[Row]) -> str:
    lines = ["| workload | tool | median wall | resources/s | peak RSS | ratio |", "|---|---|---|---|---|---|"]
    for row in rows:
        rate = f"{row.resources / row.seconds:,.0f}" if row.resources and row.seconds else ""
        peak = f"{row.peak_mb:.0f} MB" if row.peak_mb else ""
        ratio = f"{row.ratio:.2f}" if row.ratio is not None else ""
        lines.append(f"| {row.workload} | {row.tool} | {row.seconds:.2f} s | {rate} | {peak} | {ratio} |")
    return "\n".join(lines)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return (f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, Python "
            f"{platform.python_version()}, load average {load:.1f} at start")


def compile_bytecode() -> None:
    """Compile inferops' modules as ``pip install`` does. An editable install under
    ``PYTHONDONTWRITEBYTECODE`` (as on the development machines) has no ``.pyc`` files and would compile ~40
    modules on every start, ~65 ms that no installed copy pays; reading bytecode needs no writing, so the
    flag does not matter once they exist."""
    import compileall

    import inferops

    compileall.compile_dir(str(Path(inferops.__file__).parent), quiet=1, force=False)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement (median reported)")
    parser.add_argument("--work", type=Path, help="where to build the corpora (default: a temporary directory)")
    parser.add_argument("--only", choices=("schema", "overlays"), help="run one group of workloads")
    parser.add_argument("--skip-kubernetes-validate", action="store_true", help="leave out the slowest peer")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="inferops-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    compile_bytecode()
    print(f"machine: {machine()}\ncorpora in {work}\n", flush=True)
    rows: list[Row] = []
    if args.only in (None, "schema"):
        kubeconform = build_binary()
        schemas = standalone_schemas(KUBERNETES_VERSION, work / "schemas") if kubeconform else None
        if kubeconform is None:
            print("kubeconform could not be built: its rows are left out", file=sys.stderr)
        replicated = build_replicated(work / "replicated", 100)
        rows += schema_rows(f"schema only, {replicated:,} resources", work / "replicated", replicated, args.runs,
                            kubeconform, schemas, not args.skip_kubernetes_validate)
        seconds, peak = measure(inferops("validate", str(work / "replicated"), "-o", os.devnull), args.runs)
        reference = next((r.seconds for r in rows if r.tool == "kubeconform"), None)
        rows.append(Row(f"full validation, {replicated:,} resources", "inferops", seconds, replicated, peak,
                        seconds / reference if reference else None))
        big = build_replicated(work / "10k", 286)
        rows += schema_rows(f"schema only, {big:,} resources", work / "10k", big, args.runs, kubeconform, schemas,
                            False)
    if args.only in (None, "overlays"):
        rows += overlay_rows(work, args.runs)
    print(table(rows))
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (1 min), {os.getloadavg()[2]:.1f} (15 min)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
