"""Build kustomizations with the real kustomize, recording where every rendered object came from.

Origins: kustomize writes ``config.kubernetes.io/origin`` annotations (the source file of each object)
when a kustomization sets ``buildMetadata: [originAnnotations]``, and
``alpha.config.kubernetes.io/transformations`` (the overlays that changed it) with ``transformerAnnotations``. User files are never edited, so each
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

Invocation (the input is an untrusted change): kustomize runs with ``--load-restrictor
LoadRestrictionsRootOnly``, helm and plugins (exec and KRM functions) off, and, unless remote resources
are allowed, an environment that cannot reach the network even if a remote reference slipped past
:mod:`closure`: every proxy variable points at a closed loopback port, no TLS root is trusted, git may
use no transport at all, and ``HOME``/config directories are an empty temporary directory; where the OS
allows it, kustomize also runs in an empty network namespace (:func:`network_sandbox`). One render
gets one time limit (``--render-timeout``), shared by the wrapped and the direct build; on expiry the
whole process group is killed, so a child such as ``git`` cannot keep the run waiting.

With a :class:`render_cache.RenderCache`, a root whose inputs are unchanged since an earlier run is
not rendered again; the key is taken before and after a render, and a render whose inputs changed
while it ran is not stored.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
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
#: Default time limit of one render (``--render-timeout``).
TIMEOUT_SECONDS = 60.0
WRAPPER = "kustomization.yaml"
#: Flags every build gets, whatever the kustomization asks for (accepted by kustomize 5 and kubectl kustomize).
SAFE_FLAGS = ("--load-restrictor=LoadRestrictionsRootOnly", "--enable-helm=false", "--enable-alpha-plugins=false")
#: Go runtime settings for a build. A build lives a fraction of a second, and with Go's default GC target
#: (``GOGC=100``) kustomize spends a fifth of its CPU collecting garbage it would free at exit anyway. With
#: ``GOGC=off`` and a memory limit, Go collects only when the heap nears the limit (the Go GC guide,
#: https://go.dev/doc/gc-guide#Memory_limit: "GOGC=off ... the garbage collector will run only to maintain the
#: memory limit"), so an ordinary build never collects and a large one collects to stay near 128 MiB. Measured
#: on 30 of the 300-overlay benchmark's builds, interleaved: 70 ms of CPU per build with ``GOGC=400``, 62 ms
#: with these (user time -16 %); peak RSS 52 MB either way. The generator's check of 100 bases in one build
#: peaks at 157 MB (``new``'s process tree), as with ``GOGC=400``; a 256 MiB limit let it reach 286 MB.
GO_RUNTIME = {"GOGC": "off", "GOMEMLIMIT": "128MiB"}
#: A proxy nothing listens on (port 9, discard): a connection through it is refused at once.
UNREACHABLE_PROXY = "http://127.0.0.1:9"


@dataclass(frozen=True, slots=True)
class RenderSettings:
    """How renders run: their time limit, and whether kustomize may fetch remote resources."""

    timeout: float = TIMEOUT_SECONDS
    allow_remote: bool = False


def offline_environment(home: Path) -> dict[str, str]:
    """The environment of an offline build: the caller's ``PATH`` (kustomize may be a shim), nothing else
    of it. Go's HTTP client honours the proxy variables for every host but loopback addresses (those only
    :mod:`closure` stops); git honours ``GIT_ALLOW_PROTOCOL`` for every transport, including ``file://``."""
    env = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "data"), "TMPDIR": str(home), "KUBECONFIG": str(home / "kubeconfig"),
        "KUSTOMIZE_PLUGIN_HOME": str(home / "plugins"), "LANG": "C.UTF-8",
        "NO_PROXY": "", "no_proxy": "",
        "SSL_CERT_FILE": str(home / "no-roots.pem"), "SSL_CERT_DIR": str(home / "no-roots"),
        "GIT_ALLOW_PROTOCOL": "none", "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0", "GIT_SSH_COMMAND": "false", "GIT_ASKPASS": "false", "SSH_ASKPASS": "false",
        **GO_RUNTIME,
    }
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[name] = env[name.lower()] = UNREACHABLE_PROXY
    return env


@dataclass(frozen=True, slots=True)
class Kustomize:
    """How to run a build: ``kustomize build DIR`` or ``kubectl kustomize DIR``."""

    command: tuple[str, ...]

    @property
    def name(self) -> str:
        return " ".join(self.command)

    @property
    def short_name(self) -> str:
        """The command without the binary's directory, for messages."""
        return " ".join((Path(self.command[0]).name, *self.command[1:]))

    def build(self, directory: Path, *, deadline: float, env: dict[str, str] | None,
              sandbox: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
        """Build ``directory`` before ``deadline`` (``time.monotonic()``); ``env`` ``None`` inherits ours;
        ``sandbox`` is a command prefix (:func:`network_sandbox`)."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return _timed_out(self.short_name)
        argv = [*sandbox, *self.command, str(directory), *SAFE_FLAGS]
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL,  # noqa: S603 -- argv, no shell
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                       start_new_session=True)
        except OSError as err:
            return subprocess.CompletedProcess([], 1, "", f"cannot run {self.name}: {err.strerror or err}")
        try:
            stdout, stderr = process.communicate(timeout=remaining)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            return _timed_out(self.short_name)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


@functools.cache
def network_sandbox(tool: Kustomize) -> tuple[str, ...]:
    """A prefix that runs ``tool`` in an empty network namespace (not even loopback reaches anything),
    where the OS lets an unprivileged user create one (``unshare -rn``) and ``tool`` works inside it;
    ``()`` elsewhere, e.g. under AppArmor's ``apparmor_restrict_unprivileged_userns``. Probed once per
    process by building an empty kustomization, so a kustomize that cannot run there is used without it."""
    unshare = shutil.which("unshare")
    if unshare is None or not sys.platform.startswith("linux"):
        return ()
    prefix = (unshare, "--user", "--map-root-user", "--net", "--")
    with tempfile.TemporaryDirectory(prefix="inferops-probe-") as tmp:
        home = Path(tmp).resolve()
        (home / WRAPPER).write_text("resources: []\n", encoding="utf-8")
        probe = tool.build(home, deadline=time.monotonic() + 20, env=offline_environment(home), sandbox=prefix)
    return prefix if probe.returncode == 0 else ()


def _kill_group(process: subprocess.Popen[str]) -> None:
    """Kill the build and everything it started (its own session), then reap it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (OSError, AttributeError):  # already gone, or no process groups (Windows)
        process.kill()
    try:
        process.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # a grandchild outside the group still holds the pipes: stop waiting
        pass


class TimedOut(subprocess.CompletedProcess[str]):
    """A build that ran out of time (so the direct build is not tried after the wrapped one)."""


def _timed_out(name: str) -> subprocess.CompletedProcess[str]:
    return TimedOut([], 1, "", f"{name} did not finish within the render time limit")


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
    A render from the cache carries its ``key`` and, once stored, the JSON of its objects (``documents``).
    """

    root: Path
    text: str = ""
    origin_base: Path | None = None
    error: str | None = None
    key: str | None = None
    documents: str | None = None


def render_all(roots: Sequence[Path], tool: Kustomize, settings: RenderSettings | None = None,
               cache: RenderCache | None = None, on_done: Callable[[Rendered], None] | None = None) -> list[Rendered]:
    """Render every root (absolute, resolved directories), in parallel, in the order given; ``on_done``
    hears of each render as it finishes (from a worker thread)."""
    return list(iter_renders(roots, tool, settings, cache, on_done))


def iter_renders(roots: Sequence[Path], tool: Kustomize, settings: RenderSettings | None = None,
                 cache: RenderCache | None = None,
                 on_done: Callable[[Rendered], None] | None = None) -> Iterator[Rendered]:
    """:func:`render_all`, each render yielded in order as soon as it and those before it are done, so
    the caller reads one render's objects while kustomize builds the next ones."""
    if not roots:
        return
    settings = settings or RenderSettings()

    def one(root: Path) -> Rendered:
        rendered = render_cached(root, tool, cache, settings)
        if on_done is not None:
            on_done(rendered)
        return rendered

    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(roots))) as pool:
        yield from pool.map(one, roots)


def render_cached(root: Path, tool: Kustomize, cache: RenderCache | None,
                  settings: RenderSettings | None = None) -> Rendered:
    """:func:`render_one` through ``cache``: a stored render when the inputs are the same, else a new one."""
    if cache is None:
        return render_one(root, tool, settings)
    key = cache.key(root)
    if key is not None and (stored := cache.get(key)) is not None:
        text, base, documents = stored
        return Rendered(root, text, Path(base) if base is not None else None, key=key, documents=documents)
    rendered = render_one(root, tool, settings)
    if key is not None and rendered.error is None and cache.key(root, fresh=True) == key:
        cache.put(key, rendered.text, str(rendered.origin_base) if rendered.origin_base is not None else None)
    return rendered


def render_one(root: Path, tool: Kustomize, settings: RenderSettings | None = None) -> Rendered:
    """Build ``root`` through the wrapper, else directly, both within one time limit."""
    settings = settings or RenderSettings()
    deadline = time.monotonic() + settings.timeout
    with tempfile.TemporaryDirectory(prefix="inferops-render-") as tmp:
        wrapper = Path(tmp).resolve() / "wrapper"
        wrapper.mkdir()
        env = None if settings.allow_remote else offline_environment(Path(tmp).resolve())
        sandbox = () if settings.allow_remote else network_sandbox(tool)
        try:
            target = os.path.relpath(root, wrapper)
        except ValueError:  # another drive on Windows: no relative path exists
            target = None
        if target is not None:
            (wrapper / WRAPPER).write_text(  # JSON-quoted: a directory name cannot add YAML keys
                f"resources:\n- {json.dumps(target)}\nbuildMetadata: [originAnnotations, transformerAnnotations]\n",
                encoding="utf-8",
            )
            wrapped = tool.build(wrapper, deadline=deadline, env=env, sandbox=sandbox)
            if wrapped.returncode == 0:
                return Rendered(root, wrapped.stdout, wrapper)
            if isinstance(wrapped, TimedOut):
                return Rendered(root, error=f"{wrapped.stderr} ({settings.timeout:g}s, --render-timeout)")
        direct = tool.build(root, deadline=deadline, env=env, sandbox=sandbox)
    if direct.returncode == 0:
        return Rendered(root, direct.stdout)
    if isinstance(direct, TimedOut):
        return Rendered(root, error=f"{direct.stderr} ({settings.timeout:g}s, --render-timeout)")
    return Rendered(root, error=first_error(direct.stderr or direct.stdout, root))


_KLOG = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ [^\]]+\] "command failed" err="(?P<err>.*)"\s*$')
#: klog writes a multi-line error as ``err=<`` then tab-indented lines, then `` >``.
_KLOG_BLOCK = re.compile(r'^[EWIF]\d{4} [\d:.]+\s+\d+ [^\]]+\] "command failed" err=<\s*$')
#: A header kustomize puts before the real error, quoting a whole plugin config between backquotes.
_CONFIG_HEADER = re.compile(r"trouble configuring builtin \w+ with config: `.*?`:\s*", re.DOTALL)


def first_error(output: str, root: Path) -> str:
    """kustomize's error in one line: klog framing, ``Error:`` prefixes, warnings, the plugin-config
    header and absolute paths removed, so what remains is the line that says what is wrong."""
    lines = output.splitlines()
    text = ""
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line or line.startswith("#") or line.lower().startswith("warning"):
            continue
        match = _KLOG.match(line)
        if match:
            text = match.group("err").replace('\\"', '"')
        elif _KLOG_BLOCK.match(line):
            block = []
            for more in lines[index + 1:]:
                if more.strip() == ">":
                    break
                block.append(more.strip())
            text = "\n".join(block)
        else:
            text = "\n".join(more.strip() for more in lines[index:])
        break
    text = _CONFIG_HEADER.sub("", re.sub(r"^(error|Error):\s*", "", text))
    message = next((line.strip() for line in text.splitlines() if line.strip()), "")
    # kustomize tries a resource as a file, then as a directory, and reports both; the first reason is the useful one
    message = message.split("': must build at directory", 1)[0]
    message = message.replace(f"{root}{os.sep}", "").replace(str(root), ".")
    return message or "kustomize failed without a message"
