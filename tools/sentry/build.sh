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

# shellcheck source=../lib/go-build-cached.sh
source "$here/../lib/go-build-cached.sh"
# Sentry has no --version flag: the build checks the version of the dapr module it was built from.
pkg='github.com/dapr/dapr/pkg/buildinfo'
go_build_module sentry "$here" github.com/dapr/dapr github.com/dapr/dapr/cmd/sentry \
  "-X $pkg.version={version} -X $pkg.gitversion=v{version} -X $pkg.gitcommit=baedal"
