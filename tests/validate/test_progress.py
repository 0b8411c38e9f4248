"""Progress on stderr: one line redrawn on a terminal and erased at the end; nothing otherwise."""

import io
import threading

from inferops.cli import main
from inferops.validate.progress import CLEAR_LINE, Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_shows_the_status_line_and_it_is_erased_at_the_end() -> None:
    stream, asked = Terminal(), threading.Event()

    def status() -> str:
        asked.set()
        return "inferops: rendering: 12 files, 3/300 renders (1 cached)"

    with Progress(status, stream, delay=0.0, interval=0.01):
        assert asked.wait(timeout=30)
    written = stream.getvalue()
    assert "3/300 renders (1 cached)" in written
    assert written.endswith(CLEAR_LINE)


def test_nothing_is_written_when_stderr_is_not_a_terminal() -> None:
    stream = io.StringIO()
    with Progress(lambda: "never shown", stream, delay=0.0, interval=0.01) as progress:
        assert not progress.enabled
    assert stream.getvalue() == ""


def test_a_quick_run_writes_nothing_even_on_a_terminal() -> None:
    stream = Terminal()
    with Progress(lambda: "never shown", stream, delay=3600.0):
        pass
    assert stream.getvalue() == ""


def test_validate_writes_nothing_to_a_stderr_that_is_not_a_terminal(tmp_path, capsys) -> None:
    (tmp_path / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    assert main(["validate", str(tmp_path), "--checks", "schema"]) == 0
    assert capsys.readouterr().err == ""
