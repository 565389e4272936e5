# shellcheck shell=bash
# Sourced by tools/kafka/fetch.sh and tools/zipkin/fetch.sh: Java (17 or newer,
# the runtime of both) and Maven (to fetch their jars from Maven Central once),
# installed from Debian when missing, as tools/setup.sh does for MariaDB and Redis.

# need_java_and_maven WHAT: WHAT names the caller's program in the error; the
# caller's `log` prints to stderr. Returns 1 when they are missing and cannot be installed.
need_java_and_maven() {
  local missing=() sudo=()
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  ((${#missing[@]} > 0)) || return 0
  if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then sudo=(sudo); fi
  if ! command -v apt-get >/dev/null 2>&1 || { [[ $(id -u) -ne 0 ]] && ((${#sudo[@]} == 0)); }; then
    log "error: missing ${missing[*]}: $1 needs Java 17+ to run and Maven once to fetch it"
    return 1
  fi
  log "installing Debian packages: ${missing[*]}"
  { "${sudo[@]}" apt-get update && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"; } >&2
}
