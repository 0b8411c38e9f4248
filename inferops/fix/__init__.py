"""``inferops fix``: mechanical fixes for findings, written where the mistake was written.

:mod:`registry` holds one fixer per rule id (what the fixed object must say, as operations on JSON paths
of the rendered object); :mod:`source` finds the document and node in the source file a finding points
at; :mod:`splice` turns operations into minimal text splices so every untouched byte stays as it was;
:mod:`apply` writes them safely; :mod:`command` is the CLI.
"""
