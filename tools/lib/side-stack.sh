# Sourced by the scripts that test on a stack instance of their own beside the
# default one (tools/test-kafka.sh, tools/test-observe.sh), from the repo root:
#
#   side_stack <label> <state dir> <port offset> <what the stack is, for messages>
#
# exports the instance for every command after it and for the jest processes
# (env-options.ts reads BAEDAL_STACK_DIR and BAEDAL_PORT_OFFSET; the tests'
# entry URL BAEDAL_URL is derived from the same offset), refuses the default
# stack's folder or ports, runs tools/setup.sh, and stops the stack on exit if
# this run is the one that starts it (one already running is left running);
# when the script fails, it first prints what the stack's processes logged at
# warn or above since the script started (tools/stack/log-problems.ts).
# Defines `step <text>` for the script's headings.

side_stack() {
  side_stack_label="$1"
  side_stack_what="$4"
  export BAEDAL_STACK_DIR="$2"
  export BAEDAL_PORT_OFFSET="$3"
  case "$BAEDAL_STACK_DIR" in
    .stack | .stack/ | ./.stack | "$PWD/.stack")
      printf '[test:%s] refusing to use the default stack (.stack)\n' "$side_stack_label" >&2
      exit 2
      ;;
  esac
  if [[ "$BAEDAL_PORT_OFFSET" == 0 ]]; then
    printf '[test:%s] refusing port offset 0 (the default stack'"'"'s ports)\n' "$side_stack_label" >&2
    exit 2
  fi
  unset GATEWAY_PORT PORT
  export BAEDAL_URL="http://127.0.0.1:$((8080 + BAEDAL_PORT_OFFSET))"

  bash tools/setup.sh
  export PATH="$PWD/node_modules/.bin:$PATH"

  side_stack_started_ms=$(($(date +%s) * 1000))
  side_stack_started_here=1
  if curl -sf -o /dev/null "$BAEDAL_URL/healthz"; then
    side_stack_started_here=0
  fi
  trap side_stack_stop EXIT
}

step() { printf '\n\033[1m[test:%s] %s\033[0m\n' "$side_stack_label" "$*"; }

side_stack_stop() {
  local code=$?
  if [[ $code != 0 ]]; then
    step "warnings and errors the $side_stack_what logged during this run"
    node tools/stack/log-problems.ts "$side_stack_started_ms" "$BAEDAL_STACK_DIR" || true
  fi
  if [[ $side_stack_started_here == 1 ]]; then
    step "stopping the $side_stack_what this run started"
    node tools/stack/stack.ts down || true
  fi
  return "$code"
}
