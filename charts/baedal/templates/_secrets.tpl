{{/*
The release's Secrets (secrets.yaml makes them): their names, or the existing
Secrets named in the values; the value of one it makes; whether the JWT and
Redis secrets are there at all. The Dapr token Secrets are named in _dapr.tpl.
*/}}

{{/*
A secret value (dict root secret key value): the value given in values.yaml,
else the one already stored in the release's Secret (so upgrades keep it),
else a random one (trials; `helm template` shows a fresh one every time).
The random one is drawn once per render and remembered on the root context,
shared by every template of the chart: the pods' checksum/secrets annotation
renders secrets.yaml a second time (_workload.tpl), and it must hash the
values the Secrets get, or the first upgrade after an install would restart
every pod for nothing.
*/}}
{{- define "baedal.secretValue" -}}
{{- if .value -}}
{{- .value -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .secret -}}
{{- if and $existing (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- if not (hasKey .root "baedalGeneratedSecrets") -}}
{{- $_ := set .root "baedalGeneratedSecrets" dict -}}
{{- end -}}
{{- $drawn := get .root "baedalGeneratedSecrets" -}}
{{- $id := printf "%s/%s" .secret .key -}}
{{- if not (hasKey $drawn $id) -}}
{{- $_ := set $drawn $id (randAlphaNum 40) -}}
{{- end -}}
{{- get $drawn $id -}}
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
