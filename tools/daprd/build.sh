#!/usr/bin/env bash
# Build (or find) baedal's slim daprd and print the absolute path of the binary.
#
#   DAPRD=$(tools/daprd/build.sh)
#
# stdout carries exactly one line, the binary path; all logging goes to stderr.
# Lookup order:
#   1. a `daprd` on PATH whose `daprd --version` equals tools/daprd/VERSION;
#   2. the cache: ${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}/daprd/<version>-<hash>/daprd,
#      where <hash> = first 12 hex of sha256 over go.mod, go.sum and *.go here;
#   3. otherwise build it with `go build` (cold: a few minutes) into that cache.
# Set BAEDAL_DAPRD_IGNORE_PATH=1 to skip step 1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[daprd] %s\n' "$*" >&2; }

version="$(tr -d ' \t\r\n' <"$here/VERSION")"
if [[ -z "$version" ]]; then
  log "error: $here/VERSION is empty"
  exit 1
fi

# 1. A daprd on PATH that already is the pinned version.
if [[ "${BAEDAL_DAPRD_IGNORE_PATH:-0}" != 1 ]] && onpath="$(command -v daprd 2>/dev/null)"; then
  if [[ "$("$onpath" --version 2>/dev/null | tail -n1 | tr -d ' \r')" == "$version" ]]; then
    log "using daprd $version from PATH"
    printf '%s\n' "$(cd "$(dirname "$onpath")" && pwd -P)/$(basename "$onpath")"
    exit 0
  fi
fi

# 2. The content-addressed cache.
hash="$(cd "$here" && LC_ALL=C sha256sum -- go.mod go.sum *.go | sha256sum | cut -c1-12)"
cache_root="${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}"
out_dir="$cache_root/daprd/$version-$hash"
out="$out_dir/daprd"
if [[ -x "$out" ]]; then
  printf '%s\n' "$(cd "$out_dir" && pwd -P)/daprd"
  exit 0
fi

# 3. Build.
if ! command -v go >/dev/null 2>&1; then
  log "error: go is not installed (needed once to build daprd $version; see $here/README.md)"
  exit 1
fi
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd -P)"
out="$out_dir/daprd"

# Serialize concurrent builders of the same version (e.g. parallel test jobs).
if command -v flock >/dev/null 2>&1; then
  exec 9>"$out_dir/.lock"
  if ! flock -n 9; then
    log "another build.sh is building $out; waiting..."
    flock 9
  fi
  if [[ -x "$out" ]]; then
    printf '%s\n' "$out"
    exit 0
  fi
fi

tmp="$(mktemp "$out_dir/.daprd.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

log "building daprd $version ($(go env GOVERSION)) -> $out"
log "cold builds take several minutes; package progress follows"
start=$SECONDS
pkg='github.com/dapr/dapr/pkg/buildinfo'
ldflags="-s -w -X $pkg.version=$version -X $pkg.gitversion=v$version -X $pkg.gitcommit=baedal-slim-$hash"

# `go build -v` prints each package it compiles on stderr, one import path per
# line; count those and pass anything else (downloads, errors) straight through.
(
  cd "$here"
  GOWORK=off CGO_ENABLED=0 go build -mod=readonly -trimpath -buildvcs=false -v -ldflags "$ldflags" -o "$tmp" . 2>&1
) | awk '
  /^[A-Za-z0-9._~+\/-]+$/ {
    n++
    if (n % 50 == 0) { printf "[daprd] compiled %d packages...\n", n; fflush() }
    next
  }
  { print; fflush() }
  END { printf "[daprd] compiled %d packages\n", n; fflush() }
' >&2

chmod 0755 "$tmp"
got="$("$tmp" --version)"
if [[ "$got" != "$version" ]]; then
  log "error: built binary reports version '$got', expected '$version'"
  exit 1
fi
mv -f "$tmp" "$out"
trap - EXIT
log "built in $((SECONDS - start))s ($(du -h "$out" | cut -f1))"
printf '%s\n' "$out"
