# shellcheck shell=bash
# Sourced by tools/cluster/cluster.sh: the local cluster's certificates and
# kubeconfigs, made once with openssl into $CLUSTER_DIR/pki and kept across
# down/up (so a warm start reuses them and etcd's objects stay valid).
#
# One CA signs everything: serving certificates (kube-apiserver, kubelet) and
# one client certificate per component, whose CN/O are the identities that the
# API server's default RBAC bindings already name (system:kube-scheduler,
# system:node:<node>, ...). The same CA also signs the front-proxy client that
# the aggregator uses for metrics-server (a separate CA adds nothing on a
# one-node cluster on loopback and bridge addresses). Keys are ECDSA P-256 (fast
# to make); the service-account signing key is RSA, the issuer's default.

pki_cert() {
  # pki_cert NAME CN O [SAN]: a key and a certificate signed by the CA, valid 1 year.
  local name=$1 cn=$2 o=$3 san=${4:-} dir="$CLUSTER_DIR/pki"
  [[ -s "$dir/$name.crt" ]] && return 0
  local subj="/CN=$cn"
  [[ -n "$o" ]] && subj="/O=$o$subj"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$dir/$name.key" -subj "$subj" -out "$dir/$name.csr" 2>/dev/null
  {
    echo 'basicConstraints = critical, CA:FALSE'
    echo 'keyUsage = critical, digitalSignature, keyEncipherment'
    if [[ -n "$san" ]]; then
      echo 'extendedKeyUsage = serverAuth, clientAuth'
      echo "subjectAltName = $san"
    else
      echo 'extendedKeyUsage = clientAuth'
    fi
  } >"$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

pki_kubeconfig() {
  # pki_kubeconfig NAME: $CLUSTER_DIR/NAME.kubeconfig with the client cert NAME.
  local name=$1 dir="$CLUSTER_DIR/pki"
  cat >"$CLUSTER_DIR/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: baedal-local
    cluster:
      server: https://$NODE_IP:$APISERVER_PORT
      certificate-authority: $dir/ca.crt
users:
  - name: $name
    user:
      client-certificate: $dir/$name.crt
      client-key: $dir/$name.key
contexts:
  - name: baedal-local
    context: { cluster: baedal-local, user: $name }
current-context: baedal-local
EOF
}

pki_ensure() {
  local dir="$CLUSTER_DIR/pki"
  mkdir -p "$dir"
  chmod 0700 "$dir"
  if [[ ! -s "$dir/ca.crt" ]]; then
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -keyout "$dir/ca.key" -subj "/CN=baedal-local-ca" -days 3650 -sha256 \
      -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' \
      -out "$dir/ca.crt" 2>/dev/null
  fi
  if [[ ! -s "$dir/sa.key" ]]; then
    openssl genrsa -out "$dir/sa.key" 2048 2>/dev/null
    openssl rsa -in "$dir/sa.key" -pubout -out "$dir/sa.pub" 2>/dev/null
  fi
  pki_cert apiserver kube-apiserver '' \
    "IP:$NODE_IP,IP:$KUBERNETES_SERVICE_IP,IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  pki_cert kubelet-serving "system:node:$NODE_NAME" system:nodes "IP:$NODE_IP,DNS:$NODE_NAME"
  pki_cert admin baedal-admin system:masters
  pki_cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  pki_cert front-proxy-client front-proxy-client ''
  pki_cert kube-controller-manager system:kube-controller-manager ''
  pki_cert kube-scheduler system:kube-scheduler ''
  pki_cert kube-proxy system:kube-proxy ''
  pki_cert kubelet "system:node:$NODE_NAME" system:nodes
  local name
  for name in admin kube-controller-manager kube-scheduler kube-proxy kubelet; do
    pki_kubeconfig "$name"
  done
}
