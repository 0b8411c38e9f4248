"""``inferops fix``: validate, apply the mechanical fixes, validate again until nothing fixable is left.

Exit codes: 0 every finding with a mechanical fix was fixed (or there was none; findings without one are
``validate``'s business); 1 some could not be fixed (a refused file, no safe place to splice) or, with
``--dry-run``, there are changes to make; 2 usage or configuration errors.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from inferops.errors import EXIT_FINDINGS, EXIT_OK, InferopsError
from inferops.fix.apply import diff, write
from inferops.fix.plan import FileFix, Refused, plan_files, repository_of
from inferops.fix.registry import Run, load_all_fixers
from inferops.validate.findings import Finding

#: Fixes can meet (two insertions into one new mapping from different findings); each round re-validates.
MAX_ROUNDS = 3
FIX_CHECKS = ["render", "gpu", "guardrails"]  # schema findings have no fixer; skipping them keeps a round fast


def run(args: argparse.Namespace) -> int:
    from inferops.validate.pipeline import Options
    from inferops.validate.pipeline import run as validate

    fixers = load_all_fixers()
    unknown = [r for r in args.rule if r not in fixers]
    if unknown:
        raise InferopsError(f"no mechanical fix for rule {', '.join(unknown)}; fixable: {', '.join(sorted(fixers))}")
    cwd = Path.cwd().resolve()
    if "-" in args.paths:
        raise InferopsError("fix edits files; standard input cannot be fixed")
    options = Options(paths=list(args.paths), checks=FIX_CHECKS, policy=args.policy, cwd=cwd)
    boundary = repository_of(options.paths, cwd)
    rules = set(args.rule) or None
    changed: dict[str, list[Finding]] = {}
    diffs: list[str] = []
    refused: list[tuple[Finding, str]] = []
    left: list[tuple[Finding, str]] = []
    refused_files: set[Path] = set()  # refused once, reported once: later rounds do not try them again
    for _ in range(1 if args.dry_run else MAX_ROUNDS):
        report = validate(options)
        planned, left = plan_files(report.findings, Run(report.objects), cwd, boundary, rules)
        planned = [f for f in planned if f.path not in refused_files]
        if not planned:
            break
        for file_fix in planned:
            if args.dry_run:
                diffs.append(diff(file_fix))
            elif not _write(file_fix, refused):
                refused_files.add(file_fix.path)
                continue
            changed.setdefault(file_fix.display, []).extend(file_fix.findings)
    else:
        if not args.dry_run:  # the last round wrote: what it did not fix is still reported, not claimed
            report = validate(options)
            planned, left = plan_files(report.findings, Run(report.objects), cwd, boundary, rules)
            left += [(f, f"not fixed in {MAX_ROUNDS} rounds") for ff in planned if ff.path not in refused_files
                     for f in ff.findings]
    if not args.dry_run:
        changed = _still_fixed(changed, left)
    left = refused + left
    _print(args.format, changed, left, diffs, dry_run=args.dry_run)
    if left or (args.dry_run and changed):
        return EXIT_FINDINGS
    return EXIT_OK


def _write(file_fix: FileFix, refused: list[tuple[Finding, str]]) -> bool:
    try:
        write(file_fix)
    except Refused as why:
        refused.extend((f, f"not fixed: {file_fix.display} is {why}") for f in file_fix.findings)
        return False
    except OSError as err:
        refused.extend((f, f"not fixed: cannot write {file_fix.display}: {err.strerror or err}")
                       for f in file_fix.findings)
        return False
    return True


def _still_fixed(changed: dict[str, list[Finding]], left: list[tuple[Finding, str]]) -> dict[str, list[Finding]]:
    """``changed`` without the findings that the last validation still reports."""
    def key(f: Finding) -> tuple[str, str | None, tuple[str | int, ...]]:
        return f.rule_id, f.object, tuple(f.path)

    still = {key(f) for f, _ in left}
    kept = {file: [f for f in found if key(f) not in still] for file, found in changed.items()}
    return {file: found for file, found in kept.items() if found}


def _shown(diff_text: str, *, visible: bool = True) -> str:
    """A diff as printed: credentials in its lines redacted like every other output of inferops (a hunk with
    a redacted line then no longer applies: the price of not printing a secret), and for a terminal, control
    characters made visible; line ends are kept."""
    from inferops.redaction import redact_text
    from inferops.validate.printable import printable

    out = []
    for line in diff_text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        shown = redact_text(body)
        out.append((printable(shown) if visible else shown) + line[len(body):])
    return "".join(out)


def _row(f: Finding) -> dict[str, object]:
    return {"rule_id": f.rule_id, "file": f.file, "line": f.line, "object": f.object, "message": f.message}


def _print(fmt: str, changed: dict[str, list[Finding]], left: list[tuple[Finding, str]], diffs: list[str],
           *, dry_run: bool) -> None:
    from inferops.validate.report import safe_text

    if fmt == "json":
        document = {
            "version": 1,
            "dry_run": dry_run,
            "changed": [{"file": file, "fixed": [_row(f) for f in found]} for file, found in changed.items()],
            "unfixed": [{**_row(f), "reason": why} for f, why in left],
            "diff": _shown("".join(diffs), visible=False),
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    out = [_shown("".join(diffs))] if diffs else []
    verb = "would fix" if dry_run else "fixed"
    for file, found in changed.items():
        ids = ", ".join(sorted({f.rule_id for f in found}))
        out.append(f"{verb} {safe_text(file)}: {len(found)} finding{'s' if len(found) != 1 else ''} ({ids})\n")
    for f, why in left:
        where = f"{f.file}:{f.line}" if f.line else f.file
        out.append(safe_text(f"{where}: {f.rule_id}: {why}") + "\n")
    if not changed and not left:
        out.append("nothing to fix\n")
    sys.stdout.write("".join(out))
