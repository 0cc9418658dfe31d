//! `meta.k8s.io/v1` `Table` answers, as kube-apiserver gives them to a GET or LIST sent with
//! `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` (what `kubectl get` and Helm's
//! `status` ask for).
//!
//! Kinds with a custom printer in kube-apiserver (`pkg/printers/internalversion`) get its
//! columns and cells for the kinds the deploy tests create (Deployment, StatefulSet, Service,
//! Pod, HorizontalPodAutoscaler, Ingress, ConfigMap, Secret, ServiceAccount, Job); any other
//! kind gets the default table convertor's `Name` and `Created At` columns, as built-in kinds
//! without a printer do.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// Whether an `Accept` header asks for a `Table` (any of its alternatives; the JSON fallback a
/// client lists after it is only used by servers that cannot convert).
pub(crate) fn wants_table(accept: &str) -> bool {
    accept.split(',').any(|alternative| {
        let parameters: Vec<&str> = alternative.split(';').map(str::trim).collect();
        parameters.first() == Some(&"application/json")
            && parameters.contains(&"as=Table")
            && parameters.contains(&"g=meta.k8s.io")
            && (parameters.contains(&"v=v1") || parameters.contains(&"v=v1beta1"))
    })
}

/// The `Table` of `objects` of `kind`; `include_object` is the `includeObject` query parameter
/// (`None` = `PartialObjectMetadata`, the server's default; `Object`; or `None` itself).
pub(crate) fn table(kind: &str, objects: &[Value], include_object: &str, resource_version: &str) -> Value {
    let now = now_seconds();
    let printer = printer_for(kind);
    let rows: Vec<Value> = objects
        .iter()
        .map(|object| {
            let cells = (printer.cells)(object, now);
            let embedded = match include_object {
                "Object" => object.clone(),
                "None" => Value::Null,
                _ => json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": object["metadata"].clone()}),
            };
            let mut row = json!({"cells": cells});
            if !embedded.is_null() {
                row["object"] = embedded;
            }
            row
        })
        .collect();
    let columns: Vec<Value> = printer
        .columns
        .iter()
        .map(|(name, column_type, format, description, priority)| json!({"name": name, "type": column_type, "format": format, "description": description, "priority": priority}))
        .collect();
    json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": resource_version}, "columnDefinitions": columns, "rows": rows})
}

/// (name, type, format, description, priority): priority 1 columns only show with `-o wide`.
type Column = (&'static str, &'static str, &'static str, &'static str, i64);

struct Printer {
    columns: &'static [Column],
    cells: fn(&Value, i64) -> Vec<Value>,
}

const NAME_DOC: &str = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const CREATED_DOC: &str = "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

const DEFAULT_COLUMNS: &[Column] = &[("Name", "string", "name", NAME_DOC, 0), ("Created At", "date", "", CREATED_DOC, 0)];
const DEPLOYMENT_COLUMNS: &[Column] = &[
    ("Name", "string", "name", NAME_DOC, 0),
    ("Ready", "string", "", "Number of the pod with ready state", 0),
    ("Up-to-date", "string", "", "Total number of non-terminating pods targeted by this deployment that have the desired template spec.", 0),
    ("Available", "string", "", "Total number of available non-terminating pods (ready for at least minReadySeconds) targeted by this deployment.", 0),
    ("Age", "string", "", CREATED_DOC, 0),
    ("Containers", "string", "", "Names of each container in the template.", 1),
    ("Images", "string", "", "Images referenced by each container in the template.", 1),
    ("Selector", "string", "", "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment. It must match the pod template's labels.", 1),
];
const STATEFULSET_COLUMNS: &[Column] = &[
    ("Name", "string", "name", NAME_DOC, 0),
    ("Ready", "string", "", "Number of the pod with ready state", 0),
    ("Age", "string", "", CREATED_DOC, 0),
    ("Containers", "string", "", "Names of each container in the template.", 1),
    ("Images", "string", "", "Images referenced by each container in the template.", 1),
];
const SERVICE_COLUMNS: &[Column] = &[
    ("Name", "string", "name", NAME_DOC, 0),
    ("Type", "string", "", "type determines how the Service is exposed. Defaults to ClusterIP.", 0),
    ("Cluster-IP", "string", "", "clusterIP is the IP address of the service and is usually assigned randomly.", 0),
    ("External-IP", "string", "", "LoadBalancer contains the current status of the load-balancer, if one is present.", 0),
    ("Port(s)", "string", "", "The list of ports that are exposed by this service.", 0),
    ("Age", "string", "", CREATED_DOC, 0),
    ("Selector", "string", "", "Route service traffic to pods with label keys and values matching this selector.", 1),
];
const POD_COLUMNS: &[Column] = &[
    ("Name", "string", "name", NAME_DOC, 0),
    ("Ready", "string", "", "The aggregate readiness state of this pod for accepting traffic.", 0),
    ("Status", "string", "", "The aggregate status of the containers in this pod.", 0),
    ("Restarts", "string", "", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0),
    ("Age", "string", "", CREATED_DOC, 0),
    ("IP", "string", "", "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
    ("Node", "string", "", "NodeName is a request to schedule this pod onto a specific node.", 1),
    ("Nominated Node", "string", "", "nominatedNodeName is set only when this pod preempts other pods on the node.", 1),
    ("Readiness Gates", "string", "", "If specified, all readiness gates will be evaluated for pod readiness.", 1),
];
const HPA_COLUMNS: &[Column] = &[
    ("Name", "string", "name", NAME_DOC, 0),
    ("Reference", "string", "", "scaleTargetRef points to the target resource to scale.", 0),
    ("Targets", "string", "", "metrics contains the specifications for which to use to calculate the desired replica count.", 0),
    ("MinPods", "string", "", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.", 0),
    ("MaxPods", "string", "", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.", 0),
    ("Replicas", "string", "", "currentReplicas is current number of replicas of pods managed by this autoscaler.", 0),
    ("Age", "string", "", CREATED_DOC, 0),
];
const INGRESS_COLUMNS: &[Column] = &[
    ("Name", "string", "name", NAME_DOC, 0),
    ("Class", "string", "", "The name of the IngressClass resource that should be used", 0),
    ("Hosts", "string", "", "Hosts that incoming requests are matched against before the ingress rule", 0),
    ("Address", "string", "", "Address is a list containing ingress points for the load-balancer", 0),
    ("Ports", "string", "", "Ports of TLS configurations that open", 0),
    ("Age", "string", "", CREATED_DOC, 0),
];
const CONFIGMAP_COLUMNS: &[Column] = &[("Name", "string", "name", NAME_DOC, 0), ("Data", "string", "", "Data contains the configuration data.", 0), ("Age", "string", "", CREATED_DOC, 0)];
const SECRET_COLUMNS: &[Column] = &[
    ("Name", "string", "name", NAME_DOC, 0),
    ("Type", "string", "", "Used to facilitate programmatic handling of secret data.", 0),
    ("Data", "string", "", "Data contains the secret data.", 0),
    ("Age", "string", "", CREATED_DOC, 0),
];
const SERVICEACCOUNT_COLUMNS: &[Column] = &[("Name", "string", "name", NAME_DOC, 0), ("Secrets", "string", "", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.", 0), ("Age", "string", "", CREATED_DOC, 0)];
const JOB_COLUMNS: &[Column] = &[
    ("Name", "string", "name", NAME_DOC, 0),
    ("Status", "string", "", "Status of the job.", 0),
    ("Completions", "string", "", "The desired number of successfully finished pods the job should be run with.", 0),
    ("Duration", "string", "", "Time required to complete the job.", 0),
    ("Age", "string", "", CREATED_DOC, 0),
];

fn printer_for(kind: &str) -> Printer {
    match kind {
        "Deployment" => Printer { columns: DEPLOYMENT_COLUMNS, cells: deployment_cells },
        "StatefulSet" => Printer { columns: STATEFULSET_COLUMNS, cells: statefulset_cells },
        "Service" => Printer { columns: SERVICE_COLUMNS, cells: service_cells },
        "Pod" => Printer { columns: POD_COLUMNS, cells: pod_cells },
        "HorizontalPodAutoscaler" => Printer { columns: HPA_COLUMNS, cells: hpa_cells },
        "Ingress" => Printer { columns: INGRESS_COLUMNS, cells: ingress_cells },
        "ConfigMap" => Printer { columns: CONFIGMAP_COLUMNS, cells: configmap_cells },
        "Secret" => Printer { columns: SECRET_COLUMNS, cells: secret_cells },
        "ServiceAccount" => Printer { columns: SERVICEACCOUNT_COLUMNS, cells: serviceaccount_cells },
        "Job" => Printer { columns: JOB_COLUMNS, cells: job_cells },
        _ => Printer { columns: DEFAULT_COLUMNS, cells: default_cells },
    }
}

fn now_seconds() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

fn name(object: &Value) -> Value {
    object["metadata"]["name"].clone()
}

fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

/// Seconds since the epoch of an RFC 3339 UTC timestamp (`2026-11-25T00:20:25Z`).
fn parse_rfc3339(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| text.get(range).and_then(|s| s.parse::<i64>().ok());
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    // Days since 1970-01-01 from a civil date (era-based method, the inverse of `rfc3339_at`).
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3600 + minute * 60 + second)
}

/// apimachinery's `duration.HumanDuration` of the object's age (`<unknown>` without a
/// creation time).
fn age(object: &Value, now: i64) -> Value {
    match object["metadata"]["creationTimestamp"].as_str().and_then(parse_rfc3339) {
        Some(created) => Value::String(human_duration(now - created)),
        None => Value::String("<unknown>".into()),
    }
}

fn human_duration(seconds: i64) -> String {
    if seconds < -1 {
        return "<invalid>".into();
    }
    let seconds = seconds.max(0);
    let minutes = seconds / 60;
    let hours = seconds / 3600;
    let days = hours / 24;
    let years = days / 365;
    if seconds < 120 {
        format!("{seconds}s")
    } else if minutes < 10 {
        if seconds % 60 == 0 { format!("{minutes}m") } else { format!("{minutes}m{}s", seconds % 60) }
    } else if minutes < 180 {
        format!("{minutes}m")
    } else if hours < 8 {
        if minutes % 60 == 0 { format!("{hours}h") } else { format!("{hours}h{}m", minutes % 60) }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        if hours % 24 == 0 { format!("{days}d") } else { format!("{days}d{}h", hours % 24) }
    } else if hours < 24 * 365 * 2 {
        format!("{days}d")
    } else if hours < 24 * 365 * 8 {
        let leftover_days = days % 365;
        if leftover_days == 0 { format!("{years}y") } else { format!("{years}y{leftover_days}d") }
    } else {
        format!("{years}y")
    }
}

fn default_cells(object: &Value, _now: i64) -> Vec<Value> {
    vec![name(object), object["metadata"]["creationTimestamp"].clone()]
}

fn deployment_cells(object: &Value, now: i64) -> Vec<Value> {
    let status = &object["status"];
    let desired = object["spec"]["replicas"].as_i64().unwrap_or(1);
    let (containers, images) = containers_and_images(object);
    vec![
        name(object),
        json!(format!("{}/{desired}", int(&status["readyReplicas"]))),
        json!(int(&status["updatedReplicas"])),
        json!(int(&status["availableReplicas"])),
        age(object, now),
        json!(containers),
        json!(images),
        json!(match_labels_selector(&object["spec"]["selector"])),
    ]
}

fn statefulset_cells(object: &Value, now: i64) -> Vec<Value> {
    let desired = object["spec"]["replicas"].as_i64().unwrap_or(1);
    let (containers, images) = containers_and_images(object);
    vec![name(object), json!(format!("{}/{desired}", int(&object["status"]["readyReplicas"]))), age(object, now), json!(containers), json!(images)]
}

fn containers_and_images(object: &Value) -> (String, String) {
    let containers = object["spec"]["template"]["spec"]["containers"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = containers.iter().map(|c| c["name"].as_str().unwrap_or("")).collect();
    let images: Vec<&str> = containers.iter().map(|c| c["image"].as_str().unwrap_or("")).collect();
    (names.join(","), images.join(","))
}

/// A label selector's `matchLabels` as `metav1.FormatLabelSelector` writes it.
fn match_labels_selector(selector: &Value) -> String {
    let Some(labels) = selector["matchLabels"].as_object() else { return "<none>".into() };
    if labels.is_empty() {
        return "<none>".into();
    }
    let mut pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect();
    pairs.sort();
    pairs.join(",")
}

fn service_cells(object: &Value, now: i64) -> Vec<Value> {
    let spec = &object["spec"];
    // kube-apiserver defaults `type` and each port's `protocol` before anything reads them.
    let service_type = spec["type"].as_str().unwrap_or("ClusterIP");
    let cluster_ip = spec["clusterIP"].as_str().filter(|ip| !ip.is_empty()).unwrap_or("<none>");
    let external_ips: Vec<&str> = spec["externalIPs"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let external = match service_type {
        "LoadBalancer" => {
            let mut addresses: Vec<String> = object["status"]["loadBalancer"]["ingress"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|ingress| ingress["ip"].as_str().filter(|s| !s.is_empty()).or_else(|| ingress["hostname"].as_str()).map(str::to_string))
                .collect();
            addresses.extend(external_ips.iter().map(|s| s.to_string()));
            if addresses.is_empty() { "<pending>".to_string() } else { addresses.join(",") }
        }
        "ExternalName" => spec["externalName"].as_str().unwrap_or("").to_string(),
        _ if !external_ips.is_empty() => external_ips.join(","),
        _ => "<none>".to_string(),
    };
    let ports: Vec<String> = spec["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|port| {
            let protocol = port["protocol"].as_str().unwrap_or("TCP");
            match port["nodePort"].as_i64().filter(|p| *p != 0) {
                Some(node_port) => format!("{}:{node_port}/{protocol}", int(&port["port"])),
                None => format!("{}/{protocol}", int(&port["port"])),
            }
        })
        .collect();
    let selector = match spec["selector"].as_object() {
        Some(labels) if !labels.is_empty() => {
            let mut pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect();
            pairs.sort();
            pairs.join(",")
        }
        _ => "<none>".to_string(),
    };
    vec![
        name(object),
        json!(service_type),
        json!(cluster_ip),
        json!(external),
        json!(if ports.is_empty() { "<none>".to_string() } else { ports.join(",") }),
        age(object, now),
        json!(selector),
    ]
}

fn pod_cells(object: &Value, now: i64) -> Vec<Value> {
    let containers = object["spec"]["containers"].as_array().map_or(0, Vec::len);
    let statuses = object["status"]["containerStatuses"].as_array().cloned().unwrap_or_default();
    let ready = statuses.iter().filter(|s| s["ready"].as_bool() == Some(true)).count();
    let restarts: i64 = statuses.iter().map(|s| int(&s["restartCount"])).sum();
    let waiting_reason = statuses.iter().find_map(|s| s["state"]["waiting"]["reason"].as_str().filter(|r| !r.is_empty()));
    let status = if object["metadata"]["deletionTimestamp"].is_string() {
        "Terminating".to_string()
    } else if let Some(reason) = waiting_reason {
        reason.to_string()
    } else {
        object["status"]["reason"].as_str().or_else(|| object["status"]["phase"].as_str()).unwrap_or("Pending").to_string()
    };
    let none = || json!("<none>");
    vec![
        name(object),
        json!(format!("{ready}/{containers}")),
        json!(status),
        json!(restarts.to_string()),
        age(object, now),
        object["status"]["podIP"].as_str().map_or_else(none, |ip| json!(ip)),
        object["spec"]["nodeName"].as_str().map_or_else(none, |node| json!(node)),
        object["status"]["nominatedNodeName"].as_str().map_or_else(none, |node| json!(node)),
        none(),
    ]
}

fn hpa_cells(object: &Value, now: i64) -> Vec<Value> {
    let spec = &object["spec"];
    let reference = format!("{}/{}", spec["scaleTargetRef"]["kind"].as_str().unwrap_or(""), spec["scaleTargetRef"]["name"].as_str().unwrap_or(""));
    let min_pods = match spec["minReplicas"].as_i64() {
        Some(min) => json!(min),
        None => json!("<unset>"),
    };
    vec![
        name(object),
        json!(reference),
        json!(hpa_targets(spec["metrics"].as_array().map(Vec::as_slice).unwrap_or(&[]), object["status"]["currentMetrics"].as_array().map(Vec::as_slice).unwrap_or(&[]))),
        min_pods,
        json!(int(&spec["maxReplicas"])),
        json!(int(&object["status"]["currentReplicas"])),
        age(object, now),
    ]
}

/// The `Targets` column: `current/target` per metric, the first two shown
/// (`cpu: <unknown>/80%`).
fn hpa_targets(metrics: &[Value], current: &[Value]) -> String {
    if metrics.is_empty() {
        return "<none>".into();
    }
    let quantity = |value: &Value| -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    let entries: Vec<String> = metrics
        .iter()
        .enumerate()
        .map(|(index, metric)| {
            let metric_type = metric["type"].as_str().unwrap_or("");
            let source_field = match metric_type {
                "Resource" => "resource",
                "ContainerResource" => "containerResource",
                "Pods" => "pods",
                "Object" => "object",
                "External" => "external",
                _ => "",
            };
            let source = &metric[source_field];
            let target = &source["target"];
            let status = current.get(index).map(|s| &s[source_field]).filter(|s| !s.is_null());
            let label = match metric_type {
                "Resource" | "ContainerResource" => format!("{}: ", source["name"].as_str().unwrap_or("")),
                "Pods" | "Object" | "External" => format!("{}: ", source["metric"]["name"].as_str().unwrap_or("")),
                _ => String::new(),
            };
            if let Some(target_value) = quantity(&target["averageValue"]).or_else(|| quantity(&target["value"])) {
                let now_value = status.and_then(|s| quantity(&s["current"]["averageValue"]).or_else(|| quantity(&s["current"]["value"]))).unwrap_or_else(|| "<unknown>".into());
                let suffix = if target["averageValue"].is_null() { "" } else { " (avg)" };
                if matches!(metric_type, "Resource" | "ContainerResource") {
                    format!("{label}{now_value}/{target_value}")
                } else {
                    format!("{label}{now_value}/{target_value}{suffix}")
                }
            } else {
                let now_value = status.and_then(|s| s["current"]["averageUtilization"].as_i64()).map_or_else(|| "<unknown>".to_string(), |u| format!("{u}%"));
                let target_value = target["averageUtilization"].as_i64().map_or_else(|| "<auto>".to_string(), |u| format!("{u}%"));
                format!("{label}{now_value}/{target_value}")
            }
        })
        .collect();
    const SHOWN: usize = 2;
    if entries.len() > SHOWN {
        format!("{} + {} more...", entries[..SHOWN].join(", "), entries.len() - SHOWN)
    } else {
        entries.join(", ")
    }
}

fn ingress_cells(object: &Value, now: i64) -> Vec<Value> {
    let spec = &object["spec"];
    let class = spec["ingressClassName"].as_str().unwrap_or("<none>");
    let hosts: Vec<&str> = spec["rules"].as_array().into_iter().flatten().filter_map(|rule| rule["host"].as_str().filter(|h| !h.is_empty())).collect();
    const SHOWN_HOSTS: usize = 3;
    let hosts_text = if hosts.is_empty() {
        "*".to_string()
    } else if hosts.len() > SHOWN_HOSTS {
        format!("{} + {} more...", hosts[..SHOWN_HOSTS].join(","), hosts.len() - SHOWN_HOSTS)
    } else {
        hosts.join(",")
    };
    let addresses: Vec<&str> = object["status"]["loadBalancer"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|ingress| ingress["ip"].as_str().filter(|s| !s.is_empty()).or_else(|| ingress["hostname"].as_str()))
        .collect();
    // Not `-o wide`: the address list is cut to 16 characters.
    const ADDRESS_WIDTH: usize = 16;
    let mut address = addresses.join(",");
    if address.len() > ADDRESS_WIDTH {
        address = format!("{}...", &address[..ADDRESS_WIDTH - 3]);
    }
    let has_tls = spec["tls"].as_array().is_some_and(|tls| !tls.is_empty());
    vec![name(object), json!(class), json!(hosts_text), json!(address), json!(if has_tls { "80, 443" } else { "80" }), age(object, now)]
}

fn configmap_cells(object: &Value, now: i64) -> Vec<Value> {
    let count = object["data"].as_object().map_or(0, |m| m.len()) + object["binaryData"].as_object().map_or(0, |m| m.len());
    vec![name(object), json!(count), age(object, now)]
}

fn secret_cells(object: &Value, now: i64) -> Vec<Value> {
    let count = object["data"].as_object().map_or(0, |m| m.len());
    vec![name(object), json!(object["type"].as_str().unwrap_or("Opaque")), json!(count), age(object, now)]
}

fn serviceaccount_cells(object: &Value, now: i64) -> Vec<Value> {
    vec![name(object), json!(object["secrets"].as_array().map_or(0, Vec::len)), age(object, now)]
}

fn job_cells(object: &Value, now: i64) -> Vec<Value> {
    let status = &object["status"];
    let condition = |kind: &str| status["conditions"].as_array().into_iter().flatten().any(|c| c["type"] == kind && c["status"] == "True");
    let job_status = if condition("Complete") {
        "Complete"
    } else if condition("Failed") {
        "Failed"
    } else {
        "Running"
    };
    let completions = match object["spec"]["completions"].as_i64() {
        Some(wanted) => format!("{}/{wanted}", int(&status["succeeded"])),
        None => format!("{}/1", int(&status["succeeded"])),
    };
    let duration = match (status["startTime"].as_str().and_then(parse_rfc3339), status["completionTime"].as_str().and_then(parse_rfc3339)) {
        (Some(start), Some(end)) => human_duration(end - start),
        (Some(start), None) => human_duration(now - start),
        _ => String::new(),
    };
    vec![name(object), json!(job_status), json!(completions), json!(duration), age(object, now)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_header_asks_for_a_table() {
        assert!(wants_table("application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"));
        assert!(!wants_table("application/json"));
        assert!(!wants_table("application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io"));
    }

    #[test]
    fn ages_read_like_kubectl() {
        assert_eq!(human_duration(5), "5s");
        assert_eq!(human_duration(125), "2m5s");
        assert_eq!(human_duration(3 * 3600 + 120), "3h2m");
        assert_eq!(human_duration(3 * 86_400), "3d");
        assert_eq!(parse_rfc3339("1970-01-02T00:00:01Z"), Some(86_401));
        assert_eq!(parse_rfc3339(&crate::server::rfc3339_at(1_795_000_123)), Some(1_795_000_123));
    }

    #[test]
    fn deployment_and_service_rows() {
        let deployment = json!({"metadata": {"name": "web"}, "spec": {"replicas": 3}, "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        let cells = deployment_cells(&deployment, 0);
        assert_eq!(cells[..4], [json!("web"), json!("2/3"), json!(3), json!(2)]);
        let service = json!({"metadata": {"name": "api"}, "spec": {"type": "NodePort", "clusterIP": "10.0.0.7", "ports": [{"port": 80, "nodePort": 30080}, {"port": 53, "protocol": "UDP"}]}});
        let cells = service_cells(&service, 0);
        assert_eq!(cells[..5], [json!("api"), json!("NodePort"), json!("10.0.0.7"), json!("<none>"), json!("80:30080/TCP,53/UDP")]);
        let hpa_metrics = [json!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}})];
        assert_eq!(hpa_targets(&hpa_metrics, &[]), "cpu: <unknown>/80%");
    }
}
