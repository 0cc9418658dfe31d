//! Share links: the whole working copy (files, environments, selections) as JSON, deflated
//! and base64url-encoded into the URL fragment (`#share=...`). The fragment never reaches a
//! server, so a link works from any static host, and the chart stays between the people
//! who pass the link around.

use std::io::{Read, Write};

use base64::Engine as _;

use crate::workspace::Workspace;

/// The fragment's prefix.
pub const PREFIX: &str = "share=";
/// Longer links are refused: browsers, chat tools and mail clients start truncating or
/// rejecting URLs somewhere past this.
pub const MAX_LINK_CHARS: usize = 64 * 1024;
/// A decoded link may not inflate to more than this (a small link must not be a zip bomb).
const MAX_DECODED_BYTES: u64 = 16 * 1024 * 1024;

/// The fragment (without `#`) for a working copy, or why it is too large for a link.
pub fn encode(workspace: &Workspace) -> Result<String, String> {
    let json = serde_json::to_vec(workspace).map_err(|e| e.to_string())?;
    let mut deflater = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflater.write_all(&json).map_err(|e| e.to_string())?;
    let compressed = deflater.finish().map_err(|e| e.to_string())?;
    let fragment = format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(compressed));
    if fragment.len() > MAX_LINK_CHARS {
        return Err(format!(
            "the chart is too large for a link ({} KB compressed, at most {} KB); download it as a .tgz instead",
            fragment.len() / 1024,
            MAX_LINK_CHARS / 1024
        ));
    }
    Ok(fragment)
}

/// The working copy in a fragment made by [`encode`]; `None` when the fragment is not a
/// share link at all.
pub fn decode(fragment: &str) -> Option<Result<Workspace, String>> {
    let payload = fragment.strip_prefix(PREFIX)?;
    Some(decode_payload(payload))
}

fn decode_payload(payload: &str) -> Result<Workspace, String> {
    let compressed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim())
        .map_err(|e| format!("the link is damaged ({e})"))?;
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(compressed.as_slice())
        .take(MAX_DECODED_BYTES + 1)
        .read_to_end(&mut json)
        .map_err(|e| format!("the link is damaged ({e})"))?;
    if json.len() as u64 > MAX_DECODED_BYTES {
        return Err("the link holds more than 16 MB".into());
    }
    let mut workspace: Workspace = serde_json::from_slice(&json).map_err(|e| format!("the link is damaged ({e})"))?;
    workspace.repair();
    Ok(workspace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::example::example_workspace;

    #[test]
    fn the_example_round_trips_in_a_small_link() {
        let mut workspace = example_workspace();
        workspace.environments[1].set_lines = "a=b\n".into();
        workspace.selected_environment = 2;
        let fragment = encode(&workspace).unwrap();
        assert!(fragment.len() < 8 * 1024, "{} chars", fragment.len());
        assert_eq!(decode(&fragment).unwrap().unwrap(), workspace);
    }

    #[test]
    fn other_fragments_and_damage_are_told_apart() {
        assert!(decode("").is_none());
        assert!(decode("section-2").is_none());
        assert!(decode("share=***").unwrap().is_err());
        assert!(decode("share=AAAA").unwrap().is_err());
    }

    #[test]
    fn large_charts_are_refused() {
        // Incompressible content: pseudo-random bytes.
        let mut state = 0x2545_f491_u64;
        let noise: Vec<u8> = (0..100_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let workspace = Workspace::from_pairs([("Chart.yaml", b"name: x".to_vec()), ("files/blob.bin", noise)]);
        assert!(encode(&workspace).unwrap_err().contains("too large"));
    }
}
