"""Issue 8, robustness of `inferops new`: a full disk, a failing `git init`, a FIFO as the spec and a run killed
half-way each end with one line and exit 2 (or the signal), and never leave a half-made repository or
temporary directories beside the output. Each runs the real CLI in a subprocess, as a user would."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator_helpers import SPECS

#: Generous: a healthy `inferops new` takes a second or two; a hang is what this bounds.
HANG_LIMIT = 120


def inferops(*argv: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "inferops", *argv], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=HANG_LIMIT, **kwargs)


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".inferops-new-"))


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("inferops: error: "), done.stderr[-2000:]
    return done.stderr


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare and a user namespace to mount a small tmpfs")
@pytest.mark.parametrize(("size", "git"), [("64k", False), ("64k", True), ("256k", True), ("448k", True)],
                         ids=["64k-no-git", "64k", "256k", "448k"])
def test_new_on_a_full_disk_is_one_line_and_creates_nothing(tmp_path: Path, size: str, git: bool) -> None:
    """A real full disk: a tmpfs of a few hundred KiB in a private mount namespace. Depending on the size,
    rendering, `git init` or the commit runs out of space; whichever does, the result is all or nothing."""
    disk = tmp_path / "disk"
    disk.mkdir()
    command = [sys.executable, "-m", "inferops", "new", "--example", "--output", f"{disk}/out",
               *([] if git else ["--no-git"])]
    script = f'mount -t tmpfs -o size={size} tmpfs "$1" && shift && "$@"; code=$?; ls -A "{disk}"; exit $code'
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script, "sh", str(disk), *command],
                          capture_output=True, text=True, timeout=HANG_LIMIT)
    listing = done.stdout.split("\n")
    if done.returncode == 0:
        assert listing[-2] == "out"  # the whole repository, and nothing beside it
    else:
        assert "No space left on device" in one_error_line(done)
        assert listing[-1] == "" and "out" not in listing and not any(n.startswith(".inferops") for n in listing)
    if size == "64k":
        assert done.returncode == 2  # at least this one really runs out of space


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare and a user namespace to mount a small tmpfs")
@pytest.mark.parametrize("command", ["new", "add"])
def test_a_full_temporary_directory_is_one_line(tmp_path: Path, command: str) -> None:
    """`new --dry-run` and `add` render in $TMPDIR first; a full one is reported like a full output disk."""
    repo = tmp_path / "repo"
    assert inferops("new", "--example", "--output", str(repo), "--no-git").returncode == 0
    argv = (["new", "--example", "--output", str(tmp_path / "out"), "--dry-run"] if command == "new"
            else ["add", str(SPECS / "tgi.yaml"), "--repo", str(repo)])
    disk = tmp_path / "tmp"
    disk.mkdir()
    script = 'mount -t tmpfs -o size=64k tmpfs "$1" && shift && TMPDIR="$0" "$@"'
    done = subprocess.run(["unshare", "-rm", "sh", "-c", script, str(disk), str(disk), sys.executable, "-m",
                           "inferops", *argv], capture_output=True, text=True, timeout=HANG_LIMIT)
    assert "No space left on device" in one_error_line(done) and f"temporary directory {disk}" in done.stderr


def test_new_when_git_init_fails_is_one_line_and_creates_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "gitconfig"
    broken.write_text("[user\n\tname = broken section header\n", encoding="utf-8")
    out = tmp_path / "out"
    done = inferops("new", "--example", "--output", str(out), env={"GIT_CONFIG_GLOBAL": str(broken)})
    assert "cannot create the Git repository" in one_error_line(done) and "--no-git" in done.stderr
    assert not out.exists() and leftovers(tmp_path) == []
    assert inferops("new", "--example", "--output", str(out), "--no-git",
                    env={"GIT_CONFIG_GLOBAL": str(broken)}).returncode == 0


def test_new_without_a_git_executable_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = inferops("new", "--example", "--output", str(out), env={"PATH": str(tmp_path / "no-such-bin")})
    assert "cannot create the Git repository: cannot run git" in one_error_line(done)
    assert not out.exists() and leftovers(tmp_path) == []


def test_a_fifo_as_the_spec_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    done = inferops("new", str(fifo), "--output", str(tmp_path / "out"))
    assert f"{fifo}: not a regular file" in one_error_line(done)


def _start_new(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    out = tmp_path / "parent" / "out"
    proc = subprocess.Popen([sys.executable, "-m", "inferops", "new", str(SPECS / "several-models.yaml"),
                             "--output", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return proc, out


def _wait_for(proc: subprocess.Popen[bytes], ready) -> None:
    """Poll until ``ready()`` (the run has reached the stage to interrupt) while the process still runs."""
    deadline = time.monotonic() + HANG_LIMIT
    while not ready():
        assert proc.poll() is None, "inferops new finished before it could be interrupted"
        assert time.monotonic() < deadline, "inferops new never reached the stage to interrupt"
        time.sleep(0.002)


def _building(parent: Path) -> bool:
    return parent.is_dir() and bool(leftovers(parent))


def _committing(parent: Path) -> bool:
    """`.git` exists somewhere under the parent: in the build directory, or (before the fix) in the output."""
    return parent.is_dir() and (any(parent.glob("*/.git")) or any(parent.glob(".inferops-new-*/*/.git")))


def test_new_stopped_by_sigterm_cleans_up_after_itself(tmp_path: Path) -> None:
    proc, out = _start_new(tmp_path)
    _wait_for(proc, lambda: _building(out.parent))
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=HANG_LIMIT)
    assert proc.returncode == 130 and err.decode().endswith("inferops: interrupted\n"), err.decode()[-2000:]
    assert sorted(os.listdir(out.parent)) == []  # no repository, no temporary directory


def test_new_killed_while_committing_leaves_no_repository_and_the_next_run_cleans_up(tmp_path: Path,
                                                                                   capsys) -> None:
    proc, out = _start_new(tmp_path)
    _wait_for(proc, lambda: _committing(out.parent))
    proc.kill()
    proc.wait(timeout=HANG_LIMIT)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()  # the output appears whole, in one rename, or not at all
    stale = leftovers(out.parent)
    assert stale  # SIGKILL leaves the build directory; the next run removes it
    done = inferops("new", "--example", "--output", str(out.parent / "second"))
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(out.parent)) == ["second"]


def test_a_live_runs_build_directory_is_not_taken_for_a_stale_one(tmp_path: Path) -> None:
    """Only directories of runs whose process is gone are removed: a concurrent run keeps its own."""
    live = tmp_path / f".inferops-new-{os.getpid()}-abc123"  # this test's own process
    live.mkdir()
    unrelated = tmp_path / ".inferops-new-notapid"
    unrelated.mkdir()
    assert inferops("new", "--example", "--output", str(tmp_path / "out"), "--no-git").returncode == 0
    assert live.is_dir() and unrelated.is_dir()


def test_a_sigterm_whose_interrupt_was_swallowed_still_stops_the_build(tmp_path: Path) -> None:
    """Python drops an exception raised while a ``__del__`` runs (a SIGTERM landing in ``ZipFile.__del__``):
    the build still does not publish its tree, and its directory is removed."""
    from inferops.generator.build import build_directory, publish

    out = tmp_path / "repo"
    with pytest.raises(KeyboardInterrupt), build_directory(tmp_path) as work:
        (work / "tree").mkdir()
        handler = signal.getsignal(signal.SIGTERM)
        assert callable(handler)
        try:
            handler(signal.SIGTERM, None)
        except KeyboardInterrupt:
            pass  # what a __del__ does with it
        publish(work / "tree", out)
    assert not out.exists() and os.listdir(tmp_path) == []
