"""``.inferops/state.json``: what ``inferops new``/``add`` generated, so ``add`` can tell hand edits apart.

It records the resolved spec (``add`` re-renders the whole repository from it plus the new spec) and the
sha256 of every generated file as generated. A file whose content no longer matches its hash was edited
by hand and is not overwritten without ``--force``.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from inferops.configfile import describe_error
from inferops.errors import InferopsError
from inferops.generator.render import STATE_PATH
from inferops.generator.spec import RepoSpec


def _repo_relative(path: str) -> str:
    """A recorded path is joined to the repository and may be deleted: refuse one that leaves it."""
    pure = PurePosixPath(path)
    if not path or pure.is_absolute() or ".." in pure.parts or "\\" in path:
        raise ValueError(f"{path!r} is not a path inside the repository")
    return path


class State(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    generator: str
    spec: RepoSpec
    files: dict[Annotated[str, AfterValidator(_repo_relative)], str]


def load_state(repo: Path) -> State:
    """The state of a repository made by ``inferops new``; a clear error for any other directory."""
    path = repo / STATE_PATH
    if not repo.is_dir():
        raise InferopsError("no such directory; pass the repository made by `inferops new` with --repo", file=str(repo))
    if not path.is_file():
        raise InferopsError(
            f"not a repository made by `inferops new` (no {STATE_PATH}); create one with `inferops new`",
            file=str(repo),
        )
    try:
        return State.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InferopsError(f"unreadable generator state: {err}", file=str(path)) from None
    except ValidationError as err:
        raise InferopsError(f"invalid generator state: {describe_error(err.errors()[0])}", file=str(path)) from None
