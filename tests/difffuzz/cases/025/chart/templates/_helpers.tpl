{{ define "c.d0" -}}
{{ . }}
{{- end }}
