"""Command-line entry point. Parsing only: each command's module is imported when it runs, so
``inferops --help`` and the pre-commit hook start fast."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from inferops import __version__
from inferops.errors import EXIT_USAGE, InferopsError

CHECK_FAMILIES = ("render", "schema", "gpu", "guardrails")
FORMATS = ("text", "json", "junit", "sarif", "github")


def _csv(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _seconds(value: str) -> float:
    """A positive number of seconds (``--render-timeout``)."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds <= 86_400:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0 and at most 86400, got {value!r}")
    return seconds


def _families(value: str) -> list[str]:
    families = _csv(value)
    unknown = [f for f in families if f not in CHECK_FAMILIES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown check family {', '.join(unknown)}; choose from {', '.join(CHECK_FAMILIES)}"
        )
    return families


def _size(value: str) -> int:
    from inferops.validate.limits import parse_size

    try:
        return parse_size(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _count(value: str) -> int:
    if not value.isdigit() or int(value) <= 0:
        raise argparse.ArgumentTypeError(f"not a positive number: {value!r}")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inferops",
        description="Generate and validate GitOps repositories for GPU model serving on Kubernetes.",
    )
    parser.add_argument("--version", action="version", version=f"inferops {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    new = sub.add_parser("new", help="write a new GitOps repository from a model spec")
    new.add_argument("spec", nargs="?", help="model spec YAML file")
    new.add_argument("--example", action="store_true", help="use the built-in example spec")
    new.add_argument("-o", "--output", required=True, help="directory to create (must be empty or absent)")
    new.add_argument("--no-git", action="store_true", help="do not initialise a Git repository")
    new.add_argument("--dry-run", action="store_true", help="print what would be written, write nothing")

    add = sub.add_parser("add", help="add models or environments to a repository made by `inferops new`")
    add.add_argument("spec", help="model spec YAML file")
    add.add_argument("--repo", default=".", help="repository to update (default: current directory)")
    add.add_argument("--force", action="store_true", help="overwrite files edited since they were generated")
    add.add_argument("--dry-run", action="store_true", help="print what would be written or changed")

    release = sub.add_parser("release", help="pin production to a new release tag: re-render, commit and tag")
    release.add_argument("version", help="the new release tag, e.g. v0.2.0")
    release.add_argument("--repo", default=".", help="repository made by `inferops new` (default: current directory)")

    val = sub.add_parser("validate", help="validate manifests, Kustomize overlays and Argo CD objects")
    val.add_argument("paths", nargs="*", help="files or directories (default: the current directory)")
    val.add_argument("-f", "--format", choices=FORMATS, default="text", help="report format (default: text)")
    val.add_argument("-o", "--output", help="write the report to this file instead of standard output")
    val.add_argument(
        "--checks", type=_families, default=list(CHECK_FAMILIES),
        help=f"comma-separated check families (default: all of {','.join(CHECK_FAMILIES)})",
    )
    val.add_argument("--strict", dest="strict", action="store_true", default=True,
                     help="reject unknown fields and duplicate keys (default)")
    val.add_argument("--no-strict", dest="strict", action="store_false", help="allow unknown fields")
    val.add_argument("--kubernetes-version", help="Kubernetes schema version, e.g. 1.33.0 (default: policy, else 1.33.0)")
    val.add_argument("--schema-location", action="append", default=[],
                     help="extra schema location: a path or URL template in kubeconform syntax (repeatable)")
    val.add_argument("--crd", action="append", default=[], help="CRD file or directory to validate custom resources against (repeatable)")
    val.add_argument("--ignore-missing-schemas", action="store_true", help="do not fail objects with no schema")
    val.add_argument("--skip", type=_csv, default=[], help="comma-separated kinds (or group/version/Kind) to skip")
    val.add_argument("--reject", type=_csv, default=[], help="comma-separated kinds to reject outright")
    val.add_argument("--engine", choices=("builtin", "kubeconform"), default="builtin",
                     help="schema engine: built-in (default) or a kubeconform binary on PATH")
    val.add_argument("--policy", help="policy file (default: .inferops.yaml at the repository root)")
    val.add_argument("--skip-render", action="store_true",
                     help="check kustomization sources as plain files when no kustomize is installed")
    val.add_argument("--allow-remote", action="store_true",
                     help="let kustomize fetch remote resources and bases (default: never; each is a finding)")
    val.add_argument("--render-timeout", type=_seconds, default=60.0, metavar="SECONDS",
                     help="time limit of one kustomize render (default: 60)")
    val.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                     help="skip files and directories matching GLOB, on top of the policy's `exclude` (repeatable)")
    val.add_argument("--cache-dir", help="where downloaded schemas are cached")
    val.add_argument("--no-cache", dest="render_cache", action="store_false",
                     help="render and check everything afresh (do not read or write the run, render, result and policy caches)")
    val.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour in text output")
    val.add_argument("--max-file-bytes", type=_size, default=None, metavar="SIZE",
                     help="largest input file to read (default 32M; K, M, G suffixes)")
    val.add_argument("--max-document-bytes", type=_size, default=None, metavar="SIZE",
                     help="largest YAML document in a file or render (default 4M)")
    val.add_argument("--max-documents", type=_count, default=None, metavar="N",
                     help="most documents in one file (default 10000)")
    val.add_argument("--max-nodes", type=_count, default=None, metavar="N",
                     help="most YAML nodes in one document (default 1000000)")

    fix = sub.add_parser("fix", help="apply the mechanical fixes of findings, in the file that set the value")
    fix.add_argument("paths", nargs="*", help="files or directories (default: the current directory)")
    fix.add_argument("--rule", action="append", default=[], metavar="ID",
                     help="fix only findings of this rule (repeatable; default: every rule with a fix)")
    fix.add_argument("--dry-run", action="store_true", help="print the changes as a unified diff, write nothing")
    fix.add_argument("-f", "--format", choices=("text", "json"), default="text", help="output format (default: text)")
    fix.add_argument("--policy", help="policy file (default: .inferops.yaml at the repository root)")

    rules = sub.add_parser("rules", help="list the validator's rules")
    rules.add_argument("--format", choices=("text", "markdown"), default="text")

    explain = sub.add_parser("explain", help="show a rule's documentation with failing and fixed examples")
    explain.add_argument("rule_id", metavar="ID")
    return parser


def run(args: argparse.Namespace) -> int:
    if args.command in ("new", "add"):
        from inferops.generator import commands as generator_commands

        return generator_commands.run(args)
    if args.command == "release":
        from inferops.generator import release as release_command

        return release_command.run(args)
    if args.command == "validate":
        from inferops.validate import command as validate_command

        return validate_command.run(args)
    if args.command == "fix":
        from inferops.fix import command as fix_command

        return fix_command.run(args)
    from inferops.rules import command as rules_command

    return rules_command.run(args)


def main(argv: Sequence[str] | None = None, *, short_lived: bool = False) -> int:
    """Run the command ``argv`` names; ``short_lived`` (the program's own entry point) tunes the collector."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if short_lived and args.command == "validate":
        _collect_rarely()
    try:
        return run(args)
    except InferopsError as err:
        from inferops.validate.printable import inert_line
        from inferops.validate.report import safe_text  # the message may name files a pull request chose

        print(f"inferops: error: {inert_line(safe_text(str(err)))}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("inferops: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_USAGE


def entry() -> int:
    """The ``inferops`` program."""
    return main(short_lived=True)


def _collect_rarely() -> None:
    """Tune the garbage collector for one validation in a short-lived process.

    A validation allocates millions of small objects (the parsed documents) and keeps most of them to the end,
    so Python's default thresholds (a collection every 700 allocations, each full one walking everything
    alive) cost a sixth of a schema-only run and 0.3 s of a cold 300-overlay run, and find almost nothing.
    What start-up built is frozen out of every collection, and collections come every 50,000 allocations;
    reference cycles are still freed. Not for ``new`` or ``fix``, whose garbage is mostly cycles (``new``'s
    peak memory nearly doubled), nor for :func:`main` called in a long-lived process (the tests)."""
    import gc

    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


if __name__ == "__main__":
    raise SystemExit(entry())
