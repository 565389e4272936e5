{{/*
Dapr: the local stack's resources read from files/components/ (dapr.yaml
renders them), the pod annotations that put a sidecar beside the app, and the
Secrets of each service's Dapr API and app tokens.
*/}}

{{/* A Dapr resource of the local stack, read from files/components/<file> (generated from components/). */}}
{{- define "baedal.localComponent" -}}
{{- $path := printf "files/components/%s" .file -}}
{{- $raw := .root.Files.Get $path -}}
{{- if not $raw -}}
{{- fail (printf "\n\n%s is missing: run tools/k8s/sync-chart-files.sh (it copies components/ into the chart)" $path) -}}
{{- end -}}
{{- $raw -}}
{{- end -}}

{{/*
File under components/ of the pub/sub the release uses, as the local stack
picks it per broker (tools/stack/broker.ts `pubsubFiles`): pubsub.yaml for
Redis Streams, pubsub-kafka.yaml for Kafka. Both name the component `pubsub`.
*/}}
{{- define "baedal.pubsubFile" -}}
{{- ternary "pubsub-kafka.yaml" "pubsub.yaml" (eq .Values.pubsub.type "kafka") -}}
{{- end -}}

{{/* Name of the Dapr Configuration the sidecars use (metadata.name of components/config.yaml). */}}
{{- define "baedal.daprConfigName" -}}
{{- (include "baedal.localComponent" (dict "root" . "file" "config.yaml") | fromYaml).metadata.name -}}
{{- end -}}

{{/*
Dapr metadata list (dict items overrides): the local stack's name/value items,
with the items named in overrides replaced and any extra ones appended. An
override is a full item ({name, value} or {name, secretKeyRef}).
*/}}
{{- define "baedal.daprMetadata" -}}
{{- $overrides := .overrides -}}
{{- $out := list -}}
{{- $seen := dict -}}
{{- range .items -}}
{{- if hasKey $overrides .name -}}
{{- $out = append $out (get $overrides .name) -}}
{{- else -}}
{{- $out = append $out . -}}
{{- end -}}
{{- $_ := set $seen .name true -}}
{{- end -}}
{{- range $name := keys $overrides | sortAlpha -}}
{{- if not (hasKey $seen $name) -}}
{{- $out = append $out (get $overrides $name) -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Pod annotations that put a Dapr sidecar beside the app (dict root name values). */}}
{{- define "baedal.daprAnnotations" -}}
{{- $d := .root.Values.dapr -}}
{{- $r := $d.sidecar.resources -}}
dapr.io/enabled: "true"
dapr.io/app-id: {{ .name | quote }}
dapr.io/app-port: {{ .root.Values.service.targetPort | quote }}
dapr.io/app-protocol: "http"
dapr.io/config: {{ include "baedal.daprConfigName" .root | quote }}
dapr.io/enable-app-health-check: "true"
dapr.io/app-health-check-path: "/healthz"
dapr.io/app-health-probe-interval: {{ $d.appHealthCheck.probeIntervalSeconds | quote }}
dapr.io/app-health-probe-timeout: {{ $d.appHealthCheck.probeTimeoutMilliseconds | quote }}
dapr.io/app-health-threshold: {{ $d.appHealthCheck.threshold | quote }}
dapr.io/log-level: {{ $d.logLevel | quote }}
dapr.io/log-as-json: {{ $d.logAsJson | quote }}
dapr.io/enable-metrics: "true"
dapr.io/metrics-port: {{ $d.metricsPort | quote }}
dapr.io/graceful-shutdown-seconds: {{ $d.gracefulShutdownSeconds | quote }}
{{- /*
Kubernetes sends SIGTERM to both containers at once, but the app keeps taking
requests through its preStop pause (until every proxy has dropped the pod) and
finishes those in flight: its sidecar must serve it until then, not quit at
once (a placed order would find no sidecar to charge the payment through).
*/}}
{{- with $d.blockShutdownSeconds }}
dapr.io/block-shutdown-duration: {{ printf "%ds" (int .) | quote }}
{{- end }}
{{- /* The operator resolves the components' secretKeyRefs; the sidecar needs no Kubernetes API access. */}}
dapr.io/disable-builtin-k8s-secret-store: "true"
dapr.io/sidecar-cpu-request: {{ $r.requests.cpu | quote }}
dapr.io/sidecar-memory-request: {{ $r.requests.memory | quote }}
{{- with $r.limits.cpu }}
dapr.io/sidecar-cpu-limit: {{ . | quote }}
{{- end }}
dapr.io/sidecar-memory-limit: {{ $r.limits.memory | quote }}
{{- with $d.sidecar.env }}
{{- $pairs := list }}
{{- range $k, $v := . }}
{{- $pairs = append $pairs (printf "%s=%s" $k $v) }}
{{- end }}
dapr.io/env: {{ join "," $pairs | quote }}
{{- end }}
dapr.io/api-token-secret: {{ include "baedal.daprTokenSecretName" (dict "root" .root "name" .name "kind" "api") | quote }}
dapr.io/app-token-secret: {{ include "baedal.daprTokenSecretName" (dict "root" .root "name" .name "kind" "app") | quote }}
{{- end -}}

{{/*
The Secret (key `token`) of one service's Dapr token (dict root name kind):
kind "api" is DAPR_API_TOKEN (the app shows its sidecar), "app" is APP_API_TOKEN
(the sidecar shows its app). dapr.apiTokenSecret / dapr.appTokenSecret name one
existing Secret for every service; otherwise each service has its own, made by
templates/secrets.yaml.
*/}}
{{- define "baedal.daprTokenSecretName" -}}
{{- $existing := ternary .root.Values.dapr.apiTokenSecret .root.Values.dapr.appTokenSecret (eq .kind "api") -}}
{{- if $existing -}}
{{- $existing -}}
{{- else -}}
{{- /* The full name is cut, not the suffix: the api and app Secrets of a service must stay apart. */ -}}
{{- $suffix := printf "-%s-dapr-%s-token" .name .kind -}}
{{- printf "%s%s" (include "baedal.fullname" .root | trunc (int (sub 63 (len $suffix))) | trimSuffix "-") $suffix -}}
{{- end -}}
{{- end -}}

{{/* The services that run beside a Dapr sidecar, each with its two tokens. */}}
{{- define "baedal.daprServices" -}}
order payment store delivery customer
{{- end -}}
