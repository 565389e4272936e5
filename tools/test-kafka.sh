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

# shellcheck source=lib/side-stack.sh
source tools/lib/side-stack.sh
side_stack kafka "${BAEDAL_KAFKA_STACK_DIR:-.stack-kafka}" "${BAEDAL_KAFKA_PORT_OFFSET:-1000}" "Kafka stack"

step "Kafka stack up ($BAEDAL_STACK_DIR, port offset $BAEDAL_PORT_OFFSET, $BAEDAL_URL)"
node tools/stack/stack.ts up --broker kafka

step "integration tests on Kafka"
node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects integration --runInBand \
  ${BAEDAL_TEST_RESULTS:+--json --outputFile="$BAEDAL_TEST_RESULTS/kafka-integration.json"}

step "broker restart mid-flow (test/kafka)"
node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects kafka --runInBand \
  ${BAEDAL_TEST_RESULTS:+--json --outputFile="$BAEDAL_TEST_RESULTS/kafka.json"}
