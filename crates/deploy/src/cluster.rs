//! Cluster access as Helm (through client-go) finds it: the kubeconfig files, the context,
//! the namespace, in-cluster credentials; discovery of the server's API resources, cached for
//! the command; and the Capabilities a chart sees when it is rendered for this cluster.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::{ApiCapabilities, ApiResource, Discovery, Scope};

/// What the command line and the environment say about the cluster to use.
#[derive(Clone, Debug, Default)]
pub struct ClusterOptions {
    /// `--kubeconfig`: one file, used instead of `KUBECONFIG`.
    pub kubeconfig: Option<String>,
    /// `--kube-context` (or `HELM_KUBECONTEXT`).
    pub context: Option<String>,
    /// `-n/--namespace` (or `HELM_NAMESPACE`).
    pub namespace: Option<String>,
    /// The process environment: `KUBECONFIG`, `HOME`, `HELM_*`, `KUBERNETES_SERVICE_*`.
    pub env: BTreeMap<String, String>,
}

impl ClusterOptions {
    fn env(&self, name: &str) -> Option<&str> {
        self.env.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The kubeconfig files client-go reads, in precedence order: `--kubeconfig`, else every
    /// existing file of `KUBECONFIG` (a `:`-separated list), else `~/.kube/config`.
    pub fn kubeconfig_files(&self) -> Vec<PathBuf> {
        if let Some(path) = &self.kubeconfig {
            return vec![PathBuf::from(path)];
        }
        if let Some(list) = self.env("KUBECONFIG") {
            return list.split(':').filter(|p| !p.is_empty()).map(PathBuf::from).filter(|p| p.exists()).collect();
        }
        match self.env("HOME") {
            Some(home) => {
                let default = Path::new(home).join(".kube").join("config");
                if default.exists() {
                    vec![default]
                } else {
                    Vec::new()
                }
            }
            None => Vec::new(),
        }
    }
}

/// Why the cluster could not be reached or described. Messages follow Helm's wording.
#[derive(Debug)]
pub enum ClusterError {
    /// The kubeconfig could not be read or does not name a usable cluster.
    Config(String),
    /// `kubernetes cluster unreachable: ...` (Helm 4's wording, lower case).
    Unreachable(String),
    /// A discovery request failed.
    Discovery(String),
}

impl std::fmt::Display for ClusterError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClusterError::Config(message) => f.write_str(message),
            ClusterError::Unreachable(message) => write!(f, "kubernetes cluster unreachable: {message}"),
            ClusterError::Discovery(message) => write!(f, "could not get server API resources: {message}"),
        }
    }
}

impl std::error::Error for ClusterError {}

/// A connection to one cluster, in one namespace, with its discovery cached.
pub struct Cluster {
    pub client: kube::Client,
    /// The namespace this command works in (`-n`, `HELM_NAMESPACE`, the context's, `default`).
    pub namespace: String,
    /// The API server URL, for messages.
    pub server_url: String,
    discovery: Option<ServerResources>,
}

/// What discovery found: every served resource by `apiVersion` and kind.
#[derive(Clone, Debug, Default)]
pub struct ServerResources {
    /// (apiVersion, kind) -> resource and whether it is namespaced.
    resources: BTreeMap<(String, String), (ApiResource, bool)>,
    /// Helm's `Capabilities.APIVersions`: every `group/version` and `group/version/Kind`.
    pub api_versions: Vec<String>,
}

impl ServerResources {
    fn from_discovery(discovery: &Discovery) -> ServerResources {
        let mut found = ServerResources::default();
        for group in discovery.groups() {
            for version in group.versions() {
                found.api_versions.push(version_path(group.name(), version));
                for (resource, capabilities) in group.versioned_resources(version) {
                    found.api_versions.push(format!("{}/{}", resource.api_version, resource.kind));
                    found.insert(resource, &capabilities);
                }
            }
        }
        found.api_versions.sort();
        found.api_versions.dedup();
        found
    }

    fn insert(&mut self, resource: ApiResource, capabilities: &ApiCapabilities) {
        let namespaced = capabilities.scope == Scope::Namespaced;
        self.resources.insert((resource.api_version.clone(), resource.kind.clone()), (resource, namespaced));
    }

    /// The REST resource for `apiVersion`/`kind`, and whether it is namespaced.
    pub fn resolve(&self, api_version: &str, kind: &str) -> Option<(ApiResource, bool)> {
        self.resources.get(&(api_version.to_string(), kind.to_string())).cloned()
    }
}

fn version_path(group: &str, version: &str) -> String {
    if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    }
}

/// The server's version, as Helm puts it into `.Capabilities.KubeVersion`.
#[derive(Clone, Debug)]
pub struct ServerVersion {
    /// `v1.28.4`
    pub git_version: String,
}

impl Cluster {
    /// Loads the configuration as client-go does and builds a client. Does not contact the
    /// server: the first request tells whether it is reachable.
    pub async fn connect(options: &ClusterOptions) -> Result<Cluster, ClusterError> {
        let files = options.kubeconfig_files();
        let context = options.context.clone().or_else(|| options.env("HELM_KUBECONTEXT").map(str::to_string));
        let config = if files.is_empty() && options.env("KUBERNETES_SERVICE_HOST").is_some() && context.is_none() {
            kube::Config::incluster().map_err(|err| ClusterError::Config(format!("in-cluster configuration: {err}")))?
        } else if files.is_empty() {
            // client-go's last resort is an unauthenticated server on localhost:8080; the
            // first request then fails with a clear "connection refused".
            let mut config = kube::Config::new("http://localhost:8080".parse().map_err(|_| ClusterError::Config("bad default URL".into()))?);
            config.default_namespace = "default".into();
            config
        } else {
            let mut merged: Option<Kubeconfig> = None;
            for file in &files {
                let one = Kubeconfig::read_from(file).map_err(|err| ClusterError::Config(format!("kubeconfig {}: {err}", file.display())))?;
                merged = Some(match merged {
                    None => one,
                    Some(earlier) => earlier.merge(one).map_err(|err| ClusterError::Config(format!("kubeconfig: {err}")))?,
                });
            }
            let kubeconfig = merged.ok_or_else(|| ClusterError::Config("no kubeconfig".into()))?;
            let load_options = KubeConfigOptions { context: context.clone(), cluster: None, user: None };
            kube::Config::from_custom_kubeconfig(kubeconfig, &load_options).await.map_err(|err| match (&context, &err) {
                (Some(name), kube::config::KubeconfigError::LoadContext(_)) => ClusterError::Config(format!("context \"{name}\" does not exist")),
                _ => ClusterError::Config(format!("kubeconfig: {err}")),
            })?
        };
        let namespace = options
            .namespace
            .clone()
            .filter(|ns| !ns.is_empty())
            .or_else(|| options.env("HELM_NAMESPACE").map(str::to_string))
            .unwrap_or_else(|| config.default_namespace.clone());
        let server_url = config.cluster_url.to_string().trim_end_matches('/').to_string();
        let client = kube::Client::try_from(config).map_err(|err| ClusterError::Config(format!("kubernetes client: {err}")))?;
        Ok(Cluster { client, namespace, server_url, discovery: None })
    }

    /// `GET /version`: Helm's reachability check and the source of `KubeVersion`.
    pub async fn server_version(&self) -> Result<ServerVersion, ClusterError> {
        match self.client.apiserver_version().await {
            Ok(info) => Ok(ServerVersion { git_version: info.git_version }),
            // client-go reads /version raw and words a 401 as a generic server response (no
            // URL, not the Status body); Helm prints exactly that for expired credentials.
            Err(kube::Error::Api(status)) if status.code == 401 => Err(ClusterError::Unreachable("the server has asked for the client to provide credentials".into())),
            Err(err) => Err(ClusterError::Unreachable(format!("Get \"{}/version\": {}", self.server_url, describe_kube_error(&err)))),
        }
    }

    /// Every served resource, discovered once per command.
    pub async fn resources(&mut self) -> Result<&ServerResources, ClusterError> {
        if self.discovery.is_none() {
            let discovery = Discovery::new(self.client.clone()).run().await.map_err(|err| ClusterError::Discovery(describe_kube_error(&err)))?;
            self.discovery = Some(ServerResources::from_discovery(&discovery));
        }
        self.discovery.as_ref().ok_or_else(|| ClusterError::Discovery("discovery did not run".into()))
    }

    /// Forgets the discovery cache (after CRDs are installed, new kinds appear).
    pub fn invalidate_discovery(&mut self) {
        self.discovery = None;
    }
}

/// A kube error as one line, with the innermost cause (e.g. "connection refused").
pub fn describe_kube_error(err: &kube::Error) -> String {
    match err {
        kube::Error::Api(status) if !status.message.is_empty() => status.message.clone(),
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !text.contains(&cause_text) {
                    text.push_str(": ");
                    text.push_str(&cause_text);
                }
                source = cause.source();
            }
            text
        }
    }
}
