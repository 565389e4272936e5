# shellcheck shell=bash
# Sourced by tools/cluster/cluster.sh: the images of the cluster's own pods,
# built here because no registry is reachable. Each is one static binary from
# tools/cluster/build.sh in an image `from scratch`, built with buildah (vfs
# storage, chroot isolation: no daemon, no overlay-in-overlay), saved as a
# docker-archive under a full docker.io/... name and imported into
# containerd's k8s.io namespace; pods use it with imagePullPolicy: Never.
#
# The tag is the binary's cache folder (<version>-<hash of its wrapper>), so a
# changed pin makes a new image and an unchanged one is never rebuilt: a warm
# `up` finds it in containerd and skips buildah entirely.

IMAGE_REPO=docker.io/baedal-local

image_name() {
  local path
  path="$("$here/build.sh" "$1")"
  printf '%s/%s:%s\n' "$IMAGE_REPO" "$1" "$(basename "$(dirname "$path")")"
}

image_ensure() {
  # image_ensure COMPONENT [USER]: the image in containerd, built if missing.
  local c=$1 user=${2:-65532} name binary ctr_=(ctr --address "$CONTAINERD_SOCK" -n k8s.io)
  name="$(image_name "$c")"
  if "${ctr_[@]}" images ls -q | grep -qxF "$name"; then
    return 0
  fi
  binary="$("$here/build.sh" "$c")"
  local store="${BAEDAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/baedal}/cluster-images"
  local b=(buildah --root "$store/storage" --runroot "$store/run" --storage-driver vfs)
  local archive="$store/$c.tar" work started=$SECONDS
  mkdir -p "$store"
  log "image $name (buildah from scratch + $(du -h "$binary" | cut -f1) binary)"
  work="$(nice -n 19 "${b[@]}" from --quiet scratch)"
  nice -n 19 "${b[@]}" copy --quiet --chmod 0755 "$work" "$binary" "/$c" >/dev/null
  "${b[@]}" config --entrypoint "[\"/$c\"]" --user "$user:$user" \
    --label "org.opencontainers.image.version=${name##*:}" "$work"
  nice -n 19 "${b[@]}" commit --quiet --rm "$work" "$name" >/dev/null
  rm -f "$archive"
  nice -n 19 "${b[@]}" push --quiet "$name" "docker-archive:$archive:$name" >/dev/null
  "${ctr_[@]}" images import "$archive" >/dev/null
  rm -f "$archive"
  "${b[@]}" rmi "$name" >/dev/null 2>&1 || true
  log "image $name imported in $((SECONDS - started))s"
}

images_ensure() {
  # The sandbox runs as the nobody-like 65535, as upstream's pause image does.
  image_ensure pause 65535
  image_ensure coredns
  image_ensure metrics-server
  image_ensure traefik
}
