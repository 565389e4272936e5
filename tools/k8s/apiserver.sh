#!/usr/bin/env bash
# A throwaway Kubernetes API server for server-side dry runs: etcd (Debian's
# etcd-server) plus kube-apiserver v1.34.4 (built by tools/k8s/build.sh), with
# no kubelet, no controllers, no scheduler. Everything lives in one temp dir.
#
#   dir=$(tools/k8s/apiserver.sh start)   # prints the state dir; KUBECONFIG=$dir/kubeconfig
#   tools/k8s/apiserver.sh stop "$dir"    # stops both processes (by their pids) and removes the dir
#
# Ports are picked free on 127.0.0.1 at start (so two runs, the local stack's
# 13306/16379 and a system etcd's 2379 never clash). Auth is a static token
# file; authorization is AlwaysAllow (the server only ever sees dry runs from
# this machine). The serving certificate is self-signed by the API server into
# $dir/certs; the service-account keys are made with openssl.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
log() { printf '[apiserver] %s\n' "$*" >&2; }

free_port() {
  "$root/node_modules/.bin/node" -e '
    const s = require("node:net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

stop() {
  local dir="$1" name pid
  [[ -d "$dir" ]] || return 0
  for name in kube-apiserver etcd; do
    [[ -f "$dir/$name.pid" ]] || continue
    pid="$(cat "$dir/$name.pid")"
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$dir"
}

ensure_etcd() {
  if command -v etcd >/dev/null 2>&1; then return 0; fi
  command -v apt-get >/dev/null 2>&1 || {
    log "error: etcd is missing and there is no apt-get: install etcd (>= 3.4) yourself"
    exit 1
  }
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
  log "installing Debian's etcd-server (once)..."
  "${sudo[@]}" apt-get update -qq >&2
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends etcd-server >&2
}

start() {
  ensure_etcd
  local kas etcd_port peer_port api_port token
  kas="$("$here/build.sh" kube-apiserver)"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/baedal-apiserver.XXXXXX")"
  # On any failure below, leave nothing running.
  trap 'stop "$dir"' ERR
  etcd_port="$(free_port)" peer_port="$(free_port)" api_port="$(free_port)"
  token="$(openssl rand -hex 24)"

  log "etcd $(etcd --version | awk '/etcd Version/{print $3}') on 127.0.0.1:$etcd_port (data in $dir/etcd)"
  etcd --name dryrun --data-dir "$dir/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-cluster "dryrun=http://127.0.0.1:$peer_port" \
    --logger zap --log-level warn >"$dir/etcd.log" 2>&1 &
  echo $! >"$dir/etcd.pid"

  openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
  openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  printf '%s,baedal-check,baedal-check,system:masters\n' "$token" >"$dir/tokens.csv"

  log "kube-apiserver $("$kas" --version | awk '{print $2}') on https://127.0.0.1:$api_port"
  "$kas" \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$api_port" \
    --cert-dir "$dir/certs" \
    --token-auth-file "$dir/tokens.csv" \
    --authorization-mode AlwaysAllow \
    --service-account-issuer https://kubernetes.default.svc \
    --service-account-key-file "$dir/sa.pub" \
    --service-account-signing-key-file "$dir/sa.key" \
    --service-cluster-ip-range 10.96.0.0/16 \
    --endpoint-reconciler-type none \
    --enable-priority-and-fairness=false \
    --profiling=false \
    --v 0 >"$dir/kube-apiserver.log" 2>&1 &
  echo $! >"$dir/kube-apiserver.pid"

  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: dryrun
    cluster:
      server: https://127.0.0.1:$api_port
      certificate-authority: $dir/certs/apiserver.crt
users:
  - name: baedal-check
    user:
      token: $token
contexts:
  - name: dryrun
    context: { cluster: dryrun, user: baedal-check }
current-context: dryrun
EOF

  local started=$SECONDS
  until [[ -f "$dir/certs/apiserver.crt" ]] &&
    KUBECONFIG="$dir/kubeconfig" kubectl get --raw /readyz >/dev/null 2>&1; do
    if ! kill -0 "$(cat "$dir/kube-apiserver.pid")" 2>/dev/null || ! kill -0 "$(cat "$dir/etcd.pid")" 2>/dev/null; then
      log "error: a process died during start; last lines of its log:"
      tail -n 20 "$dir/etcd.log" "$dir/kube-apiserver.log" >&2
      false
    fi
    if ((SECONDS - started > 90)); then
      log "error: the API server was not ready after 90 s; last lines of its log:"
      tail -n 20 "$dir/kube-apiserver.log" >&2
      false
    fi
    sleep 0.5
  done
  trap - ERR
  log "ready in $((SECONDS - started))s"
  printf '%s\n' "$dir"
}

case "${1:-}" in
  start) start ;;
  stop)
    [[ -n "${2:-}" ]] || {
      log "usage: tools/k8s/apiserver.sh stop <dir>"
      exit 2
    }
    stop "$2"
    ;;
  *)
    log "usage: tools/k8s/apiserver.sh start | stop <dir>"
    exit 2
    ;;
esac
