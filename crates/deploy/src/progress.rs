//! What `--wait` shows while it waits: each resource's state, as a compact table redrawn in
//! place on a terminal, or one line per state change otherwise (logs, CI). Helm prints
//! nothing until the wait ends; this goes to stderr so stdout stays Helm's.

use std::io::Write;
use std::time::Duration;

use serde_json::Value;

/// One resource being waited for, and how far it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceState {
    /// `Deployment/backend`
    pub resource: String,
    /// `ready`, `0/2 ready`, `not found`, ...
    pub state: String,
    pub ready: bool,
}

/// Told the state of every waited-for resource after each poll, and when the wait ends.
pub trait WaitObserver: Send {
    fn observe(&mut self, states: &[ResourceState], elapsed: Duration);
    fn finish(&mut self, states: &[ResourceState], elapsed: Duration, succeeded: bool);
}

/// A resource's state in words, from its live object (`None`: it does not exist).
pub fn describe_state(kind: &str, live: Option<&Value>, ready: bool) -> String {
    let Some(live) = live else { return "not found".into() };
    if ready {
        return "ready".into();
    }
    let status = &live["status"];
    let count = |field: &str| status[field].as_i64().unwrap_or(0);
    let desired = live["spec"]["replicas"].as_i64().unwrap_or(1);
    let stale = match (live["metadata"]["generation"].as_i64(), status["observedGeneration"].as_i64()) {
        (Some(generation), Some(observed)) => observed < generation,
        (Some(_), None) => true,
        _ => false,
    };
    match kind {
        "Deployment" | "StatefulSet" | "ReplicaSet" if stale => "waiting for the controller".into(),
        "Deployment" => format!("{}/{desired} updated, {}/{desired} ready", count("updatedReplicas"), count("readyReplicas")),
        "StatefulSet" | "ReplicaSet" => format!("{}/{desired} ready", count("readyReplicas")),
        "DaemonSet" => format!("{}/{} ready", count("numberReady"), count("desiredNumberScheduled")),
        "PersistentVolumeClaim" => format!("{} (not bound)", status["phase"].as_str().unwrap_or("Pending")),
        "Service" => "waiting for a load balancer address".into(),
        "Job" => format!("{} active, {} succeeded, {} failed", count("active"), count("succeeded"), count("failed")),
        "Pod" => status["phase"].as_str().unwrap_or("Pending").to_string(),
        _ => "in progress".into(),
    }
}

/// One line per change of a resource's state: `Deployment/backend: 0/1 updated, 0/1 ready`.
pub struct LineProgress<W: Write + Send> {
    out: W,
    last: Vec<ResourceState>,
}

impl<W: Write + Send> LineProgress<W> {
    pub fn new(out: W) -> LineProgress<W> {
        LineProgress { out, last: Vec::new() }
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> WaitObserver for LineProgress<W> {
    fn observe(&mut self, states: &[ResourceState], _elapsed: Duration) {
        for state in states {
            if !self.last.contains(state) {
                let _ = writeln!(self.out, "{}: {}", state.resource, state.state);
            }
        }
        self.last = states.to_vec();
        let _ = self.out.flush();
    }

    fn finish(&mut self, states: &[ResourceState], elapsed: Duration, succeeded: bool) {
        self.observe(states, elapsed);
        let ready = states.iter().filter(|s| s.ready).count();
        let verdict = if succeeded { "ready" } else { "not ready when the wait ended" };
        let _ = writeln!(self.out, "{ready}/{} resources {verdict} ({})", states.len(), seconds(elapsed));
        let _ = self.out.flush();
    }
}

/// A table of every resource and its state, redrawn in place (ANSI cursor movement) after
/// each poll, for a terminal.
pub struct TableProgress<W: Write + Send> {
    out: W,
    drawn_lines: usize,
}

impl<W: Write + Send> TableProgress<W> {
    pub fn new(out: W) -> TableProgress<W> {
        TableProgress { out, drawn_lines: 0 }
    }

    fn draw(&mut self, states: &[ResourceState], footer: &str) {
        let mut text = String::new();
        if self.drawn_lines > 0 {
            // Back to the table's first line; each line is cleared as it is rewritten.
            text.push_str(&format!("\x1b[{}A", self.drawn_lines));
        }
        let width = states.iter().map(|s| s.resource.len()).max().unwrap_or(0).max("RESOURCE".len());
        let mut lines = vec![format!("{:width$}  STATUS", "RESOURCE")];
        for state in states {
            let mark = if state.ready { "\x1b[32m✓\x1b[0m" } else { "\x1b[33m…\x1b[0m" };
            lines.push(format!("{:width$}  {mark} {}", state.resource, state.state));
        }
        lines.push(footer.to_string());
        for line in &lines {
            text.push_str("\x1b[2K");
            text.push_str(line);
            text.push('\n');
        }
        self.drawn_lines = lines.len();
        let _ = self.out.write_all(text.as_bytes());
        let _ = self.out.flush();
    }
}

impl<W: Write + Send> WaitObserver for TableProgress<W> {
    fn observe(&mut self, states: &[ResourceState], elapsed: Duration) {
        let ready = states.iter().filter(|s| s.ready).count();
        self.draw(states, &format!("waiting: {ready}/{} ready ({})", states.len(), seconds(elapsed)));
    }

    fn finish(&mut self, states: &[ResourceState], elapsed: Duration, succeeded: bool) {
        let ready = states.iter().filter(|s| s.ready).count();
        let verdict = if succeeded { "ready" } else { "not ready when the wait ended" };
        self.draw(states, &format!("{ready}/{} resources {verdict} ({})", states.len(), seconds(elapsed)));
    }
}

fn seconds(elapsed: Duration) -> String {
    format!("{:.1}s", elapsed.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(resource: &str, text: &str, ready: bool) -> ResourceState {
        ResourceState { resource: resource.into(), state: text.into(), ready }
    }

    #[test]
    fn lines_only_for_changes() {
        let mut progress = LineProgress::new(Vec::new());
        let waiting = [state("Service/web", "ready", true), state("Deployment/web", "0/1 updated, 0/1 ready", false)];
        progress.observe(&waiting, Duration::from_millis(100));
        progress.observe(&waiting, Duration::from_millis(600));
        let done = [state("Service/web", "ready", true), state("Deployment/web", "ready", true)];
        progress.finish(&done, Duration::from_millis(1250), true);
        let text = String::from_utf8(progress.into_inner()).unwrap();
        assert_eq!(text, "Service/web: ready\nDeployment/web: 0/1 updated, 0/1 ready\nDeployment/web: ready\n2/2 resources ready (1.2s)\n");
    }

    #[test]
    fn the_table_is_redrawn_in_place() {
        let mut out = Vec::new();
        {
            let mut progress = TableProgress::new(&mut out);
            progress.observe(&[state("Deployment/web", "0/1 ready", false)], Duration::from_secs(1));
            progress.finish(&[state("Deployment/web", "ready", true)], Duration::from_secs(2), true);
        }
        let text = String::from_utf8(out).unwrap();
        // Three lines drawn (header, one resource, footer), then the cursor goes back up three.
        assert!(text.starts_with("\x1b[2KRESOURCE        STATUS\n\x1b[2KDeployment/web  \x1b[33m…\x1b[0m 0/1 ready\n\x1b[2Kwaiting: 0/1 ready (1.0s)\n\x1b[3A"), "{text:?}");
        assert!(text.ends_with("\x1b[2K1/1 resources ready (2.0s)\n"), "{text:?}");
    }

    #[test]
    fn states_in_words() {
        let deployment = json!({"metadata": {"generation": 2}, "spec": {"replicas": 3}, "status": {"observedGeneration": 2, "updatedReplicas": 3, "readyReplicas": 1}});
        assert_eq!(describe_state("Deployment", Some(&deployment), false), "3/3 updated, 1/3 ready");
        let stale = json!({"metadata": {"generation": 3}, "spec": {"replicas": 3}, "status": {"observedGeneration": 2}});
        assert_eq!(describe_state("Deployment", Some(&stale), false), "waiting for the controller");
        assert_eq!(describe_state("Deployment", None, false), "not found");
        assert_eq!(describe_state("PersistentVolumeClaim", Some(&json!({"status": {"phase": "Pending"}})), false), "Pending (not bound)");
        assert_eq!(describe_state("ConfigMap", Some(&json!({})), true), "ready");
    }
}
