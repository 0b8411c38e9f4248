"""The benchmark script still runs against both engines (no timing is asserted: timings belong in bench/)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: "two"
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: "nginx:1.27"}]
"""


def test_bench_compares_inferops_with_kubernetes_validate(tmp_path: Path) -> None:
    (tmp_path / "deploy.yaml").write_text(DEPLOYMENT, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_schema.py"), str(tmp_path), "-n", "1"],
                          capture_output=True, text=True, check=True)
    assert "inferops:" in proc.stdout and "(1 reported)" in proc.stdout
    assert "speed-up of inferops over kubernetes-validate" in proc.stdout
