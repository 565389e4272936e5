#!/usr/bin/env bash
# `npm run test:k8s`: the strongest proof this machine can give that the
# Kubernetes side is right, without a cluster. Exits non-zero on any failure.
#
#   1. charts/baedal/files/ matches components/ and loadtests/ (one source of truth), and
#      the parameter table of charts/baedal/README.md matches values.yaml
#   2. helm v4.3.1, kube-apiserver v1.34.4 and skaffold v2.16.1, built from their
#      Go modules once and cached outside the repo (tools/k8s/build.sh)
#   3. helm lint --strict and helm template for every charts/baedal/ci/*.yaml; the pods'
#      checksum/* annotations stable across renders and changed by a secret or a component;
#      the bare defaults and a misspelt key must be refused with a readable message
#   4. the rendered output against the repo: Ingress = the edge's route table, every
#      path valid under ingress-nginx's strict path validation (a bad one must fail),
#      known Dapr annotations, env names the services read, Dapr resources =
#      components/, scrape annotations and ServiceMonitors that reach the apps and
#      the sidecars, PrometheusRule = deploy/prometheus/rules.yml (tools/k8s/check-rendered.ts)
#   5. a real kube-apiserver with etcd (tools/k8s/apiserver.sh), the Dapr CRDs
#      of the pinned dapr module and the ServiceMonitor and PrometheusRule CRDs
#      of the pinned prometheus-operator module, a namespace enforcing the `restricted` Pod
#      Security Standard: `kubectl apply --dry-run=server --validate=strict` of
#      every rendered object and of the Job manifest of skaffold verify; any error,
#      unknown field or warning fails. First,
#      known-bad objects must be refused (so the check cannot pass vacuously).
#   6. skaffold diagnose --yaml-only (skaffold's own schema) of skaffold.yaml,
#      and a misspelt field must be refused; skaffold render of the app: refused
#      without BAEDAL_VALUES, rendered with it and with the dev profile
#   7. tsc over the k6 scripts (loadtests/tsconfig.json, @types/k6)
# It stops what it started (etcd, kube-apiserver) and removes its temp files.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
# shellcheck source=../lib/go-path.sh
source tools/lib/go-path.sh
chart=charts/baedal
step() { printf '\n\033[1m[k8s] %s\033[0m\n' "$*" >&2; }
say() { printf '[k8s] %s\n' "$*" >&2; }
fail() {
  printf '[k8s] FAIL: %s\n' "$*" >&2
  exit 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/baedal-k8s-check.XXXXXX")"
apiserver_dir=""
cleanup() {
  if [[ -n "$apiserver_dir" ]]; then tools/k8s/apiserver.sh stop "$apiserver_dir" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# kubectl within one minor version of the server (1.34): the gcloud SDK ships
# several side by side (kubectl.1.33, ...); fall back to plain kubectl.
pick_kubectl() {
  local v dir
  for v in 1.35 1.34 1.33; do
    for dir in "" /usr/lib/google-cloud-sdk/bin/; do
      if command -v "${dir}kubectl.$v" >/dev/null 2>&1; then
        command -v "${dir}kubectl.$v"
        return
      fi
    done
  done
  command -v kubectl || fail "kubectl is not installed"
}

step "1. generated files: the chart's copies of components/ and loadtests/, its README's parameter table"
bash tools/k8s/sync-chart-files.sh --check
node tools/k8s/chart-readme.ts --check

step "2. tools (built once, then cached)"
timed_build() {
  local started=$SECONDS out
  out="$(tools/k8s/build.sh "$1")"
  say "$1: $out ($((SECONDS - started))s)"
  printf '%s\n' "$out"
}
helm="$(timed_build helm)"
timed_build kube-apiserver >/dev/null
skaffold="$(timed_build skaffold)"
kubectl="$(pick_kubectl)"
say "kubectl: $kubectl ($("$kubectl" version --client 2>/dev/null | head -n1))"
gomodcache="$(go env GOMODCACHE)"
dapr_version="$(awk '$1 == "github.com/dapr/dapr" {print $2; exit}' tools/daprd/go.mod)"
dapr_dir="$gomodcache/github.com/dapr/dapr@$dapr_version"
if [[ ! -d "$dapr_dir/charts/dapr/crds" ]]; then
  say "downloading github.com/dapr/dapr@$dapr_version (its CRDs and injector annotations)"
  (cd tools/daprd && GOWORK=off GOFLAGS=-mod=mod go mod download "github.com/dapr/dapr@$dapr_version")
fi
# The Prometheus Operator's CRDs, for the ServiceMonitors and the PrometheusRule of metrics.*.
prometheus_operator=github.com/prometheus-operator/prometheus-operator@v0.85.0
monitoring_crds="$gomodcache/$prometheus_operator/example/prometheus-operator-crd"
if [[ ! -d "$monitoring_crds" ]]; then
  say "downloading $prometheus_operator (its CRDs)"
  GOWORK=off GOFLAGS=-mod=mod go mod download "$prometheus_operator"
fi

step "3. helm lint and helm template"
mkdir -p "$work/rendered"
values_files=("$chart"/ci/*.yaml)
for values in "${values_files[@]}"; do
  name="$(basename "$values" .yaml)"
  "$helm" lint --strict --quiet "$chart" -f "$values" >"$work/lint.log" 2>&1 || {
    cat "$work/lint.log" >&2
    fail "helm lint $values"
  }
  "$helm" template baedal "$chart" --namespace baedal -f "$values" >"$work/rendered/$name.yaml" ||
    fail "helm template $values"
  say "$name: lint ok, $(grep -c '^kind:' "$work/rendered/$name.yaml") objects"
done
# The longest release name Helm allows (53 characters): every generated name must still fit.
long_release=baedal-release-name-as-long-as-helm-allows-53-chars-x
"$helm" template "$long_release" "$chart" --namespace baedal -f "$chart/ci/04-loadtest-values.yaml" \
  >"$work/rendered/zz-long-release-name.yaml" || fail "helm template with a ${#long_release}-character release name"
say "zz-long-release-name (04-loadtest-values, release name of ${#long_release} characters): $(grep -c '^kind:' "$work/rendered/zz-long-release-name.yaml") objects"
# The bare defaults lack the database and Redis: refused, with the reason.
if "$helm" template baedal "$chart" >"$work/out" 2>&1; then fail "the bare defaults rendered; validateValues should refuse them"; fi
grep -q 'database.host: set the external MySQL host' "$work/out" || {
  cat "$work/out" >&2
  fail "the bare defaults were refused without validateValues' message"
}
say "bare defaults refused by validateValues, as they should be"
# A misspelt key is refused by values.schema.json (additionalProperties: false).
if "$helm" template baedal "$chart" -f "${values_files[0]}" --set order.autoscalling.enabled=false >"$work/out" 2>&1; then
  fail "a misspelt key (order.autoscalling) was accepted"
fi
grep -q "autoscalling" "$work/out" || {
  cat "$work/out" >&2
  fail "the misspelt key was refused without naming it"
}
say "misspelt key refused by the schema: $(grep -o "additional properties 'autoscalling'[^)]*" "$work/out" | head -n1)"

# What is exposed: combinations validateValues must refuse, each with its reason,
# and the explicit opt-in that must render. refuse <what> <expected message> <helm args...>
refuse() {
  local what="$1" expect="$2"
  shift 2
  if "$helm" template baedal "$chart" --namespace baedal "$@" >"$work/out" 2>&1; then fail "$what rendered; validateValues should refuse it"; fi
  grep -qF -- "$expect" "$work/out" || {
    cat "$work/out" >&2
    fail "$what was refused without the message: $expect"
  }
  say "refused: $what"
}
trial="$chart/ci/03-trial-values.yaml"
defaults="$chart/ci/01-defaults-values.yaml"
refuse "demo users and fault injection behind a public Ingress host" \
  'ingress.host: app.demoData (demo users with a published password) and app.faultInjection (an admin can fail every payment) would be reachable through an Ingress for "baedal.example.com"' \
  -f "$trial" --set ingress.host=baedal.example.com
refuse "demo users behind an Ingress for any host" \
  'would be reachable through an Ingress for any host (ingress.host is empty)' \
  -f "$trial" --set ingress.host= --set app.faultInjection=false
"$helm" template baedal "$chart" --namespace baedal -f "$trial" --set ingress.host=baedal.example.com \
  --set ingress.allowTrialFeatures=true >"$work/out" 2>&1 || {
  cat "$work/out" >&2
  fail "ingress.allowTrialFeatures=true did not let the trial render behind a public host"
}
say "rendered: the trial behind a public host with ingress.allowTrialFeatures=true"
refuse "an external Redis without a password" 'redis.password: an external Redis' -f "$defaults" --set redis.password=
refuse "login forced on without accounts" 'auth.loginEnabled: true needs accounts' -f "$defaults" --set auth.loginEnabled=true
refuse "a database CA without TLS" 'database.tls.caSecret: a CA is given but database.tls.enabled is false' \
  -f "$defaults" --set database.tls.caSecret=db-ca
refuse "TLS to the in-cluster MariaDB" 'database.tls.enabled: the in-cluster trial MariaDB serves no TLS' \
  -f "$trial" --set database.tls.enabled=true
refuse "traces sampled without a collector" 'dapr.tracing.samplingRate: 0.5 samples traces that no collector receives' \
  -f "$defaults" --set dapr.tracing.samplingRate=0.5

# Pods restart when what they read at start changes (checksum/* pod annotations, _workload.tpl).
# checksum <what> <annotation> <helm args...>: the annotation's values in one render, sorted, unique.
checksum() {
  local what="$1" annotation="$2"
  shift 2
  "$helm" template baedal "$chart" --namespace baedal "$@" >"$work/out" 2>&1 || {
    cat "$work/out" >&2
    fail "helm template ($what)"
  }
  { grep -o "checksum/$annotation: [0-9a-f]*" "$work/out" || true; } | sort -u
}
# No generated value in the render (Dapr tokens from existing Secrets), so two renders must agree.
pinned=(-f "$defaults" --set dapr.apiTokenSecret=dapr-api --set dapr.appTokenSecret=dapr-app)
base_secrets="$(checksum "pinned secrets" secrets "${pinned[@]}")"
base_dapr="$(checksum "pinned secrets" dapr "${pinned[@]}")"
[[ -n "$base_secrets" && -n "$base_dapr" && "$(wc -l <<<"$base_secrets")" == 1 && "$(wc -l <<<"$base_dapr")" == 1 ]] ||
  fail "expected one checksum/secrets and one checksum/dapr over all pods, got: $base_secrets $base_dapr"
[[ "$(checksum "the same values again" secrets "${pinned[@]}")" == "$base_secrets" ]] ||
  fail "checksum/secrets differs between two renders of the same values: every upgrade would restart the pods"
[[ "$(checksum "another JWT secret" secrets "${pinned[@]}" --set auth.jwtSecret=another-jwt-secret-at-least-32-characters)" != "$base_secrets" ]] ||
  fail "checksum/secrets did not change with auth.jwtSecret: the pods would keep the old secret"
[[ "$(checksum "another Redis host" dapr "${pinned[@]}" --set redis.host=redis.elsewhere.svc)" != "$base_dapr" ]] ||
  fail "checksum/dapr did not change with the state store's Redis host: the sidecars would keep the old component"
[[ "$(checksum "another Redis host" secrets "${pinned[@]}" --set redis.host=redis.elsewhere.svc)" == "$base_secrets" ]] ||
  fail "checksum/secrets changed with a value that is in no Secret"
say "checksum/secrets and checksum/dapr: stable across renders, changed by a secret and by a Dapr component"

step "4. rendered output against the repo"
node tools/k8s/check-rendered.ts "$dapr_dir/pkg/injector/annotations/annotations.go" "$work"/rendered/*.yaml
# refused_by_check_rendered FILE REASON WHAT: a control; check-rendered must fail FILE, naming REASON.
refused_by_check_rendered() {
  if node tools/k8s/check-rendered.ts "$dapr_dir/pkg/injector/annotations/annotations.go" "$1" >"$work/out" 2>&1; then
    fail "$3 passed check-rendered"
  fi
  grep -qF "$2" "$work/out" || {
    cat "$work/out" >&2
    fail "$3 was refused without saying: $2"
  }
  say "control: $3 fails the check"
}
mkdir -p "$work/control"
# An Ingress path ingress-nginx 1.12+ refuses (strict-validate-path-type).
sed 's|^          - path: /$|          - path: /app.js|' "$work/rendered/03-trial-values.yaml" >"$work/control/bad-path.yaml"
grep -q 'path: /app.js$' "$work/control/bad-path.yaml" || fail "the control could not plant a bad Ingress path"
refused_by_check_rendered "$work/control/bad-path.yaml" "Prefix /app.js is refused by ingress-nginx's strict path validation" \
  "an Ingress path ingress-nginx's strict validation refuses (/app.js)"
# A load-test Job that is not a `helm test` hook.
sed '/^    helm.sh\/hook: test$/d' "$work/rendered/04-loadtest-values.yaml" >"$work/control/plain-job.yaml"
refused_by_check_rendered "$work/control/plain-job.yaml" 'is not a `helm test` hook' \
  "a load-test Job that is not a \`helm test\` hook"

step "5. server-side dry run against kube-apiserver + etcd"
apiserver_dir="$(tools/k8s/apiserver.sh start)"
export KUBECONFIG="$apiserver_dir/kubeconfig"
"$kubectl" apply --server-side -f "$dapr_dir/charts/dapr/crds/" >"$work/crds.log"
"$kubectl" wait --for condition=established --timeout=60s -f "$dapr_dir/charts/dapr/crds/" >/dev/null
say "Dapr $dapr_version CRDs installed: $(grep -c serverside-applied "$work/crds.log")"
monitoring=("$monitoring_crds"/monitoring.coreos.com_{servicemonitors,prometheusrules}.yaml)
"$kubectl" apply --server-side "${monitoring[@]/#/-f}" >"$work/crds.log"
"$kubectl" wait --for condition=established --timeout=60s "${monitoring[@]/#/-f}" >/dev/null
say "Prometheus Operator ${prometheus_operator#*@} CRDs installed: $(grep -c serverside-applied "$work/crds.log") (ServiceMonitor, PrometheusRule)"
"$kubectl" create namespace baedal >/dev/null
"$kubectl" label namespace baedal >/dev/null \
  pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/warn=restricted
say "namespace baedal enforces the restricted Pod Security Standard"

# dry_run <file>: prints what the server said; fails on any error or warning.
dry_run() {
  "$kubectl" apply --dry-run=server --validate=strict --namespace baedal -f "$1" -o name >"$work/applied" 2>"$work/refused" ||
    true
  if [[ -s "$work/refused" ]]; then
    sed 's/^/    /' "$work/refused" >&2
    return 1
  fi
}

# Controls: objects the server must refuse or warn about.
cat >"$work/bad.yaml" <<'EOF'
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: control-bad-hpa }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: x }
  minReplicas: 5
  maxReplicas: 2
  metrics:
    - type: ContainerResource
      containerResource: { name: cpu, container: x, target: { type: Utilization, averageUtilization: 70 } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: control-privileged }
spec:
  selector: { matchLabels: { app: x } }
  template:
    metadata: { labels: { app: x } }
    spec:
      containers: [{ name: x, image: x }]
---
apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata: { name: control-typo }
spec:
  policies: { retries: { r: { policy: constant, maxRetriez: 3 } } }
  targets: {}
EOF
if dry_run "$work/bad.yaml" 2>"$work/control.log"; then fail "the API server accepted the known-bad control objects"; fi
for expect in 'maxReplicas' 'would violate PodSecurity' 'unknown field "spec.policies.retries.r.maxRetriez"'; do
  grep -q "$expect" "$work/control.log" || {
    cat "$work/control.log" >&2
    fail "the control objects were not refused for: $expect"
  }
done
say "controls refused as expected (a bad HPA, a non-restricted pod, an unknown Dapr field)"

failed=0
for rendered in "$work"/rendered/*.yaml; do
  name="$(basename "$rendered" .yaml)"
  if dry_run "$rendered"; then
    say "$name: the API server accepted all $(wc -l <"$work/applied") objects"
  else
    say "$name: REFUSED (above)"
    failed=1
  fi
done
((failed == 0)) || fail "the API server refused rendered objects"
# The Jobs `skaffold verify` runs: skaffold builds each from its jobManifestPath (it keeps the
# container's securityContext and sets image, args and env), so that file must pass `restricted`.
node -e '
  const { parseAllDocuments } = require("yaml");
  const docs = parseAllDocuments(require("fs").readFileSync("skaffold.yaml", "utf8")).map((d) => d.toJS());
  for (const d of docs) for (const v of d.verify ?? []) {
    const path = v.executionMode?.kubernetesCluster?.jobManifestPath;
    if (!path) { console.error(`skaffold.yaml: verify ${v.name} has no jobManifestPath (its pod would not pass restricted)`); process.exit(1); }
    console.log(path);
  }' >"$work/verify-jobs" || fail "skaffold.yaml: a verify entry without jobManifestPath"
mapfile -t verify_jobs < <(sort -u "$work/verify-jobs")
((${#verify_jobs[@]} > 0)) || fail "skaffold.yaml names no verify Job manifest"
for job in "${verify_jobs[@]}"; do
  dry_run "$job" || fail "the API server refused $job (skaffold verify's Job) in the restricted namespace"
  say "$job (skaffold verify's Job): accepted under restricted Pod Security"
done

step "6. skaffold.yaml against skaffold's schema"
export SKAFFOLD_UPDATE_CHECK=false SKAFFOLD_INTERACTIVE=false
diagnose() { "$skaffold" diagnose --yaml-only -f "$1"; }
diagnose skaffold.yaml >"$work/skaffold.out" 2>&1 || {
  cat "$work/skaffold.out" >&2
  fail "skaffold diagnose refused skaffold.yaml"
}
say "skaffold.yaml: valid ($(grep -c '^apiVersion:' "$work/skaffold.out") configs: $(grep -A1 '^metadata:' "$work/skaffold.out" | awk '/name:/{printf "%s ", $2}'))"
sed 's/^  tagPolicy:/  tagPolicee:/' skaffold.yaml >"$work/skaffold-control.yaml"
if diagnose "$work/skaffold-control.yaml" >"$work/skaffold.out" 2>&1; then fail "skaffold accepted a misspelt field"; fi
say "control: a misspelt field is refused ($(grep -o 'field tagPolicee not found[^"]*' "$work/skaffold.out" | head -n1))"
# What skaffold hands helm: `skaffold render` of the baedal module (no build: --digest-source=none).
# skaffold 2.16 asks `helm version --client`, a flag helm 4 dropped: a shim drops it.
mkdir -p "$work/helm-shim"
printf '#!/usr/bin/env bash\nargs=()\nfor a in "$@"; do [[ "$a" == --client ]] || args+=("$a"); done\nexec %q "${args[@]}"\n' \
  "$helm" >"$work/helm-shim/helm"
chmod +x "$work/helm-shim/helm"
render() { PATH="$work/helm-shim:$PATH" "$skaffold" render --digest-source=none -m baedal "$@"; }
if (
  unset BAEDAL_VALUES
  render
) >"$work/skaffold.out" 2>&1; then fail "skaffold run without BAEDAL_VALUES rendered; it should stop and say why"; fi
grep -q 'set BAEDAL_VALUES to a values file' "$work/skaffold.out" || {
  cat "$work/skaffold.out" >&2
  fail "skaffold run without BAEDAL_VALUES was refused without its message"
}
say "skaffold run without BAEDAL_VALUES stops: $(grep -o 'set BAEDAL_VALUES to a values file[^:]*' "$work/skaffold.out" | head -n1)"
if ! BAEDAL_VALUES="$trial" render >"$work/skaffold.out" 2>&1 || ! grep -q '^kind: Deployment' "$work/skaffold.out"; then
  cat "$work/skaffold.out" >&2
  fail "skaffold render with BAEDAL_VALUES=$trial failed"
fi
say "skaffold render with BAEDAL_VALUES=$trial: $(grep -c '^kind:' "$work/skaffold.out") objects"
if ! (
  unset BAEDAL_VALUES
  render -p dev
) >"$work/skaffold.out" 2>&1 || ! grep -q '^kind: Deployment' "$work/skaffold.out"; then
  cat "$work/skaffold.out" >&2
  fail "skaffold render -p dev (what skaffold dev deploys) failed"
fi
say "skaffold render -p dev (what skaffold dev deploys): $(grep -c '^kind:' "$work/skaffold.out") objects"

step "7. k6 scripts type-check (@types/k6)"
tsc -p loadtests/tsconfig.json
say "loadtests/*.js: ok"

printf '\n\033[1m[k8s] all checks passed\033[0m\n' >&2
