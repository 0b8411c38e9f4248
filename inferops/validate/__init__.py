"""The validator: load → render → check → report."""
