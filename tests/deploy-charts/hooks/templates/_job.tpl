{{- /* A hook Job: (list $ name events weight policies failing) */ -}}
{{- define "hooks.job" -}}
{{- $root := index . 0 -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ index . 1 }}
  annotations:
    helm.sh/hook: {{ index . 2 }}
    helm.sh/hook-weight: {{ index . 3 | quote }}
    {{- with index . 4 }}
    helm.sh/hook-delete-policy: {{ . }}
    {{- end }}
    {{- if index . 5 }}
    testkube.chartroom.dev/job-outcome: failed
    {{- end }}
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: run
        image: busybox:1.36
        command: ["true"]
{{- end -}}
