//! The timeline's key and the signed lines of its checkpoint file.
//!
//! Each timeline entry is linked to the one before it by an HMAC-SHA-256 under a key the
//! database does not hold, so that write access to the database alone cannot append or rewrite
//! entries and recompute the chain. The chain heads are also written, signed, to an append-only
//! file outside the database: a rewrite made *with* the key of an entry a checkpoint covers no
//! longer matches the checkpoint. This module is the pure part: the key, the MACs, the format of
//! a checkpoint line. Reading the key file and the checkpoint file is `crate::timeline_log`'s.

use std::fmt;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

type HmacSha256 = Hmac<Sha256>;

/// How an entry is linked to the one before it (`timeline_entries.link_version`).
pub const LINK_PLAIN_SHA256: i16 = 1;
/// HMAC-SHA-256 under the timeline key: the only kind verification accepts.
pub const LINK_HMAC_SHA256: i16 = 2;

/// Purposes, so that a MAC made for one use is never valid for another.
const PURPOSE_LINK: &[u8] = b"portal.timeline.link.v2\0";
const PURPOSE_CHECKPOINT: &[u8] = b"portal.timeline.checkpoint.v1\0";

/// The timeline key: 32 random bytes. Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct ChainKey([u8; 32]);

impl fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChainKey([redacted])")
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("the timeline key must be 64 hexadecimal characters (32 bytes)")]
    Malformed,
}

impl ChainKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        ChainKey(bytes)
    }

    /// The key as written in a key file or `PORTAL_TIMELINE_KEY`: 64 hex digits, surrounding
    /// whitespace ignored.
    pub fn from_hex(text: &str) -> Result<Self, KeyError> {
        let bytes = hex::decode(text.trim()).map_err(|_| KeyError::Malformed)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(ChainKey(bytes))
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// A key for another use, derived from this one by HMAC under a fixed `label`: the portal
    /// keeps one key, and what is derived for one use says nothing of the timeline's links.
    pub fn derive(&self, label: &[u8]) -> [u8; 32] {
        self.mac(label).finalize().into_bytes().into()
    }

    fn mac(&self, purpose: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(purpose);
        mac
    }

    /// The link of an entry: the MAC of the link before it and the entry's fields, each
    /// length-prefixed so that moving text between fields changes the link.
    pub fn link<'a>(&self, prev: &[u8], parts: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
        let mut mac = self.mac(PURPOSE_LINK);
        mac.update(prev);
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        mac.finalize().into_bytes().to_vec()
    }

    fn sign(&self, text: &str) -> String {
        let mut mac = self.mac(PURPOSE_CHECKPOINT);
        mac.update(text.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    fn signature_holds(&self, text: &str, signature_hex: &str) -> bool {
        let Ok(signature) = hex::decode(signature_hex) else {
            return false;
        };
        let mut mac = self.mac(PURPOSE_CHECKPOINT);
        mac.update(text.as_bytes());
        // Constant-time comparison, from the hmac crate.
        mac.verify_slice(&signature).is_ok()
    }
}

/// One chain head as a checkpoint recorded it: incident `incident_id`'s entry `seq` had link
/// `hash` when the checkpoint was taken `at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub incident_id: Uuid,
    pub seq: i32,
    pub hash: Vec<u8>,
    pub at: DateTime<Utc>,
}

/// A line of the checkpoint file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogLine {
    Checkpoint(Checkpoint),
    /// The existing plain SHA-256 chains were re-linked under the key (`entries` of them), once:
    /// after this line, a plain-linked entry is never re-linked again, so rows planted in the
    /// database with plain SHA-256 links cannot be laundered by a restart.
    Relinked {
        at: DateTime<Utc>,
        entries: u64,
    },
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LineError {
    #[error("the line is not a checkpoint line")]
    Malformed,
    #[error("the line's signature does not hold under the timeline key")]
    BadSignature,
}

fn time_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl LogLine {
    /// The line as written to the file (no newline): space-separated fields, the last one the
    /// signature of all before it.
    pub fn signed(&self, key: &ChainKey) -> String {
        let text = match self {
            LogLine::Checkpoint(c) => format!(
                "checkpoint {} {} {} {}",
                time_text(c.at),
                c.incident_id,
                c.seq,
                hex::encode(&c.hash)
            ),
            LogLine::Relinked { at, entries } => format!("relinked {} {entries}", time_text(*at)),
        };
        let signature = key.sign(&text);
        format!("{text} {signature}")
    }

    /// Reads a line back, refusing one whose signature does not hold.
    pub fn parse(key: &ChainKey, line: &str) -> Result<LogLine, LineError> {
        let (text, signature) = line
            .trim_end()
            .rsplit_once(' ')
            .ok_or(LineError::Malformed)?;
        let fields: Vec<&str> = text.split(' ').collect();
        let time = |s: &str| {
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| LineError::Malformed)
        };
        let parsed = match fields.as_slice() {
            ["checkpoint", at, incident, seq, hash] => LogLine::Checkpoint(Checkpoint {
                incident_id: incident.parse().map_err(|_| LineError::Malformed)?,
                seq: seq.parse().map_err(|_| LineError::Malformed)?,
                hash: hex::decode(hash).map_err(|_| LineError::Malformed)?,
                at: time(at)?,
            }),
            ["relinked", at, entries] => LogLine::Relinked {
                at: time(at)?,
                entries: entries.parse().map_err(|_| LineError::Malformed)?,
            },
            _ => return Err(LineError::Malformed),
        };
        if !key.signature_holds(text, signature) {
            return Err(LineError::BadSignature);
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> ChainKey {
        ChainKey::from_bytes([byte; 32])
    }

    #[test]
    fn a_key_is_64_hex_digits_and_never_printed() {
        let k = ChainKey::from_hex(&format!(" {}\n", "ab".repeat(32))).unwrap();
        assert_eq!(k.to_hex(), "ab".repeat(32));
        assert_eq!(ChainKey::from_hex("abcd"), Err(KeyError::Malformed));
        assert_eq!(
            ChainKey::from_hex(&"zz".repeat(32)),
            Err(KeyError::Malformed)
        );
        assert!(!format!("{k:?}").contains("abab"));
    }

    #[test]
    fn a_link_depends_on_the_key_the_link_before_and_the_field_boundaries() {
        let parts: [&[u8]; 2] = [b"ab", b"c"];
        let a = key(1).link(&[0; 32], parts);
        assert_eq!(a.len(), 32);
        assert_eq!(a, key(1).link(&[0; 32], parts));
        assert_ne!(a, key(2).link(&[0; 32], parts), "another key");
        assert_ne!(a, key(1).link(&[1; 32], parts), "another link before");
        let moved: [&[u8]; 2] = [b"a", b"bc"];
        assert_ne!(a, key(1).link(&[0; 32], moved), "text moved between fields");
    }

    #[test]
    fn a_checkpoint_line_reads_back_only_under_its_key_and_unaltered() {
        let line = LogLine::Checkpoint(Checkpoint {
            incident_id: Uuid::from_u128(7),
            seq: 12,
            hash: vec![0xab; 32],
            at: DateTime::parse_from_rfc3339("2026-01-02T03:04:05.123456Z")
                .unwrap()
                .with_timezone(&Utc),
        });
        let text = line.signed(&key(1));
        assert!(!text.contains('\n'));
        assert_eq!(LogLine::parse(&key(1), &text), Ok(line.clone()));
        assert_eq!(LogLine::parse(&key(2), &text), Err(LineError::BadSignature));
        let altered = text.replacen(" 12 ", " 11 ", 1);
        assert_eq!(
            LogLine::parse(&key(1), &altered),
            Err(LineError::BadSignature)
        );
        assert_eq!(
            LogLine::parse(&key(1), "checkpoint nonsense"),
            Err(LineError::Malformed)
        );
        let relinked = LogLine::Relinked {
            at: Utc::now(),
            entries: 3,
        };
        let parsed = LogLine::parse(&key(1), &relinked.signed(&key(1))).unwrap();
        assert!(matches!(parsed, LogLine::Relinked { entries: 3, .. }));
    }
}
