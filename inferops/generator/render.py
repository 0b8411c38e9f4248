"""Render a :class:`RepoSpec` through the cookiecutter blueprints into a directory.

Each blueprint is rendered with cookiecutter's Python API (``generate_context`` reads the blueprint's
``cookiecutter.json`` and applies our values; ``generate_files`` writes the tree). Only variables a
blueprint declares are applied, so a typo in a variable name fails loudly (StrictUndefined) instead of
rendering an empty string.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from inferops.data import blueprints_dir
from inferops.generator import context as ctx
from inferops.generator.spec import RepoSpec

#: Directory each blueprint renders into, inside the output directory.
ROOT = "repo"
STATE_PATH = ".inferops/state.json"


def _renders(spec: RepoSpec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(blueprint, variable, value) for every piece of the repository."""
    yield "repository", "repo", ctx.repository_context(spec)
    for env in spec.environment_names():
        yield "environment", "env", ctx.environment_context(spec, env)
    for model in spec.models:
        yield "model", "model", ctx.model_context(spec, model)
        for env in model.environments:
            yield "overlay", "overlay", ctx.overlay_context(spec, model, env)
            yield "application", "app", ctx.application_context(spec, model, env)


def render_blueprint(name: str, variable: str, value: dict[str, Any], output: Path) -> None:
    from cookiecutter.generate import generate_context, generate_files

    blueprint = blueprints_dir() / name
    context = generate_context(
        context_file=str(blueprint / "cookiecutter.json"), extra_context={"root": ROOT, variable: value}
    )
    generate_files(str(blueprint), context=context, output_dir=str(output), overwrite_if_exists=True,
                   accept_hooks=False)


def state_document(spec: RepoSpec, files: dict[str, bytes]) -> bytes:
    """``.inferops/state.json``: the spec to re-render from and the sha256 of every generated file."""
    from inferops import __version__

    doc = {
        "version": 1,
        "generator": f"inferops {__version__}",
        "spec": spec.model_dump(mode="json"),
        "files": {path: sha256(data) for path, data in sorted(files.items())},
    }
    # Not sort_keys: the order of environments and models is meaningful and must survive a reload.
    return (json.dumps(doc, indent=2) + "\n").encode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def _templates_compiled_once() -> Iterator[None]:
    """Share compiled Jinja templates between blueprint renders.

    cookiecutter makes a new environment for every render and compiles every template (file contents
    and file names) again: for 100 models in 3 environments that is 6,000 compilations of the same
    few dozen sources, most of ``new``'s time. The compiled code depends only on the source and the
    environment's syntax settings, which are the key here; rendering still happens per call.
    """
    from cookiecutter.environment import StrictEnvironment

    compiled: dict[tuple[Any, ...], Any] = {}
    original = StrictEnvironment.compile

    def compile_once(self: Any, source: Any, name: Any = None, filename: Any = None, raw: bool = False,
                     defer_init: bool = False) -> Any:
        if not isinstance(source, str):
            return original(self, source, name, filename, raw, defer_init)
        key = (source, name, filename, raw, defer_init, tuple(sorted(self.extensions)), self.keep_trailing_newline,
               self.trim_blocks, self.lstrip_blocks, self.newline_sequence, self.block_start_string,
               self.variable_start_string, self.comment_start_string, self.autoescape)
        if key not in compiled:
            compiled[key] = original(self, source, name, filename, raw, defer_init)
        return compiled[key]

    StrictEnvironment.compile = compile_once
    try:
        yield
    finally:
        StrictEnvironment.compile = original


def render(spec: RepoSpec, workdir: Path) -> dict[str, bytes]:
    """Render the repository into ``workdir/repo`` (``.inferops/state.json`` included) and return its
    files by POSIX path."""
    with _templates_compiled_once():
        for name, variable, value in _renders(spec):
            render_blueprint(name, variable, value, workdir)
    root = workdir / ROOT
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file():
            rel = path.relative_to(root).as_posix()
            _check_inside(rel)
            files[rel] = path.read_bytes()
    files[STATE_PATH] = state_document(spec, files)
    (root / STATE_PATH).parent.mkdir(parents=True, exist_ok=True)
    (root / STATE_PATH).write_bytes(files[STATE_PATH])
    return files


def _check_inside(rel: str) -> None:
    """Names are validated as DNS labels; this is the second line of defence against path escapes."""
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
        raise ValueError(f"blueprint produced a path outside the repository: {rel!r}")
