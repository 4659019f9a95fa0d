{{/*
Names are fixed, as in deploy/: the operator finds its Lease, webhook Service, Secret and configuration by
these names (ferry.leader-election.*, ferry.webhook.*), and the CRD and webhook configuration are cluster-wide,
so one release per cluster.
*/}}

{{/* Labels of every object: Kubernetes' recommended ones. */}}
{{- define "ferry.labels" -}}
app.kubernetes.io/part-of: ferry
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The operator image: repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "ferry.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end }}

{{/*
What the operator needs in each namespace whose fleets it reconciles (deploy/rbac.yaml explains each rule).
In a ClusterRole when it watches all namespaces, in a Role per namespace otherwise.
*/}}
{{- define "ferry.fleetRules" -}}
# Reads fleets; never edits their spec (that is the user's), except replicas through the scale
# subresource when the fleet asks for the operator's autoscaler (spec.autoscaling).
- apiGroups: ["ferry.dev"]
  resources: ["serverfleets"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["ferry.dev"]
  resources: ["serverfleets/scale"]
  verbs: ["get", "update", "patch"]
- apiGroups: ["ferry.dev"]
  resources: ["serverfleets/status"]
  verbs: ["get", "patch", "update"]
# Owner references with blockOwnerDeletion need it where OwnerReferencesPermissionEnforcement is on.
- apiGroups: ["ferry.dev"]
  resources: ["serverfleets/finalizers"]
  verbs: ["update"]
# The operator owns the fleet's pods: creates them, marks drains on them (patch), deletes drained ones.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
# Client and admin Services, kept by server-side apply (patch; create when apply creates).
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "patch"]
# The fleet's own Secrets, read by name, created or patched by server-side apply: no list or watch.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create", "patch"]
# The fleet's PodDisruptionBudget (spec.podDisruptionBudget): kept by server-side apply, deleted when disabled.
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["events.k8s.io"]
  resources: ["events"]
  verbs: ["create", "patch"]
# HorizontalPodAutoscalers that target a fleet: the operator's autoscaler stands aside for them.
- apiGroups: ["autoscaling"]
  resources: ["horizontalpodautoscalers"]
  verbs: ["get", "list", "watch"]
{{- end }}

{{/* What the operator needs cluster-wide, whichever namespaces it watches (nodes and its webhook configuration are cluster-scoped). */}}
{{- define "ferry.clusterRules" -}}
# Cordoned or drain-tainted nodes: their fleet pods are replaced and drained before eviction.
- apiGroups: [""]
  resources: ["nodes"]
  verbs: ["get", "list", "watch"]
{{- if .Values.webhook.enabled }}
# The eviction webhook's configuration: each replica patches in the CA it serves with (caBundle).
- apiGroups: ["admissionregistration.k8s.io"]
  resources: ["validatingwebhookconfigurations"]
  resourceNames: ["ferry-eviction"]
  verbs: ["get", "patch"]
{{- end }}
{{- end }}
