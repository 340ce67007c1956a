//! Small helpers: base64 for opaque ids and cursors, fake object ids, time
//! formats.

use chrono::{DateTime, SecondsFormat, Utc};

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub fn b64(data: &str) -> String {
    let bytes = data.as_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decode standard base64 (padding optional) into a UTF-8 string.
pub fn unb64(text: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        if c == b'=' {
            break;
        }
        let v = B64.iter().position(|&x| x == c)?;
        bits = (bits << 6) | u32::try_from(v).ok()?;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push(u8::try_from((bits >> nbits) & 0xff).ok()?);
        }
    }
    String::from_utf8(out).ok()
}

/// A deterministic 64-bit FNV-1a hash.
pub fn fnv(data: &str, seed: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in data.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A git-like 40-hex object id derived from `data`.
pub fn fake_sha(data: &str) -> String {
    let mut s = String::with_capacity(48);
    for seed in 0..3u64 {
        s.push_str(&format!(
            "{:016x}",
            fnv(data, seed.wrapping_mul(0x9e37_79b9))
        ));
    }
    s.truncate(40);
    s
}

/// GitHub's `DateTime` format: `2024-01-01T00:00:00Z`.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// GitHub's `GitTimestamp` format, with an explicit offset: `2024-01-01T00:00:00+00:00`.
pub fn git_ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// Anaconda's format: `2025-02-07 15:05:00.099000+00:00`.
pub fn anaconda_ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f+00:00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        assert_eq!(b64("cursor:1"), "Y3Vyc29yOjE=");
        for s in ["", "a", "ab", "abc", "abcd", "R_kgDO 123:abc"] {
            assert_eq!(unb64(&b64(s)).as_deref(), Some(s));
        }
        assert_eq!(unb64("!!"), None);
    }

    #[test]
    fn fake_sha_is_40_hex_and_stable() {
        let a = fake_sha("x");
        assert_eq!(a.len(), 40);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(a, fake_sha("x"));
        assert_ne!(a, fake_sha("y"));
    }
}
