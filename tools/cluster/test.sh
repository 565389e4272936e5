#!/usr/bin/env bash
# `npm run test:cluster`: the chart on the local Kubernetes, end to end.
#   1. `cluster.sh up` (cold or warm: builds and images are cached), `dapr`, and
#      `baedal -f tools/cluster/hpa-values.yaml` (the trial install plus the HPA
#      test's values); every pod of both namespaces Ready;
#   2. the cluster's smoke check (smoke.sh), then one whole saga through the
#      Ingress (loadtests/local/saga-timing.ts 1: order, payment, store, rider,
#      confirmation);
#   3. the HPA scale-out and scale-in test (loadtests/cluster/hpa.ts): the siege
#      on the order service, the timeline every 5 s, the checks (scaled out
#      beyond minReplicas during the load, zero failed requests during the
#      scale-in, every order consistent); it writes
#      docs/measurements/hpa-scale-out.{json,csv,svg} (BAEDAL_HPA_OUT moves them);
#   4. `cluster.sh down`, pass or fail (the state stays for a warm start);
#      --keep-up leaves the cluster running.
# Prints each step's time and the total. Needs root, as cluster.sh does.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"

keep_up=0
[[ "${1:-}" == "--keep-up" ]] && keep_up=1

started=$SECONDS
step_started=$SECONDS
current=""
timings=()
# step NAME: closes the previous step (its time goes into the closing summary) and opens NAME.
step() {
  [[ -n "$current" ]] && timings+=("$(printf '%5ss  %s' $((SECONDS - step_started)) "$current")")
  current="$*"
  step_started=$SECONDS
  [[ -n "$current" ]] && printf '\n\033[1m[test:cluster %4ss] %s\033[0m\n' $((SECONDS - started)) "$current"
  return 0
}
cluster() { bash tools/cluster/cluster.sh "$@"; }
finish() {
  local code=$?
  step "down"
  if [[ $keep_up == 1 ]]; then
    echo "left running (--keep-up): npm run cluster -- down"
  else
    cluster down || code=1
  fi
  step ""
  printf '\n[test:cluster] step times:\n'
  printf '  %s\n' "${timings[@]}"
  printf '[test:cluster] %s in %ss\n' "$([[ $code == 0 ]] && echo passed || echo FAILED)" $((SECONDS - started))
  exit "$code"
}
trap finish EXIT

step "up"
cluster up
step "dapr"
cluster dapr
step "baedal (trial values + tools/cluster/hpa-values.yaml)"
cluster baedal -f tools/cluster/hpa-values.yaml
cluster kubectl get pods -n baedal
url="$(cluster url)"

step "smoke: scheduling, DNS, Services, Ingress, metrics"
cluster smoke
step "smoke: one order through the Ingress, placed to completed"
BAEDAL_URL="$url" node loadtests/local/saga-timing.ts 1

step "HPA: scale-out under the siege, scale-in under steady traffic"
node loadtests/cluster/hpa.ts --url "$url" ${BAEDAL_HPA_OUT:+--out "$BAEDAL_HPA_OUT"}
