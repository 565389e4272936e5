#!/usr/bin/env bash
# Prepare this machine for the local stack (`npm start` runs this first):
#   1. npm dependencies (npm ci when node_modules is missing or older than the lock);
#   2. Debian packages mariadb-server, redis-server and prometheus (only when missing;
#      prometheus serves `up --observe` and its promtool checks the alert rules);
#   3. daprd, built once by tools/daprd/build.sh into a cache outside the repo;
#   4. Dapr's Sentry (the sidecars' certificate authority), built once by
#      tools/sentry/build.sh. The stack asks both scripts for their binaries.
# Kafka (`npm start -- --broker kafka`) and Zipkin (`--observe`) are fetched by the stack
# itself, through tools/kafka/fetch.sh and tools/zipkin/fetch.sh.
# Idempotent; takes about a second when everything is already there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
say() { printf '[setup] %s\n' "$*"; }
die() {
  printf '[setup] error: %s\n' "$*" >&2
  exit 1
}
started=$SECONDS

# --- 1. npm dependencies ------------------------------------------------------
if [[ ! -x node_modules/.bin/node ]] ||
  [[ ! -f node_modules/.package-lock.json ]] ||
  { [[ -f package-lock.json ]] && [[ package-lock.json -nt node_modules/.package-lock.json ]]; }; then
  command -v npm >/dev/null 2>&1 || die "npm is not installed (install Node.js >= 22 with npm first)"
  if [[ -f package-lock.json ]]; then
    say "installing npm dependencies (npm ci)..."
    npm ci --no-audit --no-fund
  else
    say "installing npm dependencies (npm install, no package-lock.json)..."
    npm install --no-audit --no-fund
  fi
  say "npm dependencies installed"
else
  say "npm dependencies up to date"
fi

# --- 2. Debian packages -------------------------------------------------------
# Binary -> package; mariadbd lives in /usr/sbin, which is not on a normal user's PATH.
have() { command -v "$1" >/dev/null 2>&1 || [[ -x "/usr/sbin/$1" ]] || [[ -x "/usr/local/sbin/$1" ]]; }
missing=()
for pair in mariadbd:mariadb-server mariadb-install-db:mariadb-server mariadb:mariadb-client \
  mariadb-admin:mariadb-client redis-server:redis-server prometheus:prometheus promtool:prometheus; do
  bin="${pair%%:*}" pkg="${pair#*:}"
  if ! have "$bin" && [[ " ${missing[*]-} " != *" $pkg "* ]]; then missing+=("$pkg"); fi
done
# A library, not a binary: jemalloc, preloaded into every service (tools/stack/runtime-env.ts).
compgen -G '/usr/lib/*-linux-gnu/libjemalloc.so.2' >/dev/null || missing+=(libjemalloc2)
if ((${#missing[@]} > 0)); then
  command -v apt-get >/dev/null 2>&1 ||
    die "missing ${missing[*]} and no apt-get: install MariaDB (>= 10.11), Redis (>= 7), Prometheus (>= 2.42) and jemalloc 5 yourself"
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]}: run as root or install sudo"
    sudo=(sudo)
  fi
  say "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update
  # Debian starts the packaged services (on 3306/6379/9090); the stack runs its own on
  # other ports, so those can stay or be disabled — they do not interfere.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  say "Debian packages installed"
else
  say "mariadb-server, redis-server, prometheus and libjemalloc2 present"
fi

# --- 3. daprd -----------------------------------------------------------------
build="tools/daprd/build.sh"
[[ -f "$build" ]] || die "$build is missing"
# shellcheck source=lib/go-path.sh
source tools/lib/go-path.sh
have_go=1
command -v go >/dev/null 2>&1 || have_go=0
say "daprd: running $build (a cold build takes a few minutes; later runs are instant)"
if ! daprd="$(bash "$build")" || [[ -z "$daprd" ]]; then
  if ((have_go == 0)); then
    die "daprd could not be built: Go is not installed. Install Go (https://go.dev/dl/, the version in tools/daprd/go.mod) and rerun npm run setup"
  fi
  die "daprd build failed (see the [daprd] lines above)"
fi
daprd="$(printf '%s\n' "$daprd" | tail -n1)"
[[ -x "$daprd" ]] || die "$build printed '$daprd', which is not an executable"
say "daprd $("$daprd" --version 2>/dev/null || echo '?'): $daprd"

# --- 4. Sentry ----------------------------------------------------------------
# Dapr's certificate authority: the sidecars' mTLS certificates, without which the
# access policy of components/config.yaml cannot tell callers apart. Same Dapr
# version and module cache as daprd, so it builds in about a minute after daprd.
build="tools/sentry/build.sh"
[[ -f "$build" ]] || die "$build is missing"
say "sentry: running $build (about a minute once daprd's modules are cached; later runs are instant)"
if ! sentry="$(bash "$build")" || [[ -z "$sentry" ]]; then
  die "sentry build failed (see the [sentry] lines above)"
fi
sentry="$(printf '%s\n' "$sentry" | tail -n1)"
[[ -x "$sentry" ]] || die "$build printed '$sentry', which is not an executable"
say "sentry $(tr -d ' \t\r\n' <tools/sentry/VERSION): $sentry"

say "ready in $((SECONDS - started))s"
