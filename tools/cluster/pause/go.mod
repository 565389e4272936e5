// The sandbox ("pause") program of every pod: containerd's sandbox_image
// runs it as the pod's first process. No registry is reachable here, so the
// image is built locally from this binary (tools/cluster/images.sh).
module github.com/baedal/baedal/tools/cluster/pause

go 1.26
