//! A few of kube-apiserver's object validations, with its wording, so that a chart value the
//! real server refuses (a `0` utilisation, negative replicas, a container without an image)
//! is refused here too with `422 Invalid`: tests then drive "an object fails validation
//! halfway through an install" by values alone, the same way on testkube and a real cluster.

use serde_json::{json, Value};

use crate::resources::ResourceType;

/// One refused field: (path, kube-apiserver's `Invalid value: ...` or `Required value` text).
struct FieldError {
    field: String,
    detail: String,
}

/// The `Status` message and details for an invalid object, or `None` when it passes.
pub(crate) fn validate(resource: &ResourceType, object: &Value) -> Option<(String, Value)> {
    let mut errors = Vec::new();
    match (resource.group.as_str(), resource.plural.as_str()) {
        ("apps", "deployments" | "statefulsets" | "replicasets") => {
            check_replicas(object, &mut errors);
            check_pod_template(&object["spec"]["template"]["spec"], "spec.template.spec", &mut errors);
        }
        ("", "pods") => check_pod_template(&object["spec"], "spec", &mut errors),
        ("autoscaling", "horizontalpodautoscalers") => check_hpa(object, &mut errors),
        _ => {}
    }
    if errors.is_empty() {
        return None;
    }
    let name = object["metadata"]["name"].as_str().unwrap_or("");
    // `Deployment.apps "web" is invalid: ...`; core kinds have no group suffix.
    let qualified_kind = if resource.group.is_empty() { resource.kind.clone() } else { format!("{}.{}", resource.kind, resource.group) };
    let listed: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.detail)).collect();
    let message = if listed.len() == 1 {
        format!("{qualified_kind} {name:?} is invalid: {}", listed[0])
    } else {
        format!("{qualified_kind} {name:?} is invalid: [{}]", listed.join(", "))
    };
    let causes: Vec<Value> = errors.iter().map(|e| json!({"reason": "FieldValueInvalid", "message": e.detail, "field": e.field})).collect();
    Some((message, json!({"name": name, "group": resource.group, "kind": resource.kind, "causes": causes})))
}

fn check_replicas(object: &Value, errors: &mut Vec<FieldError>) {
    if let Some(replicas) = object["spec"]["replicas"].as_i64().filter(|r| *r < 0) {
        errors.push(FieldError { field: "spec.replicas".into(), detail: format!("Invalid value: {replicas}: must be greater than or equal to 0") });
    }
}

fn check_pod_template(pod_spec: &Value, path: &str, errors: &mut Vec<FieldError>) {
    for (index, container) in pod_spec["containers"].as_array().into_iter().flatten().enumerate() {
        if container["image"].as_str().is_none_or(|image| image.trim().is_empty()) {
            errors.push(FieldError { field: format!("{path}.containers[{index}].image"), detail: "Required value".into() });
        }
    }
}

fn check_hpa(object: &Value, errors: &mut Vec<FieldError>) {
    let spec = &object["spec"];
    if let Some(max) = spec["maxReplicas"].as_i64().filter(|m| *m < 1) {
        errors.push(FieldError { field: "spec.maxReplicas".into(), detail: format!("Invalid value: {max}: must be greater than 0") });
    }
    for (index, metric) in spec["metrics"].as_array().into_iter().flatten().enumerate() {
        if let Some(utilization) = metric["resource"]["target"]["averageUtilization"].as_i64().filter(|u| *u < 1) {
            errors.push(FieldError {
                field: format!("spec.metrics[{index}].resource.target.averageUtilization"),
                detail: format!("Invalid value: {utilization}: must be greater than 0"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hpa() -> ResourceType {
        ResourceType::new("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, true)
    }

    #[test]
    fn refuses_what_kube_apiserver_refuses_in_its_words() {
        let object = json!({"metadata": {"name": "web"}, "spec": {"maxReplicas": 3, "metrics": [{"resource": {"target": {"averageUtilization": 0}}}]}});
        let (message, details) = validate(&hpa(), &object).expect("invalid");
        assert_eq!(message, "HorizontalPodAutoscaler.autoscaling \"web\" is invalid: spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0");
        assert_eq!(details["causes"][0]["field"], "spec.metrics[0].resource.target.averageUtilization");
        let deployment = ResourceType::new("apps", "v1", "deployments", "Deployment", true, true);
        let object = json!({"metadata": {"name": "d"}, "spec": {"replicas": -1, "template": {"spec": {"containers": [{"name": "c"}]}}}});
        let (message, _) = validate(&deployment, &object).expect("invalid");
        assert_eq!(message, "Deployment.apps \"d\" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.spec.containers[0].image: Required value]");
    }

    #[test]
    fn passes_valid_objects() {
        let object = json!({"metadata": {"name": "web"}, "spec": {"maxReplicas": 3, "metrics": [{"resource": {"target": {"averageUtilization": 60}}}]}});
        assert!(validate(&hpa(), &object).is_none());
    }
}
