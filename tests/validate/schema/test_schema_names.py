"""apiVersion and kind are Kubernetes names before they choose a schema file or URL."""

import pytest

from inferops.validate.schema.names import identity_problem, is_group, is_kind, is_version, shown


@pytest.mark.parametrize(("api_version", "kind"), [
    ("v1", "Pod"), ("apps/v1", "Deployment"), ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("argoproj.io/v1alpha1", "Application"), ("serving.kserve.io/v1beta1", "InferenceService"),
    ("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet"), ("gateway.networking.k8s.io/v1", "HTTPRoute"),
])
def test_real_api_versions_and_kinds_pass(api_version: str, kind: str) -> None:
    assert identity_problem(api_version, kind) is None


@pytest.mark.parametrize("group", ["/proc/self/cwd/evil", "..", "a/../b", "Apps", "a..b", "-a", "a_b", "a" * 254,
                                   "a\x00b", "example.com?x=", "http:"])
def test_groups_that_are_not_dns_subdomains_fail(group: str) -> None:
    assert not is_group(group)
    assert identity_problem(f"{group}/v1", "Widget") is not None


@pytest.mark.parametrize("version", ["", "1", "V1", "v1.2", "v" * 64, "v1\n", "v1 "])
def test_versions_that_are_not_dns_labels_fail(version: str) -> None:
    assert not is_version(version)


@pytest.mark.parametrize("kind", ["../x", "Pod\x00", "K" * 64, "Pod\u202e", "3Scale", "Pod.json", "Pod_Thing", ""])
def test_kinds_that_are_not_dns_labels_fail(kind: str) -> None:
    assert not is_kind(kind)
    assert "is not a Kubernetes kind" in (identity_problem("v1", kind) or "")


def test_a_shown_value_is_escaped_and_short() -> None:
    assert shown("Pod\x00") == "'Pod\\x00'"
    assert shown("K" * 300) == repr("K" * 40) + "…"
