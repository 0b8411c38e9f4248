"""JSON Schema checks of Kubernetes objects, kubeconform-grade and offline by default.

:class:`SchemaChecker` finds the schema of each object's apiVersion and kind (built-in Kubernetes
schemas from the ``kubernetes-validate`` package, the custom resources shipped in ``schemas/crds``,
``--crd`` files and kubeconform-style ``--schema-location`` templates), compiles it once with
jsonschema-rs and turns every violation into a finding with the line of the offending field.
"""

from inferops.validate.schema.checker import SchemaChecker
from inferops.validate.schema.options import SchemaOptions

__all__ = ["SchemaChecker", "SchemaOptions"]
