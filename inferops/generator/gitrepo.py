"""Make a generated directory a Git repository with one commit on ``main`` (GitPython)."""

from __future__ import annotations

import configparser
from pathlib import Path

BRANCH = "main"


class GitFailed(Exception):
    """Git could not make the repository; ``str()`` is one line saying why."""


def init_and_commit(path: Path, files: list[str], message: str) -> str:
    """``git init -b main``, add ``files``, commit; returns the short commit id.

    The commit uses the user's Git identity (``GIT_AUTHOR_*`` or ``user.name``/``user.email``), falling back
    to GitPython's default (login name at host name) so that a machine without Git config still works.
    Every failure (no git executable, an unreadable Git config, a full disk) is :class:`GitFailed`.
    """
    try:
        import git
    except ImportError as err:  # GitPython refuses to import when it cannot run a git executable
        raise GitFailed(f"cannot run git ({_first_line(str(err))})") from None

    try:
        repo = git.Repo.init(path, initial_branch=BRANCH)
        # git's own `add` hashes a thousand files in a fraction of the time GitPython's index.add takes
        repo.git.add("--", *files)
        commit = repo.index.commit(message)
    except git.exc.GitCommandError as err:
        raise GitFailed(f"git {_subcommand(err.command)} failed: {_first_line(str(err.stderr))}") from None
    except (git.exc.GitError, configparser.Error, ValueError) as err:
        raise GitFailed(_first_line(str(err))) from None
    except OSError as err:
        raise GitFailed(str(err.strerror or err)) from None
    return commit.hexsha[:12]


def _subcommand(command: object) -> str:
    words = command if isinstance(command, list | tuple) else str(command).split()
    return str(words[1]) if len(words) > 1 else "command"


def _first_line(text: str) -> str:
    """The first non-blank line of git's message, without GitPython's ``stderr: '...'`` wrapping."""
    for line in text.strip().strip("'").splitlines():
        line = line.strip().removeprefix("stderr:").strip().strip("'").strip()
        if line:
            return "".join(c if c.isprintable() else " " for c in line)[:300]
    return "unknown error"
