"""``inferops release VERSION``: make production track a new tag, in one commit that the tag points at.

Following the old hand-made flow (tag, then set ``git.release`` and re-render) left the tag on a commit whose
production Applications still pinned the previous release. Here the order is the other way round: set the
release in the recorded spec, re-render what pins it (the Applications and root of every environment that
tracks ``git.release``, plus the README), commit that with GitPython, and tag the new commit. The tag's
production Applications then name the tag itself, and the production bootstrap (which follows the branch)
picks the new root up once the branch is pushed.

Refused, with nothing changed: a working tree with uncommitted or untracked changes (they would end up in
the release commit, or be lost), a tag that already exists, a version that is not a safe Git tag name,
and files the re-render would change that were edited by hand.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from inferops.errors import EXIT_OK, ConflictError, InferopsError
from inferops.generator import context as ctx
from inferops.generator import report
from inferops.generator.plan import Change, apply_changes, plan_changes
from inferops.generator.render import render
from inferops.generator.spec import PROD_ENVIRONMENTS, Git, RepoSpec

if TYPE_CHECKING:
    import git


def run(args: argparse.Namespace) -> int:
    from inferops.generator.state import load_state

    directory = Path(args.repo)
    state = load_state(directory)
    spec = released(state.spec, args.version)
    repo = _open_repo(directory)
    _check_clean(repo, directory, args.version)
    with tempfile.TemporaryDirectory(prefix="inferops-") as tmp:
        rendered = render(spec, Path(tmp))
    changes = plan_changes(directory, state.files, rendered, force=False)
    conflicts = [c.path for c in changes if c.action == "conflict"]
    if conflicts:
        raise ConflictError(
            f"{len(conflicts)} file(s) changed since inferops generated them and the release would change them, "
            f"nothing was written: {', '.join(conflicts)} (bring them back in line with `inferops add --force`, "
            "or set the release by hand)",
            file=str(directory),
        )
    pending = [c for c in changes if c.action in ("create", "update", "remove")]
    commit = _commit(repo, directory, pending, rendered, args.version)
    _tag(repo, directory, commit, args.version)
    branch = repo.active_branch.name
    where = f"commit {commit.hexsha[:12]}" if pending else f"commit {commit.hexsha[:12]} (nothing to re-render)"
    print(f"Released {args.version} in {directory}/: tagged {where} on {branch}.")
    if pending:
        print("\n".join(report.plan_lines(changes)))
    print()
    print("\n".join(_next_steps(spec, directory, branch, args.version)))
    return EXIT_OK


def released(spec: RepoSpec, version: str) -> RepoSpec:
    """``spec`` with ``git.release`` set to ``version``, which must be a Git tag name safe to pass to git."""
    if version.startswith("-"):
        raise InferopsError(f"{version!r} is not a release tag: it must not start with '-'")
    try:
        git_settings = Git.model_validate({**spec.git.model_dump(), "release": version})
    except ValidationError as err:
        raise InferopsError(f"{version!r} is not a release tag: {err.errors()[0]['msg']}") from None
    return spec.model_copy(update={"git": git_settings})


def tracking_environments(spec: RepoSpec) -> list[str]:
    """Environments whose Applications follow ``git.release`` (production ones without their own revision)."""
    return [e for e in spec.environment_names() if e in PROD_ENVIRONMENTS and not ctx.target(spec, e).revision]


def _open_repo(directory: Path) -> git.Repo:
    import git

    try:
        repo = git.Repo(directory)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise InferopsError("not a Git repository; `inferops release` commits and tags, so it needs one",
                            file=str(directory)) from None
    if repo.working_tree_dir is None or Path(repo.working_tree_dir).resolve() != directory.resolve():
        raise InferopsError("is not the top of its Git repository; pass the repository made by `inferops new`",
                            file=str(directory))
    if not repo.head.is_valid():
        raise InferopsError("the Git repository has no commit yet; commit the generated files first",
                            file=str(directory))
    if repo.head.is_detached:
        raise InferopsError("HEAD is detached; check out the branch to release from (e.g. main)", file=str(directory))
    return repo


def _check_clean(repo: git.Repo, directory: Path, version: str) -> None:
    if repo.is_dirty(untracked_files=True):
        raise ConflictError("the working tree has uncommitted or untracked changes; commit or stash them first "
                            "(the release commit must hold only the release)", file=str(directory))
    if version in [t.name for t in repo.tags]:
        raise ConflictError(f"tag {version} already exists; a release tag names one commit for good, "
                            "pick a new version", file=str(directory))
    import git

    try:
        repo.git.check_ref_format(f"refs/tags/{version}")
    except git.GitCommandError:
        raise InferopsError(f"{version!r} is not a valid Git tag name (git check-ref-format)") from None


def _commit(repo: git.Repo, directory: Path, pending: list[Change], rendered: dict[str, bytes],
            version: str) -> git.Commit:
    """Write and commit the re-rendered files (the repository's Git hooks run, as for any commit); on any
    failure put the tree back as it was, which was clean."""
    import git

    if not pending:
        return repo.head.commit
    try:
        apply_changes(directory, pending, rendered)
        removed = [c.path for c in pending if c.action == "remove"]
        written = [c.path for c in pending if c.action != "remove"]
        if removed:
            repo.index.remove(removed)
        repo.index.add(written)
        return repo.index.commit(f"Release {version}\n\nProduction Applications and their root pin {version}; "
                                 f"made by `inferops release {version}`.\n")
    except BaseException as err:
        repo.head.reset(index=True, working_tree=True)
        for path in repo.untracked_files:
            (directory / path).unlink(missing_ok=True)
        if isinstance(err, git.HookExecutionError):
            hook = Path(str(err.command[0] if isinstance(err.command, list) else err.command).strip("[]'\"")).name
            raise ConflictError(f"the Git hook {hook} refused the release commit "
                                f"(exit {err.status}); nothing was committed or tagged", file=str(directory)) from None
        if isinstance(err, OSError):
            raise InferopsError(f"cannot write {err.filename or 'a file'}: {err.strerror}; nothing was changed",
                                file=str(directory)) from None
        raise


def _tag(repo: git.Repo, directory: Path, commit: git.Commit, version: str) -> None:
    import git

    try:
        repo.create_tag(version, ref=commit, message=f"Release {version}")
    except git.GitCommandError as err:
        reason = (err.stderr or "").strip().splitlines()[-1:] or ["git tag failed"]
        raise InferopsError(f"cannot tag {commit.hexsha[:12]} as {version}: {reason[0]} (the release commit "
                            "is made; tag it with `git tag -a`)", file=str(directory)) from None


def _next_steps(spec: RepoSpec, directory: Path, branch: str, version: str) -> list[str]:
    envs = tracking_environments(spec)
    lines = ["Push the commit and the tag:",
             f"  git -C {directory} push origin {branch}",
             f"  git -C {directory} push origin {version}"]
    if envs:
        lines.append(f"Then the bootstrap of {', '.join(envs)} (following {spec.git.revision}) applies the new root, "
                     f"which deploys {version}.")
    else:
        lines.append("Note: no environment tracks git.release (production environments set their own revision), "
                     "so this release changes no Application.")
    return lines
