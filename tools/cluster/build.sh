#!/usr/bin/env bash
# Build (or find) one binary of the local single-node cluster and print its
# absolute path:
#
#   KUBELET=$(tools/cluster/build.sh kubelet)   # k8s.io/kubernetes v1.34.4
#   tools/cluster/build.sh all                  # every one, in order; prints one path a line
#
# Components: kube-apiserver (built by tools/k8s/build.sh, the same binary the
# chart checks use), kubelet, kube-controller-manager, kube-scheduler,
# kube-proxy, kubectl (k8s.io/kubernetes v1.34.4), coredns (v1.14.7),
# metrics-server (v0.8.0), traefik (v3.6.12, the Ingress controller), pause
# (the pod sandbox program, ours), smoke-echo (the smoke check's workload),
# and the Dapr control plane: operator, injector, sentry, placement
# (github.com/dapr/dapr v1.18.0, one wrapper module in dapr/ for the four;
# the sidecar itself is tools/daprd/build.sh), and crane (go-containerregistry
# v0.20.3, whose `crane registry serve` is the image registry `skaffold dev`
# pushes to) and helm 3 for skaffold (built by tools/k8s/build.sh helm3).
#
# Each is a small Go wrapper module in tools/cluster/<component>/ (VERSION,
# go.mod with the upstream pin and, where upstream needs them, its replace
# lines; go.sum; main.go where upstream's main is not importable). Same
# contract and cache as tools/k8s/build.sh (tools/lib/go-build-cached.sh):
# stdout carries only paths, progress goes to stderr, binaries live in
#   ${BAEDAL_CACHE:-~/.cache/baedal}/<component>/<version>-<hash>/<component>
# keyed by the wrapper's files. Builds run under `nice -n 19` (and ionice
# where there is one): the machine's other work keeps its CPU.
set -euo pipefail
shopt -s nullglob

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
component="${1:-}"
components=(kube-apiserver kubelet kube-controller-manager kube-scheduler kube-proxy kubectl
  coredns metrics-server traefik pause smoke-echo operator injector sentry placement crane helm3)
log() { printf '[%s] %s\n' "${component:-build}" "$*" >&2; }

# Yield the CPU to everything else on the machine; the Go compiler inherits it.
renice -n 19 -p $$ >/dev/null 2>&1 || true
if command -v ionice >/dev/null 2>&1; then ionice -c3 -p $$ >/dev/null 2>&1 || true; fi

if [[ "$component" == all ]]; then
  for c in "${components[@]}"; do "${BASH_SOURCE[0]}" "$c"; done
  exit 0
fi

case "$component" in
  kube-apiserver) exec "$here/../k8s/build.sh" kube-apiserver ;;
  helm3) exec "$here/../k8s/build.sh" helm3 ;;
  kubelet | kube-controller-manager | kube-scheduler | kube-proxy | kubectl | coredns | metrics-server | traefik | pause | smoke-echo) ;;
  operator | injector | sentry | placement | crane) ;;
  *)
    log "usage: tools/cluster/build.sh all|${components[*]// /|}"
    exit 2
    ;;
esac

dir="$here/$component"
case "$component" in operator | injector | sentry | placement) dir="$here/dapr" ;; esac
version="$(tr -d ' \t\r\n' <"$dir/VERSION")"
if [[ -z "$version" ]]; then
  log "error: $dir/VERSION is empty"
  exit 1
fi

# What to compile, how to stamp the version into it, and how to ask it back.
case "$component" in
  kubelet | kube-controller-manager | kube-scheduler | kube-proxy | kubectl)
    pkg='.'
    v='k8s.io/component-base/version'
    IFS=. read -r major minor _ <<<"${version#v}"
    ldflags="-X $v.gitVersion=$version -X $v.gitMajor=$major -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
    ldflags+=" -X $v.buildDate=1970-01-01T00:00:00Z"
    if [[ "$component" == kubectl ]]; then
      version_of() { "$1" version --client -o json | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p' | head -n1; }
    else
      version_of() { "$1" --version | awk '{print $2}'; }
    fi
    ;;
  coredns)
    pkg='github.com/coredns/coredns'
    ldflags=''
    # Prints "CoreDNS-1.14.7" first.
    version_of() { "$1" -version | sed -n 's/^CoreDNS-/v/p'; }
    ;;
  metrics-server)
    pkg='sigs.k8s.io/metrics-server/cmd/metrics-server'
    v='k8s.io/client-go/pkg/version'
    ldflags="-X $v.gitVersion=$version -X $v.buildDate=1970-01-01T00:00:00Z"
    version_of() { "$1" --version; }
    ;;
  traefik)
    pkg='github.com/traefik/traefik/v3/cmd/traefik'
    v='github.com/traefik/traefik/v3/pkg/version'
    ldflags="-X $v.Version=$version -X $v.Codename=local -X $v.BuildDate=1970-01-01T00:00:00Z"
    version_of() { "$1" version | awk '/^Version:/{print $2}'; }
    ;;
  operator | injector | sentry | placement)
    pkg="github.com/dapr/dapr/cmd/$component"
    v='github.com/dapr/dapr/pkg/buildinfo'
    ldflags="-X $v.version=$version -X $v.gitversion=v$version -X $v.gitcommit=baedal"
    # They have no --version flag (and -trimpath keeps -ldflags out of the
    # build info): the version of the dapr module the binary was built from.
    version_of() { go version -m "$1" | awk '$1 == "mod" && $2 == "github.com/dapr/dapr" { sub(/^v/, "", $3); print $3 }'; }
    ;;
  crane)
    pkg='github.com/google/go-containerregistry/cmd/crane'
    ldflags="-X github.com/google/go-containerregistry/cmd/crane/cmd.Version=$version"
    version_of() { "$1" version; }
    ;;
  pause | smoke-echo)
    pkg='.'
    ldflags="-X main.version=$version"
    version_of() { "$1" -v; }
    ;;
esac

# shellcheck source=../lib/go-build-cached.sh
source "$here/../lib/go-build-cached.sh"
hash_inputs=(go.mod go.sum VERSION)
for f in "$dir"/*.go; do hash_inputs+=("$(basename "$f")"); done
go_build_cached "$component" "$dir" "$version" "$pkg" "$ldflags" "${hash_inputs[@]}"
