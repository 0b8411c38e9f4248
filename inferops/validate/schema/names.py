"""The apiVersion and kind of an object, checked as Kubernetes names before they pick a schema.

Schema files and URLs are built from the group, version and kind an object declares, and the object comes
from an untrusted pull request: ``apiVersion: /proc/self/cwd/evil/v1`` or a kind of ``../../x`` would
otherwise choose a file anywhere on disk. Only what the API server itself accepts for a custom resource
passes (apiextensions-apiserver ``pkg/apis/apiextensions/validation/validation.go``): the group is a
DNS-1123 subdomain (``IsDNS1123Subdomain(spec.group)``), a version a DNS-1035 label
(``IsDNS1035Label(version.name)``) and the kind a DNS-1035 label once lower-cased
(``IsDNS1035Label(strings.ToLower(names.kind))``); the lengths are those of k8s.io/apimachinery
``pkg/util/validation/validation.go`` (253 for a subdomain, 63 for a label). None of these can hold
``/``, ``..``, a URL character or a control character.
"""

from __future__ import annotations

import re
from functools import lru_cache

_LABEL_1123 = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN = re.compile(rf"{_LABEL_1123}(?:\.{_LABEL_1123})*")
_LABEL_1035 = re.compile(r"[a-z](?:[-a-z0-9]*[a-z0-9])?")
SUBDOMAIN_MAX = 253
LABEL_MAX = 63
_SHOWN_MAX = 40


def is_group(group: str) -> bool:
    """A DNS-1123 subdomain (``apps``, ``argoproj.io``); the core group is the empty string."""
    return group == "" or (len(group) <= SUBDOMAIN_MAX and _SUBDOMAIN.fullmatch(group) is not None)


def is_version(version: str) -> bool:
    """A DNS-1035 label (``v1``, ``v1beta1``)."""
    return len(version) <= LABEL_MAX and _LABEL_1035.fullmatch(version) is not None


def is_kind(kind: str) -> bool:
    """A DNS-1035 label once lower-cased (``Deployment``, ``HorizontalPodAutoscaler``)."""
    return len(kind) <= LABEL_MAX and _LABEL_1035.fullmatch(kind.lower()) is not None


@lru_cache(maxsize=1024)  # a run sees a few dozen kinds in thousands of objects
def identity_problem(api_version: str, kind: str) -> str | None:
    """Why ``api_version``/``kind`` cannot name a Kubernetes type, or ``None`` when they can. The value
    is shown escaped and shortened, so a hostile one prints as one short line."""
    group, _, version = api_version.rpartition("/")
    if not (is_group(group) and is_version(version)):
        return (f"apiVersion {shown(api_version)} is not a Kubernetes group/version (group: a DNS-1123 "
                "subdomain such as apps or argoproj.io; version: a DNS-1035 label such as v1 or v1beta1)")
    if not is_kind(kind):
        return f"kind {shown(kind)} is not a Kubernetes kind (letters, digits and '-', at most {LABEL_MAX})"
    return None


def shown(value: str) -> str:
    """``value`` quoted with escapes (``'a\\x00b'``), cut to a readable length."""
    text = repr(value[:_SHOWN_MAX])
    return text + "…" if len(value) > _SHOWN_MAX else text
