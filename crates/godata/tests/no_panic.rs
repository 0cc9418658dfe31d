//! Arbitrary input must give a value or an error, never a panic.

use godata::{json, yaml};

/// A small deterministic generator (xorshift), so failures reproduce.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn random_inputs_do_not_panic() {
    let alphabet: Vec<char> = "ab01:-?[]{},#&*!|>'\"%@` \t\n\\.~<=+eE\u{85}\u{2028}é😀".chars().collect();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for _ in 0..20_000 {
        let len = (next(&mut state) % 24) as usize;
        let text: String = (0..len).map(|_| alphabet[(next(&mut state) % alphabet.len() as u64) as usize]).collect();
        if let Ok(v) = yaml::parse(&text) {
            let _ = yaml::to_yaml(&v);
            let _ = json::to_json(&v);
        }
        let _ = yaml::parse_all(&text);
        if let Ok(v) = json::parse(&text) {
            let _ = yaml::to_yaml(&v);
        }
    }
}
