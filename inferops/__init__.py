"""inferops: GitOps repositories for GPU model serving on Kubernetes, generated and validated."""

__version__ = "0.1.0"
