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
# A cold build takes five to ten minutes on 2 cores; the stack runs this script
# only for `up --observe` (tools/stack/observe.ts), never for a plain start.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# shellcheck source=../lib/go-build-cached.sh
source "$here/../lib/go-build-cached.sh"
# `jaeger version` and the UI report latestVersion (upstream's Makefile stamps it the same way).
go_build_module jaeger "$here" github.com/jaegertracing/jaeger github.com/jaegertracing/jaeger/cmd/jaeger \
  "-X github.com/jaegertracing/jaeger/internal/version.latestVersion=v{version}"
