{{ define "c.d1" }}
{{ . | toJson }}
{{- end }}
