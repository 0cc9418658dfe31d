//! A small OCI distribution client over blocking HTTP (ureq + rustls): the registry
//! ping, blob upload/download, manifest put/get, with Basic and Bearer-token auth
//! negotiated from `WWW-Authenticate` challenges.

use std::time::Duration;

use base64::Engine;
use ureq::http::Response;
use ureq::Body;

use crate::credentials::Credential;
use crate::reference::Reference;
use crate::{sha256_digest, Error, ErrorKind, Result};

/// The largest manifest or config we accept (a chart's are a few hundred bytes).
const MAX_SMALL_DOCUMENT: u64 = 4 * 1024 * 1024;
/// The largest chart archive we download (Helm caps charts at 100 MiB expanded).
pub const MAX_BLOB: u64 = 100 * 1024 * 1024;

/// How to reach a registry.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// `--plain-http`: talk HTTP instead of HTTPS.
    pub plain_http: bool,
    /// `--insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
    /// `--ca-file`: PEM bundle of extra root certificates to trust (instead of the
    /// built-in Mozilla roots).
    pub ca_pem: Option<Vec<u8>>,
    /// `--cert-file`/`--key-file`: client certificate and key, PEM.
    pub client_cert_pem: Option<(Vec<u8>, Vec<u8>)>,
    pub credential: Option<Credential>,
}

/// A connection to one registry host.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    host: String,
    credential: Option<Credential>,
    /// The `Authorization` header that worked last, reused for later requests.
    authorization: Option<String>,
}

/// An answer from the registry: status, selected headers, body.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub content_type: Option<String>,
    pub docker_digest: Option<String>,
    pub body: Vec<u8>,
}

enum Method<'a> {
    Get { accept: Option<&'a str> },
    Head,
    Post,
    Put { content_type: &'a str, body: &'a [u8] },
}

impl Client {
    pub fn connect(host: &str, options: &ConnectOptions) -> Result<Client> {
        use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
        let mut tls = TlsConfig::builder().disable_verification(options.insecure_skip_tls_verify);
        if let Some(pem) = &options.ca_pem {
            let certs: Vec<Certificate<'static>> = ureq::tls::parse_pem(pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            if certs.is_empty() {
                return Err(Error::new(ErrorKind::Invalid, "no certificates found in the CA file"));
            }
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        if let Some((cert, key)) = &options.client_cert_pem {
            let cert = Certificate::from_pem(cert).map_err(|e| Error::new(ErrorKind::Invalid, format!("client certificate: {e}")))?;
            let key = PrivateKey::from_pem(key).map_err(|e| Error::new(ErrorKind::Invalid, format!("client key: {e}")))?;
            tls = tls.client_cert(Some(ClientCert::new_with_certs(&[cert], key)));
        }
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .tls_config(tls.build())
            .timeout_connect(Some(Duration::from_secs(15)))
            .timeout_global(Some(Duration::from_secs(300)))
            .user_agent(concat!("chartroom/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        let scheme = if options.plain_http { "http" } else { "https" };
        Ok(Client {
            agent,
            base: format!("{scheme}://{host}"),
            host: host.to_string(),
            credential: options.credential.clone(),
            authorization: None,
        })
    }

    /// `GET /v2/`: checks the registry answers and the credentials are accepted.
    pub fn ping(&mut self) -> Result<()> {
        let url = format!("{}/v2/", self.base);
        let answer = self.request(&url, Method::Get { accept: None }, "registry:catalog:*")?;
        match answer.status {
            200..=299 => Ok(()),
            _ => Err(self.status_error(&answer, "login")),
        }
    }

    pub fn blob_exists(&mut self, repo: &Reference, digest: &str) -> Result<bool> {
        let url = format!("{}/v2/{}/blobs/{digest}", self.base, repo.repository);
        let answer = self.request(&url, Method::Head, &pull_push_scope(repo))?;
        match answer.status {
            200..=299 => Ok(true),
            404 => Ok(false),
            _ => Err(self.status_error(&answer, "checking blob")),
        }
    }

    /// Uploads a blob (monolithic POST then PUT), unless the registry has it already.
    pub fn push_blob(&mut self, repo: &Reference, data: &[u8]) -> Result<String> {
        let digest = sha256_digest(data);
        if self.blob_exists(repo, &digest)? {
            return Ok(digest);
        }
        let scope = pull_push_scope(repo);
        let url = format!("{}/v2/{}/blobs/uploads/", self.base, repo.repository);
        let answer = self.request(&url, Method::Post, &scope)?;
        if answer.status != 202 {
            return Err(self.status_error(&answer, "starting blob upload"));
        }
        let location = answer
            .location
            .ok_or_else(|| Error::new(ErrorKind::Invalid, "registry gave no upload location"))?;
        let mut upload = if location.starts_with("http://") || location.starts_with("https://") {
            location
        } else {
            format!("{}{location}", self.base)
        };
        upload.push(if upload.contains('?') { '&' } else { '?' });
        upload.push_str("digest=");
        upload.push_str(&digest);
        let answer = self.request(&upload, Method::Put { content_type: "application/octet-stream", body: data }, &scope)?;
        if answer.status != 201 {
            return Err(self.status_error(&answer, "uploading blob"));
        }
        Ok(digest)
    }

    /// Puts a manifest under a tag; returns its digest.
    pub fn push_manifest(&mut self, repo: &Reference, tag: &str, media_type: &str, manifest: &[u8]) -> Result<String> {
        let url = format!("{}/v2/{}/manifests/{tag}", self.base, repo.repository);
        let answer = self.request(&url, Method::Put { content_type: media_type, body: manifest }, &pull_push_scope(repo))?;
        if answer.status != 201 {
            return Err(self.status_error(&answer, "pushing manifest"));
        }
        Ok(sha256_digest(manifest))
    }

    /// Fetches a manifest by tag or digest; returns (bytes, content type). The bytes are
    /// checked against the digest when fetched by digest.
    pub fn get_manifest(&mut self, repo: &Reference, tag_or_digest: &str, accept: &str) -> Result<(Vec<u8>, Option<String>)> {
        let url = format!("{}/v2/{}/manifests/{tag_or_digest}", self.base, repo.repository);
        let answer = self.request(&url, Method::Get { accept: Some(accept) }, &pull_scope(repo))?;
        match answer.status {
            200 => {}
            404 => {
                return Err(Error::new(
                    ErrorKind::NotFound,
                    format!("{}/{}:{tag_or_digest}: not found", self.host, repo.repository),
                ))
            }
            _ => return Err(self.status_error(&answer, "fetching manifest")),
        }
        if crate::reference::valid_digest(tag_or_digest) && sha256_digest(&answer.body) != tag_or_digest {
            return Err(Error::new(ErrorKind::Invalid, format!("manifest digest mismatch: expected {tag_or_digest}")));
        }
        Ok((answer.body, answer.content_type))
    }

    /// Downloads a blob and checks its digest and size.
    pub fn get_blob(&mut self, repo: &Reference, digest: &str, size: u64) -> Result<Vec<u8>> {
        if size > MAX_BLOB {
            return Err(Error::new(ErrorKind::Invalid, format!("blob {digest} is too large ({size} bytes)")));
        }
        let url = format!("{}/v2/{}/blobs/{digest}", self.base, repo.repository);
        let answer = self.request(&url, Method::Get { accept: None }, &pull_scope(repo))?;
        match answer.status {
            200 => {}
            404 => return Err(Error::new(ErrorKind::NotFound, format!("blob {digest}: not found"))),
            _ => return Err(self.status_error(&answer, "fetching blob")),
        }
        let actual = sha256_digest(&answer.body);
        if actual != digest || answer.body.len() as u64 != size {
            return Err(Error::new(
                ErrorKind::Invalid,
                format!("blob digest mismatch: expected {digest} ({size} bytes), got {actual} ({} bytes)", answer.body.len()),
            ));
        }
        Ok(answer.body)
    }

    /// `GET /v2/<repo>/tags/list`.
    pub fn list_tags(&mut self, repo: &Reference) -> Result<Vec<String>> {
        let url = format!("{}/v2/{}/tags/list", self.base, repo.repository);
        let answer = self.request(&url, Method::Get { accept: Some("application/json") }, &pull_scope(repo))?;
        match answer.status {
            200 => {}
            404 => return Err(Error::new(ErrorKind::NotFound, format!("{}/{}: repository not found", self.host, repo.repository))),
            _ => return Err(self.status_error(&answer, "listing tags")),
        }
        let json: serde_json::Value = serde_json::from_slice(&answer.body)
            .map_err(|e| Error::new(ErrorKind::Invalid, format!("tag list: {e}")))?;
        Ok(json["tags"].as_array().map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_string)).collect()).unwrap_or_default())
    }

    fn status_error(&self, answer: &Answer, action: &str) -> Error {
        let detail = registry_error_text(&answer.body);
        match answer.status {
            401 => Error::new(
                ErrorKind::Denied,
                format!("{action} {}: 401 Unauthorized: denied: {}", self.host, detail.unwrap_or_else(|| "authentication required (check the username and password; run `chartroom registry login`)".into())),
            ),
            403 => Error::new(
                ErrorKind::Denied,
                format!("{action} {}: 403 Forbidden: denied: {}", self.host, detail.unwrap_or_else(|| "the credentials are not allowed to do this".into())),
            ),
            404 => Error::new(ErrorKind::NotFound, format!("{action} {}: 404 Not Found{}", self.host, detail.map(|d| format!(": {d}")).unwrap_or_default())),
            s => Error::new(
                ErrorKind::Invalid,
                format!("{action} {}: unexpected status {s}{}", self.host, detail.map(|d| format!(": {d}")).unwrap_or_default()),
            ),
        }
    }

    /// Sends a request, answering one auth challenge (Basic or Bearer) if the registry
    /// asks for it.
    fn request(&mut self, url: &str, method: Method<'_>, scope: &str) -> Result<Answer> {
        let first = self.send(url, &method, self.authorization.clone())?;
        if first.status != 401 {
            return Ok(first.answer);
        }
        let Some(challenge) = first.challenge.clone() else { return Ok(first.answer) };
        let Some(authorization) = self.authorize(&challenge, scope)? else { return Ok(first.answer) };
        self.authorization = Some(authorization.clone());
        Ok(self.send(url, &method, Some(authorization))?.answer)
    }

    fn authorize(&mut self, challenge: &str, scope: &str) -> Result<Option<String>> {
        let (scheme, params) = parse_challenge(challenge);
        let basic = self.credential.as_ref().map(|c| {
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", c.username, c.password)))
        });
        if scheme.eq_ignore_ascii_case("basic") {
            return Ok(basic);
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Ok(None);
        }
        let Some(realm) = params.iter().find(|(k, _)| k == "realm").map(|(_, v)| v.clone()) else { return Ok(None) };
        let mut token_url = realm;
        let mut sep = if token_url.contains('?') { '&' } else { '?' };
        for (k, v) in params.iter().filter(|(k, _)| k == "service") {
            token_url.push_str(&format!("{sep}{k}={}", form_escape(v)));
            sep = '&';
        }
        let scope = params.iter().find(|(k, _)| k == "scope").map(|(_, v)| v.as_str()).unwrap_or(scope);
        token_url.push_str(&format!("{sep}scope={}", form_escape(scope)));
        let mut req = self.agent.get(&token_url);
        if let Some(b) = &basic {
            req = req.header("Authorization", b);
        }
        let resp = req.call().map_err(|e| transport_error(&token_url, &e))?;
        let answer = read_answer(resp, MAX_SMALL_DOCUMENT)?;
        if answer.status == 401 || answer.status == 403 {
            return Err(Error::new(ErrorKind::Denied, format!("{}: {} denied: the token service refused the credentials", self.host, answer.status)));
        }
        if answer.status != 200 {
            return Err(Error::new(ErrorKind::Invalid, format!("token service answered {}", answer.status)));
        }
        let json: serde_json::Value = serde_json::from_slice(&answer.body)
            .map_err(|e| Error::new(ErrorKind::Invalid, format!("token service: {e}")))?;
        let token = json.get("token").or_else(|| json.get("access_token")).and_then(|t| t.as_str());
        Ok(token.map(|t| format!("Bearer {t}")))
    }

    fn send(&self, url: &str, method: &Method<'_>, authorization: Option<String>) -> Result<SentAnswer> {
        let limit = match method {
            Method::Get { accept: None } => MAX_BLOB,
            _ => MAX_SMALL_DOCUMENT,
        };
        let result = match method {
            Method::Get { accept } => {
                let mut r = self.agent.get(url);
                if let Some(a) = accept {
                    r = r.header("Accept", *a);
                }
                if let Some(auth) = &authorization {
                    r = r.header("Authorization", auth);
                }
                r.call()
            }
            Method::Head => {
                let mut r = self.agent.head(url);
                if let Some(auth) = &authorization {
                    r = r.header("Authorization", auth);
                }
                r.call()
            }
            Method::Post => {
                let mut r = self.agent.post(url);
                if let Some(auth) = &authorization {
                    r = r.header("Authorization", auth);
                }
                r.send_empty()
            }
            Method::Put { content_type, body } => {
                let mut r = self.agent.put(url).header("Content-Type", *content_type);
                if let Some(auth) = &authorization {
                    r = r.header("Authorization", auth);
                }
                r.send(*body)
            }
        };
        let resp = result.map_err(|e| transport_error(url, &e))?;
        let challenge = resp.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_string);
        let status = resp.status().as_u16();
        let answer = read_answer(resp, limit)?;
        Ok(SentAnswer { status, challenge, answer })
    }
}

struct SentAnswer {
    status: u16,
    challenge: Option<String>,
    answer: Answer,
}

fn read_answer(mut resp: Response<Body>, limit: u64) -> Result<Answer> {
    let header = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (location, content_type, docker_digest) = (header("location"), header("content-type"), header("docker-content-digest"));
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .map_err(|e| Error::new(ErrorKind::Invalid, format!("reading registry answer: {e}")))?;
    Ok(Answer { status, location, content_type, docker_digest, body })
}

fn transport_error(url: &str, e: &ureq::Error) -> Error {
    let what = match e {
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        other => other.to_string(),
    };
    Error::new(ErrorKind::Unreachable, format!("{url}: cannot reach the registry: {what}"))
}

/// The first message of a registry's `{"errors":[{"code","message"}]}` body.
fn registry_error_text(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let first = json.get("errors")?.get(0)?;
    let code = first.get("code").and_then(|c| c.as_str()).unwrap_or("");
    let message = first.get("message").and_then(|c| c.as_str()).unwrap_or("");
    Some(if code.is_empty() { message.to_string() } else { format!("{code}: {message}") })
}

fn pull_scope(repo: &Reference) -> String {
    format!("repository:{}:pull", repo.repository)
}

fn pull_push_scope(repo: &Reference) -> String {
    format!("repository:{}:pull,push", repo.repository)
}

/// `Bearer realm="…",service="…"` → ("Bearer", [(realm, …), (service, …)]).
pub fn parse_challenge(header: &str) -> (String, Vec<(String, String)>) {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    let mut params = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else { break };
        let key = key.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            value.push(n);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => value.push(c),
                }
            }
            (value, &quoted[end.min(quoted.len())..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        params.push((key, value));
        rest = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    (scheme.to_string(), params)
}

fn form_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges() {
        let (s, p) = parse_challenge(r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#);
        assert_eq!(s, "Bearer");
        assert_eq!(p[0], ("realm".to_string(), "https://auth.example/token".to_string()));
        assert_eq!(p[2].1, "repository:a/b:pull");
        let (s, p) = parse_challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!((s.as_str(), p[0].1.as_str()), ("Basic", "Registry Realm"));
    }
}
