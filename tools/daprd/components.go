package main

// The only Dapr components compiled into baedal's daprd. Each registration
// mirrors the matching file in github.com/dapr/dapr v1.18.0
// cmd/daprd/components/<kind>_<name>.go (Apache-2.0). To add one, copy the
// import and RegisterComponent/RegisterOutputBinding line from that file here,
// run `go mod tidy` in tools/daprd, and rebuild with build.sh.

import (
	"github.com/dapr/components-contrib/bindings/localstorage"
	nrKubernetes "github.com/dapr/components-contrib/nameresolution/kubernetes"
	"github.com/dapr/components-contrib/nameresolution/sqlite"
	pubsubKafka "github.com/dapr/components-contrib/pubsub/kafka"
	pubsubRedis "github.com/dapr/components-contrib/pubsub/redis"
	"github.com/dapr/components-contrib/secretstores/local/env"
	"github.com/dapr/components-contrib/secretstores/local/file"
	stateRedis "github.com/dapr/components-contrib/state/redis"

	bindingsLoader "github.com/dapr/dapr/pkg/components/bindings"
	nrLoader "github.com/dapr/dapr/pkg/components/nameresolution"
	pubsubLoader "github.com/dapr/dapr/pkg/components/pubsub"
	secretstoresLoader "github.com/dapr/dapr/pkg/components/secretstores"
	stateLoader "github.com/dapr/dapr/pkg/components/state"
)

func init() {
	// pubsub.redis, pubsub.kafka
	pubsubLoader.DefaultRegistry.RegisterComponent(pubsubRedis.NewRedisStreams, "redis")
	pubsubLoader.DefaultRegistry.RegisterComponent(pubsubKafka.NewKafka, "kafka")

	// state.redis
	stateLoader.DefaultRegistry.RegisterComponent(stateRedis.NewRedisStateStore, "redis")

	// nameresolution.sqlite (service discovery between sidecars on one host)
	nrLoader.DefaultRegistry.RegisterComponent(sqlite.NewResolver, "sqlite")
	// nameresolution.kubernetes (Kubernetes mode's default: the app's
	// <app-id>-dapr Service in cluster DNS; the chart's Configuration sets none)
	nrLoader.DefaultRegistry.RegisterComponent(nrKubernetes.NewResolver, "kubernetes")

	// bindings.localstorage (output only; notification sink)
	bindingsLoader.DefaultRegistry.RegisterOutputBinding(localstorage.NewLocalStorage, "localstorage")

	// secretstores.local.env, secretstores.local.file
	secretstoresLoader.DefaultRegistry.RegisterComponent(env.NewEnvSecretStore, "local.env")
	secretstoresLoader.DefaultRegistry.RegisterComponent(file.NewLocalSecretStore, "local.file")
}
