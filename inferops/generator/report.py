"""What ``new`` and ``add`` print: a short tree of the files, the planned changes, and the next steps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from inferops.generator import context as ctx
from inferops.generator.plan import Change
from inferops.generator.spec import PLACEHOLDER_REPO_URL, RepoSpec

#: Directories deeper than this are summarised as "name/ (N files)".
TREE_DEPTH = 3

_Tree = dict[str, "_Tree | None"]


def tree(root: str, paths: Iterable[str], depth: int = TREE_DEPTH) -> list[str]:
    """Render POSIX ``paths`` as a tree under ``root``; directories at ``depth`` show only a file count."""
    top: _Tree = {}
    for path in paths:
        node = top
        parts = path.split("/")
        for part in parts[:-1]:
            node = cast(_Tree, node.setdefault(part + "/", {}))  # "name/" keys always hold a directory
        node[parts[-1]] = None
    lines = [root.rstrip("/") + "/"]

    def count(node: _Tree) -> int:
        return sum(1 if child is None else count(child) for child in node.values())

    def walk(node: _Tree, prefix: str, level: int) -> None:
        names = sorted(node, key=lambda n: (node[n] is None, n))
        for i, name in enumerate(names):
            last = i == len(names) - 1
            child = node[name]
            branch = "└── " if last else "├── "
            if child is not None and level >= depth:
                n = count(child)
                lines.append(f"{prefix}{branch}{name} ({n} file{'s' if n != 1 else ''})")
                continue
            lines.append(f"{prefix}{branch}{name}")
            if child is not None:
                walk(child, prefix + ("    " if last else "│   "), level + 1)

    walk(top, "", 1)
    return lines


def plan_lines(changes: list[Change]) -> list[str]:
    """One line per file that changes (or would), e.g. ``  update  apps/x/base/deployment.yaml``."""
    lines = []
    for c in changes:
        if c.action == "unchanged":
            continue
        reason = f"  ({c.reason})" if c.reason else ""
        lines.append(f"  {c.action:<9}{c.path}{reason}")
    unchanged = sum(c.action == "unchanged" for c in changes)
    if unchanged:
        lines.append(f"  {unchanged} file{'s' if unchanged != 1 else ''} unchanged")
    return lines


def _bootstrap(spec: RepoSpec, envs: list[str]) -> list[str]:
    steps = []
    secrets = {(m.hf_token.secret, m.hf_token.key) for m in spec.models if m.hf_token}
    for secret, key in sorted(secrets):
        for env in envs:
            if any(m.hf_token and m.hf_token.secret == secret and env in m.environments for m in spec.models):
                steps.append(f"kubectl create secret generic {secret} -n {ctx.namespace_of(spec, env)} "
                             f"--from-literal={key}=<token>   # once the namespace exists")
    steps += [f"kubectl apply -n {ctx.ARGOCD_NAMESPACE} -f argocd/{env}/   # bootstrap of {env}, once: then Git drives it"
              for env in envs]
    return steps


def next_steps_new(spec: RepoSpec, directory: str, git: bool) -> list[str]:
    steps = [f"cd {directory}"]
    if not git:
        steps.append("git init -b main && git add -A && git commit -m 'Generated GitOps repository'")
    steps += [
        f"git remote add origin {spec.git.repo_url}",
        "git push -u origin main",
        f"git tag {spec.git.release} && git push origin {spec.git.release}   # production tracks this tag",
        *_bootstrap(spec, spec.environment_names()),
        "inferops validate",
    ]
    lines = ["Next steps:", *(f"  {s}" for s in steps)]
    if spec.git.repo_url == PLACEHOLDER_REPO_URL:
        lines.append(f"Note: the Applications point at the placeholder {PLACEHOLDER_REPO_URL}; set git.repo_url "
                     "in your spec and run `inferops add <spec> --repo .` before pushing.")
    return lines


def next_steps_add(spec: RepoSpec, directory: str, changes: list[Change]) -> list[str]:
    new_envs = [c.path.split("/")[1] for c in changes
                if c.action == "create" and c.path.startswith("argocd/") and c.path.endswith("/root.yaml")]
    steps = [
        f"git -C {directory} diff   # review",
        f"git -C {directory} add -A && git -C {directory} commit -m 'Update models' && git -C {directory} push",
        *(f"cd {directory} && {s}" for s in _bootstrap(spec, new_envs)),
        f"production tracks a tag: once merged, `inferops release vX.Y.Z --repo {directory}` commits and tags the release",
    ]
    return ["Next steps:", *(f"  {s}" for s in steps)]
