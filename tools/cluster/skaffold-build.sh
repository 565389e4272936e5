#!/usr/bin/env bash
# skaffold's custom builder on the local cluster (skaffold.yaml, profile
# local-cluster; run through `npm run cluster -- skaffold dev -m baedal`):
#
#   tools/cluster/skaffold-build.sh SERVICE
#
# builds services/Dockerfile for SERVICE with buildah, as the cluster's own
# images are (tools/cluster/images.sh: same vfs store, same local Node base
# image), and pushes it as $IMAGE to the cluster's registry, where skaffold
# reads its digest and the kubelet pulls it. There is no Docker daemon here, so
# skaffold's local (unpushed) images are not an option: `build.local.push` must
# be on, which skaffold passes as PUSH_IMAGE=true. IMAGE, PUSH_IMAGE and
# BUILD_CONTEXT (the repo root) come from skaffold.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
svc="${1:-}"

log() { printf '[skaffold-build %s] %s\n' "$svc" "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

[[ -n "${IMAGE:-}" && -n "${BUILD_CONTEXT:-}" ]] || die "IMAGE and BUILD_CONTEXT unset: skaffold runs this (skaffold.yaml, profile local-cluster)"
root="$(cd "$BUILD_CONTEXT" && pwd)"
# shellcheck source=images.sh
source "$here/images.sh"
[[ " ${SERVICES[*]} " == *" $svc "* ]] || die "usage: skaffold-build.sh ${SERVICES[*]// /|}"
[[ "${PUSH_IMAGE:-}" == true ]] || die "PUSH_IMAGE is not true: the profile needs build.local.push (no Docker daemon to keep the image in)"
# The image name is the default repo (the registry) plus the artifact's; any
# other registry is out of reach of this machine.
[[ "$IMAGE" == 127.0.0.1:* ]] || die "$IMAGE is not in the cluster's registry: run skaffold through 'npm run cluster -- skaffold ...' (it sets the default repo)"

started=$SECONDS
node_base_ensure
# The registry keeps the image; buildah's store does not, pushed or not.
trap 'buildah_ rmi "$IMAGE" >/dev/null 2>&1 || true' EXIT
service_image_build "$svc" "$IMAGE"
log "built in $((SECONDS - started))s; pushing $IMAGE"
# Plain HTTP: the registry listens on 127.0.0.1 only.
buildah_ push --quiet --tls-verify=false "$IMAGE" "docker://$IMAGE" >/dev/null
log "$IMAGE built and pushed in $((SECONDS - started))s"
