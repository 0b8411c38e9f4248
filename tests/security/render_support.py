"""Shared by the render and discovery security tests: a counting 127.0.0.1 server, file writing, runs."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from inferops.validate.pipeline import Options, run
from inferops.validate.report import Report

needs_kustomize = pytest.mark.skipif(
    shutil.which("kustomize") is None and shutil.which("kubectl") is None, reason="needs kustomize or kubectl"
)

#: Served by the counting server: if it ever shows up in a report, remote content reached a message.
MARKER = "REMOTE-CONTENT-MARKER-7f3a"
REMOTE_CONFIGMAP = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: remote\ndata:\n  secret: {MARKER}\n"

PRIVILEGED_POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: evil
spec:
  hostNetwork: true
  containers:
  - name: c
    image: busybox:1.36
    securityContext:
      privileged: true
"""


@dataclass
class Counter:
    """What a local server saw: TCP connections and well-formed HTTP requests (path or absolute URI)."""

    port: int
    connections: int = 0
    requests: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def counting_http_server(status: int = 200) -> Iterator[Counter]:
    """A 127.0.0.1 HTTP server answering every GET with :data:`REMOTE_CONFIGMAP` (or ``status``)."""
    counter = Counter(port=0)

    class Handler(BaseHTTPRequestHandler):
        def setup(self) -> None:
            counter.connections += 1
            super().setup()

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            counter.requests.append(self.path)
            body = REMOTE_CONFIGMAP.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    counter.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield counter
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def counting_tcp_listener() -> Iterator[Counter]:
    """A 127.0.0.1 TCP listener that counts connections and closes them (for ssh/git transports)."""
    counter = Counter(port=0)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    sock.settimeout(0.2)
    counter.port = sock.getsockname()[1]
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            counter.connections += 1
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield counter
    finally:
        stop.set()
        thread.join()
        sock.close()


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def validate(root: Path, *paths: str, **options: object) -> Report:
    """A run with every check family and a short render limit (a hang fails the test, not the suite)."""
    options.setdefault("render_timeout", 20.0)
    return run(Options(paths=list(paths), cwd=root, **options))  # type: ignore[arg-type]


def everything_said(report: Report) -> str:
    """Every message and note of a report, for checking what reached the user."""
    return "\n".join([*(f.message for f in report.findings), *report.notes])


def found(report: Report, rule_id: str) -> list[tuple[str, int | None]]:
    return sorted((f.file, f.line) for f in report.findings if f.rule_id == rule_id)
