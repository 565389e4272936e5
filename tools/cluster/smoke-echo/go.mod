// The tiny image of the cluster's smoke check (tools/cluster/smoke.sh): an
// HTTP server that answers with its pod's name, plus `lookup` and `get`
// subcommands run with kubectl exec inside a pod (no shell in the image).
module github.com/baedal/baedal/tools/cluster/smoke-echo

go 1.26
