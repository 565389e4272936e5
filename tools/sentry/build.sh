#!/usr/bin/env bash
# Build (or find) Dapr's certificate authority, Sentry, and print the absolute path of the binary.
#
#   SENTRY=$(tools/sentry/build.sh)
#
# stdout carries exactly one line, the binary path; all logging goes to stderr.
# Sentry is upstream's github.com/dapr/dapr/cmd/sentry at VERSION (the same as tools/daprd),
# built from a module with the same require and replace lines as tools/daprd, so the two
# builds share the Go module and build caches. Cached like daprd (tools/lib/go-build-cached.sh):
#   ${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}/sentry/<version>-<hash>/sentry
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[sentry] %s\n' "$*" >&2; }

version="$(tr -d ' \t\r\n' <"$here/VERSION")"
if [[ -z "$version" ]]; then
  log "error: $here/VERSION is empty"
  exit 1
fi

# shellcheck source=../lib/go-build-cached.sh
source "$here/../lib/go-build-cached.sh"
# Sentry has no --version flag: read the version of the dapr module it was built from
# (`go version -m`: the "mod" line, as cmd/sentry is that module's own package).
version_of() { go_module_version "$1" github.com/dapr/dapr; }
pkg='github.com/dapr/dapr/pkg/buildinfo'
go_build_cached sentry "$here" "$version" github.com/dapr/dapr/cmd/sentry \
  "-X $pkg.version=$version -X $pkg.gitversion=v$version -X $pkg.gitcommit=baedal" go.mod go.sum VERSION
