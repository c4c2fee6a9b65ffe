#!/usr/bin/env bash
# Runs the whole test suite from a fresh clone: installs what the tests need (the Debian packages
# redis-server, espeak-ng, sox and chromium when missing; a virtualenv with the locked
# dependencies), then ruff, pytest, the Rasa action server's tests in their own virtualenv, and the
# time-sensitive tests again with the clock a year ahead.
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
  # The Rasa action server's extra pins its own stack (requirements-rasa.lock): its tests run in
  # a virtualenv of their own (they are skipped in .venv, which has no rasa-sdk).
  step "Rasa action server tests (.venv-rasa from requirements-rasa.lock)"
  venv_from_lock requirements-rasa.lock .venv-rasa
  .venv-rasa/bin/python -m pytest -q tests/test_rasa_actions.py
  # Time is an input: the suite passes on any date. Again with every clock 400 days ahead
  # (the slow end-to-end tests are left out of this second run to keep CI short).
  step "pytest again with the clock 400 days ahead"
  .venv/bin/python -m pytest -q --clock-shift-days 400 -m "not slow"
fi
