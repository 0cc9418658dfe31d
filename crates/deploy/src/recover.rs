//! `chartroom recover NAME`: clears a release left in `pending-install`, `pending-upgrade` or
//! `pending-rollback` by a crashed or killed client, so the next install/upgrade/rollback is
//! not refused with "another operation (install/upgrade/rollback) is in progress".
//!
//! The danger is recovering a release whose operation is in fact still running: its final
//! status write would then race ours. Two checks make that unlikely, a third makes recovering
//! twice at once impossible:
//!
//! 1. Age: the pending revision's `last_deployed` (written when the operation started) must be
//!    older than `--timeout` (default 5m0s, the default of every operation's own `--timeout`).
//!    An operation that waits (hooks, `--wait`) gives up at its timeout and records `failed`;
//!    one still pending after that is not coming back. `--force` skips this check.
//! 2. A lease: recover holds the Lease `chartroom-recover-NAME` (coordination.k8s.io/v1, in the
//!    release's namespace) while it works; a second recover finds it held and stops. A lease
//!    left by a crashed recover expires after its duration (60 s).
//! 3. Re-read under the lease: the newest revision must still be the same pending one; if the
//!    operation wrote anything meanwhile, recover leaves the release alone.
//!
//! The pending revision becomes `failed`, with a description saying what happened. History is
//! kept and the other revisions are left as they are (the previous one is still `deployed`
//! unless the crash came after the upgrade superseded it); `upgrade` and `rollback` start from
//! a failed newest revision, so they work again at once.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, DeleteParams, PostParams};
use serde_json::json;

use crate::action::{ActionError, Deployer};
use crate::release::{Release, Status};
use crate::storage::StorageError;
use crate::GoTime;

/// How long a recover's lease holds if the recover itself dies.
const LEASE_SECONDS: i64 = 60;

/// `recover` options.
#[derive(Clone, Debug)]
pub struct RecoverOptions {
    /// The pending revision must be at least this old (unless `force`).
    pub min_age: Duration,
    pub force: bool,
    /// Who holds the lease (shown to a concurrent recover).
    pub holder: String,
}

impl Deployer {
    /// Marks the newest revision of `name` failed if it is pending and safe to recover.
    pub async fn recover(&mut self, name: &str, options: &RecoverOptions) -> Result<Release, ActionError> {
        crate::action::validate_release_name(name)?;
        let pending = self.pending_revision(name).await?;
        let now = GoTime::now();
        let started = pending.info.as_ref().map(|info| info.last_deployed).unwrap_or(GoTime::ZERO);
        let age_seconds = now.unix_seconds.saturating_sub(started.unix_seconds).max(0) as u64;
        if !options.force && age_seconds < options.min_age.as_secs() {
            return Err(ActionError(format!(
                "release {name:?} has been {} for {age_seconds}s only, less than --timeout ({}s): its operation may still be running; wait, or use --force if you know it is not",
                pending.status(),
                options.min_age.as_secs()
            )));
        }
        let leases: Api<Lease> = Api::namespaced(self.cluster.client.clone(), &self.cluster.namespace);
        let lease_name = format!("chartroom-recover-{name}");
        self.take_lease(&leases, &lease_name, &options.holder).await?;
        let outcome = self.mark_failed(name, &pending, age_seconds).await;
        // The lease expires anyway; failing to delete it must not hide the outcome.
        let _ = leases.delete(&lease_name, &DeleteParams::default()).await;
        outcome
    }

    async fn pending_revision(&self, name: &str) -> Result<Release, ActionError> {
        let last = match self.storage.last(name).await {
            Ok(last) => last,
            Err(StorageError::NotFound) => return Err(ActionError("release: not found".into())),
            Err(err) => return Err(err.into()),
        };
        if !last.status().is_pending() {
            return Err(ActionError(format!("release {name:?} is not stuck: its last revision ({}) is {}", last.version, last.status())));
        }
        Ok(last)
    }

    async fn mark_failed(&self, name: &str, pending: &Release, age_seconds: u64) -> Result<Release, ActionError> {
        let mut current = self.pending_revision(name).await?;
        if current.version != pending.version || current.status() != pending.status() {
            return Err(ActionError(format!("release {name:?} changed while recovering (revision {} is {} now); nothing done", current.version, current.status())));
        }
        let was = current.status();
        let operation = match was {
            Status::PendingInstall => "Install",
            Status::PendingUpgrade => "Upgrade",
            _ => "Rollback",
        };
        current.set_status(Status::Failed, format!("{operation} interrupted: recovered by chartroom from {was} after {age_seconds}s"));
        self.storage.update(&current).await?;
        Ok(current)
    }

    async fn take_lease(&self, leases: &Api<Lease>, lease_name: &str, holder: &str) -> Result<(), ActionError> {
        let now = GoTime::now().to_rfc3339_nano();
        let lease: Lease = serde_json::from_value(json!({
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": lease_name},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": LEASE_SECONDS, "acquireTime": now, "renewTime": now}
        }))
        .map_err(|err| ActionError(format!("lease {lease_name}: {err}")))?;
        for _attempt in 0..2 {
            match leases.create(&PostParams::default(), &lease).await {
                Ok(_) => return Ok(()),
                Err(kube::Error::Api(status)) if status.code == 409 => {}
                Err(err) => return Err(ActionError(format!("cannot take the lease {lease_name}: {}", crate::cluster::describe_kube_error(&err)))),
            }
            let existing = leases.get_opt(lease_name).await.map_err(|err| ActionError(format!("cannot read the lease {lease_name}: {}", crate::cluster::describe_kube_error(&err))))?;
            let Some(existing) = existing else { continue };
            let spec = serde_json::to_value(&existing.spec).unwrap_or_default();
            let renewed = spec["renewTime"].as_str().or(spec["acquireTime"].as_str()).and_then(|text| GoTime::parse_rfc3339(text).ok()).unwrap_or(GoTime::ZERO);
            let duration = spec["leaseDurationSeconds"].as_i64().unwrap_or(LEASE_SECONDS);
            if renewed.unix_seconds + duration > GoTime::now().unix_seconds {
                let other = spec["holderIdentity"].as_str().unwrap_or("someone");
                return Err(ActionError(format!("another recover of this release is running ({other} holds the lease {lease_name})")));
            }
            // Expired: left by a recover that died. Take it over.
            let _ = leases.delete(lease_name, &DeleteParams::default()).await;
        }
        Err(ActionError(format!("cannot take the lease {lease_name}")))
    }
}
