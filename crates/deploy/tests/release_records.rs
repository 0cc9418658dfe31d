//! The release records real Helm v4.1.4 wrote (tests/fixtures/helm-v4.1.4-releases, copied from
//! the project's shared fixtures): decode all three, and check that re-encoding gives the very
//! JSON Helm wrote.

use std::io::Read;
use std::path::PathBuf;

use base64::Engine as _;
use deploy::release::{decode_release, encode_release, Release, Status, APPLY_METHOD_SERVER_SIDE};

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/helm-v4.1.4-releases").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The `release:` value of a fixture object (they are simple `kubectl get -o yaml` dumps).
fn release_data(yaml: &str) -> String {
    yaml.lines().find_map(|line| line.trim_start().strip_prefix("release: ")).expect("release: line").trim().to_string()
}

/// A Secret's `data` is base64 on the wire; what the driver sees is one layer less.
fn secret_payload(yaml: &str) -> String {
    let wire = base64::engine::general_purpose::STANDARD.decode(release_data(yaml)).unwrap();
    String::from_utf8(wire).unwrap()
}

/// The exact JSON bytes Helm wrote inside a stored payload.
fn helm_json(payload: &str) -> Vec<u8> {
    let gzipped = base64::engine::general_purpose::STANDARD.decode(payload).unwrap();
    let mut json = Vec::new();
    flate2::read::GzDecoder::new(gzipped.as_slice()).read_to_end(&mut json).unwrap();
    json
}

#[test]
fn decodes_secret_revision_1() {
    let release = decode_release(&secret_payload(&fixture("secret-v1.yaml"))).unwrap();
    assert_eq!(release.name, "my-kubernetes-example");
    assert_eq!(release.version, 1);
    assert_eq!(release.namespace, "helm-staging");
    assert_eq!(release.apply_method, APPLY_METHOD_SERVER_SIDE);
    let info = release.info.as_ref().unwrap();
    assert_eq!(info.status, Status::Superseded);
    assert_eq!(info.description, "Install complete");
    assert_eq!(info.first_deployed.to_rfc3339_nano(), "2026-11-24T17:05:26.459549323Z");
    assert!(info.deleted.is_zero());
    assert_eq!(release.chart_name(), "kubernetes-example");
    assert_eq!(release.config["frontend"]["autoscaling"]["averageUtilization"], 60);
    assert!(release.manifest.starts_with("---\n# Source: kubernetes-example/templates/"));
}

#[test]
fn decodes_secret_revision_2_as_the_pretty_printed_record() {
    let release = decode_release(&secret_payload(&fixture("secret-v2.yaml"))).unwrap();
    let expected: serde_json::Value = serde_json::from_str(&fixture("secret-v2.release.json")).unwrap();
    let actual: serde_json::Value = serde_json::from_slice(&release.to_json().unwrap()).unwrap();
    assert_eq!(actual, expected);
    let chart = release.chart.as_ref().unwrap();
    let metadata = chart.metadata.as_ref().unwrap();
    assert_eq!((metadata.api_version.as_str(), metadata.app_version.as_str(), metadata.chart_type.as_str()), ("v2", "0.1.0", "application"));
    assert!(chart.lock.is_none());
    assert!(chart.schema.is_none());
    assert!(chart.schemamodtime.is_zero());
    let templates = chart.templates.as_ref().unwrap();
    assert!(templates.iter().any(|file| file.name == "templates/backend.yaml" && file.data.starts_with(b"apiVersion: apps/v1\n")));
    assert_eq!(release.status(), Status::Deployed);
    assert_eq!(release.config["database"]["uri"], "10.10.10.10");
}

#[test]
fn decodes_configmap_record() {
    let release = decode_release(&release_data(&fixture("configmap-driver.yaml"))).unwrap();
    assert_eq!(release.name, "cm-example");
    assert_eq!(release.namespace, "helm-cm");
    assert_eq!(release.status(), Status::Deployed);
    assert!(release.config.is_empty(), "no user values: Helm omits config");
}

#[test]
fn re_encoding_gives_the_json_helm_wrote() {
    for payload in [
        secret_payload(&fixture("secret-v1.yaml")),
        secret_payload(&fixture("secret-v2.yaml")),
        release_data(&fixture("configmap-driver.yaml")),
    ] {
        let release = decode_release(&payload).unwrap();
        let ours = release.to_json().unwrap();
        let helms = helm_json(&payload);
        assert_eq!(String::from_utf8(ours).unwrap(), String::from_utf8(helms).unwrap());
    }
}

#[test]
fn encoded_records_have_helms_shape() {
    let release = decode_release(&secret_payload(&fixture("secret-v2.yaml"))).unwrap();
    let encoded = encode_release(&release).unwrap();
    let gzipped = base64::engine::general_purpose::STANDARD.decode(&encoded).unwrap();
    // gzip magic, deflate, no name/mtime, best compression (XFL=2), unknown OS: Go's header.
    assert_eq!(&gzipped[..10], &[0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff]);
    let decoded = decode_release(&encoded).unwrap();
    assert_eq!(decoded, release);
}

#[test]
fn reads_uncompressed_and_lenient_records() {
    // Records from before Helm gzipped them are base64 of plain JSON.
    let plain = r#"{"name":"old","info":{"first_deployed":"","last_deployed":null,"status":"pending-install"},"version":3,"hooks":null,"future_field":{"x":1}}"#;
    let release = decode_release(&base64::engine::general_purpose::STANDARD.encode(plain)).unwrap();
    assert_eq!(release.name, "old");
    assert_eq!(release.version, 3);
    assert!(release.status().is_pending());
    assert!(release.info.as_ref().unwrap().first_deployed.is_zero());
    // Unknown fields survive; zero times and empty lists are omitted as Helm does.
    assert_eq!(String::from_utf8(release.to_json().unwrap()).unwrap(), r#"{"name":"old","info":{"status":"pending-install"},"version":3,"future_field":{"x":1}}"#);
}

#[test]
fn rejects_damaged_records_without_panicking() {
    for data in ["", "!!!", "H4sI", "H4sIAAAAAAAC/w==", "bnVsbA==", "W10=", "e30", "AAE="] {
        let _ = decode_release(data);
    }
    assert!(decode_release("!!!").is_err());
    assert!(decode_release("W10=").is_err(), "a JSON array is not a release");
    assert_eq!(decode_release("e30=").unwrap(), Release::default());
}

#[test]
fn writes_hooks_as_helm_does() {
    let release: Release = serde_json::from_str(r#"{"name":"h","hooks":[{"name":"job","kind":"Job","events":["pre-install"]}],"version":1}"#).unwrap();
    assert_eq!(
        String::from_utf8(release.to_json().unwrap()).unwrap(),
        r#"{"name":"h","hooks":[{"name":"job","kind":"Job","events":["pre-install"],"last_run":{"phase":""}}],"version":1}"#
    );
}
