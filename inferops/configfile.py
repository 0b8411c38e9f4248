"""Load a user-written YAML file (model spec, policy) into a pydantic model, refusing bad input clearly.

Every failure becomes one :class:`~inferops.errors.InferopsError` line naming the file and, where the
YAML parser or pydantic knows it, the line: unreadable or binary files, tabs, duplicate keys, alias
("billion laughs") bombs, wrong types and unknown keys. ruamel.yaml keeps the line of every key, which
is how a pydantic error location becomes a line number.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from inferops.errors import InferopsError

M = TypeVar("M", bound=BaseModel)

#: A config file larger than this is not a hand-written spec.
MAX_BYTES = 1_000_000
#: Nodes the document may expand to once aliases are followed; stops alias bombs.
MAX_EXPANDED_NODES = 100_000


def read_text(path: Path) -> str:
    """Read ``path`` as UTF-8 text, or fail with one line saying why."""
    try:
        # O_NONBLOCK: opening a FIFO nobody writes to would wait forever; it is refused below instead.
        with os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as fh:
            mode = os.fstat(fh.fileno()).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError
            if not stat.S_ISREG(mode):
                raise InferopsError("not a regular file (a FIFO, socket or device)", file=str(path))
            raw = fh.read(MAX_BYTES + 1)  # never more: a huge file is refused, not read whole
    except FileNotFoundError:
        raise InferopsError("file not found", file=str(path)) from None
    except IsADirectoryError:
        raise InferopsError("is a directory, expected a YAML file", file=str(path)) from None
    except OSError as err:
        raise InferopsError(f"cannot read: {err.strerror}", file=str(path)) from None
    if len(raw) > MAX_BYTES:
        raise InferopsError(f"file is larger than {MAX_BYTES} bytes", file=str(path))
    if b"\0" in raw:
        raise InferopsError("binary file, expected YAML text", file=str(path))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InferopsError(f"not UTF-8 text (byte {err.start})", file=str(path)) from None


def load_yaml(path: Path) -> Any:
    """Parse one YAML document with ruamel.yaml (round-trip, so keys keep their line numbers)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    text = read_text(path)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        docs = list(yaml.load_all(text))
    except MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = " ".join(str(err.problem or err.context or "invalid YAML").split())
        if "found character '\\t'" in problem or "\t" in text and "tab" in problem:
            problem = "tab character in indentation; YAML indents with spaces"
        raise InferopsError(f"invalid YAML: {problem}", file=str(path), line=line) from None
    except YAMLError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else "invalid YAML"
        raise InferopsError(f"invalid YAML: {first}", file=str(path)) from None
    except RecursionError:
        raise InferopsError("invalid YAML: nested too deeply", file=str(path)) from None
    except ValueError as err:  # a scalar the constructor cannot convert, e.g. an int of 5000 digits
        raise InferopsError(f"invalid YAML: {str(err).split(';')[0]}", file=str(path)) from None
    except (IndexError, KeyError, AttributeError):  # ruamel on a tag its value does not fit: `!!bool x`, `!!int ''`
        raise InferopsError("invalid YAML: a value does not fit its explicit tag (like !!int or !!bool)",
                            file=str(path)) from None
    docs = [d for d in docs if d is not None]
    if not docs:
        raise InferopsError("file is empty", file=str(path))
    if len(docs) > 1:
        raise InferopsError("expected one YAML document, found several", file=str(path))
    _check_expansion(docs[0], path)
    return docs[0]


def _check_expansion(root: Any, path: Path) -> None:
    """Refuse documents whose aliases expand past MAX_EXPANDED_NODES (shared nodes counted each time)."""
    sizes: dict[int, int] = {}

    def size(node: Any, depth: int) -> int:
        if depth > 200:
            raise InferopsError("invalid YAML: nested too deeply", file=str(path))
        if not isinstance(node, (dict, list)):
            return 1
        key = id(node)
        if key in sizes:
            return sizes[key]
        sizes[key] = MAX_EXPANDED_NODES + 1  # a cycle counts as too large
        children = node.values() if isinstance(node, dict) else node
        total = 1 + sum(size(child, depth + 1) for child in children)
        sizes[key] = total
        if total > MAX_EXPANDED_NODES:
            raise InferopsError(
                f"YAML expands to more than {MAX_EXPANDED_NODES} nodes through aliases (anchor bomb?)",
                file=str(path),
            )
        return total

    size(root, 0)


def line_of(root: Any, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of the deepest key or item along ``loc`` that the document records."""
    node, line = root, None
    for part in loc:
        lc = getattr(node, "lc", None)
        try:
            if isinstance(node, dict) and part in node:
                if lc is not None:
                    line = lc.key(part)[0] + 1
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                if lc is not None:
                    line = lc.item(part)[0] + 1
                node = node[part]
            else:
                break
        except (KeyError, IndexError, TypeError):
            break
    if line is None and getattr(root, "lc", None) is not None:
        line = root.lc.line + 1
    return line


def to_plain(node: Any) -> Any:
    """Turn ruamel's commented containers into plain dicts, lists and scalars for pydantic."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, (str, int, float, bool)) else k: to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if hasattr(node, "isoformat"):
        return node.isoformat()
    return node


def describe_error(err: Mapping[str, Any]) -> str:
    """One pydantic error as ``field.path: message``."""
    # A key can hold a newline or an escape sequence: shown escaped, so the message stays one line.
    loc = ".".join("".join(c if c.isprintable() else repr(c)[1:-1] for c in str(p))
                   for p in err.get("loc", ()) if p not in ("__root__",))
    msg = err.get("msg", "invalid value")
    if err.get("type") == "extra_forbidden":
        msg = "unknown key"
    elif err.get("type") == "value_error":
        msg = msg.removeprefix("Value error, ")  # our own validators' messages are complete sentences
    return f"{loc}: {msg}" if loc else msg


def _yaml_kind(value: Any) -> str:
    """The YAML word for a node, not ruamel's class name (``CommentedSeq`` means nothing to a user)."""
    kinds: tuple[tuple[type | tuple[type, ...], str], ...] = (
        (bool, "a boolean"), (list, "a list"), (str, "a string"), ((int, float), "a number"))
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def validate_document(root: Any, model: type[M], path: Path, *, hint: str = "") -> M:
    """Validate a document from :func:`load_yaml` as ``model``; the first validation error is reported
    with its line."""
    if not isinstance(root, dict):
        raise InferopsError(f"expected a mapping at the top level, found {_yaml_kind(root)}", file=str(path), line=1)
    try:
        return model.model_validate(to_plain(root))
    except ValidationError as err:
        first = err.errors()[0]
        loc = [p for p in first.get("loc", ()) if isinstance(p, (str, int))]
        suffix = f" ({hint})" if hint else ""
        more = len(err.errors()) - 1
        extra = f" [+{more} more]" if more else ""
        raise InferopsError(describe_error(first) + extra + suffix, file=str(path), line=line_of(root, loc)) from None
