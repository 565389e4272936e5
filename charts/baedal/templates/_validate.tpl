{{/*
Checks of the values that values.schema.json cannot express; validateValues
fails the render once, listing every problem.
*/}}

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
{{- $grace := int (include "baedal.terminationGracePeriodSeconds" .) -}}
{{- if gt (add (int $v.dapr.blockShutdownSeconds) (int $v.dapr.gracefulShutdownSeconds)) $grace -}}
{{- $errors = append $errors (printf "dapr.blockShutdownSeconds + dapr.gracefulShutdownSeconds: %d s is more than the pods' terminationGracePeriodSeconds (%d): the kubelet would kill the sidecar before it drains" (add (int $v.dapr.blockShutdownSeconds) (int $v.dapr.gracefulShutdownSeconds)) $grace) -}}
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
{{- $t := $v.dapr.tracing -}}
{{- if and (ne (toString $t.samplingRate) "") (gt (float64 $t.samplingRate) 0.0) (not $t.otel.endpointAddress) -}}
{{- $errors = append $errors (printf "dapr.tracing.samplingRate: %v samples traces that no collector receives; set dapr.tracing.otel.endpointAddress (host:port of an OTLP collector), or leave the rate empty" $t.samplingRate) -}}
{{- end -}}
{{- if $errors -}}
{{- fail (printf "\n\nbaedal: invalid values:\n  - %s\n" (join "\n  - " $errors)) -}}
{{- end -}}
{{- end -}}
