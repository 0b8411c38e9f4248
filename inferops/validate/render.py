"""Build kustomizations with the real kustomize, recording where every rendered object came from.

Origins: kustomize writes ``config.kubernetes.io/origin`` annotations (the source file of each object)
when a kustomization sets ``buildMetadata: [originAnnotations]``. User files are never edited, so each
root is built through a throw-away *wrapper* kustomization in a temporary directory whose only content
is ``resources: [<relative path to the root>]`` plus that build option. A wrapper adds no transformers,
so the output is the root's own output plus the annotations (removed again by :mod:`origins`). Going
through a relative path keeps kustomize's load restrictions for the root exactly as Argo CD applies
them (kustomize refuses absolute resource paths, and a directory resource may live anywhere).

This beats the alternatives: matching objects back by kind and name alone cannot tell which file of a
multi-base overlay an object came from, and mirroring the tree with symlinks breaks on relative paths.
If the wrapped build fails, the root is built directly: a real error is then reported in kustomize's
own words about the user's paths, and a wrapper-only failure still yields the objects (without origins).

Renders run in a small thread pool: each is a kustomize subprocess, so threads overlap them well.
With a :class:`render_cache.RenderCache`, a root whose inputs are unchanged since an earlier run is
not rendered again; the key is taken before and after a render, and a render whose inputs changed
while it ran is not stored.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from inferops.errors import InferopsError

if TYPE_CHECKING:
    from inferops.validate.render_cache import RenderCache

#: Environment variable naming a kustomize (or kubectl) binary to use instead of searching PATH.
KUSTOMIZE_ENV = "INFEROPS_KUSTOMIZE"
MAX_WORKERS = 4
TIMEOUT_SECONDS = 300
WRAPPER = "kustomization.yaml"


@dataclass(frozen=True, slots=True)
class Kustomize:
    """How to run a build: ``kustomize build DIR`` or ``kubectl kustomize DIR``."""

    command: tuple[str, ...]

    @property
    def name(self) -> str:
        return " ".join(self.command)

    def build(self, directory: Path) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([*self.command, str(directory)], capture_output=True, text=True,
                                  timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess([], 1, "", f"{self.name} timed out after {TIMEOUT_SECONDS}s")
        except OSError as err:
            return subprocess.CompletedProcess([], 1, "", f"cannot run {self.name}: {err.strerror or err}")


def find_kustomize() -> Kustomize | None:
    """``$INFEROPS_KUSTOMIZE``, else ``kustomize`` on PATH, else ``kubectl`` (which embeds kustomize)."""
    override = os.environ.get(KUSTOMIZE_ENV)
    if override:
        binary = shutil.which(override)
        if binary is None:
            raise InferopsError(f"{KUSTOMIZE_ENV}={override} is not an executable file")
        return _command_for(binary)
    for name in ("kustomize", "kubectl"):
        binary = shutil.which(name)
        if binary is not None:
            return _command_for(binary)
    return None


def _command_for(binary: str) -> Kustomize:
    if Path(binary).name.startswith("kubectl"):
        return Kustomize((binary, "kustomize"))
    return Kustomize((binary, "build"))


@dataclass(frozen=True, slots=True)
class Rendered:
    """The output of one root: YAML text, or kustomize's error.

    ``origin_base`` is the directory that ``config.kubernetes.io/origin`` paths in ``text`` are relative
    to (the wrapper's, now deleted: only path arithmetic is done with it); ``None`` when the text has none.
    """

    root: Path
    text: str = ""
    origin_base: Path | None = None
    error: str | None = None


def render_all(roots: Sequence[Path], tool: Kustomize, cache: RenderCache | None = None,
               on_done: Callable[[Rendered], None] | None = None) -> list[Rendered]:
    """Render every root (absolute, resolved directories), in parallel, in the order given; ``on_done``
    hears of each render as it finishes (from a worker thread)."""
    if not roots:
        return []

    def one(root: Path) -> Rendered:
        rendered = render_cached(root, tool, cache)
        if on_done is not None:
            on_done(rendered)
        return rendered

    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(roots))) as pool:
        return list(pool.map(one, roots))


def render_cached(root: Path, tool: Kustomize, cache: RenderCache | None) -> Rendered:
    """:func:`render_one` through ``cache``: a stored render when the inputs are the same, else a new one."""
    if cache is None:
        return render_one(root, tool)
    key = cache.key(root)
    if key is not None and (stored := cache.get(key)) is not None:
        text, base = stored
        return Rendered(root, text, Path(base) if base is not None else None)
    rendered = render_one(root, tool)
    if key is not None and rendered.error is None and cache.key(root) == key:
        cache.put(key, rendered.text, str(rendered.origin_base) if rendered.origin_base is not None else None)
    return rendered


def render_one(root: Path, tool: Kustomize) -> Rendered:
    with tempfile.TemporaryDirectory(prefix="inferops-render-") as tmp:
        wrapper = Path(tmp).resolve()
        try:
            target = os.path.relpath(root, wrapper)
        except ValueError:  # another drive on Windows: no relative path exists
            target = None
        if target is not None:
            (wrapper / WRAPPER).write_text(
                f"resources:\n- {target}\nbuildMetadata: [originAnnotations]\n", encoding="utf-8"
            )
            wrapped = tool.build(wrapper)
            if wrapped.returncode == 0:
                return Rendered(root, wrapped.stdout, wrapper)
    direct = tool.build(root)
    if direct.returncode == 0:
        return Rendered(root, direct.stdout)
    return Rendered(root, error=first_error(direct.stderr or direct.stdout, root))


_KLOG = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ [^\]]+\] "command failed" err="(?P<err>.*)"\s*$')


def first_error(output: str, root: Path) -> str:
    """kustomize's error in one line: klog framing, ``Error:`` prefixes, warnings and absolute paths removed."""
    message = ""
    for line in output.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.lower().startswith("warning"):
            continue
        match = _KLOG.match(line)
        if match:
            line = match.group("err").replace('\\"', '"')
        message = re.sub(r"^(error|Error):\s*", "", line)
        break
    # kustomize tries a resource as a file, then as a directory, and reports both; the first reason is the useful one
    message = message.split("': must build at directory", 1)[0]
    message = message.replace(f"{root}{os.sep}", "").replace(str(root), ".")
    return message or "kustomize failed without a message"
