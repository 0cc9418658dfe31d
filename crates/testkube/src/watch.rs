//! Watches (`?watch=true`, or the legacy `/watch/` path): a stream of `ADDED` / `MODIFIED` /
//! `DELETED` events, one JSON object per line, as kube-apiserver sends them. Helm waits for hook
//! Jobs through informers (list, then watch), so hooks cannot run against testkube without this.
//!
//! The server keeps no event history: a watch polls the stored objects and reports the
//! differences it sees. Objects newer than the requested `resourceVersion` when the watch starts
//! are reported as `MODIFIED` (or `ADDED` when no version was asked for). `sendInitialEvents=true`
//! (client-go's watch-list) gets every object as `ADDED`, then the bookmark that ends the list.

use std::collections::{BTreeMap, BTreeSet};
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::{Body, Bytes, Frame};
use serde_json::{json, Value};

use crate::selectors::{object_labels, FieldSelector, LabelSelector};
use crate::{lock, ObjectKey, State};

/// How often a watch looks for changes.
const POLL_INTERVAL: Duration = Duration::from_millis(20);
/// kube-apiserver's longest watch when the client asks for none (`--min-request-timeout` x 2).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

/// A response body fed by the watch task, one event per frame.
pub(crate) struct WatchBody {
    events: tokio::sync::mpsc::Receiver<Bytes>,
}

impl Body for WatchBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.events.poll_recv(cx) {
            Poll::Ready(Some(bytes)) => Poll::Ready(Some(Ok(Frame::data(bytes)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// What is watched: one resource (as served through `version`), maybe one namespace.
pub(crate) struct WatchTarget {
    pub resource: crate::ResourceType,
    pub version: String,
    pub namespace: Option<String>,
}

/// Starts a watch; the body ends at `timeoutSeconds` or when the client hangs up.
pub(crate) fn start(state: Arc<Mutex<State>>, target: WatchTarget, query: &BTreeMap<String, String>) -> Result<WatchBody, String> {
    let labels = LabelSelector::parse(query.get("labelSelector").map(String::as_str).unwrap_or(""))?;
    let fields = FieldSelector::parse(query.get("fieldSelector").map(String::as_str).unwrap_or(""))?;
    let timeout = query.get("timeoutSeconds").and_then(|t| t.parse::<u64>().ok()).map(Duration::from_secs).unwrap_or(DEFAULT_TIMEOUT);
    let since: Option<u64> = query.get("resourceVersion").and_then(|rv| rv.parse().ok()).filter(|rv| *rv > 0);
    let initial_events = query.get("sendInitialEvents").is_some_and(|v| v == "true");
    let (sender, events) = tokio::sync::mpsc::channel(64);
    let bookmark_kind = target.resource.kind.clone();
    let bookmark_api_version = if target.resource.group.is_empty() { target.version.clone() } else { format!("{}/{}", target.resource.group, target.version) };
    let matching = move |state: &State| -> BTreeMap<ObjectKey, Value> {
        state
            .objects
            .iter()
            .filter(|((group, plural, namespace, _), _)| {
                *group == target.resource.group && *plural == target.resource.plural && target.namespace.as_ref().is_none_or(|ns| ns == namespace)
            })
            .map(|(key, stored)| (key.clone(), crate::server::served(&stored.body, &target.resource, &target.version)))
            .filter(|(_, object)| labels.matches(&object_labels(object)) && fields.matches(object))
            .collect()
    };
    tokio::spawn(async move {
        let deadline = Instant::now() + timeout;
        let mut known: BTreeMap<ObjectKey, Value> = BTreeMap::new();
        let mut first = true;
        loop {
            let (current, latest_version) = {
                let state = lock(&state);
                (matching(&state), state.last_resource_version)
            };
            let mut outgoing = Vec::new();
            for (key, object) in &current {
                let version = resource_version(object);
                let kind = match known.get(key) {
                    None if first && !initial_events && since.is_some_and(|since| version <= since) => None,
                    None if first && since.is_some() && !initial_events => Some("MODIFIED"),
                    None => Some("ADDED"),
                    Some(previous) if resource_version(previous) != version => Some("MODIFIED"),
                    Some(_) => None,
                };
                if let Some(kind) = kind {
                    outgoing.push(json!({"type": kind, "object": object}));
                }
            }
            let gone: BTreeSet<&ObjectKey> = known.keys().filter(|key| !current.contains_key(*key)).collect();
            for key in gone {
                outgoing.push(json!({"type": "DELETED", "object": known[key]}));
            }
            if first && initial_events {
                let bookmark = json!({"kind": bookmark_kind, "apiVersion": bookmark_api_version, "metadata": {"resourceVersion": latest_version.to_string(), "annotations": {"k8s.io/initial-events-end": "true"}}});
                outgoing.push(json!({"type": "BOOKMARK", "object": bookmark}));
            }
            for event in outgoing {
                if sender.send(Bytes::from(format!("{event}\n"))).await.is_err() {
                    return;
                }
            }
            known = current;
            first = false;
            if Instant::now() >= deadline || sender.is_closed() {
                return;
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    });
    Ok(WatchBody { events })
}

fn resource_version(object: &Value) -> u64 {
    object["metadata"]["resourceVersion"].as_str().and_then(|rv| rv.parse().ok()).unwrap_or(0)
}
