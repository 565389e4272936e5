#!/usr/bin/env bash
# Prints the path of a Schemathesis executable of the pinned version, installing
# it first when missing: a Python venv outside the repo, one per version
# (~/.cache/baedal/schemathesis/<version>, or under BAEDAL_CACHE_DIR), filled
# from PyPI by pip. A venv's scripts hold its absolute path, so it is built where
# it stays; `.complete` marks a finished install (a half one is built again).
# Progress goes to stderr; stdout is only the path.
set -euo pipefail

version="4.32.5"
cache="${BAEDAL_CACHE_DIR:-$HOME/.cache/baedal}/schemathesis/$version"
say() { printf '[schemathesis] %s\n' "$*" >&2; }

if [[ ! -f "$cache/.complete" ]]; then
  command -v python3 >/dev/null 2>&1 || {
    say "error: python3 is not installed (Debian: apt-get install python3 python3-venv)"
    exit 1
  }
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    say "installing Debian's python3-venv (python3 -m venv needs it)"
    sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
  fi
  say "installing schemathesis $version into $cache (once per version)..."
  rm -rf "$cache"
  mkdir -p "$(dirname "$cache")"
  python3 -m venv "$cache" >&2
  "$cache/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$version" >&2
  touch "$cache/.complete"
  say "installed"
fi
printf '%s\n' "$cache/bin/schemathesis"
