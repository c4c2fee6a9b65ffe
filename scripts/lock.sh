#!/usr/bin/env bash
# Refreshes the lock files from pyproject.toml: after changing a dependency run it as is (every
# other pin stays); `./scripts/lock.sh --upgrade` takes new releases of everything. Then run
# ./scripts/test.sh and commit both files.
#   requirements.lock       what the service needs (serve.sh installs it)
#   requirements-test.lock  the same versions plus the test tools (test.sh installs it)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/uv --version 2>/dev/null | grep -q "uv $UV_VERSION" \
  || .venv/bin/python -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
compile() { .venv/bin/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes -q "$@"; }
step "requirements.lock"
compile "$@" -o requirements.lock
step "requirements-test.lock (constrained to requirements.lock)"
compile "$@" --extra test -c requirements.lock -o requirements-test.lock
# The Rasa action server's extra pins its own stack (websockets < 16, grpcio, sanic): a lock of
# its own for `.venv-rasa` (scripts/test.sh), seeded from the test lock so shared pins stay.
step "requirements-rasa.lock (the rasa extra; its own pins)"
[ -f requirements-rasa.lock ] || cp requirements-test.lock requirements-rasa.lock
compile "$@" --extra test --extra rasa -o requirements-rasa.lock
