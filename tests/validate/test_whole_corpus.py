"""The whole reference corpus (../shared/corpus: GKE GPU samples, KServe, LeaderWorkerSet, KubeRay, Argo CD
examples, kubeconform's fixtures) runs through every check family without a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from inferops.rules.base import REGISTRY
from inferops.validate.pipeline import Options, run

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

pytestmark = [
    pytest.mark.skipif(not CORPUS.is_dir(), reason="shared/corpus is not beside the checkout"),
    pytest.mark.skipif(shutil.which("kustomize") is None and shutil.which("kubectl") is None, reason="needs kustomize"),
]


def test_every_file_of_the_corpus_is_checked_by_every_family_without_a_crash() -> None:
    report = run(Options(cwd=CORPUS))
    assert report.files_checked > 150 and report.objects_checked > 250
    assert {f.rule_id for f in report.findings} <= set(REGISTRY)
    assert all(f.file and not f.file.startswith("/") for f in report.findings)
    # the AI samples' custom resources all have built-in schemas (KAI Scheduler's Queue aside)
    missing = {f.message.split(" (")[0] for f in report.findings if f.rule_id == "schema-missing"
               and f.file.startswith(("kserve-samples", "lws-examples", "kuberay-samples"))}
    assert missing == {"no schema for scheduling.run.ai/v2 Queue"}
