{{- define "weirapp.name" -}}
{{- .Values.name | default .Release.Name -}}
{{- end }}

{{- /* Labels of every object. */}}
{{- define "weirapp.labels" -}}
app.kubernetes.io/name: {{ include "weirapp.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- /* Labels of the Flink resources: the profile that weir applies to them. */}}
{{- define "weirapp.flinkLabels" -}}
{{ include "weirapp.labels" . }}
{{- with .Values.profile }}
weir.dev/profile: {{ . | quote }}
{{- end }}
{{- end }}

{{- /* The service account the app names: its own (created or existing), or none (the profile's). */}}
{{- define "weirapp.serviceAccount" -}}
{{- if or .Values.serviceAccount.create .Values.serviceAccount.name -}}
{{- .Values.serviceAccount.name | default (include "weirapp.name" .) -}}
{{- end -}}
{{- end }}

{{- /* Flat Flink keys, values as strings (FKO's flinkConfiguration). */}}
{{- define "weirapp.conf" -}}
{{- range $k, $v := . }}
{{ $k | quote }}: {{ $v | toString | quote }}
{{- end }}
{{- end }}

{{- /* A job spec from values with jarURI, entryClass, args, parallelism, upgradeMode, suspended. */}}
{{- define "weirapp.job" -}}
jarURI: {{ .jarURI | quote }}
{{- with .entryClass }}
entryClass: {{ . | quote }}
{{- end }}
{{- with .args }}
args: {{- toYaml . | nindent 2 }}
{{- end }}
parallelism: {{ .parallelism | default 1 | int }}
{{- with .upgradeMode }}
upgradeMode: {{ . }}
{{- end }}
state: {{ if .suspended }}suspended{{ else }}running{{ end }}
{{- end }}
