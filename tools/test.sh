#!/usr/bin/env bash
# `npm test`: everything, in the order a failure is cheapest to find:
#   format, lint, types → unit tests → integration tests on the real local stack
#   (daprd sidecars, MariaDB, Redis) → the web app in Chromium → hostile-request
#   fuzz → Schemathesis (a client generated from the OpenAPI alone, every role)
#   → fault tests (real
#   processes stopped, killed, slowed) → the same integration tests on a second
#   stack whose pub/sub is Kafka → one order's trace in Zipkin (API and UI) and
#   Prometheus' UI under load, on a third stack brought up with --observe → the Helm chart
#   against a real kube-apiserver → the chart on a real local Kubernetes
#   (tools/cluster/test.sh: smoke, a saga and the integration tests through its
#   Ingress, the HPA scaling out and in).
# `npm run test:quick` stops after the integration tests.
# A stack this script starts, it stops again; one already running is left running,
# unless it runs other code than the work tree's: then it is restarted first.
# The closing lines: "test: N passed, N failed" over every suite that ran, then
# "test: not run: …" naming the suites a failed step kept from running.
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
[[ "${1:-}" == "--quick" ]] && quick=1

step() { printf '\n\033[1m[test] %s\033[0m\n' "$*"; }

bash tools/setup.sh
# Everything below runs on the pinned Node from node_modules (npm puts it first on PATH).
export PATH="$PWD/node_modules/.bin:$PATH"
node --version

results="$(mktemp -d)"
run_started_ms=$(($(date +%s) * 1000))
started_here=0
# Every suite in order; `suite <name>` marks one as started.
suites=(unit integration browser fuzz schemathesis faults kafka observe k8s cluster)
ran=()
suite() { ran+=("$1"); }
finish() {
  local code=$?
  if [[ $started_here == 1 ]]; then
    step "stopping the stack this run started"
    node tools/stack/stack.ts down >/dev/null || true
  fi
  # One closing line over every jest run: "test: N passed, N failed".
  node -e '
    const fs = require("fs"); let passed = 0, failed = 0;
    for (const f of fs.readdirSync(process.argv[1])) {
      const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
      passed += r.numPassedTests; failed += r.numFailedTests;
    }
    console.log(`test: ${passed} passed, ${failed} failed`);
  ' "$results" || true
  # A step on the default stack failed: what its processes logged (the side stacks print their own).
  local last="${ran[*]-}"
  last="${last##* }"
  if [[ $code != 0 && " integration browser fuzz schemathesis faults " == *" ${last:-none} "* ]]; then
    step "warnings and errors the local stack logged during this run"
    node tools/stack/log-problems.ts "$run_started_ms" "${BAEDAL_STACK_DIR:-.stack}" || true
  fi
  local not_run=()
  for s in "${suites[@]}"; do [[ " ${ran[*]-} " == *" $s "* ]] || not_run+=("$s"); done
  if ((${#not_run[@]} > 0)); then
    local list="${not_run[*]}"
    echo "test: not run: ${list// /, }$([[ $quick == 1 && $code == 0 ]] && echo ' (--quick)')"
  fi
  rm -rf "$results"
  exit "$code"
}
trap finish EXIT

jest() {
  local name=$1
  shift
  node --experimental-vm-modules node_modules/jest/bin/jest.js --json --outputFile="$results/$name.json" "$@"
}

step "prettier --check"
prettier --check . --log-level warn
step "eslint"
eslint --max-warnings=0 .
step "tsc (strict)"
tsc -p tsconfig.json --noEmit

step "unit tests"
suite unit
# setup.sh installed promtool: the alert rules' checks (deploy/prometheus/rules.spec.ts) must run, not skip.
BAEDAL_REQUIRE_PROMTOOL=1 jest unit --selectProjects unit

# A stack whose entry point already answers was started by someone else: leave it running.
if ! curl -sf -o /dev/null "http://127.0.0.1:${GATEWAY_PORT:-${PORT:-8080}}/healthz"; then
  started_here=1
elif ! node tools/stack/stack.ts code-check; then
  # Tests of this work tree against a stack of older code would prove nothing about it.
  step "restarting the running stack: its apps were started from other sources"
  node tools/stack/stack.ts down
fi
step "local stack up"
node tools/stack/stack.ts up

step "integration tests (real sidecars, MariaDB, Redis)"
suite integration
jest integration --selectProjects integration --runInBand
[[ $quick == 1 ]] && exit 0

step "browser tests: the web app in Chromium (three people at once, accessibility)"
suite browser
bash tools/browser-setup.sh
jest browser --selectProjects browser --runInBand

step "fuzz: hostile requests against every route"
suite fuzz
jest fuzz --selectProjects fuzz --runInBand

step "Schemathesis: a client from the OpenAPI alone, without a token and as each role"
suite schemathesis
BAEDAL_TEST_RESULTS="$results" node tools/schemathesis/run.ts

step "fault tests (processes stopped, killed, slowed)"
suite faults
jest faults --selectProjects faults --runInBand

step "Kafka: the integration tests on a second stack whose pub/sub is Kafka"
suite kafka
BAEDAL_TEST_RESULTS="$results" bash tools/test-kafka.sh

step "observability: one order, one trace in Zipkin; Prometheus under load (a stack up with --observe)"
suite observe
BAEDAL_TEST_RESULTS="$results" bash tools/test-observe.sh

step "Kubernetes: helm lint/template, kube-apiserver dry-run, skaffold schema, k6 types"
suite k8s
bash tools/k8s/check.sh

# The local stack is done with: the cluster needs the cores and memory it held.
if [[ $started_here == 1 ]]; then
  step "stopping the stack this run started"
  node tools/stack/stack.ts down >/dev/null
  started_here=0
fi
step "Kubernetes cluster: the chart on a local node (smoke, a saga and the integration tests through the Ingress, HPA)"
# The cluster's own Go builds (kubelet, CoreDNS, traefik, metrics-server, the Dapr
# control plane...) take about 45 min on 2 cores the first time: more than a
# whole cold run of everything above. They are not started from here; a machine
# without them in its cache reports the suite as not run (closing lines) and
# says how to build them once. See docs/kubernetes.md.
if BAEDAL_CACHED_ONLY=1 bash tools/cluster/build.sh all >/dev/null; then
  suite cluster
  BAEDAL_TEST_RESULTS="$results" bash tools/cluster/test.sh
else
  echo "[test] the cluster suite needs its builds in the cache: run 'npm run cluster -- build' once (about 45 min on 2 cores), then npm test includes it"
fi
