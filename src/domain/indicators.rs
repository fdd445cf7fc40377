//! Indicators of compromise (惡意程式 IoC): their kinds, one canonical spelling
//! per value, and the CSV import.
//!
//! Why normalise: the correlation page groups indicators across incidents and
//! agencies by (kind, value), and the database keeps one row per (incident,
//! kind, value). `Example.COM.` and `example.com`, or an MD5 in upper and lower
//! case, are the same indicator and must meet; so every value is stored in the
//! one canonical form [`normalise`] produces, and every rejection says exactly
//! what is wrong in both languages, because the people typing these values are
//! often in the middle of an incident.
//!
//! What is deliberately *not* done: no DNS look-ups, no IDN conversion (a
//! non-ASCII domain is refused with a request for its `xn--` form, so that two
//! agencies cannot store the same name in two spellings), no URL
//! percent-decoding (the path of a malicious URL is evidence and is kept byte
//! for byte).

use std::collections::HashMap;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::tlp::Tlp;
use crate::i18n::Text;

/// The longest value accepted, in characters (after trimming). Long enough for
/// any real URL an attacker uses, short enough to keep one row readable.
pub const MAX_VALUE_CHARS: usize = 2048;
/// The longest note accepted, in characters (after trimming).
pub const MAX_NOTE_CHARS: usize = 2000;
/// File-system limit shared by NTFS, ext4 and APFS (in UTF-8 bytes).
pub const MAX_FILE_NAME_BYTES: usize = 255;
/// RFC 1035 limits, in the dotted text form without the trailing dot.
pub const MAX_DOMAIN_CHARS: usize = 253;
pub const MAX_LABEL_CHARS: usize = 63;
/// RFC 5321 §4.5.3.1.1.
pub const MAX_EMAIL_LOCAL_CHARS: usize = 64;

/// What an indicator value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorType {
    Ipv4,
    Ipv6,
    Domain,
    Url,
    Md5,
    Sha1,
    Sha256,
    Email,
    FileName,
}

impl IndicatorType {
    pub const ALL: [IndicatorType; 9] = [
        IndicatorType::Ipv4,
        IndicatorType::Ipv6,
        IndicatorType::Domain,
        IndicatorType::Url,
        IndicatorType::Md5,
        IndicatorType::Sha1,
        IndicatorType::Sha256,
        IndicatorType::Email,
        IndicatorType::FileName,
    ];

    /// The stored name, identical to the serde name.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorType::Ipv4 => "ipv4",
            IndicatorType::Ipv6 => "ipv6",
            IndicatorType::Domain => "domain",
            IndicatorType::Url => "url",
            IndicatorType::Md5 => "md5",
            IndicatorType::Sha1 => "sha1",
            IndicatorType::Sha256 => "sha256",
            IndicatorType::Email => "email",
            IndicatorType::FileName => "file_name",
        }
    }

    /// The stored name in any case, or the STIX / common spelling people
    /// paste from other tools (`ipv4-addr`, `SHA-256`, `filename`, …).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        if let Some(kind) = Self::ALL.into_iter().find(|k| k.as_str() == s) {
            return Some(kind);
        }
        match s.as_str() {
            "ipv4-addr" => Some(IndicatorType::Ipv4),
            "ipv6-addr" => Some(IndicatorType::Ipv6),
            "domain-name" => Some(IndicatorType::Domain),
            "email-addr" => Some(IndicatorType::Email),
            "sha-1" => Some(IndicatorType::Sha1),
            "sha-256" => Some(IndicatorType::Sha256),
            "filename" => Some(IndicatorType::FileName),
            _ => None,
        }
    }

    pub fn label(self) -> Text {
        match self {
            IndicatorType::Ipv4 => Text::key("ioc.type.ipv4"),
            IndicatorType::Ipv6 => Text::key("ioc.type.ipv6"),
            IndicatorType::Domain => Text::key("ioc.type.domain"),
            IndicatorType::Url => Text::key("ioc.type.url"),
            IndicatorType::Md5 => Text::key("ioc.type.md5"),
            IndicatorType::Sha1 => Text::key("ioc.type.sha1"),
            IndicatorType::Sha256 => Text::key("ioc.type.sha256"),
            IndicatorType::Email => Text::key("ioc.type.email"),
            IndicatorType::FileName => Text::key("ioc.type.file_name"),
        }
    }

    /// The number of hexadecimal characters of a hash kind.
    pub fn hash_len(self) -> Option<usize> {
        match self {
            IndicatorType::Md5 => Some(32),
            IndicatorType::Sha1 => Some(40),
            IndicatorType::Sha256 => Some(64),
            _ => None,
        }
    }
}

impl fmt::Display for IndicatorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a value was refused. Positions and lengths count characters as people
/// see them (Unicode scalar values), except the file-name limit, which is a
/// file-system limit in UTF-8 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IndicatorError {
    #[error("the value is empty")]
    Empty,
    #[error("the value is {got} characters long; at most {max} are allowed")]
    TooLong { max: usize, got: usize },
    #[error("the value contains a control character at position {position}")]
    ControlCharacter { position: usize },
    #[error(
        "'{value}' is not an IPv4 address in dotted decimal form \
         (four numbers 0-255 without leading zeros)"
    )]
    InvalidIpv4 { value: String },
    #[error("'{value}' is not a valid IPv6 address")]
    InvalidIpv6 { value: String },
    #[error(
        "the CIDR prefix length '/{given}' of an {kind} must be a whole number from 0 to {max}"
    )]
    InvalidPrefix {
        kind: IndicatorType,
        max: u8,
        given: String,
    },
    #[error("'{given}' is not a network address (host bits are set); the network is {network}")]
    NotNetworkAddress { given: String, network: String },
    #[error(
        "'{value}' contains non-ASCII characters; enter an internationalised domain name \
         in its punycode (xn--) form"
    )]
    NonAsciiDomain { value: String },
    #[error("the domain name is {len} characters long; at most 253 are allowed")]
    DomainTooLong { len: usize },
    #[error("'{value}' has an empty label (two dots in a row, or a leading dot)")]
    DomainEmptyLabel { value: String },
    #[error("the label '{label}' is {len} characters long; a label has at most 63")]
    DomainLabelTooLong { label: String, len: usize },
    #[error(
        "the label '{label}' contains '{ch}'; only letters a-z, digits and hyphens are allowed"
    )]
    DomainLabelChar { label: String, ch: char },
    #[error("the label '{label}' starts or ends with a hyphen")]
    DomainLabelHyphen { label: String },
    #[error(
        "'{value}' is a single label; a domain name needs at least two (for example example.com)"
    )]
    DomainSingleLabel { value: String },
    #[error(
        "'{value}' ends in an all-digit label, so it is not a domain name; \
         enter IP addresses as the IPv4 type"
    )]
    DomainNumericTld { value: String },
    #[error("a URL may not contain whitespace; encode spaces as %20")]
    UrlWhitespace,
    #[error("a URL must start with http://, https:// or ftp://")]
    MissingScheme,
    #[error("the URL scheme '{scheme}' is not supported; only http, https and ftp are accepted")]
    UnsupportedScheme { scheme: String },
    #[error("the URL has no host name after '://'")]
    UrlMissingHost,
    #[error("the URL port '{port}' must be a number from 1 to 65535")]
    UrlInvalidPort { port: String },
    #[error("invalid URL host: {0}")]
    UrlHost(Box<IndicatorError>),
    #[error("{kind} must be {expected} hexadecimal characters; got {got}")]
    HashLength {
        kind: IndicatorType,
        expected: usize,
        got: usize,
    },
    #[error("{kind} may contain only hexadecimal characters 0-9 and a-f; found '{ch}'")]
    HashNotHex { kind: IndicatorType, ch: char },
    #[error("an email address must contain exactly one '@'; found {count}")]
    EmailAtSign { count: usize },
    #[error("the part of the email address before '@' is empty")]
    EmailLocalEmpty,
    #[error(
        "the part of the email address before '@' is {len} characters long; at most 64 are allowed"
    )]
    EmailLocalTooLong { len: usize },
    #[error("the part of the email address before '@' contains whitespace")]
    EmailLocalWhitespace,
    #[error("the email address has no domain after '@'")]
    EmailMissingDomain,
    #[error("invalid email domain: {0}")]
    EmailDomain(Box<IndicatorError>),
    #[error("a file name may not contain '{ch}'; enter the name only, without its folder")]
    FileNameSeparator { ch: char },
    #[error("the file name is {bytes} bytes long in UTF-8; at most 255 are allowed")]
    FileNameTooLong { bytes: usize },
    #[error("'.' and '..' are not file names")]
    FileNameDots,
}

impl IndicatorError {
    /// The problem, for the form and the import report.
    pub fn message(&self) -> Text {
        use IndicatorError::*;
        match self {
            Empty => Text::key("ioc.error.empty"),
            TooLong { max, got } => Text::key("ioc.error.too_long")
                .with("got", *got)
                .with("max", *max),
            ControlCharacter { position } => {
                Text::key("ioc.error.control_character").with("position", *position)
            }
            InvalidIpv4 { value } => Text::key("ioc.error.invalid_ipv4").with("value", value),
            InvalidIpv6 { value } => Text::key("ioc.error.invalid_ipv6").with("value", value),
            InvalidPrefix { kind, max, given } => Text::key("ioc.error.invalid_prefix")
                .with("kind", kind.label())
                .with("max", *max)
                .with("given", given),
            NotNetworkAddress { given, network } => Text::key("ioc.error.not_network_address")
                .with("network", network)
                .with("given", given),
            NonAsciiDomain { value } => {
                Text::key("ioc.error.non_ascii_domain").with("value", value)
            }
            DomainTooLong { len } => Text::key("ioc.error.domain_too_long").with("len", *len),
            DomainEmptyLabel { value } => {
                Text::key("ioc.error.domain_empty_label").with("value", value)
            }
            DomainLabelTooLong { label, len } => Text::key("ioc.error.domain_label_too_long")
                .with("len", *len)
                .with("label", label),
            DomainLabelChar { label, ch } => Text::key("ioc.error.domain_label_char")
                .with("ch", ch.to_string())
                .with("label", label),
            DomainLabelHyphen { label } => {
                Text::key("ioc.error.domain_label_hyphen").with("label", label)
            }
            DomainSingleLabel { value } => {
                Text::key("ioc.error.domain_single_label").with("value", value)
            }
            DomainNumericTld { value } => {
                Text::key("ioc.error.domain_numeric_tld").with("value", value)
            }
            UrlWhitespace => Text::key("ioc.error.url_whitespace"),
            MissingScheme => Text::key("ioc.error.missing_scheme"),
            UnsupportedScheme { scheme } => {
                Text::key("ioc.error.unsupported_scheme").with("scheme", scheme)
            }
            UrlMissingHost => Text::key("ioc.error.url_missing_host"),
            UrlInvalidPort { port } => Text::key("ioc.error.url_invalid_port").with("port", port),
            UrlHost(inner) => Text::key("ioc.error.url_host").with("problem", inner.message()),
            HashLength {
                kind,
                expected,
                got,
            } => Text::key("ioc.error.hash_length")
                .with("kind", kind.label())
                .with("expected", *expected)
                .with("got", *got),
            HashNotHex { kind, ch } => Text::key("ioc.error.hash_not_hex")
                .with("kind", kind.label())
                .with("ch", ch.to_string()),
            EmailAtSign { count } => Text::key("ioc.error.email_at_sign").with("count", *count),
            EmailLocalEmpty => Text::key("ioc.error.email_local_empty"),
            EmailLocalTooLong { len } => {
                Text::key("ioc.error.email_local_too_long").with("len", *len)
            }
            EmailLocalWhitespace => Text::key("ioc.error.email_local_whitespace"),
            EmailMissingDomain => Text::key("ioc.error.email_missing_domain"),
            EmailDomain(inner) => {
                Text::key("ioc.error.email_domain").with("problem", inner.message())
            }
            FileNameSeparator { ch } => {
                Text::key("ioc.error.file_name_separator").with("ch", ch.to_string())
            }
            FileNameTooLong { bytes } => {
                Text::key("ioc.error.file_name_too_long").with("bytes", *bytes)
            }
            FileNameDots => Text::key("ioc.error.file_name_dots"),
        }
    }
}

/// The canonical form of `raw` as an indicator of `kind`, or why it is not one.
///
/// Surrounding whitespace is trimmed for every kind; everything else is kind
/// specific: see the `normalise_*` function of each kind below.
pub fn normalise(kind: IndicatorType, raw: &str) -> Result<String, IndicatorError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(IndicatorError::Empty);
    }
    let got = s.chars().count();
    if got > MAX_VALUE_CHARS {
        return Err(IndicatorError::TooLong {
            max: MAX_VALUE_CHARS,
            got,
        });
    }
    if let Some(i) = s.chars().position(char::is_control) {
        return Err(IndicatorError::ControlCharacter { position: i + 1 });
    }
    match kind {
        IndicatorType::Ipv4 => normalise_ipv4(s),
        IndicatorType::Ipv6 => normalise_ipv6(s),
        IndicatorType::Domain => normalise_domain(s),
        IndicatorType::Url => normalise_url(s),
        IndicatorType::Md5 | IndicatorType::Sha1 | IndicatorType::Sha256 => normalise_hash(kind, s),
        IndicatorType::Email => normalise_email(s),
        IndicatorType::FileName => normalise_file_name(s),
    }
}

/// A CIDR prefix length: decimal digits without leading zeros, at most `max`.
fn parse_prefix(p: &str, max: u8) -> Option<u8> {
    let digits_ok = !p.is_empty()
        && p.len() <= 3
        && p.bytes().all(|b| b.is_ascii_digit())
        && !(p.len() > 1 && p.starts_with('0'));
    if !digits_ok {
        return None;
    }
    p.parse::<u8>().ok().filter(|n| *n <= max)
}

/// Dotted decimal (std's parser refuses leading zeros, which some tools read
/// as octal), optionally a CIDR block given by its network address. A `/32`
/// is the address itself, so it is stored bare to meet the same address
/// reported without a prefix.
fn normalise_ipv4(s: &str) -> Result<String, IndicatorError> {
    let (addr_part, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let addr: Ipv4Addr = addr_part.parse().map_err(|_| IndicatorError::InvalidIpv4 {
        value: addr_part.to_owned(),
    })?;
    let Some(p) = prefix else {
        return Ok(addr.to_string());
    };
    let n = parse_prefix(p, 32).ok_or_else(|| IndicatorError::InvalidPrefix {
        kind: IndicatorType::Ipv4,
        max: 32,
        given: p.to_owned(),
    })?;
    if n == 32 {
        return Ok(addr.to_string());
    }
    let mask = if n == 0 { 0 } else { u32::MAX << (32 - n) };
    let bits = u32::from(addr);
    if bits & mask != bits {
        return Err(IndicatorError::NotNetworkAddress {
            given: s.to_owned(),
            network: format!("{}/{n}", Ipv4Addr::from(bits & mask)),
        });
    }
    Ok(format!("{addr}/{n}"))
}

/// Any form std accepts, stored as its RFC 5952 text (lower case, longest run
/// of zero groups compressed); `[..]` as copied from a URL is accepted.
fn normalise_ipv6(s: &str) -> Result<String, IndicatorError> {
    let invalid = || IndicatorError::InvalidIpv6 {
        value: s.to_owned(),
    };
    let (addr_part, prefix) = if let Some(rest) = s.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or_else(invalid)?;
        let prefix = if after.is_empty() {
            None
        } else {
            Some(after.strip_prefix('/').ok_or_else(invalid)?)
        };
        (inside, prefix)
    } else {
        match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        }
    };
    let addr: Ipv6Addr = addr_part.parse().map_err(|_| IndicatorError::InvalidIpv6 {
        value: addr_part.to_owned(),
    })?;
    let Some(p) = prefix else {
        return Ok(addr.to_string());
    };
    let n = parse_prefix(p, 128).ok_or_else(|| IndicatorError::InvalidPrefix {
        kind: IndicatorType::Ipv6,
        max: 128,
        given: p.to_owned(),
    })?;
    if n == 128 {
        return Ok(addr.to_string());
    }
    let mask = if n == 0 { 0 } else { u128::MAX << (128 - n) };
    let bits = u128::from(addr);
    if bits & mask != bits {
        return Err(IndicatorError::NotNetworkAddress {
            given: s.to_owned(),
            network: format!("{}/{n}", Ipv6Addr::from(bits & mask)),
        });
    }
    Ok(format!("{addr}/{n}"))
}

/// A host name as DNS spells it (RFC 1035 / 1123 letter-digit-hyphen labels),
/// lower-cased, without the root dot. A last label of digits only is what an
/// IP address looks like, and no top-level domain is numeric.
fn normalise_domain(s: &str) -> Result<String, IndicatorError> {
    if !s.is_ascii() {
        return Err(IndicatorError::NonAsciiDomain {
            value: s.to_owned(),
        });
    }
    let lower = s.to_ascii_lowercase();
    let d = lower.strip_suffix('.').unwrap_or(&lower);
    if d.len() > MAX_DOMAIN_CHARS {
        return Err(IndicatorError::DomainTooLong { len: d.len() });
    }
    let labels: Vec<&str> = d.split('.').collect();
    for label in &labels {
        if label.is_empty() {
            return Err(IndicatorError::DomainEmptyLabel {
                value: s.to_owned(),
            });
        }
        if label.len() > MAX_LABEL_CHARS {
            return Err(IndicatorError::DomainLabelTooLong {
                label: (*label).to_owned(),
                len: label.len(),
            });
        }
        if let Some(ch) = label
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(IndicatorError::DomainLabelChar {
                label: (*label).to_owned(),
                ch,
            });
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(IndicatorError::DomainLabelHyphen {
                label: (*label).to_owned(),
            });
        }
    }
    if labels.len() < 2 {
        return Err(IndicatorError::DomainSingleLabel {
            value: d.to_owned(),
        });
    }
    if labels[labels.len() - 1].bytes().all(|b| b.is_ascii_digit()) {
        return Err(IndicatorError::DomainNumericTld {
            value: d.to_owned(),
        });
    }
    Ok(d.to_owned())
}

/// A URL scheme as RFC 3986 spells it. A dot is allowed there but never used
/// by a real scheme, while `example.com:8080/x` is a common paste without a
/// scheme, so a candidate with a dot is treated as a missing scheme.
fn looks_like_scheme(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-')
}

/// `scheme://[userinfo@]host[:port][rest]`: the scheme and host are
/// canonicalised (they are case-insensitive), the port is written without
/// leading zeros, and userinfo and the rest are kept byte for byte — the path
/// of a phishing URL is the evidence. Only the schemes a browser or a
/// downloader fetches are accepted: `javascript:` and `data:` are not
/// locations anyone can block.
fn normalise_url(s: &str) -> Result<String, IndicatorError> {
    if s.chars().any(char::is_whitespace) {
        return Err(IndicatorError::UrlWhitespace);
    }
    let (scheme, after_colon) = match s.split_once(':') {
        Some((scheme, rest)) if looks_like_scheme(scheme) => (scheme, rest),
        _ => return Err(IndicatorError::MissingScheme),
    };
    let scheme_lower = scheme.to_ascii_lowercase();
    if !matches!(scheme_lower.as_str(), "http" | "https" | "ftp") {
        return Err(IndicatorError::UnsupportedScheme {
            scheme: scheme.to_owned(),
        });
    }
    let rest = after_colon
        .strip_prefix("//")
        .ok_or(IndicatorError::MissingScheme)?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, host_port) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    if host_port.is_empty() {
        return Err(IndicatorError::UrlMissingHost);
    }
    let host_error = |e: IndicatorError| IndicatorError::UrlHost(Box::new(e));
    let (host, port) = if let Some(r) = host_port.strip_prefix('[') {
        let (inside, after) = r.split_once(']').ok_or_else(|| {
            host_error(IndicatorError::InvalidIpv6 {
                value: host_port.to_owned(),
            })
        })?;
        let addr: Ipv6Addr = inside.parse().map_err(|_| {
            host_error(IndicatorError::InvalidIpv6 {
                value: inside.to_owned(),
            })
        })?;
        let port = if after.is_empty() {
            None
        } else {
            Some(
                after
                    .strip_prefix(':')
                    .ok_or_else(|| IndicatorError::UrlInvalidPort {
                        port: after.to_owned(),
                    })?,
            )
        };
        (format!("[{addr}]"), port)
    } else {
        let (h, p) = match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        };
        if h.is_empty() {
            return Err(IndicatorError::UrlMissingHost);
        }
        let host = if let Ok(addr) = h.parse::<Ipv4Addr>() {
            addr.to_string()
        } else if h.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(host_error(IndicatorError::InvalidIpv4 {
                value: h.to_owned(),
            }));
        } else {
            normalise_domain(h).map_err(host_error)?
        };
        (host, p)
    };
    let port = match port {
        None => None,
        Some(p) => {
            let ok = !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
            match p.parse::<u16>() {
                Ok(n) if ok && n > 0 => Some(n),
                _ => {
                    return Err(IndicatorError::UrlInvalidPort { port: p.to_owned() });
                }
            }
        }
    };
    let mut out = format!("{scheme_lower}://");
    if let Some(u) = userinfo {
        out.push_str(u);
        out.push('@');
    }
    out.push_str(&host);
    if let Some(n) = port {
        out.push(':');
        out.push_str(&n.to_string());
    }
    out.push_str(tail);
    Ok(out)
}

/// Hex digests in lower case: the length is checked first, because a digest
/// of the wrong algorithm (a SHA-1 pasted as SHA-256) is the usual mistake.
fn normalise_hash(kind: IndicatorType, s: &str) -> Result<String, IndicatorError> {
    let expected = kind.hash_len().unwrap_or(0);
    let got = s.chars().count();
    if got != expected {
        return Err(IndicatorError::HashLength {
            kind,
            expected,
            got,
        });
    }
    if let Some(ch) = s.chars().find(|c| !c.is_ascii_hexdigit()) {
        return Err(IndicatorError::HashNotHex { kind, ch });
    }
    Ok(s.to_ascii_lowercase())
}

/// `local@domain`. The local part is case-sensitive by RFC 5321 and is kept
/// as typed; the domain follows the domain rule.
fn normalise_email(s: &str) -> Result<String, IndicatorError> {
    let count = s.matches('@').count();
    if count != 1 {
        return Err(IndicatorError::EmailAtSign { count });
    }
    let (local, domain) = s.split_once('@').unwrap_or((s, ""));
    if local.is_empty() {
        return Err(IndicatorError::EmailLocalEmpty);
    }
    let len = local.chars().count();
    if len > MAX_EMAIL_LOCAL_CHARS {
        return Err(IndicatorError::EmailLocalTooLong { len });
    }
    if local.chars().any(char::is_whitespace) {
        return Err(IndicatorError::EmailLocalWhitespace);
    }
    if domain.is_empty() {
        return Err(IndicatorError::EmailMissingDomain);
    }
    let domain = normalise_domain(domain).map_err(|e| IndicatorError::EmailDomain(Box::new(e)))?;
    Ok(format!("{local}@{domain}"))
}

/// A bare file name, kept as typed: attackers pick names that differ from
/// legitimate ones by case or by look-alike characters, so nothing is folded.
fn normalise_file_name(s: &str) -> Result<String, IndicatorError> {
    if let Some(ch) = s.chars().find(|c| *c == '/' || *c == '\\') {
        return Err(IndicatorError::FileNameSeparator { ch });
    }
    if s.len() > MAX_FILE_NAME_BYTES {
        return Err(IndicatorError::FileNameTooLong { bytes: s.len() });
    }
    if s == "." || s == ".." {
        return Err(IndicatorError::FileNameDots);
    }
    Ok(s.to_owned())
}

/// An indicator ready to be stored: kind and canonical value, plus what the
/// source said about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub kind: IndicatorType,
    pub value: String,
    pub note: Option<String>,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// How far it may travel ([`Tlp`]); unmarked input is [`Tlp::DEFAULT`].
    pub tlp: Tlp,
}

/// An input row or object that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// `"line 7"` for CSV, the STIX object id (or `"objects[3]"`) for STIX.
    pub at: String,
    pub reason: Text,
}

/// The outcome of an import: nothing is stored by the parser; the caller
/// shows the report and stores `accepted`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    pub accepted: Vec<Candidate>,
    pub skipped: Vec<Skipped>,
}

/// Where an input item came from, in a form each language can phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Line(usize),
    Object(String),
}

impl Source {
    fn at(&self) -> String {
        match self {
            Source::Line(n) => format!("line {n}"),
            Source::Object(id) => id.clone(),
        }
    }

    /// Where, as a sentence names it ("第 7 行" / "line 7").
    fn named(&self) -> Text {
        match self {
            Source::Line(n) => Text::key("ioc.source.line").with("n", *n),
            Source::Object(id) => Text::key("ioc.source.object").with("id", id),
        }
    }
}

/// Builds an [`ImportReport`], keeping the first of several items with the
/// same (kind, value): the database holds one row per pair, and the first
/// occurrence is the one the person meant when the file was written.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    report: ImportReport,
    first: HashMap<(IndicatorType, String), Source>,
}

impl Collector {
    pub(crate) fn skip(&mut self, source: &Source, reason: Text) {
        self.report.skipped.push(Skipped {
            at: source.at(),
            reason,
        });
    }

    pub(crate) fn accept(&mut self, source: &Source, candidate: Candidate) {
        let key = (candidate.kind, candidate.value.clone());
        if let Some(first) = self.first.get(&key) {
            let reason = Text::key("ioc.import.duplicate")
                .with("first", first.named())
                .with("kind", candidate.kind.label())
                .with("value", &candidate.value);
            self.skip(source, reason);
            return;
        }
        self.first.insert(key, source.clone());
        self.report.accepted.push(candidate);
    }

    pub(crate) fn finish(self) -> ImportReport {
        self.report
    }
}

/// A date or time from a CSV cell: RFC 3339 with any offset, or a bare
/// `YYYY-MM-DD` taken as midnight UTC (spreadsheets drop the time).
pub(crate) fn parse_date(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
}

/// The trimmed note, `None` when blank.
pub(crate) fn clean_note(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// One CSV record: the physical line it starts on, its fields, and a
/// quoting problem if there was one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    line: usize,
    fields: Vec<String>,
    problem: Option<QuoteProblem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteProblem {
    Unterminated,
    TextAfterQuote,
}

impl QuoteProblem {
    fn message(self) -> Text {
        match self {
            QuoteProblem::Unterminated => Text::key("ioc.csv.unterminated_quote"),
            QuoteProblem::TextAfterQuote => Text::key("ioc.csv.text_after_quote"),
        }
    }
}

/// Splits RFC 4180 text into records. Lenient where spreadsheets are
/// (LF or CRLF line ends, spaces around a quoted field, a stray quote inside
/// an unquoted field kept literally), strict where data would be lost (an
/// unterminated quote swallows the rest of the file and is reported).
fn csv_records(text: &str) -> Vec<Record> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut i = 0;
    let mut line = 1;
    let mut records = Vec::new();
    while i < n {
        let start_line = line;
        let mut fields = Vec::new();
        let mut problem = None;
        loop {
            let mut field = String::new();
            let mut j = i;
            while j < n && (chars[j] == ' ' || chars[j] == '\t') {
                j += 1;
            }
            if j < n && chars[j] == '"' {
                i = j + 1;
                let mut closed = false;
                while i < n {
                    match chars[i] {
                        '"' if i + 1 < n && chars[i + 1] == '"' => {
                            field.push('"');
                            i += 2;
                        }
                        '"' => {
                            i += 1;
                            closed = true;
                            break;
                        }
                        '\r' => {
                            if i + 1 < n && chars[i + 1] == '\n' {
                                field.push('\r');
                                i += 1;
                            }
                            field.push(chars[i]);
                            line += 1;
                            i += 1;
                        }
                        '\n' => {
                            field.push('\n');
                            line += 1;
                            i += 1;
                        }
                        c => {
                            field.push(c);
                            i += 1;
                        }
                    }
                }
                if !closed {
                    problem = Some(QuoteProblem::Unterminated);
                    fields.push(field);
                    break;
                }
                while i < n && (chars[i] == ' ' || chars[i] == '\t') {
                    i += 1;
                }
                if i < n && !matches!(chars[i], ',' | '\r' | '\n') {
                    problem.get_or_insert(QuoteProblem::TextAfterQuote);
                    while i < n && !matches!(chars[i], ',' | '\r' | '\n') {
                        i += 1;
                    }
                }
            } else {
                while i < n && !matches!(chars[i], ',' | '\r' | '\n') {
                    field.push(chars[i]);
                    i += 1;
                }
            }
            fields.push(field);
            if i < n && chars[i] == ',' {
                i += 1;
                continue;
            }
            // End of the record: consume the line end.
            if i < n && chars[i] == '\r' {
                i += 1;
                if i < n && chars[i] == '\n' {
                    i += 1;
                }
                line += 1;
            } else if i < n && chars[i] == '\n' {
                i += 1;
                line += 1;
            }
            break;
        }
        records.push(Record {
            line: start_line,
            fields,
            problem,
        });
    }
    records
}

/// The columns a header names.
#[derive(Debug, Clone, Copy, Default)]
struct Columns {
    kind: Option<usize>,
    value: Option<usize>,
    note: Option<usize>,
    first_seen: Option<usize>,
    last_seen: Option<usize>,
    tlp: Option<usize>,
}

impl Columns {
    fn from_header(fields: &[String]) -> Self {
        let mut c = Columns::default();
        for (i, f) in fields.iter().enumerate() {
            let slot = match f.trim().to_ascii_lowercase().as_str() {
                "type" => &mut c.kind,
                "value" => &mut c.value,
                "note" => &mut c.note,
                "first_seen" => &mut c.first_seen,
                "last_seen" => &mut c.last_seen,
                "tlp" => &mut c.tlp,
                _ => continue,
            };
            slot.get_or_insert(i);
        }
        c
    }
}

fn cell(fields: &[String], col: Option<usize>) -> &str {
    col.and_then(|i| fields.get(i))
        .map(|s| s.trim())
        .unwrap_or("")
}

fn type_names() -> String {
    IndicatorType::ALL.map(IndicatorType::as_str).join(", ")
}

/// Reads indicators from CSV: a header line naming `type` and `value` (and
/// optionally `note`, `first_seen`, `last_seen`, in any order and case),
/// then one indicator per record. Blank lines are ignored; every other record
/// is accepted or reported with its line number, so a person can fix the file
/// and import it again.
pub fn parse_csv(text: &str) -> ImportReport {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let records = csv_records(text);
    let is_blank = |r: &Record| r.problem.is_none() && r.fields.iter().all(|f| f.trim().is_empty());
    let mut rows = records.iter().filter(|r| !is_blank(r));
    let mut out = Collector::default();

    let Some(header) = rows.next() else {
        out.skip(&Source::Line(1), Text::key("ioc.csv.empty_file"));
        return out.finish();
    };
    let cols = Columns::from_header(&header.fields);
    if header.problem.is_some() || cols.kind.is_none() || cols.value.is_none() {
        let found = header
            .fields
            .iter()
            .map(|f| f.trim())
            .collect::<Vec<_>>()
            .join(", ");
        out.skip(
            &Source::Line(header.line),
            Text::key("ioc.csv.bad_header").with("found", found),
        );
        return out.finish();
    }

    for record in rows {
        let source = Source::Line(record.line);
        match row_candidate(record, cols) {
            Ok(candidate) => out.accept(&source, candidate),
            Err(reason) => out.skip(&source, reason),
        }
    }
    out.finish()
}

fn row_candidate(record: &Record, cols: Columns) -> Result<Candidate, Text> {
    if let Some(p) = record.problem {
        return Err(p.message());
    }
    let f = &record.fields;
    let type_cell = cell(f, cols.kind);
    if type_cell.is_empty() {
        return Err(Text::key("ioc.csv.type_empty"));
    }
    let kind = IndicatorType::parse(type_cell).ok_or_else(|| {
        Text::key("ioc.csv.type_unknown")
            .with("types", type_names())
            .with("given", type_cell)
    })?;
    let value = normalise(kind, cell(f, cols.value)).map_err(|e| e.message())?;
    let note = clean_note(cell(f, cols.note));
    if let Some(n) = &note {
        let len = n.chars().count();
        if len > MAX_NOTE_CHARS {
            return Err(Text::key("ioc.csv.note_too_long")
                .with("len", len)
                .with("max", MAX_NOTE_CHARS));
        }
    }
    let date = |name: &str, col: Option<usize>| -> Result<Option<DateTime<Utc>>, Text> {
        let s = cell(f, col);
        if s.is_empty() {
            return Ok(None);
        }
        parse_date(s).map(Some).ok_or_else(|| {
            Text::key("ioc.csv.date_invalid")
                .with("column", name)
                .with("value", s)
        })
    };
    let first_seen = date("first_seen", cols.first_seen)?;
    let last_seen = date("last_seen", cols.last_seen)?;
    if let (Some(a), Some(b)) = (first_seen, last_seen) {
        if b < a {
            return Err(Text::key("ioc.csv.last_before_first"));
        }
    }
    let tlp_cell = cell(f, cols.tlp);
    let tlp = if tlp_cell.is_empty() {
        Tlp::DEFAULT
    } else {
        Tlp::parse(tlp_cell)
            .ok_or_else(|| Text::key("ioc.csv.tlp_unknown").with("given", tlp_cell))?
    };
    Ok(Candidate {
        kind,
        value,
        note,
        first_seen,
        last_seen,
        tlp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use chrono::TimeZone;
    use proptest::prelude::*;
    use IndicatorType::*;

    /// A text as each language says it.
    trait Said {
        fn zh(&self) -> String;
        fn en(&self) -> String;
    }

    impl Said for Text {
        fn zh(&self) -> String {
            Lang::ZhTw.text(self)
        }
        fn en(&self) -> String {
            Lang::En.text(self)
        }
    }

    fn ok(kind: IndicatorType, raw: &str) -> String {
        match normalise(kind, raw) {
            Ok(v) => v,
            Err(e) => panic!("{kind} {raw:?} rejected: {e}"),
        }
    }

    fn err(kind: IndicatorType, raw: &str) -> IndicatorError {
        match normalise(kind, raw) {
            Ok(v) => panic!("{kind} {raw:?} accepted as {v:?}"),
            Err(e) => e,
        }
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    // ---- IndicatorType -------------------------------------------------

    #[test]
    fn type_names_round_trip_and_match_serde() {
        let expected = [
            "ipv4",
            "ipv6",
            "domain",
            "url",
            "md5",
            "sha1",
            "sha256",
            "email",
            "file_name",
        ];
        for (kind, name) in IndicatorType::ALL.into_iter().zip(expected) {
            assert_eq!(kind.as_str(), name);
            assert_eq!(kind.to_string(), name);
            assert_eq!(IndicatorType::parse(name), Some(kind));
            assert_eq!(IndicatorType::parse(&name.to_uppercase()), Some(kind));
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{name}\""));
            let back: IndicatorType = serde_json::from_str(&format!("\"{name}\"")).unwrap();
            assert_eq!(back, kind);
        }
    }

    #[test]
    fn type_aliases() {
        let aliases = [
            ("ipv4-addr", Ipv4),
            ("IPv6-Addr", Ipv6),
            ("domain-name", Domain),
            ("email-addr", Email),
            ("SHA-1", Sha1),
            ("sha-256", Sha256),
            ("FileName", FileName),
            (" md5 ", Md5),
        ];
        for (alias, kind) in aliases {
            assert_eq!(IndicatorType::parse(alias), Some(kind), "{alias}");
        }
        for bad in ["", "ip", "sha512", "file-name", "hash", "e-mail"] {
            assert_eq!(IndicatorType::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn labels_are_distinct_and_bilingual() {
        let zh: std::collections::HashSet<_> =
            IndicatorType::ALL.iter().map(|k| k.label().zh()).collect();
        let en: std::collections::HashSet<_> =
            IndicatorType::ALL.iter().map(|k| k.label().en()).collect();
        assert_eq!(zh.len(), 9);
        assert_eq!(en.len(), 9);
        assert_eq!(Ipv4.label().zh(), "IPv4 位址");
        assert_eq!(Domain.label().zh(), "網域名稱");
        assert_eq!(Url.label().zh(), "網址");
        assert_eq!(Md5.label().zh(), "MD5 雜湊值");
        assert_eq!(Email.label().zh(), "電子郵件地址");
        assert_eq!(FileName.label().zh(), "檔案名稱");
        assert_eq!(Sha256.label().en(), "SHA-256 hash");
    }

    #[test]
    fn hash_lengths() {
        assert_eq!(Md5.hash_len(), Some(32));
        assert_eq!(Sha1.hash_len(), Some(40));
        assert_eq!(Sha256.hash_len(), Some(64));
        assert_eq!(Url.hash_len(), None);
    }

    // ---- common rules --------------------------------------------------

    #[test]
    fn every_kind_trims_and_rejects_empty_long_and_control() {
        for kind in IndicatorType::ALL {
            assert_eq!(err(kind, ""), IndicatorError::Empty);
            assert_eq!(err(kind, " \t\r\n "), IndicatorError::Empty);
            let long = "a".repeat(MAX_VALUE_CHARS + 1);
            assert_eq!(
                err(kind, &long),
                IndicatorError::TooLong {
                    max: MAX_VALUE_CHARS,
                    got: MAX_VALUE_CHARS + 1
                }
            );
            assert_eq!(
                err(kind, "ab\u{7}c"),
                IndicatorError::ControlCharacter { position: 3 }
            );
            assert_eq!(
                err(kind, "a\nb"),
                IndicatorError::ControlCharacter { position: 2 }
            );
            assert_eq!(
                err(kind, "a\u{85}b"),
                IndicatorError::ControlCharacter { position: 2 }
            );
        }
        assert_eq!(ok(Ipv4, "  1.2.3.4\n"), "1.2.3.4");
        assert_eq!(ok(FileName, "\t evil.exe  "), "evil.exe");
    }

    #[test]
    fn length_limit_counts_characters_not_bytes() {
        // 2048 characters, 6000+ bytes: within the limit.
        let prefix = "http://example.com/";
        let path = "中".repeat(MAX_VALUE_CHARS - prefix.len());
        let url = format!("{prefix}{path}");
        assert_eq!(url.chars().count(), MAX_VALUE_CHARS);
        assert_eq!(ok(Url, &url), url);
        assert_eq!(
            err(Url, &format!("{url}x")),
            IndicatorError::TooLong {
                max: MAX_VALUE_CHARS,
                got: MAX_VALUE_CHARS + 1
            }
        );
    }

    // ---- IPv4 ------------------------------------------------------------

    #[test]
    fn ipv4_accepts() {
        let cases = [
            ("1.2.3.4", "1.2.3.4"),
            ("0.0.0.0", "0.0.0.0"),
            ("255.255.255.255", "255.255.255.255"),
            ("192.168.0.0/16", "192.168.0.0/16"),
            ("10.0.0.0/8", "10.0.0.0/8"),
            ("0.0.0.0/0", "0.0.0.0/0"),
            ("203.0.113.7/32", "203.0.113.7"),
            ("203.0.113.128/25", "203.0.113.128/25"),
            (" 198.51.100.1 ", "198.51.100.1"),
        ];
        for (raw, want) in cases {
            assert_eq!(ok(Ipv4, raw), want, "{raw}");
        }
    }

    #[test]
    fn ipv4_rejects() {
        for raw in [
            "01.2.3.4",
            "1.2.3.04",
            "256.1.1.1",
            "1.2.3",
            "1.2.3.4.5",
            "1. 2.3.4",
            "a.b.c.d",
            "::1",
            "0x7f.0.0.1",
            "1.2.3.4:80",
        ] {
            assert!(
                matches!(err(Ipv4, raw), IndicatorError::InvalidIpv4 { .. }),
                "{raw}"
            );
        }
        assert_eq!(
            err(Ipv4, "01.2.3.4"),
            IndicatorError::InvalidIpv4 {
                value: "01.2.3.4".into()
            }
        );
    }

    #[test]
    fn ipv4_prefixes() {
        for p in ["33", "", "-1", "08", "1.5", "a", "100", "32/1"] {
            let raw = format!("1.2.3.4/{p}");
            assert_eq!(
                err(Ipv4, &raw),
                IndicatorError::InvalidPrefix {
                    kind: Ipv4,
                    max: 32,
                    given: p.into()
                },
                "{raw}"
            );
        }
        assert_eq!(
            err(Ipv4, "1.2.3.5/24"),
            IndicatorError::NotNetworkAddress {
                given: "1.2.3.5/24".into(),
                network: "1.2.3.0/24".into()
            }
        );
        assert_eq!(
            err(Ipv4, "1.2.3.4/0"),
            IndicatorError::NotNetworkAddress {
                given: "1.2.3.4/0".into(),
                network: "0.0.0.0/0".into()
            }
        );
        let m = err(Ipv4, "1.2.3.5/24").message();
        assert!(m.zh().contains("不是網段位址") && m.zh().contains("1.2.3.0/24"));
        assert!(m.en().contains("not a network address") && m.en().contains("1.2.3.0/24"));
        assert!(err(Ipv4, "1.2.3.4/33").message().zh().contains("0 至 32"));
    }

    // ---- IPv6 ------------------------------------------------------------

    #[test]
    fn ipv6_accepts_and_canonicalises() {
        let cases = [
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
            ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("::1", "::1"),
            ("::", "::"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:db8::/32", "2001:db8::/32"),
            ("2001:DB8:0:0::/64", "2001:db8::/64"),
            ("2001:db8::1/128", "2001:db8::1"),
            ("[2001:db8::]/48", "2001:db8::/48"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            ("::/0", "::/0"),
        ];
        for (raw, want) in cases {
            assert_eq!(ok(Ipv6, raw), want, "{raw}");
        }
    }

    #[test]
    fn ipv6_rejects() {
        for raw in [
            "1.2.3.4",
            "2001:db8::1::2",
            "2001:db8:::1",
            "12345::1",
            "gggg::1",
            "[2001:db8::1",
            "[2001:db8::1]x",
            "fe80::1%eth0",
            "1:2:3:4:5:6:7:8:9",
        ] {
            assert!(
                matches!(err(Ipv6, raw), IndicatorError::InvalidIpv6 { .. }),
                "{raw}"
            );
        }
        assert_eq!(
            err(Ipv6, "2001:db8::/129"),
            IndicatorError::InvalidPrefix {
                kind: Ipv6,
                max: 128,
                given: "129".into()
            }
        );
        assert_eq!(
            err(Ipv6, "2001:db8::1/64"),
            IndicatorError::NotNetworkAddress {
                given: "2001:db8::1/64".into(),
                network: "2001:db8::/64".into()
            }
        );
    }

    // ---- domains -----------------------------------------------------------

    #[test]
    fn domain_accepts_and_lowercases() {
        let cases = [
            ("Example.COM.", "example.com"),
            ("example.com", "example.com"),
            ("www.gov.tw", "www.gov.tw"),
            ("a-b.c-d.tw", "a-b.c-d.tw"),
            ("xn--bcher-kva.de", "xn--bcher-kva.de"),
            ("1.2.3.example", "1.2.3.example"),
            ("123.com", "123.com"),
            ("a.b2", "a.b2"),
        ];
        for (raw, want) in cases {
            assert_eq!(ok(Domain, raw), want, "{raw}");
        }
        let label63 = "a".repeat(63);
        assert_eq!(
            ok(Domain, &format!("{label63}.com")),
            format!("{label63}.com")
        );
        // 253 characters exactly: 4 labels of 63 and dots, minus one char.
        let long = format!("{0}.{0}.{0}.{1}", "a".repeat(63), "b".repeat(61));
        assert_eq!(long.len(), 253);
        assert_eq!(ok(Domain, &long), long);
        assert_eq!(ok(Domain, &format!("{long}.")), long);
    }

    #[test]
    fn domain_rejects() {
        assert_eq!(
            err(Domain, "exa_mple.com"),
            IndicatorError::DomainLabelChar {
                label: "exa_mple".into(),
                ch: '_'
            }
        );
        assert_eq!(
            err(Domain, "-a.com"),
            IndicatorError::DomainLabelHyphen { label: "-a".into() }
        );
        assert_eq!(
            err(Domain, "a-.com"),
            IndicatorError::DomainLabelHyphen { label: "a-".into() }
        );
        assert_eq!(
            err(Domain, "bücher.de"),
            IndicatorError::NonAsciiDomain {
                value: "bücher.de".into()
            }
        );
        assert!(err(Domain, "bücher.de").message().en().contains("xn--"));
        assert!(err(Domain, "bücher.de").message().zh().contains("punycode"));
        assert_eq!(
            err(Domain, "localhost"),
            IndicatorError::DomainSingleLabel {
                value: "localhost".into()
            }
        );
        assert_eq!(
            err(Domain, "Localhost."),
            IndicatorError::DomainSingleLabel {
                value: "localhost".into()
            }
        );
        assert_eq!(
            err(Domain, "1.2.3.4"),
            IndicatorError::DomainNumericTld {
                value: "1.2.3.4".into()
            }
        );
        for raw in ["a..com", ".a.com", "a.com..", "."] {
            assert!(
                matches!(err(Domain, raw), IndicatorError::DomainEmptyLabel { .. }),
                "{raw}"
            );
        }
        assert_eq!(
            err(Domain, &format!("{}.com", "a".repeat(64))),
            IndicatorError::DomainLabelTooLong {
                label: "a".repeat(64),
                len: 64
            }
        );
        let too_long = format!("{0}.{0}.{0}.{1}", "a".repeat(63), "b".repeat(62));
        assert_eq!(
            err(Domain, &too_long),
            IndicatorError::DomainTooLong { len: 254 }
        );
        for (raw, ch) in [
            ("exa mple.com", ' '),
            ("example.com/x", '/'),
            ("example.com:80", ':'),
            ("a*.com", '*'),
            ("user@example.com", '@'),
        ] {
            assert!(
                matches!(err(Domain, raw), IndicatorError::DomainLabelChar { ch: c, .. } if c == ch),
                "{raw}"
            );
        }
    }

    // ---- URLs --------------------------------------------------------------

    #[test]
    fn url_accepts_and_canonicalises_scheme_and_host_only() {
        let cases = [
            (
                "HTTP://Example.COM/Path/To?Q=A#Frag",
                "http://example.com/Path/To?Q=A#Frag",
            ),
            ("https://example.com", "https://example.com"),
            ("https://example.com/", "https://example.com/"),
            (
                "ftp://files.example.org/pub/x.bin",
                "ftp://files.example.org/pub/x.bin",
            ),
            ("http://1.2.3.4:8080/a", "http://1.2.3.4:8080/a"),
            ("http://[2001:DB8::1]:443/x", "http://[2001:db8::1]:443/x"),
            ("http://[2001:db8:0:0:0:0:0:1]", "http://[2001:db8::1]"),
            (
                "http://User:Pass@Example.com/",
                "http://User:Pass@example.com/",
            ),
            ("http://example.com:0080/", "http://example.com:80/"),
            ("http://example.com?x=1", "http://example.com?x=1"),
            ("http://example.com#top", "http://example.com#top"),
            (
                "http://example.com/%E4%B8%AD?a='b'",
                "http://example.com/%E4%B8%AD?a='b'",
            ),
            ("http://example.com/路徑", "http://example.com/路徑"),
            ("http://example.com./a", "http://example.com/a"),
        ];
        for (raw, want) in cases {
            assert_eq!(ok(Url, raw), want, "{raw}");
        }
    }

    #[test]
    fn url_rejects() {
        assert_eq!(
            err(Url, "javascript:alert(1)"),
            IndicatorError::UnsupportedScheme {
                scheme: "javascript".into()
            }
        );
        assert_eq!(
            err(Url, "data://text/plain"),
            IndicatorError::UnsupportedScheme {
                scheme: "data".into()
            }
        );
        assert_eq!(err(Url, "example.com/path"), IndicatorError::MissingScheme);
        assert_eq!(
            err(Url, "example.com:8080/x"),
            IndicatorError::MissingScheme
        );
        assert_eq!(err(Url, "http:example.com"), IndicatorError::MissingScheme);
        assert_eq!(err(Url, "://example.com"), IndicatorError::MissingScheme);
        assert_eq!(
            err(Url, "http://exa mple.com/"),
            IndicatorError::UrlWhitespace
        );
        assert_eq!(
            err(Url, "http://example.com/a b"),
            IndicatorError::UrlWhitespace
        );
        assert_eq!(err(Url, "http://"), IndicatorError::UrlMissingHost);
        assert_eq!(err(Url, "http:///path"), IndicatorError::UrlMissingHost);
        assert_eq!(err(Url, "http://user@/x"), IndicatorError::UrlMissingHost);
        assert_eq!(err(Url, "http://:80/x"), IndicatorError::UrlMissingHost);
        for port in ["0", "65536", "", "8a", "-1", "123456"] {
            assert_eq!(
                err(Url, &format!("http://example.com:{port}/")),
                IndicatorError::UrlInvalidPort { port: port.into() },
                "{port}"
            );
        }
        assert_eq!(
            err(Url, "http://[::1]x/"),
            IndicatorError::UrlInvalidPort { port: "x".into() }
        );
        assert!(matches!(
            err(Url, "http://exa_mple.com/"),
            IndicatorError::UrlHost(inner) if matches!(*inner, IndicatorError::DomainLabelChar { ch: '_', .. })
        ));
        assert!(matches!(
            err(Url, "http://256.1.1.1/"),
            IndicatorError::UrlHost(inner) if matches!(*inner, IndicatorError::InvalidIpv4 { .. })
        ));
        assert!(matches!(
            err(Url, "http://[2001:db8::zz]/"),
            IndicatorError::UrlHost(inner) if matches!(*inner, IndicatorError::InvalidIpv6 { .. })
        ));
        assert!(matches!(
            err(Url, "http://[2001:db8::1/"),
            IndicatorError::UrlHost(_)
        ));
        assert!(matches!(
            err(Url, "http://bücher.de/"),
            IndicatorError::UrlHost(inner) if matches!(*inner, IndicatorError::NonAsciiDomain { .. })
        ));
        assert!(matches!(
            err(Url, "http://localhost/"),
            IndicatorError::UrlHost(_)
        ));
        let m = err(Url, "http://exa_mple.com/").message();
        assert!(
            m.zh().starts_with("網址的主機名稱無效：標籤「exa_mple」"),
            "{}",
            m.zh()
        );
        assert!(
            m.en().starts_with("invalid URL host: the label 'exa_mple'"),
            "{}",
            m.en()
        );
    }

    // ---- hashes ------------------------------------------------------------

    #[test]
    fn hashes_accept_and_lowercase() {
        let md5 = "D41D8CD98F00B204E9800998ECF8427E";
        assert_eq!(ok(Md5, md5), md5.to_lowercase());
        let sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
        assert_eq!(ok(Sha1, sha1), sha1);
        let sha256 = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        assert_eq!(ok(Sha256, sha256), sha256.to_lowercase());
        assert_eq!(ok(Sha256, &format!("  {sha256}\t")), sha256.to_lowercase());
    }

    #[test]
    fn hashes_reject_wrong_length_and_non_hex() {
        for kind in [Md5, Sha1, Sha256] {
            let n = kind.hash_len().unwrap();
            for got in [1, n - 1, n + 1, 2 * n] {
                assert_eq!(
                    err(kind, &"a".repeat(got)),
                    IndicatorError::HashLength {
                        kind,
                        expected: n,
                        got
                    }
                );
            }
            let mut bad = "a".repeat(n - 1);
            bad.push('g');
            assert_eq!(
                err(kind, &bad),
                IndicatorError::HashNotHex { kind, ch: 'g' }
            );
            // A SHA-1 given as SHA-256: the length says what went wrong.
            assert!(matches!(
                err(kind, &"0".repeat(if n == 40 { 64 } else { 40 })),
                IndicatorError::HashLength { .. }
            ));
        }
        let m = err(Sha256, &"a".repeat(63)).message();
        assert_eq!(m.zh(), "SHA-256 雜湊值應為 64 個十六進位字元，收到 63 個");
        assert_eq!(
            m.en(),
            "SHA-256 hash must be 64 hexadecimal characters; got 63"
        );
        let m = err(Md5, &format!("{}z", "0".repeat(31))).message();
        assert!(m.zh().contains("「z」") && m.en().contains("'z'"));
        // Characters, not bytes: 32 CJK characters have the right length.
        assert_eq!(
            err(Md5, &"中".repeat(32)),
            IndicatorError::HashNotHex {
                kind: Md5,
                ch: '中'
            }
        );
    }

    // ---- email -------------------------------------------------------------

    #[test]
    fn email_accepts() {
        let cases = [
            ("alice@example.com", "alice@example.com"),
            (
                "Alice.Smith+tag@Mail.Example.COM",
                "Alice.Smith+tag@mail.example.com",
            ),
            ("x@a.tw.", "x@a.tw"),
            ("\"quoted\"@example.com", "\"quoted\"@example.com"),
            ("王小明@example.com", "王小明@example.com"),
        ];
        for (raw, want) in cases {
            assert_eq!(ok(Email, raw), want, "{raw}");
        }
        let local = "a".repeat(64);
        assert_eq!(
            ok(Email, &format!("{local}@example.com")),
            format!("{local}@example.com")
        );
    }

    #[test]
    fn email_rejects() {
        assert_eq!(
            err(Email, "alice.example.com"),
            IndicatorError::EmailAtSign { count: 0 }
        );
        assert_eq!(
            err(Email, "a@b@example.com"),
            IndicatorError::EmailAtSign { count: 2 }
        );
        assert_eq!(err(Email, "@example.com"), IndicatorError::EmailLocalEmpty);
        assert_eq!(err(Email, "alice@"), IndicatorError::EmailMissingDomain);
        assert_eq!(
            err(Email, &format!("{}@example.com", "a".repeat(65))),
            IndicatorError::EmailLocalTooLong { len: 65 }
        );
        assert_eq!(
            err(Email, "al ice@example.com"),
            IndicatorError::EmailLocalWhitespace
        );
        assert!(matches!(
            err(Email, "alice@localhost"),
            IndicatorError::EmailDomain(inner) if matches!(*inner, IndicatorError::DomainSingleLabel { .. })
        ));
        assert!(matches!(
            err(Email, "alice@exa_mple.com"),
            IndicatorError::EmailDomain(_)
        ));
        assert!(matches!(
            err(Email, "alice@[1.2.3.4]"),
            IndicatorError::EmailDomain(_)
        ));
        assert!(err(Email, "alice@bücher.de")
            .message()
            .zh()
            .starts_with("電子郵件地址的網域無效"));
    }

    // ---- file names --------------------------------------------------------

    #[test]
    fn file_name_accepts_as_typed() {
        for raw in [
            "evil.exe",
            "Invoice.PDF.exe",
            "報價單.docx.exe",
            "it's here.txt",
            "a'b\"c.dll",
            "..hidden",
            "...",
            "a b",
            "\u{202e}fdp.exe",
        ] {
            assert_eq!(ok(FileName, raw), raw, "{raw}");
        }
        let max = "a".repeat(255);
        assert_eq!(ok(FileName, &max), max);
    }

    #[test]
    fn file_name_rejects() {
        assert_eq!(
            err(FileName, "C:\\Windows\\evil.exe"),
            IndicatorError::FileNameSeparator { ch: '\\' }
        );
        assert_eq!(
            err(FileName, "/tmp/evil"),
            IndicatorError::FileNameSeparator { ch: '/' }
        );
        assert_eq!(err(FileName, "."), IndicatorError::FileNameDots);
        assert_eq!(err(FileName, ".."), IndicatorError::FileNameDots);
        assert_eq!(
            err(FileName, &"a".repeat(256)),
            IndicatorError::FileNameTooLong { bytes: 256 }
        );
        // 86 CJK characters are 258 bytes.
        assert_eq!(
            err(FileName, &"檔".repeat(86)),
            IndicatorError::FileNameTooLong { bytes: 258 }
        );
        assert_eq!(
            err(FileName, "a\u{0}b"),
            IndicatorError::ControlCharacter { position: 2 }
        );
    }

    #[test]
    fn every_error_has_both_languages() {
        let errors = [
            err(Ipv4, ""),
            err(Ipv4, &"1".repeat(3000)),
            err(Ipv4, "a\u{1}"),
            err(Ipv4, "1.2.3"),
            err(Ipv6, "x"),
            err(Ipv4, "1.2.3.4/99"),
            err(Ipv4, "1.2.3.4/8"),
            err(Domain, "ä.de"),
            err(Domain, &format!("{0}.{0}.{0}.{0}.{0}.com", "a".repeat(60))),
            err(Domain, "a..b"),
            err(Domain, &format!("{}.b", "a".repeat(70))),
            err(Domain, "a_b.c"),
            err(Domain, "a-.b"),
            err(Domain, "ab"),
            err(Domain, "a.1"),
            err(Url, "http://a b"),
            err(Url, "x"),
            err(Url, "gopher://x.y"),
            err(Url, "http://"),
            err(Url, "http://a.b:0"),
            err(Url, "http://a_b.c"),
            err(Md5, "a"),
            err(Md5, &"x".repeat(32)),
            err(Email, "a"),
            err(Email, "@a.b"),
            err(Email, &format!("{}@a.b", "a".repeat(70))),
            err(Email, "a b@a.b"),
            err(Email, "a@"),
            err(Email, "a@b"),
            err(FileName, "a/b"),
            err(FileName, &"a".repeat(300)),
            err(FileName, ".."),
        ];
        let mut zh_seen = std::collections::HashSet::new();
        for e in &errors {
            let m = e.message();
            assert!(!m.zh().is_empty() && !m.en().is_empty(), "{e:?}");
            // The English is what the error says of itself, with the kind named as people
            // read it ("MD5 hash", not "md5").
            let display = match e {
                IndicatorError::InvalidPrefix { kind, .. }
                | IndicatorError::HashLength { kind, .. }
                | IndicatorError::HashNotHex { kind, .. } => {
                    e.to_string().replacen(kind.as_str(), &kind.label().en(), 1)
                }
                _ => e.to_string(),
            };
            assert_eq!(m.en(), display);
            assert!(
                m.zh()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "no Chinese in {}",
                m.zh()
            );
            zh_seen.insert(std::mem::discriminant(e));
        }
        // One example per variant.
        assert_eq!(zh_seen.len(), errors.len());
    }

    proptest! {
        #[test]
        fn normalise_is_idempotent(kind in prop::sample::select(IndicatorType::ALL.to_vec()), raw in ".{0,80}") {
            if let Ok(v) = normalise(kind, &raw) {
                prop_assert_eq!(normalise(kind, &v), Ok(v.clone()));
            }
        }

        #[test]
        fn ipv4_round_trips_every_address(bits in any::<u32>()) {
            let a = Ipv4Addr::from(bits);
            prop_assert_eq!(normalise(Ipv4, &a.to_string()), Ok(a.to_string()));
        }

        #[test]
        fn ipv6_round_trips_every_address(bits in any::<u128>()) {
            let a = Ipv6Addr::from(bits);
            let full = a.segments().map(|s| format!("{s:04X}")).join(":");
            prop_assert_eq!(normalise(Ipv6, &full), Ok(a.to_string()));
        }
    }

    // ---- dates -------------------------------------------------------------

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-01-05"), Some(utc(2026, 1, 5, 0, 0, 0)));
        assert_eq!(
            parse_date("2026-01-05T08:00:00+08:00"),
            Some(utc(2026, 1, 5, 0, 0, 0))
        );
        assert_eq!(
            parse_date("2026-01-05T08:00:00Z"),
            Some(utc(2026, 1, 5, 8, 0, 0))
        );
        for bad in [
            "2026-1-5",
            "2026-02-30",
            "05/01/2026",
            "2026-01-05T08:00:00",
            "yesterday",
            "20260105",
            "+2026-01-05",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    // ---- CSV ---------------------------------------------------------------

    fn cand(kind: IndicatorType, value: &str) -> Candidate {
        Candidate {
            kind,
            value: value.into(),
            note: None,
            first_seen: None,
            last_seen: None,
            tlp: Tlp::DEFAULT,
        }
    }

    fn skipped_at(r: &ImportReport) -> Vec<&str> {
        r.skipped.iter().map(|s| s.at.as_str()).collect()
    }

    #[test]
    fn csv_basic_import() {
        let text = "type,value,note,first_seen,last_seen\n\
                    ipv4,1.2.3.4,C2 server,2026-01-05,2026-01-06T10:00:00+08:00\n\
                    domain,Evil.Example.COM.,,,\n\
                    sha256,E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855,  empty file  ,,\n";
        let r = parse_csv(text);
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
        assert_eq!(
            r.accepted,
            vec![
                Candidate {
                    note: Some("C2 server".into()),
                    first_seen: Some(utc(2026, 1, 5, 0, 0, 0)),
                    last_seen: Some(utc(2026, 1, 6, 2, 0, 0)),
                    ..cand(Ipv4, "1.2.3.4")
                },
                cand(Domain, "evil.example.com"),
                Candidate {
                    note: Some("empty file".into()),
                    ..cand(
                        Sha256,
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                    )
                },
            ]
        );
    }

    #[test]
    fn csv_header_any_order_and_case_with_extra_columns() {
        let text = "Note , VALUE,id,TYPE\r\nhello,evil.exe,7,filename\r\n";
        let r = parse_csv(text);
        assert_eq!(
            r.accepted,
            vec![Candidate {
                note: Some("hello".into()),
                ..cand(FileName, "evil.exe")
            }]
        );
        assert!(r.skipped.is_empty());
    }

    #[test]
    fn csv_quoting() {
        let text = "type,value,note\n\
                    url,\"http://example.com/a,b?c=\"\"d\"\"\",\"line one\nline two\"\n\
                    file_name,\"it's \"\"here\"\".exe\",\n\
                    md5, \"D41D8CD98F00B204E9800998ECF8427E\" ,\"\"\n\
                    file_name,5\" disk.img,stray quote kept\n";
        let r = parse_csv(text);
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
        assert_eq!(
            r.accepted,
            vec![
                Candidate {
                    note: Some("line one\nline two".into()),
                    ..cand(Url, "http://example.com/a,b?c=\"d\"")
                },
                cand(FileName, "it's \"here\".exe"),
                cand(Md5, "d41d8cd98f00b204e9800998ecf8427e"),
                Candidate {
                    note: Some("stray quote kept".into()),
                    ..cand(FileName, "5\" disk.img")
                },
            ]
        );
    }

    #[test]
    fn csv_line_numbers_count_physical_lines() {
        let text = "\n\
                    type,value,note\n\
                    ipv4,1.2.3.4,\"a\nb\nc\"\n\
                    \n\
                    ipv4,256.0.0.1,\n\
                    ,,\n\
                    ipv4,01.2.3.4,\n";
        let r = parse_csv(text);
        assert_eq!(r.accepted.len(), 1);
        assert_eq!(skipped_at(&r), vec!["line 7", "line 9"]);
        assert!(r.skipped[0].reason.zh().contains("256.0.0.1"));
    }

    #[test]
    fn csv_bom_is_ignored() {
        let r = parse_csv("\u{feff}type,value\nipv4,1.2.3.4\n");
        assert_eq!(r.accepted, vec![cand(Ipv4, "1.2.3.4")]);
        assert!(r.skipped.is_empty());
    }

    #[test]
    fn csv_missing_header_columns() {
        for text in [
            "kind,value\nipv4,1.2.3.4\n",
            "type,val\nipv4,1.2.3.4\n",
            "ipv4,1.2.3.4\nipv4,5.6.7.8\n",
        ] {
            let r = parse_csv(text);
            assert!(r.accepted.is_empty(), "{text}");
            assert_eq!(r.skipped.len(), 1, "{text}");
            assert_eq!(r.skipped[0].at, "line 1");
            assert!(r.skipped[0].reason.zh().contains("type 與 value"));
            assert!(r.skipped[0].reason.en().contains("type and value"));
        }
        let r = parse_csv("\n\n  \nfoo,bar\n");
        assert_eq!(skipped_at(&r), vec!["line 4"]);
        assert!(r.skipped[0].reason.en().contains("found: foo, bar"));
    }

    #[test]
    fn csv_empty_input() {
        for text in ["", "\u{feff}", "\n\r\n  \n"] {
            let r = parse_csv(text);
            assert!(r.accepted.is_empty());
            assert_eq!(r.skipped.len(), 1);
            assert!(r.skipped[0].reason.en().contains("empty"));
        }
    }

    #[test]
    fn csv_duplicates_keep_the_first() {
        let text = "type,value,note\n\
                    domain,example.com,first\n\
                    domain,EXAMPLE.com.,second\n\
                    url,http://example.com,different type\n\
                    ipv4,1.2.3.4/32,\n\
                    ipv4-addr,1.2.3.4,\n";
        let r = parse_csv(text);
        assert_eq!(r.accepted.len(), 3);
        assert_eq!(r.accepted[0].note.as_deref(), Some("first"));
        assert_eq!(skipped_at(&r), vec!["line 3", "line 6"]);
        assert!(r.skipped[0].reason.zh().contains("第 2 行"));
        assert!(r.skipped[0].reason.en().contains("duplicate of line 2"));
        assert!(r.skipped[1].reason.en().contains("duplicate of line 5"));
    }

    #[test]
    fn csv_row_errors() {
        let text = "type,value,note,first_seen,last_seen\n\
                    ,1.2.3.4,,,\n\
                    ipv5,1.2.3.4,,,\n\
                    ipv4,,,,\n\
                    sha256,abc,,,\n\
                    ipv4,1.2.3.4,,2026-13-01,\n\
                    ipv4,1.2.3.5,,,05/01/2026\n\
                    ipv4,1.2.3.6,,2026-01-06,2026-01-05\n\
                    ipv4,1.2.3.7\n";
        let r = parse_csv(text);
        assert_eq!(r.accepted, vec![cand(Ipv4, "1.2.3.7")]);
        assert_eq!(
            skipped_at(&r),
            vec!["line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8"]
        );
        let reasons: Vec<&Text> = r.skipped.iter().map(|s| &s.reason).collect();
        assert!(reasons[0].en().contains("type column is empty"));
        assert!(reasons[1].en().contains("unknown indicator type 'ipv5'"));
        assert!(reasons[1].zh().contains("file_name"));
        assert_eq!(reasons[2], &IndicatorError::Empty.message());
        assert_eq!(
            reasons[3].zh(),
            "SHA-256 雜湊值應為 64 個十六進位字元，收到 3 個"
        );
        assert!(reasons[4]
            .en()
            .contains("'2026-13-01' in the first_seen column"));
        assert!(reasons[5].zh().contains("last_seen 欄位的「05/01/2026」"));
        assert!(reasons[6].en().contains("earlier than first_seen"));
    }

    #[test]
    fn csv_note_limit() {
        let ok_note = "n".repeat(MAX_NOTE_CHARS);
        let long_note = "n".repeat(MAX_NOTE_CHARS + 1);
        let text = format!("type,value,note\nipv4,1.2.3.4,{ok_note}\nipv4,1.2.3.5,{long_note}\n");
        let r = parse_csv(&text);
        assert_eq!(r.accepted.len(), 1);
        assert_eq!(r.accepted[0].note.as_deref(), Some(ok_note.as_str()));
        assert_eq!(skipped_at(&r), vec!["line 3"]);
        assert!(r.skipped[0].reason.en().contains("2001 characters"));
    }

    #[test]
    fn csv_quote_problems() {
        let r = parse_csv("type,value\nipv4,\"1.2.3.4\"x,\nipv4,5.6.7.8\n");
        assert_eq!(r.accepted, vec![cand(Ipv4, "5.6.7.8")]);
        assert_eq!(skipped_at(&r), vec!["line 2"]);
        assert!(r.skipped[0].reason.en().contains("after the closing quote"));

        let r = parse_csv("type,value\nipv4,1.2.3.4\nipv4,\"5.6.7.8\nipv4,9.9.9.9\n");
        assert_eq!(r.accepted, vec![cand(Ipv4, "1.2.3.4")]);
        assert_eq!(skipped_at(&r), vec!["line 3"]);
        assert!(r.skipped[0].reason.en().contains("unterminated"));
        assert!(r.skipped[0].reason.zh().contains("引號未閉合"));

        // A broken header is a broken header.
        let r = parse_csv("\"type,value\nipv4,1.2.3.4\n");
        assert!(r.accepted.is_empty());
        assert_eq!(r.skipped.len(), 1);
    }

    #[test]
    fn csv_without_final_newline_and_crlf() {
        let r = parse_csv("type,value\r\nipv4,1.2.3.4\r\nipv6,::1");
        assert_eq!(r.accepted, vec![cand(Ipv4, "1.2.3.4"), cand(Ipv6, "::1")]);
    }

    #[test]
    fn csv_records_split() {
        let recs = csv_records("a,b\r\n\"c\r\nd\",e\n,\n");
        assert_eq!(
            recs,
            vec![
                Record {
                    line: 1,
                    fields: vec!["a".into(), "b".into()],
                    problem: None
                },
                Record {
                    line: 2,
                    fields: vec!["c\r\nd".into(), "e".into()],
                    problem: None
                },
                Record {
                    line: 4,
                    fields: vec!["".into(), "".into()],
                    problem: None
                },
            ]
        );
    }

    #[test]
    fn import_report_serializes() {
        let r = parse_csv("type,value\nipv4,1.2.3.4\nipv4,x\n");
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["accepted"][0]["kind"], "ipv4");
        assert_eq!(v["accepted"][0]["value"], "1.2.3.4");
        assert_eq!(v["accepted"][0]["note"], serde_json::Value::Null);
        assert_eq!(v["skipped"][0]["at"], "line 3");
        assert!(v["skipped"][0]["reason"]["zh"].is_string());
        assert!(v["skipped"][0]["reason"]["en"].is_string());
    }

    proptest! {
        #[test]
        fn csv_never_panics(text in "(?s).{0,200}") {
            let _ = parse_csv(&text);
        }

        #[test]
        fn csv_quoted_file_names_round_trip(name in "[^/\\\\\\p{Cc}]{1,40}") {
            let expected = normalise(FileName, &name);
            let quoted = format!("\"{}\"", name.replace('"', "\"\""));
            let r = parse_csv(&format!("type,value\nfile_name,{quoted}\n"));
            match expected {
                Ok(v) => prop_assert_eq!(r.accepted, vec![cand(FileName, &v)]),
                Err(e) => prop_assert_eq!(r.skipped[0].reason.clone(), e.message()),
            }
        }
    }
}
