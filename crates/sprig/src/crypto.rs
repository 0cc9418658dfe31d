//! Sprig's crypto functions: hashes (`sha1sum`, `sha256sum`, `sha512sum`, `adler32sum`),
//! `bcrypt`, `htpasswd`, `derivePassword`, `encryptAES`/`decryptAES`, `genPrivateKey` and
//! the certificate generators (`genCA`, `genSelfSignedCert`, `genSignedCert`, their
//! `WithKey` forms and `buildCustomCert`).
//!
//! Keys and certificates are real (RustCrypto): PEM blocks are of the types Go's
//! `crypto/x509` writes (`RSA PRIVATE KEY` PKCS#1, `EC PRIVATE KEY` SEC 1, `DSA PRIVATE KEY`
//! in OpenSSL's layout, `PRIVATE KEY` PKCS#8 for Ed25519), and certificates carry the
//! extensions Sprig's templates ask Go for: key usage, server+client auth, basic
//! constraints, subject/authority key identifiers and alternative names.

use std::sync::Arc;

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use gotmpl::{FuncError, FuncMap, Object, Type, Value};
use hmac::Mac;
use sha1::Digest;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::asn1::{GeneralizedTime, Ia5String, OctetString};
use x509_cert::der::referenced::OwnedToRef;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time as X509Time, Validity};

use crate::conv::{arg_int, arg_str};
use crate::encoding::{base64_decode, base64_encode};
use crate::random::fill_random;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `hash/adler32.Checksum`.
pub fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 is the most bytes that can be summed before the sums could overflow.
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Sprig's `bcrypt`: Go's `bcrypt.GenerateFromPassword` at the default cost, or the error
/// text in place of the hash.
fn bcrypt_hash(password: &str) -> Result<String, FuncError> {
    if password.len() > 72 {
        return Ok("failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes".into());
    }
    let mut salt = [0u8; 16];
    fill_random(&mut salt)?;
    Ok(match bcrypt::hash_with_salt(password, 10, salt) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    })
}

// ------------------------------------------------------------------ derivePassword

const MASTER_PASSWORD_SEED: &str = "com.lyndir.masterpassword";

fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
            "CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
            "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn template_characters(class: u8) -> &'static [u8] {
    match class {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword`: the Master Password algorithm (scrypt, then HMAC-SHA256 of the
/// site, then a character template chosen by the seed).
pub fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    let Some(templates) = password_templates(kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let params = match scrypt::Params::new(15, 8, 2, 64) {
        Ok(p) => p,
        Err(e) => return format!("failed to derive password: {e}"),
    };
    if let Err(e) = scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key) {
        return format!("failed to derive password: {e}");
    }
    let mut message = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    message.extend_from_slice(&(site.len() as u32).to_be_bytes());
    message.extend_from_slice(site.as_bytes());
    message.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key) else {
        return "failed to derive password: invalid key".into();
    };
    mac.update(&message);
    let seed = mac.finalize().into_bytes();
    let template = templates[usize::from(seed[0]) % templates.len()];
    template
        .bytes()
        .enumerate()
        .map(|(i, class)| {
            let chars = template_characters(class);
            chars[usize::from(seed[i + 1]) % chars.len()] as char
        })
        .collect()
}

// ------------------------------------------------------------------ AES

/// Sprig's key: the password's bytes, truncated or zero-padded to 32 (AES-256).
fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let bytes = password.as_bytes();
    let n = bytes.len().min(32);
    key[..n].copy_from_slice(&bytes[..n]);
    key
}

/// Sprig's `encryptAES`: AES-256-CBC, PKCS#7 padding, random IV prepended, base64.
fn encrypt_aes(password: &str, plaintext: &str) -> Result<String, FuncError> {
    if plaintext.is_empty() {
        return Ok(String::new());
    }
    let mut content = plaintext.as_bytes().to_vec();
    let padding = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(padding as u8, padding));
    let mut iv = [0u8; 16];
    fill_random(&mut iv)?;
    let cipher = cbc::Encryptor::<aes::Aes256>::new(&aes_key(password).into(), &iv.into());
    let len = content.len();
    let encrypted = cipher
        .encrypt_padded_mut::<NoPadding>(&mut content, len)
        .map_err(|_| FuncError::msg("crypto/cipher: input not full blocks"))?
        .to_vec();
    let mut out = iv.to_vec();
    out.extend_from_slice(&encrypted);
    Ok(base64_encode(&out))
}

/// Sprig's `decryptAES`, including the runtime panics Go hits on malformed input.
fn decrypt_aes(password: &str, encoded: &str) -> Result<String, FuncError> {
    if encoded.is_empty() {
        return Ok(String::new());
    }
    let (data, error) = base64_decode(encoded.as_bytes());
    if let Some(e) = error {
        return Err(FuncError::msg(e));
    }
    if data.len() < 16 {
        return Err(FuncError::msg(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            data.len()
        )));
    }
    let (iv, body) = data.split_at(16);
    if body.len() % 16 != 0 {
        return Err(FuncError::msg("crypto/cipher: input not full blocks"));
    }
    let mut buf = body.to_vec();
    let Ok(cipher) = cbc::Decryptor::<aes::Aes256>::new_from_slices(&aes_key(password), iv) else {
        return Err(FuncError::msg("crypto/aes: invalid key size"));
    };
    let plain = cipher
        .decrypt_padded_mut::<NoPadding>(&mut buf)
        .map_err(|_| FuncError::msg("crypto/cipher: input not full blocks"))?;
    let Some(&last) = plain.last() else {
        return Err(FuncError::msg("runtime error: index out of range [-1]"));
    };
    let keep = plain.len() as i64 - i64::from(last);
    if keep < 0 {
        return Err(FuncError::msg(format!("runtime error: slice bounds out of range [:{keep}]")));
    }
    Ok(String::from_utf8_lossy(&plain[..keep as usize]).into_owned())
}

// ------------------------------------------------------------------ keys

/// A private key of one of the types Sprig handles.
pub enum PrivateKey {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ecdsa(p256::SecretKey),
    Ed25519(Box<ed25519_dalek::SigningKey>),
    Dsa(Box<dsa::SigningKey>),
}

/// Go's `pem.EncodeToMemory`.
pub fn pem_encode(kind: &str, der: &[u8]) -> String {
    let body = base64_encode(der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

/// The first PEM block of `text`: its type and decoded bytes (Go's `pem.Decode`).
pub fn pem_decode(text: &str) -> Option<(String, Vec<u8>)> {
    let start = text.find("-----BEGIN ")?;
    let after = &text[start + 11..];
    let type_end = after.find("-----")?;
    let kind = &after[..type_end];
    let body_and_rest = &after[type_end + 5..];
    let end_marker = format!("-----END {kind}-----");
    let body_end = body_and_rest.find(&end_marker)?;
    let body: String = body_and_rest[..body_end].chars().filter(|c| !c.is_whitespace()).collect();
    // Headers ("Proc-Type: ...") are not supported; their colon makes the body invalid.
    let (bytes, error) = base64_decode(body.as_bytes());
    if error.is_some() {
        return None;
    }
    Some((kind.to_string(), bytes))
}

/// A DER `INTEGER` of an unsigned big-endian magnitude.
fn der_uint(magnitude: &[u8]) -> Vec<u8> {
    let trimmed: Vec<u8> = magnitude.iter().copied().skip_while(|b| *b == 0).collect();
    let mut content = if trimmed.is_empty() { vec![0] } else { trimmed };
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    der_tlv(0x02, &content)
}

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().iter().copied().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

/// Go's `MarshalECPrivateKey`: SEC 1 with the named curve and the public point.
fn ec_private_der(key: &p256::SecretKey) -> Vec<u8> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    let mut content = der_uint(&[1]);
    content.extend(der_tlv(0x04, &key.to_bytes()));
    // prime256v1, 1.2.840.10045.3.1.7
    content.extend(der_tlv(0xa0, &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]));
    let point = key.public_key().to_encoded_point(false);
    let mut bits = vec![0u8];
    bits.extend_from_slice(point.as_bytes());
    content.extend(der_tlv(0xa1, &der_tlv(0x03, &bits)));
    der_tlv(0x30, &content)
}

/// The OpenSSL `DSA PRIVATE KEY` layout Sprig writes: SEQUENCE { 0, p, q, g, y, x }.
fn dsa_private_der(key: &dsa::SigningKey) -> Vec<u8> {
    let components = key.verifying_key().components();
    let mut content = der_uint(&[0]);
    for n in [
        components.p().to_bytes_be(),
        components.q().to_bytes_be(),
        components.g().to_bytes_be(),
        key.verifying_key().y().to_bytes_be(),
        key.x().to_bytes_be(),
    ] {
        content.extend(der_uint(&n));
    }
    der_tlv(0x30, &content)
}

impl PrivateKey {
    /// Go's `pemBlockForKey`.
    pub fn to_pem(&self) -> Result<String, String> {
        use rsa::pkcs1::EncodeRsaPrivateKey;
        Ok(match self {
            PrivateKey::Rsa(k) => {
                pem_encode("RSA PRIVATE KEY", k.to_pkcs1_der().map_err(|e| e.to_string())?.as_bytes())
            }
            PrivateKey::Ecdsa(k) => pem_encode("EC PRIVATE KEY", &ec_private_der(k)),
            PrivateKey::Ed25519(k) => {
                // Go writes PKCS#8 v1 (no public key): the seed in an OCTET STRING.
                let mut seed = vec![0x04, 0x20];
                seed.extend_from_slice(k.as_bytes());
                let algorithm = der_tlv(0x30, &[0x06, 0x03, 0x2b, 0x65, 0x70]);
                let mut content = der_uint(&[0]);
                content.extend(algorithm);
                content.extend(der_tlv(0x04, &seed));
                pem_encode("PRIVATE KEY", &der_tlv(0x30, &content))
            }
            PrivateKey::Dsa(k) => pem_encode("DSA PRIVATE KEY", &dsa_private_der(k)),
        })
    }

    /// Sprig's `parsePrivateKeyPEM`.
    pub fn from_pem(text: &str) -> Result<PrivateKey, String> {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        use rsa::pkcs8::DecodePrivateKey;
        let (kind, der) = pem_decode(text).ok_or("no PEM data in input")?;
        if kind == "PRIVATE KEY" {
            if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(&der) {
                return Ok(PrivateKey::Rsa(Box::new(k)));
            }
            if let Ok(k) = p256::SecretKey::from_pkcs8_der(&der) {
                return Ok(PrivateKey::Ecdsa(k));
            }
            if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_der(&der) {
                return Ok(PrivateKey::Ed25519(Box::new(k)));
            }
            return Err("decoding PEM as PKCS#8: x509: failed to parse private key".into());
        }
        let Some(prefix) = kind.strip_suffix(" PRIVATE KEY") else {
            return Err(format!("no private key data in PEM block of type {kind}"));
        };
        match prefix {
            "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&der)
                .map(|k| PrivateKey::Rsa(Box::new(k)))
                .map_err(|e| format!("parsing RSA private key from PEM: x509: {e}")),
            "EC" => p256::SecretKey::from_sec1_der(&der)
                .map(PrivateKey::Ecdsa)
                .map_err(|e| format!("parsing EC private key from PEM: x509: {e}")),
            "DSA" => parse_dsa(&der).map(|k| PrivateKey::Dsa(Box::new(k))),
            _ => Err(format!("invalid private key type {kind}")),
        }
    }

    /// The public key as a certificate's `SubjectPublicKeyInfo`.
    fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, String> {
        let info = match self {
            PrivateKey::Rsa(k) => SubjectPublicKeyInfoOwned::from_key(k.to_public_key()),
            PrivateKey::Ecdsa(k) => SubjectPublicKeyInfoOwned::from_key(k.public_key()),
            PrivateKey::Ed25519(k) => SubjectPublicKeyInfoOwned::from_key(k.verifying_key()),
            PrivateKey::Dsa(_) => return Err("x509: unsupported public key type: *dsa.PublicKey".into()),
        };
        info.map_err(|e| e.to_string())
    }
}

/// Reads the OpenSSL DSA layout back (Sprig accepts what it writes).
fn parse_dsa(der: &[u8]) -> Result<dsa::SigningKey, String> {
    let fail = || "parsing DSA private key from PEM: asn1: structure error".to_string();
    let read_tlv = |data: &[u8]| -> Option<(u8, usize, usize)> {
        let tag = *data.first()?;
        let first = *data.get(1)?;
        if first < 0x80 {
            return Some((tag, 2, usize::from(first)));
        }
        let n = usize::from(first & 0x7f);
        let mut len = 0usize;
        for i in 0..n {
            len = len.checked_mul(256)? + usize::from(*data.get(2 + i)?);
        }
        Some((tag, 2 + n, len))
    };
    let (tag, header, len) = read_tlv(der).ok_or_else(fail)?;
    if tag != 0x30 {
        return Err(fail());
    }
    let mut rest = der.get(header..header + len).ok_or_else(fail)?;
    let mut ints = Vec::new();
    while !rest.is_empty() {
        let (tag, header, len) = read_tlv(rest).ok_or_else(fail)?;
        if tag != 0x02 {
            return Err(fail());
        }
        ints.push(dsa::BigUint::from_bytes_be(rest.get(header..header + len).ok_or_else(fail)?));
        rest = &rest[header + len..];
    }
    let [_, p, q, g, y, x] = <[dsa::BigUint; 6]>::try_from(ints).map_err(|_| fail())?;
    let components = dsa::Components::from_components(p, q, g).map_err(|_| fail())?;
    let public = dsa::VerifyingKey::from_components(components, y).map_err(|_| fail())?;
    dsa::SigningKey::from_components(public, x).map_err(|_| fail())
}

/// Sprig's `genPrivateKey`.
fn generate_private_key(kind: &str) -> String {
    let mut rng = rand_core::OsRng;
    let key = match kind {
        "" | "rsa" => rsa::RsaPrivateKey::new(&mut rng, 4096).map(|k| PrivateKey::Rsa(Box::new(k))).map_err(|e| e.to_string()),
        "dsa" => {
            #[allow(deprecated)]
            let components = dsa::Components::generate(&mut rng, dsa::KeySize::DSA_2048_256);
            Ok(PrivateKey::Dsa(Box::new(dsa::SigningKey::generate(&mut rng, components))))
        }
        "ecdsa" => Ok(PrivateKey::Ecdsa(p256::SecretKey::random(&mut rng))),
        "ed25519" => Ok(PrivateKey::Ed25519(Box::new(ed25519_dalek::SigningKey::generate(&mut rng)))),
        other => return format!("Unknown type {other}"),
    };
    match key.and_then(|k| k.to_pem()) {
        Ok(pem) => pem,
        Err(e) => format!("failed to generate private key: {e}"),
    }
}

fn generate_rsa_2048() -> Result<PrivateKey, FuncError> {
    rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048)
        .map(|k| PrivateKey::Rsa(Box::new(k)))
        .map_err(|e| FuncError::msg(format!("error generating rsa key: {e}")))
}

// ------------------------------------------------------------------ certificates

/// Sprig's `certificate` struct: PEM-encoded certificate and key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Certificate {
    pub cert: String,
    pub key: String,
}

impl Object for Certificate {
    fn type_name(&self) -> &str {
        "sprig.certificate"
    }

    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Cert" => Some(Value::str(self.cert.as_str())),
            "Key" => Some(Value::str(self.key.as_str())),
            _ => None,
        }
    }

    fn format_v(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }

    /// `json.Marshal` of the struct: `{"Cert":...,"Key":...}` (no JSON tags).
    fn json_value(&self) -> Option<Value> {
        let fields = Value::empty_map();
        if let Value::Map(m) = &fields {
            m.insert("Cert", Value::str(self.cert.as_str()));
            m.insert("Key", Value::str(self.key.as_str()));
        }
        Some(fields)
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// What Sprig's `getBaseCertTemplate` fills in, plus the CA flag.
struct CertTemplate {
    common_name: String,
    ips: Vec<std::net::IpAddr>,
    dns_names: Vec<String>,
    days_valid: i64,
    is_ca: bool,
}

/// Sprig's `getNetIPs`: every item must be a string holding an IP address.
fn net_ips(list: Option<&Value>) -> Result<Vec<std::net::IpAddr>, FuncError> {
    let items = list.and_then(Value::as_list).unwrap_or(&[]);
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => s
                .parse::<std::net::IpAddr>()
                .map_err(|_| FuncError::msg(format!("error parsing ip: {s}"))),
            other => Err(FuncError::msg(format!(
                "error parsing ip: {} is not a string",
                gotmpl::gofmt::format_v(other)
            ))),
        })
        .collect()
}

/// Sprig's `getAlternateDNSStrs`.
fn dns_names(list: Option<&Value>) -> Result<Vec<String>, FuncError> {
    let items = list.and_then(Value::as_list).unwrap_or(&[]);
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.to_string()),
            other => Err(FuncError::msg(format!(
                "error processing alternate dns name: {} is not a string",
                gotmpl::gofmt::format_v(other)
            ))),
        })
        .collect()
}

/// A subject or issuer holding just a common name (Go's `pkix.Name{CommonName: cn}`).
fn common_name(cn: &str) -> Result<Name, String> {
    use std::str::FromStr;
    if cn.is_empty() {
        return Ok(Name::default());
    }
    // RFC 4514 syntax: escape what it treats specially.
    let mut escaped = String::new();
    for (i, c) in cn.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == cn.chars().count() - 1 && c == ' ');
        if special {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    Name::from_str(&format!("CN={escaped}")).map_err(|e| e.to_string())
}

/// 128 random bits, as Go's `rand.Int(rand.Reader, 1<<128)`.
fn random_serial() -> Result<SerialNumber, FuncError> {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes)?;
    let mut content: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
    if content.is_empty() {
        content.push(0);
    }
    if content[0] & 0x80 != 0 {
        content.insert(0, 0);
    }
    SerialNumber::new(&content).map_err(|e| FuncError::msg(e.to_string()))
}

fn x509_time(unix: i64) -> Result<X509Time, String> {
    let secs = u64::try_from(unix).map_err(|_| "x509: certificate time before 1970 is not supported".to_string())?;
    let t = GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs)).map_err(|e| e.to_string())?;
    Ok(X509Time::GeneralTime(t))
}

/// The subject key identifier extension of a DER certificate, if it has one.
fn subject_key_id(cert: &x509_cert::Certificate) -> Option<Vec<u8>> {
    use x509_cert::der::oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER;
    let ext = cert
        .tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == ID_CE_SUBJECT_KEY_IDENTIFIER)?;
    let ski = SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes()).ok()?;
    Some(ski.0.as_bytes().to_vec())
}

/// Go's `x509.CreateCertificate` for Sprig's templates: signs `template` for `subject_key`
/// with `signer_key`, the issuer being `parent` (or the certificate itself).
fn create_certificate(
    template: &CertTemplate,
    subject_key: &PrivateKey,
    parent: Option<&x509_cert::Certificate>,
    signer_key: &PrivateKey,
) -> Result<Vec<u8>, String> {
    let subject = common_name(&template.common_name)?;
    let issuer = parent.map(|p| p.tbs_certificate.subject.clone());
    let spki = subject_key.public_key_info()?;
    let now = (crate::dates::system_clock())();
    let not_after = now.unix.saturating_add(template.days_valid.saturating_mul(86_400));
    let validity = Validity { not_before: x509_time(now.unix)?, not_after: x509_time(not_after)? };
    let serial = random_serial().map_err(|e| e.to_string())?;

    let mut key_usage = KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment;
    if template.is_ca {
        key_usage |= KeyUsages::KeyCertSign;
    }
    let mut extensions: Vec<AddExtension> = Vec::new();
    extensions.push(Box::new(move |b| b.add(&KeyUsage(key_usage))));
    extensions.push(Box::new(|b| {
        use x509_cert::der::oid::db::rfc5280::{ID_KP_CLIENT_AUTH, ID_KP_SERVER_AUTH};
        b.add(&ExtendedKeyUsage(vec![ID_KP_SERVER_AUTH, ID_KP_CLIENT_AUTH]))
    }));
    let is_ca = template.is_ca;
    extensions.push(Box::new(move |b| b.add(&BasicConstraints { ca: is_ca, path_len_constraint: None })));
    if template.is_ca {
        let ski = SubjectKeyIdentifier::try_from(spki.owned_to_ref()).map_err(|e| e.to_string())?;
        extensions.push(Box::new(move |b| b.add(&ski)));
    }
    if let Some(parent_ski) = parent.and_then(subject_key_id) {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(OctetString::new(parent_ski).map_err(|e| e.to_string())?),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        };
        extensions.push(Box::new(move |b| b.add(&aki)));
    }
    let mut names = Vec::new();
    for dns in &template.dns_names {
        names.push(GeneralName::DnsName(Ia5String::new(dns).map_err(|e| e.to_string())?));
    }
    for ip in &template.ips {
        let bytes = match ip {
            std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
            std::net::IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        names.push(GeneralName::IpAddress(OctetString::new(bytes).map_err(|e| e.to_string())?));
    }
    if !names.is_empty() {
        let san = SubjectAltName(names);
        extensions.push(Box::new(move |b| b.add(&san)));
    }

    let profile = Profile::Manual { issuer };
    macro_rules! build_with {
        ($signer:expr, $signature:ty) => {{
            let signer = $signer;
            let mut builder = CertificateBuilder::new(profile, serial, validity, subject, spki, &signer)
                .map_err(|e| e.to_string())?;
            for add in &extensions {
                add(&mut builder)?;
            }
            let cert = builder.build::<$signature>().map_err(|e| e.to_string())?;
            cert.to_der().map_err(|e| e.to_string())?
        }};
    }
    Ok(match signer_key {
        PrivateKey::Rsa(k) => build_with!(
            rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(k.as_ref().clone()),
            rsa::pkcs1v15::Signature
        ),
        PrivateKey::Ecdsa(k) => build_with!(p256::ecdsa::SigningKey::from(k), p256::ecdsa::DerSignature),
        PrivateKey::Ed25519(k) => build_with!(Ed25519Signer(k.as_ref().clone()), Ed25519Signature),
        PrivateKey::Dsa(_) => return Err("x509: certificate private key does not implement crypto.Signer".into()),
    })
}

/// Ed25519 signing for the certificate builder (ed25519-dalek's signature type lacks the
/// bit-string encoding the builder needs).
struct Ed25519Signer(ed25519_dalek::SigningKey);

struct Ed25519Signature(ed25519_dalek::Signature);

impl x509_cert::spki::SignatureBitStringEncoding for Ed25519Signature {
    fn to_bitstring(&self) -> x509_cert::der::Result<x509_cert::der::asn1::BitString> {
        x509_cert::der::asn1::BitString::from_bytes(&self.0.to_bytes())
    }
}

impl ed25519_dalek::Signer<Ed25519Signature> for Ed25519Signer {
    fn try_sign(&self, msg: &[u8]) -> Result<Ed25519Signature, ed25519_dalek::SignatureError> {
        ed25519_dalek::Signer::<ed25519_dalek::Signature>::try_sign(&self.0, msg).map(Ed25519Signature)
    }
}

impl ed25519_dalek::ed25519::signature::Keypair for Ed25519Signer {
    type VerifyingKey = ed25519_dalek::VerifyingKey;
    fn verifying_key(&self) -> Self::VerifyingKey {
        self.0.verifying_key()
    }
}

impl x509_cert::spki::DynSignatureAlgorithmIdentifier for Ed25519Signer {
    fn signature_algorithm_identifier(&self) -> x509_cert::spki::Result<x509_cert::spki::AlgorithmIdentifierOwned> {
        self.0.signature_algorithm_identifier()
    }
}

/// One extension, ready to be added to whichever builder the signer's type calls for.
type AddExtension = Box<dyn Fn(&mut dyn ExtensionSink) -> Result<(), String>>;

/// Adds extensions to a certificate builder whatever its signer type.
trait ExtensionSink {
    fn add_ext(&mut self, ext: &dyn ErasedExtension) -> Result<(), String>;
}

trait ErasedExtension {
    fn add_to_rsa(&self, b: &mut CertificateBuilder<'_, rsa::pkcs1v15::SigningKey<sha2::Sha256>>) -> Result<(), String>;
    fn add_to_ecdsa(&self, b: &mut CertificateBuilder<'_, p256::ecdsa::SigningKey>) -> Result<(), String>;
    fn add_to_ed25519(&self, b: &mut CertificateBuilder<'_, Ed25519Signer>) -> Result<(), String>;
}

impl<E: x509_cert::ext::AsExtension> ErasedExtension for E {
    fn add_to_rsa(&self, b: &mut CertificateBuilder<'_, rsa::pkcs1v15::SigningKey<sha2::Sha256>>) -> Result<(), String> {
        b.add_extension(self).map_err(|e| e.to_string())
    }
    fn add_to_ecdsa(&self, b: &mut CertificateBuilder<'_, p256::ecdsa::SigningKey>) -> Result<(), String> {
        b.add_extension(self).map_err(|e| e.to_string())
    }
    fn add_to_ed25519(&self, b: &mut CertificateBuilder<'_, Ed25519Signer>) -> Result<(), String> {
        b.add_extension(self).map_err(|e| e.to_string())
    }
}

impl dyn ExtensionSink + '_ {
    fn add<E: x509_cert::ext::AsExtension>(&mut self, ext: &E) -> Result<(), String> {
        self.add_ext(ext)
    }
}

impl ExtensionSink for CertificateBuilder<'_, rsa::pkcs1v15::SigningKey<sha2::Sha256>> {
    fn add_ext(&mut self, ext: &dyn ErasedExtension) -> Result<(), String> {
        ext.add_to_rsa(self)
    }
}

impl ExtensionSink for CertificateBuilder<'_, p256::ecdsa::SigningKey> {
    fn add_ext(&mut self, ext: &dyn ErasedExtension) -> Result<(), String> {
        ext.add_to_ecdsa(self)
    }
}

impl ExtensionSink for CertificateBuilder<'_, Ed25519Signer> {
    fn add_ext(&mut self, ext: &dyn ErasedExtension) -> Result<(), String> {
        ext.add_to_ed25519(self)
    }
}

/// Sprig's `getCertAndKey`: the new certificate and the subject's key, both as PEM.
fn cert_and_key(
    template: &CertTemplate,
    subject_key: &PrivateKey,
    parent: Option<&x509_cert::Certificate>,
    signer_key: &PrivateKey,
) -> Result<Value, FuncError> {
    let der = create_certificate(template, subject_key, parent, signer_key)
        .map_err(|e| FuncError::msg(format!("error creating certificate: {e}")))?;
    let key = subject_key
        .to_pem()
        .map_err(|e| FuncError::msg(format!("error pem-encoding key: {e}")))?;
    Ok(Value::Object(Arc::new(Certificate { cert: pem_encode("CERTIFICATE", &der), key })))
}

fn parse_key_arg(pem: &str) -> Result<PrivateKey, FuncError> {
    PrivateKey::from_pem(pem).map_err(|e| FuncError::msg(format!("parsing private key: {e}")))
}

fn gen_ca(cn: &str, days: i64, key: PrivateKey) -> Result<Value, FuncError> {
    let template = CertTemplate { common_name: cn.into(), ips: vec![], dns_names: vec![], days_valid: days, is_ca: true };
    cert_and_key(&template, &key, None, &key)
}

fn base_template(args: &[Value]) -> Result<CertTemplate, FuncError> {
    Ok(CertTemplate {
        common_name: arg_str(args, 0).into(),
        ips: net_ips(args.get(1))?,
        dns_names: dns_names(args.get(2))?,
        days_valid: arg_int(args, 3),
        is_ca: false,
    })
}

fn gen_self_signed(args: &[Value], key: PrivateKey) -> Result<Value, FuncError> {
    let template = base_template(args)?;
    cert_and_key(&template, &key, None, &key)
}

fn gen_signed(args: &[Value], key: PrivateKey) -> Result<Value, FuncError> {
    let ca = match args.get(4) {
        Some(Value::Object(o)) => o.as_any().downcast_ref::<Certificate>().cloned(),
        _ => None,
    }
    .ok_or_else(|| {
        let got = args.get(4).map_or("<nil>".to_string(), Value::type_name);
        FuncError::msg(format!("wrong type for value; expected sprig.certificate; got {got}"))
    })?;
    let (_, der) = pem_decode(&ca.cert).ok_or("unable to decode certificate")?;
    let signer_cert = x509_cert::Certificate::from_der(&der).map_err(|e| {
        FuncError::msg(format!("error parsing certificate: decodedSignerCert.Bytes: x509: malformed certificate: {e}"))
    })?;
    let signer_key =
        PrivateKey::from_pem(&ca.key).map_err(|e| FuncError::msg(format!("error parsing private key: {e}")))?;
    let template = base_template(args)?;
    cert_and_key(&template, &key, Some(&signer_cert), &signer_key)
}

/// Sprig's `buildCustomCert`: checks both halves and wraps them.
fn build_custom_cert(b64_cert: &str, b64_key: &str) -> Result<Value, FuncError> {
    let (cert, error) = base64_decode(b64_cert.as_bytes());
    if error.is_some() {
        return Err("unable to decode base64 certificate".into());
    }
    let (key, error) = base64_decode(b64_key.as_bytes());
    if error.is_some() {
        return Err("unable to decode base64 private key".into());
    }
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    let (_, der) = pem_decode(&cert).ok_or("unable to decode certificate")?;
    x509_cert::Certificate::from_der(&der).map_err(|e| {
        FuncError::msg(format!("error parsing certificate: decodedCert.Bytes: x509: malformed certificate: {e}"))
    })?;
    PrivateKey::from_pem(&key).map_err(|e| FuncError::msg(format!("error parsing private key: {e}")))?;
    Ok(Value::Object(Arc::new(Certificate { cert, key })))
}

pub fn register(m: &mut FuncMap) {
    let s = Type::String;
    m.add("sha1sum", &[s], |_, args| Ok(Value::str(hex(&sha1::Sha1::digest(arg_str(args, 0).as_bytes())))));
    m.add("sha256sum", &[s], |_, args| Ok(Value::str(hex(&sha2::Sha256::digest(arg_str(args, 0).as_bytes())))));
    m.add("sha512sum", &[s], |_, args| Ok(Value::str(hex(&sha2::Sha512::digest(arg_str(args, 0).as_bytes())))));
    m.add("adler32sum", &[s], |_, args| Ok(Value::str(adler32(arg_str(args, 0).as_bytes()).to_string())));
    m.add("bcrypt", &[s], |_, args| Ok(Value::str(bcrypt_hash(arg_str(args, 0))?)));
    m.add("htpasswd", &[s, s], |_, args| {
        let user = arg_str(args, 0);
        if user.contains(':') {
            return Ok(Value::str(format!("invalid username: {user}")));
        }
        Ok(Value::str(format!("{user}:{}", bcrypt_hash(arg_str(args, 1))?)))
    });
    m.add("derivePassword", &[Type::Int, s, s, s, s], |_, args| {
        // The counter is a uint32 in Go; the template engine rejects other values.
        let counter = u32::try_from(arg_int(args, 0))
            .map_err(|_| FuncError::msg(format!("{} overflows uint32", arg_int(args, 0))))?;
        Ok(Value::str(derive_password(counter, arg_str(args, 1), arg_str(args, 2), arg_str(args, 3), arg_str(args, 4))))
    });
    m.add("genPrivateKey", &[s], |_, args| Ok(Value::str(generate_private_key(arg_str(args, 0)))));
    m.add("encryptAES", &[s, s], |_, args| Ok(Value::str(encrypt_aes(arg_str(args, 0), arg_str(args, 1))?)));
    m.add("decryptAES", &[s, s], |_, args| Ok(Value::str(decrypt_aes(arg_str(args, 0), arg_str(args, 1))?)));
    m.add("buildCustomCert", &[s, s], |_, args| build_custom_cert(arg_str(args, 0), arg_str(args, 1)));
    m.add("genCA", &[s, Type::Int], |_, args| gen_ca(arg_str(args, 0), arg_int(args, 1), generate_rsa_2048()?));
    m.add("genCAWithKey", &[s, Type::Int, s], |_, args| {
        gen_ca(arg_str(args, 0), arg_int(args, 1), parse_key_arg(arg_str(args, 2))?)
    });
    let list = Type::AnySlice;
    m.add("genSelfSignedCert", &[s, list, list, Type::Int], |_, args| gen_self_signed(args, generate_rsa_2048()?));
    m.add("genSelfSignedCertWithKey", &[s, list, list, Type::Int, s], |_, args| {
        gen_self_signed(args, parse_key_arg(arg_str(args, 4))?)
    });
    m.add("genSignedCert", &[s, list, list, Type::Int, Type::Any], |_, args| gen_signed(args, generate_rsa_2048()?));
    m.add("genSignedCertWithKey", &[s, list, list, Type::Int, Type::Any, s], |_, args| {
        gen_signed(args, parse_key_arg(arg_str(args, 5))?)
    });
}
