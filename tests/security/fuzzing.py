"""What the fuzz tests share: bounded, reproducible hypothesis settings and YAML-shaped text.

Under CI (``CI`` set) the examples are derandomized: every run tries the same inputs, so a red build is
reproducible and never depends on luck. Elsewhere they vary from run to run, which explores more over
time; a failure prints the input (and a ``@reproduce_failure`` blob) to replay it.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

IN_CI = bool(os.environ.get("CI"))


def fuzz_settings(max_examples: int) -> settings:
    """Bounded and without timing: the machine is shared, so a slow example is not a failure."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=IN_CI,
        database=None,  # nothing written into the checkout
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


#: Pieces of YAML syntax, so that random text reaches the parser's and the builder's corners (anchors,
#: aliases, tags, merge keys, flow collections, block scalars, document markers), not only its lexer.
YAML_TOKENS = [
    "\n", "\n  ", "\n    ", "\n- ", ": ", "- ", "---\n", "...\n", "? ", "{", "}", "[", "]", ", ", "&a ", "*a",
    "&b ", "*b", "<<: *a", "!!str ", "!!int ", "!!binary ", "!!python/object:os.system ", "!custom ", "|\n  ",
    ">-\n  ", "'", '"', "\\u0000", "#", "%YAML 1.1\n", "%TAG ! tag:x:\n", "~", "null", "true", "on", "0o17",
    "0x1F", "1e400", "-.inf", ".nan", "2024-01-01", "1:30", "=", "\t", "\r\n", "\ufeff", "\x85", "\u2028",
    "apiVersion: v1\n", "kind: Pod\n", "kind: List\n", "items:\n", "metadata:\n  name: x\n", "spec:\n",
    "apiVersion: apps/v1\nkind: Deployment\n", "name", "value", "9" * 30,
]


def yaml_like_text() -> st.SearchStrategy[str]:
    """Text made of YAML tokens and arbitrary characters, mixed."""
    piece = st.one_of(st.sampled_from(YAML_TOKENS), st.text(max_size=8))
    return st.lists(piece, max_size=60).map("".join)
