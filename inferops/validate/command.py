"""``inferops validate``: flags → :class:`pipeline.Options` → report on stdout or ``--output`` → exit code.

Exit codes: 0 no error findings, 1 error findings, 2 usage/configuration errors *or* an unreadable
input file. An unreadable file is still a finding in the report and does not stop the other files from
being checked; it only raises the exit code, because "could not look" is not "looked and found".
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from inferops.errors import EXIT_USAGE, InferopsError

if TYPE_CHECKING:
    from inferops.validate.limits import Limits


def run(args: argparse.Namespace) -> int:
    from inferops.rules.core import FILE_UNREADABLE
    from inferops.validate.pipeline import Options
    from inferops.validate.pipeline import run as validate
    from inferops.validate.reporters import render
    from inferops.validate.run_cache import for_run

    options = Options(
        paths=list(args.paths),
        checks=list(args.checks),
        strict=args.strict,
        kubernetes_version=args.kubernetes_version,
        schema_locations=list(args.schema_location),
        crds=list(args.crd),
        ignore_missing_schemas=args.ignore_missing_schemas,
        skip_kinds=list(args.skip),
        reject_kinds=list(args.reject),
        engine=args.engine,
        cache_dir=args.cache_dir,
        policy=args.policy,
        skip_render=args.skip_render,
        allow_remote=args.allow_remote,
        render_timeout=args.render_timeout,
        exclude=list(args.exclude),
        cwd=Path.cwd(),
        stdin_text=_read_stdin() if "-" in args.paths else None,
        limits=_limits(args),
        render_cache=args.render_cache,
    )
    color = use_color(args.color, to_terminal=not args.output)
    cache = for_run(options, args.format, color)
    stored = cache.get() if cache is not None else None
    if stored is not None:
        text, code = stored
        _write(text, args.output)
        return code
    report = validate(options)
    text = render(report, args.format, color=color)
    text = text if text.endswith("\n") else text + "\n"
    code = EXIT_USAGE if any(f.rule_id == FILE_UNREADABLE.id for f in report.findings) else report.exit_code
    if cache is not None and report.reusable:
        cache.put(text, code)
    _write(text, args.output)
    return code


def _limits(args: argparse.Namespace) -> Limits:
    """``--max-*`` flags over the defaults of :class:`Limits`."""
    from dataclasses import replace

    from inferops.validate.limits import DEFAULT_LIMITS

    given = {"file_bytes": args.max_file_bytes, "document_bytes": args.max_document_bytes,
             "documents": args.max_documents, "nodes": args.max_nodes}
    return replace(DEFAULT_LIMITS, **{key: value for key, value in given.items() if value is not None})


def use_color(choice: str, *, to_terminal: bool) -> bool:
    """``always``/``never`` as said; ``auto`` colours a terminal unless ``NO_COLOR`` is set (no-color.org)."""
    if choice != "auto":
        return choice == "always"
    return to_terminal and sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _read_stdin() -> str:
    raw = sys.stdin.buffer.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InferopsError(f"standard input is not UTF-8 text (byte {err.start})", file="-") from None


def _write(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as err:
        raise InferopsError(f"cannot write report: {err.strerror or err}", file=output) from None
