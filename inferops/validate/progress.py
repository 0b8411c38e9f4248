"""A one-line progress display on stderr for runs that take more than a second on a terminal.

A pre-commit hook or CI log must stay clean, so nothing is written unless stderr is a terminal, and a
quick run writes nothing either: the line appears only after ``delay`` seconds, is redrawn in place,
and is erased when the run ends, before the report is printed.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

CLEAR_LINE = "\r\033[K"


class Progress:
    """Redraws ``status()`` on ``stream`` every ``interval`` seconds, starting ``delay`` seconds in."""

    def __init__(self, status: Callable[[], str], stream: TextIO | None = None, *,
                 delay: float = 1.0, interval: float = 0.2) -> None:
        self.status = status
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.interval = interval
        self.enabled = _is_terminal(self.stream)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown = False

    def __enter__(self) -> Progress:
        if self.enabled:
            self._thread = threading.Thread(target=self._run, name="inferops-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._shown:
            self.stream.write(CLEAR_LINE)
            self.stream.flush()

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        while True:
            try:
                line = self.status()
            except Exception:  # noqa: BLE001 - a progress line must never break a run
                line = ""
            self.stream.write(CLEAR_LINE + line[:_width(self.stream)])
            self.stream.flush()
            self._shown = True
            if self._stop.wait(self.interval):
                return


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _width(stream: TextIO) -> int:
    import shutil

    return max(20, shutil.get_terminal_size((80, 24)).columns - 1)
