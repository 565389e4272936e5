#!/usr/bin/env bash
# `npm run test:cluster` (and the last suite of `npm test`): the chart on the
# local Kubernetes, end to end.
#   1. the cluster's Debian packages when missing (`cluster.sh install-deps`),
#      `cluster.sh up` (cold or warm: builds and images are cached), `dapr`;
#   2. the replicas check (replicas_on_empty_databases below): the release
#      uninstalled (MariaDB's data with it), installed with
#      tools/cluster/replicas-values.yaml, the four services that migrate
#      scaled from 0 to 3 each at once: every pod Ready, no app container
#      restarted, one pod per database applied its migrations;
#   3. `baedal -f tools/cluster/hpa-values.yaml -f tools/cluster/loadtest-values.yaml`
#      (the trial install plus the HPA test's values and the load-test Job);
#      every pod of both namespaces Ready;
#   4. the cluster's smoke check (smoke.sh), then one whole saga through the
#      Ingress (loadtests/local/saga-timing.ts 1: order, payment, store, rider,
#      confirmation);
#   5. the integration suite of the local stack through the Ingress, unchanged
#      (jest project `cluster`: the files of test/integration that talk to the
#      entry point only; jest.config.js names the ones left out and why);
#   6. the HPA scale-out and scale-in test (loadtests/cluster/hpa.ts): the siege,
#      then, once scaled back in, the longer ramp (loadtests/siege.js's `ramp`
#      scenario, by the local runner), the timeline every 5 s, the checks (for each:
#      scaled out beyond minReplicas during the load, back at minReplicas after it,
#      zero failed requests from its start to the scale-in's end; the ramp answered
#      by more than one pod; every order consistent); it
#      writes <out>.{json,csv,svg}, out = .cluster/measurements/hpa-scale-out
#      (BAEDAL_HPA_OUT moves it; docs/measurements/hpa-scale-out is the committed run);
#   7. `helm test` of the release: the chart's load-test Job, smoke-sized, run by
#      the local runner's image (k6 is AGPL-licensed: not used here);
#   8. the developer loop (skaffold_dev below), after uninstalling the release:
#      `npm run cluster -- skaffold dev -m baedal`
#      in a temporary copy of the repo's tracked files deploys the six images it
#      builds as a release of its own; an edit of the edge's OpenAPI title in the copy
#      is rebuilt (the edge's image only) and served through the Ingress; then
#      SIGINT, on which skaffold uninstalls the release (the last step before down);
#   9. `cluster.sh down`, pass or fail (the state stays for a warm start), and a
#      check that nothing of the cluster is left: no process, mount, network
#      namespace, bridge or listening port. --keep-up leaves the cluster running.
# A failed check does not stop the later ones; a failed bring-up step does.
# Prints each step's time and the total; exit 1 when anything failed. With
# BAEDAL_TEST_RESULTS (tools/test.sh) it writes cluster.json (the checks as
# tests: passed, failed) and cluster-integration.json (jest's) there.
# Needs root, as cluster.sh does.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"

keep_up=0
[[ "${1:-}" == "--keep-up" ]] && keep_up=1

cluster_dir="${BAEDAL_CLUSTER_DIR:-$PWD/.cluster}"
ingress_port="${BAEDAL_CLUSTER_INGRESS_PORT:-18080}"
registry_port="${BAEDAL_CLUSTER_REGISTRY_PORT:-18082}"
hpa_out="${BAEDAL_HPA_OUT:-$cluster_dir/measurements/hpa-scale-out}"
results="${BAEDAL_TEST_RESULTS:-}"

started=$SECONDS
step_started=$SECONDS
current=""
timings=()
passed=0
failed=0
failures=()
# step NAME: closes the previous step (its time goes into the closing summary) and opens NAME.
step() {
  [[ -n "$current" ]] && timings+=("$(printf '%5ss  %s' $((SECONDS - step_started)) "$current")")
  current="$*"
  step_started=$SECONDS
  [[ -n "$current" ]] && printf '\n\033[1m[test:cluster %4ss] %s\033[0m\n' $((SECONDS - started)) "$current"
  return 0
}
# check NAME COMMAND...: runs one check, counts it, goes on either way.
check() {
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    printf '[test:cluster] FAILED: %s\n' "$name" >&2
  fi
}
cluster() { bash tools/cluster/cluster.sh "$@"; }

# Nothing of the cluster outlives `down`: a leftover would break the next run
# (a port held, a mount under the state dir, a stale network namespace).
nothing_left() {
  local left=()
  pgrep -f -- "$cluster_dir/" >/dev/null && left+=("processes: $(pgrep -f -- "$cluster_dir/" | tr '\n' ' ')")
  findmnt -rn -o TARGET | grep -qF -- "$cluster_dir/" && left+=("mounts under $cluster_dir")
  compgen -G '/run/netns/cni-*' >/dev/null && left+=("network namespaces /run/netns/cni-*")
  ip link show baedal0 >/dev/null 2>&1 && left+=("bridge baedal0")
  local port
  for port in 2379 2380 6443 10248 10249 10250 10256 10257 10259 "$ingress_port" $((ingress_port + 1)) "$registry_port"; do
    ss -Htln "sport = :$port" | grep -q . && left+=("a listener on port $port")
  done
  if ((${#left[@]} > 0)); then
    printf '[test:cluster] left after down: %s\n' "${left[@]}" >&2
    return 1
  fi
  echo "[test:cluster] nothing of the cluster is left"
}

# bring_up NAME COMMAND...: a step the later ones need; its failure ends the run
# (under set -e) and counts as a failed check.
bringing=""
bring_up() {
  step "$1"
  bringing=$1
  shift
  "$@"
  bringing=""
  passed=$((passed + 1))
}

finish() {
  local code=$?
  if [[ -n "$bringing" ]]; then
    failed=$((failed + 1))
    failures+=("$bringing")
  fi
  step "down"
  if [[ $keep_up == 1 ]]; then
    echo "left running (--keep-up): npm run cluster -- down"
  else
    check "down" cluster down
    check "nothing of the cluster left after down" nothing_left
  fi
  step ""
  printf '\n[test:cluster] step times:\n'
  printf '  %s\n' "${timings[@]}"
  ((failed == 0)) || code=1
  if [[ -n "$results" ]]; then
    printf '{"numPassedTests":%d,"numFailedTests":%d,"success":%s}\n' "$passed" "$failed" \
      "$([[ $code == 0 ]] && echo true || echo false)" >"$results/cluster.json"
  fi
  printf '[test:cluster] checks: %d passed, %d failed%s\n' "$passed" "$failed" \
    "$( ((${#failures[@]} == 0)) || printf ' (%s)' "$(IFS=,; echo "${failures[*]}")")"
  printf '[test:cluster] %s in %ss\n' "$([[ $code == 0 ]] && echo passed || echo FAILED)" $((SECONDS - started))
  exit "$code"
}
trap finish EXIT
# Interrupted, it still takes the cluster down (bash runs the EXIT trap on exit).
trap 'exit 130' INT TERM

# Anything else on the Ingress's port would answer the tests in its place.
ingress_port_free() {
  [[ -f "$cluster_dir/run/kube-apiserver.pid" ]] && return 0
  if ss -Htln "sport = :$ingress_port" | grep -q .; then
    echo "[test:cluster] port $ingress_port is taken by another process (BAEDAL_CLUSTER_INGRESS_PORT moves the Ingress)" >&2
    return 1
  fi
}
bring_up "Debian packages" cluster install-deps --if-missing
cluster_up() {
  ingress_port_free || return 1
  cluster up
}
bring_up "up" cluster_up
bring_up "dapr" cluster dapr

step "replicas: 3 pods of each migrating service at once on empty databases"
# The services that migrate a database at start (packages/platform/src/db.ts).
migrating=(order payment store delivery)
# app_restarts SERVICE: "<pod>=<restarts of its app container>" per pod.
app_restarts() {
  cluster kubectl -n "$namespace" get pods -l "app.kubernetes.io/component=$1" -o \
    jsonpath="{range .items[*]}{.metadata.name}={.status.containerStatuses[?(@.name==\"$1\")].restartCount}{\" \"}{end}"
}
# Every pod of the migrating services runs the pending migrations before it
# listens, under a MariaDB lock. From an empty database, three pods of each
# service started at once must all become Ready without a restart, and exactly
# one pod must have applied each database's migrations (the others find none
# pending; the payment service has two databases, its own and the gateway's,
# and two pods may each win one lock): on a database that was not empty, none
# would. Empty because the
# release is uninstalled first, and with it the MariaDB pod whose emptyDir held
# the data (a warm `up` keeps pods and their emptyDirs); the install brings
# everything else up with the four services at 0 replicas (so that no pod of
# theirs races MariaDB's first start), then each is scaled to 3 at once.
replicas_on_empty_databases() {
  local svc t0 deadline deploy pods restarts migrated ready rc=0
  cluster baedal-uninstall || return 1
  cluster baedal -f tools/cluster/replicas-values.yaml || return 1
  echo "[replicas] MariaDB pod $(cluster kubectl -n "$namespace" get pods -l app.kubernetes.io/component=mariadb \
    -o jsonpath='{.items[0].metadata.name}, created {.items[0].metadata.creationTimestamp}') (a new emptyDir)"
  t0=$SECONDS
  for svc in "${migrating[@]}"; do
    cluster kubectl -n "$namespace" scale deploy -l "app.kubernetes.io/component=$svc" --replicas=3 >/dev/null || return 1
  done
  # One budget of 240 s for the four rollouts, each given what is left of it.
  deadline=$((SECONDS + 240))
  for svc in "${migrating[@]}"; do
    deploy="$(cluster kubectl -n "$namespace" get deploy -l "app.kubernetes.io/component=$svc" \
      -o jsonpath='{.items[0].metadata.name}')" || return 1
    cluster kubectl -n "$namespace" rollout status "deploy/$deploy" \
      --timeout="$((deadline > SECONDS ? deadline - SECONDS : 1))s" >/dev/null || {
      echo "[replicas] $svc: not 3 Ready within 240s" >&2
      rc=1
    }
  done
  echo "[replicas] 12 pods of ${migrating[*]} scaled from 0 to 3 each: all Ready after $((SECONDS - t0))s"
  for svc in "${migrating[@]}"; do
    restarts="$(app_restarts "$svc")"
    pods="$(cluster kubectl -n "$namespace" get pods -l "app.kubernetes.io/component=$svc" -o name)"
    ready="$(cluster kubectl -n "$namespace" get pods -l "app.kubernetes.io/component=$svc" \
      -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}')"
    # "<pods> <database>" per database whose migrations a pod logged as applied.
    local pod
    migrated="$(for pod in $pods; do
      cluster kubectl -n "$namespace" logs "$pod" -c "$svc" | grep -F '"migrations applied"' |
        grep -o '"database":"[^"]*"' | sort -u || true
    done | sort | uniq -c | sed -E 's/"database":"([^"]*)"/\1/')"
    echo "[replicas] $svc: restarts of the app container ${restarts% }; Ready: ${ready% };" \
      "pods that applied each database's migrations: $(awk '{printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1}' <<<"$migrated")"
    [[ "$(wc -w <<<"$pods")" == 3 && "$ready" == "True True True " ]] || rc=1
    [[ "$restarts" =~ ^([^ =]+=0 ){3}$ ]] || rc=1
    # At least one database, and each migrated by exactly one pod.
    [[ -n "$migrated" ]] && ! grep -qv '^ *1 ' <<<"$migrated" || rc=1
  done
  # The next install (the HPA test's values) turns autoscaling on: from 1 pod
  # each, not 3 (their surge pods would not fit the node's CPUs) nor 0 (an HPA
  # leaves a Deployment at 0 replicas alone).
  for svc in "${migrating[@]}"; do
    cluster kubectl -n "$namespace" scale deploy -l "app.kubernetes.io/component=$svc" --replicas=1 >/dev/null || rc=1
  done
  return "$rc"
}
namespace="${BAEDAL_CLUSTER_NAMESPACE:-baedal}"
check "3 replicas of each migrating service on empty databases: all Ready, no restart, one migrated" \
  replicas_on_empty_databases

bring_up "baedal (trial values + tools/cluster/hpa-values.yaml + tools/cluster/loadtest-values.yaml)" \
  cluster baedal -f tools/cluster/hpa-values.yaml -f tools/cluster/loadtest-values.yaml
cluster kubectl get pods -n baedal || true
url="$(cluster url)"

step "smoke: scheduling, DNS, Services, Ingress, metrics"
check "smoke" cluster smoke
step "smoke: one order through the Ingress, placed to completed"
check "one saga through the Ingress" env BAEDAL_URL="$url" node loadtests/local/saga-timing.ts 1

step "integration tests through the Ingress (jest project cluster)"
# The suite talks to $url only; the stack instance it would find its local
# helpers in is an empty folder on ports no stack uses, so a test that reached
# past the entry point would fail, not touch a local stack.
jest_out=()
[[ -n "$results" ]] && jest_out=(--json --outputFile="$results/cluster-integration.json")
# The one test of those files left out: it signs its tokens, the valid control
# token among them, with the local stack's JWT secret, not the installation's.
local_secret_test='identity when a token is malformed'
integration() {
  # The tests audit the payment gateway's ledger with read-only SQL as root: here
  # in the cluster's MariaDB, through kubectl exec (the root password is the pod's own).
  local pod sql_command
  pod="$(cluster kubectl -n "$namespace" get pods -l app.kubernetes.io/component=mariadb \
    -o jsonpath='{.items[0].metadata.name}')"
  sql_command="$(node -e 'console.log(JSON.stringify(process.argv.slice(1)))' \
    "$(bash tools/cluster/build.sh kubectl)" --kubeconfig "$cluster_dir/admin.kubeconfig" \
    -n "$namespace" exec -i "$pod" -c mariadb -- \
    sh -c 'MYSQL_PWD="$MARIADB_ROOT_PASSWORD" exec mariadb --no-defaults --protocol=socket --socket=/run/mysqld/mysqld.sock -uroot "$@"' sh)"
  BAEDAL_SQL_COMMAND="$sql_command" \
    BAEDAL_URL="$url" BAEDAL_BEHIND_INGRESS=1 BAEDAL_STACK_DIR="$cluster_dir/no-local-stack" BAEDAL_PORT_OFFSET=12000 \
    node --experimental-vm-modules node_modules/jest/bin/jest.js --selectProjects cluster --runInBand \
    --testNamePattern "^(?!$local_secret_test)" "${jest_out[@]}"
}
# jest's own JSON counts its tests; without it the run is one check.
if [[ -n "$results" ]]; then
  integration || { failures+=("integration tests") && failed_jest=1; }
  [[ ${failed_jest:-0} == 0 ]] || printf '[test:cluster] FAILED: integration tests\n' >&2
else
  check "integration tests through the Ingress" integration
fi

step "HPA: scale-out and scale-in under the siege, then under the ramp"
check "HPA scale-out and scale-in" node loadtests/cluster/hpa.ts --url "$url" --out "$hpa_out"

step "helm test: the chart's load-test Job, by the local runner's image"
# The release's `helm test` hook (charts/baedal/templates/loadtest.yaml) as
# loadtest-values.yaml sizes it: a Job whose container gets k6's arguments,
# here the local runner's image (k6 is AGPL-licensed: not used here). Passes
# only when helm test did, the Job succeeded and the runner exited 0 (99: a
# threshold of the script was crossed).
helm_test() {
  local rc=0 code succeeded
  cluster helm test baedal --namespace "$namespace" --timeout 5m || rc=1
  # The runner's summary (helm's --logs prints a test Pod's, not a Job's).
  cluster kubectl -n "$namespace" logs -l app.kubernetes.io/component=loadtest --tail=-1 || rc=1
  code="$(cluster kubectl -n "$namespace" get pods -l app.kubernetes.io/component=loadtest \
    -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode}')"
  succeeded="$(cluster kubectl -n "$namespace" get jobs -l app.kubernetes.io/component=loadtest \
    -o jsonpath='{.items[0].status.succeeded}')"
  echo "[helm test] Job: ${succeeded:-0} succeeded; the runner's exit code: ${code:-none}"
  [[ $rc == 0 && "$code" == 0 && "$succeeded" == 1 ]]
}
check "helm test: the load-test Job succeeded, its thresholds held" helm_test

step "skaffold dev: an edit of the edge reaches its pod through the Ingress"
# The title of the OpenAPI document the edge serves through the Ingress.
served_title() {
  curl -fsS "$url/openapi.json" |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).info.title))'
}
# In a copy, never the checkout: the test edits a file and skaffold watches the
# copy's tree. Bounded: the first build and deploy (six images, ~30 s each, then
# every pod rolled) within 20 min, the edit served within 10 min, the exit
# within 3 min. The edit is a code change of the edge (the title literal of its
# OpenAPI document): what it serves can only change with a new image.
skaffold_dev() {
  local copy log pid marker title t0 t_edit deadline built_after rc=0
  copy="$(mktemp -d "${TMPDIR:-/tmp}/baedal-skaffold.XXXXXX")"
  log="$cluster_dir/logs/skaffold-dev.log"
  git ls-files -z | tar --null -T - -cf - | tar -xf - -C "$copy"
  # skaffold deploys a release of its own (its images, its values) from
  # nothing: an upgrade of the trial release would roll every pod at once,
  # MariaDB's too, and the surge pods would not fit the node's two CPUs.
  cluster baedal-uninstall || return 1
  # The base image's recipe reads the pinned Node binary from node_modules.
  ln -s "$PWD/node_modules" "$copy/node_modules"
  t0=$SECONDS
  # exec'd by cluster.sh: $! is skaffold itself. Its output only goes to the log.
  BAEDAL_CLUSTER_DIR="$cluster_dir" bash "$copy/tools/cluster/cluster.sh" skaffold dev -m baedal \
    --port-forward=off --build-concurrency=1 --tolerate-failures-until-deadline >"$log" 2>&1 &
  pid=$!
  # until_ SECONDS COMMAND...: COMMAND succeeds within SECONDS while skaffold runs.
  until_() {
    local limit=$1 started=$SECONDS
    shift
    until "$@"; do
      kill -0 "$pid" 2>/dev/null || {
        echo "[skaffold] skaffold exited early" >&2
        return 1
      }
      ((SECONDS - started < limit)) || {
        echo "[skaffold] not within ${limit}s: $*" >&2
        return 1
      }
      sleep 2
    done
  }
  if until_ 1200 grep -q 'Watching for changes' "$log"; then
    echo "[skaffold] first build (six images) and deploy: $((SECONDS - t0))s"
    title="$(served_title)"
    marker="$title (skaffold dev $$)"
    # The edit: the title literal of the edge's OpenAPI document, served at /openapi.json.
    if grep -qF "title: '$title'," "$copy/services/edge/src/openapi.ts"; then
      t_edit=$SECONDS
      sed -i "s|title: '$title',|title: '$marker',|" "$copy/services/edge/src/openapi.ts"
      served() { [[ "$(served_title 2>/dev/null)" == "$marker" ]]; }
      if until_ 600 served; then
        echo "[skaffold] edit -> served through the Ingress: $((SECONDS - t_edit))s"
      else
        rc=1
      fi
      # Only the edge's image is rebuilt (each build logs "Building [<image>]...").
      built_after="$(sed -n '/Watching for changes/,$p' "$log" | grep -o 'Building \[[^]]*\]' | sort -u | tr '\n' ' ')"
      echo "[skaffold] rebuilt after the edit: ${built_after:-nothing}"
      [[ "$built_after" == "Building [baedal/edge] " ]] || rc=1
    else
      echo "[skaffold] services/edge/src/openapi.ts has no title '$title'" >&2
      rc=1
    fi
  else
    rc=1
  fi
  # SIGINT, as Ctrl+C: skaffold uninstalls what it deployed, then exits.
  kill -INT "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 180))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "[skaffold] still running 180 s after SIGINT: killed" >&2
    kill -KILL "$pid" 2>/dev/null || true
    rc=1
  fi
  wait "$pid" 2>/dev/null || true
  ((rc == 0)) || tail -n 40 "$log" >&2
  echo "[skaffold] log: $log"
  rm -rf "$copy"
  return "$rc"
}
check "skaffold dev: an edit of a service reaches its pod" skaffold_dev

# A jest failure counts in its own JSON; it still makes this run fail.
[[ ${failed_jest:-0} == 0 ]] || exit 1
