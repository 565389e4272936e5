# shellcheck shell=bash
# Sourced by the scripts that build or fetch a pinned tool into the cache
# outside the repo (tools/lib/go-build-cached.sh, tools/kafka/fetch.sh,
# tools/zipkin/fetch.sh, tools/cluster/images.sh): where the cache is, which
# version a folder pins, and how two fetchers of the same thing wait for each other.

# cache_root: the cache folder, ${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}.
cache_root() {
  printf '%s\n' "${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}"
}

# pinned_version DIR TAG: the version pinned in DIR/VERSION; an error (as TAG) when it is empty.
pinned_version() {
  local version
  version="$(tr -d ' \t\r\n' <"$1/VERSION")"
  if [[ -z "$version" ]]; then
    printf '[%s] error: %s/VERSION is empty\n' "$2" "$1" >&2
    return 1
  fi
  printf '%s\n' "$version"
}

# cache_lock DIR TAG WHAT: holds DIR/.lock on file descriptor 9 for the rest of
# the calling process, saying (as TAG) that it waits when another process is
# making WHAT. The caller checks the cache again after it returns: the other
# process may have made WHAT meanwhile. Without flock it returns at once.
cache_lock() {
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$1/.lock"
  if ! flock -n 9; then
    printf '[%s] another process is making %s; waiting...\n' "$2" "$3" >&2
    flock 9
  fi
}
