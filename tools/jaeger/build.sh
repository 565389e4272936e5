#!/usr/bin/env bash
# Build (or find) Jaeger v2 and print the absolute path of the binary:
#
#   JAEGER=$(tools/jaeger/build.sh)
#
# stdout carries exactly one line, the binary path; all logging goes to stderr.
# Jaeger is upstream's github.com/jaegertracing/jaeger/cmd/jaeger at VERSION, the
# module's version pinned in go.mod (a `tool` directive) and every checksum in
# go.sum. Cached like daprd (tools/lib/go-build-cached.sh):
#   ${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}/jaeger/<version>-<hash>/jaeger
# A cold build takes about ten minutes on 2 cores; the stack runs this script
# only for `up --observe` (tools/stack/observe.ts), never for a plain start.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[jaeger] %s\n' "$*" >&2; }

version="$(tr -d ' \t\r\n' <"$here/VERSION")"
if [[ -z "$version" ]]; then
  log "error: $here/VERSION is empty"
  exit 1
fi

# shellcheck source=../lib/go-build-cached.sh
source "$here/../lib/go-build-cached.sh"
version_of() { go_module_version "$1" github.com/jaegertracing/jaeger; }
# What `jaeger version` and the UI report (upstream's Makefile stamps the same variable).
ldflags="-X github.com/jaegertracing/jaeger/internal/version.latestVersion=v$version"
go_build_cached jaeger "$here" "$version" github.com/jaegertracing/jaeger/cmd/jaeger "$ldflags" go.mod go.sum VERSION
