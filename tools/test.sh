#!/usr/bin/env bash
# `npm test`: format check, lint, typecheck, unit tests, then integration tests
# against the real local stack (daprd sidecars, MariaDB, Redis). A stack this
# script starts, it stops again; one that was already running is left running.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m[test] %s\033[0m\n' "$*"; }

bash tools/setup.sh
# Everything below runs on the pinned Node from node_modules (npm puts it first on PATH).
export PATH="$PWD/node_modules/.bin:$PATH"
node --version

step "prettier --check"
prettier --check . --log-level warn
step "eslint"
eslint --max-warnings=0 .
step "tsc (strict)"
tsc -p tsconfig.json --noEmit

step "unit tests"
node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects unit

# A stack whose entry point already answers was started by someone else: leave it running.
started_here=1
if curl -sf -o /dev/null "http://127.0.0.1:${GATEWAY_PORT:-${PORT:-8080}}/healthz"; then
  started_here=0
fi
stop_stack() {
  if [[ $started_here == 1 ]]; then
    step "stopping the stack this run started"
    node tools/stack/stack.ts down || true
  fi
}
trap stop_stack EXIT

step "local stack up"
node tools/stack/stack.ts up

step "integration tests (real sidecars, MariaDB, Redis)"
node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects integration --runInBand
