#!/usr/bin/env bash
# The whole suite: starts the servers the tests need, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
GHL_TEST_PG_URL=$(tests/pg.sh)
export GHL_TEST_PG_URL
exec .venv/bin/python -m pytest "$@"
