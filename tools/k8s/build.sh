#!/usr/bin/env bash
# Build (or find) one of the Kubernetes tools the chart checks need and print
# the absolute path of its binary:
#
#   HELM=$(tools/k8s/build.sh helm)                      # helm.sh/helm/v4 v4.3.1
#   KUBE_APISERVER=$(tools/k8s/build.sh kube-apiserver)  # k8s.io/kubernetes v1.34.4
#   SKAFFOLD=$(tools/k8s/build.sh skaffold)              # skaffold/v2 v2.16.1
#   HELM3=$(tools/k8s/build.sh helm3)                    # helm.sh/helm/v3 v3.22.1, for skaffold
#
# skaffold v2.16.1 cannot deploy with helm 4: it asks `helm version --client`
# and passes itself as an executable `--post-renderer`, where helm 4 takes only
# a plugin's name. So skaffold gets helm 3 on its PATH (as `helm`; see
# tools/cluster/cluster.sh skaffold); the chart checks keep helm 4.
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
  helm | helm3 | kube-apiserver | skaffold) ;;
  *)
    log "usage: tools/k8s/build.sh helm|helm3|kube-apiserver|skaffold"
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
  helm3)
    pkg='helm.sh/helm/v3/cmd/helm'
    v='helm.sh/helm/v3/internal/version'
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

# shellcheck source=../lib/go-build-cached.sh
source "$here/../lib/go-build-cached.sh"
hash_inputs=(go.mod go.sum VERSION)
for f in "$dir"/*.go; do hash_inputs+=("$(basename "$f")"); done
go_build_cached "$tool" "$dir" "$version" "$pkg" "$ldflags" "${hash_inputs[@]}"
