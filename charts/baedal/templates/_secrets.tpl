{{/*
The release's Secrets (secrets.yaml makes them): their names, or the existing
Secrets named in the values; the value of one it makes; whether the JWT and
Redis secrets are there at all. The Dapr token Secrets are named in _dapr.tpl.
*/}}

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
