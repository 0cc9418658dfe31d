{{- define "c.helper" }}
helper-text
{{- end }}
