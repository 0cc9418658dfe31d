{{ range until 100 }}{{ range until 100 }}{{ "x" | repeat 10 }}{{ end }}{{ end }}
