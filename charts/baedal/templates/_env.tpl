{{/*
The environment every service reads (commonEnv), and what it points at: the
database and Redis hosts, the mount of the database's CA certificate.
*/}}

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
{{- if ne (toString $v.dapr.tracing.samplingRate) "" }}
- name: TRACE_SAMPLING_RATE
  value: {{ toString $v.dapr.tracing.samplingRate | quote }}
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
