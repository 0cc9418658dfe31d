//! The release lifecycle as Helm 4's actions run it: install, upgrade, rollback, uninstall,
//! with the record going through Helm's statuses (`pending-*` -> `deployed` or `failed`),
//! hooks run by weight with their delete policies, and resources applied server-side.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cluster::Cluster;
use crate::content::ReleaseContent;
use crate::progress::{describe_state, ResourceState, WaitObserver};
use crate::release::{HookExecution, Info, Release, Status, APPLY_METHOD_SERVER_SIDE};
use crate::resources::{ownership_problem, parse_manifest, parse_object, set_ownership, Object};
use crate::storage::{Storage, StorageError};
use crate::GoTime;

/// Why an action failed; the message is what Helm prints after `Error: ` (without the
/// command's `INSTALLATION FAILED: `-style prefix, which the CLI adds).
#[derive(Debug, Clone, PartialEq)]
pub struct ActionError(pub String);

impl std::fmt::Display for ActionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ActionError {}

impl From<StorageError> for ActionError {
    fn from(err: StorageError) -> Self {
        ActionError(err.to_string())
    }
}

impl From<crate::resources::ResourceError> for ActionError {
    fn from(err: crate::resources::ResourceError) -> Self {
        ActionError(err.to_string())
    }
}

impl From<crate::cluster::ClusterError> for ActionError {
    fn from(err: crate::cluster::ClusterError) -> Self {
        ActionError(err.to_string())
    }
}

type ActionResult<T> = Result<T, ActionError>;

/// Helm's message when another operation holds the release.
pub const OPERATION_IN_PROGRESS: &str = "another operation (install/upgrade/rollback) is in progress";

/// How long `--wait` and hooks may take, and whether to wait for resources at all.
#[derive(Clone, Debug)]
pub struct WaitOptions {
    pub wait: bool,
    pub timeout: Duration,
    /// Pause between readiness polls.
    pub poll_interval: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions { wait: false, timeout: Duration::from_secs(300), poll_interval: Duration::from_millis(500) }
    }
}

/// `install` options beyond the rendered content.
#[derive(Clone, Debug, Default)]
pub struct InstallOptions {
    pub name: String,
    pub create_namespace: bool,
    /// `--dry-run=server`: everything is checked against the cluster, nothing is written.
    pub dry_run: bool,
    pub wait: WaitOptions,
    pub description: Option<String>,
    /// `--rollback-on-failure` (`--atomic`): uninstall again when the install fails.
    pub rollback_on_failure: bool,
    /// `--force-conflicts`: take over fields other managers own.
    pub force_conflicts: bool,
    pub skip_crds: bool,
    pub no_hooks: bool,
    /// `--take-ownership`: adopt existing resources whatever their ownership metadata.
    pub take_ownership: bool,
}

/// `upgrade` options beyond the rendered content.
#[derive(Clone, Debug, Default)]
pub struct UpgradeOptions {
    pub name: String,
    pub dry_run: bool,
    pub wait: WaitOptions,
    pub description: Option<String>,
    pub rollback_on_failure: bool,
    pub force_conflicts: bool,
    pub no_hooks: bool,
    pub take_ownership: bool,
    /// `--history-max` (Helm's default for upgrade is 10; 0 keeps everything).
    pub history_max: usize,
    /// `--upgrade-crds` (chartroom's own): apply the chart's `crds/` before the upgrade, existing
    /// CRDs included. Helm never touches CRDs on upgrade (its CRD policy), nor does chartroom
    /// without this flag.
    pub upgrade_crds: bool,
}

/// `uninstall` options.
#[derive(Clone, Debug, Default)]
pub struct UninstallOptions {
    pub keep_history: bool,
    pub no_hooks: bool,
    pub dry_run: bool,
    pub wait: WaitOptions,
    pub description: Option<String>,
}

/// What `uninstall` did.
#[derive(Clone, Debug, Default)]
pub struct UninstallReport {
    pub release: Release,
    /// `[Kind] name` of resources kept by `helm.sh/resource-policy: keep`.
    pub kept: Vec<String>,
}

/// Helm's release name rule (`chartutil.ValidateReleaseName`).
pub fn validate_release_name(name: &str) -> ActionResult<()> {
    let well_formed = !name.is_empty()
        && name.len() <= 53
        && name.split('.').all(|label| {
            let bytes = label.as_bytes();
            !bytes.is_empty()
                && bytes[0].is_ascii_alphanumeric()
                && bytes[bytes.len() - 1].is_ascii_alphanumeric()
                && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        });
    if well_formed {
        Ok(())
    } else {
        Err(ActionError(format!(
            "release name {name:?}: invalid release name, must match regex ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ and the length must not be longer than 53"
        )))
    }
}

/// A new record for `content` (Helm's `createRelease`).
pub fn new_release(name: &str, namespace: &str, version: i64, content: &ReleaseContent, status: Status, description: &str) -> Release {
    let now = GoTime::now();
    Release {
        name: name.to_string(),
        namespace: namespace.to_string(),
        version,
        chart: Some(content.chart.clone()),
        config: content.config.clone(),
        manifest: content.manifest.clone(),
        hooks: content.hooks.clone(),
        info: Some(Info { first_deployed: now, last_deployed: now, status, description: description.to_string(), notes: content.notes.clone(), ..Info::default() }),
        apply_method: APPLY_METHOD_SERVER_SIDE.to_string(),
        ..Release::default()
    }
}

/// Install/upgrade/rollback/uninstall against one cluster and its release storage.
pub struct Deployer {
    pub cluster: Cluster,
    pub storage: Storage,
    /// Shown each resource's state while `--wait` polls (the CLI's live progress display).
    pub wait_observer: Option<Box<dyn WaitObserver>>,
}

impl Deployer {
    pub fn new(cluster: Cluster, storage: Storage) -> Deployer {
        Deployer { cluster, storage, wait_observer: None }
    }

    fn namespace(&self) -> String {
        self.cluster.namespace.clone()
    }

    /// The manifest's objects, resolved against the server (unknown kinds fail here, before
    /// anything is written, as Helm's `Build` does), with Helm's ownership metadata.
    async fn build_objects(&mut self, manifest: &str, release_name: &str) -> ActionResult<Vec<Object>> {
        let namespace = self.namespace();
        let mut objects = parse_manifest(manifest).map_err(|err| ActionError(format!("unable to build kubernetes objects from release manifest: {err}")))?;
        for object in &mut objects {
            self.cluster.resolve(object, &namespace).await.map_err(|err| ActionError(format!("unable to build kubernetes objects from release manifest: {err}")))?;
            set_ownership(object, release_name, &namespace);
        }
        Ok(objects)
    }

    /// Helm's `existingResourceConflict`: resources that exist but belong to someone else.
    async fn check_conflicts(&mut self, objects: &[Object], skip: &[Object], release_name: &str, take_ownership: bool, verb: &str) -> ActionResult<()> {
        let namespace = self.namespace();
        for object in objects {
            if skip.iter().any(|known| known.same_object(object)) {
                continue;
            }
            if let Some(live) = self.cluster.get_object(object, &namespace).await? {
                if take_ownership {
                    continue;
                }
                if let Some(problem) = ownership_problem(&live, release_name, &namespace) {
                    let shown_namespace = if object.namespace.is_empty() { namespace.clone() } else { object.namespace.clone() };
                    return Err(ActionError(format!(
                        "Unable to continue with {verb}: {} \"{}\" in namespace \"{}\" exists and cannot be imported into the current release: {problem}",
                        object.kind, object.name, shown_namespace
                    )));
                }
            }
        }
        Ok(())
    }

    /// Creates the chart's CRDs (`crds/`) before anything else; ones that exist are left alone.
    async fn install_crds(&mut self, content: &ReleaseContent) -> ActionResult<()> {
        if content.crds.is_empty() {
            return Ok(());
        }
        let namespace = self.namespace();
        for (file, text) in &content.crds {
            for document in crate::resources::split_yaml_documents(text) {
                if document.trim().is_empty() {
                    continue;
                }
                let object = parse_object(document).map_err(|err| ActionError(format!("failed to install CRD {file}: {err}")))?;
                if self.cluster.get_object(&object, &namespace).await?.is_none() {
                    self.cluster.apply_object(&object, &namespace, false, false).await.map_err(|err| ActionError(format!("failed to install CRD {file}: {err}")))?;
                }
            }
        }
        // New kinds are served now: discover again before resolving the chart's objects.
        self.cluster.invalidate_discovery();
        Ok(())
    }

    /// `--upgrade-crds`: server-side applies every CRD of `crds/`, new or existing.
    async fn apply_crds(&mut self, content: &ReleaseContent, force: bool) -> ActionResult<()> {
        let namespace = self.namespace();
        for (file, text) in &content.crds {
            for document in crate::resources::split_yaml_documents(text) {
                if !document.lines().any(|line| !line.trim().is_empty() && !line.trim_start().starts_with('#')) {
                    continue;
                }
                let object = parse_object(document).map_err(|err| ActionError(format!("failed to upgrade CRD {file}: {err}")))?;
                self.cluster.apply_object(&object, &namespace, force, false).await.map_err(|err| ActionError(format!("failed to upgrade CRD {file}: {err}")))?;
            }
        }
        self.cluster.invalidate_discovery();
        Ok(())
    }

    /// `helm install`. Returns the release as stored (deployed), or as it would be with
    /// `dry_run`.
    pub async fn install(&mut self, content: &ReleaseContent, options: &InstallOptions) -> ActionResult<Release> {
        validate_release_name(&options.name)?;
        let namespace = self.namespace();
        if !options.dry_run {
            match self.storage.history(&options.name).await {
                Ok(history) if !history.is_empty() => return Err(ActionError("cannot re-use a name that is still in use".into())),
                Ok(_) | Err(StorageError::NotFound) => {}
                Err(err) => return Err(err.into()),
            }
        }
        if !options.skip_crds && !options.dry_run {
            self.install_crds(content).await?;
        }
        let objects = self.build_objects(&content.manifest, &options.name).await?;
        let mut release = new_release(&options.name, &namespace, 1, content, Status::PendingInstall, "Initial install underway");
        self.check_conflicts(&objects, &[], &options.name, options.take_ownership, "install")
            .await
            .map_err(|err| ActionError(format!("rendered manifests contain a resource that already exists. {err}")))?;
        if options.dry_run {
            release.set_status(Status::PendingInstall, "Dry run complete");
            return Ok(release);
        }
        if options.create_namespace {
            self.cluster.ensure_namespace(&namespace).await?;
        }
        self.storage.create(&release).await?;
        match self.perform_install(&mut release, &objects, options).await {
            Ok(()) => {
                let description = options.description.clone().unwrap_or_else(|| "Install complete".into());
                release.set_status(Status::Deployed, description);
                self.storage.update(&release).await?;
                Ok(release)
            }
            Err(err) => {
                release.set_status(Status::Failed, format!("Release {:?} failed: {err}", options.name));
                // Recording the failure matters more than its own error.
                let _ = self.storage.update(&release).await;
                if options.rollback_on_failure {
                    let cleanup = UninstallOptions { keep_history: false, wait: options.wait.clone(), ..UninstallOptions::default() };
                    if let Err(uninstall_err) = self.uninstall(&options.name, &cleanup).await {
                        return Err(ActionError(format!("an error occurred while uninstalling the release. original install error: {err}: {uninstall_err}")));
                    }
                    return Err(ActionError(format!("release {} failed, and has been uninstalled due to rollback-on-failure being set: {err}", options.name)));
                }
                Err(err)
            }
        }
    }

    async fn perform_install(&mut self, release: &mut Release, objects: &[Object], options: &InstallOptions) -> ActionResult<()> {
        if !options.no_hooks {
            self.run_hooks(release, "pre-install", &options.wait).await?;
        }
        self.apply_all(objects, options.force_conflicts).await?;
        if options.wait.wait {
            self.wait_ready(objects, &options.wait).await?;
        }
        if !options.no_hooks {
            self.run_hooks(release, "post-install", &options.wait).await?;
        }
        Ok(())
    }

    async fn apply_all(&mut self, objects: &[Object], force: bool) -> ActionResult<()> {
        let namespace = self.namespace();
        for object in objects {
            self.cluster
                .apply_object(object, &namespace, force, false)
                .await
                .map_err(|err| ActionError(format!("failed to apply {}: {err}", describe_kind_name(object))))?;
        }
        Ok(())
    }

    /// Applies an upgrade's (or rollback's) objects. Unlike Helm 4.1.4 (helm/helm#31516), a
    /// field another manager took over since the last apply (`kubectl scale`, an HPA writing
    /// `.spec.replicas`) does not fail the upgrade when the chart leaves that field as it was:
    /// the field is left out of the applied configuration, so the live value stays and the
    /// rest rolls out. When the chart does change such a field, the user is told and
    /// `--force-conflicts` decides.
    async fn apply_changed(&mut self, new: &[Object], old: &[Object], force: bool) -> ActionResult<()> {
        let namespace = self.namespace();
        for object in new {
            let first = self.cluster.apply_object(object, &namespace, force, false).await;
            let message = match first {
                Ok(_) => continue,
                Err(crate::resources::ResourceError::Api { message, code: Some(409) }) if !force && message.starts_with("Apply failed with") => message,
                Err(err) => return Err(ActionError(format!("failed to apply {}: {err}", describe_kind_name(object)))),
            };
            let fields = conflicting_fields(&message);
            let previous = old.iter().find(|known| known.same_object(object));
            let chart_changed: Vec<&String> = fields
                .iter()
                .filter(|field| match (previous, field_path(field)) {
                    (Some(previous), Some(path)) => value_at(&previous.body, &path) != value_at(&object.body, &path),
                    // A field we cannot address, or an object new to the chart: not ours to drop.
                    _ => true,
                })
                .collect();
            if fields.is_empty() || !chart_changed.is_empty() {
                let changed = chart_changed.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ");
                return Err(ActionError(format!(
                    "failed to apply {}: {message}\nthe chart changes {changed}, which another field manager owns now (for example after `kubectl scale` or through an autoscaler); upgrade with --force-conflicts to take the field over, or keep the chart's value unchanged to leave the live one",
                    describe_kind_name(object)
                )));
            }
            let mut trimmed = object.clone();
            for field in &fields {
                if let Some(path) = field_path(field) {
                    remove_at(&mut trimmed.body, &path);
                }
            }
            self.cluster
                .apply_object(&trimmed, &namespace, false, false)
                .await
                .map_err(|err| ActionError(format!("failed to apply {}: {err}", describe_kind_name(object))))?;
        }
        Ok(())
    }

    /// Deletes what `old` has and `new` does not (Helm keeps `resource-policy: keep` ones).
    async fn delete_removed(&mut self, old: &[Object], new: &[Object]) -> ActionResult<()> {
        let namespace = self.namespace();
        for object in old {
            if new.iter().any(|kept| kept.same_object(object)) || object.is_kept() {
                continue;
            }
            self.cluster.delete_object(object, &namespace).await.map_err(|err| ActionError(format!("failed to delete {}: {err}", describe_kind_name(object))))?;
        }
        Ok(())
    }

    /// The release the next upgrade or rollback starts from: the newest revision, which
    /// must not be pending, and the deployed one (or the newest when none is deployed and
    /// the newest failed or was superseded).
    pub async fn upgrade_base(&self, name: &str) -> ActionResult<(Release, Release)> {
        // One query: the deployed revision is found among the history's records (their
        // `status` label repeats the record's status) instead of by a second, labelled list.
        let history = match self.storage.history(name).await {
            Ok(history) => history,
            Err(StorageError::NotFound) => return Err(ActionError(format!("{name:?} has no deployed releases"))),
            Err(err) => return Err(err.into()),
        };
        let last = history.iter().max_by_key(|r| r.version).cloned().ok_or_else(|| ActionError(format!("{name:?} has no deployed releases")))?;
        if last.status().is_pending() {
            return Err(ActionError(OPERATION_IN_PROGRESS.into()));
        }
        let current = match history.into_iter().filter(|r| r.status() == Status::Deployed).max_by_key(|r| r.version) {
            Some(current) => current,
            None if matches!(last.status(), Status::Failed | Status::Superseded) => last.clone(),
            None => return Err(StorageError::NoDeployedReleases(name.to_string()).into()),
        };
        Ok((last, current))
    }

    /// `helm upgrade` of an existing release.
    pub async fn upgrade(&mut self, content: &ReleaseContent, options: &UpgradeOptions) -> ActionResult<Release> {
        validate_release_name(&options.name)?;
        let base = self.upgrade_base(&options.name).await?;
        self.upgrade_from(content, options, base).await
    }

    /// [`Deployer::upgrade`] from the `(last, current)` revisions [`Deployer::upgrade_base`]
    /// returned (the CLI reads them first to render with the old values; no second query).
    pub async fn upgrade_from(&mut self, content: &ReleaseContent, options: &UpgradeOptions, base: (Release, Release)) -> ActionResult<Release> {
        validate_release_name(&options.name)?;
        let namespace = self.namespace();
        let (last, mut current) = base;
        let mut upgraded = new_release(&options.name, &namespace, last.version + 1, content, Status::PendingUpgrade, "Preparing upgrade");
        if let (Some(info), Some(current_info)) = (upgraded.info.as_mut(), current.info.as_ref()) {
            info.first_deployed = current_info.first_deployed;
        }
        // Before the objects are resolved: a new CRD's kind must be served by then.
        if options.upgrade_crds && !options.dry_run {
            self.apply_crds(content, options.force_conflicts).await?;
        }
        let current_objects = self.build_objects(&current.manifest, &options.name).await.unwrap_or_default();
        let target_objects = self.build_objects(&content.manifest, &options.name).await?;
        self.check_conflicts(&target_objects, &current_objects, &options.name, options.take_ownership, "upgrade").await?;
        if options.dry_run {
            upgraded.set_status(Status::PendingUpgrade, "Dry run complete");
            return Ok(upgraded);
        }
        self.storage.max_history = options.history_max;
        self.storage.create(&upgraded).await?;
        let outcome = self.perform_change(&mut upgraded, &current_objects, &target_objects, "upgrade", options.no_hooks, options.force_conflicts, &options.wait).await;
        match outcome {
            Ok(()) => {
                // Helm changes only the status of the replaced revision; its description
                // ("Install complete", ...) stays, as `helm history` shows.
                set_status_only(&mut current, Status::Superseded);
                self.storage.update(&current).await?;
                upgraded.set_status(Status::Deployed, options.description.clone().unwrap_or_else(|| "Upgrade complete".into()));
                self.storage.update(&upgraded).await?;
                Ok(upgraded)
            }
            Err(err) => {
                upgraded.set_status(Status::Failed, format!("Upgrade {:?} failed: {err}", options.name));
                let _ = self.storage.update(&upgraded).await;
                if options.rollback_on_failure {
                    let rollback = RollbackOptions { revision: current.version, wait: options.wait.clone(), force_conflicts: true, ..RollbackOptions::default() };
                    return match self.rollback(&options.name, &rollback).await {
                        Ok(_) => Err(ActionError(format!("release {} failed, and has been rolled back due to rollback-on-failure being set: {err}", options.name))),
                        Err(rollback_err) => Err(ActionError(format!("an error occurred while rolling back the release. original upgrade error: {err}: {rollback_err}"))),
                    };
                }
                Err(err)
            }
        }
    }

    /// Hooks before, the change (apply the target, delete what went away), wait, hooks after.
    #[allow(clippy::too_many_arguments)]
    async fn perform_change(&mut self, release: &mut Release, old: &[Object], new: &[Object], verb: &str, no_hooks: bool, force: bool, wait: &WaitOptions) -> ActionResult<()> {
        if !no_hooks {
            self.run_hooks(release, &format!("pre-{verb}"), wait).await?;
        }
        self.apply_changed(new, old, force).await?;
        self.delete_removed(old, new).await?;
        if wait.wait {
            self.wait_ready(new, wait).await?;
        }
        if !no_hooks {
            self.run_hooks(release, &format!("post-{verb}"), wait).await?;
        }
        Ok(())
    }

    /// `helm rollback NAME [REVISION]`.
    pub async fn rollback(&mut self, name: &str, options: &RollbackOptions) -> ActionResult<Release> {
        validate_release_name(name)?;
        let namespace = self.namespace();
        let history = match self.storage.history(name).await {
            Ok(history) => history,
            Err(StorageError::NotFound) => return Err(ActionError("release: not found".to_string())),
            Err(err) => return Err(err.into()),
        };
        let mut current = history.iter().max_by_key(|r| r.version).cloned().ok_or_else(|| ActionError("release: not found".to_string()))?;
        if current.status().is_pending() {
            return Err(ActionError(OPERATION_IN_PROGRESS.into()));
        }
        let wanted = if options.revision > 0 { options.revision } else { current.version - 1 };
        if wanted < 1 {
            return Err(ActionError(format!("release has no {wanted} version")));
        }
        // The revision rolled back to is among the records just listed (a GET would fetch it
        // again); one missing from the list is missing from storage too.
        let previous = match history.into_iter().find(|r| r.version == wanted) {
            Some(previous) => previous,
            None => self.storage.get(name, wanted).await?,
        };
        let mut target = previous.clone();
        target.version = current.version + 1;
        target.labels.clear();
        target.apply_method = APPLY_METHOD_SERVER_SIDE.to_string();
        let now = GoTime::now();
        let first_deployed = current.info.as_ref().map(|info| info.first_deployed).unwrap_or_else(|| now);
        let notes = previous.info.as_ref().map(|info| info.notes.clone()).unwrap_or_default();
        let description = options.description.clone().unwrap_or_else(|| format!("Rollback to {wanted}"));
        target.info = Some(Info { first_deployed, last_deployed: now, status: Status::PendingRollback, description: description.clone(), notes, ..Info::default() });
        let current_objects = self.build_objects(&current.manifest, name).await.unwrap_or_default();
        let target_objects = self.build_objects(&target.manifest, name).await?;
        if options.dry_run {
            return Ok(target);
        }
        self.storage.max_history = options.history_max;
        self.storage.create(&target).await?;
        let _ = namespace;
        match self.perform_change(&mut target, &current_objects, &target_objects, "rollback", options.no_hooks, options.force_conflicts, &options.wait).await {
            Ok(()) => {
                if let Ok(deployed) = self.storage.deployed_all(name).await {
                    for mut old in deployed.into_iter().filter(|r| r.version != target.version) {
                        set_status_only(&mut old, Status::Superseded);
                        self.storage.update(&old).await?;
                    }
                }
                target.set_status(Status::Deployed, description);
                self.storage.update(&target).await?;
                Ok(target)
            }
            Err(err) => {
                set_status_only(&mut current, Status::Superseded);
                target.set_status(Status::Failed, format!("Rollback {name:?} failed: {err}"));
                let _ = self.storage.update(&current).await;
                let _ = self.storage.update(&target).await;
                Err(err)
            }
        }
    }

    /// `helm uninstall NAME`.
    pub async fn uninstall(&mut self, name: &str, options: &UninstallOptions) -> ActionResult<UninstallReport> {
        validate_release_name(name)?;
        let mut history = match self.storage.history(name).await {
            Ok(history) => history,
            Err(StorageError::NotFound) => return Err(ActionError(format!("uninstall: Release not loaded: {name}: release: not found"))),
            Err(err) => return Err(err.into()),
        };
        history.sort_by_key(|r| r.version);
        let Some(latest) = history.last().cloned() else {
            return Err(ActionError(format!("uninstall: Release not loaded: {name}: release: not found")));
        };
        let mut release = latest;
        if options.dry_run {
            return Ok(UninstallReport { release, kept: Vec::new() });
        }
        if release.status() == Status::Uninstalled {
            if !options.keep_history {
                self.purge(&history).await?;
                return Ok(UninstallReport { release, kept: Vec::new() });
            }
            return Err(ActionError(format!("the release named {name:?} is already deleted")));
        }
        release.set_status(Status::Uninstalling, "Deletion in progress (or silently failed)");
        if let Some(info) = release.info.as_mut() {
            info.deleted = GoTime::now();
        }
        if !options.no_hooks {
            self.run_hooks(&mut release, "pre-delete", &options.wait).await.map_err(|err| ActionError(format!("uninstallation completed with 1 error(s): {err}")))?;
        }
        self.storage.update(&release).await?;
        let namespace = self.namespace();
        let mut objects = parse_manifest(&release.manifest).map_err(ActionError)?;
        let order = chart::manifest::uninstall_order();
        objects.sort_by_key(|object| order.iter().position(|kind| *kind == object.kind).unwrap_or(order.len()));
        let mut kept = Vec::new();
        let mut errors = Vec::new();
        for object in &objects {
            if object.is_kept() {
                kept.push(format!("[{}] {}", object.kind, object.name));
                continue;
            }
            match self.cluster.delete_object(object, &namespace).await {
                Ok(_) => {}
                Err(crate::resources::ResourceError::UnknownKind { .. }) => {}
                Err(err) => errors.push(err.to_string()),
            }
        }
        if options.wait.wait {
            self.wait_deleted(&objects, &options.wait).await.unwrap_or_else(|err| errors.push(err.0));
        }
        if !options.no_hooks {
            if let Err(err) = self.run_hooks(&mut release, "post-delete", &options.wait).await {
                errors.push(err.0);
            }
        }
        release.set_status(Status::Uninstalled, options.description.clone().unwrap_or_else(|| "Uninstallation complete".into()));
        if !options.keep_history {
            self.purge(&history).await?;
        } else {
            self.storage.update(&release).await?;
        }
        if !errors.is_empty() {
            return Err(ActionError(format!("uninstallation completed with {} error(s): {}", errors.len(), errors.join("; "))));
        }
        Ok(UninstallReport { release, kept })
    }

    async fn purge(&self, history: &[Release]) -> ActionResult<()> {
        for revision in history {
            match self.storage.delete(&revision.name, revision.version).await {
                Ok(_) | Err(StorageError::NotFound) => {}
                Err(err) => return Err(ActionError(format!("uninstall: Failed to purge the release: {err}"))),
            }
        }
        Ok(())
    }

    /// Runs the release's hooks for `event`, by weight then name, recording each run in the
    /// release and applying the delete policies (`before-hook-creation` by default).
    pub async fn run_hooks(&mut self, release: &mut Release, event: &str, wait: &WaitOptions) -> ActionResult<()> {
        self.run_selected_hooks(release, event, wait, |_| true).await
    }

    /// [`Deployer::run_hooks`] for the hooks `selected` accepts (`helm test --filter`).
    pub async fn run_selected_hooks(&mut self, release: &mut Release, event: &str, wait: &WaitOptions, selected: impl Fn(&crate::release::Hook) -> bool) -> ActionResult<()> {
        let mut order: Vec<usize> = (0..release.hooks.len()).filter(|&i| release.hooks[i].events.iter().any(|e| e == event) && selected(&release.hooks[i])).collect();
        order.sort_by(|&a, &b| {
            let (ha, hb) = (&release.hooks[a], &release.hooks[b]);
            ha.weight.cmp(&hb.weight).then_with(|| ha.name.cmp(&hb.name))
        });
        let namespace = self.namespace();
        for &index in &order {
            let hook = &mut release.hooks[index];
            if hook.delete_policies.is_empty() {
                hook.delete_policies.push("before-hook-creation".into());
            }
            let object = parse_object(&hook.manifest).map_err(|err| ActionError(format!("unable to build kubernetes object for {event} hook {}: {err}", hook.path)))?;
            if hook.delete_policies.iter().any(|p| p == "before-hook-creation") {
                self.cluster.delete_object(&object, &namespace).await?;
            }
            hook.last_run = HookExecution { started_at: GoTime::now(), phase: "Running".into(), ..HookExecution::default() };
            let path = hook.path.clone();
            let outcome = match self.cluster.apply_object(&object, &namespace, true, false).await {
                Ok(_) => self.wait_hook(&object, wait).await,
                Err(err) => Err(ActionError(format!("warning: Hook {event} {path} failed: {err}"))),
            };
            let hook = &mut release.hooks[index];
            hook.last_run.completed_at = GoTime::now();
            match outcome {
                Ok(()) => hook.last_run.phase = "Succeeded".into(),
                Err(err) => {
                    hook.last_run.phase = "Failed".into();
                    if hook.delete_policies.iter().any(|p| p == "hook-failed") {
                        let _ = self.cluster.delete_object(&object, &namespace).await;
                    }
                    return Err(ActionError(format!("{event} hooks failed: {err}")));
                }
            }
        }
        // All succeeded: now delete those that asked for it, last run first (as Helm does:
        // seen on testkube, `pre-both` (weight 0) goes before `pre-install-early` (weight -5)).
        for &index in order.iter().rev() {
            let hook = &release.hooks[index];
            if hook.delete_policies.iter().any(|p| p == "hook-succeeded") {
                if let Ok(object) = parse_object(&hook.manifest) {
                    self.cluster.delete_object(&object, &namespace).await?;
                }
            }
        }
        Ok(())
    }

    /// Hooks that are Jobs or Pods run to completion; other kinds are done once created.
    async fn wait_hook(&mut self, object: &Object, wait: &WaitOptions) -> ActionResult<()> {
        if object.kind != "Job" && object.kind != "Pod" {
            return Ok(());
        }
        let namespace = self.namespace();
        let deadline = Instant::now() + wait.timeout;
        loop {
            let live = self.cluster.get_object(object, &namespace).await?.unwrap_or(Value::Null);
            match completion(&object.kind, &live) {
                Completion::Succeeded => return Ok(()),
                Completion::Failed(reason) => {
                    let shown_namespace = if object.namespace.is_empty() { namespace.as_str() } else { object.namespace.as_str() };
                    return Err(ActionError(match object.kind.as_str() {
                        // kstatus' Job reader, as Helm 4.1.4 reports it (seen on testkube):
                        // `resource Job/NS/NAME not ready. status: Failed, message: Job Failed. failed: 1/1`.
                        "Job" => format!(
                            "resource Job/{shown_namespace}/{} not ready. status: Failed, message: Job Failed. failed: {}/{}",
                            object.name,
                            live["status"]["failed"].as_i64().unwrap_or(0),
                            live["spec"]["completions"].as_i64().unwrap_or(1)
                        ),
                        _ => format!("{} {} failed: {reason}", object.kind.to_lowercase(), object.name),
                    }));
                }
                Completion::Running => {}
            }
            if Instant::now() >= deadline {
                return Err(ActionError(format!("{} {} did not complete: context deadline exceeded", object.kind.to_lowercase(), object.name)));
            }
            tokio::time::sleep(wait.poll_interval).await;
        }
    }

    /// `--wait`: polls until every object is ready, or the timeout passes. Every object is
    /// read on each poll so that the observer sees them all; the error names the first one
    /// not ready, as Helm's does.
    pub async fn wait_ready(&mut self, objects: &[Object], wait: &WaitOptions) -> ActionResult<()> {
        let namespace = self.namespace();
        let started = Instant::now();
        let deadline = started + wait.timeout;
        loop {
            let mut states = Vec::with_capacity(objects.len());
            let mut not_ready = None;
            for object in objects {
                let live = self.cluster.get_object(object, &namespace).await?;
                let ready = live.as_ref().is_some_and(|live| is_ready(&object.kind, live));
                if !ready && not_ready.is_none() {
                    not_ready = Some(object);
                }
                if self.wait_observer.is_some() {
                    states.push(ResourceState { resource: format!("{}/{}", object.kind, object.name), state: describe_state(&object.kind, live.as_ref(), ready), ready });
                }
            }
            let timed_out = not_ready.is_some() && Instant::now() >= deadline;
            if let Some(observer) = self.wait_observer.as_mut() {
                if not_ready.is_none() || timed_out {
                    observer.finish(&states, started.elapsed(), not_ready.is_none());
                } else {
                    observer.observe(&states, started.elapsed());
                }
            }
            let Some(waiting_for) = not_ready else { return Ok(()) };
            if timed_out {
                return Err(ActionError(format!(
                    "resource not ready, name: {}, kind: {}, status: InProgress\ncontext deadline exceeded",
                    waiting_for.name, waiting_for.kind
                )));
            }
            tokio::time::sleep(wait.poll_interval).await;
        }
    }

    async fn wait_deleted(&mut self, objects: &[Object], wait: &WaitOptions) -> ActionResult<()> {
        let namespace = self.namespace();
        let deadline = Instant::now() + wait.timeout;
        for object in objects.iter().filter(|o| !o.is_kept()) {
            while self.cluster.get_object(object, &namespace).await.ok().flatten().is_some() {
                if Instant::now() >= deadline {
                    return Err(ActionError(format!("timed out waiting for {} to be deleted: context deadline exceeded", describe_kind_name(object))));
                }
                tokio::time::sleep(wait.poll_interval).await;
            }
        }
        Ok(())
    }
}

/// `helm test --filter`: `name=NAME` runs only the named tests, `!name=NAME` skips them.
#[derive(Clone, Debug, Default)]
pub struct TestFilter {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

impl TestFilter {
    /// Parses `--filter` values (`name=a`, `!name=b`, comma-separated lists allowed).
    pub fn parse(filters: &[String]) -> ActionResult<TestFilter> {
        let mut filter = TestFilter::default();
        for item in filters.iter().flat_map(|f| f.split(',')) {
            match item.strip_prefix('!') {
                Some(rest) => filter.exclude.push(rest.strip_prefix("name=").ok_or_else(|| ActionError(format!("invalid filter {item:?}: only name= is supported")))?.to_string()),
                None => filter.include.push(item.strip_prefix("name=").ok_or_else(|| ActionError(format!("invalid filter {item:?}: only name= is supported")))?.to_string()),
            }
        }
        Ok(filter)
    }

    fn accepts(&self, name: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|n| n == name)) && !self.exclude.iter().any(|n| n == name)
    }

    /// Helm's `test` stores the hooks its filters skipped first (the excluded ones, then those
    /// not included), the rest after, each group in its old order; `status` lists test runs in
    /// the record's order, so the next `test`/`status` output depends on it.
    fn reorder_as_helm(&self, hooks: &mut Vec<crate::release::Hook>) {
        let mut skipped = Vec::new();
        let mut executing: Vec<crate::release::Hook> = std::mem::take(hooks);
        if !self.exclude.is_empty() {
            let (excluded, kept): (Vec<_>, Vec<_>) = executing.into_iter().partition(|hook| self.exclude.contains(&hook.name));
            skipped.extend(excluded);
            executing = kept;
        }
        if !self.include.is_empty() {
            let (included, others): (Vec<_>, Vec<_>) = executing.into_iter().partition(|hook| self.include.contains(&hook.name));
            skipped.extend(others);
            executing = included;
        }
        skipped.extend(executing);
        *hooks = skipped;
    }
}

impl Deployer {
    /// `helm test NAME`: runs the last release's `test` hooks and records their runs in it.
    /// The release comes back whenever it could be read, with the tests' failure beside it
    /// (Helm prints the status even when a test failed).
    pub async fn test(&mut self, name: &str, wait: &WaitOptions, filter: &TestFilter) -> (Option<Release>, ActionResult<()>) {
        if let Err(err) = validate_release_name(name) {
            return (None, Err(err));
        }
        let mut release = match self.storage.last(name).await {
            Ok(release) => release,
            Err(StorageError::NotFound) => return (None, Err(ActionError("release: not found".into()))),
            Err(err) => return (None, Err(err.into())),
        };
        let outcome = self.run_selected_hooks(&mut release, "test", wait, |hook| filter.accepts(&hook.name)).await;
        filter.reorder_as_helm(&mut release.hooks);
        if let Err(err) = self.storage.update(&release).await {
            return (Some(release), Err(err.into()));
        }
        (Some(release), outcome)
    }
}

impl Deployer {
    /// `helm test --logs`: "POD LOGS: NAME" and the log of each test hook the filter accepts,
    /// by weight (stable), as Helm prints them, up to the first log that cannot be read (the
    /// text so far comes back with the error). Like Helm, it asks for the pod named as the
    /// hook whatever the hook's kind (a Job hook's pods have other names, so its logs fail).
    pub async fn test_pod_logs(&self, release: &Release, filter: &TestFilter) -> (String, ActionResult<()>) {
        let mut hooks: Vec<&crate::release::Hook> = release.hooks.iter().filter(|hook| hook.events.iter().any(|e| e == "test") && filter.accepts(&hook.name)).collect();
        hooks.sort_by_key(|hook| hook.weight);
        let pods: kube::Api<k8s_openapi::api::core::v1::Pod> = kube::Api::namespaced(self.cluster.client.clone(), &release.namespace);
        let mut out = String::new();
        for hook in hooks {
            match pods.logs(&hook.name, &kube::api::LogParams::default()).await {
                Ok(log) => out.push_str(&format!("POD LOGS: {}\n{log}\n", hook.name)),
                Err(err) => return (out, Err(ActionError(format!("unable to get pod logs for {}: {}", hook.name, crate::cluster::describe_kube_error(&err))))),
            }
        }
        (out, Ok(()))
    }
}

/// `rollback` options.
#[derive(Clone, Debug, Default)]
pub struct RollbackOptions {
    /// 0: the revision before the newest.
    pub revision: i64,
    pub dry_run: bool,
    pub wait: WaitOptions,
    pub no_hooks: bool,
    pub force_conflicts: bool,
    pub history_max: usize,
    pub description: Option<String>,
}

fn set_status_only(release: &mut Release, status: Status) {
    release.info.get_or_insert_with(Info::default).status = status;
}

/// The fields of an SSA conflict message (`Apply failed with 1 conflict: conflict with
/// "kubectl" using apps/v1: .spec.replicas`, or one `* conflict with ...: .field` per line).
fn conflicting_fields(message: &str) -> Vec<String> {
    message.lines().filter_map(|line| line.rsplit_once(": ").map(|(_, field)| field.trim().to_string())).filter(|field| field.starts_with('.')).collect()
}

/// `.spec.replicas` -> ["spec", "replicas"]; `None` for list-item paths (`[name="web"]`).
fn field_path(field: &str) -> Option<Vec<String>> {
    let trimmed = field.strip_prefix('.')?;
    if trimmed.is_empty() || trimmed.contains(['[', ']']) {
        return None;
    }
    Some(trimmed.split('.').map(str::to_string).collect())
}

fn value_at<'a>(body: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(body, |current, key| current.get(key))
}

fn remove_at(body: &mut Value, path: &[String]) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut current = body;
    for key in parents {
        match current.get_mut(key) {
            Some(child) => current = child,
            None => return,
        }
    }
    if let Some(fields) = current.as_object_mut() {
        fields.remove(last);
    }
}

fn describe_kind_name(object: &Object) -> String {
    format!("{} {:?}", object.kind, object.name)
}

enum Completion {
    Running,
    Succeeded,
    Failed(String),
}

fn condition_true(live: &Value, kind: &str) -> bool {
    live["status"]["conditions"].as_array().is_some_and(|conditions| conditions.iter().any(|c| c["type"] == kind && c["status"] == "True"))
}

fn completion(kind: &str, live: &Value) -> Completion {
    match kind {
        "Job" => {
            if condition_true(live, "Complete") || live["status"]["succeeded"].as_i64().unwrap_or(0) > 0 {
                Completion::Succeeded
            } else if condition_true(live, "Failed") {
                Completion::Failed("BackoffLimitExceeded".into())
            } else {
                Completion::Running
            }
        }
        "Pod" => match live["status"]["phase"].as_str() {
            Some("Succeeded") => Completion::Succeeded,
            Some("Failed") => Completion::Failed("pod failed".into()),
            _ => Completion::Running,
        },
        _ => Completion::Succeeded,
    }
}

/// Readiness as `--wait` judges it (the common cases of kstatus).
pub fn is_ready(kind: &str, live: &Value) -> bool {
    let status = &live["status"];
    let count = |field: &str| status[field].as_i64().unwrap_or(0);
    let desired = live["spec"]["replicas"].as_i64().unwrap_or(1);
    let generation_observed = match (live["metadata"]["generation"].as_i64(), status["observedGeneration"].as_i64()) {
        (Some(generation), Some(observed)) => observed >= generation,
        _ => true,
    };
    match kind {
        "Deployment" => generation_observed && count("updatedReplicas") >= desired && count("readyReplicas") >= desired && count("availableReplicas") >= desired,
        "StatefulSet" | "ReplicaSet" => generation_observed && count("readyReplicas") >= desired,
        "DaemonSet" => generation_observed && count("numberReady") >= count("desiredNumberScheduled"),
        "Pod" => condition_true(live, "Ready") || status["phase"] == "Succeeded",
        "PersistentVolumeClaim" => status["phase"] == "Bound",
        "Service" if live["spec"]["type"] == "LoadBalancer" => status["loadBalancer"]["ingress"].as_array().is_some_and(|i| !i.is_empty()),
        "Job" => matches!(completion(kind, live), Completion::Succeeded),
        _ => true,
    }
}

/// Go's `time.ParseDuration` for `--timeout` (`5m0s`, `300s`, `1h30m`, `1.5s`).
pub fn parse_go_duration(text: &str) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration {text:?}");
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() || rest.starts_with('-') {
        return Err(invalid());
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(|| format!("time: missing unit in duration {text:?}"))?;
        let number: f64 = rest[..number_end].parse().map_err(|_| invalid())?;
        rest = &rest[number_end..];
        let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_end] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            unit => return Err(format!("time: unknown unit {unit:?} in duration {text:?}")),
        };
        total += number * seconds_per_unit;
        rest = &rest[unit_end..];
    }
    Ok(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conflict_messages() {
        let one = "Apply failed with 1 conflict: conflict with \"kubectl\" using apps/v1: .spec.replicas";
        assert_eq!(conflicting_fields(one), [".spec.replicas"]);
        let two = "Apply failed with 2 conflicts: * conflict with \"a\" using v1: .data.x\n* conflict with \"b\" using v1: .spec.template.spec.containers[name=\"web\"].image";
        assert_eq!(conflicting_fields(two).len(), 2);
        assert_eq!(field_path(".spec.replicas").unwrap(), ["spec", "replicas"]);
        assert!(field_path(".spec.containers[name=\"web\"].image").is_none());
        let mut body = json!({"spec": {"replicas": 1, "selector": {}}});
        remove_at(&mut body, &field_path(".spec.replicas").unwrap());
        assert_eq!(body, json!({"spec": {"selector": {}}}));
    }

    #[test]
    fn test_filters_reorder_the_hooks_as_helm() {
        let hooks = |names: &[&str]| -> Vec<crate::release::Hook> { names.iter().map(|n| crate::release::Hook { name: n.to_string(), ..Default::default() }).collect() };
        let names = |hooks: &[crate::release::Hook]| -> Vec<String> { hooks.iter().map(|h| h.name.clone()).collect() };
        let mut record = hooks(&["a", "b", "c", "d"]);
        TestFilter::parse(&["!name=c".into()]).unwrap().reorder_as_helm(&mut record);
        assert_eq!(names(&record), ["c", "a", "b", "d"]);
        let mut record = hooks(&["a", "b", "c", "d"]);
        TestFilter::parse(&["!name=d".into(), "name=b".into()]).unwrap().reorder_as_helm(&mut record);
        assert_eq!(names(&record), ["d", "a", "c", "b"], "excluded first, then the ones not included");
        let mut record = hooks(&["a", "b"]);
        TestFilter::default().reorder_as_helm(&mut record);
        assert_eq!(names(&record), ["a", "b"]);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_go_duration("5m0s").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_go_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_go_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert!(parse_go_duration("5").unwrap_err().contains("missing unit"));
        assert!(parse_go_duration("5x").unwrap_err().contains("unknown unit"));
    }

    #[test]
    fn release_names() {
        assert!(validate_release_name("my-kubernetes-example").is_ok());
        assert!(validate_release_name("a.b").is_ok());
        assert!(validate_release_name("Bad").is_err());
        assert!(validate_release_name(&"a".repeat(54)).is_err());
    }

    #[test]
    fn readiness() {
        let deployment = json!({"metadata": {"generation": 2}, "spec": {"replicas": 2}, "status": {"observedGeneration": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2}});
        assert!(is_ready("Deployment", &deployment));
        assert!(!is_ready("Deployment", &json!({"spec": {"replicas": 1}, "status": {}})));
        assert!(is_ready("ConfigMap", &json!({})));
        assert!(!is_ready("PersistentVolumeClaim", &json!({"status": {"phase": "Pending"}})));
    }
}
