#!/usr/bin/env bash
# Runs the service on the embedded Redis (no configuration needed) at http://127.0.0.1:8000/.
# Installs espeak-ng and sox for the phone prompts when missing and possible (as root or with
# sudo); without them the service runs and the IVR simulator shows the prompts as text.
# Arguments go to `dost serve`, e.g. ./scripts/serve.sh --port 8080
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

apt_install espeak-ng:espeak-ng sox:sox || echo "    continuing without phone audio"
venv_from_lock requirements.lock
step "starting dost serve $* (the first start trains the language model, a few seconds)"
exec .venv/bin/dost serve "$@"
