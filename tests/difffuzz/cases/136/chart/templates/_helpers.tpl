{{- define "c.helper" -}}
{{- end }}
