# Shared by serve.sh, test.sh and lock.sh: one short line per step, quiet installs from the lock.
# shellcheck shell=bash

UV_VERSION=0.13.9  # the installer itself is pinned too

step() { printf '==> %s\n' "$*"; }

# apt_install PKG...: installs the Debian packages whose commands are missing (as root or via sudo).
# Each argument is COMMAND:PACKAGE.
apt_install() {
  local need=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null; then
      echo "    cannot install ${need[*]}: not root and no sudo" >&2
      return 1
    fi
    sudo="sudo"
  fi
  step "system packages: ${need[*]} (apt-get, about a minute)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" \
    >/dev/null
}

# venv_from_lock LOCKFILE [DIR]: DIR (default .venv) with exactly the locked versions, then this
# project (editable).
venv_from_lock() {
  local lock=$1 venv=${2:-.venv}
  if [ ! -x "$venv/bin/python" ]; then
    step "virtualenv $venv (python3 -m venv)"
    python3 -m venv "$venv"
  fi
  if ! "$venv/bin/uv" --version 2>/dev/null | grep -q "uv $UV_VERSION"; then
    step "installer uv $UV_VERSION (pip)"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check "uv==$UV_VERSION"
  fi
  step "dependencies from $lock into $venv (uv, under a minute the first time)"
  VIRTUAL_ENV=$venv "$venv/bin/uv" pip install -q --require-hashes -r "$lock"
  VIRTUAL_ENV=$venv "$venv/bin/uv" pip install -q --no-deps -e .
}
