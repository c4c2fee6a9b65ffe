#!/usr/bin/env bash
# Runs the service on the embedded Redis (no configuration needed): http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e .
exec .venv/bin/dost serve "$@"
