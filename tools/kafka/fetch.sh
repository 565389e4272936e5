#!/usr/bin/env bash
# Fetch (or find) Apache Kafka's jars and print the absolute path of the folder
# holding them (a classpath of `<dir>/*` runs kafka.Kafka and kafka.tools.StorageTool).
#
#   KAFKA_LIBS=$(tools/kafka/fetch.sh)
#
# stdout carries exactly one line, the folder; all progress goes to stderr.
# Cache: ${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}/kafka/<version>/libs,
# <version> from tools/kafka/VERSION. A cached folder is reused when it was made
# from the same pom (pom.template.xml's hash is kept beside it); otherwise Maven
# resolves org.apache.kafka:kafka_2.13:<version> and its runtime dependencies
# from Maven Central (through ~/.m2, so a second checkout downloads nothing) and
# copies the jars into a temp folder that then replaces the cached one. A
# `flock` stops two fetches of the same version from running at once.
# Needs java (17+) and mvn (installed from Debian when missing); see tools/kafka/README.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[kafka] %s\n' "$*" >&2; }

# shellcheck source=../lib/cache.sh
source "$here/../lib/cache.sh"
version="$(pinned_version "$here" kafka)"
out_dir="$(cache_root)/kafka/$version"
libs="$out_dir/libs"
stamp="$out_dir/libs.pom-sha256"
pom_hash="$(sed "s/@KAFKA_VERSION@/$version/g" "$here/pom.template.xml" | sha256sum | cut -c1-64)"

cached() { [[ -d "$libs" && -f "$stamp" && "$(cat "$stamp")" == "$pom_hash" ]]; }

if cached; then
  printf '%s\n' "$(cd "$libs" && pwd -P)"
  exit 0
fi

# shellcheck source=../lib/java-maven.sh
source "$here/../lib/java-maven.sh"
need_java_and_maven "Kafka $version"

mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd -P)"
libs="$out_dir/libs"
stamp="$out_dir/libs.pom-sha256"

# Serialize concurrent fetchers of the same version (two stacks starting at once).
cache_lock "$out_dir" kafka "Kafka $version"
if cached; then
  printf '%s\n' "$libs"
  exit 0
fi

work="$(mktemp -d "$out_dir/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT
sed "s/@KAFKA_VERSION@/$version/g" "$here/pom.template.xml" >"$work/pom.xml"

log "fetching Apache Kafka $version (org.apache.kafka:kafka_2.13 and its dependencies) from Maven Central"
log "into $libs; a cold fetch downloads about 45 MB, progress follows"
start=$SECONDS
# Batch mode prints one "Downloaded from <repo>: <url> (<size> at <speed>)" line
# per file (Kafka's jars and poms, and the dependency plugin's own): show a line
# every 25 files, and pass warnings and errors through.
set +e
mvn -B -f "$work/pom.xml" \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
  -DincludeScope=runtime -DoutputDirectory="$work/libs" 2>&1 | awk '
  /^\[INFO\] Downloading from / { next }
  /^\[INFO\] Downloaded from / {
    n++
    if ($5 ~ /\.jar$/) { last = $5; sub(/.*\//, "", last) }
    if (n % 25 == 0) { printf "[kafka] downloaded %d files (last jar: %s)\n", n, last; fflush() }
    next
  }
  /^\[(WARNING|ERROR)\]/ || /BUILD FAILURE/ { print; fflush(); next }
  END { if (n > 0) { printf "[kafka] downloaded %d files in all\n", n; fflush() } }
' >&2
status=("${PIPESTATUS[@]}")
set -e
if [[ "${status[0]}" != 0 ]]; then
  log "error: mvn failed (exit ${status[0]}); see the [ERROR] lines above"
  exit 1
fi
count="$(find "$work/libs" -name '*.jar' | wc -l)"
if [[ ! -f "$work/libs/kafka_2.13-$version.jar" ]]; then
  log "error: kafka_2.13-$version.jar is missing from what mvn copied ($count jars)"
  exit 1
fi

rm -rf "$libs"
mv "$work/libs" "$libs"
printf '%s\n' "$pom_hash" >"$stamp"
log "Kafka $version ready in $((SECONDS - start))s: $count jars, $(du -sh "$libs" | cut -f1)"
printf '%s\n' "$libs"
