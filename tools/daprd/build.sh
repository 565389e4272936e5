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

# shellcheck source=../lib/go-build-cached.sh
source "$here/../lib/go-build-cached.sh"
version="$(pinned_version "$here" daprd)"

# 1. A daprd on PATH that already is the pinned version.
if [[ "${BAEDAL_DAPRD_IGNORE_PATH:-0}" != 1 ]] && onpath="$(command -v daprd 2>/dev/null)"; then
  if [[ "$("$onpath" --version 2>/dev/null | tail -n1 | tr -d ' \r')" == "$version" ]]; then
    log "using daprd $version from PATH"
    printf '%s\n' "$(cd "$(dirname "$onpath")" && pwd -P)/$(basename "$onpath")"
    exit 0
  fi
fi

# 2. The cache, 3. or a build into it (tools/lib/go-build-cached.sh).
version_of() { "$1" --version; }
hash_inputs=(go.mod go.sum)
shopt -s nullglob
for f in "$here"/*.go "$here"/patches/*.patch; do hash_inputs+=("${f#"$here"/}"); done

# Upstream fixes that no daprd release here has yet (patches/, each an upstream
# commit as `git format-patch` wrote it), applied to a copy of the pinned dapr
# module in WORK; the build then uses that copy (a replace in a go.mod of its own).
go_build_prepare() {
  local work=$1 module_dir p
  module_dir="$(cd "$here" && GOWORK=off GOFLAGS='' go mod download -json github.com/dapr/dapr |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$module_dir" ]] || { log "error: the dapr module was not downloaded"; return 1; }
  # The module cache's files are read-only; so is a copy a build broke off before its chmod.
  [[ -e "$work" ]] && chmod -R u+w "$work"
  rm -rf "$work" && mkdir -p "$work"
  cp -R "$module_dir" "$work/dapr" && chmod -R u+w "$work/dapr"
  for p in "$here"/patches/*.patch; do
    (cd "$work/dapr" && git apply -p1 "$p") || { log "error: $(basename "$p") does not apply"; return 1; }
    log "applied $(basename "$p")"
  done
  cp "$here/go.mod" "$here/go.sum" "$work/"
  printf '\nreplace github.com/dapr/dapr => %s\n' "$work/dapr" >>"$work/go.mod"
  printf '%s\n' "-modfile=$work/go.mod"
}
pkg='github.com/dapr/dapr/pkg/buildinfo'
go_build_cached daprd "$here" "$version" . \
  "-X $pkg.version=$version -X $pkg.gitversion=v$version -X $pkg.gitcommit=baedal-slim" "${hash_inputs[@]}"
