//! Chart provenance, as Helm's `pkg/provenance` writes and checks it: a `.prov` file
//! next to `NAME-VERSION.tgz` is an OpenPGP cleartext-signed message whose text is the
//! chart's metadata (YAML), the YAML document end marker `...`, and a YAML map
//! `files: {NAME-VERSION.tgz: sha256:HEX}`. Verifying means: the signature is good and
//! made by a key in the keyring, and the archive's SHA-256 is the one listed under its
//! file name.
//!
//! Keyrings are GnuPG's legacy binary key files (`pubring.gpg`, `secring.gpg`, `gpg
//! --export`), the format Helm reads; ASCII-armoured exports are accepted too.

use std::io::Cursor;
use std::path::Path;

use pgp::composed::{CleartextSignedMessage, PublicOrSecret, SignedPublicKey, SignedSecretKey};
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::packet::Signature;
use pgp::types::{KeyDetails, Password};

use crate::{Error, ErrorKind, Result};

/// The keys of a keyring file: every primary key with its subkeys; secret keys are kept
/// (for signing) and also verify as their public halves.
pub struct Keyring {
    public: Vec<SignedPublicKey>,
    secret: Vec<SignedSecretKey>,
}

/// Who signed a verified chart and what was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verification {
    /// The signing key's user IDs (`Name <email>`).
    pub signed_by: Vec<String>,
    /// The primary key's fingerprint, upper-case hex.
    pub fingerprint: String,
    /// `sha256:HEX` of the archive.
    pub file_hash: String,
    pub file_name: String,
}

impl Verification {
    /// Helm's report after a successful check (`helm verify`, `pull --verify`).
    pub fn report(&self) -> String {
        let mut out = String::new();
        for name in &self.signed_by {
            out.push_str(&format!("Signed by: {name}\n"));
        }
        out.push_str(&format!("Using Key With Fingerprint: {}\n", self.fingerprint));
        out.push_str(&format!("Chart Hash Verified: {}\n", self.file_hash));
        out
    }
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Invalid, message)
}

/// Go's wording for a missing file.
fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

impl Keyring {
    /// Reads a keyring file; errors carry Helm's `failed to load keyring:` prefix.
    pub fn load(path: &Path) -> Result<Keyring> {
        let data = std::fs::read(path)
            .map_err(|e| Error::new(ErrorKind::Io, format!("failed to load keyring: open {}: {}", path.display(), io_text(&e))))?;
        Keyring::parse(&data).map_err(|e| invalid(format!("failed to load keyring: {}", e.message)))
    }

    /// Parses binary or armoured key material (one or more transferable keys).
    pub fn parse(data: &[u8]) -> Result<Keyring> {
        let (keys, _) = PublicOrSecret::from_reader_many(Cursor::new(data))
            .map_err(|e| invalid(format!("openpgp: invalid data: {e}")))?;
        let mut ring = Keyring { public: Vec::new(), secret: Vec::new() };
        for key in keys {
            match key.map_err(|e| invalid(format!("openpgp: invalid data: {e}")))? {
                PublicOrSecret::Public(k) => ring.public.push(k),
                PublicOrSecret::Secret(k) => {
                    ring.public.push(k.to_public_key());
                    ring.secret.push(k);
                }
            }
        }
        if ring.public.is_empty() {
            return Err(invalid("openpgp: invalid data: no keys found"));
        }
        Ok(ring)
    }

    /// The secret key whose user ID is `name`, else the only one containing it (GnuPG's
    /// and Helm's rule for `--key`). Helm's messages when there is none, or only its
    /// public half.
    pub fn signing_key(&self, name: &str) -> Result<&SignedSecretKey> {
        let mut candidate: Option<&SignedPublicKey> = None;
        let mut exact = None;
        let mut vague = false;
        'keys: for key in &self.public {
            for user in &key.details.users {
                let id = String::from_utf8_lossy(user.id.id());
                if id == name {
                    exact = Some(key);
                    break 'keys;
                }
                if id.contains(name) {
                    vague |= candidate.is_some_and(|c| c.fingerprint() != key.fingerprint());
                    candidate = Some(key);
                }
            }
        }
        if exact.is_none() && vague {
            return Err(invalid(format!("more than one key contain the id {name:?}")));
        }
        let Some(chosen) = exact.or(candidate) else { return Err(invalid("private key not found")) };
        self.secret
            .iter()
            .find(|k| k.fingerprint() == chosen.fingerprint())
            .ok_or_else(|| invalid("provided key is not a private key. Try providing a keyring with secret keys"))
    }
}

fn user_ids(key: &SignedPublicKey) -> Vec<String> {
    key.details.users.iter().map(|u| String::from_utf8_lossy(u.id.id()).into_owned()).collect()
}

/// Go-crypto's name of an algorithm in `invalid signature: X verification failure`.
fn algorithm_name(algorithm: PublicKeyAlgorithm) -> &'static str {
    match algorithm {
        PublicKeyAlgorithm::RSA | PublicKeyAlgorithm::RSASign | PublicKeyAlgorithm::RSAEncrypt => "RSA",
        PublicKeyAlgorithm::DSA => "DSA",
        PublicKeyAlgorithm::ECDSA => "ECDSA",
        PublicKeyAlgorithm::EdDSALegacy | PublicKeyAlgorithm::Ed25519 | PublicKeyAlgorithm::Ed448 => "EdDSA",
        _ => "signature",
    }
}

/// Checks one signature against the keyring: the key (primary or subkey) named by the
/// signature's issuer must be in it and the signature must verify with it. Returns the
/// primary key of the signer.
fn check_signature<'k>(ring: &'k Keyring, signature: &Signature, text: &[u8]) -> Result<&'k SignedPublicKey> {
    let issuer_ids = signature.issuer_key_id();
    let issuer_fingerprints = signature.issuer_fingerprint();
    let named = |id: pgp::types::KeyId, fp: pgp::types::Fingerprint| {
        issuer_ids.iter().any(|i| **i == id) || issuer_fingerprints.iter().any(|f| **f == fp)
    };
    let mut found_key = false;
    let mut last_error = None;
    for primary in &ring.public {
        if named(primary.legacy_key_id(), primary.fingerprint()) {
            found_key = true;
            match signature.verify(primary, text) {
                Ok(()) => return Ok(primary),
                Err(_) => last_error = Some(algorithm_name(primary.algorithm())),
            }
        }
        for sub in &primary.public_subkeys {
            if named(sub.legacy_key_id(), sub.fingerprint()) {
                found_key = true;
                match signature.verify(sub, text) {
                    Ok(()) => return Ok(primary),
                    Err(_) => last_error = Some(algorithm_name(sub.algorithm())),
                }
            }
        }
    }
    if !found_key {
        return Err(invalid("openpgp: signature made by unknown entity"));
    }
    Err(invalid(format!("openpgp: invalid signature: {} verification failure", last_error.unwrap_or("signature"))))
}

/// Verifies `archive` (named `file_name`, as listed in the provenance) against its
/// `.prov` contents with the keys of `ring`.
pub fn verify(archive: &[u8], provenance: &[u8], file_name: &str, ring: &Keyring) -> Result<Verification> {
    let text = String::from_utf8_lossy(provenance);
    let message = match CleartextSignedMessage::from_string(&text) {
        Ok((message, _)) if !message.signatures().is_empty() => message,
        _ => return Err(invalid("signature block not found")),
    };
    let signed_text = message.signed_text();
    let mut signer = None;
    let mut first_error = None;
    for signature in message.signatures() {
        match check_signature(ring, signature, signed_text.as_bytes()) {
            Ok(key) => {
                signer = Some(key);
                break;
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let Some(signer) = signer else {
        return Err(first_error.unwrap_or_else(|| invalid("openpgp: signature made by unknown entity")));
    };
    let plain = signed_text.replace("\r\n", "\n");
    let files = message_block_files(&plain)?;
    let sum = format!("sha256:{}", crate::sha256_digest(archive).trim_start_matches("sha256:"));
    match files.iter().find(|(name, _)| name == file_name) {
        None => return Err(invalid(format!("provenance does not contain a SHA for a file named {file_name:?}"))),
        Some((_, listed)) if *listed != sum => {
            return Err(invalid(format!("sha256 sum does not match for {file_name}: {listed:?} != {sum:?}")))
        }
        Some(_) => {}
    }
    Ok(Verification {
        signed_by: user_ids(signer),
        fingerprint: format!("{:X}", signer.fingerprint()),
        file_hash: sum,
        file_name: file_name.to_string(),
    })
}

/// The `files:` map of a provenance message block (metadata, `\n...\n`, sums).
fn message_block_files(text: &str) -> Result<Vec<(String, String)>> {
    let Some((_, sums)) = text.split_once("\n...\n") else {
        return Err(invalid("message block must have at least two parts"));
    };
    let sums = sums.split("\n...\n").next().unwrap_or("");
    let doc = godata::yaml::parse(sums).map_err(|e| invalid(e.to_string()))?;
    let mut out = Vec::new();
    if let gotmpl::Value::Map(m) = doc {
        if let Some(gotmpl::Value::Map(files)) = m.get("files") {
            for (name, value) in files.entries() {
                if let gotmpl::Value::String(s) = value {
                    out.push((name.to_string(), s.to_string()));
                }
            }
        }
    }
    Ok(out)
}

/// The text Helm signs: the chart's metadata YAML, `...`, and the archive's checksum.
pub fn message_block(archive: &[u8], file_name: &str, metadata_yaml: &str) -> String {
    let sum = crate::sha256_digest(archive);
    let sums = gotmpl::Value::map(vec![("files", gotmpl::Value::map(vec![(file_name, gotmpl::Value::str(sum.as_str()))]))]);
    // A map of strings always serialises.
    let sums = godata::yaml::to_yaml(&sums).unwrap_or_default();
    format!("{metadata_yaml}\n...\n{sums}")
}

/// Clear-signs the message block for `archive` with `key` (SHA-512, as Helm), returning
/// the `.prov` contents. `passphrase` unlocks a protected key.
pub fn sign(archive: &[u8], file_name: &str, metadata_yaml: &str, key: &SignedSecretKey, passphrase: &str) -> Result<String> {
    use pgp::crypto::hash::HashAlgorithm;
    use pgp::packet::{SignatureConfig, SignatureType, Subpacket, SubpacketData};
    use pgp::types::Timestamp;
    let text = message_block(archive, file_name, metadata_yaml);
    let mut rng = rand::thread_rng();
    let mut config = SignatureConfig::from_key(&mut rng, &key.primary_key, SignatureType::Text)
        .map_err(|e| invalid(format!("failed to sign: {e}")))?;
    config.hash_alg = HashAlgorithm::Sha512;
    let subpacket = |data| Subpacket::regular(data).map_err(|e| invalid(format!("failed to sign: {e}")));
    config.hashed_subpackets = vec![
        subpacket(SubpacketData::SignatureCreationTime(Timestamp::now()))?,
        subpacket(SubpacketData::IssuerFingerprint(key.fingerprint()))?,
    ];
    config.unhashed_subpackets = vec![subpacket(SubpacketData::IssuerKeyId(key.legacy_key_id()))?];
    let password = Password::from(passphrase);
    let message = CleartextSignedMessage::new(&text, config, &key.primary_key, &password).map_err(|e| {
        invalid(format!("failed to either sign or armor message block: {e}"))
    })?;
    let armored = message
        .to_armored_string(Default::default())
        .map_err(|e| invalid(format!("failed to either sign or armor message block: {e}")))?;
    // Helm's .prov has no newline after the armour's last line.
    Ok(armored.trim_end_matches(['\n', '\r']).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_block_lists_the_archive_checksum() {
        let block = message_block(b"abc", "demo-0.1.0.tgz", "name: demo\nversion: 0.1.0\n");
        assert_eq!(
            block,
            "name: demo\nversion: 0.1.0\n\n...\nfiles:\n  demo-0.1.0.tgz: sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n"
        );
        let files = message_block_files(&block).expect("parses");
        assert_eq!(files, vec![("demo-0.1.0.tgz".to_string(), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_string())]);
    }

    #[test]
    fn garbage_is_not_a_signature_block_nor_a_keyring() {
        let ring = Keyring { public: Vec::new(), secret: Vec::new() };
        assert_eq!(verify(b"x", b"garbage\n", "x.tgz", &ring).expect_err("no block").message, "signature block not found");
        assert!(Keyring::parse(b"not a key").is_err());
    }
}
