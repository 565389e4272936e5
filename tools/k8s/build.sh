#!/usr/bin/env bash
# Build (or find) one of the Kubernetes tools the chart checks need and print
# the absolute path of its binary:
#
#   HELM=$(tools/k8s/build.sh helm)                      # helm.sh/helm/v4 v4.3.1
#   KUBE_APISERVER=$(tools/k8s/build.sh kube-apiserver)  # k8s.io/kubernetes v1.34.4
#   SKAFFOLD=$(tools/k8s/build.sh skaffold)              # skaffold/v2 v2.16.1
#
# Each tool is a small Go wrapper module in tools/k8s/<tool>/ (go.mod pins the
# upstream module and, where upstream needs it, its replace lines; go.sum pins
# every checksum). Same contract as tools/daprd/build.sh: stdout carries exactly
# one line, the binary's path; progress and errors go to stderr. Binaries live
# outside the repo in
#   ${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}/<tool>/<version>-<hash>/<tool>
# where <hash> = first 12 hex of sha256 over the wrapper's go.mod, go.sum, *.go
# and VERSION, so changing a pin builds a new binary and never reuses a stale one.
# Concurrent builders of the same binary wait for each other (flock).
set -euo pipefail
shopt -s nullglob

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tool="${1:-}"
log() { printf '[%s] %s\n' "${tool:-build}" "$*" >&2; }

case "$tool" in
  helm | kube-apiserver | skaffold) ;;
  *)
    log "usage: tools/k8s/build.sh helm|kube-apiserver|skaffold"
    exit 2
    ;;
esac

dir="$here/$tool"
version="$(tr -d ' \t\r\n' <"$dir/VERSION")"
if [[ -z "$version" ]]; then
  log "error: $dir/VERSION is empty"
  exit 1
fi

# What to compile, how to stamp the version into it, and how to ask it back.
case "$tool" in
  helm)
    pkg='helm.sh/helm/v4/cmd/helm'
    v='helm.sh/helm/v4/internal/version'
    ldflags="-X $v.version=$version -X $v.metadata= -X $v.gitTreeState=clean"
    version_of() { "$1" version --template '{{.Version}}'; }
    ;;
  kube-apiserver)
    pkg='.'
    v='k8s.io/component-base/version'
    IFS=. read -r major minor _ <<<"${version#v}"
    ldflags="-X $v.gitVersion=$version -X $v.gitMajor=$major -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
    ldflags+=" -X $v.buildDate=1970-01-01T00:00:00Z"
    version_of() { "$1" --version | awk '{print $2}'; }
    ;;
  skaffold)
    pkg='.'
    v='github.com/GoogleContainerTools/skaffold/v2/pkg/skaffold/version'
    ldflags="-X $v.version=$version -X $v.gitTreeState=clean"
    version_of() { SKAFFOLD_UPDATE_CHECK=false "$1" version; }
    ;;
esac

hash="$(cd "$dir" && LC_ALL=C sha256sum -- go.mod go.sum VERSION *.go | sha256sum | cut -c1-12)"
cache_root="${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}"
out_dir="$cache_root/$tool/$version-$hash"
out="$out_dir/$tool"
if [[ -x "$out" ]]; then
  printf '%s\n' "$(cd "$out_dir" && pwd -P)/$tool"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "error: go is not installed (needed once to build $tool $version; see tools/k8s/README.md)"
  exit 1
fi
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd -P)"
out="$out_dir/$tool"

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

tmp="$(mktemp "$out_dir/.$tool.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

log "building $tool $version ($(go env GOVERSION)) -> $out"
log "a cold build takes a few minutes on 2 cores; package progress follows"
start=$SECONDS
# `go build -v` prints each package it compiles on stderr, one import path per
# line; count those and pass anything else (downloads, errors) straight through.
if ! (
  cd "$dir"
  GOWORK=off GOFLAGS= CGO_ENABLED=0 go build -mod=readonly -trimpath -buildvcs=false -v \
    -ldflags "-s -w $ldflags" -o "$tmp" "$pkg" 2>&1
) | awk -v tag="$tool" '
  /^[A-Za-z0-9._~+\/-]+$/ {
    n++
    if (n % 100 == 0) { printf "[%s] compiled %d packages...\n", tag, n; fflush() }
    next
  }
  { print; fflush() }
  END { printf "[%s] compiled %d packages\n", tag, n; fflush() }
' >&2; then
  log "error: go build failed"
  exit 1
fi

chmod 0755 "$tmp"
got="$(version_of "$tmp" 2>/dev/null || true)"
if [[ "$got" != "$version" ]]; then
  log "error: built binary reports version '$got', expected '$version'"
  exit 1
fi
mv -f "$tmp" "$out"
trap - EXIT
log "built in $((SECONDS - start))s ($(du -h "$out" | cut -f1))"
printf '%s\n' "$out"
