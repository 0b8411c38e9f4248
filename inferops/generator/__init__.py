"""The generator: ``inferops new`` and ``inferops add``.

A model spec (:mod:`.spec`) is resolved into per-model and per-environment values (:mod:`.context`,
with runtime and GPU knowledge from :mod:`.runtimes` and :mod:`.gpus`), rendered through the cookiecutter
blueprints under ``blueprints/`` (:mod:`.render`) into a temporary directory, then compared with what is
on disk (:mod:`.plan`, using the hashes recorded in ``.inferops/state.json`` by :mod:`.state`) and moved
into place.
"""
