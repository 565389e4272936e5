#!/usr/bin/env bash
# One source of truth for what the chart shares with the rest of the repo.
# Helm can only read files inside the chart (.Files.Get), so the chart carries
# generated copies, each with a header naming its source:
#   components/*.yaml  -> charts/baedal/files/components/  (Dapr components, resiliency, configuration
#                                                         of the local stack; the chart substitutes hosts only)
#   loadtests/*.js     -> charts/baedal/files/loadtests/   (the k6 scripts the optional k6 Job runs)
#   deploy/prometheus/rules.yml -> charts/baedal/files/prometheus/rules.yml (alert and recording rules,
#                                                         for the Prometheus that scrapes the release)
#   the route table    -> charts/baedal/files/routes.yaml  (the Ingress paths: tools/k8s/chart-routes.ts
#                                                         prints them from packages/platform/src/contracts/routes.ts)
#
#   tools/k8s/sync-chart-files.sh          regenerate the copies (run after editing a source)
#   tools/k8s/sync-chart-files.sh --check  exit 1 and show the diff when a copy differs from its source
set -euo pipefail
shopt -s nullglob

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
export PATH="$root/node_modules/.bin:$PATH"
mode="${1:-write}"
files=charts/baedal/files

# generate <dir>: writes every copy under <dir>/{components,loadtests}
generate() {
  local out="$1" src name
  mkdir -p "$out/components" "$out/loadtests" "$out/prometheus"
  for src in components/*.yaml; do
    name="$(basename "$src")"
    {
      printf '# GENERATED from %s by tools/k8s/sync-chart-files.sh: edit the source, then rerun the script.\n' "$src"
      cat "$src"
    } >"$out/components/$name"
  done
  for src in loadtests/*.js; do
    name="$(basename "$src")"
    {
      printf '// GENERATED from %s by tools/k8s/sync-chart-files.sh: edit the source, then rerun the script.\n' "$src"
      cat "$src"
    } >"$out/loadtests/$name"
  done
  {
    printf '# GENERATED from deploy/prometheus/rules.yml by tools/k8s/sync-chart-files.sh: edit the source, then rerun the script.\n'
    cat deploy/prometheus/rules.yml
  } >"$out/prometheus/rules.yml"
  {
    printf '# GENERATED from packages/platform/src/contracts/routes.ts by tools/k8s/sync-chart-files.sh: edit the source, then rerun the script.\n'
    node tools/k8s/chart-routes.ts
  } >"$out/routes.yaml"
}

case "$mode" in
  write)
    rm -rf "$files/components" "$files/loadtests" "$files/prometheus" "$files/routes.yaml"
    generate "$files"
    echo "[sync] wrote $(find "$files/components" "$files/loadtests" "$files/prometheus" "$files/routes.yaml" -type f | wc -l) files under $files" >&2
    ;;
  --check)
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    generate "$tmp"
    stale=0
    # `+` lines are what the chart holds, `-` lines what the sources say.
    diff -ru "$tmp/components" "$files/components" >&2 || stale=1
    diff -ru "$tmp/loadtests" "$files/loadtests" >&2 || stale=1
    diff -ru "$tmp/prometheus" "$files/prometheus" >&2 || stale=1
    diff -u "$tmp/routes.yaml" "$files/routes.yaml" >&2 || stale=1
    if ((stale)); then
      echo "[sync] error: $files is out of date with components/, loadtests/, deploy/prometheus/ or the route table; run tools/k8s/sync-chart-files.sh" >&2
      exit 1
    fi
    echo "[sync] $files matches components/, loadtests/, deploy/prometheus/ and the route table" >&2
    ;;
  *)
    echo "usage: tools/k8s/sync-chart-files.sh [--check]" >&2
    exit 2
    ;;
esac
