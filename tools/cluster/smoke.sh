#!/usr/bin/env bash
# The local cluster's smoke check, run by `npm run cluster -- smoke` on a
# cluster that `npm run cluster -- up` brought up. In a fresh namespace it
# deploys smoke-echo (a tiny image built here, 2 replicas), a Service and an
# Ingress, then proves, each step failing the check when it does not hold:
#   1. both replicas Ready (scheduler, kubelet, containerd, CNI bridge);
#   2. the Service name resolves from a pod to the Service's ClusterIP (CoreDNS);
#   3. a pod gets answers through the Service's ClusterIP from both replicas
#      (kube-proxy's iptables rules);
#   4. GET <ingress>/smoke on 127.0.0.1 is answered by both replicas (traefik);
#   5. `kubectl top pods` lists both pods (kubelet -> metrics-server -> aggregator).
# The namespace is deleted at the end, pass or fail.
# Env (set by cluster.sh): KUBECTL, KUBECONFIG, INGRESS_URL.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=images.sh
source "$here/images.sh"
: "${KUBECTL:?}" "${KUBECONFIG:?}" "${INGRESS_URL:?}"
export KUBECONFIG
CONTAINERD_SOCK="${BAEDAL_CLUSTER_DIR:-$here/../../.cluster}/containerd/containerd.sock"
ns=smoke-$$
log() { printf '[smoke %4ss] %s\n' "$SECONDS" "$*" >&2; }
fail() {
  log "FAIL: $*"
  exit 1
}
k() { "$KUBECTL" -n "$ns" "$@"; }
trap '"$KUBECTL" delete namespace "$ns" --wait=false >/dev/null 2>&1 || true' EXIT

image_ensure smoke-echo
image="$(image_name smoke-echo)"

log "namespace $ns: Deployment smoke-echo (2 replicas of $image), Service, Ingress /smoke"
"$KUBECTL" create namespace "$ns" >/dev/null
k apply -f - >/dev/null <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: { name: smoke-echo }
spec:
  replicas: 2
  selector: { matchLabels: { app: smoke-echo } }
  template:
    metadata: { labels: { app: smoke-echo } }
    spec:
      securityContext: { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: echo
          image: $image
          imagePullPolicy: Never
          args: [serve, ":8080"]
          ports: [{ containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /, port: 8080 }, periodSeconds: 1 }
          resources: { requests: { cpu: 10m, memory: 16Mi } }
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: { drop: [ALL] }
---
apiVersion: v1
kind: Service
metadata: { name: smoke-echo }
spec:
  selector: { app: smoke-echo }
  ports: [{ port: 80, targetPort: 8080 }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: smoke-echo }
spec:
  rules:
    - http:
        paths:
          - path: /smoke
            pathType: Prefix
            backend: { service: { name: smoke-echo, port: { number: 80 } } }
EOF

# 1. Both replicas Ready.
k rollout status deploy/smoke-echo --timeout=120s >/dev/null || fail "the Deployment did not become Ready"
mapfile -t pods < <(k get pods -l app=smoke-echo -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
((${#pods[@]} == 2)) || fail "expected 2 pods, got ${#pods[@]}"
log "1. 2 replicas Ready: ${pods[*]}"

# 2. DNS: the Service's name, from inside a pod, is its ClusterIP.
cluster_ip="$(k get svc smoke-echo -o jsonpath='{.spec.clusterIP}')"
resolved="$(k exec "${pods[0]}" -- /smoke-echo lookup "smoke-echo.$ns.svc.cluster.local")" ||
  fail "the Service name did not resolve from a pod"
[[ "$resolved" == "$cluster_ip" ]] || fail "smoke-echo resolved to '$resolved', the ClusterIP is $cluster_ip"
short="$(k exec "${pods[0]}" -- /smoke-echo lookup smoke-echo)" || fail "the short name did not resolve (search path)"
[[ "$short" == "$cluster_ip" ]] || fail "smoke-echo (short) resolved to '$short'"
log "2. DNS: smoke-echo.$ns.svc.cluster.local and smoke-echo -> $cluster_ip"

# 3. Through the ClusterIP, from a pod: both replicas answer. Ready pods reach
# kube-proxy's rules through the EndpointSlice controller and kube-proxy's next
# sync (a second or more on a loaded node); until then the ClusterIP rejects
# (connection refused). So: a first answer within 60 tries, then every one.
for i in $(seq 60); do
  k exec "${pods[0]}" -- /smoke-echo get "http://smoke-echo/" >/dev/null 2>&1 && break
  ((i < 60)) || fail "no answer through the ClusterIP $cluster_ip in 60 tries, half a second apart"
  sleep 0.5
done
declare -A seen=()
for _ in $(seq 40); do
  who="$(k exec "${pods[0]}" -- /smoke-echo get "http://smoke-echo/")" || fail "GET via the Service failed"
  seen[$who]=1
  ((${#seen[@]} == 2)) && break
done
((${#seen[@]} == 2)) || fail "via the ClusterIP only ${!seen[*]} answered"
log "3. Service (kube-proxy): both replicas answered through $cluster_ip"

# 4. Through the Ingress on 127.0.0.1: both replicas answer, every answer 2xx.
# traefik applies changes at most every 2 s (its providers' throttle), so the
# new Ingress may first route to the endpoints it saw first: ask for 20 s.
seen=()
for i in $(seq 80); do
  who="$(curl -fsS --max-time 5 "$INGRESS_URL/smoke")" || fail "GET $INGRESS_URL/smoke failed (request $i)"
  seen[$who]=1
  ((${#seen[@]} == 2)) && break
  sleep 0.25
done
((${#seen[@]} == 2)) || fail "through the Ingress only ${!seen[*]} answered"
log "4. Ingress (traefik): $INGRESS_URL/smoke answered by both replicas"

# 5. kubectl top pods: the metrics pipeline has samples of both pods (the
# kubelet's first sample of a new pod takes up to a resolution period).
top=''
for _ in $(seq 90); do
  top="$(k top pods --no-headers 2>/dev/null || true)"
  [[ $(grep -c '^smoke-echo-' <<<"$top") -eq 2 ]] && break
  sleep 2
done
[[ $(grep -c '^smoke-echo-' <<<"$top") -eq 2 ]] || fail "kubectl top pods did not list both pods: '$top'"
log "5. kubectl top pods:"
sed 's/^/      /' <<<"$top" >&2

log "passed in ${SECONDS}s"
