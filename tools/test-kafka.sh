#!/usr/bin/env bash
# `npm run test:kafka`: the integration tests, then the Kafka broker-restart tests
# (test/kafka), on a second stack instance whose pub/sub is Kafka. It runs beside
# the default stack and never touches it: state in .stack-kafka, every port
# shifted by 1000 (entry point http://127.0.0.1:9080). A stack this script
# starts, it stops again; one that was already running is left running.
#
#   BAEDAL_KAFKA_STACK_DIR / BAEDAL_KAFKA_PORT_OFFSET  change the instance
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m[test:kafka] %s\033[0m\n' "$*"; }

# The instance, for every command below and for the jest processes (topology.ts
# and paths.ts read these; the tests' entry URL is derived from the same offset).
export BAEDAL_STACK_DIR="${BAEDAL_KAFKA_STACK_DIR:-.stack-kafka}"
export BAEDAL_PORT_OFFSET="${BAEDAL_KAFKA_PORT_OFFSET:-1000}"
case "$BAEDAL_STACK_DIR" in
  .stack | .stack/ | ./.stack | "$PWD/.stack")
    printf '[test:kafka] refusing to use the default stack (.stack)\n' >&2
    exit 2
    ;;
esac
if [[ "$BAEDAL_PORT_OFFSET" == 0 ]]; then
  printf '[test:kafka] refusing port offset 0 (the default stack'"'"'s ports)\n' >&2
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
    step "stopping the Kafka stack this run started"
    node tools/stack/stack.ts down || true
  fi
}
trap stop_stack EXIT

step "Kafka stack up ($BAEDAL_STACK_DIR, port offset $BAEDAL_PORT_OFFSET, $BAEDAL_URL)"
node tools/stack/stack.ts up --broker kafka

step "integration tests on Kafka"
node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects integration --runInBand \
  ${BAEDAL_TEST_RESULTS:+--json --outputFile="$BAEDAL_TEST_RESULTS/kafka-integration.json"}

step "broker restart mid-flow (test/kafka)"
node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects kafka --runInBand \
  ${BAEDAL_TEST_RESULTS:+--json --outputFile="$BAEDAL_TEST_RESULTS/kafka.json"}
