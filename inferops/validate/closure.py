"""Everything one render root pulls in, decided before kustomize runs.

kustomize follows a root's local bases, components and generator directories to any depth; so does
:func:`closure_of`, reading the kustomizations it reaches (also those outside the scanned paths or in
excluded directories) to find what would make the render unsafe or impossible:

* a *remote reference* at any depth (a URL or git repository kustomize would fetch; :mod:`remote`),
  also inside builtin plugin configs (``apiVersion: builtin``) kustomize would load;
* a *special file* (FIFO, device, socket) kustomize would open and block on;
* a kustomization file that cannot be parsed here (too big, not UTF-8, invalid YAML): what it would
  fetch cannot be known, so it is not handed to kustomize either;
* ``helmCharts``, which needs ``--enable-helm``, which inferops never passes (it runs ``helm``);
* a base, component or file outside the repository (the Git root above the root kustomization, when
  there is one): kustomize's load restrictor stops files outside a kustomization, not bases anywhere.

Such a root is not rendered; its plain local resource files are checked instead (:attr:`Closure.resource_files`).
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

from inferops.validate.discovery import (
    KUSTOMIZATION_FILES,
    PEEK_MAX_BYTES,
    Kustomization,
    Reference,
    builtin_config_refs,
    git_root,
    is_regular_file,
    read_kustomization,
)


@dataclass(slots=True)
class Closure:
    """A render root and every local kustomization it includes, with what stops it from rendering."""

    root: Kustomization
    kustomizations: list[Kustomization] = field(default_factory=list)
    remote: list[Reference] = field(default_factory=list)
    special: list[Path] = field(default_factory=list)
    helm: list[Kustomization] = field(default_factory=list)
    outside: list[tuple[Kustomization, Path]] = field(default_factory=list)  # references leaving the repository
    unreadable: list[Kustomization] = field(default_factory=list)  # files libyaml cannot parse (too big, bad YAML)

    @property
    def resource_files(self) -> list[Path]:
        """Resource files as kustomize would load them: regular files in or below their kustomization
        (its load restriction), so ``resources: [../../etc/passwd]`` reads nothing outside it. Patches
        and generator inputs are not objects of their own and are left out."""
        return list(dict.fromkeys(f for k in self.kustomizations for f in k.resources
                                  if f.is_relative_to(k.dir) and is_regular_file(f)))


def closure_of(root: Kustomization, known: dict[Path, Kustomization],
               configs: dict[Path, list[Reference]] | None = None) -> Closure:
    """Walk ``root``'s includes. ``known`` caches kustomizations by directory, ``configs`` the remote
    entries of plugin config files; both are filled as files are read, so bases shared by many
    overlays are read once."""
    configs = {} if configs is None else configs
    boundary = git_root(root.dir)
    closure = Closure(root)
    stack, seen = [root], set()
    while stack:
        k = stack.pop()
        if k.dir in seen:
            continue
        seen.add(k.dir)
        closure.kustomizations.append(k)
        if k.special:
            closure.special.append(k.file)
        if k.unreadable is not None:
            closure.unreadable.append(k)
        if k.uses_helm:
            closure.helm.append(k)
        closure.remote.extend(k.remote)
        for path in (*k.resources, *k.aux):
            if _is_special(path):
                closure.special.append(path)
            else:
                if path not in configs:
                    configs[path] = _plugin_config_refs(path)
                closure.remote.extend(configs[path])
        if boundary is not None:
            closure.outside.extend((k, path) for path in (*k.resources, *k.aux, *k.includes)
                                   if not path.is_relative_to(boundary))
        for directory in k.includes:
            if boundary is not None and not directory.is_relative_to(boundary):
                continue
            included = known.get(directory) or _read_dir(directory)
            if included is not None:
                known[directory] = included
                stack.append(included)
    closure.special = list(dict.fromkeys(closure.special))
    closure.kustomizations.sort(key=lambda k: k.dir)
    return closure


def _read_dir(directory: Path) -> Kustomization | None:
    """The kustomization in ``directory``; ``None`` when there is none (kustomize then explains)."""
    for name in KUSTOMIZATION_FILES:
        file = directory / name
        if file.exists():
            return read_kustomization(file)
    return None


def _is_special(path: Path) -> bool:
    """A FIFO, device or socket (after symlinks): reading it could block forever."""
    try:
        mode = path.stat().st_mode
    except (OSError, ValueError):
        return False  # missing: kustomize reports it
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _plugin_config_refs(path: Path) -> list[Reference]:
    """Remote entries in builtin plugin configs inside ``path`` (only files that mention ``builtin``)."""
    import yaml

    if not is_regular_file(path) or path.stat().st_size > PEEK_MAX_BYTES:
        return []
    try:
        raw = path.read_bytes()
        if b"builtin" not in raw:
            return []
        text = raw.decode("utf-8-sig")
        docs = list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError, ValueError):
        return []
    lines = text.splitlines()
    return [Reference(path, next((i for i, line in enumerate(lines, 1) if ref in line), None), ref)
            for ref in builtin_config_refs(docs)]
