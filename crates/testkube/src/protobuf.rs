//! Request bodies in Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`).
//!
//! client-go's typed clients send built-in objects as protobuf (Helm's release storage creates
//! and updates its Secrets and ConfigMaps that way, `--create-namespace` creates a Namespace),
//! and kube-apiserver accepts it. Replies stay JSON: the clients accept both and decode by the
//! reply's content type. Only the kinds those clients write are known here; any other kind is
//! refused with 415, as a server without that kind's protobuf codec would.
//!
//! The wire format: the magic `k8s\0`, then a `runtime.Unknown` message whose `raw` field holds
//! the object's own message (see k8s.io/apimachinery/pkg/runtime/serializer/protobuf).

use base64::Engine;
use serde_json::{json, Map, Value};

/// The prefix of every protobuf-encoded Kubernetes object.
const MAGIC: &[u8] = b"k8s\0";

/// How one field of a message becomes JSON.
#[derive(Clone, Copy)]
enum Field {
    String,
    Int64,
    Bool,
    /// `metav1.Time`: an RFC 3339 string in JSON.
    Time,
    Message(&'static [(u32, &'static str, Field)]),
    RepeatedString,
    RepeatedMessage(&'static [(u32, &'static str, Field)]),
    StringMap,
    /// `map<string, bytes>`: base64 values in JSON.
    BytesMap,
}

const OWNER_REFERENCE: &[(u32, &str, Field)] = &[
    (1, "kind", Field::String),
    (3, "name", Field::String),
    (4, "uid", Field::String),
    (5, "apiVersion", Field::String),
    (6, "controller", Field::Bool),
    (7, "blockOwnerDeletion", Field::Bool),
];

/// `metav1.ObjectMeta` (managed fields are dropped: clients never send them on writes).
const OBJECT_META: &[(u32, &str, Field)] = &[
    (1, "name", Field::String),
    (2, "generateName", Field::String),
    (3, "namespace", Field::String),
    (5, "uid", Field::String),
    (6, "resourceVersion", Field::String),
    (7, "generation", Field::Int64),
    (8, "creationTimestamp", Field::Time),
    (9, "deletionTimestamp", Field::Time),
    (10, "deletionGracePeriodSeconds", Field::Int64),
    (11, "labels", Field::StringMap),
    (12, "annotations", Field::StringMap),
    (13, "ownerReferences", Field::RepeatedMessage(OWNER_REFERENCE)),
    (14, "finalizers", Field::RepeatedString),
];

const SECRET: &[(u32, &str, Field)] =
    &[(1, "metadata", Field::Message(OBJECT_META)), (2, "data", Field::BytesMap), (3, "type", Field::String), (4, "stringData", Field::StringMap), (5, "immutable", Field::Bool)];

const CONFIG_MAP: &[(u32, &str, Field)] =
    &[(1, "metadata", Field::Message(OBJECT_META)), (2, "data", Field::StringMap), (3, "binaryData", Field::BytesMap), (4, "immutable", Field::Bool)];

const NAMESPACE_SPEC: &[(u32, &str, Field)] = &[(1, "finalizers", Field::RepeatedString)];
const NAMESPACE_STATUS: &[(u32, &str, Field)] = &[(1, "phase", Field::String)];
const NAMESPACE: &[(u32, &str, Field)] =
    &[(1, "metadata", Field::Message(OBJECT_META)), (2, "spec", Field::Message(NAMESPACE_SPEC)), (3, "status", Field::Message(NAMESPACE_STATUS))];

/// The message layout of a core/v1 kind, if known here.
fn schema_for(api_version: &str, kind: &str) -> Option<&'static [(u32, &'static str, Field)]> {
    match (api_version, kind) {
        ("v1", "Secret") => Some(SECRET),
        ("v1", "ConfigMap") => Some(CONFIG_MAP),
        ("v1", "Namespace") => Some(NAMESPACE),
        _ => None,
    }
}

/// Why a protobuf body could not be read: the HTTP code to answer with and the message.
#[derive(Debug, PartialEq)]
pub struct DecodeError {
    pub code: u16,
    pub message: String,
}

fn malformed(what: &str) -> DecodeError {
    DecodeError { code: 400, message: format!("the body of the request was in an unknown format: protobuf: {what}") }
}

/// Decodes a protobuf-encoded object into the JSON the same object has in the JSON API.
pub fn decode_object(body: &[u8]) -> Result<Value, DecodeError> {
    let envelope = body.strip_prefix(MAGIC).ok_or_else(|| malformed("missing the k8s protobuf prefix"))?;
    let mut api_version = String::new();
    let mut kind = String::new();
    let mut raw: &[u8] = &[];
    for entry in Reader::new(envelope) {
        let (number, wire) = entry?;
        match (number, wire) {
            (1, Wire::Bytes(type_meta)) => {
                for type_entry in Reader::new(type_meta) {
                    match type_entry? {
                        (1, Wire::Bytes(text)) => api_version = utf8(text)?,
                        (2, Wire::Bytes(text)) => kind = utf8(text)?,
                        _ => {}
                    }
                }
            }
            (2, Wire::Bytes(bytes)) => raw = bytes,
            _ => {}
        }
    }
    let schema = schema_for(&api_version, &kind).ok_or_else(|| DecodeError {
        code: 415,
        message: format!("the protobuf encoding of {kind} ({api_version}) is not supported by testkube; send JSON"),
    })?;
    let mut object = decode_message(raw, schema)?;
    object.insert("apiVersion".into(), json!(api_version));
    object.insert("kind".into(), json!(kind));
    Ok(Value::Object(object))
}

fn utf8(bytes: &[u8]) -> Result<String, DecodeError> {
    String::from_utf8(bytes.to_vec()).map_err(|_| malformed("a string field is not UTF-8"))
}

fn base64_text(bytes: &[u8]) -> Value {
    Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// One message as a JSON object; zero values are left out, as Go's `omitempty` JSON does.
fn decode_message(bytes: &[u8], schema: &[(u32, &'static str, Field)]) -> Result<Map<String, Value>, DecodeError> {
    let mut out = Map::new();
    for entry in Reader::new(bytes) {
        let (number, wire) = entry?;
        let Some((_, name, field)) = schema.iter().find(|(n, _, _)| *n == number) else { continue };
        let name = name.to_string();
        match (field, wire) {
            (Field::String, Wire::Bytes(text)) => {
                let text = utf8(text)?;
                if !text.is_empty() {
                    out.insert(name, Value::String(text));
                }
            }
            (Field::Int64, Wire::Varint(number)) => {
                // Two's complement: negative int64 values are sent as ten-byte varints.
                out.insert(name, json!(number as i64));
            }
            (Field::Bool, Wire::Varint(number)) => {
                out.insert(name, json!(number != 0));
            }
            (Field::Time, Wire::Bytes(time)) => {
                if let Some(text) = decode_time(time)? {
                    out.insert(name, Value::String(text));
                }
            }
            (Field::Message(inner), Wire::Bytes(data)) => {
                let decoded = decode_message(data, inner)?;
                if !decoded.is_empty() {
                    out.insert(name, Value::Object(decoded));
                }
            }
            (Field::RepeatedString, Wire::Bytes(text)) => push(&mut out, name, Value::String(utf8(text)?)),
            (Field::RepeatedMessage(inner), Wire::Bytes(data)) => push(&mut out, name, Value::Object(decode_message(data, inner)?)),
            (Field::StringMap | Field::BytesMap, Wire::Bytes(data)) => {
                let (key, value) = decode_map_entry(data)?;
                let value = match field {
                    Field::BytesMap => base64_text(value),
                    _ => Value::String(utf8(value)?),
                };
                if let Value::Object(map) = out.entry(name).or_insert_with(|| Value::Object(Map::new())) {
                    map.insert(key, value);
                }
            }
            _ => return Err(malformed(&format!("field {number} ({name}) has the wrong wire type"))),
        }
    }
    Ok(out)
}

fn push(out: &mut Map<String, Value>, name: String, item: Value) {
    if let Value::Array(items) = out.entry(name).or_insert_with(|| Value::Array(Vec::new())) {
        items.push(item);
    }
}

/// A map entry message: key = 1, value = 2.
fn decode_map_entry(bytes: &[u8]) -> Result<(String, &[u8]), DecodeError> {
    let mut key = String::new();
    let mut value: &[u8] = &[];
    for entry in Reader::new(bytes) {
        match entry? {
            (1, Wire::Bytes(text)) => key = utf8(text)?,
            (2, Wire::Bytes(data)) => value = data,
            _ => {}
        }
    }
    Ok((key, value))
}

/// `metav1.Time` {seconds = 1, nanos = 2}; Go's zero time (year 1) is `None`.
fn decode_time(bytes: &[u8]) -> Result<Option<String>, DecodeError> {
    let mut seconds: i64 = 0;
    for entry in Reader::new(bytes) {
        if let (1, Wire::Varint(number)) = entry? {
            seconds = number as i64;
        }
    }
    if seconds <= 0 {
        return Ok(None);
    }
    Ok(Some(crate::server::rfc3339_at(seconds)))
}

/// A protobuf field's payload, by wire type.
enum Wire<'a> {
    Varint(u64),
    Bytes(&'a [u8]),
    Fixed,
}

/// Iterates over the (field number, payload) pairs of a message.
struct Reader<'a> {
    bytes: &'a [u8],
    failed: bool,
}

impl<'a> Reader<'a> {
    fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, failed: false }
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.bytes.split_first().ok_or_else(|| malformed("truncated varint"))?;
            self.bytes = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(malformed("varint too long"))
    }

    fn take(&mut self, length: usize) -> Result<&'a [u8], DecodeError> {
        if self.bytes.len() < length {
            return Err(malformed("truncated field"));
        }
        let (taken, rest) = self.bytes.split_at(length);
        self.bytes = rest;
        Ok(taken)
    }

    fn field(&mut self) -> Result<(u32, Wire<'a>), DecodeError> {
        let key = self.varint()?;
        let number = u32::try_from(key >> 3).map_err(|_| malformed("field number out of range"))?;
        let wire = match key & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => {
                self.take(8)?;
                Wire::Fixed
            }
            2 => {
                let length = usize::try_from(self.varint()?).map_err(|_| malformed("length out of range"))?;
                Wire::Bytes(self.take(length)?)
            }
            5 => {
                self.take(4)?;
                Wire::Fixed
            }
            other => return Err(malformed(&format!("unsupported wire type {other}"))),
        };
        Ok((number, wire))
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<(u32, Wire<'a>), DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.bytes.is_empty() {
            return None;
        }
        let item = self.field();
        self.failed = item.is_err();
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(mut value: u64, out: &mut Vec<u8>) {
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn bytes_field(number: u32, data: &[u8], out: &mut Vec<u8>) {
        varint(u64::from(number) << 3 | 2, out);
        varint(data.len() as u64, out);
        out.extend_from_slice(data);
    }

    fn map_entry(key: &str, value: &[u8]) -> Vec<u8> {
        let mut entry = Vec::new();
        bytes_field(1, key.as_bytes(), &mut entry);
        bytes_field(2, value, &mut entry);
        entry
    }

    fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
        let mut type_meta = Vec::new();
        bytes_field(1, api_version.as_bytes(), &mut type_meta);
        bytes_field(2, kind.as_bytes(), &mut type_meta);
        let mut body = MAGIC.to_vec();
        bytes_field(1, &type_meta, &mut body);
        bytes_field(2, raw, &mut body);
        body
    }

    #[test]
    fn decodes_a_secret_as_client_go_sends_it() {
        let mut metadata = Vec::new();
        bytes_field(1, b"sh.helm.release.v1.ex.v1", &mut metadata);
        bytes_field(2, b"", &mut metadata); // gogo-proto writes empty strings too
        bytes_field(11, &map_entry("owner", b"helm"), &mut metadata);
        bytes_field(11, &map_entry("version", b"1"), &mut metadata);
        let mut secret = Vec::new();
        bytes_field(1, &metadata, &mut secret);
        bytes_field(2, &map_entry("release", b"\x00\xffgz"), &mut secret);
        bytes_field(3, b"helm.sh/release.v1", &mut secret);
        let object = decode_object(&envelope("v1", "Secret", &secret)).unwrap();
        assert_eq!(
            object,
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "sh.helm.release.v1.ex.v1", "labels": {"owner": "helm", "version": "1"}}, "data": {"release": "AP9neg=="}, "type": "helm.sh/release.v1"})
        );
    }

    #[test]
    fn refuses_unknown_kinds_and_garbage() {
        assert_eq!(decode_object(&envelope("apps/v1", "Deployment", &[])).unwrap_err().code, 415);
        assert_eq!(decode_object(b"{}").unwrap_err().code, 400);
        let mut truncated = envelope("v1", "Secret", &[]);
        truncated.extend_from_slice(&[0x12, 0x05, 0x01]);
        assert_eq!(decode_object(&truncated).unwrap_err().code, 400);
    }
}
