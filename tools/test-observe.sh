#!/usr/bin/env bash
# `npm run test:observe`: the observability tests (test/observe) on a stack
# instance brought up with --observe (Zipkin and Prometheus beside it, every
# request traced). It runs beside the default stack and never touches it: state
# in .stack-observe, every port shifted by 2500 (entry point
# http://127.0.0.1:10580). A stack this script starts, it stops again; one that
# was already running is left running. Zipkin's jar is fetched once from Maven
# Central (tools/zipkin/fetch.sh, about 130 MB) and cached outside the repo.
#
#   BAEDAL_OBSERVE_STACK_DIR / BAEDAL_OBSERVE_PORT_OFFSET  change the instance
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=lib/side-stack.sh
source tools/lib/side-stack.sh
side_stack observe "${BAEDAL_OBSERVE_STACK_DIR:-.stack-observe}" "${BAEDAL_OBSERVE_PORT_OFFSET:-2500}" "observed stack"

step "observed stack up ($BAEDAL_STACK_DIR, port offset $BAEDAL_PORT_OFFSET, $BAEDAL_URL)"
node tools/stack/stack.ts up --observe

step "one order, one trace; Prometheus under load (test/observe)"
node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects observe --runInBand \
  ${BAEDAL_TEST_RESULTS:+--json --outputFile="$BAEDAL_TEST_RESULTS/observe.json"}
