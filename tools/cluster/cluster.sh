#!/usr/bin/env bash
# A real single-node Kubernetes on this machine, from parts built here:
#
#   npm run cluster -- up       # start (or finish starting) everything; idempotent
#   npm run cluster -- status   # what runs, the node, the system pods
#   npm run cluster -- url      # the Ingress's base URL (traefik on 127.0.0.1)
#   npm run cluster -- kubectl get pods -A   # kubectl with the admin kubeconfig
#   npm run cluster -- helm test baedal -n baedal          # helm (4) with the admin kubeconfig
#   npm run cluster -- smoke    # the smoke check (tools/cluster/smoke.sh)
#   npm run cluster -- dapr     # helm install the Dapr control plane (dapr's own chart, local images)
#   npm run cluster -- baedal   # helm install charts/baedal, trial profile, in namespace baedal
#                                 (the load-test Job, when enabled, runs the local runner's image, not k6)
#   npm run cluster -- baedal -f more-values.yaml   # the same with more values files on top
#   npm run cluster -- baedal-uninstall             # helm uninstall it; returns once its pods are gone
#   npm run cluster -- skaffold dev -m baedal       # skaffold against this cluster (profile local-cluster)
#   npm run cluster -- down     # stop everything it started; keeps the state
#   npm run cluster -- reset    # down, then delete the state (next up is cold)
#
# Parts: etcd (Debian's etcd-server), kube-apiserver, kube-controller-manager,
# kube-scheduler, kubelet and kube-proxy (iptables mode) as host processes;
# containerd 1.6 + runc + the CNI bridge/host-local plugins (Debian) as the
# runtime; CoreDNS, metrics-server and traefik (the Ingress controller, on a
# 127.0.0.1 host port) as pods. Binaries come from tools/cluster/build.sh
# (cached outside the repo); images are built from them with buildah and
# imported into containerd (tools/cluster/images.sh). One more host process,
# an image registry on 127.0.0.1 (`crane registry serve`), is only for
# `skaffold`, whose builds must be pushed somewhere.
#
# State (etcd data, certificates, containerd's images, logs, pids) lives in
# $BAEDAL_CLUSTER_DIR (default .cluster/ at the repo root, gitignored); logs
# are .cluster/logs/<process>.log. Pods get 10.244.0.0/24 on the bridge
# baedal0 (10.244.0.1, which is also the node's address, so nothing listens on
# the machine's outside interface), Services 10.96.0.0/16.
# Needs root (containerd, iptables, mounts) and Linux with cgroups.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

CLUSTER_DIR="${BAEDAL_CLUSTER_DIR:-$root/.cluster}"
NODE_NAME=baedal-node
BRIDGE=baedal0
POD_CIDR=10.244.0.0/24
NODE_IP=10.244.0.1
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
DNS_IP=10.96.0.10
APISERVER_PORT=6443
ETCD_CLIENT_PORT=2379
ETCD_PEER_PORT=2380
INGRESS_PORT="${BAEDAL_CLUSTER_INGRESS_PORT:-18080}"
INGRESS_PING_PORT=$((INGRESS_PORT + 1))
# The registry skaffold pushes to and containerd pulls from, over plain HTTP:
# it listens on 127.0.0.1 only (the kubelet and containerd run on the host).
REGISTRY_PORT="${BAEDAL_CLUSTER_REGISTRY_PORT:-18082}"
REGISTRY="127.0.0.1:$REGISTRY_PORT"
# The iptables comment that marks the one rule this script adds itself.
MASQ_COMMENT=baedal-cluster-pods

RUN="$CLUSTER_DIR/run"
LOGS="$CLUSTER_DIR/logs"
CONTAINERD_SOCK="$CLUSTER_DIR/containerd/containerd.sock"
KUBECONFIG_ADMIN="$CLUSTER_DIR/admin.kubeconfig"

log() { printf '[cluster %5ss] %s\n' "$SECONDS" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

# shellcheck source=pki.sh
source "$here/pki.sh"
# shellcheck source=images.sh
source "$here/images.sh"

bin() { "$here/build.sh" "$1"; }
kc() { "$(bin kubectl)" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }
helm_() { "$root/tools/k8s/build.sh" helm >/dev/null && "$("$root/tools/k8s/build.sh" helm)" --kubeconfig "$KUBECONFIG_ADMIN" "$@"; }

# ---- processes -------------------------------------------------------------

# A process counts as ours while its pid file names a live process that runs
# the binary we started (the pid may have been reused after a crash).
running() {
  local name=$1 pid exe
  [[ -f "$RUN/$name.pid" ]] || return 1
  pid="$(cat "$RUN/$name.pid")"
  exe="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  [[ "$exe" == "$(cat "$RUN/$name.exe")" ]]
}

start_daemon() {
  # start_daemon NAME BINARY ARGS...: detached, output to logs/NAME.log.
  local name=$1 binary=$2
  shift 2
  if running "$name"; then
    log "$name already running (pid $(cat "$RUN/$name.pid"))"
    return 0
  fi
  log "starting $name"
  printf '%s\n' "$(readlink -f "$binary")" >"$RUN/$name.exe"
  setsid "$binary" "$@" </dev/null >>"$LOGS/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}

stop_daemon() {
  local name=$1 pid
  running "$name" || {
    rm -f "$RUN/$name.pid"
    return 0
  }
  pid="$(cat "$RUN/$name.pid")"
  log "stopping $name (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$RUN/$name.pid"
}

wait_for() {
  # wait_for WHAT SECONDS PROCESS COMMAND...: retry COMMAND until it succeeds;
  # fail early with PROCESS's last log lines when that process has died.
  local what=$1 limit=$2 proc=$3 started=$SECONDS
  shift 3
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$proc" ]] && ! running "$proc"; then
      tail -n 30 "$LOGS/$proc.log" >&2
      die "$proc exited while waiting for $what"
    fi
    if ((SECONDS - started > limit)); then
      [[ -n "$proc" ]] && tail -n 30 "$LOGS/$proc.log" >&2
      die "$what not ready after ${limit}s"
    fi
    sleep 1
  done
  log "$what ready"
}

# ---- host networking -------------------------------------------------------

network_up() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
  fi
  if ! ip -4 addr show dev "$BRIDGE" | grep -q "inet $NODE_IP/"; then
    ip addr add "$NODE_IP/${POD_CIDR#*/}" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  # Pods reach other pods through Service addresses (kube-proxy's DNAT), so
  # the host must route and bridged packets must pass iptables.
  if [[ ! -f "$RUN/ip_forward.before" ]]; then
    cat /proc/sys/net/ipv4/ip_forward >"$RUN/ip_forward.before"
  fi
  echo 1 >/proc/sys/net/ipv4/ip_forward
  modprobe br_netfilter 2>/dev/null || true
  [[ -w /proc/sys/net/bridge/bridge-nf-call-iptables ]] &&
    echo 1 >/proc/sys/net/bridge/bridge-nf-call-iptables
  # Pod traffic that leaves the bridge (to this machine's resolver) takes the
  # node's address. One rule, ours, instead of the bridge plugin's per-pod
  # ipMasq chains, which outlive pods killed by `down`.
  if ! iptables -t nat -C POSTROUTING -s "$POD_CIDR" ! -o "$BRIDGE" \
    -m comment --comment "$MASQ_COMMENT" -j MASQUERADE 2>/dev/null; then
    iptables -t nat -A POSTROUTING -s "$POD_CIDR" ! -o "$BRIDGE" \
      -m comment --comment "$MASQ_COMMENT" -j MASQUERADE
  fi
}

# The kubelet's own chains (KUBE-FIREWALL, its canaries, the hint kube-proxy
# reads), in both families; kube-proxy --cleanup leaves them.
kubelet_iptables_cleanup() {
  local cmd table chain
  for cmd in iptables ip6tables; do
    command -v "$cmd" >/dev/null 2>&1 || continue
    while "$cmd" -D INPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    while "$cmd" -D OUTPUT -j KUBE-FIREWALL 2>/dev/null; do :; done
    for table in filter nat mangle; do
      for chain in KUBE-FIREWALL KUBE-KUBELET-CANARY KUBE-IPTABLES-HINT; do
        "$cmd" -t "$table" -F "$chain" 2>/dev/null || true
        "$cmd" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

network_down() {
  kubelet_iptables_cleanup
  while iptables -t nat -D POSTROUTING -s "$POD_CIDR" ! -o "$BRIDGE" \
    -m comment --comment "$MASQ_COMMENT" -j MASQUERADE 2>/dev/null; do :; done
  ip link del "$BRIDGE" 2>/dev/null || true
  if [[ -f "$RUN/ip_forward.before" ]]; then
    cat "$RUN/ip_forward.before" >/proc/sys/net/ipv4/ip_forward
    rm -f "$RUN/ip_forward.before"
  fi
  # host-local's address reservations: every pod is gone after down.
  rm -rf "$CLUSTER_DIR/cni/ipam"
}

# ---- configuration files ---------------------------------------------------

write_configs() {
  mkdir -p "$CLUSTER_DIR/cni/net.d" "$CLUSTER_DIR/containerd" "$CLUSTER_DIR/kubelet"
  cat >"$CLUSTER_DIR/cni/net.d/10-baedal.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "baedal",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR", "gateway": "$NODE_IP" }]],
        "routes": [{ "dst": "0.0.0.0/0" }],
        "dataDir": "$CLUSTER_DIR/cni/ipam"
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  cat >"$CLUSTER_DIR/containerd/config.toml" <<EOF
version = 2
root = "$CLUSTER_DIR/containerd/root"
state = "$CLUSTER_DIR/containerd/state"
[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CLUSTER_DIR/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$CLUSTER_DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$(image_name pause)"
  # root here lacks CAP_SYS_RESOURCE: without this every sandbox fails with
  # "can't get final child's PID from pipe" (runc may not lower oom_score_adj).
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CLUSTER_DIR/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry.mirrors."$REGISTRY"]
    endpoint = ["http://$REGISTRY"]
EOF
  cat >"$CLUSTER_DIR/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
# These machines have cgroup v1 and no systemd as init.
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $CLUSTER_DIR/pki/ca.crt }
authorization: { mode: Webhook }
tlsCertFile: $CLUSTER_DIR/pki/kubelet-serving.crt
tlsPrivateKeyFile: $CLUSTER_DIR/pki/kubelet-serving.key
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
resolvConf: /etc/resolv.conf
podCIDR: $POD_CIDR
podLogsDir: $CLUSTER_DIR/pod-logs
maxPods: 110
serializeImagePulls: false
# A shared developer disk: evict only when it is really full.
evictionHard: { memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2% }
imageGCHighThresholdPercent: 98
imageGCLowThresholdPercent: 95
EOF
  cat >"$CLUSTER_DIR/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: { kubeconfig: $CLUSTER_DIR/kube-proxy.kubeconfig }
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
clusterCIDR: $POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
# Leave the machine's conntrack table size as it is.
conntrack: { maxPerCore: 0 }
EOF
}

# ---- up / down -------------------------------------------------------------

up() {
  [[ $(id -u) -eq 0 ]] || die "needs root (containerd, iptables, mounts)"
  local started=$SECONDS cold=warm
  [[ -d "$CLUSTER_DIR/etcd" ]] || cold=cold
  mkdir -p "$RUN" "$LOGS"
  log "state in $CLUSTER_DIR ($cold start)"
  for cmd in etcd containerd runc iptables openssl buildah ctr; do
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd is missing: npm run cluster -- install-deps"
  done
  [[ -x /usr/lib/cni/bridge ]] || die "the CNI plugins are missing: npm run cluster -- install-deps"

  log "binaries (tools/cluster/build.sh; cold builds take minutes each)"
  local c
  for c in kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl \
    pause coredns metrics-server traefik crane; do
    bin "$c" >/dev/null
  done
  log "binaries ready"

  pki_ensure
  write_configs
  network_up

  start_daemon etcd "$(command -v etcd)" --name baedal --data-dir "$CLUSTER_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "baedal=http://127.0.0.1:$ETCD_PEER_PORT" \
    --logger zap --log-level warn
  local pki="$CLUSTER_DIR/pki"
  start_daemon kube-apiserver "$(bin kube-apiserver)" \
    --etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
    --bind-address "$NODE_IP" --advertise-address "$NODE_IP" --secure-port "$APISERVER_PORT" \
    --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --client-ca-file "$pki/ca.crt" \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" \
    --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority "$pki/ca.crt" \
    --kubelet-preferred-address-types InternalIP \
    --authorization-mode Node,RBAC \
    --enable-admission-plugins NodeRestriction \
    --allow-privileged=true \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" \
    --service-account-signing-key-file "$pki/sa.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --requestheader-client-ca-file "$pki/ca.crt" \
    --requestheader-allowed-names front-proxy-client \
    --requestheader-username-headers X-Remote-User \
    --requestheader-group-headers X-Remote-Group \
    --requestheader-extra-headers-prefix X-Remote-Extra- \
    --proxy-client-cert-file "$pki/front-proxy-client.crt" \
    --proxy-client-key-file "$pki/front-proxy-client.key" \
    --enable-aggregator-routing=true \
    --profiling=false
  start_daemon containerd "$(command -v containerd)" --config "$CLUSTER_DIR/containerd/config.toml"
  # Blobs on disk; the manifests (tags) live in its memory, so after a restart
  # skaffold finds its tags gone and builds again.
  mkdir -p "$CLUSTER_DIR/registry"
  start_daemon registry "$(bin crane)" registry serve --address "$REGISTRY" --disk "$CLUSTER_DIR/registry"
  wait_for "kube-apiserver" 180 kube-apiserver kc get --raw /readyz
  wait_for "containerd" 60 containerd ctr --address "$CONTAINERD_SOCK" version
  wait_for "registry on $REGISTRY" 30 registry curl -fsS "http://$REGISTRY/v2/"

  local kcfg="$CLUSTER_DIR/kube-controller-manager.kubeconfig"
  start_daemon kube-controller-manager "$(bin kube-controller-manager)" \
    --kubeconfig "$kcfg" --authentication-kubeconfig "$kcfg" --authorization-kubeconfig "$kcfg" \
    --bind-address 127.0.0.1 --leader-elect=false \
    --root-ca-file "$pki/ca.crt" \
    --service-account-private-key-file "$pki/sa.key" \
    --use-service-account-credentials=true \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --service-cluster-ip-range "$SERVICE_CIDR" \
    --profiling=false
  local scfg="$CLUSTER_DIR/kube-scheduler.kubeconfig"
  start_daemon kube-scheduler "$(bin kube-scheduler)" \
    --kubeconfig "$scfg" --authentication-kubeconfig "$scfg" --authorization-kubeconfig "$scfg" \
    --bind-address 127.0.0.1 --leader-elect=false --profiling=false

  # The sandbox image must be in containerd before the kubelet makes a pod.
  images_ensure

  start_daemon kubelet "$(bin kubelet)" \
    --config "$CLUSTER_DIR/kubelet/config.yaml" \
    --kubeconfig "$CLUSTER_DIR/kubelet.kubeconfig" \
    --root-dir "$CLUSTER_DIR/kubelet/root" \
    --hostname-override "$NODE_NAME" --node-ip "$NODE_IP"
  start_daemon kube-proxy "$(bin kube-proxy)" --config "$CLUSTER_DIR/kube-proxy.yaml"
  wait_for "node $NODE_NAME" 180 kubelet kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s

  log "addons: CoreDNS, metrics-server, traefik"
  local f
  for f in coredns metrics-server traefik; do
    addon_manifest "$f" | kc apply -f - >/dev/null
  done
  kc -n kube-system rollout status deploy/coredns --timeout=180s >/dev/null
  log "CoreDNS ready"
  kc -n traefik rollout status deploy/traefik --timeout=180s >/dev/null
  log "traefik ready on $(url)"
  kc -n kube-system rollout status deploy/metrics-server --timeout=180s >/dev/null
  wait_for "metrics API" 120 "" kc get --raw /apis/metrics.k8s.io/v1beta1/nodes
  log "up ($cold) in $((SECONDS - started))s; kubectl: npm run cluster -- kubectl ..., or KUBECONFIG=$KUBECONFIG_ADMIN"
}

# pods_ready NAMESPACE SECONDS: every pod Ready. helm --wait waits for a
# rollout's new pods only; the old ones may still be draining (a service pod's
# sidecar keeps serving its app for dapr.blockShutdownSeconds), and
# `kubectl wait --all` would wait on a pod that is going away until it times
# out. So: until no pod is terminating, then every pod Ready.
pods_ready() {
  local ns=$1 limit=$2 started=$SECONDS
  while [[ -n "$(kc -n "$ns" get pods -o jsonpath='{.items[?(@.metadata.deletionTimestamp)].metadata.name}')" ]]; do
    ((SECONDS - started < limit)) || die "pods of $ns still terminating after ${limit}s"
    sleep 1
  done
  kc -n "$ns" wait --for=condition=Ready pod --all --timeout="$((limit - (SECONDS - started)))s" >/dev/null
}

# ---- Dapr ----------------------------------------------------------------------

DAPR_NAMESPACE=dapr-system

# The dapr module's own Helm chart (the version the slim daprd is built from),
# read from Go's module cache.
dapr_chart() {
  local dir
  dir="$(cd "$root/tools/daprd" && GOWORK=off GOFLAGS=-mod=mod go list -m -f '{{.Dir}}' github.com/dapr/dapr)"
  [[ -f "$dir/charts/dapr/Chart.yaml" ]] || die "no charts/dapr in $dir"
  printf '%s/charts/dapr\n' "$dir"
}

dapr() {
  running kube-apiserver || die "the cluster is not up: npm run cluster -- up"
  local started=$SECONDS tag
  log "Dapr images (operator, injector, sentry, placement, daprd)"
  dapr_images_ensure
  tag="$(image_name operator)"
  tag="${tag##*:}"
  log "helm upgrade --install dapr $(dapr_chart) into $DAPR_NAMESPACE"
  # No scheduler (not built); mTLS on; one replica each; placement keeps its
  # Raft log in memory (the node has no storage provisioner); every image is
  # local (Never pull); the sidecar drops every capability (Pod Security
  # `restricted`).
  helm_ upgrade --install dapr "$(dapr_chart)" --namespace "$DAPR_NAMESPACE" --create-namespace \
    --set-string "global.registry=$IMAGE_REPO,global.tag=$tag" \
    --set global.imagePullPolicy=Never \
    --set global.ha.enabled=false \
    --set global.mtls.enabled=true \
    --set global.scheduler.enabled=false \
    --set dapr_scheduler.enabled=false \
    --set dapr_placement.cluster.forceInMemoryLog=true \
    --set-string "dapr_sidecar_injector.image.name=$(image_name daprd)" \
    --set dapr_sidecar_injector.sidecarImagePullPolicy=Never \
    --set dapr_sidecar_injector.sidecarDropALLCapabilities=true \
    --wait --timeout 5m >/dev/null
  pods_ready "$DAPR_NAMESPACE" 180
  log "Dapr control plane ready in $((SECONDS - started))s"
}

# ---- the project's chart -----------------------------------------------------------

BAEDAL_NAMESPACE="${BAEDAL_CLUSTER_NAMESPACE:-baedal}"

baedal_namespace() {
  log "namespace $BAEDAL_NAMESPACE, Pod Security restricted (enforce)"
  kc create namespace "$BAEDAL_NAMESPACE" --dry-run=client -o yaml | kc apply -f - >/dev/null
  kc label --overwrite namespace "$BAEDAL_NAMESPACE" \
    pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=latest \
    pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/warn-version=latest >/dev/null
}

# baedal [-f VALUES]...: more values files after the trial's and ours.
baedal() {
  local extra=() f
  while (($#)); do
    [[ "$1" == -f && $# -ge 2 ]] || die "baedal takes only -f VALUES_FILE arguments"
    f="$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"
    [[ -f "$f" ]] || die "no values file $2"
    extra+=(-f "$f")
    shift 2
  done
  running kube-apiserver || die "the cluster is not up: npm run cluster -- up"
  kc get deploy -n "$DAPR_NAMESPACE" dapr-sidecar-injector >/dev/null 2>&1 ||
    die "no Dapr control plane: npm run cluster -- dapr"
  local started=$SECONDS tag mariadb redis runner
  log "images: the six services (services/Dockerfile), MariaDB, Redis, the load-test runner"
  tag="$(services_images_ensure)"
  mariadb="$(mariadb_image_ensure)"
  redis="$(redis_image_ensure)"
  runner="$(loadtest_runner_image_ensure)"
  baedal_namespace
  log "helm upgrade --install baedal charts/baedal (trial values + tools/cluster/baedal-values.yaml${extra[*]:+ ${extra[*]}})"
  helm_ upgrade --install baedal "$root/charts/baedal" --namespace "$BAEDAL_NAMESPACE" \
    -f "$root/charts/baedal/ci/03-trial-values.yaml" -f "$here/baedal-values.yaml" "${extra[@]}" \
    --set-string "image.tag=$tag,database.inCluster.image.tag=${mariadb##*:},redis.inCluster.image.tag=${redis##*:}" \
    --set-string "loadtest.image.repository=${runner%:*},loadtest.image.tag=${runner##*:}" \
    --wait --timeout 10m >/dev/null
  pods_ready "$BAEDAL_NAMESPACE" 300
  log "baedal ready in $((SECONDS - started))s on $(url)"
}

# baedal_uninstall: the release gone, and every pod of the namespace with it
# (a pod's emptyDir volumes, the in-cluster MariaDB's data among them, go with
# the pod: the next install starts from empty databases). The namespace stays.
baedal_uninstall() {
  running kube-apiserver || die "the cluster is not up: npm run cluster -- up"
  local started=$SECONDS
  if helm_ status baedal --namespace "$BAEDAL_NAMESPACE" >/dev/null 2>&1; then
    log "helm uninstall baedal from $BAEDAL_NAMESPACE"
    helm_ uninstall baedal --namespace "$BAEDAL_NAMESPACE" --wait --timeout 3m >/dev/null
  fi
  # Helm leaves hook resources behind: the load-test Job of `helm test` and its pod.
  kc -n "$BAEDAL_NAMESPACE" delete jobs -l app.kubernetes.io/instance=baedal --ignore-not-found >/dev/null
  # Succeeds at once when there is no pod (kubectl wait only requires a match for other conditions).
  kc -n "$BAEDAL_NAMESPACE" wait --for=delete pod --all --timeout=180s >/dev/null ||
    die "pods of $BAEDAL_NAMESPACE still there after 180s"
  log "no release baedal and no pod in $BAEDAL_NAMESPACE ($((SECONDS - started))s)"
}

# skaffold ARGS...: the pinned skaffold (tools/k8s/build.sh) in the repo root,
# against this cluster. Its kube context (baedal-local) activates the profile
# local-cluster of skaffold.yaml: custom builds (tools/cluster/skaffold-build.sh)
# pushed to the registry here, the chart with the values `baedal` uses. This
# gives it what skaffold.yaml cannot know: the kubeconfig, the registry as the
# default repo (and as insecure: plain HTTP), and the tags of the MariaDB and
# Redis images (BAEDAL_CLUSTER_MARIADB_TAG, BAEDAL_CLUSTER_REDIS_TAG).
skaffold_() {
  running registry || die "the cluster is not up: npm run cluster -- up"
  kc get deploy -n "$DAPR_NAMESPACE" dapr-sidecar-injector >/dev/null 2>&1 ||
    die "no Dapr control plane: npm run cluster -- dapr"
  [[ "$BAEDAL_NAMESPACE" == baedal ]] || die "skaffold.yaml deploys into namespace baedal, not $BAEDAL_NAMESPACE"
  local skaffold tools="$CLUSTER_DIR/skaffold-path" mariadb redis
  skaffold="$("$root/tools/k8s/build.sh" skaffold)"
  # skaffold runs `helm` and `kubectl` from PATH: helm 3 (skaffold v2.16.1
  # cannot drive helm 4; tools/k8s/build.sh says why) and the cluster's kubectl.
  mkdir -p "$tools"
  ln -sfn "$("$root/tools/k8s/build.sh" helm3)" "$tools/helm"
  ln -sfn "$(bin kubectl)" "$tools/kubectl"
  mariadb="$(mariadb_image_ensure)"
  redis="$(redis_image_ensure)"
  baedal_namespace
  cd "$root"
  PATH="$tools:$PATH" \
    KUBECONFIG="$KUBECONFIG_ADMIN" SKAFFOLD_DEFAULT_REPO="$REGISTRY" SKAFFOLD_INSECURE_REGISTRY="$REGISTRY" \
    SKAFFOLD_UPDATE_CHECK=false BAEDAL_CLUSTER_MARIADB_TAG="${mariadb##*:}" BAEDAL_CLUSTER_REDIS_TAG="${redis##*:}" \
    exec "$skaffold" "$@"
}

addon_manifest() {
  # Fill the @NAME@ placeholders; a quoted one may stand for a number.
  sed -e "s|[\"']@INGRESS_PING_PORT@[\"']|$INGRESS_PING_PORT|g" \
    -e "s|@INGRESS_PING_PORT@|$INGRESS_PING_PORT|g" \
    -e "s|@INGRESS_PORT@|$INGRESS_PORT|g" \
    -e "s|@DNS_IP@|$DNS_IP|g" \
    -e "s|@IMAGE_COREDNS@|$(image_name coredns)|g" \
    -e "s|@IMAGE_METRICS_SERVER@|$(image_name metrics-server)|g" \
    -e "s|@IMAGE_TRAEFIK@|$(image_name traefik)|g" \
    "$here/addons/$1.yaml"
}

# Every mount below the state dir (pod volumes, sandbox /dev/shm, rootfs) and
# the network namespaces containerd made, deepest first.
unmount_all() {
  local m
  findmnt -rn -o TARGET | awk -v d="$CLUSTER_DIR/" 'index($0, d) == 1' | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  for m in /run/netns/cni-*; do
    [[ -e "$m" ]] || continue
    umount -l "$m" 2>/dev/null || true
    rm -f "$m"
  done
}

down() {
  [[ -d "$RUN" ]] || {
    log "nothing to stop"
    return 0
  }
  stop_daemon kubelet
  if running containerd; then
    # Kill every pod's processes while containerd can still name them, then
    # forget the containers: the next up makes fresh sandboxes.
    local ctr_=(ctr --address "$CONTAINERD_SOCK" -n k8s.io) id
    for id in $("${ctr_[@]}" tasks ls -q 2>/dev/null); do
      "${ctr_[@]}" tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
    done
    sleep 1
    for id in $("${ctr_[@]}" tasks ls -q 2>/dev/null); do
      "${ctr_[@]}" tasks rm -f "$id" >/dev/null 2>&1 || true
    done
    for id in $("${ctr_[@]}" containers ls -q 2>/dev/null); do
      "${ctr_[@]}" containers rm "$id" >/dev/null 2>&1 || true
    done
  fi
  stop_daemon containerd
  # runc shims outlive containerd by design; ours name our socket.
  local pid
  for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" || true); do
    kill -9 "$pid" 2>/dev/null || true
  done
  unmount_all
  # The kubelet links every container's log into /var/log/containers (a fixed
  # path); drop the links into our state dir.
  local link
  for link in /var/log/containers/*.log; do
    if [[ "$(readlink "$link" || true)" == "$CLUSTER_DIR/"* ]]; then rm -f "$link"; fi
  done
  stop_daemon kube-proxy
  # Remove kube-proxy's iptables chains, with the binary that made them.
  if [[ -f "$RUN/kube-proxy.exe" ]]; then
    "$(cat "$RUN/kube-proxy.exe")" --cleanup >>"$LOGS/kube-proxy.log" 2>&1 || true
  fi
  stop_daemon registry
  stop_daemon kube-scheduler
  stop_daemon kube-controller-manager
  stop_daemon kube-apiserver
  stop_daemon etcd
  network_down
  log "down"
}

status() {
  local name
  for name in etcd kube-apiserver containerd registry kube-controller-manager kube-scheduler kubelet kube-proxy; do
    if running "$name"; then
      printf '%-24s running (pid %s)\n' "$name" "$(cat "$RUN/$name.pid")"
    else
      printf '%-24s stopped\n' "$name"
    fi
  done
  if running kube-apiserver; then
    kc get nodes -o wide || true
    kc get pods -A -o wide || true
    printf 'ingress: %s\n' "$(url)"
  fi
}

url() { printf 'http://127.0.0.1:%s\n' "$INGRESS_PORT"; }

# The Debian packages the cluster runs on (the binaries `up` looks for).
deps_missing() {
  local cmd
  for cmd in etcd containerd runc iptables conntrack openssl buildah ctr mmdebstrap; do
    command -v "$cmd" >/dev/null 2>&1 || return 0
  done
  [[ ! -x /usr/lib/cni/bridge ]]
}

# install-deps [--if-missing]: with --if-missing, nothing (not even apt-get
# update) when every package is there already.
install_deps() {
  if [[ "${1:-}" == --if-missing ]] && ! deps_missing; then
    log "Debian packages present"
    return 0
  fi
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive nice -n 19 apt-get install -y -qq --no-install-recommends \
    etcd-server containerd runc containernetworking-plugins buildah iptables conntrack openssl mmdebstrap
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  reset)
    down
    unmount_all
    rm -rf "$CLUSTER_DIR"
    log "state deleted"
    ;;
  status) status ;;
  url) url ;;
  kubectl)
    shift
    kc "$@"
    ;;
  helm)
    shift
    helm_ "$@"
    ;;
  smoke) KUBECTL="$(bin kubectl)" KUBECONFIG="$KUBECONFIG_ADMIN" INGRESS_URL="$(url)" \
    bash "$here/smoke.sh" ;;
  install-deps)
    shift
    install_deps "$@"
    ;;
  # Every binary of the cluster into the cache (about 45 min cold on 2 cores; then instant).
  build) bash "$here/build.sh" all >/dev/null ;;
  dapr) dapr ;;
  baedal-uninstall) baedal_uninstall ;;
  baedal)
    shift
    baedal "$@"
    ;;
  skaffold)
    shift
    skaffold_ "$@"
    ;;
  *)
    log "usage: npm run cluster -- build|up|down|reset|status|url|kubectl ARGS|helm ARGS|smoke|dapr|baedal [-f VALUES]...|baedal-uninstall|skaffold ARGS|install-deps [--if-missing]"
    exit 2
    ;;
esac
