{{/*
NetworkPolicies: the peers and rules used by the per-service policies (dict
root ...), and the whole policy of a Dapr service (daprNetworkPolicy). The
release's default-deny policy is in common.yaml; the edge's and the load
test's own policies are in edge.yaml and loadtest.yaml.
*/}}

{{/* Egress to cluster DNS. */}}
{{- define "baedal.np.dnsEgress" -}}
- to:
    - namespaceSelector:
        {{- toYaml .Values.networkPolicy.dns.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .Values.networkPolicy.dns.podSelector | nindent 8 }}
  ports:
    - { protocol: UDP, port: 53 }
    - { protocol: TCP, port: 53 }
{{- end -}}

{{/* Egress of a Dapr sidecar to the Dapr control plane (sentry, operator, placement, scheduler). */}}
{{- define "baedal.np.daprEgress" -}}
- to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: {{ .Values.networkPolicy.daprNamespace }}
{{- end -}}

{{/*
Egress to a backing service on the given ports (dict root ports inClusterComponent):
the chart's own pod when it runs one, else any address (external hosts) plus
any pod in the cluster (a NetworkPolicy cannot name a DNS host).
*/}}
{{- define "baedal.np.backendEgress" -}}
- to:
    {{- if .inClusterComponent }}
    - podSelector:
        matchLabels:
          {{- include "baedal.selectorLabels" (dict "root" .root "name" .inClusterComponent) | nindent 10 }}
    {{- else }}
    {{- range .root.Values.networkPolicy.externalCidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
    - namespaceSelector: {}
    {{- end }}
  ports:
    {{- range .ports }}
    - { protocol: TCP, port: {{ . }} }
    {{- end }}
{{- end -}}

{{/* Ports of the pub/sub broker (Redis, or every Kafka broker's port). */}}
{{- define "baedal.pubsubPorts" -}}
{{- if eq .Values.pubsub.type "kafka" -}}
{{- $ports := list -}}
{{- range .Values.pubsub.kafka.brokers -}}
{{- $ports = append $ports (int (regexReplaceAll "^.*:([0-9]+)$" . "${1}")) -}}
{{- end -}}
{{- toJson (uniq $ports) -}}
{{- else -}}
{{- toJson (list (int .Values.redis.port)) -}}
{{- end -}}
{{- end -}}

{{/* Egress of a sidecar to the pub/sub broker. */}}
{{- define "baedal.np.pubsubEgress" -}}
{{- $inCluster := "" -}}
{{- if and (eq .Values.pubsub.type "redis") .Values.redis.inCluster.enabled -}}{{- $inCluster = "redis" -}}{{- end -}}
{{- include "baedal.np.backendEgress" (dict "root" . "ports" (include "baedal.pubsubPorts" . | fromJsonArray) "inClusterComponent" $inCluster) -}}
{{- end -}}

{{/* Egress of a service to its MySQL database. */}}
{{- define "baedal.np.databaseEgress" -}}
{{- $inCluster := "" -}}
{{- if .Values.database.inCluster.enabled -}}{{- $inCluster = "mariadb" -}}{{- end -}}
{{- include "baedal.np.backendEgress" (dict "root" . "ports" (list (int .Values.database.port)) "inClusterComponent" $inCluster) -}}
{{- end -}}

{{/* Ingress to a service's app port from the edge, the ingress controller and the in-cluster load test. */}}
{{- define "baedal.np.appIngress" -}}
- from:
    - podSelector:
        matchLabels:
          {{- include "baedal.selectorLabels" (dict "root" . "name" "edge") | nindent 10 }}
    {{- if .Values.ingress.enabled }}
    - namespaceSelector:
        {{- toYaml .Values.networkPolicy.ingressController.namespaceSelector | nindent 8 }}
      podSelector:
        {{- toYaml .Values.networkPolicy.ingressController.podSelector | nindent 8 }}
    {{- end }}
  ports:
    - { protocol: TCP, port: http }
{{- end -}}

{{/* Ingress from the metrics scraper to the app's /metrics and the sidecar's metrics port, when configured. */}}
{{- define "baedal.np.metricsIngress" -}}
{{- with .root.Values.networkPolicy.metrics.namespaceSelector -}}
- from:
    - namespaceSelector:
        {{- toYaml . | nindent 8 }}
  ports:
    - { protocol: TCP, port: http }
    {{- if $.dapr }}
    - { protocol: TCP, port: {{ $.root.Values.dapr.metricsPort }} }
    {{- end }}
{{- end }}
{{- end -}}

{{/* Ingress to a sidecar's internal gRPC port (service invocation) from the sidecars of the given app ids (dict root callers). */}}
{{- define "baedal.np.invocationIngress" -}}
- from:
    {{- range .callers }}
    - podSelector:
        matchLabels:
          {{- include "baedal.selectorLabels" (dict "root" $.root "name" .) | nindent 10 }}
    {{- end }}
  ports:
    - { protocol: TCP, port: 50002 }
{{- end -}}

{{/* Egress of a sidecar to the internal gRPC port of the sidecars of the given app ids (dict root callees). */}}
{{- define "baedal.np.invocationEgress" -}}
- to:
    {{- range .callees }}
    - podSelector:
        matchLabels:
          {{- include "baedal.selectorLabels" (dict "root" $.root "name" .) | nindent 10 }}
    {{- end }}
  ports:
    - { protocol: TCP, port: 50002 }
{{- end -}}

{{/*
One NetworkPolicy for a Dapr service (dict root name values db callers callees stateStore).
Ingress: the app port (edge, ingress controller, metrics), the sidecar's
invocation port from the callers. Egress: DNS, the Dapr control plane, the
pub/sub broker, the database, the callees' sidecars, the state store.
*/}}
{{- define "baedal.daprNetworkPolicy" -}}
{{- $v := .root.Values -}}
{{- if $v.networkPolicy.enabled }}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "baedal.componentName" . }}
  labels:
    {{- include "baedal.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "baedal.selectorLabels" . | nindent 6 }}
  policyTypes: [Ingress, Egress]
  ingress:
    {{- include "baedal.np.appIngress" .root | nindent 4 }}
    {{- with include "baedal.np.metricsIngress" . }}
    {{- . | nindent 4 }}
    {{- end }}
    {{- with .callers }}
    {{- include "baedal.np.invocationIngress" (dict "root" $.root "callers" .) | nindent 4 }}
    {{- end }}
  egress:
    {{- include "baedal.np.dnsEgress" .root | nindent 4 }}
    {{- include "baedal.np.daprEgress" .root | nindent 4 }}
    {{- include "baedal.np.pubsubEgress" .root | nindent 4 }}
    {{- if .db }}
    {{- include "baedal.np.databaseEgress" .root | nindent 4 }}
    {{- end }}
    {{- if .stateStore }}
    {{- $inCluster := ternary "redis" "" $v.redis.inCluster.enabled }}
    {{- include "baedal.np.backendEgress" (dict "root" .root "ports" (list (int $v.redis.port)) "inClusterComponent" $inCluster) | nindent 4 }}
    {{- end }}
    {{- with .callees }}
    {{- include "baedal.np.invocationEgress" (dict "root" $.root "callees" .) | nindent 4 }}
    {{- end }}
{{- end }}
{{- end -}}
