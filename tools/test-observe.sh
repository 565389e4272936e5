#!/usr/bin/env bash
# `npm run test:observe`: the observability tests (test/observe) on a stack
# instance brought up with --observe (Jaeger and Prometheus beside it, every
# request traced). It runs beside the default stack and never touches it: state
# in .stack-observe, every port shifted by 2500 (entry point
# http://127.0.0.1:10580). A stack this script starts, it stops again; one that
# was already running is left running. Jaeger is built once (tools/jaeger/,
# minutes) and cached outside the repo.
#
#   BAEDAL_OBSERVE_STACK_DIR / BAEDAL_OBSERVE_PORT_OFFSET  change the instance
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m[test:observe] %s\033[0m\n' "$*"; }

# The instance, for every command below and for the jest process (topology.ts
# and paths.ts read these; the tests' entry URL is derived from the same offset).
export BAEDAL_STACK_DIR="${BAEDAL_OBSERVE_STACK_DIR:-.stack-observe}"
export BAEDAL_PORT_OFFSET="${BAEDAL_OBSERVE_PORT_OFFSET:-2500}"
case "$BAEDAL_STACK_DIR" in
  .stack | .stack/ | ./.stack | "$PWD/.stack")
    printf '[test:observe] refusing to use the default stack (.stack)\n' >&2
    exit 2
    ;;
esac
if [[ "$BAEDAL_PORT_OFFSET" == 0 ]]; then
  printf '[test:observe] refusing port offset 0 (the default stack'"'"'s ports)\n' >&2
  exit 2
fi
unset GATEWAY_PORT PORT
export BAEDAL_URL="http://127.0.0.1:$((8080 + BAEDAL_PORT_OFFSET))"

bash tools/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"

started_here=1
if curl -sf -o /dev/null "$BAEDAL_URL/healthz"; then
  started_here=0
fi
stop_stack() {
  if [[ $started_here == 1 ]]; then
    step "stopping the observed stack this run started"
    node tools/stack/stack.ts down || true
  fi
}
trap stop_stack EXIT

step "observed stack up ($BAEDAL_STACK_DIR, port offset $BAEDAL_PORT_OFFSET, $BAEDAL_URL)"
node tools/stack/stack.ts up --observe

step "one order, one trace; Prometheus under load (test/observe)"
node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects observe --runInBand \
  ${BAEDAL_TEST_RESULTS:+--json --outputFile="$BAEDAL_TEST_RESULTS/observe.json"}
