"""Which kustomization entries kustomize would fetch over the network (or clone from anywhere on disk).

kustomize reads a reference remotely in two places (kubernetes-sigs/kustomize, api/internal):

* ``loader/fileloader.go`` ``IsRemoteFile``: any file it loads (a resource, a patch, a generator's
  ``files``/``envs``, ``openapi``, ``crds``, ...) is fetched with Go's HTTP client when ``url.Parse``
  gives it the scheme ``http`` or ``https`` (Go lower-cases the scheme, so ``HTTPS://`` counts too).
* ``git/repospec.go`` ``NewRepoSpecFromURL``: a directory entry (resources, bases, components, or a
  generator/transformer directory) is cloned with ``git`` when, after an optional ``git::`` prefix (any
  case), it starts with ``ssh://``, ``https://``, ``http://`` or ``file://`` (any case), with a
  ``user@`` SCP-style user name, or with ``github.com/`` or ``github.com:`` (any case). ``file://``
  clones a local repository from anywhere on the machine, which is reading outside the repository.

:func:`is_remote` accepts a superset of both, so nothing kustomize would fetch is taken for a local path.
"""

from __future__ import annotations

import re

#: ``user@`` as kustomize's ``extractUsername`` matches it (SCP-style ``git@github.com:org/repo``).
_SCP_USER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*@")


def is_remote(entry: str) -> bool:
    """True when kustomize would fetch ``entry`` over the network or clone it with git."""
    text = entry.strip()
    lower = text.lower()
    return (
        "://" in text
        or lower.startswith(("git::", "github.com/", "github.com:"))
        or _SCP_USER.match(text) is not None
    )
