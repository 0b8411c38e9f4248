"""From findings to planned edits, per source file: which findings have a fixer, where their source is,
and what splices make them comply. Also the one-finding fix the JSON and SARIF reports show."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import Node

from inferops.fix.registry import Append, Operation, Run, Set, load_all_fixers
from inferops.fix.source import documents, find_document
from inferops.fix.splice import Edit, Planner, apply
from inferops.validate.discovery import git_root
from inferops.validate.findings import Finding
from inferops.validate.manifest import JsonPath


class Refused(Exception):
    """A file ``fix`` must not touch (outside the repository, a symlink, unreadable, not YAML)."""


@dataclass(slots=True)
class FileFix:
    """The edits planned for one source file, with the text and digest they were computed from."""

    path: Path
    display: str
    text: str
    digest: str
    edits: list[Edit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    docs: tuple[Node, ...] | None = None  # parsed once, on the first finding that needs it


def repository_of(paths: list[str], cwd: Path) -> Path:
    """The Git repository ``fix`` may edit: the one holding the first path as named (a symlink among the
    paths is not followed: its target may be anywhere), else the one holding ``cwd``, else ``cwd``."""
    start = Path(os.path.normpath(cwd / (paths[0] if paths else ".")))
    if not start.is_dir() or start.is_symlink():
        start = start.parent
    return git_root(start) or git_root(cwd) or cwd


def source_path(file: str, cwd: Path, boundary: Path) -> Path:
    """``file`` (as findings name it), checked: inside ``boundary``, a regular file, no symlink on the way."""
    raw = Path(file)
    path = Path(os.path.normpath(raw if raw.is_absolute() else cwd / raw))
    if not path.is_relative_to(boundary):
        raise Refused("outside the repository")
    probe = path
    while probe != boundary and probe != probe.parent:
        if probe.is_symlink():
            raise Refused("a symbolic link" if probe == path else f"behind the symbolic link {probe.name}")
        probe = probe.parent
    if not path.is_file():
        raise Refused("not a regular file")
    return path


#: Line breaks YAML 1.1 knows besides LF and CRLF: splices find line ends by ``\n``, so a line ending in one of
#: these would take an insertion meant for it at the next ``\n`` (or at the end of the file).
_OTHER_BREAKS = re.compile("\r(?!\n)|[\x85\u2028\u2029]")


def read(path: Path) -> tuple[str, str]:
    """The file's text and the SHA-256 of its bytes (compared again right before writing)."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise Refused(f"unreadable ({err})") from None
    if _OTHER_BREAKS.search(text):
        raise Refused("written with line breaks other than LF and CRLF")
    return text, hashlib.sha256(raw).hexdigest()


def fixable(finding: Finding, rules: Iterable[str] | None = None) -> bool:
    """Whether ``finding``'s rule has a fixer (and is among ``rules`` when given) and it carries its object."""
    return (finding.rule_id in load_all_fixers() and finding.subject is not None
            and (rules is None or finding.rule_id in rules))


@dataclass(frozen=True, slots=True)
class Target:
    """Where one finding's fix goes: the file and line that set its first operation's value (an overlay's
    patch when the overlay wrote it, else the base) or the operation's anchor, and the operations, all
    applied in that file."""

    file: str
    line: int | None
    ops: list[Operation]
    rendered: dict[str, Any]  # the object as rendered, for matching list items by name
    anchor: JsonPath  # the path whose walk through the file passes ``line``


def target(finding: Finding, run: Run) -> Target | None:
    fixer = load_all_fixers().get(finding.rule_id)
    subject = finding.subject
    if fixer is None or subject is None:
        return None
    ops = fixer.fix(subject, finding.path, run)
    if not ops:
        return None
    first = ops[0]
    anchor = (first.anchor if isinstance(first, Set | Append) else None) or first.path
    file, line = subject.place(anchor)
    return Target(file, line, ops, subject.data, anchor)


def plan_finding(planner: Planner, docs: tuple[Node, ...], where: Target) -> bool:
    """Add the edits of one finding's fix (in the file parsed into ``docs``) to ``planner``; ``False`` when
    there is no safe mechanical fix."""
    found = find_document(docs, where.anchor, where.rendered, where.line)
    return found is not None and planner.plan(found[0], where.ops, where.rendered)


def plan_files(findings: list[Finding], run: Run, cwd: Path, boundary: Path, rules: Iterable[str] | None = None
               ) -> tuple[list[FileFix], list[tuple[Finding, str]]]:
    """Edits per file for every fixable finding of ``run``; the findings left unfixed, each with the reason."""
    files: dict[Path, FileFix] = {}
    planners: dict[Path, Planner] = {}
    left: list[tuple[Finding, str]] = []
    for finding in findings:
        where = target(finding, run) if fixable(finding, rules) else None
        if where is None:
            if fixable(finding, rules):
                left.append((finding, "no safe mechanical fix for this object"))
            continue
        try:
            path = source_path(where.file, cwd, boundary)
            if path not in files:
                text, digest = read(path)
                files[path] = FileFix(path, where.file, text, digest)
                planners[path] = Planner(text)
        except Refused as why:
            left.append((finding, f"not fixed: {where.file} is {why}"))
            continue
        docs = _parsed(files[path])
        if not docs:  # validate's parser read it, ruamel's does not (YAML 1.1 corners, a tab after a value)
            left.append((finding, f"not fixed: the round-trip YAML parser cannot read {where.file}"))
            continue
        if plan_finding(planners[path], docs, where):
            files[path].findings.append(finding)
        else:
            left.append((finding, f"no safe mechanical fix at {where.file}:{where.line}"))
    for path, file_fix in files.items():
        file_fix.edits = planners[path].result()
        if not file_fix.edits:  # the source already says so: something else (another overlay, a patch) undoes it
            left.extend((f, f"not fixed: {file_fix.display} already has the fix; a later layer overrides it")
                        for f in file_fix.findings)
        elif not _still_yaml(file_fix.text, file_fix.edits):
            left.extend((f, "no safe mechanical fix: the edited file would not parse") for f in file_fix.findings)
            file_fix.edits, file_fix.findings = [], []
    return [f for f in files.values() if f.edits], left


def _parsed(file_fix: FileFix) -> tuple[Node, ...]:
    if file_fix.docs is None:
        file_fix.docs = _documents(file_fix.text)
    return file_fix.docs


def _documents(text: str) -> tuple[Node, ...]:
    """The file's documents; none when ruamel cannot parse it (the validator reported why already)."""
    try:
        return documents(text)
    except Exception:  # noqa: BLE001  (ruamel raises many error types)
        return ()


def _still_yaml(text: str, edits: list[Edit]) -> bool:
    """A last guard: the fixed text loads (ruamel's constructor also refuses duplicate keys) with as many
    documents as before, and a file that was JSON still is."""
    fixed = apply(text, edits)
    try:
        same = len(list(YAML(typ="rt").load_all(fixed))) == len(list(YAML(typ="rt").load_all(text)))
    except Exception:  # noqa: BLE001  (any ruamel error means: do not write this)
        return False
    return same and (not _is_json(text) or _is_json(fixed))


def _is_json(text: str) -> bool:
    try:
        json.loads(text.removeprefix("\ufeff"))
    except ValueError:
        return False
    return True


def single_fix(finding: Finding, run: Run, cwd: Path, boundary: Path,
               sources: dict[str, tuple[str, tuple[Node, ...]] | None]) -> tuple[str, str, list[Edit]] | None:
    """The fix of one finding alone: (file as reported, source text, edits); ``None`` without one.
    ``sources`` caches each file's text and documents (``None`` when refused) across the findings of a report."""
    where = target(finding, run) if fixable(finding) else None
    if where is None:
        return None
    if where.file not in sources:
        try:
            text, _ = read(source_path(where.file, cwd, boundary))
            sources[where.file] = (text, _documents(text))
        except Refused:
            sources[where.file] = None
    source = sources[where.file]
    if source is None:
        return None
    text, docs = source
    planner = Planner(text)
    if not plan_finding(planner, docs, where):
        return None
    edits = planner.result()
    return (where.file, text, edits) if edits else None
