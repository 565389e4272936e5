{{/*
Shared helpers. The per-service templates (order.yaml, payment.yaml, ...) call
the builders below with a context dict:
  root    the chart's top-level context ($)
  name    the service: order | payment | store | delivery | customer | edge
  values  the service's block of values.yaml (.Values.<name>)
  dapr    true when the pod runs beside a Dapr sidecar (every service but the edge)
  db      true when the service keeps a MySQL database (order, payment, store, delivery)
*/}}

{{- define "baedal.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "baedal.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's resources: <fullname>-<component>. */}}
{{- define "baedal.componentName" -}}
{{- printf "%s-%s" (include "baedal.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Name of this revision's k6 Job: <fullname>-loadtest-<revision>, cut so that the
whole name fits 63 characters (Kubernetes copies it into the pods' job-name
label, and a label value longer than 63 is refused).
*/}}
{{- define "baedal.loadtestJobName" -}}
{{- $suffix := printf "-%d" (int .Release.Revision) -}}
{{- $name := include "baedal.componentName" (dict "root" . "name" "loadtest") -}}
{{- printf "%s%s" ($name | trunc (int (sub 63 (len $suffix))) | trimSuffix "-") $suffix -}}
{{- end -}}

{{/*
Name of a StatefulSet (dict root name): at most 52 characters, because the
controller labels every revision <name>-<10-character hash> (63 at most).
*/}}
{{- define "baedal.statefulSetName" -}}
{{- include "baedal.componentName" . | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "baedal.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels of one component (dict root name). Never change them: selectors are immutable. */}}
{{- define "baedal.selectorLabels" -}}
app.kubernetes.io/name: {{ include "baedal.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{/* Every label of one component (dict root name). */}}
{{- define "baedal.labels" -}}
helm.sh/chart: {{ include "baedal.chart" .root }}
{{ include "baedal.selectorLabels" . }}
app.kubernetes.io/version: {{ include "baedal.versionLabel" .root | quote }}
app.kubernetes.io/part-of: baedal
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
The version label: the image tag, or the appVersion. A label value allows at
most 63 of [A-Za-z0-9-_.], so a digest (`sha256:…`) or `tag@sha256:…` is cut
down to fit (the API server refuses the object otherwise).
*/}}
{{- define "baedal.versionLabel" -}}
{{- regexReplaceAll "[^-A-Za-z0-9_.]" (.Values.image.tag | default .Chart.AppVersion) "-" | trunc 63 | trimSuffix "-" | trimSuffix "_" | trimSuffix "." -}}
{{- end -}}

{{/* Labels shared by every pod of the release: what the default-deny NetworkPolicy selects. */}}
{{- define "baedal.releaseSelector" -}}
app.kubernetes.io/name: {{ include "baedal.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Image of a service (dict root name values): <registry>/<name>:<tag>, or the service's own repository/tag. */}}
{{- define "baedal.image" -}}
{{- $img := .root.Values.image -}}
{{- $repo := .values.image.repository | default (printf "%s/%s" $img.registry .name) -}}
{{- $tag := .values.image.tag | default $img.tag | default .root.Chart.AppVersion -}}
{{- if hasPrefix "sha256:" $tag -}}
{{- printf "%s@%s" $repo $tag -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

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

{{/*
A secret value (dict root secret key value): the value given in values.yaml,
else the one already stored in the release's Secret (so upgrades keep it),
else a random one (trials; `helm template` shows a fresh one every time).
*/}}
{{- define "baedal.secretValue" -}}
{{- if .value -}}
{{- .value -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .secret -}}
{{- if and $existing (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum 40 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Where the database runs: the in-cluster MariaDB's Service or the external host. */}}
{{- define "baedal.databaseHost" -}}
{{- if .Values.database.inCluster.enabled -}}
{{- include "baedal.componentName" (dict "root" . "name" "mariadb") -}}
{{- else -}}
{{- .Values.database.host -}}
{{- end -}}
{{- end -}}

{{/* host:port of Redis: the in-cluster one or the external one. */}}
{{- define "baedal.redisHost" -}}
{{- if .Values.redis.inCluster.enabled -}}
{{- printf "%s:%d" (include "baedal.componentName" (dict "root" . "name" "redis")) (int .Values.redis.port) -}}
{{- else -}}
{{- printf "%s:%d" .Values.redis.host (int .Values.redis.port) -}}
{{- end -}}
{{- end -}}

{{/* Where the database's CA certificate is mounted (database.tls.caSecret). */}}
{{- define "baedal.databaseCaDir" -}}/etc/baedal/database-ca{{- end -}}

{{/* True (non-empty) when the SQL services mount the database's CA. */}}
{{- define "baedal.mountsDatabaseCa" -}}
{{- if and .Values.database.tls.enabled .Values.database.tls.caSecret -}}true{{- end -}}
{{- end -}}

{{- define "baedal.databaseSecretName" -}}
{{- .Values.database.existingSecret | default (include "baedal.componentName" (dict "root" . "name" "database")) -}}
{{- end -}}

{{- define "baedal.redisSecretName" -}}
{{- .Values.redis.existingSecret | default (include "baedal.componentName" (dict "root" . "name" "redis")) -}}
{{- end -}}

{{- define "baedal.authSecretName" -}}
{{- .Values.auth.existingSecret | default (include "baedal.componentName" (dict "root" . "name" "auth")) -}}
{{- end -}}

{{/* True (non-empty) when the services get JWT_SECRET: a secret is given or generated unless only a JWKS URL is set. */}}
{{- define "baedal.hasJwtSecret" -}}
{{- if or .Values.auth.existingSecret .Values.auth.jwtSecret (not .Values.auth.jwksUrl) -}}true{{- end -}}
{{- end -}}

{{- define "baedal.redisHasPassword" -}}
{{- if or .Values.redis.existingSecret .Values.redis.password .Values.redis.inCluster.enabled -}}true{{- end -}}
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
{{- /* The operator resolves the components' secretKeyRefs; the sidecar needs no Kubernetes API access. */}}
dapr.io/disable-builtin-k8s-secret-store: "true"
dapr.io/sidecar-cpu-request: {{ $r.requests.cpu | quote }}
dapr.io/sidecar-memory-request: {{ $r.requests.memory | quote }}
{{- with $r.limits.cpu }}
dapr.io/sidecar-cpu-limit: {{ . | quote }}
{{- end }}
dapr.io/sidecar-memory-limit: {{ $r.limits.memory | quote }}
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

{{/* Environment every service reads (packages/platform/src/config.ts), dict root name values. */}}
{{- define "baedal.commonEnv" -}}
{{- $v := .root.Values -}}
- name: SERVICE_NAME
  value: {{ .name | quote }}
- name: APP_PORT
  value: {{ $v.service.targetPort | quote }}
- name: LOG_LEVEL
  value: {{ $v.app.logLevel | quote }}
- name: JWT_ISSUER
  value: {{ $v.auth.issuer | quote }}
- name: JWT_AUDIENCE
  value: {{ $v.auth.audience | quote }}
{{- with $v.auth.jwksUrl }}
- name: JWT_JWKS_URL
  value: {{ . | quote }}
{{- end }}
{{- if include "baedal.hasJwtSecret" .root }}
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "baedal.authSecretName" .root }}
      key: {{ $v.auth.existingSecretKey | quote }}
{{- end }}
- name: DEMO_DATA
  value: {{ $v.app.demoData | quote }}
- name: FAULT_INJECTION
  value: {{ $v.app.faultInjection | quote }}
- name: RATE_LIMIT_ENABLED
  value: {{ $v.app.rateLimit.enabled | quote }}
{{- with $v.app.rateLimit.perUser }}
- name: RATE_LIMIT_PER_USER
  value: {{ . | quote }}
{{- end }}
{{- with $v.app.rateLimit.perAddress }}
- name: RATE_LIMIT_PER_ADDRESS
  value: {{ . | quote }}
{{- end }}
{{- if .dapr }}
- name: DAPR_HOST
  value: "127.0.0.1"
{{- /* The injector gives the tokens to the sidecar only; the app sends the one and checks the other. */}}
- name: DAPR_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "baedal.daprTokenSecretName" (dict "root" .root "name" .name "kind" "api") }}
      key: token
- name: APP_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "baedal.daprTokenSecretName" (dict "root" .root "name" .name "kind" "app") }}
      key: token
- name: PUBSUB_NAME
  value: {{ (include "baedal.localComponent" (dict "root" .root "file" (include "baedal.pubsubFile" .root)) | fromYaml).metadata.name | quote }}
{{- /* The traces an app starts itself are sampled like the sidecars' (packages/platform/src/trace.ts). */}}
{{- with $v.dapr.tracing.samplingRate }}
- name: TRACE_SAMPLING_RATE
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- if .db }}
- name: DB_HOST
  value: {{ include "baedal.databaseHost" .root | quote }}
- name: DB_PORT
  value: {{ $v.database.port | quote }}
- name: DB_NAME
  value: {{ .values.database.name | quote }}
- name: DB_USER
  value: {{ .values.database.user | quote }}
- name: DB_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "baedal.databaseSecretName" .root }}
      key: {{ printf "%s-password" .name | quote }}
- name: DB_POOL_MAX
  value: {{ $v.database.poolMax | quote }}
- name: RETENTION_DAYS
  value: {{ $v.database.retentionDays | quote }}
- name: OUTBOX_MAX_ATTEMPTS
  value: {{ $v.database.outboxMaxAttempts | quote }}
{{- if $v.database.tls.enabled }}
- name: DB_TLS
  value: "true"
{{- if $v.database.tls.caSecret }}
- name: DB_TLS_CA_FILE
  value: {{ printf "%s/%s" (include "baedal.databaseCaDir" .root) $v.database.tls.caSecretKey | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- with .values.gateway }}
- name: GATEWAY_DB_NAME
  value: {{ .databaseName | quote }}
- name: PAYMENT_PENDING_GRACE_SECONDS
  value: {{ .pendingGraceSeconds | quote }}
- name: PAYMENT_RECONCILE_INTERVAL_SECONDS
  value: {{ .reconcileIntervalSeconds | quote }}
{{- end }}
{{- range $k, $val := .values.extraEnv }}
- name: {{ $k }}
  value: {{ $val | quote }}
{{- end }}
{{- end -}}

{{- define "baedal.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
fsGroup: {{ .Values.securityContext.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "baedal.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* ServiceAccount of a service (dict root name values). No token: neither the app nor its sidecar calls the Kubernetes API. */}}
{{- define "baedal.serviceAccount" -}}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "baedal.componentName" . }}
  labels:
    {{- include "baedal.labels" . | nindent 4 }}
automountServiceAccountToken: false
{{- end -}}

{{/*
Deployment of a service (dict root name values dapr db readinessPath extraVolumes).
readinessPath is /readyz, except for the edge (see edge.yaml).
*/}}
{{- define "baedal.deployment" -}}
{{- $v := .root.Values -}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "baedal.componentName" . }}
  labels:
    {{- include "baedal.labels" . | nindent 4 }}
spec:
  {{- if not .values.autoscaling.enabled }}
  replicas: {{ .values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      {{- include "baedal.selectorLabels" . | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "baedal.labels" . | nindent 8 }}
      annotations:
        {{- if .dapr }}
        {{- include "baedal.daprAnnotations" . | nindent 8 }}
        {{- end }}
        {{- with .extraAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        {{- with .values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "baedal.componentName" . }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      securityContext:
        {{- include "baedal.podSecurityContext" .root | nindent 8 }}
      {{- with $v.image.pullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      terminationGracePeriodSeconds: 30
      containers:
        - name: {{ .name }}
          image: {{ include "baedal.image" . | quote }}
          imagePullPolicy: {{ $v.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ $v.service.targetPort }}
              protocol: TCP
          env:
            {{- include "baedal.commonEnv" . | nindent 12 }}
            {{- with .extraEnv }}
            {{- . | nindent 12 }}
            {{- end }}
          startupProbe:
            # Migrations run before the server listens; give them up to two minutes.
            httpGet: { path: /healthz, port: http }
            periodSeconds: 2
            failureThreshold: 60
          livenessProbe:
            httpGet: { path: /healthz, port: http }
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: {{ .readinessPath }}, port: http }
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 2
          lifecycle:
            # Keep serving while the endpoint removal reaches every proxy, then SIGTERM (serve.ts drains).
            preStop:
              sleep: { seconds: 5 }
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- include "baedal.containerSecurityContext" .root | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- if and .db (include "baedal.mountsDatabaseCa" .root) }}
            - name: database-ca
              mountPath: {{ include "baedal.databaseCaDir" .root }}
              readOnly: true
            {{- end }}
      volumes:
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- if and .db (include "baedal.mountsDatabaseCa" .root) }}
        - name: database-ca
          secret:
            secretName: {{ .root.Values.database.tls.caSecret }}
            items:
              - { key: {{ .root.Values.database.tls.caSecretKey | quote }}, path: {{ .root.Values.database.tls.caSecretKey | quote }} }
        {{- end }}
        {{- with .extraVolumes }}
        {{- . | nindent 8 }}
        {{- end }}
      {{- with .values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "baedal.selectorLabels" . | nindent 14 }}
{{- end -}}

{{/* ClusterIP Service of a service (dict root name values). */}}
{{- define "baedal.service" -}}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ include "baedal.componentName" . }}
  labels:
    {{- include "baedal.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "baedal.selectorLabels" . | nindent 4 }}
  ports:
    - name: http
      port: {{ .root.Values.service.port }}
      targetPort: http
      protocol: TCP
{{- end -}}

{{/*
HorizontalPodAutoscaler (dict root name values). The metrics are the app
container's own (ContainerResource), so the Dapr sidecar's share of the pod
does not blur the target: utilization = app container usage / its request.
*/}}
{{- define "baedal.hpa" -}}
{{- $a := .values.autoscaling -}}
{{- if $a.enabled }}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "baedal.componentName" . }}
  labels:
    {{- include "baedal.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "baedal.componentName" . }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: ContainerResource
      containerResource:
        name: cpu
        container: {{ .name }}
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
    - type: ContainerResource
      containerResource:
        name: memory
        container: {{ .name }}
        target:
          type: Utilization
          averageUtilization: {{ $a.targetMemoryUtilizationPercentage }}
  behavior:
    {{- toYaml .root.Values.autoscaling.behavior | nindent 4 }}
{{- end }}
{{- end -}}

{{/* PodDisruptionBudget (dict root name values). */}}
{{- define "baedal.pdb" -}}
{{- if .values.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "baedal.componentName" . }}
  labels:
    {{- include "baedal.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .values.pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "baedal.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* NetworkPolicy peers and rules used by the per-service policies (dict root ...). */}}

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

{{/* Everything a Dapr service's template file renders (dict root name values db callers callees stateStore extraAnnotations extraVolumes). */}}
{{- define "baedal.daprService" -}}
{{- $_ := set . "dapr" true -}}
{{- $_ = set . "readinessPath" "/readyz" -}}
{{ include "baedal.serviceAccount" . }}
{{ include "baedal.deployment" . }}
{{ include "baedal.service" . }}
{{ include "baedal.hpa" . }}
{{ include "baedal.pdb" . }}
{{ include "baedal.daprNetworkPolicy" . }}
{{- end -}}

{{/*
True (non-empty) when the Ingress host is public: empty (the Ingress answers
for every name that resolves to the controller) or outside the names that
never resolve on the public internet (RFC 6761 localhost and test, RFC 6762
local, RFC 8375 home.arpa, ICANN's reserved internal).
*/}}
{{- define "baedal.publicIngressHost" -}}
{{- $host := lower .Values.ingress.host -}}
{{- if not (regexMatch "^(localhost|.+\\.(localhost|local|internal|test|home\\.arpa))$" $host) -}}true{{- end -}}
{{- end -}}

{{- define "baedal.ingressHostShown" -}}
{{- with .Values.ingress.host -}}{{ . | quote }}{{- else -}}any host (ingress.host is empty){{- end -}}
{{- end -}}

{{/*
Checks what the schema cannot express (combinations of values) and fails once,
listing every problem. Called from order.yaml, so it runs on every render.
*/}}
{{- define "baedal.validateValues" -}}
{{- $v := .Values -}}
{{- $errors := list -}}
{{- if and (not $v.database.inCluster.enabled) (not $v.database.host) -}}
{{- $errors = append $errors "database.host: set the external MySQL host, or set database.inCluster.enabled=true for a trial MariaDB in the cluster" -}}
{{- end -}}
{{- if and (not $v.database.inCluster.enabled) (not $v.database.existingSecret) -}}
{{- range $svc := list "order" "payment" "store" "delivery" -}}
{{- if not (index $v.database.passwords $svc) -}}
{{- $errors = append $errors (printf "database.passwords.%s: set the password of MySQL user %q, or name a Secret in database.existingSecret (keys <service>-password)" $svc (index $v $svc).database.user) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (not $v.redis.inCluster.enabled) (not $v.redis.host) -}}
{{- $errors = append $errors "redis.host: the Dapr state store (and the pub/sub when pubsub.type=redis) needs a Redis; set redis.host, or redis.inCluster.enabled=true for a trial Redis in the cluster" -}}
{{- end -}}
{{- if and (eq $v.pubsub.type "kafka") (not $v.pubsub.kafka.brokers) -}}
{{- $errors = append $errors "pubsub.kafka.brokers: pubsub.type=kafka needs at least one broker (host:port)" -}}
{{- end -}}
{{- if and (eq $v.pubsub.type "kafka") (eq $v.pubsub.kafka.authType "password") (not $v.pubsub.kafka.saslUsername) -}}
{{- $errors = append $errors "pubsub.kafka.saslUsername: authType=password needs a SASL user (and saslPassword or existingSecret)" -}}
{{- end -}}
{{- if and (eq $v.pubsub.type "kafka") (ne $v.pubsub.kafka.authType "password") $v.pubsub.kafka.saslMechanism -}}
{{- $errors = append $errors (printf "pubsub.kafka.saslMechanism: SASL is used only with authType=password (authType is %q)" $v.pubsub.kafka.authType) -}}
{{- end -}}
{{- if and (eq $v.notifications.type "http") (not $v.notifications.http.url) -}}
{{- $errors = append $errors "notifications.http.url: notifications.type=http needs the URL the notifications are POSTed to" -}}
{{- end -}}
{{- if and $v.auth.jwtSecret (lt (len $v.auth.jwtSecret) 32) -}}
{{- $errors = append $errors "auth.jwtSecret: the services refuse an HS256 secret shorter than 32 characters" -}}
{{- end -}}
{{- if and $v.auth.jwtSecret $v.auth.existingSecret -}}
{{- $errors = append $errors "auth.jwtSecret and auth.existingSecret: give one of them, not both" -}}
{{- end -}}
{{- range $svc := list "order" "payment" "store" "delivery" "customer" "edge" -}}
{{- $a := (index $v $svc).autoscaling -}}
{{- if and $a.enabled (gt (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- $errors = append $errors (printf "%s.autoscaling: minReplicas (%d) is above maxReplicas (%d)" $svc (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- end -}}
{{- if not (index $v $svc).resources.requests.cpu -}}
{{- $errors = append $errors (printf "%s.resources.requests.cpu: the HPA's CPU target is a percentage of this request; it must be set" $svc) -}}
{{- end -}}
{{- end -}}
{{- if and $v.loadtest.enabled (not $v.app.demoData) (not $v.loadtest.password) -}}
{{- $errors = append $errors "loadtest.enabled: the k6 scripts log in as demo users; set app.demoData=true, or loadtest.users and loadtest.password for real accounts" -}}
{{- end -}}
{{- if and $v.loadtest.enabled $v.app.rateLimit.enabled (not $v.app.rateLimit.perUser) -}}
{{- $errors = append $errors "loadtest.enabled: the k6 scripts drive one account far past the services' per-user rate limit (100 requests/s), so most answers would be 429; set app.rateLimit.enabled=false for the test, or raise app.rateLimit.perUser" -}}
{{- end -}}
{{- if and (not $v.redis.inCluster.enabled) (not $v.redis.password) (not $v.redis.existingSecret) -}}
{{- $errors = append $errors "redis.password: an external Redis holds the state store and (with pubsub.type=redis) every event; set redis.password, or name a Secret in redis.existingSecret" -}}
{{- end -}}
{{- if and $v.database.tls.enabled $v.database.inCluster.enabled -}}
{{- $errors = append $errors "database.tls.enabled: the in-cluster trial MariaDB serves no TLS; use TLS with an external database" -}}
{{- end -}}
{{- if and $v.database.tls.caSecret (not $v.database.tls.enabled) -}}
{{- $errors = append $errors "database.tls.caSecret: a CA is given but database.tls.enabled is false (the connection would be in clear)" -}}
{{- end -}}
{{- if and (eq (toString $v.auth.loginEnabled) "true") (or (not $v.app.demoData) (not (include "baedal.hasJwtSecret" .))) -}}
{{- $errors = append $errors "auth.loginEnabled: true needs accounts (app.demoData=true) and an HS256 secret (auth.jwksUrl alone issues nothing); leave it auto to follow them" -}}
{{- end -}}
{{- if and $v.ingress.enabled (or $v.app.demoData $v.app.faultInjection) (include "baedal.publicIngressHost" .) (not $v.ingress.allowTrialFeatures) -}}
{{- $on := list -}}
{{- if $v.app.demoData -}}{{- $on = append $on "app.demoData (demo users with a published password)" -}}{{- end -}}
{{- if $v.app.faultInjection -}}{{- $on = append $on "app.faultInjection (an admin can fail every payment)" -}}{{- end -}}
{{- $errors = append $errors (printf "ingress.host: %s would be reachable through an Ingress for %s; use a private host (localhost, *.localhost, *.local, *.internal, *.test, *.home.arpa), turn them off, or set ingress.allowTrialFeatures=true to expose them on purpose" (join " and " $on) (include "baedal.ingressHostShown" .)) -}}
{{- end -}}
{{- if $errors -}}
{{- fail (printf "\n\nbaedal: invalid values:\n  - %s\n" (join "\n  - " $errors)) -}}
{{- end -}}
{{- end -}}
