# shellcheck shell=bash
# Sourced by the build.sh of tools/daprd, tools/sentry and tools/k8s:
# find or build one Go binary in the cache outside the repo and print its absolute path.
#
#   go_build_cached TAG DIR VERSION PKG LDFLAGS HASH_FILE...
#
# TAG names the binary and its cache folder:
#   ${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}/TAG/VERSION-<hash>/TAG
# where <hash> = first 12 hex of sha256 over HASH_FILE... (relative to DIR), so
# changing a pin builds a new binary and never reuses a stale one. PKG is built
# from the module in DIR with LDFLAGS (plus -s -w). The caller defines
# `version_of BINARY`, which prints the version the binary reports; a build
# that reports anything but VERSION fails. With BAEDAL_CACHED_ONLY=1 nothing is
# built: exit 3 when the binary is not in the cache. stdout carries exactly one line, the
# path; progress and errors go to stderr. Concurrent builders of the same
# binary wait for each other (flock). A caller that must prepare its sources
# first (tools/daprd applies upstream fixes to a copy of the dapr module) defines
# `go_build_prepare WORK_DIR`, run only when a build is due; it prints extra
# `go build` flags, one per line.

# shellcheck source=go-path.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-path.sh"
# shellcheck source=cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/cache.sh"

# go_module_version BINARY MODULE: the version (without its v) of MODULE that
# BINARY was built from, read from its build information (`go version -m`: the
# "mod" line when MODULE is the main module, else its "dep" line). For a `version_of`
# of a binary that has no --version of its own.
go_module_version() {
  go version -m "$1" | awk -v m="$2" '($1 == "mod" || $1 == "dep") && $2 == m { sub(/^v/, "", $3); print $3 }'
}

go_build_cached() {
  local tag=$1 dir=$2 version=$3 pkg=$4 ldflags=$5
  shift 5
  local hash out_dir out tmp got start
  hash="$(cd "$dir" && LC_ALL=C sha256sum -- "$@" | sha256sum | cut -c1-12)"
  out_dir="$(cache_root)/$tag/$version-$hash"
  out="$out_dir/$tag"
  if [[ -x "$out" ]]; then
    printf '%s\n' "$(cd "$out_dir" && pwd -P)/$tag"
    return 0
  fi
  # BAEDAL_CACHED_ONLY=1: a question, not a build (exit 3 when the binary is not cached).
  if [[ "${BAEDAL_CACHED_ONLY:-}" == 1 ]]; then
    printf '[%s] not cached: %s\n' "$tag" "$out" >&2
    return 3
  fi

  if ! command -v go >/dev/null 2>&1; then
    printf '[%s] error: go is not installed (needed once to build %s %s; see %s/README.md)\n' \
      "$tag" "$tag" "$version" "$dir" >&2
    return 1
  fi
  mkdir -p "$out_dir"
  out_dir="$(cd "$out_dir" && pwd -P)"
  out="$out_dir/$tag"

  cache_lock "$out_dir" "$tag" "$out"
  if [[ -x "$out" ]]; then
    printf '%s\n' "$out"
    return 0
  fi

  tmp="$(mktemp "$out_dir/.$tag.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: the trap outlives this function's locals
  trap "rm -f '$tmp'" EXIT

  local prepared='' extra=()
  if declare -F go_build_prepare >/dev/null; then
    prepared="$(go_build_prepare "$out_dir/src")" || return 1
    [[ -n "$prepared" ]] && mapfile -t extra <<<"$prepared"
  fi

  printf '[%s] building %s %s (%s) -> %s\n' "$tag" "$tag" "$version" "$(go env GOVERSION)" "$out" >&2
  printf '[%s] a cold build takes a few minutes on 2 cores; package progress follows\n' "$tag" >&2
  start=$SECONDS
  # `go build -v` prints each package it compiles on stderr, one import path per
  # line; count those and pass anything else (downloads, errors) straight through.
  if ! (
    cd "$dir"
    GOWORK=off GOFLAGS='' CGO_ENABLED=0 go build -mod=readonly -trimpath -buildvcs=false -v "${extra[@]}" \
      -ldflags "-s -w $ldflags" -o "$tmp" "$pkg" 2>&1
  ) | awk -v tag="$tag" '
    /^[A-Za-z0-9._~+\/-]+$/ {
      n++
      if (n % 50 == 0) { printf "[%s] compiled %d packages...\n", tag, n; fflush() }
      next
    }
    { print; fflush() }
    END { printf "[%s] compiled %d packages\n", tag, n; fflush() }
  ' >&2; then
    printf '[%s] error: go build failed\n' "$tag" >&2
    return 1
  fi

  chmod 0755 "$tmp"
  got="$(version_of "$tmp" 2>/dev/null || true)"
  if [[ "$got" != "$version" ]]; then
    printf "[%s] error: built binary reports version '%s', expected '%s'\n" "$tag" "$got" "$version" >&2
    return 1
  fi
  mv -f "$tmp" "$out"
  trap - EXIT
  printf '[%s] built in %ss (%s)\n' "$tag" "$((SECONDS - start))" "$(du -h "$out" | cut -f1)" >&2
  printf '%s\n' "$out"
}

# go_build_module TAG DIR MODULE PKG LDFLAGS: go_build_cached for PKG of MODULE, a module
# that DIR's go.mod pins (tools/sentry): the version is DIR/VERSION, checked
# against the version of MODULE the binary was built from; the hash covers go.mod, go.sum
# and VERSION. `{version}` in LDFLAGS stands for the version.
go_build_module() {
  local tag=$1 dir=$2 module=$3 pkg=$4 ldflags=$5 version
  version="$(pinned_version "$dir" "$tag")" || return 1
  # Called by go_build_cached, within this function: $module is still this call's.
  version_of() { go_module_version "$1" "$module"; }
  go_build_cached "$tag" "$dir" "$version" "$pkg" "${ldflags//\{version\}/$version}" go.mod go.sum VERSION
}
