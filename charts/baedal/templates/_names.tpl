{{/*
Names and labels: the chart's and each component's resource names (cut to the
lengths Kubernetes allows), the labels every object carries, the selector labels.
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
