"""GPU and guardrail rules: each rule is a small unit registered with :func:`inferops.rules.base.rule`."""
