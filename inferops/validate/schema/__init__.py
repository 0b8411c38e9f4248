"""JSON Schema checks of Kubernetes objects, kubeconform-grade and offline by default.

:class:`SchemaChecker` finds the schema of each object's apiVersion and kind (built-in Kubernetes
schemas from the ``kubernetes-validate`` package, the custom resources shipped in ``schemas/crds``,
``--crd`` files and kubeconform-style ``--schema-location`` templates), compiles it once with
jsonschema-rs and turns every violation into a finding with the line of the offending field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inferops.validate.schema.checker import SchemaChecker
    from inferops.validate.schema.options import SchemaOptions

__all__ = ["SchemaChecker", "SchemaOptions"]


def __getattr__(name: str) -> Any:
    """The checker is imported on first use: a module of this package (where the schemas are) must not cost
    the rules and the schema engine that the checker imports."""
    if name == "SchemaChecker":
        from inferops.validate.schema.checker import SchemaChecker

        return SchemaChecker
    if name == "SchemaOptions":
        from inferops.validate.schema.options import SchemaOptions

        return SchemaOptions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
