#!/usr/bin/env bash
# `npm test`: everything, in the order a failure is cheapest to find:
#   format, lint, types → unit tests → integration tests on the real local stack
#   (daprd sidecars, MariaDB, Redis) → the web app in Chromium → hostile-request fuzz → fault tests (real
#   processes stopped, killed, slowed) → the same integration tests on a second
#   stack whose pub/sub is Kafka → the Helm chart against a real kube-apiserver.
# `npm run test:quick` stops after the integration tests.
# A stack this script starts, it stops again; one already running is left running.
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
started_here=0
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
jest unit --selectProjects unit

# A stack whose entry point already answers was started by someone else: leave it running.
if ! curl -sf -o /dev/null "http://127.0.0.1:${GATEWAY_PORT:-${PORT:-8080}}/healthz"; then
  started_here=1
fi
step "local stack up"
node tools/stack/stack.ts up

step "integration tests (real sidecars, MariaDB, Redis)"
jest integration --selectProjects integration --runInBand
[[ $quick == 1 ]] && exit 0

step "browser tests: the web app in Chromium (three people at once, accessibility)"
bash tools/browser-setup.sh
jest browser --selectProjects browser --runInBand

step "fuzz: hostile requests against every route"
jest fuzz --selectProjects fuzz --runInBand

step "fault tests (processes stopped, killed, slowed)"
jest faults --selectProjects faults --runInBand

step "Kafka: the integration tests on a second stack whose pub/sub is Kafka"
BAEDAL_TEST_RESULTS="$results" bash tools/test-kafka.sh

step "Kubernetes: helm lint/template, kube-apiserver dry-run, skaffold schema, k6 types"
bash tools/k8s/check.sh
