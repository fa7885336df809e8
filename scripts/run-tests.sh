#!/usr/bin/env bash
# The whole suite: starts the servers the tests need, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
GHL_TEST_PG_URL=$(tests/pg.sh)
export GHL_TEST_PG_URL
# Two workers: one per core of the CI machine.
exec .venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" "$@"
