#!/usr/bin/env bash
# Fetch (or find) the Zipkin server, UI included, and print the absolute path
# of its jar:
#
#   ZIPKIN_JAR=$(tools/zipkin/fetch.sh)
#
# stdout carries exactly one line, the jar; all progress goes to stderr.
# The jar is io.zipkin:zipkin-server:<version>:jar:exec from Maven Central (the
# executable build upstream publishes: the server, its Lens UI, in-memory
# storage), <version> from tools/zipkin/VERSION. Cache:
#   ${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}/zipkin/<version>/zipkin-server-<version>-exec.jar
# Maven resolves it through ~/.m2 (a second checkout downloads nothing) and
# checks its checksum; the copy then moves into the cache in one rename. A
# `flock` stops two fetches of the same version from running at once.
# Needs java (17+) and mvn (installed from Debian when missing, as tools/kafka/fetch.sh does).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf '[zipkin] %s\n' "$*" >&2; }

# shellcheck source=../lib/cache.sh
source "$here/../lib/cache.sh"
version="$(pinned_version "$here" zipkin)"
out_dir="$(cache_root)/zipkin/$version"
name="zipkin-server-$version-exec.jar"

if [[ -s "$out_dir/$name" ]]; then
  printf '%s\n' "$(cd "$out_dir" && pwd -P)/$name"
  exit 0
fi

# shellcheck source=../lib/java-maven.sh
source "$here/../lib/java-maven.sh"
need_java_and_maven "Zipkin $version"

mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd -P)"
jar="$out_dir/$name"

# Serialize concurrent fetchers of the same version (two stacks starting at once).
cache_lock "$out_dir" zipkin "Zipkin $version"
if [[ -s "$jar" ]]; then
  printf '%s\n' "$jar"
  exit 0
fi

work="$(mktemp -d "$out_dir/.fetch.XXXXXX")"
trap 'rm -rf "$work"' EXIT

log "fetching Zipkin $version (io.zipkin:zipkin-server:$version:jar:exec) from Maven Central"
log "into $out_dir; a cold fetch downloads about 130 MB, progress follows"
start=$SECONDS
# Without -B Maven draws its transfer progress ("Progress (1): 60/131 MB") on
# one line with carriage returns: show one line per 10 MB of the big jar (the
# plugin's own small files stay quiet), and pass the downloaded jars, warnings
# and errors through.
set +e
mvn --strict-checksums org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
  -Dartifact="io.zipkin:zipkin-server:$version:jar:exec" -DoutputDirectory="$work" 2>&1 |
  tr '\r' '\n' | sed 's/\x1b\[[0-9;]*m//g' | awk '
  /^Progress \(1\): [0-9.]+\/[0-9]+ MB *$/ {
    split($3, size, "/")
    mb = int(size[1])
    if (size[2] + 0 >= 50 && mb >= shown + 10) { shown = mb - mb % 10; printf "[zipkin] %d of %d MB\n", mb, size[2]; fflush() }
    next
  }
  /^Downloaded from .*-exec\.jar/ { print "[zipkin] " $0; fflush(); next }
  /^\[(WARNING|ERROR)\]/ || /BUILD FAILURE/ { print; fflush(); next }
' >&2
status=("${PIPESTATUS[@]}")
set -e
if [[ "${status[0]}" != 0 ]]; then
  log "error: mvn failed (exit ${status[0]}); see the [ERROR] lines above"
  exit 1
fi
if [[ ! -s "$work/$name" ]]; then
  log "error: $name is missing from what mvn copied"
  exit 1
fi

mv "$work/$name" "$jar"
log "Zipkin $version ready in $((SECONDS - start))s: $(du -h "$jar" | cut -f1)"
printf '%s\n' "$jar"
