{{- define "c.name" -}}{{ .Values.name | default "x" | trunc 63 | trimSuffix "-" }}{{- end -}}
name: {{ include "c.name" . }}
{{- range $k, $v := .Values.labels }}
  {{ $k }}: {{ $v | quote }}
{{- end }}
{{- with .Values.nested.a }}{{ .b.c | upper }}{{ end }}
{{ toYaml .Values.list | nindent 2 }}
{{ tpl "{{ .Values.replicas }}" . }}
{{ printf "%v %d %q %x" .Values.ratio .Values.replicas .Values.name "hi" }}
{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}
{{ $d := dict "a" 1 }}{{ $_ := set $d "b" (list 1 2) }}{{ toJson $d }}
{{ if and .Values.enabled (gt (len .Values.list) 2) }}yes{{ else if .Values.nothing }}no{{ end }}
{{ range $i, $e := until 5 }}{{ $i }}{{ end }}
{{ fromYaml "a: [1, 2]" | toJson }} {{ semverCompare ">=1.2" "1.3.0" }}
{{ b64enc "x" | b64dec }} {{ sha256sum "x" }} {{ .Release.Name | replace "r" "R" }}
