"""``new`` and ``add`` run the validator on what they would write, and refuse to write a repository that
``inferops validate`` would reject.

The check is the public pipeline (:func:`inferops.validate.pipeline.run`) on the rendered temporary tree,
with the repository's own policy. To keep ``new`` fast for specs with many models and environments, it
renders what can differ for the checks, not every overlay: each model's base (real kustomize, so labels and
patches apply), each overlay that patches the image or the GPU count, and the platform directories. Overlays that only change namespace, replicas or the autoscaler range are the same
workload as their base for every GPU and pod rule. An error names the spec line of the field that caused it.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from inferops.errors import InferopsError
from inferops.generator.spec import RepoSpec
from inferops.validate.findings import Finding, Severity

#: The throw-away kustomization listing one render group (the generator never writes a root kustomization).
AGGREGATE = "kustomization.yaml"
ARGOCD = "argocd"  # the directory of the generated Argo CD objects (the blueprint's argocd/<env>/)

#: Which spec field a rule's finding is about (the rest point at the model).
_FIELD_OF_RULE: dict[str, tuple[str, ...]] = {
    "gpu-context-too-large": ("max_model_len",),
    "gpu-cache-too-small": ("cache",),
    "runtime-root-only-image": ("image",),
    "vllm-user-missing": ("image",),
    "image-tag-latest": ("image",),
    "image-digest-required": ("image",),
    "image-registry-not-allowed": ("image",),
}


def render_groups(root: Path, spec: RepoSpec) -> list[list[str]]:
    """What to render, in groups that kustomize can build together: the bases, and per environment the
    overlays that change the image or the GPU count plus the platform directory. Environments share a group
    unless they deploy to the same namespace name (on different clusters), where their objects would clash;
    base objects have no namespace and clash with nothing. Usually this is one group: one kustomize run."""
    from inferops.generator.context import namespace_of

    groups: list[tuple[set[str], list[str]]] = [(set(), [f"apps/{m.name}/base" for m in spec.models])]
    for env in spec.environment_names():
        paths = [f"apps/{m.name}/overlays/{env}" for m in spec.models
                 if (o := m.environments.get(env)) is not None and (o.gpu_count is not None or o.image is not None)]
        if (root / "platform" / env).is_dir():
            paths.append(f"platform/{env}")
        namespace = namespace_of(spec, env)
        group = next((g for g in groups if namespace not in g[0]), None)
        if group is None:
            group = (set(), [])
            groups.append(group)
        group[0].add(namespace)
        group[1].extend(paths)
    return [paths for _, paths in groups if paths]


def check(root: Path, spec: RepoSpec, spec_path: Path | None) -> None:
    """Raise :class:`InferopsError` (exit 2, nothing written) when the tree at ``root`` has error findings.

    Each group is rendered by one kustomize run (a throw-away ``kustomization.yaml`` at the root that lists
    it, removed afterwards): one process per group instead of one per directory is most of the time saved.
    """
    from inferops.validate.pipeline import Options, run

    aggregate = root / AGGREGATE
    errors: list[Finding] = []
    try:
        groups = render_groups(root, spec)
        for group in groups:
            aggregate.write_text("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
                                 + "".join(f"  - {path}\n" for path in group), encoding="utf-8")
            # skip_render: without kustomize or kubectl (which `new` does not otherwise need), the sources
            # are checked as plain files instead of failing.
            # The Argo CD objects are checked with the first group: its projects, roots and Applications
            # (paths, revisions, kinds each project permits) once, beside the workloads they deploy.
            argocd = [ARGOCD] if group is groups[0] and (root / ARGOCD).is_dir() else []
            report = run(Options(paths=[AGGREGATE, *argocd], cwd=root, skip_render=True))
            errors += [f for f in report.findings if f.severity is Severity.ERROR]
    finally:
        aggregate.unlink(missing_ok=True)
    if not errors:
        return
    first = errors[0]
    more = f" [+{len(errors) - 1} more]" if len(errors) > 1 else ""
    where = f"{first.file}:{first.line}" if first.line else first.file
    message = (f"the generated repository would fail `inferops validate`, nothing was written: {where}: "
               f"[{first.rule_id}] {first.message}{more}")
    file, line = _spec_location(first, spec, spec_path)
    raise InferopsError(message, file=file, line=line)


def _spec_location(finding: Finding, spec: RepoSpec, spec_path: Path | None) -> tuple[str | None, int | None]:
    """The spec file and the line of the field behind ``finding``: an environment's override when the object
    is in that environment's namespace and the environment overrides the field, else the model's field."""
    if spec_path is None:
        return None, None
    parts = PurePosixPath(finding.file).parts
    model = next((m for m in spec.models if len(parts) > 1 and parts[0] == "apps" and parts[1] == m.name), None)
    if model is None:
        return str(spec_path), None
    from inferops.configfile import line_of, load_yaml
    from inferops.generator.context import namespace_of

    root: Any = load_yaml(spec_path)
    prefix: tuple[str | int, ...] = ()
    if isinstance(root, dict) and isinstance(root.get("models"), list):
        index = next((i for i, m in enumerate(root["models"]) if isinstance(m, dict) and m.get("name") == model.name),
                     None)
        if index is None:
            return str(spec_path), None
        prefix = ("models", index)
    field = _FIELD_OF_RULE.get(finding.rule_id, ("gpu",) if finding.rule_id.startswith("gpu-") else ("name",))
    namespace = (finding.object or "").split("/")[1] if (finding.object or "").count("/") == 2 else None
    for env, o in model.environments.items():
        override = "image" if field == ("image",) else "gpu_count"
        if namespace == namespace_of(spec, env) and getattr(o, override) is not None:
            return str(spec_path), line_of(root, (*prefix, "environments", env, override))
    return str(spec_path), line_of(root, (*prefix, *field))
