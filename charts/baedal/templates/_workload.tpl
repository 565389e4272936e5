{{/*
The objects each service is made of: ServiceAccount, Deployment (pod spec,
image, probes, securityContext), Service, HorizontalPodAutoscaler,
PodDisruptionBudget, and daprService, which renders all of them and the
NetworkPolicy for a Dapr service. Their pieces: names and labels in
_names.tpl, the environment in _env.tpl, the Dapr annotations in _dapr.tpl,
the NetworkPolicy in _network.tpl.

The per-service templates (order.yaml, payment.yaml, ...) call these builders
with a context dict:
  root    the chart's top-level context ($)
  name    the service: order | payment | store | delivery | customer | edge
  values  the service's block of values.yaml (.Values.<name>)
  dapr    true when the pod runs beside a Dapr sidecar (every service but the edge)
  db      true when the service keeps a MySQL database (order, payment, store, delivery)
*/}}

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

{{/*
Seconds a terminating pod gets before the kubelet kills what still runs: the
app's preStop pause (5 s) and drain (at most 8 s, serve.ts), and its sidecar's
blocked shutdown and drain (dapr.blockShutdownSeconds + dapr.gracefulShutdownSeconds,
which validateValues holds to this).
*/}}
{{- define "baedal.terminationGracePeriodSeconds" -}}30{{- end -}}

{{/*
Pod-template annotations that change when what the pod reads at start changes
(dict root dapr), so that `helm upgrade` rolls the pods: checksum/secrets over
the Secrets the chart renders (secrets.yaml: passwords, JWT secret, Dapr
tokens; the containers read them as environment variables, fixed at start),
and for a pod with a sidecar checksum/dapr over the Dapr components,
resiliency policies and configuration (dapr.yaml: daprd loads them at start;
Dapr's HotReload is a preview feature the chart does not turn on). One hash
over all Secrets rather than each pod's own: a credential change is rare, and
a restart too many costs less than a pod left on an old password. Secrets the
chart does not render (*.existingSecret) are invisible here: after changing
one, `kubectl rollout restart`, or run a reloader (README).
*/}}
{{- define "baedal.checksumAnnotations" -}}
checksum/secrets: {{ include (print .root.Template.BasePath "/secrets.yaml") .root | sha256sum }}
{{- if .dapr }}
checksum/dapr: {{ include (print .root.Template.BasePath "/dapr.yaml") .root | sha256sum }}
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
        {{- include "baedal.checksumAnnotations" . | nindent 8 }}
        {{- if .dapr }}
        {{- include "baedal.daprAnnotations" . | nindent 8 }}
        {{- end }}
        {{- if $v.metrics.podAnnotations }}
        {{- /* The app's /metrics; a pod names one scrape port, and the sidecar's is on Dapr's <app>-dapr Service. */}}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $v.service.targetPort | quote }}
        prometheus.io/path: /metrics
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
      terminationGracePeriodSeconds: {{ include "baedal.terminationGracePeriodSeconds" . }}
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
            # Before the server listens a service waits up to 120 s for its
            # database (packages/platform/src/db.ts), then migrates: three minutes.
            httpGet: { path: /healthz, port: http }
            periodSeconds: 2
            failureThreshold: 90
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
