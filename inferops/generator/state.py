"""``.inferops/state.json``: what ``inferops new``/``add`` generated, so ``add`` can tell hand edits apart.

It records the resolved spec (``add`` re-renders the whole repository from it plus the new spec) and the
sha256 of every generated file as generated. A file whose content no longer matches its hash was edited
by hand and is not overwritten without ``--force``.

The file lives in the repository, so a pull request can change it: it is read as untrusted input. It must
be a regular file of bounded size, strict JSON (no duplicate keys, bounded nesting, no control characters
in keys), and every recorded path must be a normalised relative path that stays inside the repository and
outside ``.git``. Even a valid state never decides on its own what ``add`` touches: see
:mod:`inferops.generator.plan`.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from inferops.configfile import describe_error
from inferops.errors import InferopsError
from inferops.generator.paths import check_generated_path
from inferops.generator.render import STATE_PATH
from inferops.generator.spec import RepoSpec

#: A state records a spec and one hash per generated file; a few hundred models stay far below this.
MAX_STATE_BYTES = 4_000_000
#: The deepest a valid state nests is about eight levels (spec -> models -> environments -> overrides).
MAX_DEPTH = 32
#: Files one repository can record.
MAX_FILES = 20_000


def _repo_relative(path: str) -> str:
    """A recorded path is joined to the repository and may be deleted: refuse one that leaves it."""
    problem = check_generated_path(path)
    if problem:
        raise ValueError(f"{path!r} is not a path inside the repository: {problem}")
    return path


def _full_match(pattern: str, what: str) -> AfterValidator:
    """A whole-string check (``fullmatch``: Python's ``$`` would also accept a trailing newline)."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value[:80]!r} is not {what}")
        return value

    return AfterValidator(check)


Sha256 = Annotated[str, _full_match(r"[0-9a-f]{64}", "a sha256 hex digest")]


class State(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    version: Literal[1]
    generator: Annotated[str, StringConstraints(max_length=200), _full_match(r"[ -~]*", "printable ASCII text")]
    spec: RepoSpec
    files: dict[Annotated[str, AfterValidator(_repo_relative)], Sha256] = Field(max_length=MAX_FILES)


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
        return State.model_validate(_parse(_read(path), path))
    except ValidationError as err:
        raise InferopsError(f"invalid generator state: {describe_error(err.errors()[0])}", file=str(path)) from None


def _read(path: Path) -> str:
    """The state's text: a regular file (never a link, FIFO or device) of at most MAX_STATE_BYTES."""
    try:
        if any(p.is_symlink() for p in (path.parent, path)):
            raise InferopsError("is a symbolic link; the generator state must be a plain file", file=str(path))
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise InferopsError("not a regular file", file=str(path))
            raw = fh.read(MAX_STATE_BYTES + 1)
    except OSError as err:
        raise InferopsError(f"unreadable generator state: {err.strerror}", file=str(path)) from None
    if len(raw) > MAX_STATE_BYTES:
        raise InferopsError(f"invalid generator state: larger than {MAX_STATE_BYTES} bytes", file=str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InferopsError(f"unreadable generator state: not UTF-8 (byte {err.start})", file=str(path)) from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing what a hand-made or hostile file could smuggle past ``json.loads``."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
            raise ValueError(f"control character in key {key!r}")
        result[key] = value
    return result


def _parse(text: str, path: Path) -> Any:
    try:
        doc = json.loads(text, object_pairs_hook=_unique_keys)
    except RecursionError:
        raise InferopsError(f"invalid generator state: nested deeper than {MAX_DEPTH} levels", file=str(path)) from None
    except ValueError as err:  # json.JSONDecodeError is a ValueError, and so are _unique_keys' refusals
        raise InferopsError(f"unreadable generator state: {err}", file=str(path)) from None
    if _depth(doc) > MAX_DEPTH:
        raise InferopsError(f"invalid generator state: nested deeper than {MAX_DEPTH} levels", file=str(path))
    return doc


def _depth(node: Any) -> int:
    """Nesting depth, iteratively (a deep document must not exhaust the stack here either)."""
    deepest, todo = 0, [(node, 1)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:
                todo.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest
