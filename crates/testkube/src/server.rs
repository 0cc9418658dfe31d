//! HTTP routing and the request handlers.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};

use crate::patch::{leaf_paths, merge_patch, remove_path, strategic_merge_patch};
use crate::resources::{self, ResourceType};
use crate::selectors::{object_labels, FieldSelector, LabelSelector};
use crate::{lock, Fault, State, StoredObject};

/// Request bodies above this are refused (the real server's limit is 3 MiB for most writes).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub(crate) async fn serve(listener: tokio::net::TcpListener, state: Arc<Mutex<State>>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| handle(Arc::clone(&state), request));
            // A client hanging up mid-request is not the server's problem.
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

type Reply = Response<Full<Bytes>>;
/// A reply, or the stream of a watch.
type Served = Response<http_body_util::Either<Full<Bytes>, crate::watch::WatchBody>>;

fn json_reply(code: u16, body: &Value) -> Reply {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    response
}

fn empty_openapi_v2() -> Reply {
    let mut response = Response::new(Full::new(Bytes::new()));
    response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/com.github.proto-openapi.spec.v2.v1.0+protobuf"));
    response
}

/// The `reason` kube-apiserver gives with each error code.
fn reason_for(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Expired",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        500 => "InternalError",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "Unknown",
    }
}

/// A `Status` failure object, as the API server returns for every error.
pub(crate) fn status_reply(code: u16, reason: &str, message: &str, details: Option<Value>) -> Reply {
    let mut body = json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code});
    if let Some(details) = details {
        body["details"] = details;
    }
    json_reply(code, &body)
}

fn error(code: u16, message: &str) -> Reply {
    status_reply(code, reason_for(code), message, None)
}

fn not_found(resource: &ResourceType, name: &str) -> Reply {
    status_reply(404, "NotFound", &format!("{} {name:?} not found", resource.qualified_plural()), Some(json!({"name": name, "group": resource.group, "kind": resource.plural})))
}

fn conflict(resource: &ResourceType, name: &str) -> Reply {
    status_reply(
        409,
        "Conflict",
        &format!("Operation cannot be fulfilled on {} {name:?}: the object has been modified; please apply your changes to the latest version and try again", resource.qualified_plural()),
        Some(json!({"name": name, "group": resource.group, "kind": resource.plural})),
    )
}

/// Now, as RFC 3339 seconds in UTC (`creationTimestamp`).
pub(crate) fn rfc3339_now() -> String {
    rfc3339_at(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0) as i64)
}

/// Seconds since the Unix epoch as RFC 3339 in UTC.
pub(crate) fn rfc3339_at(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (era-based method).
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", second_of_day / 3600, second_of_day % 3600 / 60, second_of_day % 60)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap_or("zz"), 16) {
                    Ok(byte) => {
                        out.push(byte);
                        index += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn parse_query(query: Option<&str>) -> BTreeMap<String, String> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

async fn handle(state: Arc<Mutex<State>>, request: Request<Incoming>) -> Result<Served, Infallible> {
    let is_watch = request.uri().query().is_some_and(|query| parse_query(Some(query)).get("watch").is_some_and(|v| v == "true" || v == "1"))
        || is_legacy_watch_path(request.uri().path());
    if is_watch && request.method() == Method::GET {
        let path = request.uri().path().to_string();
        let query = parse_query(request.uri().query());
        {
            let mut state = lock(&state);
            state.request_count += 1;
            let line = format!("GET {path}?{}", request.uri().query().unwrap_or(""));
            state.request_log.push(line);
        }
        let target = watch_target(&lock(&state), &path);
        return Ok(match target {
            Ok(target) => match crate::watch::start(Arc::clone(&state), target, &query) {
                Ok(body) => {
                    let mut response = Response::new(http_body_util::Either::Right(body));
                    response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
                    response
                }
                Err(message) => error(400, &message).map(http_body_util::Either::Left),
            },
            Err((code, message)) => error(code, message).map(http_body_util::Either::Left),
        });
    }
    handle_request(state, request).await.map(|reply| reply.map(http_body_util::Either::Left))
}

/// `/api/v1/watch/...` or `/apis/GROUP/VERSION/watch/...`.
fn is_legacy_watch_path(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    match segments.first() {
        Some(&"api") => segments.get(2) == Some(&"watch"),
        Some(&"apis") => segments.get(3) == Some(&"watch"),
        _ => false,
    }
}

/// The resource a watch URL names: `/api/v1/[watch/][namespaces/NS/]PLURAL` or the `/apis/G/V/`
/// form.
fn watch_target(state: &State, path: &str) -> Result<crate::watch::WatchTarget, (u16, &'static str)> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segments.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Err((404, "the server could not find the requested resource")),
    };
    let rest = rest.strip_prefix(&["watch"][..]).unwrap_or(rest);
    let (namespace, plural) = match rest {
        ["namespaces", namespace, plural] => (Some(namespace.to_string()), *plural),
        [plural] => (None, *plural),
        _ => return Err((405, "testkube watches collections only (use a fieldSelector for one object)")),
    };
    match state.find_resource(group, version, plural) {
        Some(resource) if namespace.is_none() || resource.namespaced => Ok(crate::watch::WatchTarget { resource, version: version.to_string(), namespace }),
        _ => Err((404, "the server could not find the requested resource")),
    }
}

async fn handle_request(state: Arc<Mutex<State>>, request: Request<Incoming>) -> Result<Reply, Infallible> {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query_text = request.uri().query().map(str::to_string);
    let request_line = match &query_text {
        Some(query) => format!("{method} {path}?{query}"),
        None => format!("{method} {path}"),
    };
    let fault = {
        let mut state = lock(&state);
        state.request_count += 1;
        let sequence = state.request_count;
        state.request_log.push(request_line.clone());
        state.take_fault(sequence, &request_line)
    };
    match fault {
        Some(Fault::Fail { code, message }) => return Ok(error(code, &message.unwrap_or_else(|| format!("injected failure ({code}) for {request_line}")))),
        Some(Fault::Stall { duration }) => tokio::time::sleep(duration).await,
        None => {}
    }
    let header = |name: hyper::header::HeaderName| request.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let content_type = header(hyper::header::CONTENT_TYPE);
    let accept = header(hyper::header::ACCEPT);
    let user_agent = header(hyper::header::USER_AGENT);
    let body = match Limited::new(request.into_body(), MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(error(413, "request body too large or unreadable")),
    };
    let mut query = parse_query(query_text.as_deref());
    if !query.contains_key("fieldManager") {
        // kube-apiserver's default field manager: the user agent up to its first '/'
        // (`kubectl/v1.33.0 (linux/amd64) ...` -> `kubectl`).
        let manager = user_agent.split('/').next().unwrap_or("").trim().to_string();
        if !manager.is_empty() && !content_type.starts_with("application/apply-patch") {
            query.insert("fieldManager".into(), manager);
        }
    }
    let (reply, log) = {
        let mut state = lock(&state);
        (route(&mut state, &method, &path, &query, &content_type, &accept, &body), state.log_to_stderr)
    };
    if !log {
        return Ok(reply);
    }
    let (parts, body) = reply.into_parts();
    let bytes = body.collect().await.map(|collected| collected.to_bytes()).unwrap_or_default();
    let code = parts.status.as_u16();
    let mut line = format!("testkube: {request_line} [content-type: {content_type:?}, accept: {accept:?}] -> {code}");
    if code >= 400 {
        // The Status message says why the request was refused.
        line.push(' ');
        line.push_str(&String::from_utf8_lossy(&bytes));
    }
    eprintln!("{line}");
    Ok(Response::from_parts(parts, Full::new(bytes)))
}

/// What a resource URL names.
struct Target {
    resource: ResourceType,
    namespace: Option<String>,
    name: Option<String>,
    subresource: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn route(state: &mut State, method: &Method, path: &str, query: &BTreeMap<String, String>, content_type: &str, accept: &str, body: &[u8]) -> Reply {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, rest): (&str, &str, &[&str]) = match segments.as_slice() {
        ["version"] => return json_reply(200, &resources::version_document()),
        // An empty OpenAPI v2 document (zero protobuf bytes decode to an empty `Document`):
        // clients that validate against the schema (helm, kubectl) find no models and skip
        // client-side validation instead of failing to download one.
        ["openapi", "v2"] => return empty_openapi_v2(),
        ["api"] => return json_reply(200, &resources::core_versions_document()),
        ["apis"] => return json_reply(200, &resources::group_list_document(&state.resources)),
        ["api", version] => {
            return match resources::resource_list_document(&state.resources, "", version) {
                Some(document) => json_reply(200, &document),
                None => error(404, "the server could not find the requested resource"),
            }
        }
        ["apis", group, version] => {
            return match resources::resource_list_document(&state.resources, group, version) {
                Some(document) => json_reply(200, &document),
                None => error(404, "the server could not find the requested resource"),
            }
        }
        ["apis", group] => {
            let list = resources::group_list_document(&state.resources);
            let found = list["groups"].as_array().and_then(|groups| groups.iter().find(|g| g["name"] == *group).cloned());
            return match found {
                Some(mut document) => {
                    document["kind"] = json!("APIGroup");
                    document["apiVersion"] = json!("v1");
                    json_reply(200, &document)
                }
                None => error(404, "the server could not find the requested resource"),
            };
        }
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return error(404, "the server could not find the requested resource"),
    };
    let is_namespaced_path = rest.len() >= 3 && rest[0] == "namespaces" && state.find_resource(group, version, rest[2]).is_some_and(|r| r.namespaced);
    let (namespace, rest) = if is_namespaced_path { (Some(rest[1].to_string()), &rest[2..]) } else { (None, rest) };
    let Some(plural) = rest.first() else { return error(404, "the server could not find the requested resource") };
    let Some(resource) = state.find_resource(group, version, plural) else {
        return error(404, "the server could not find the requested resource");
    };
    let scalable = matches!(resource.plural.as_str(), "deployments" | "statefulsets" | "replicasets" | "replicationcontrollers");
    let has_log = resource.group.is_empty() && resource.plural == "pods";
    if rest.len() > 3 || (rest.len() == 3 && !((rest[2] == "status" && resource.has_status) || (rest[2] == "scale" && scalable) || (rest[2] == "log" && has_log))) {
        return error(404, "the server could not find the requested resource");
    }
    if namespace.is_some() && !resource.namespaced {
        return error(404, "the server could not find the requested resource");
    }
    let target = Target { resource, namespace, name: rest.get(1).map(|s| s.to_string()), subresource: rest.get(2).map(|s| s.to_string()) };
    let dry_run = query.contains_key("dryRun");
    if target.subresource.as_deref() == Some("log") {
        return pod_log(state, &target, method);
    }
    if target.subresource.as_deref() == Some("scale") {
        return scale(state, &target, version, method, body, content_type, query, dry_run);
    }
    match (method, target.name.is_some()) {
        (&Method::GET, _) if crate::table::wants_table(accept) => get_as_table(state, &target, version, query),
        (&Method::GET, false) => list(state, &target, version, query),
        (&Method::GET, true) => get(state, &target, version),
        (&Method::POST, false) => match parse_body(body, content_type) {
            Ok(object) => create(state, &target, version, object, dry_run),
            Err(reply) => reply,
        },
        (&Method::PUT, true) => match parse_body(body, content_type) {
            Ok(object) => replace(state, &target, version, object, query, dry_run),
            Err(reply) => reply,
        },
        (&Method::PATCH, true) => patch(state, &target, version, body, content_type, query, dry_run),
        (&Method::DELETE, true) => delete(state, &target, dry_run),
        _ => error(405, &format!("the server does not allow this method on the requested resource ({method})")),
    }
}

fn object_key(target: &Target, name: &str) -> crate::ObjectKey {
    let namespace = if target.resource.namespaced { target.namespace.clone().unwrap_or_default() } else { String::new() };
    (target.resource.group.clone(), target.resource.plural.clone(), namespace, name.to_string())
}

/// The object as served through `version` (objects are shared across versions of a group).
pub(crate) fn served(body: &Value, resource: &ResourceType, version: &str) -> Value {
    let mut out = body.clone();
    if let Some(fields) = out.as_object_mut() {
        let api_version = if resource.group.is_empty() { version.to_string() } else { format!("{}/{version}", resource.group) };
        fields.insert("apiVersion".into(), Value::String(api_version));
        fields.insert("kind".into(), Value::String(resource.kind.clone()));
    }
    out
}

/// The objects a LIST selects (all pages).
// A Reply is the natural error here: every caller returns it unchanged.
#[allow(clippy::result_large_err)]
fn list_items(state: &State, target: &Target, version: &str, query: &BTreeMap<String, String>) -> Result<Vec<Value>, Reply> {
    let labels = LabelSelector::parse(query.get("labelSelector").map(String::as_str).unwrap_or("")).map_err(|message| error(400, &message))?;
    let fields = FieldSelector::parse(query.get("fieldSelector").map(String::as_str).unwrap_or("")).map_err(|message| error(400, &message))?;
    Ok(state
        .objects
        .iter()
        .filter(|((group, plural, namespace, _), _)| {
            *group == target.resource.group && *plural == target.resource.plural && target.namespace.as_ref().is_none_or(|ns| ns == namespace)
        })
        .map(|(_, stored)| served(&stored.body, &target.resource, version))
        .filter(|object| labels.matches(&object_labels(object)) && fields.matches(object))
        .collect())
}

fn list(state: &mut State, target: &Target, version: &str, query: &BTreeMap<String, String>) -> Reply {
    let mut items = match list_items(state, target, version, query) {
        Ok(items) => items,
        Err(reply) => return reply,
    };
    let offset: usize = query.get("continue").and_then(|c| c.parse().ok()).unwrap_or(0);
    let limit: usize = query.get("limit").and_then(|l| l.parse().ok()).filter(|l| *l > 0).unwrap_or(usize::MAX);
    let total = items.len();
    items = items.into_iter().skip(offset).take(limit).collect();
    let mut metadata = json!({"resourceVersion": state.last_resource_version.to_string()});
    if offset.saturating_add(limit) < total {
        metadata["continue"] = json!((offset + limit).to_string());
        metadata["remainingItemCount"] = json!(total - offset - limit);
    }
    let api_version = if target.resource.group.is_empty() { version.to_string() } else { format!("{}/{version}", target.resource.group) };
    json_reply(200, &json!({"kind": format!("{}List", target.resource.kind), "apiVersion": api_version, "metadata": metadata, "items": items}))
}

/// A GET answered as a `meta.k8s.io/v1` `Table` (one row for an object, one per item of a
/// list, after the list's selectors).
fn get_as_table(state: &mut State, target: &Target, version: &str, query: &BTreeMap<String, String>) -> Reply {
    let include_object = query.get("includeObject").map(String::as_str).unwrap_or("PartialObjectMetadata");
    let objects = match &target.name {
        Some(name) => match state.objects.get(&object_key(target, name)) {
            Some(stored) => vec![served(&stored.body, &target.resource, version)],
            None => return not_found(&target.resource, name),
        },
        None => {
            let mut unpaged = query.clone();
            unpaged.remove("limit");
            unpaged.remove("continue");
            match list_items(state, target, version, &unpaged) {
                Ok(items) => items,
                Err(reply) => return reply,
            }
        }
    };
    json_reply(200, &crate::table::table(&target.resource.kind, &objects, include_object, &state.last_resource_version.to_string()))
}

fn get(state: &mut State, target: &Target, version: &str) -> Reply {
    let name = target.name.clone().unwrap_or_default();
    match state.objects.get(&object_key(target, &name)) {
        Some(stored) => json_reply(200, &served(&stored.body, &target.resource, version)),
        None => not_found(&target.resource, &name),
    }
}

// A Reply is the natural error here: every caller returns it unchanged.
#[allow(clippy::result_large_err)]
fn parse_body(body: &[u8], content_type: &str) -> Result<Value, Reply> {
    if content_type.split(';').next().unwrap_or("").trim() == "application/vnd.kubernetes.protobuf" {
        return crate::protobuf::decode_object(body).map_err(|err| error(err.code, &err.message));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) if value.is_object() => Ok(value),
        Ok(_) => Err(error(400, "the body of the request is not a JSON object")),
        Err(err) => Err(error(400, &format!("the body of the request was in an unknown format: {err}"))),
    }
}

/// Whether the namespace a namespaced write targets exists (the real server refuses otherwise).
fn namespace_missing(state: &State, target: &Target) -> Option<Reply> {
    let namespace = target.namespace.as_deref()?;
    let key = (String::new(), "namespaces".to_string(), String::new(), namespace.to_string());
    if state.objects.contains_key(&key) {
        return None;
    }
    Some(status_reply(404, "NotFound", &format!("namespaces {namespace:?} not found"), Some(json!({"name": namespace, "kind": "namespaces"}))))
}

fn create(state: &mut State, target: &Target, version: &str, mut object: Value, dry_run: bool) -> Reply {
    if target.resource.namespaced && target.namespace.is_none() {
        return error(404, "the server could not find the requested resource");
    }
    if let Some(reply) = namespace_missing(state, target) {
        return reply;
    }
    if !object["metadata"].is_object() {
        object["metadata"] = json!({});
    }
    if let (Some(body_namespace), Some(path_namespace)) = (object["metadata"]["namespace"].as_str(), target.namespace.as_deref()) {
        if body_namespace != path_namespace {
            return error(400, "the namespace of the provided object does not match the namespace sent on the request");
        }
    }
    let name = match (object["metadata"]["name"].as_str(), object["metadata"]["generateName"].as_str()) {
        (Some(name), _) if !name.is_empty() => name.to_string(),
        (_, Some(prefix)) => format!("{prefix}{:05x}", (state.last_uid + 1) * 7919 % 0xfffff),
        _ => return status_reply(422, "Invalid", &format!("{} \"\" is invalid: metadata.name: Required value: name or generateName is required", target.resource.kind), None),
    };
    let key = object_key(target, &name);
    if state.objects.contains_key(&key) {
        return status_reply(409, "AlreadyExists", &format!("{} {name:?} already exists", target.resource.qualified_plural()), Some(json!({"name": name, "group": target.resource.group, "kind": target.resource.plural})));
    }
    if let Some(metadata) = object["metadata"].as_object_mut() {
        metadata.remove("resourceVersion");
    }
    if target.resource.plural == "namespaces" {
        object["status"] = json!({"phase": "Active"});
    } else if target.resource.has_status {
        // Status is written through the status subresource only.
        if let Some(fields) = object.as_object_mut() {
            fields.remove("status");
        }
    }
    let object = served(&object, &target.resource, version);
    if let Some((message, details)) = crate::validation::validate(&target.resource, &object) {
        return status_reply(422, "Invalid", &message, Some(details));
    }
    if dry_run {
        return json_reply(201, &object);
    }
    let (group, plural, namespace, name) = key;
    let mut stored = state.insert_new(group.clone(), plural.clone(), namespace.clone(), name.clone(), object);
    if group == "apiextensions.k8s.io" && plural == "customresourcedefinitions" {
        // The apiextensions controller: serve the new kind, and say so in the status (Helm
        // waits for `Established` before it installs the chart's objects).
        serve_custom_resource(state, &stored);
        let now = rfc3339_now();
        stored["status"] = json!({
            "acceptedNames": stored["spec"]["names"].clone(),
            "storedVersions": stored["spec"]["versions"].as_array().map(|versions| versions.iter().filter(|v| v["storage"] == true).map(|v| v["name"].clone()).collect::<Vec<_>>()).unwrap_or_default(),
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts", "message": "no conflicts found", "lastTransitionTime": now},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted", "message": "the initial names have been accepted", "lastTransitionTime": now}
            ]
        });
        let resource_version = state.next_resource_version();
        stored["metadata"]["resourceVersion"] = json!(resource_version);
        if let Some(entry) = state.objects.get_mut(&(group.clone(), plural.clone(), namespace.clone(), name.clone())) {
            entry.body = stored.clone();
        }
    }
    if state.roll_out_workloads {
        roll_out(state, &(group.clone(), plural.clone(), namespace.clone(), name.clone()));
    }
    if state.complete_jobs && group.is_empty() && plural == "pods" {
        // The kubelet: the pod runs to completion (Failed when the Job outcome annotation says so).
        let failed = stored["metadata"]["annotations"][JOB_OUTCOME_ANNOTATION] == "failed";
        stored["status"] = json!({"phase": if failed { "Failed" } else { "Succeeded" }, "startTime": rfc3339_now()});
        let resource_version = state.next_resource_version();
        stored["metadata"]["resourceVersion"] = json!(resource_version);
        if let Some(entry) = state.objects.get_mut(&(group.clone(), plural.clone(), namespace.clone(), name.clone())) {
            entry.body = stored.clone();
        }
    }
    if state.complete_jobs && group == "batch" && plural == "jobs" {
        stored["status"] = finished_job_status(&stored);
        let resource_version = state.next_resource_version();
        stored["metadata"]["resourceVersion"] = json!(resource_version);
        if let Some(entry) = state.objects.get_mut(&(group, plural, namespace, name)) {
            entry.body = stored.clone();
        }
    }
    json_reply(201, &stored)
}

/// Serves every served version of a CustomResourceDefinition from now on.
fn serve_custom_resource(state: &mut State, crd: &Value) {
    let spec = &crd["spec"];
    let (Some(group), Some(plural), Some(kind)) = (spec["group"].as_str(), spec["names"]["plural"].as_str(), spec["names"]["kind"].as_str()) else { return };
    let namespaced = spec["scope"] != "Cluster";
    for version in spec["versions"].as_array().into_iter().flatten().filter(|v| v["served"] != false) {
        let Some(version_name) = version["name"].as_str() else { continue };
        let has_status = version["subresources"]["status"].is_object();
        let mut resource = ResourceType::new(group, version_name, plural, kind, namespaced, has_status);
        if let Some(singular) = spec["names"]["singular"].as_str() {
            resource.singular = singular.to_string();
        }
        if !state.resources.contains(&resource) {
            state.resources.push(resource);
        }
    }
}

/// The annotation that makes a Job fail when testkube completes Jobs (for hook-failed tests).
pub(crate) const JOB_OUTCOME_ANNOTATION: &str = "testkube.chartroom.dev/job-outcome";

/// What the Job controller writes once a Job's pod finished: `Complete` (or `Failed`, when the
/// Job's annotation asks for it).
fn finished_job_status(job: &Value) -> Value {
    let now = rfc3339_now();
    if job["metadata"]["annotations"][JOB_OUTCOME_ANNOTATION] == "failed" {
        json!({"startTime": now, "failed": 1, "conditions": [
            {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now},
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": now, "lastTransitionTime": now}
        ]})
    } else {
        json!({"startTime": now, "completionTime": now, "succeeded": 1, "ready": 0, "terminating": 0, "uncountedTerminatedPods": {}, "conditions": [
            {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now},
            {"type": "Complete", "status": "True", "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods", "lastProbeTime": now, "lastTransitionTime": now}
        ]})
    }
}

/// Applies `new_body` as the object's next state: keeps server-owned metadata, keeps or takes
/// the status according to the subresource, checks the resourceVersion precondition.
fn commit(state: &mut State, target: &Target, version: &str, mut new_body: Value, status_only: bool, manager: Option<&str>, dry_run: bool) -> Reply {
    let name = target.name.clone().unwrap_or_default();
    let key = object_key(target, &name);
    let Some(stored) = state.objects.get(&key).cloned() else { return not_found(&target.resource, &name) };
    let current = &stored.body;
    if let Some(requested) = new_body["metadata"]["resourceVersion"].as_str() {
        if requested != current["metadata"]["resourceVersion"].as_str().unwrap_or("") {
            return conflict(&target.resource, &name);
        }
    }
    if new_body["metadata"]["name"].as_str().is_some_and(|n| n != name) {
        return error(400, "the name of the object does not match the name on the URL");
    }
    let mut next = if status_only {
        let mut next = current.clone();
        next["status"] = new_body.get("status").cloned().unwrap_or(Value::Null);
        next
    } else {
        if target.resource.has_status {
            match current.get("status") {
                Some(status) => new_body["status"] = status.clone(),
                None => {
                    if let Some(fields) = new_body.as_object_mut() {
                        fields.remove("status");
                    }
                }
            }
        }
        new_body
    };
    if !next["metadata"].is_object() {
        next["metadata"] = json!({});
    }
    for owned in ["uid", "creationTimestamp", "namespace", "name"] {
        match current["metadata"].get(owned) {
            Some(value) => next["metadata"][owned] = value.clone(),
            None => {
                if let Some(metadata) = next["metadata"].as_object_mut() {
                    metadata.remove(owned);
                }
            }
        }
    }
    let spec_changed = {
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Some(fields) = v.as_object_mut() {
                fields.remove("metadata");
                fields.remove("status");
            }
            v
        };
        strip(current) != strip(&next)
    };
    let generation = current["metadata"]["generation"].as_i64().unwrap_or(1);
    next["metadata"]["generation"] = json!(if spec_changed { generation + 1 } else { generation });
    next = served(&next, &target.resource, version);
    if !status_only {
        if let Some((message, details)) = crate::validation::validate(&target.resource, &next) {
            return status_reply(422, "Invalid", &message, Some(details));
        }
    }
    if dry_run {
        return json_reply(200, &next);
    }
    let mut managers = stored.managers.clone();
    if let Some(manager) = manager {
        // An update manager takes the fields whose values it changed.
        let mut before = Vec::new();
        leaf_paths(current, "", &mut before);
        let before: BTreeMap<String, Value> = before.into_iter().collect();
        let mut after = Vec::new();
        leaf_paths(&next, "", &mut after);
        for (path, value) in after {
            if path.starts_with("metadata.") || path == "apiVersion" || path == "kind" || path.starts_with("status") {
                continue;
            }
            if before.get(&path) != Some(&value) {
                for owned in managers.values_mut() {
                    owned.remove(&path);
                }
                managers.entry(manager.to_string()).or_default().insert(path, value);
            }
        }
    }
    next["metadata"]["resourceVersion"] = json!(state.next_resource_version());
    state.objects.insert(key.clone(), StoredObject { body: next.clone(), managers });
    if state.roll_out_workloads && !status_only {
        roll_out(state, &key);
    }
    json_reply(200, &next)
}

/// `GET pods/NAME/log`: what the pod "printed" (its `testkube.chartroom.dev/log` annotation),
/// as `text/plain`, like the kubelet's log stream of a finished container.
fn pod_log(state: &mut State, target: &Target, method: &Method) -> Reply {
    if method != Method::GET {
        return error(405, &format!("the server does not allow this method on the requested resource ({method})"));
    }
    let name = target.name.clone().unwrap_or_default();
    let Some(stored) = state.objects.get(&object_key(target, &name)) else { return not_found(&target.resource, &name) };
    let text = stored.body["metadata"]["annotations"][POD_LOG_ANNOTATION].as_str().unwrap_or("").to_string();
    let mut response = Response::new(Full::new(Bytes::from(text)));
    response.headers_mut().insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/plain"));
    response
}

/// The annotation holding what a pod's container prints (its log), for `pods/NAME/log`.
pub(crate) const POD_LOG_ANNOTATION: &str = "testkube.chartroom.dev/log";

/// An image tag that testkube's workload controller treats as unpullable.
pub(crate) const UNPULLABLE_TAG_PREFIX: &str = "unpullable";

/// The Deployment/StatefulSet controllers' answer to a write: every replica rolled out and
/// ready for the current generation, or none ready when an image cannot be pulled.
fn roll_out(state: &mut State, key: &crate::ObjectKey) {
    let (group, plural, _, _) = key;
    if group != "apps" || !matches!(plural.as_str(), "deployments" | "statefulsets") {
        return;
    }
    let resource_version = state.next_resource_version();
    let Some(stored) = state.objects.get_mut(key) else { return };
    let body = &mut stored.body;
    let replicas = body["spec"]["replicas"].as_i64().unwrap_or(1);
    let generation = body["metadata"]["generation"].as_i64().unwrap_or(1);
    let unpullable = body["spec"]["template"]["spec"]["containers"].as_array().into_iter().flatten().any(|container| {
        let image = container["image"].as_str().unwrap_or("");
        // The tag follows the last ':' after the last '/' (a registry port is not a tag).
        let last_segment = image.rsplit('/').next().unwrap_or(image);
        last_segment.split_once(':').is_some_and(|(_, tag)| tag.starts_with(UNPULLABLE_TAG_PREFIX))
    });
    let ready = if unpullable { 0 } else { replicas };
    let now = rfc3339_now();
    let available = if ready >= replicas { "True" } else { "False" };
    body["status"] = if plural == "deployments" {
        json!({
            "observedGeneration": generation, "replicas": replicas, "updatedReplicas": replicas,
            "readyReplicas": ready, "availableReplicas": ready, "unavailableReplicas": replicas - ready,
            "conditions": [{"type": "Available", "status": available, "reason": if unpullable { "MinimumReplicasUnavailable" } else { "MinimumReplicasAvailable" }, "lastUpdateTime": now, "lastTransitionTime": now}]
        })
    } else {
        json!({"observedGeneration": generation, "replicas": replicas, "updatedReplicas": replicas, "readyReplicas": ready, "availableReplicas": ready, "currentReplicas": replicas})
    };
    body["metadata"]["resourceVersion"] = json!(resource_version);
}

fn replace(state: &mut State, target: &Target, version: &str, object: Value, query: &BTreeMap<String, String>, dry_run: bool) -> Reply {
    let status_only = target.subresource.as_deref() == Some("status");
    let manager = query.get("fieldManager").map(String::as_str).unwrap_or("testkube-update");
    commit(state, target, version, object, status_only, Some(manager), dry_run)
}

fn patch(state: &mut State, target: &Target, version: &str, body: &[u8], content_type: &str, query: &BTreeMap<String, String>, dry_run: bool) -> Reply {
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    let patch_body = match serde_json::from_slice::<Value>(body) {
        Ok(value) => value,
        Err(err) => return error(400, &format!("the body of the request was in an unknown format: {err}")),
    };
    let name = target.name.clone().unwrap_or_default();
    let key = object_key(target, &name);
    let status_only = target.subresource.as_deref() == Some("status");
    if media_type == "application/apply-patch+yaml" {
        return apply(state, target, version, patch_body, query, status_only, dry_run);
    }
    let Some(current) = state.objects.get(&key).map(|stored| stored.body.clone()) else { return not_found(&target.resource, &name) };
    let mut next = current.clone();
    match media_type {
        "application/merge-patch+json" => merge_patch(&mut next, &patch_body),
        "application/strategic-merge-patch+json" => strategic_merge_patch(&mut next, &patch_body),
        _ => return error(415, &format!("the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got {media_type:?})")),
    }
    // A resourceVersion in the patch is a precondition; otherwise the current one applies.
    if patch_body["metadata"]["resourceVersion"].is_null() {
        next["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"].clone();
    }
    let manager = query.get("fieldManager").map(String::as_str).unwrap_or("testkube-patch");
    commit(state, target, version, next, status_only, Some(manager), dry_run)
}

/// Server-side apply, faithful enough for tests: the field manager owns the leaf fields it
/// applies; a field another manager owns with a different value is a conflict unless forced;
/// fields the manager applied before and no longer applies are removed.
fn apply(state: &mut State, target: &Target, version: &str, applied: Value, query: &BTreeMap<String, String>, status_only: bool, dry_run: bool) -> Reply {
    let Some(manager) = query.get("fieldManager").filter(|m| !m.is_empty()).cloned() else {
        return status_reply(422, "Invalid", "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch", None);
    };
    if !applied.is_object() {
        return error(400, "the applied configuration is not an object");
    }
    let force = query.get("force").is_some_and(|f| f == "true");
    let name = target.name.clone().unwrap_or_default();
    let key = object_key(target, &name);
    let mut applied_fields = Vec::new();
    leaf_paths(&applied, "", &mut applied_fields);
    let is_identity = |path: &str| matches!(path, "apiVersion" | "kind" | "metadata.name" | "metadata.namespace" | "metadata.resourceVersion");
    let applied_fields: BTreeMap<String, Value> = applied_fields.into_iter().filter(|(path, _)| !is_identity(path)).collect();

    let Some(stored) = state.objects.get(&key).cloned() else {
        // Apply creates a missing object.
        if let Some(reply) = namespace_missing(state, target) {
            return reply;
        }
        let mut object = applied.clone();
        if object["metadata"]["name"].as_str().is_none() {
            object["metadata"]["name"] = json!(name);
        }
        let created = create(state, target, version, object, dry_run);
        if !dry_run && created.status() == StatusCode::CREATED {
            if let Some(entry) = state.objects.get_mut(&key) {
                entry.managers.insert(manager, applied_fields);
            }
        }
        return created;
    };

    // (manager, field) pairs, in kube-apiserver's wording and with its `causes`.
    let mut conflicts = Vec::new();
    let api_version = target.resource.api_version();
    for (path, value) in &applied_fields {
        for (other, owned) in &stored.managers {
            if *other != manager && owned.get(path).is_some_and(|theirs| theirs != value) {
                conflicts.push((format!("conflict with {other:?} using {api_version}"), format!(".{path}")));
            }
        }
    }
    if !conflicts.is_empty() && !force {
        let count = conflicts.len();
        let message = if count == 1 {
            format!("Apply failed with 1 conflict: {}: {}", conflicts[0].0, conflicts[0].1)
        } else {
            let lines: Vec<String> = conflicts.iter().map(|(who, field)| format!("* {who}: {field}")).collect();
            format!("Apply failed with {count} conflicts: {}", lines.join("\n"))
        };
        let causes: Vec<Value> = conflicts.iter().map(|(who, field)| json!({"reason": "FieldManagerConflict", "message": who, "field": field})).collect();
        return status_reply(409, "Conflict", &message, Some(json!({"name": name, "group": target.resource.group, "kind": target.resource.plural, "causes": causes})));
    }
    let mut next = stored.body.clone();
    let previously_owned = stored.managers.get(&manager).cloned().unwrap_or_default();
    for path in previously_owned.keys() {
        let owned_by_others = stored.managers.iter().any(|(other, owned)| *other != manager && owned.contains_key(path));
        if !applied_fields.contains_key(path) && !owned_by_others {
            remove_path(&mut next, path);
        }
    }
    let mut overlay = applied.clone();
    if let Some(metadata) = overlay["metadata"].as_object_mut() {
        metadata.remove("resourceVersion");
    }
    strategic_merge_patch(&mut next, &overlay);
    let reply = commit(state, target, version, next, status_only, None, dry_run);
    if !dry_run && reply.status() == StatusCode::OK {
        if let Some(entry) = state.objects.get_mut(&key) {
            for (other, owned) in entry.managers.iter_mut() {
                if *other != manager {
                    // Forced fields move to the applier; equal values stay shared.
                    owned.retain(|path, theirs| applied_fields.get(path).is_none_or(|ours| ours == theirs));
                }
            }
            entry.managers.insert(manager, applied_fields);
        }
    }
    reply
}

/// The `autoscaling/v1` Scale of a scalable object.
fn scale_of(object: &Value) -> Value {
    let metadata = &object["metadata"];
    let mut scale_metadata = json!({});
    for field in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
        if let Some(value) = metadata.get(field) {
            scale_metadata[field] = value.clone();
        }
    }
    let selector = object["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|labels| labels.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect::<Vec<_>>().join(","))
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_metadata,
        "spec": {"replicas": object["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {"replicas": object["status"]["replicas"].as_i64().unwrap_or(0), "selector": selector},
    })
}

/// `/scale`: reads and writes `.spec.replicas` of the parent; the writer's field manager
/// takes ownership of `.spec.replicas` (what `kubectl scale` and an HPA do).
#[allow(clippy::too_many_arguments)]
fn scale(state: &mut State, target: &Target, version: &str, method: &Method, body: &[u8], content_type: &str, query: &BTreeMap<String, String>, dry_run: bool) -> Reply {
    let name = target.name.clone().unwrap_or_default();
    let key = object_key(target, &name);
    let Some(current) = state.objects.get(&key).map(|stored| stored.body.clone()) else { return not_found(&target.resource, &name) };
    let requested = match *method {
        Method::GET => return json_reply(200, &scale_of(&current)),
        Method::PUT => match parse_body(body, content_type) {
            Ok(object) => object,
            Err(reply) => return reply,
        },
        Method::PATCH => {
            let Ok(patch_body) = serde_json::from_slice::<Value>(body) else { return error(400, "the body of the request was in an unknown format") };
            let mut scale = scale_of(&current);
            merge_patch(&mut scale, &patch_body);
            scale
        }
        _ => return error(405, &format!("the server does not allow this method on the requested resource ({method})")),
    };
    let Some(replicas) = requested["spec"]["replicas"].as_i64() else { return status_reply(422, "Invalid", "Scale.autoscaling \"\" is invalid: spec.replicas: Required value", None) };
    let mut next = current.clone();
    next["spec"]["replicas"] = json!(replicas);
    if let Some(precondition) = requested["metadata"]["resourceVersion"].as_str() {
        next["metadata"]["resourceVersion"] = json!(precondition);
    }
    let manager = query.get("fieldManager").map(String::as_str).unwrap_or("testkube-update");
    let parent = Target { resource: target.resource.clone(), namespace: target.namespace.clone(), name: target.name.clone(), subresource: None };
    let reply = commit(state, &parent, version, next, false, Some(manager), dry_run);
    if reply.status() != StatusCode::OK {
        return reply;
    }
    let stored = state.objects.get(&key).map(|stored| stored.body.clone()).unwrap_or(current);
    json_reply(200, &scale_of(&stored))
}

fn delete(state: &mut State, target: &Target, dry_run: bool) -> Reply {
    let name = target.name.clone().unwrap_or_default();
    let key = object_key(target, &name);
    let Some(stored) = state.objects.get(&key).cloned() else { return not_found(&target.resource, &name) };
    if !dry_run {
        state.objects.remove(&key);
        if target.resource.plural == "namespaces" && target.resource.group.is_empty() {
            state.objects.retain(|(_, _, namespace, _), _| *namespace != name);
        }
    }
    let uid = stored.body["metadata"]["uid"].clone();
    json_reply(
        200,
        &json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": {"name": name, "group": target.resource.group, "kind": target.resource.plural, "uid": uid}}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query_strings() {
        let query = parse_query(Some("labelSelector=name%3Dapp%2Cowner%3Dhelm&limit=5&x&bad=%zz%"));
        assert_eq!(query["labelSelector"], "name=app,owner=helm");
        assert_eq!(query["limit"], "5");
        assert_eq!(query["x"], "");
        assert_eq!(query["bad"], "%zz%");
    }

    #[test]
    fn timestamps_are_rfc3339() {
        let now = rfc3339_now();
        assert_eq!(now.len(), 20);
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T');
    }
}
