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
# shellcheck source=../lib/cache.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cache.sh"
IMAGE_STORE="$(cache_root)/cluster-images"

# buildah on our own vfs store, niced.
buildah_() {
  nice -n 19 buildah --root "$IMAGE_STORE/storage" --runroot "$IMAGE_STORE/run" --storage-driver vfs "$@"
}

# The binary of one component: the slim daprd from tools/daprd, every other
# one from tools/cluster/build.sh.
binary_of() {
  if [[ "$1" == daprd ]]; then
    BAEDAL_DAPRD_IGNORE_PATH=1 "$here/../daprd/build.sh"
  else
    "$here/build.sh" "$1"
  fi
}

image_name() {
  local path
  path="$(binary_of "$1")"
  printf '%s/%s:%s\n' "$IMAGE_REPO" "$1" "$(basename "$(dirname "$path")")"
}

image_present() {
  # Not grep -q: it would stop reading early, and ctr's SIGPIPE fails the pipe.
  ctr --address "$CONTAINERD_SOCK" -n k8s.io images ls -q | grep -xF "$1" >/dev/null
}

image_import() {
  # image_import NAME: from buildah's store into containerd's k8s.io namespace.
  local name=$1 archive="$IMAGE_STORE/import.tar"
  rm -f "$archive"
  buildah_ push --quiet "$name" "docker-archive:$archive:$name" >/dev/null
  ctr --address "$CONTAINERD_SOCK" -n k8s.io images import "$archive" >/dev/null
  rm -f "$archive"
}

# image_bud NAME DOCKERFILE CONTEXT [BUILDAH_BUD_ARGS...]: a Dockerfile build
# into buildah's store only, from local images (the base image must be there).
image_bud() {
  local name=$1 dockerfile=$2 context=$3
  shift 3
  buildah_ bud --quiet --pull=never --isolation chroot --layers=false \
    -f "$dockerfile" "$@" -t "$name" "$context" >/dev/null
}

# image_hand_over NAME STARTED: a built image from buildah's store into
# containerd, which keeps it (buildah's store does not); logs the time since STARTED.
image_hand_over() {
  local name=$1 started=$2
  image_import "$name"
  log "image $name imported in $((SECONDS - started))s ($(buildah_ images --format '{{.Size}}' "$name"))"
  buildah_ rmi "$name" >/dev/null 2>&1 || true
}

# image_build_import NAME DOCKERFILE CONTEXT [BUILDAH_BUD_ARGS...]: image_bud,
# then image_hand_over.
image_build_import() {
  local name=$1 started=$SECONDS
  log "image $name (${2#"$3"/})"
  image_bud "$@"
  image_hand_over "$name" "$started"
}

image_ensure() {
  # image_ensure COMPONENT [USER]: the image in containerd, built if missing.
  local c=$1 user=${2:-65532} name binary work started=$SECONDS
  name="$(image_name "$c")"
  if image_present "$name"; then
    return 0
  fi
  binary="$(binary_of "$c")"
  mkdir -p "$IMAGE_STORE"
  log "image $name (buildah from scratch + $(du -h "$binary" | cut -f1) binary)"
  work="$(buildah_ from --quiet scratch)"
  buildah_ copy --quiet --chmod 0755 "$work" "$binary" "/$c" >/dev/null
  buildah_ config --entrypoint "[\"/$c\"]" --user "$user:$user" \
    --label "org.opencontainers.image.version=${name##*:}" "$work"
  buildah_ commit --quiet --rm "$work" "$name" >/dev/null
  image_hand_over "$name" "$started"
}

images_ensure() {
  # The sandbox runs as the nobody-like 65535, as upstream's pause image does.
  image_ensure pause 65535
  image_ensure coredns
  image_ensure metrics-server
  image_ensure traefik
}

# ---- Dapr --------------------------------------------------------------------

# The images the dapr Helm chart names: <global.registry>/<component>:<global.tag>
# for the control plane (one binary each, run as /<component>, as upstream's
# images do) and the sidecar's, given to the chart by its full name.
DAPR_CONTROL_PLANE=(operator injector sentry placement)

dapr_images_ensure() {
  local c
  for c in "${DAPR_CONTROL_PLANE[@]}" daprd; do image_ensure "$c"; done
}

# ---- the services --------------------------------------------------------------

# services/Dockerfile builds FROM node:24.21.0-bookworm-slim, which no registry
# gives us: a local image of that name holds a Debian bookworm minbase root
# filesystem (mmdebstrap), the pinned Node binary from node_modules (the npm
# package `node`), npm 11 (`npm pack`) and this machine's CA bundle as
# NODE_EXTRA_CA_CERTS (npm ci inside the build goes through its TLS proxy).
NODE_BASE_IMAGE=docker.io/library/node:24.21.0-bookworm-slim
SERVICES=(order payment store delivery customer edge)

node_base_ensure() {
  local node="$root/node_modules/node/bin/node" dir="$IMAGE_STORE/node-base" key npm_tgz work started=$SECONDS
  [[ -x "$node" ]] || die "$node is missing: npm ci"
  # The image's tag names the Node version the Dockerfile expects.
  [[ "${NODE_BASE_IMAGE##*:}" == "$("$node" --version | tr -d v)-"* ]] ||
    die "node_modules has Node $("$node" --version), the Dockerfile's base is $NODE_BASE_IMAGE"
  mkdir -p "$dir"
  npm_tgz="$(find "$dir" -maxdepth 1 -name 'npm-11.*.tgz' | sort -V | tail -n1)"
  if [[ -z "$npm_tgz" ]]; then
    log "npm pack npm@11"
    (cd "$dir" && npm pack --silent npm@11 >/dev/null)
    npm_tgz="$(find "$dir" -maxdepth 1 -name 'npm-11.*.tgz' | sort -V | tail -n1)"
  fi
  key="$( (
    sha256sum "$node" "$npm_tgz" /etc/ssl/certs/ca-certificates.crt | cut -d' ' -f1
    declare -f node_base_ensure # the recipe itself
  ) | sha256sum | cut -c1-12)"
  if [[ -f "$dir/key" && "$(cat "$dir/key")" == "$key" ]] &&
    buildah_ inspect --type image "$NODE_BASE_IMAGE" >/dev/null 2>&1; then
    return 0
  fi
  log "base image $NODE_BASE_IMAGE ($key): mmdebstrap bookworm minbase + Node $("$node" --version) + $(basename "$npm_tgz" .tgz)"
  rm -rf "$dir/root" "$dir/rootfs.tar"
  nice -n 19 mmdebstrap --quiet --variant=minbase bookworm "$dir/rootfs.tar" >&2
  mkdir -p "$dir/root/usr/local/bin" "$dir/root/usr/local/lib/node_modules/npm" "$dir/root/etc/ssl/certs"
  cp "$node" "$dir/root/usr/local/bin/node"
  tar -xzf "$npm_tgz" -C "$dir/root/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$dir/root/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$dir/root/usr/local/bin/npx"
  cp /etc/ssl/certs/ca-certificates.crt "$dir/root/etc/ssl/certs/ca-certificates.crt"
  work="$(buildah_ from --quiet scratch)"
  buildah_ add --quiet "$work" "$dir/rootfs.tar" / >/dev/null
  buildah_ copy --quiet "$work" "$dir/root" / >/dev/null
  buildah_ config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env "NODE_VERSION=$("$node" --version | tr -d v)" \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt \
    --env NPM_CONFIG_UPDATE_NOTIFIER=false \
    --cmd node "$work"
  buildah_ commit --quiet --rm "$work" "$NODE_BASE_IMAGE" >/dev/null
  rm -rf "$dir/root" "$dir/rootfs.tar"
  echo "$key" >"$dir/key"
  log "base image built in $((SECONDS - started))s"
}

# One tag for the six images: a hash over the build context services/Dockerfile
# sees (the .dockerignore allow-list, tracked files) and the base image.
services_tag() {
  (
    cd "$root"
    git ls-files -co --exclude-standard -- package.json package-lock.json packages/platform services |
      grep -v -e '/node_modules/' -e '\.spec\.ts$' -e '/test/' -e '/coverage/' | LC_ALL=C sort |
      xargs -d '\n' sha256sum
    cat "$IMAGE_STORE/node-base/key"
  ) | sha256sum | cut -c1-12
}

# service_image_build SERVICE NAME [BUILD]: services/Dockerfile for SERVICE,
# from the build context at $root, as NAME, by BUILD: image_bud (the default:
# into buildah's store only, as skaffold-build.sh wants it, which pushes it to
# the registry) or image_build_import.
service_image_build() {
  "${3:-image_bud}" "$2" "$root/services/Dockerfile" "$root" --build-arg "SERVICE=$1"
}

services_images_ensure() {
  local tag svc name
  node_base_ensure
  tag="$(services_tag)"
  for svc in "${SERVICES[@]}"; do
    name="$IMAGE_REPO/$svc:$tag"
    image_present "$name" && continue
    service_image_build "$svc" "$name" image_build_import
  done
  printf '%s\n' "$tag"
}

# ---- the load-test runner ------------------------------------------------------

# The chart's load-test Job (`helm test`) runs grafana/k6 by default; k6 is
# AGPL-licensed and is neither used nor built here, so the cluster runs the
# local runner behind k6's command line instead (loadtests/local/Dockerfile,
# loadtests/local/k6.ts). Its build context is a folder of only the files that
# Dockerfile copies (tracked or new, no tests); the tag hashes them and the base image.
LOADTEST_RUNNER_FILES=(package.json package-lock.json packages/platform test/kit/api.ts test/kit/quantiles.ts loadtests/local)

loadtest_runner_files() {
  (cd "$root" && git ls-files -co --exclude-standard -- "${LOADTEST_RUNNER_FILES[@]}" |
    grep -v -e '/node_modules/' -e '\.spec\.ts$' | LC_ALL=C sort)
}

# Prints the image's name.
loadtest_runner_image_ensure() {
  local tag name context
  node_base_ensure
  tag="$( (
    cd "$root"
    loadtest_runner_files | xargs -d '\n' sha256sum
    cat "$IMAGE_STORE/node-base/key"
  ) | sha256sum | cut -c1-12)"
  name="$IMAGE_REPO/loadtest-runner:$tag"
  if ! image_present "$name"; then
    context="$(mktemp -d "$IMAGE_STORE/loadtest-context.XXXXXX")"
    (cd "$root" && loadtest_runner_files | tar -cf - -T - | tar -xf - -C "$context")
    image_build_import "$name" "$context/loadtests/local/Dockerfile" "$context"
    rm -rf "$context"
  fi
  printf '%s\n' "$name"
}

# ---- the trial's MariaDB and Redis -----------------------------------------------

# The chart's in-cluster MariaDB and Redis name the official images; here they
# are Debian bookworm's mariadb-server and redis-server (what the local stack
# runs) on a minbase root filesystem, as docker.io/baedal-local/mariadb and
# .../redis. The tag hashes the package list and the entrypoint.
debian_image_ensure() {
  # debian_image_ensure NAME PACKAGES [ENTRYPOINT_FILE]: prints the image's name.
  local n=$1 packages=$2 entry=${3:-} tag name dir="$IMAGE_STORE/$1-rootfs" work started=$SECONDS
  tag="$( (
    echo "bookworm minbase $packages"
    [[ -z "$entry" ]] || cat "$entry"
  ) | sha256sum | cut -c1-12)"
  name="$IMAGE_REPO/$n:$tag"
  if ! image_present "$name"; then
    log "image $name (mmdebstrap bookworm minbase + $packages)"
    mkdir -p "$dir"
    rm -f "$dir/rootfs.tar"
    nice -n 19 mmdebstrap --quiet --variant=minbase --include="$packages" \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      bookworm "$dir/rootfs.tar" >&2
    work="$(buildah_ from --quiet scratch)"
    buildah_ add --quiet "$work" "$dir/rootfs.tar" / >/dev/null
    if [[ -n "$entry" ]]; then
      buildah_ copy --quiet --chmod 0755 "$work" "$entry" /usr/local/bin/docker-entrypoint.sh >/dev/null
      buildah_ config --entrypoint '["/usr/local/bin/docker-entrypoint.sh"]' "$work"
    fi
    buildah_ config --user 999:999 --label "org.opencontainers.image.version=$tag" "$work"
    buildah_ commit --quiet --rm "$work" "$name" >/dev/null
    rm -rf "$dir"
    image_hand_over "$name" "$started"
  fi
  printf '%s\n' "$name"
}

mariadb_image_ensure() { debian_image_ensure mariadb mariadb-server,mariadb-client "$here/images/mariadb-entrypoint.sh"; }
redis_image_ensure() { debian_image_ensure redis redis-server; }
