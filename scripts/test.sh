#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: installs what the tests need (the Debian packages
# redis-server, espeak-ng, sox and chromium when missing; a virtualenv with the locked
# dependencies), then ruff, pytest, and the time-sensitive tests again with the clock a year ahead.
# Arguments are passed to the first pytest run (e.g. -x, -k booking, -m 'not slow').
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

apt_install redis-server:redis-server espeak-ng:espeak-ng sox:sox chromium:chromium
venv_from_lock requirements-test.lock

step "ruff"
.venv/bin/ruff check .
step "pytest"
.venv/bin/python -m pytest "$@"
if [ $# -eq 0 ]; then
  # Time is an input: the suite passes on any date. Again with every clock 400 days ahead
  # (the slow end-to-end tests are left out of this second run to keep CI short).
  step "pytest again with the clock 400 days ahead"
  .venv/bin/python -m pytest -q --clock-shift-days 400 -m "not slow"
fi
