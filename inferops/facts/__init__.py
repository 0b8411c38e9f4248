"""Facts about GPUs, models and serving runtimes that both the generator and the validator's rules use.

One place, so that what ``inferops new`` writes and what ``inferops validate`` accepts cannot drift apart.
Every fact carries its source next to it (a comment or a ``source`` field), keyed by runtime image version
where it changes between versions:

- :mod:`inferops.facts.gpus`: GPU products, their memory, MIG profiles and how many fit in one node;
- :mod:`inferops.facts.models`: open models' shapes (parameters, layers, heads, context) read from their
  ``config.json``, and the memory their weights and KV cache take;
- :mod:`inferops.facts.runtimes`: vLLM and TGI images, what they need to start as a non-root user;
- :mod:`inferops.facts.sizing`: how many GPUs and how much context a model needs on a GPU product;
- :mod:`inferops.facts.hub`: a model's config from a file or (optionally) the Hugging Face Hub.
"""
