//! STIX 2.1 export and import of indicators of compromise, and a parser for
//! the STIX patterning language.
//!
//! Why STIX: it is what TWCERT/CC, the N-ISAC and most commercial threat
//! intelligence platforms exchange, so an agency's indicators can be shared
//! upward without retyping, and a feed received from them can be imported.
//!
//! Export is deterministic: object ids are UUID v5 of fixed inputs under
//! [`NAMESPACE`], indicators are sorted, and the JSON field order is fixed by
//! `#[derive(Serialize)]` structs. Exporting the same indicators twice gives
//! the same bytes, so a receiver deduplicates by id and a re-export is not
//! mistaken for new intelligence.
//!
//! Import only takes what the portal can store: each `=` comparison of a
//! pattern on one of the paths [`pattern_for`] writes. Everything else in a
//! pattern (process names, registry keys, time windows) is parsed — so a
//! malformed pattern is reported as such — but not imported; the report says
//! so per object.
//!
//! The pattern grammar follows the STIX 2.1 specification (part 9) and its
//! reference ANTLR grammar: observation expressions in `[...]` or `(...)`,
//! qualifiers binding tightest, then `AND`, `OR`, `FOLLOWEDBY` (lowest); inside
//! brackets comparisons joined by `AND` (tighter) and `OR`.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use thiserror::Error;
use uuid::Uuid;

use super::indicators::{
    clean_note, normalise, Candidate, Collector, ImportReport, IndicatorType, Source,
    MAX_NOTE_CHARS,
};
use super::tlp::{self, Tlp};
use crate::i18n::{Lang, Text};

/// The namespace of every UUID v5 this portal mints for STIX objects.
/// Never change it: every exported id would change, and receivers would see
/// all indicators as new ones.
pub const NAMESPACE: Uuid = Uuid::from_u128(0x5c1f_0d3e_8a4b_4e27_9b6d_2f7a_c31e_8d40);

/// Upper-case keywords of the patterning language (case-sensitive).
const KEYWORDS: [&str; 16] = [
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUPERSET",
    "ISSUBSET",
    "EXISTS",
    "IN",
    "START",
    "STOP",
    "SECONDS",
    "WITHIN",
    "REPEATS",
    "TIMES",
];

/// Patterns come from outside; a bound on nesting keeps a hostile one from
/// exhausting the stack of the recursive-descent parser.
const MAX_DEPTH: usize = 64;

// ---------------------------------------------------------------------------
// Pattern AST
// ---------------------------------------------------------------------------

/// A parsed STIX pattern: observation expressions and how they combine.
#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    /// `[ comparison-expression ]`.
    Observation(ComparisonExpr),
    /// Two or more operands of one `AND` chain (parentheses start a new node).
    And(Vec<Pattern>),
    Or(Vec<Pattern>),
    FollowedBy(Vec<Pattern>),
    /// An observation expression with one qualifier; several qualifiers nest,
    /// the innermost being the first written.
    Qualified {
        inner: Box<Pattern>,
        qualifier: Qualifier,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS` (n > 0).
    Within { seconds: f64 },
    /// `REPEATS n TIMES` (n > 0).
    Repeats { times: u64 },
    /// `START t'…' STOP t'…'` (stop later than start).
    StartStop {
        start: DateTime<Utc>,
        stop: DateTime<Utc>,
    },
}

/// The inside of an observation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    Comparison(Comparison),
    And(Vec<ComparisonExpr>),
    Or(Vec<ComparisonExpr>),
}

/// `path [NOT] op value`, or `EXISTS path` (never negated).
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub path: ObjectPath,
    pub negated: bool,
    pub op: Operator,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operator {
    Eq(Literal),
    Ne(Literal),
    Lt(Literal),
    Le(Literal),
    Gt(Literal),
    Ge(Literal),
    In(Vec<Literal>),
    Like(String),
    Matches(String),
    IsSubset(String),
    IsSuperset(String),
    Exists,
}

/// `object-type:property` followed by steps, e.g.
/// `file:extensions.'windows-pebinary-ext'.sections[*].entropy` has type
/// `file`, property `extensions` and steps `Key("windows-pebinary-ext")`,
/// `Key("sections")`, `AnyIndex`, `Key("entropy")`. Quoted and bare keys are
/// the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPath {
    pub object_type: String,
    pub property: String,
    pub steps: Vec<PathStep>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(i64),
    AnyIndex,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// Unescaped content of `'…'`.
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// `t'2016-01-01T00:00:00Z'`.
    Timestamp(DateTime<Utc>),
    /// Decoded bytes of `h'…'`.
    Hex(Vec<u8>),
    /// Decoded bytes of `b'…'` (standard base64).
    Binary(Vec<u8>),
}

impl Pattern {
    /// Every comparison in the pattern, in the order written.
    pub fn comparisons(&self) -> Vec<&Comparison> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Comparison>) {
        match self {
            Pattern::Observation(e) => e.collect(out),
            Pattern::And(v) | Pattern::Or(v) | Pattern::FollowedBy(v) => {
                for p in v {
                    p.collect(out);
                }
            }
            Pattern::Qualified { inner, .. } => inner.collect(out),
        }
    }

    fn is_compound(&self) -> bool {
        matches!(
            self,
            Pattern::And(_) | Pattern::Or(_) | Pattern::FollowedBy(_)
        )
    }
}

impl ComparisonExpr {
    /// Every comparison in the expression, in the order written.
    pub fn comparisons(&self) -> Vec<&Comparison> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a Comparison>) {
        match self {
            ComparisonExpr::Comparison(c) => out.push(c),
            ComparisonExpr::And(v) | ComparisonExpr::Or(v) => {
                for e in v {
                    e.collect(out);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Display: a canonical pattern text that parses back to the same AST.
// ---------------------------------------------------------------------------

/// `'…'` with `\` and `'` escaped, the only two escapes STIX allows.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn path_key(s: &str) -> String {
    if is_identifier(s) {
        s.to_owned()
    } else {
        quote(s)
    }
}

fn join<T: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    items: &[T],
    sep: &str,
    wrap: impl Fn(&T) -> bool,
) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        if wrap(item) {
            write!(f, "({item})")?;
        } else {
            write!(f, "{item}")?;
        }
    }
    Ok(())
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pattern::Observation(e) => write!(f, "[{e}]"),
            Pattern::And(v) => join(f, v, " AND ", Pattern::is_compound),
            Pattern::Or(v) => join(f, v, " OR ", Pattern::is_compound),
            Pattern::FollowedBy(v) => join(f, v, " FOLLOWEDBY ", Pattern::is_compound),
            Pattern::Qualified { inner, qualifier } => {
                if inner.is_compound() {
                    write!(f, "({inner}) {qualifier}")
                } else {
                    write!(f, "{inner} {qualifier}")
                }
            }
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within { seconds } => {
                if seconds.fract() == 0.0 && *seconds < 1e15 {
                    write!(f, "WITHIN {} SECONDS", *seconds as u64)
                } else {
                    write!(f, "WITHIN {seconds} SECONDS")
                }
            }
            Qualifier::Repeats { times } => write!(f, "REPEATS {times} TIMES"),
            Qualifier::StartStop { start, stop } => write!(
                f,
                "START {} STOP {}",
                Literal::Timestamp(*start),
                Literal::Timestamp(*stop)
            ),
        }
    }
}

impl fmt::Display for ComparisonExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let compound = |e: &ComparisonExpr| !matches!(e, ComparisonExpr::Comparison(_));
        match self {
            ComparisonExpr::Comparison(c) => write!(f, "{c}"),
            ComparisonExpr::And(v) => join(f, v, " AND ", compound),
            ComparisonExpr::Or(v) => join(f, v, " OR ", compound),
        }
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.op == Operator::Exists {
            return write!(f, "EXISTS {}", self.path);
        }
        write!(f, "{} ", self.path)?;
        if self.negated {
            f.write_str("NOT ")?;
        }
        match &self.op {
            Operator::Eq(l) => write!(f, "= {l}"),
            Operator::Ne(l) => write!(f, "!= {l}"),
            Operator::Lt(l) => write!(f, "< {l}"),
            Operator::Le(l) => write!(f, "<= {l}"),
            Operator::Gt(l) => write!(f, "> {l}"),
            Operator::Ge(l) => write!(f, ">= {l}"),
            Operator::In(v) => {
                f.write_str("IN (")?;
                join(f, v, ", ", |_| false)?;
                f.write_str(")")
            }
            Operator::Like(s) => write!(f, "LIKE {}", quote(s)),
            Operator::Matches(s) => write!(f, "MATCHES {}", quote(s)),
            Operator::IsSubset(s) => write!(f, "ISSUBSET {}", quote(s)),
            Operator::IsSuperset(s) => write!(f, "ISSUPERSET {}", quote(s)),
            Operator::Exists => Ok(()),
        }
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.object_type, path_key(&self.property))?;
        for step in &self.steps {
            match step {
                PathStep::Key(k) => write!(f, ".{}", path_key(k))?,
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Str(s) => f.write_str(&quote(s)),
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Float(x) => {
                // Rust never prints floats in exponent form; STIX needs a point.
                let s = x.to_string();
                if s.contains('.') {
                    f.write_str(&s)
                } else {
                    write!(f, "{s}.0")
                }
            }
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Timestamp(t) => {
                write!(f, "t'{}'", t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            }
            Literal::Hex(b) => write!(f, "h'{}'", hex::encode(b)),
            Literal::Binary(b) => write!(f, "b'{}'", base64_encode(b)),
        }
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
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
                out.push(BASE64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 in whole groups of four, `=` padding only at the end, as
/// the STIX grammar's binary literal requires; `None` otherwise.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return None;
    }
    let pad = b.iter().rev().take_while(|c| **c == b'=').count();
    if pad > 2 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in &b[..b.len() - pad] {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

/// Why a pattern does not parse. `position` is the 0-based offset, in
/// characters, of the problem in the pattern text.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid STIX pattern at offset {position} ({})", .message.catalog_key())]
pub struct PatternError {
    pub position: usize,
    pub message: Text,
}

type PResult<T> = Result<T, PatternError>;

/// Parses a STIX 2.1 pattern. Keywords are case-sensitive upper case, as the
/// specification says; whitespace may separate any two tokens except inside
/// an object path.
pub fn parse_pattern(s: &str) -> Result<Pattern, PatternError> {
    let mut p = Parser {
        chars: s.chars().collect(),
        pos: 0,
        depth: 0,
    };
    p.pattern()
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, k: usize) -> Option<char> {
        self.chars.get(self.pos + k).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn fail<T>(&self, at: usize, message: Text) -> PResult<T> {
        Err(PatternError {
            position: at,
            message,
        })
    }

    /// The run of `[A-Za-z0-9_]` at the cursor.
    fn word(&self) -> String {
        self.chars[self.pos.min(self.chars.len())..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
            .collect()
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        self.skip_ws();
        if self.word() == keyword {
            self.pos += keyword.len();
            true
        } else {
            false
        }
    }

    /// What is at the cursor, for "found …" in messages.
    fn found(&self) -> Text {
        let w = self.word();
        match self.peek() {
            None => Text::key("stix.found.end"),
            Some(_) if !w.is_empty() => Text::key("stix.token").with("token", w),
            Some(c) => Text::key("stix.token").with("token", c.to_string()),
        }
    }

    /// "Expected X, found Y" — or, when Y is a keyword in the wrong case,
    /// the hint people need (`and` for `AND`).
    fn unexpected<T>(&self, expected: Text) -> PResult<T> {
        let w = self.word();
        let upper = w.to_ascii_uppercase();
        if !w.is_empty() && w != upper && KEYWORDS.contains(&upper.as_str()) {
            return self.fail(
                self.pos,
                Text::key("stix.pattern.keyword_case")
                    .with("upper", upper)
                    .with("word", w),
            );
        }
        self.fail(
            self.pos,
            Text::key("stix.pattern.unexpected")
                .with("expected", expected)
                .with("found", self.found()),
        )
    }

    fn enter(&mut self, at: usize) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.fail(
                at,
                Text::key("stix.pattern.too_deep").with("max", MAX_DEPTH),
            );
        }
        Ok(())
    }

    fn close(&mut self, c: char, expected: Text) -> PResult<()> {
        self.skip_ws();
        if self.peek() != Some(c) {
            return self.unexpected(expected);
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(())
    }

    fn pattern(&mut self) -> PResult<Pattern> {
        self.skip_ws();
        if self.peek().is_none() {
            return self.fail(self.pos, Text::key("stix.pattern.empty"));
        }
        let p = self.followed_by()?;
        self.skip_ws();
        match self.peek() {
            None => Ok(p),
            Some(']') => self.fail(self.pos, Text::key("stix.pattern.unmatched_bracket")),
            Some(')') => self.fail(self.pos, Text::key("stix.pattern.unmatched_parenthesis")),
            Some(_) => self.unexpected(Text::key("stix.expected.end_or_operator")),
        }
    }

    fn followed_by(&mut self) -> PResult<Pattern> {
        let mut items = vec![self.obs_or()?];
        while self.eat_keyword("FOLLOWEDBY") {
            items.push(self.obs_or()?);
        }
        Ok(collapse(items, Pattern::FollowedBy))
    }

    fn obs_or(&mut self) -> PResult<Pattern> {
        let mut items = vec![self.obs_and()?];
        while self.eat_keyword("OR") {
            items.push(self.obs_and()?);
        }
        Ok(collapse(items, Pattern::Or))
    }

    fn obs_and(&mut self) -> PResult<Pattern> {
        let mut items = vec![self.qualified()?];
        while self.eat_keyword("AND") {
            items.push(self.qualified()?);
        }
        Ok(collapse(items, Pattern::And))
    }

    fn qualified(&mut self) -> PResult<Pattern> {
        let mut p = self.obs_primary()?;
        loop {
            let qualifier = if self.eat_keyword("WITHIN") {
                self.within()?
            } else if self.eat_keyword("REPEATS") {
                self.repeats()?
            } else if self.eat_keyword("START") {
                self.start_stop()?
            } else {
                return Ok(p);
            };
            p = Pattern::Qualified {
                inner: Box::new(p),
                qualifier,
            };
        }
    }

    fn obs_primary(&mut self) -> PResult<Pattern> {
        self.skip_ws();
        let open = self.pos;
        match self.peek() {
            Some('[') => {
                self.pos += 1;
                self.enter(open)?;
                let e = self.comp_or()?;
                self.close(']', Text::key("stix.expected.close_observation"))?;
                Ok(Pattern::Observation(e))
            }
            Some('(') => {
                self.pos += 1;
                self.enter(open)?;
                let p = self.followed_by()?;
                self.close(')', token(")"))?;
                Ok(p)
            }
            _ => self.unexpected(Text::key("stix.expected.observation")),
        }
    }

    fn within(&mut self) -> PResult<Qualifier> {
        self.skip_ws();
        let at = self.pos;
        if !self.at_number() {
            return self.unexpected(Text::key("stix.expected.within_seconds"));
        }
        let seconds = match self.number()? {
            Literal::Int(n) if n > 0 => n as f64,
            Literal::Float(x) if x > 0.0 => x,
            _ => return self.fail(at, Text::key("stix.pattern.within_not_positive")),
        };
        if !self.eat_keyword("SECONDS") {
            return self.unexpected(token("SECONDS"));
        }
        Ok(Qualifier::Within { seconds })
    }

    fn repeats(&mut self) -> PResult<Qualifier> {
        self.skip_ws();
        let at = self.pos;
        if !self.at_number() {
            return self.unexpected(Text::key("stix.expected.repeats_count"));
        }
        let times = match self.number()? {
            Literal::Int(n) if n > 0 => n as u64,
            _ => return self.fail(at, Text::key("stix.pattern.repeats_not_positive")),
        };
        if !self.eat_keyword("TIMES") {
            return self.unexpected(token("TIMES"));
        }
        Ok(Qualifier::Repeats { times })
    }

    fn start_stop(&mut self) -> PResult<Qualifier> {
        let start = self.qualifier_time("START")?;
        if !self.eat_keyword("STOP") {
            return self.unexpected(token("STOP"));
        }
        self.skip_ws();
        let at = self.pos;
        let stop = self.qualifier_time("STOP")?;
        if stop <= start {
            return self.fail(at, Text::key("stix.pattern.stop_not_after_start"));
        }
        Ok(Qualifier::StartStop { start, stop })
    }

    fn qualifier_time(&mut self, keyword: &str) -> PResult<DateTime<Utc>> {
        self.skip_ws();
        if self.peek() == Some('t') && self.peek_at(1) == Some('\'') {
            self.timestamp_literal()
        } else {
            self.unexpected(Text::key("stix.expected.timestamp_after").with("keyword", keyword))
        }
    }

    fn comp_or(&mut self) -> PResult<ComparisonExpr> {
        let mut items = vec![self.comp_and()?];
        while self.eat_keyword("OR") {
            items.push(self.comp_and()?);
        }
        Ok(collapse(items, ComparisonExpr::Or))
    }

    fn comp_and(&mut self) -> PResult<ComparisonExpr> {
        let mut items = vec![self.comp_primary()?];
        while self.eat_keyword("AND") {
            items.push(self.comp_primary()?);
        }
        Ok(collapse(items, ComparisonExpr::And))
    }

    fn comp_primary(&mut self) -> PResult<ComparisonExpr> {
        self.skip_ws();
        if self.peek() == Some('(') {
            let open = self.pos;
            self.pos += 1;
            self.enter(open)?;
            let e = self.comp_or()?;
            self.close(')', token(")"))?;
            return Ok(e);
        }
        if self.eat_keyword("EXISTS") {
            self.skip_ws();
            let path = self.object_path()?;
            return Ok(ComparisonExpr::Comparison(Comparison {
                path,
                negated: false,
                op: Operator::Exists,
            }));
        }
        let path = self.object_path()?;
        let negated = self.eat_keyword("NOT");
        let op = self.operator()?;
        Ok(ComparisonExpr::Comparison(Comparison { path, negated, op }))
    }

    fn object_path(&mut self) -> PResult<ObjectPath> {
        self.skip_ws();
        let start = self.pos;
        let ty: String = self.chars[self.pos..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == '-' || **c == '_')
            .collect();
        if ty.is_empty() {
            return self.unexpected(Text::key("stix.expected.comparison"));
        }
        let valid = ty
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !ty.starts_with('-')
            && !ty.ends_with('-');
        if !valid {
            if KEYWORDS.contains(&ty.as_str()) {
                return self.unexpected(Text::key("stix.expected.object_path"));
            }
            return self.fail(
                start,
                Text::key("stix.pattern.object_type").with("type", ty),
            );
        }
        self.pos += ty.len();
        if self.peek() != Some(':') {
            return self.unexpected(Text::key("stix.expected.colon_after_type").with("type", ty));
        }
        self.pos += 1;
        let property = self.path_component(":")?;
        let mut steps = Vec::new();
        loop {
            match self.peek() {
                Some('.') => {
                    self.pos += 1;
                    let key = self.path_component(".")?;
                    steps.push(PathStep::Key(key));
                }
                Some('[') => {
                    self.pos += 1;
                    steps.push(self.index_step()?);
                }
                _ => break,
            }
        }
        Ok(ObjectPath {
            object_type: ty,
            property,
            steps,
        })
    }

    /// A property name after `separator` (`:` or `.`).
    fn path_component(&mut self, separator: &str) -> PResult<String> {
        match self.peek() {
            Some('\'') => {
                let at = self.pos;
                let s = self.string_literal()?;
                if s.is_empty() {
                    return self.fail(at, Text::key("stix.pattern.property_empty"));
                }
                Ok(s)
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let w = self.word();
                self.pos += w.len();
                Ok(w)
            }
            _ => self.unexpected(Text::key("stix.expected.property").with("separator", separator)),
        }
    }

    fn index_step(&mut self) -> PResult<PathStep> {
        let at = self.pos;
        let step = if self.peek() == Some('*') {
            self.pos += 1;
            PathStep::AnyIndex
        } else if self.at_number() {
            match self.number()? {
                Literal::Int(n) => PathStep::Index(n),
                _ => return self.fail(at, Text::key("stix.pattern.index_not_integer")),
            }
        } else {
            return self.unexpected(Text::key("stix.expected.list_index"));
        };
        if self.peek() != Some(']') {
            return self.unexpected(Text::key("stix.expected.close_list_index"));
        }
        self.pos += 1;
        Ok(step)
    }

    fn operator(&mut self) -> PResult<Operator> {
        self.skip_ws();
        let at = self.pos;
        let sym: String = self.chars[self.pos..]
            .iter()
            .take_while(|c| matches!(c, '=' | '!' | '<' | '>' | '~'))
            .collect();
        if !sym.is_empty() {
            self.pos += sym.len();
            // `==` and `<>` are in the reference grammar next to `=` and `!=`.
            return Ok(match sym.as_str() {
                "=" | "==" => Operator::Eq(self.literal()?),
                "!=" | "<>" => Operator::Ne(self.literal()?),
                "<" => Operator::Lt(self.orderable()?),
                "<=" => Operator::Le(self.orderable()?),
                ">" => Operator::Gt(self.orderable()?),
                ">=" => Operator::Ge(self.orderable()?),
                _ => {
                    return self.fail(
                        at,
                        Text::key("stix.pattern.unknown_operator").with("op", sym),
                    )
                }
            });
        }
        let w = self.word();
        let string_op = |p: &mut Self, name: &str| -> PResult<String> {
            p.pos += name.len();
            p.skip_ws();
            if p.peek() != Some('\'') {
                return p
                    .unexpected(Text::key("stix.expected.string_after").with("operator", name));
            }
            p.string_literal()
        };
        match w.as_str() {
            "IN" => {
                self.pos += 2;
                Ok(Operator::In(self.set()?))
            }
            "LIKE" => Ok(Operator::Like(string_op(self, "LIKE")?)),
            "MATCHES" => Ok(Operator::Matches(string_op(self, "MATCHES")?)),
            "ISSUBSET" => Ok(Operator::IsSubset(string_op(self, "ISSUBSET")?)),
            "ISSUPERSET" => Ok(Operator::IsSuperset(string_op(self, "ISSUPERSET")?)),
            "" if self.peek() == Some('-') => {
                self.fail(at, Text::key("stix.pattern.hyphen_unquoted"))
            }
            _ if w.is_empty() || KEYWORDS.contains(&w.to_ascii_uppercase().as_str()) => {
                self.unexpected(Text::key("stix.expected.operator"))
            }
            _ => self.fail(at, Text::key("stix.pattern.unknown_operator").with("op", w)),
        }
    }

    fn set(&mut self) -> PResult<Vec<Literal>> {
        self.skip_ws();
        if self.peek() != Some('(') {
            return self.unexpected(Text::key("stix.expected.set"));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            items.push(self.literal()?);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(')') => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return self.unexpected(Text::key("stix.expected.set_separator")),
            }
        }
    }

    fn at_number(&self) -> bool {
        self.peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '.'))
    }

    fn orderable(&mut self) -> PResult<Literal> {
        self.skip_ws();
        let at = self.pos;
        match self.literal()? {
            Literal::Bool(_) => self.fail(at, Text::key("stix.pattern.bool_not_orderable")),
            l => Ok(l),
        }
    }

    fn literal(&mut self) -> PResult<Literal> {
        self.skip_ws();
        match (self.peek(), self.peek_at(1)) {
            (Some('\''), _) => Ok(Literal::Str(self.string_literal()?)),
            (Some('t'), Some('\'')) => Ok(Literal::Timestamp(self.timestamp_literal()?)),
            (Some('h'), Some('\'')) => {
                let at = self.pos;
                self.pos += 1;
                let body = self.raw_quoted()?;
                match hex::decode(&body) {
                    Ok(bytes) => Ok(Literal::Hex(bytes)),
                    Err(_) => {
                        self.fail(at, Text::key("stix.pattern.hex_literal").with("body", body))
                    }
                }
            }
            (Some('b'), Some('\'')) => {
                let at = self.pos;
                self.pos += 1;
                let body = self.raw_quoted()?;
                match base64_decode(&body) {
                    Some(bytes) => Ok(Literal::Binary(bytes)),
                    None => self.fail(
                        at,
                        Text::key("stix.pattern.binary_literal").with("body", body),
                    ),
                }
            }
            _ if self.at_number() => self.number(),
            _ => match self.word().as_str() {
                "true" => {
                    self.pos += 4;
                    Ok(Literal::Bool(true))
                }
                "false" => {
                    self.pos += 5;
                    Ok(Literal::Bool(false))
                }
                _ => self.unexpected(Text::key("stix.expected.literal")),
            },
        }
    }

    /// `'…'` at the cursor with its two escapes resolved.
    fn string_literal(&mut self) -> PResult<String> {
        let open = self.pos;
        self.pos += 1;
        let mut s = String::new();
        loop {
            match self.peek() {
                None => return self.fail(open, Text::key("stix.pattern.unterminated_string")),
                Some('\'') => {
                    self.pos += 1;
                    return Ok(s);
                }
                Some('\\') => match self.peek_at(1) {
                    Some(c @ ('\'' | '\\')) => {
                        s.push(c);
                        self.pos += 2;
                    }
                    _ => return self.fail(self.pos, Text::key("stix.pattern.bad_escape")),
                },
                Some(c) => {
                    s.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `'…'` at the cursor without escapes (the body of t'', h'', b'').
    fn raw_quoted(&mut self) -> PResult<String> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == '\'' {
                let body = self.chars[start..self.pos].iter().collect();
                self.pos += 1;
                return Ok(body);
            }
            self.pos += 1;
        }
        self.fail(open, Text::key("stix.pattern.unterminated_literal"))
    }

    fn timestamp_literal(&mut self) -> PResult<DateTime<Utc>> {
        let at = self.pos;
        self.pos += 1;
        let body = self.raw_quoted()?;
        if !timestamp_shape(&body) {
            return self.fail(
                at,
                Text::key("stix.pattern.timestamp_shape").with("body", body),
            );
        }
        match DateTime::parse_from_rfc3339(&body) {
            Ok(t) => Ok(t.with_timezone(&Utc)),
            Err(_) => self.fail(
                at,
                Text::key("stix.pattern.timestamp_not_real").with("body", body),
            ),
        }
    }

    /// Integers (no leading zeros) and decimals with digits after the point,
    /// optionally signed, as in the reference grammar.
    fn number(&mut self) -> PResult<Literal> {
        let at = self.pos;
        let mut text = String::new();
        if let Some(c @ ('+' | '-')) = self.peek() {
            text.push(c);
            self.pos += 1;
        }
        let digits = |p: &mut Self| -> String {
            let d: String = p.chars[p.pos..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            p.pos += d.len();
            d
        };
        let int = digits(self);
        if self.peek() == Some('.') {
            self.pos += 1;
            let frac = digits(self);
            if frac.is_empty() {
                return self.fail(self.pos, Text::key("stix.pattern.no_digits_after_point"));
            }
            let int = if int.is_empty() { "0" } else { int.as_str() };
            let x: f64 = format!("{text}{int}.{frac}")
                .parse()
                .unwrap_or(f64::INFINITY);
            if !x.is_finite() {
                return self.fail(at, Text::key("stix.pattern.number_out_of_range"));
            }
            return Ok(Literal::Float(x));
        }
        if int.is_empty() {
            return self.unexpected(Text::key("stix.expected.number"));
        }
        if int.len() > 1 && int.starts_with('0') {
            return self.fail(at, Text::key("stix.pattern.leading_zero"));
        }
        match format!("{text}{int}").parse::<i64>() {
            Ok(n) => Ok(Literal::Int(n)),
            Err(_) => self.fail(at, Text::key("stix.pattern.integer_out_of_range")),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the shape the grammar allows; the
/// ranges are checked by chrono afterwards.
fn timestamp_shape(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return false;
    }
    let digit = |i: usize| b[i].is_ascii_digit();
    let head = (0..4).all(digit)
        && b[4] == b'-'
        && digit(5)
        && digit(6)
        && b[7] == b'-'
        && digit(8)
        && digit(9)
        && b[10] == b'T'
        && digit(11)
        && digit(12)
        && b[13] == b':'
        && digit(14)
        && digit(15)
        && b[16] == b':'
        && digit(17)
        && digit(18);
    let frac = &b[19..b.len() - 1];
    head && (frac.is_empty()
        || (frac.len() >= 2 && frac[0] == b'.' && frac[1..].iter().all(u8::is_ascii_digit)))
}

/// A keyword or character of the language, quoted as each language quotes it.
fn token(t: &str) -> Text {
    Text::key("stix.token").with("token", t)
}

fn collapse<T>(mut items: Vec<T>, make: fn(Vec<T>) -> T) -> T {
    if items.len() == 1 {
        items.remove(0)
    } else {
        make(items)
    }
}

// ---------------------------------------------------------------------------
// Indicator patterns
// ---------------------------------------------------------------------------

/// The STIX pattern for one indicator, on the paths the STIX 2.1
/// specification's examples use.
pub fn pattern_for(kind: IndicatorType, value: &str) -> String {
    let v = quote(value);
    match kind {
        IndicatorType::Ipv4 => format!("[ipv4-addr:value = {v}]"),
        IndicatorType::Ipv6 => format!("[ipv6-addr:value = {v}]"),
        IndicatorType::Domain => format!("[domain-name:value = {v}]"),
        IndicatorType::Url => format!("[url:value = {v}]"),
        IndicatorType::Email => format!("[email-addr:value = {v}]"),
        IndicatorType::Md5 => format!("[file:hashes.MD5 = {v}]"),
        IndicatorType::Sha1 => format!("[file:hashes.'SHA-1' = {v}]"),
        IndicatorType::Sha256 => format!("[file:hashes.'SHA-256' = {v}]"),
        IndicatorType::FileName => format!("[file:name = {v}]"),
    }
}

/// The indicator kind a path holds, for the paths [`pattern_for`] writes;
/// hash names in any case, with or without the hyphen (`SHA256`, `'sha-256'`).
fn path_kind(path: &ObjectPath) -> Option<IndicatorType> {
    match (
        path.object_type.as_str(),
        path.property.as_str(),
        path.steps.as_slice(),
    ) {
        ("ipv4-addr", "value", []) => Some(IndicatorType::Ipv4),
        ("ipv6-addr", "value", []) => Some(IndicatorType::Ipv6),
        ("domain-name", "value", []) => Some(IndicatorType::Domain),
        ("url", "value", []) => Some(IndicatorType::Url),
        ("email-addr", "value", []) => Some(IndicatorType::Email),
        ("file", "name", []) => Some(IndicatorType::FileName),
        ("file", "hashes", [PathStep::Key(alg)]) => {
            match alg.to_ascii_uppercase().replace('-', "").as_str() {
                "MD5" => Some(IndicatorType::Md5),
                "SHA1" => Some(IndicatorType::Sha1),
                "SHA256" => Some(IndicatorType::Sha256),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Every non-negated `=` comparison of a string on an indicator path, as
/// (kind, raw value), each pair once, in the order written. The values are
/// not normalised.
pub fn simple_indicators(p: &Pattern) -> Vec<(IndicatorType, String)> {
    let mut out: Vec<(IndicatorType, String)> = Vec::new();
    for c in p.comparisons() {
        if c.negated {
            continue;
        }
        let Operator::Eq(Literal::Str(value)) = &c.op else {
            continue;
        };
        if let Some(kind) = path_kind(&c.path) {
            if !out.iter().any(|(k, v)| *k == kind && v == value) {
                out.push((kind, value.clone()));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------

/// Who publishes the bundle: the agency, as a STIX identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Producer<'a> {
    pub agency_code: &'a str,
    pub name: &'a str,
    pub created: DateTime<Utc>,
}

/// One indicator to export; `value` is expected in normalised form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportItem<'a> {
    pub kind: IndicatorType,
    pub value: &'a str,
    pub note: Option<&'a str>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub valid_from: DateTime<Utc>,
    /// Carried as the standard TLP 2.0 marking; the caller has already left out what the
    /// bundle's receiver may not have ([`Tlp::exportable_by`]).
    pub tlp: Tlp,
}

/// The STIX id of an agency's identity.
pub fn identity_id(agency_code: &str) -> String {
    let seed = format!("identity:{agency_code}");
    format!("identity--{}", Uuid::new_v5(&NAMESPACE, seed.as_bytes()))
}

/// The STIX id of an indicator within an export scope (an incident, say):
/// the same indicator exported again from the same scope keeps its id.
pub fn indicator_id(scope: &str, kind: IndicatorType, value: &str) -> String {
    let seed = format!("{scope}|{}|{value}", kind.as_str());
    format!("indicator--{}", Uuid::new_v5(&NAMESPACE, seed.as_bytes()))
}

/// STIX timestamps: UTC, millisecond precision, `Z`.
fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Serialize)]
struct BundleJson {
    #[serde(rename = "type")]
    type_: &'static str,
    id: String,
    objects: Vec<ObjectJson>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum ObjectJson {
    Identity(IdentityJson),
    Marking(MarkingJson),
    Indicator(IndicatorJson),
}

impl ObjectJson {
    fn id(&self) -> &str {
        match self {
            ObjectJson::Identity(o) => &o.id,
            ObjectJson::Marking(o) => o.id,
            ObjectJson::Indicator(o) => &o.id,
        }
    }
}

/// The standard TLP 2.0 marking-definition object, exactly as OASIS publishes it
/// (cti-stix-common-objects, `extension-definition-specifications/tlp-2.0`).
#[derive(Serialize)]
struct MarkingJson {
    #[serde(rename = "type")]
    type_: &'static str,
    spec_version: &'static str,
    id: &'static str,
    created: &'static str,
    name: &'static str,
    extensions: Map<String, Value>,
}

fn marking_definition(t: Tlp) -> MarkingJson {
    let mut extensions = Map::new();
    extensions.insert(
        tlp::STIX_EXTENSION.to_owned(),
        serde_json::json!({ "extension_type": "property-extension", "tlp_2_0": t.as_str() }),
    );
    MarkingJson {
        type_: "marking-definition",
        spec_version: "2.1",
        id: t.stix_marking_id(),
        created: tlp::STIX_MARKINGS_CREATED,
        name: t.label(),
        extensions,
    }
}

#[derive(Serialize)]
struct IdentityJson {
    #[serde(rename = "type")]
    type_: &'static str,
    spec_version: &'static str,
    id: String,
    created: String,
    modified: String,
    name: String,
    identity_class: &'static str,
}

#[derive(Serialize)]
struct IndicatorJson {
    #[serde(rename = "type")]
    type_: &'static str,
    spec_version: &'static str,
    id: String,
    created_by_ref: String,
    created: String,
    modified: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    indicator_types: [&'static str; 1],
    pattern: String,
    pattern_type: &'static str,
    pattern_version: &'static str,
    valid_from: String,
    object_marking_refs: [&'static str; 1],
}

fn indicator_json(identity: &str, scope: &str, item: &ExportItem) -> IndicatorJson {
    IndicatorJson {
        type_: "indicator",
        spec_version: "2.1",
        id: indicator_id(scope, item.kind, item.value),
        created_by_ref: identity.to_owned(),
        created: stamp(item.created),
        modified: stamp(item.modified),
        // Bundles are exchanged in English, whoever exports them.
        name: format!("{}: {}", Lang::En.text(&item.kind.label()), item.value),
        description: item.note.map(str::to_owned),
        indicator_types: ["malicious-activity"],
        pattern: pattern_for(item.kind, item.value),
        pattern_type: "stix",
        pattern_version: "2.1",
        valid_from: stamp(item.valid_from),
        object_marking_refs: [item.tlp.stix_marking_id()],
    }
}

/// One indicator object, exactly as [`bundle`] writes it for the same producer and scope (so a
/// TAXII collection and a file export give it the same id and content).
pub fn indicator_object(agency_code: &str, scope: &str, item: &ExportItem) -> Value {
    serde_json::to_value(indicator_json(&identity_id(agency_code), scope, item))
        .expect("an indicator of strings always serialises")
}

/// The standard TLP 2.0 marking-definition object of `t`, as [`bundle`] writes it.
pub fn marking_object(t: Tlp) -> Value {
    serde_json::to_value(marking_definition(t)).expect("a marking always serialises")
}

/// A pretty-printed STIX 2.1 bundle: the producer's identity, then one
/// indicator per (kind, value) sorted by kind then value. If the same
/// (kind, value) is given twice, the most recently modified item is exported
/// (ties broken by the other fields), so the output never depends on the
/// order of `items`. The bundle id is derived from the scope and every
/// object id, so identical content gives an identical bundle.
pub fn bundle(producer: &Producer, scope: &str, items: &[ExportItem]) -> String {
    let mut sorted: Vec<&ExportItem> = items.iter().collect();
    sorted.sort_by(|a, b| {
        (a.kind, a.value)
            .cmp(&(b.kind, b.value))
            .then(b.modified.cmp(&a.modified))
            .then(a.created.cmp(&b.created))
            .then(a.valid_from.cmp(&b.valid_from))
            .then(a.note.cmp(&b.note))
    });
    sorted.dedup_by(|later, first| later.kind == first.kind && later.value == first.value);

    let identity = identity_id(producer.agency_code);
    let mut objects = vec![ObjectJson::Identity(IdentityJson {
        type_: "identity",
        spec_version: "2.1",
        id: identity.clone(),
        created: stamp(producer.created),
        modified: stamp(producer.created),
        name: producer.name.to_owned(),
        identity_class: "organization",
    })];
    let mut markings: Vec<Tlp> = sorted.iter().map(|i| i.tlp).collect();
    markings.sort();
    markings.dedup();
    objects.extend(
        markings
            .into_iter()
            .map(|t| ObjectJson::Marking(marking_definition(t))),
    );
    for item in sorted {
        objects.push(ObjectJson::Indicator(indicator_json(
            &identity, scope, item,
        )));
    }
    let mut seed = scope.to_owned();
    for o in &objects {
        seed.push('|');
        seed.push_str(o.id());
    }
    let b = BundleJson {
        type_: "bundle",
        id: format!("bundle--{}", Uuid::new_v5(&NAMESPACE, seed.as_bytes())),
        objects,
    };
    serde_json::to_string_pretty(&b).expect("a bundle of strings always serialises")
}

// ---------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------

/// Why a file is not a STIX bundle at all (per-object problems are skips).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StixError {
    #[error("the file is not valid JSON: {detail}")]
    NotJson { detail: String },
    #[error("the JSON is not an object; a STIX bundle is an object with \"type\": \"bundle\"")]
    NotAnObject,
    #[error(
        "the JSON object is not a STIX bundle: its \"type\" is {}",
        describe_type(.found)
    )]
    NotABundle { found: Option<String> },
    #[error("the STIX bundle has no \"objects\" array")]
    NoObjects,
}

fn describe_type(found: &Option<String>) -> String {
    match found {
        Some(t) => format!("'{t}', not 'bundle'"),
        None => "missing".to_owned(),
    }
}

impl StixError {
    pub fn message(&self) -> Text {
        match self {
            StixError::NotJson { detail } => {
                Text::key("stix.error.not_json").with("detail", detail)
            }
            StixError::NotAnObject => Text::key("stix.error.not_an_object"),
            StixError::NotABundle { found: Some(t) } => {
                Text::key("stix.error.not_a_bundle").with("type", t)
            }
            StixError::NotABundle { found: None } => Text::key("stix.error.bundle_type_missing"),
            StixError::NoObjects => Text::key("stix.error.no_objects"),
        }
    }
}

/// What one indicator object offers, before normalisation.
struct IndicatorObject {
    found: Vec<(IndicatorType, String)>,
    note: Option<String>,
    first_seen: Option<DateTime<Utc>>,
    last_seen: Option<DateTime<Utc>>,
    tlp: Tlp,
}

fn string_field<'a>(o: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Value::as_str)
}

fn time_field(o: &Map<String, Value>, key: &str) -> Result<Option<DateTime<Utc>>, Text> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| Some(t.with_timezone(&Utc)))
            .ok_or_else(|| {
                Text::key("stix.import.time_invalid")
                    .with("field", key)
                    .with("value", v.to_string())
            }),
    }
}

/// The TLP an object is marked with: the strictest TLP marking among its `object_marking_refs`
/// (TLP 2.0 or 1.0); unmarked, or marked only otherwise, it is [`Tlp::DEFAULT`].
fn marking_of(o: &Map<String, Value>) -> Tlp {
    o.get("object_marking_refs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(Tlp::from_stix_marking)
        .reduce(Tlp::stricter)
        .unwrap_or(Tlp::DEFAULT)
}

fn read_indicator(o: &Map<String, Value>) -> Result<IndicatorObject, Text> {
    if o.get("revoked").and_then(Value::as_bool) == Some(true) {
        return Err(Text::key("stix.import.revoked"));
    }
    match string_field(o, "spec_version") {
        Some("2.1") => {}
        Some(v) => return Err(Text::key("stix.import.spec_version").with("version", v)),
        None => return Err(Text::key("stix.import.spec_version_missing")),
    }
    match string_field(o, "pattern_type") {
        Some("stix") => {}
        Some(t) => return Err(Text::key("stix.import.pattern_type").with("type", t)),
        None => return Err(Text::key("stix.import.pattern_type_missing")),
    }
    let Some(text) = string_field(o, "pattern") else {
        return Err(Text::key("stix.import.pattern_missing"));
    };
    let pattern = parse_pattern(text).map_err(|e| {
        Text::key("stix.import.pattern_invalid")
            .with("at", e.position + 1)
            .with("problem", e.message)
    })?;
    let found = simple_indicators(&pattern);
    if found.is_empty() {
        return Err(Text::key("stix.import.nothing_to_import"));
    }
    let first_seen = time_field(o, "valid_from")?;
    let last_seen = time_field(o, "valid_until")?;
    let note = string_field(o, "description")
        .and_then(clean_note)
        .or_else(|| string_field(o, "name").and_then(clean_note))
        .map(|n| n.chars().take(MAX_NOTE_CHARS).collect());
    Ok(IndicatorObject {
        found,
        note,
        first_seen,
        last_seen,
        tlp: marking_of(o),
    })
}

/// Reads the indicators of a STIX 2.1 bundle. Objects other than indicators
/// (identities, relationships, markings, reports, …) are ignored without a
/// report entry: a bundle normally carries them and they say nothing to
/// import. Each indicator object is imported or skipped with a reason naming
/// its id; a pattern with several indicators yields several candidates.
pub fn parse_bundle(json: &str) -> Result<ImportReport, StixError> {
    let json = json.strip_prefix('\u{feff}').unwrap_or(json);
    let v: Value = serde_json::from_str(json).map_err(|e| StixError::NotJson {
        detail: e.to_string(),
    })?;
    let root = v.as_object().ok_or(StixError::NotAnObject)?;
    match string_field(root, "type") {
        Some("bundle") => {}
        other => {
            return Err(StixError::NotABundle {
                found: other.map(str::to_owned),
            })
        }
    }
    let objects = root
        .get("objects")
        .and_then(Value::as_array)
        .ok_or(StixError::NoObjects)?;

    let mut out = Collector::default();
    for (i, o) in objects.iter().enumerate() {
        let Some(o) = o.as_object() else {
            out.skip(
                &Source::Object(format!("objects[{i}]")),
                Text::key("stix.import.not_an_object"),
            );
            continue;
        };
        if string_field(o, "type") != Some("indicator") {
            continue;
        }
        let source = Source::Object(
            string_field(o, "id")
                .filter(|id| !id.trim().is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| format!("objects[{i}]")),
        );
        let ind = match read_indicator(o) {
            Ok(ind) => ind,
            Err(reason) => {
                out.skip(&source, reason);
                continue;
            }
        };
        for (kind, raw) in ind.found {
            match normalise(kind, &raw) {
                Ok(value) => out.accept(
                    &source,
                    Candidate {
                        kind,
                        value,
                        note: ind.note.clone(),
                        first_seen: ind.first_seen,
                        last_seen: ind.last_seen,
                        tlp: ind.tlp,
                    },
                ),
                Err(e) => out.skip(
                    &source,
                    Text::key("stix.import.value_invalid")
                        .with("kind", kind.label())
                        .with("problem", e.message())
                        .with("value", raw),
                ),
            }
        }
    }
    Ok(out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
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

    fn parse(s: &str) -> Pattern {
        match parse_pattern(s) {
            Ok(p) => p,
            Err(e) => panic!("{s}\n  rejected: {e}"),
        }
    }

    fn parse_err(s: &str) -> PatternError {
        match parse_pattern(s) {
            Ok(p) => panic!("{s}\n  accepted as {p:?}"),
            Err(e) => e,
        }
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn path(object_type: &str, property: &str, steps: Vec<PathStep>) -> ObjectPath {
        ObjectPath {
            object_type: object_type.into(),
            property: property.into(),
            steps,
        }
    }

    fn cmp(p: ObjectPath, op: Operator) -> ComparisonExpr {
        ComparisonExpr::Comparison(Comparison {
            path: p,
            negated: false,
            op,
        })
    }

    fn obs(p: ObjectPath, op: Operator) -> Pattern {
        Pattern::Observation(cmp(p, op))
    }

    fn eq_int(t: &str, prop: &str, n: i64) -> Pattern {
        obs(path(t, prop, vec![]), Operator::Eq(Literal::Int(n)))
    }

    /// Patterns from the STIX 2.1 specification (section 9 and the indicator
    /// examples), plus constructs it defines but does not exemplify.
    const VALID: &[&str] = &[
        r"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
        r"[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']",
        r"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']",
        r"[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
        r"[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar'] WITHIN 300 SECONDS",
        r"[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
        r"[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']",
        r"[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']",
        r"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
        r"[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
        r"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
        r"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 180 SECONDS",
        r"[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
        r"[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
        r"[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
        r"[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']",
        r"[(file:name = 'pdf.exe' OR file:size = 371712) AND file:created = t'2014-01-13T07:03:17Z']",
        r"[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
        r"[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
        r"[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
        r"[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
        r"([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']",
        r"[network-traffic:src_ref.value = '203.0.113.10' AND network-traffic:src_port = 80] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'",
        r"[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
        r"[network-traffic:dst_port IN (443, 80, 8080)]",
        r"[file:name NOT IN ('a.exe', 'b.exe')]",
        r"[directory:path LIKE 'C:\\Windows\\%\\foo']",
        r"[artifact:payload_bin = b'AQIDBA==']",
        r"[file:extensions.'windows-pebinary-ext'.sections[0].name = '.text']",
        r"[windows-registry-key:values[*].name = 'Foo' AND EXISTS windows-registry-key:values]",
        r"[file:size >= 1024 AND file:size < 4096]",
        r"[file:size NOT > -1]",
        r"[process:is_hidden = true OR process:is_hidden != false]",
        r"[network-traffic:dst_ref.value ISSUPERSET '198.51.100.0/24']",
        r"[ipv4-addr:value = '1.2.3.4'] WITHIN 2.5 SECONDS",
        r"([a:b = 1] OR [c:d = 2]) REPEATS 3 TIMES",
        r"[file:'name' = 'x' AND file:hashes.'SHA-1' = 'y']",
        "  [ file:name = 'spaced'\t]\n ",
        r"[file:created > t'2016-01-01T00:00:00.123Z']",
        r"[a:b = h''] AND [a:c IN ()]",
        r"[file:x = 'a'] START t'2016-01-01T00:00:00Z' STOP t'2016-01-02T00:00:00Z' WITHIN 5 SECONDS",
        r"[file:name == 'x' AND file:size <> 5]",
        r"[a:b[-1] = -0.5 AND a:c = +3 AND a:d = .25]",
        r"[a:b = 1]AND[a:c = 2]FOLLOWEDBY([a:d = 3])",
        r"[file:name = '金融資料.xlsx.exe' AND file:name MATCHES '^\\d+$']",
    ];

    #[test]
    fn valid_patterns_parse_and_print_back() {
        assert!(VALID.len() >= 25);
        for s in VALID {
            let p = parse(s);
            let printed = p.to_string();
            assert_eq!(parse(&printed), p, "{s}\n  printed as {printed}");
            // Printing is canonical: printing the reparsed AST is stable.
            assert_eq!(parse(&printed).to_string(), printed);
        }
    }

    /// (pattern, what the error should mention, its offset).
    const INVALID: &[(&str, &str, usize)] = &[
        ("", "empty", 0),
        ("   ", "empty", 3),
        ("file:name = 'a'", "'['", 0),
        ("[file:name = 'a'", "']'", 16),
        ("[file:name = 'a']]", "without a matching '['", 17),
        ("([file:name = 'a']", "')'", 18),
        ("[file:name = 'a'])", "without a matching '('", 17),
        ("[]", "comparison", 1),
        ("[file:name ~ 'a']", "comparison operator", 11),
        (
            "[file:name CONTAINS 'a']",
            "unknown comparison operator 'CONTAINS'",
            11,
        ),
        ("[file:name =~ 'a']", "unknown comparison operator '=~'", 11),
        ("[file:name = 'a'] and [file:name = 'b']", "write 'AND'", 18),
        ("[file:name = 'a' or file:name = 'b']", "write 'OR'", 17),
        ("[file:name like 'a%']", "write 'LIKE'", 11),
        (r"[file:name = 'a\n']", "escapes", 15),
        ("[file:name = 'unterminated]", "unterminated", 13),
        ("[File:name = 'a']", "object type 'File'", 1),
        ("[x_foo:bar = 1]", "object type 'x_foo'", 1),
        ("[-x:bar = 1]", "object type '-x'", 1),
        (
            "[file:name = t'2016-13-01T00:00:00Z']",
            "not a real date",
            13,
        ),
        (
            "[file:name = t'2016-02-30T00:00:00Z']",
            "not a real date",
            13,
        ),
        ("[file:name = t'2016-01-01T00:00:00']", "RFC 3339", 13),
        ("[file:name = t'2016-01-01 00:00:00Z']", "RFC 3339", 13),
        ("[file:name = t'2016-01-01T00:00:00+08:00']", "RFC 3339", 13),
        ("[file:x = h'abc']", "even number", 10),
        ("[file:x = h'zz']", "even number", 10),
        ("[file:x = b'abc']", "base64", 10),
        ("[file:x = b'']", "base64", 10),
        ("[file:x = b'ab=c']", "base64", 10),
        ("[file:name = 'a'] WITHIN -5 SECONDS", "positive", 25),
        ("[file:name = 'a'] WITHIN 0 SECONDS", "positive", 25),
        ("[file:name = 'a'] WITHIN 5 MINUTES", "'SECONDS'", 27),
        ("[file:name = 'a'] WITHIN 5", "'SECONDS'", 26),
        ("[file:name = 'a'] WITHIN SECONDS", "number of seconds", 25),
        (
            "[file:name = 'a'] REPEATS 1.5 TIMES",
            "positive integer",
            26,
        ),
        ("[file:name = 'a'] REPEATS 0 TIMES", "positive integer", 26),
        (
            "[file:name = 'a'] START t'2016-01-01T00:00:00Z'",
            "'STOP'",
            47,
        ),
        (
            "[file:name = 'a'] START t'2016-01-02T00:00:00Z' STOP t'2016-01-01T00:00:00Z'",
            "later than",
            53,
        ),
        (
            "[file:name = 'a'] START '2016-01-01T00:00:00Z'",
            "timestamp",
            24,
        ),
        ("[file: = 'a']", "property name after ':'", 6),
        ("[file:name]", "comparison operator", 10),
        ("[file:name = ]", "literal", 13),
        ("[file:name IN 'a']", "set in parentheses", 14),
        ("[file:name IN ('a' 'b')]", "',' or ')'", 19),
        ("[file:name LIKE 5]", "quoted string after LIKE", 16),
        ("[file:size > true]", "cannot be compared", 13),
        ("[file:name = 'a'] FOLLOWEDBY", "observation expression", 28),
        ("[file:hashes[x] = 'a']", "list index", 13),
        ("[file:hashes[1 ] = 'a']", "close the list index", 14),
        ("[file:name = 'a'] AND ()", "observation expression", 23),
        ("[:name = 'a']", "comparison", 1),
        ("[file:hashes.SHA-256 = 'a']", "must be quoted", 16),
        ("[file:size = 007]", "leading zeros", 13),
        ("[file:size = 1.]", "decimal point", 15),
        ("[file:size = 99999999999999999999]", "out of range", 13),
        ("[file:name = 'a' AND]", "comparison", 20),
        ("[NOT file:name = 'a']", "object path", 1),
        (
            "[file:name = 'a'] [file:name = 'b']",
            "end of the pattern",
            18,
        ),
        ("[file:name = 'a'] garbage", "end of the pattern", 18),
        ("[file:name = 'a'] AND [file:name = 'b'", "']'", 38),
        ("[file:name = 'x' AND (file:size = 1]", "')'", 35),
        (
            "[file:name = 'a']WITHIN 5 SECONDS x",
            "end of the pattern",
            34,
        ),
        ("[file:name NOT NOT = 'a']", "comparison operator", 15),
        ("[file:name EXISTS]", "comparison operator", 11),
        ("[file:''  = 'a']", "may not be empty", 6),
    ];

    #[test]
    fn invalid_patterns_are_rejected_with_position_and_reason() {
        assert!(INVALID.len() >= 15);
        for (s, needle, at) in INVALID {
            let e = parse_err(s);
            assert!(
                e.message.en().contains(needle),
                "{s}\n  message {:?} lacks {needle:?}",
                e.message.en()
            );
            assert_eq!(e.position, *at, "{s}\n  {}", e.message.en());
            assert!(!e.message.zh().is_empty());
            assert!(e.to_string().starts_with("invalid STIX pattern at offset "));
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = format!("{}[a:b = 1]{}", "(".repeat(1000), ")".repeat(1000));
        assert!(parse_err(&deep).message.en().contains("nested"));
        let deep = format!("[{}a:b = 1{}]", "(".repeat(1000), ")".repeat(1000));
        assert!(parse_err(&deep).message.en().contains("nested"));
        let ok = format!("{}[a:b = 1]{}", "(".repeat(30), ")".repeat(30));
        assert_eq!(parse(&ok), eq_int("a", "b", 1));
    }

    #[test]
    fn observation_operator_precedence() {
        let (a, b, c) = (
            eq_int("a", "b", 1),
            eq_int("a", "c", 2),
            eq_int("a", "d", 3),
        );
        assert_eq!(
            parse("[a:b = 1] AND [a:c = 2] OR [a:d = 3]"),
            Pattern::Or(vec![Pattern::And(vec![a.clone(), b.clone()]), c.clone()])
        );
        assert_eq!(
            parse("[a:b = 1] OR [a:c = 2] AND [a:d = 3]"),
            Pattern::Or(vec![a.clone(), Pattern::And(vec![b.clone(), c.clone()])])
        );
        assert_eq!(
            parse("[a:b = 1] OR [a:c = 2] FOLLOWEDBY [a:d = 3]"),
            Pattern::FollowedBy(vec![Pattern::Or(vec![a.clone(), b.clone()]), c.clone()])
        );
        assert_eq!(
            parse("[a:b = 1] FOLLOWEDBY [a:c = 2] AND [a:d = 3]"),
            Pattern::FollowedBy(vec![a.clone(), Pattern::And(vec![b.clone(), c.clone()])])
        );
        assert_eq!(
            parse("[a:b = 1] AND ([a:c = 2] OR [a:d = 3])"),
            Pattern::And(vec![a.clone(), Pattern::Or(vec![b.clone(), c.clone()])])
        );
        assert_eq!(
            parse("[a:b = 1] AND [a:c = 2] AND [a:d = 3]"),
            Pattern::And(vec![a.clone(), b.clone(), c.clone()])
        );
        // Qualifiers bind to the observation expression before them.
        let within = |p: Pattern| Pattern::Qualified {
            inner: Box::new(p),
            qualifier: Qualifier::Within { seconds: 5.0 },
        };
        assert_eq!(
            parse("[a:b = 1] AND [a:c = 2] WITHIN 5 SECONDS"),
            Pattern::And(vec![a.clone(), within(b.clone())])
        );
        assert_eq!(
            parse("([a:b = 1] AND [a:c = 2]) WITHIN 5 SECONDS"),
            within(Pattern::And(vec![a.clone(), b.clone()]))
        );
        assert_eq!(
            parse("[a:b = 1] REPEATS 2 TIMES WITHIN 5 SECONDS"),
            within(Pattern::Qualified {
                inner: Box::new(a.clone()),
                qualifier: Qualifier::Repeats { times: 2 }
            })
        );
    }

    #[test]
    fn comparison_operator_precedence() {
        let c = |prop: &str, n: i64| cmp(path("a", prop, vec![]), Operator::Eq(Literal::Int(n)));
        assert_eq!(
            parse("[a:b = 1 OR a:c = 2 AND a:d = 3]"),
            Pattern::Observation(ComparisonExpr::Or(vec![
                c("b", 1),
                ComparisonExpr::And(vec![c("c", 2), c("d", 3)])
            ]))
        );
        assert_eq!(
            parse("[(a:b = 1 OR a:c = 2) AND a:d = 3]"),
            Pattern::Observation(ComparisonExpr::And(vec![
                ComparisonExpr::Or(vec![c("b", 1), c("c", 2)]),
                c("d", 3)
            ]))
        );
    }

    #[test]
    fn object_paths() {
        let p = parse("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]");
        assert_eq!(
            p,
            obs(
                path(
                    "file",
                    "extensions",
                    vec![
                        PathStep::Key("windows-pebinary-ext".into()),
                        PathStep::Key("sections".into()),
                        PathStep::AnyIndex,
                        PathStep::Key("entropy".into()),
                    ]
                ),
                Operator::Gt(Literal::Float(7.0))
            )
        );
        let p = parse("[x-custom-1:'odd key'.list[2][-1] = 'v']");
        assert_eq!(
            p.comparisons()[0].path,
            path(
                "x-custom-1",
                "odd key",
                vec![
                    PathStep::Key("list".into()),
                    PathStep::Index(2),
                    PathStep::Index(-1)
                ]
            )
        );
        assert_eq!(
            p.comparisons()[0].path.to_string(),
            "x-custom-1:'odd key'.list[2][-1]"
        );
    }

    #[test]
    fn literals() {
        let lit = |s: &str| match &parse(&format!("[a:b = {s}]")).comparisons()[0].op {
            Operator::Eq(l) => l.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            lit(r"'it\'s a \\ test'"),
            Literal::Str(r"it's a \ test".into())
        );
        assert_eq!(lit("''"), Literal::Str(String::new()));
        assert_eq!(lit("'多位元組'"), Literal::Str("多位元組".into()));
        assert_eq!(lit("0"), Literal::Int(0));
        assert_eq!(lit("-0"), Literal::Int(0));
        assert_eq!(lit("+42"), Literal::Int(42));
        assert_eq!(lit("-9223372036854775808"), Literal::Int(i64::MIN));
        assert_eq!(lit("3.25"), Literal::Float(3.25));
        assert_eq!(lit("-.5"), Literal::Float(-0.5));
        assert_eq!(lit("007.5"), Literal::Float(7.5));
        assert_eq!(lit("true"), Literal::Bool(true));
        assert_eq!(lit("false"), Literal::Bool(false));
        assert_eq!(
            lit("t'2016-01-01T00:00:00Z'"),
            Literal::Timestamp(utc(2016, 1, 1, 0, 0, 0))
        );
        assert_eq!(
            lit("t'2016-01-01T00:00:00.5Z'"),
            Literal::Timestamp(utc(2016, 1, 1, 0, 0, 0) + Duration::milliseconds(500))
        );
        assert_eq!(lit("h'FFd8'"), Literal::Hex(vec![0xff, 0xd8]));
        assert_eq!(lit("h''"), Literal::Hex(vec![]));
        assert_eq!(lit("b'AQIDBA=='"), Literal::Binary(vec![1, 2, 3, 4]));
        assert_eq!(lit("b'AQID'"), Literal::Binary(vec![1, 2, 3]));
        assert_eq!(lit("b'AQIDBAU='"), Literal::Binary(vec![1, 2, 3, 4, 5]));
        assert_eq!(
            lit("b'dGhpcyBpcyBhIHRlc3Q='"),
            Literal::Binary(b"this is a test".to_vec())
        );
        // Printing.
        assert_eq!(Literal::Float(7.0).to_string(), "7.0");
        assert_eq!(Literal::Float(-0.25).to_string(), "-0.25");
        assert_eq!(Literal::Str(r"a'b\c".into()).to_string(), r"'a\'b\\c'");
        assert_eq!(Literal::Hex(vec![0xab, 1]).to_string(), "h'ab01'");
        assert_eq!(Literal::Binary(b"ab".to_vec()).to_string(), "b'YWI='");
        assert_eq!(
            Literal::Timestamp(utc(2016, 1, 1, 0, 0, 0)).to_string(),
            "t'2016-01-01T00:00:00Z'"
        );
    }

    #[test]
    fn set_and_string_operators() {
        let p = parse(
            "[a:b IN ('x', 1, true) AND a:c LIKE 'x%' AND a:d MATCHES '^x' AND \
             a:e ISSUBSET '10.0.0.0/8' AND a:f NOT ISSUPERSET '10.0.0.0/24' AND EXISTS a:g]",
        );
        let ops: Vec<(&Operator, bool)> =
            p.comparisons().iter().map(|c| (&c.op, c.negated)).collect();
        assert_eq!(
            ops,
            vec![
                (
                    &Operator::In(vec![
                        Literal::Str("x".into()),
                        Literal::Int(1),
                        Literal::Bool(true)
                    ]),
                    false
                ),
                (&Operator::Like("x%".into()), false),
                (&Operator::Matches("^x".into()), false),
                (&Operator::IsSubset("10.0.0.0/8".into()), false),
                (&Operator::IsSuperset("10.0.0.0/24".into()), true),
                (&Operator::Exists, false),
            ]
        );
    }

    #[test]
    fn qualifiers() {
        let q = |s: &str| match parse(s) {
            Pattern::Qualified { qualifier, .. } => qualifier,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            q("[a:b = 1] WITHIN 300 SECONDS"),
            Qualifier::Within { seconds: 300.0 }
        );
        assert_eq!(
            q("[a:b = 1] WITHIN 0.5 SECONDS"),
            Qualifier::Within { seconds: 0.5 }
        );
        assert_eq!(
            q("[a:b = 1] REPEATS 5 TIMES"),
            Qualifier::Repeats { times: 5 }
        );
        assert_eq!(
            q("[a:b = 1] START t'2016-06-01T01:30:00Z' STOP t'2016-06-01T02:20:00Z'"),
            Qualifier::StartStop {
                start: utc(2016, 6, 1, 1, 30, 0),
                stop: utc(2016, 6, 1, 2, 20, 0)
            }
        );
        assert_eq!(
            Qualifier::Within { seconds: 300.0 }.to_string(),
            "WITHIN 300 SECONDS"
        );
        assert_eq!(
            Qualifier::Within { seconds: 2.5 }.to_string(),
            "WITHIN 2.5 SECONDS"
        );
    }

    #[test]
    fn error_messages_are_bilingual() {
        let e = parse_err("[file:name = 'a'] and [file:name = 'b']");
        assert!(e.message.zh().contains("關鍵字須為大寫"));
        let e = parse_err("[file:name = 'a'");
        assert!(e.message.zh().contains("「]」"), "{}", e.message.zh());
        assert!(e.message.zh().contains("樣式結尾"));
        let e = parse_err("");
        assert_eq!(e.message, Text::key("stix.pattern.empty"));
        assert_eq!(
            (e.message.zh(), e.message.en()),
            ("樣式為空".to_owned(), "the pattern is empty".to_owned())
        );
    }

    // ---- indicator patterns ---------------------------------------------

    #[test]
    fn pattern_for_every_kind() {
        let cases = [
            (Ipv4, "1.2.3.4", "[ipv4-addr:value = '1.2.3.4']"),
            (Ipv6, "2001:db8::1", "[ipv6-addr:value = '2001:db8::1']"),
            (Domain, "example.com", "[domain-name:value = 'example.com']"),
            (Url, "http://a.tw/x", "[url:value = 'http://a.tw/x']"),
            (Email, "a@b.tw", "[email-addr:value = 'a@b.tw']"),
            (Md5, "00", "[file:hashes.MD5 = '00']"),
            (Sha1, "00", "[file:hashes.'SHA-1' = '00']"),
            (Sha256, "00", "[file:hashes.'SHA-256' = '00']"),
            (FileName, r"it's\.exe", r"[file:name = 'it\'s\\.exe']"),
        ];
        for (kind, value, want) in cases {
            assert_eq!(pattern_for(kind, value), want);
        }
    }

    #[test]
    fn round_trip_every_kind_through_the_parser() {
        let raw = [
            (Ipv4, "198.51.100.0/24"),
            (Ipv4, "198.51.100.7"),
            (Ipv6, "2001:DB8:0:0:0:0:0:1"),
            (Ipv6, "2001:db8::/32"),
            (Domain, "Evil.Example.COM."),
            (Url, r"HTTP://Evil.Example.com/it's\here?q='x'#\'"),
            (Md5, "D41D8CD98F00B204E9800998ECF8427E"),
            (Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            (
                Sha256,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (Email, r"o'brien\x@Example.com"),
            (FileName, "it's 'quoted'.exe"),
            (FileName, r"\'"),
        ];
        let mut kinds_seen = std::collections::HashSet::new();
        for (kind, raw) in raw {
            let value = match normalise(kind, raw) {
                Ok(v) => v,
                // A file name with a backslash is not a file name; still,
                // the pattern layer must carry it unchanged.
                Err(_) => raw.to_owned(),
            };
            let p = parse(&pattern_for(kind, &value));
            assert_eq!(simple_indicators(&p), vec![(kind, value.clone())], "{raw}");
            kinds_seen.insert(kind);
        }
        assert_eq!(kinds_seen.len(), IndicatorType::ALL.len());
    }

    #[test]
    fn simple_indicators_selects_plain_equalities() {
        let p = parse(
            "[file:hashes.'sha-256' = 'aa' OR file:hashes.SHA256 = 'bb' OR file:hashes.sha1 = 'cc' \
             OR file:hashes.'SHA-1' = 'dd' OR file:hashes.md5 = 'ee' OR file:hashes.'SHA-512' = 'ff'] \
             AND [ipv4-addr:value != '1.1.1.1' AND ipv4-addr:value NOT = '2.2.2.2' \
             AND ipv4-addr:value = 3 AND ipv4-addr:value IN ('4.4.4.4') AND ipv4-addr:value = '5.5.5.5'] \
             FOLLOWEDBY [url:value = 'http://x.tw' AND url:value = 'http://x.tw' \
             AND network-traffic:dst_ref.value = '6.6.6.6' AND file:name.x = 'n' \
             AND file:hashes = 'h' AND file:hashes.MD5.x = 'i' AND file:'name' = 'quoted.exe'] \
             WITHIN 60 SECONDS",
        );
        assert_eq!(
            simple_indicators(&p),
            vec![
                (Sha256, "aa".to_owned()),
                (Sha256, "bb".to_owned()),
                (Sha1, "cc".to_owned()),
                (Sha1, "dd".to_owned()),
                (Md5, "ee".to_owned()),
                (Ipv4, "5.5.5.5".to_owned()),
                (Url, "http://x.tw".to_owned()),
                (FileName, "quoted.exe".to_owned()),
            ]
        );
        assert!(simple_indicators(&parse("[process:name = 'x']")).is_empty());
    }

    // ---- export ----------------------------------------------------------

    fn producer() -> Producer<'static> {
        Producer {
            agency_code: "A01",
            name: "測試機關 Test Agency",
            created: utc(2026, 1, 5, 0, 0, 0) + Duration::milliseconds(7),
        }
    }

    fn items() -> Vec<ExportItem<'static>> {
        let t = utc(2026, 11, 24, 3, 4, 5) + Duration::milliseconds(123);
        let item = |kind, value, note| ExportItem {
            kind,
            value,
            note,
            created: t,
            modified: t + Duration::seconds(1),
            valid_from: t - Duration::days(1),
            tlp: if kind == Url { Tlp::Green } else { Tlp::Amber },
        };
        vec![
            item(Url, "http://evil.example.com/it's", Some("phishing page")),
            item(Ipv4, "198.51.100.7", None),
            item(Domain, "evil.example.com", Some("C2 網域")),
            item(
                Sha256,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                None,
            ),
            item(Ipv4, "10.0.0.0/8", Some("internal range seen in logs")),
            item(FileName, "報價單.pdf.exe", None),
            item(Email, "o'brien@example.com", Some("sender")),
            item(Ipv6, "2001:db8::1", None),
            item(Md5, "d41d8cd98f00b204e9800998ecf8427e", None),
            item(Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", None),
        ]
    }

    #[test]
    fn bundle_is_deterministic_in_any_order() {
        let mut list = items();
        let first = bundle(&producer(), "incident:42", &list);
        list.reverse();
        assert_eq!(bundle(&producer(), "incident:42", &list), first);
        list.rotate_left(3);
        assert_eq!(bundle(&producer(), "incident:42", &list), first);
        list.swap(0, 5);
        list.swap(2, 7);
        assert_eq!(bundle(&producer(), "incident:42", &list), first);
    }

    #[test]
    fn bundle_ids_depend_on_scope() {
        let a: Value = serde_json::from_str(&bundle(&producer(), "incident:1", &items())).unwrap();
        let b: Value = serde_json::from_str(&bundle(&producer(), "incident:2", &items())).unwrap();
        assert_ne!(a["id"], b["id"]);
        assert_eq!(
            a["objects"][0]["id"], b["objects"][0]["id"],
            "identity is per agency"
        );
        // After the identity, the two TLP marking definitions (fixed ids), then the indicators.
        for i in 3..3 + items().len() {
            assert_ne!(a["objects"][i]["id"], b["objects"][i]["id"]);
        }
        // The ids are the documented v5 ids.
        assert_eq!(a["objects"][0]["id"], identity_id("A01"));
        let other_agency = Producer {
            agency_code: "A02",
            ..producer()
        };
        let c: Value =
            serde_json::from_str(&bundle(&other_agency, "incident:1", &items())).unwrap();
        assert_ne!(a["objects"][0]["id"], c["objects"][0]["id"]);
        assert_ne!(a["id"], c["id"]);
    }

    fn uuid_v5(id: &str, prefix: &str) -> Uuid {
        let rest = id
            .strip_prefix(prefix)
            .unwrap_or_else(|| panic!("{id} lacks {prefix}"));
        let u = Uuid::parse_str(rest).unwrap();
        assert_eq!(u.get_version_num(), 5, "{id}");
        assert_eq!(u.to_string(), rest, "lower-case hyphenated");
        u
    }

    #[test]
    fn bundle_structure() {
        let text = bundle(&producer(), "incident:42", &items());
        assert!(text.contains("\n  \"objects\""), "pretty-printed");
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["type"], "bundle");
        uuid_v5(v["id"].as_str().unwrap(), "bundle--");
        let objects = v["objects"].as_array().unwrap();
        assert_eq!(
            objects.len(),
            1 + 2 + items().len(),
            "identity, TLP:GREEN and TLP:AMBER, indicators"
        );

        let identity = &objects[0];
        let keys: Vec<&str> = identity
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys.len(),
            7,
            "type spec_version id created modified name identity_class: {keys:?}"
        );
        assert_eq!(identity["type"], "identity");
        assert_eq!(identity["spec_version"], "2.1");
        assert_eq!(identity["created"], "2026-01-05T00:00:00.007Z");
        assert_eq!(identity["modified"], "2026-01-05T00:00:00.007Z");
        assert_eq!(identity["name"], "測試機關 Test Agency");
        assert_eq!(identity["identity_class"], "organization");
        let identity_id = identity["id"].as_str().unwrap();
        uuid_v5(identity_id, "identity--");

        let mut last: Option<(IndicatorType, String)> = None;
        for o in &objects[3..] {
            assert_eq!(o["type"], "indicator");
            assert_eq!(o["spec_version"], "2.1");
            uuid_v5(o["id"].as_str().unwrap(), "indicator--");
            assert_eq!(o["created_by_ref"], identity_id);
            assert_eq!(o["created"], "2026-11-24T03:04:05.123Z");
            assert_eq!(o["modified"], "2026-11-24T03:04:06.123Z");
            assert_eq!(o["valid_from"], "2026-11-23T03:04:05.123Z");
            assert_eq!(
                o["indicator_types"],
                serde_json::json!(["malicious-activity"])
            );
            assert_eq!(o["pattern_type"], "stix");
            assert_eq!(o["pattern_version"], "2.1");
            let pattern = parse(o["pattern"].as_str().unwrap());
            let found = simple_indicators(&pattern);
            assert_eq!(found.len(), 1);
            let (kind, value) = found[0].clone();
            assert_eq!(o["id"], indicator_id("incident:42", kind, &value));
            assert_eq!(o["name"], format!("{}: {value}", kind.label().en()));
            let item = items()
                .into_iter()
                .find(|i| i.kind == kind && i.value == value)
                .unwrap();
            match item.note {
                Some(n) => assert_eq!(o["description"], n),
                None => assert!(o.get("description").is_none(), "omitted, not null"),
            }
            let key = (kind, value);
            if let Some(prev) = &last {
                assert!(prev < &key, "sorted by (kind, value)");
            }
            last = Some(key);
        }
        // Field order is fixed.
        let first_indicator = text.find("\"type\": \"indicator\"").unwrap();
        let order = [
            "\"spec_version\"",
            "\"id\"",
            "\"created_by_ref\"",
            "\"created\"",
            "\"modified\"",
            "\"name\"",
            "\"indicator_types\"",
            "\"pattern\"",
            "\"pattern_type\"",
            "\"pattern_version\"",
            "\"valid_from\"",
        ];
        let mut at = first_indicator;
        for key in order {
            let next = text[at..].find(key).unwrap() + at;
            at = next;
        }
    }

    #[test]
    fn bundle_keeps_one_item_per_indicator() {
        let t = utc(2026, 1, 1, 0, 0, 0);
        let older = ExportItem {
            kind: Domain,
            value: "example.com",
            note: Some("old"),
            created: t,
            modified: t,
            valid_from: t,
            tlp: Tlp::Amber,
        };
        let newer = ExportItem {
            note: Some("new"),
            modified: t + Duration::hours(1),
            ..older
        };
        let a = bundle(&producer(), "s", &[older, newer]);
        assert_eq!(a, bundle(&producer(), "s", &[newer, older]));
        let v: Value = serde_json::from_str(&a).unwrap();
        assert_eq!(v["objects"].as_array().unwrap().len(), 3);
        assert_eq!(v["objects"][2]["description"], "new");
    }

    #[test]
    fn each_indicator_carries_its_tlp_as_the_standard_marking_definition() {
        let text = bundle(&producer(), "incident:1", &items());
        let v: Value = serde_json::from_str(&text).unwrap();
        let objects = v["objects"].as_array().unwrap();
        let markings: Vec<&Value> = objects
            .iter()
            .filter(|o| o["type"] == "marking-definition")
            .collect();
        // Only the labels used, once each, as OASIS publishes them.
        assert_eq!(markings.len(), 2, "{markings:?}");
        let green = markings
            .iter()
            .find(|m| m["id"] == Tlp::Green.stix_marking_id())
            .expect("TLP:GREEN defined");
        assert_eq!(green["name"], "TLP:GREEN");
        assert_eq!(green["created"], "2022-10-01T00:00:00.000Z");
        assert_eq!(green["spec_version"], "2.1");
        assert_eq!(
            green["extensions"][tlp::STIX_EXTENSION],
            serde_json::json!({"extension_type": "property-extension", "tlp_2_0": "green"})
        );
        for o in objects.iter().filter(|o| o["type"] == "indicator") {
            let expected = if o["pattern"].as_str().unwrap().starts_with("[url:") {
                Tlp::Green
            } else {
                Tlp::Amber
            };
            assert_eq!(
                o["object_marking_refs"],
                serde_json::json!([expected.stix_marking_id()]),
                "{o}"
            );
        }
        // Read back, every indicator keeps its marking.
        let back = parse_bundle(&text).unwrap();
        assert!(back.accepted.iter().all(|c| c.tlp
            == if c.kind == Url {
                Tlp::Green
            } else {
                Tlp::Amber
            }));
    }

    #[test]
    fn an_imported_indicator_takes_the_strictest_tlp_marking_it_carries() {
        let with = |refs: Value| {
            let doc = serde_json::json!({"type": "bundle", "id": "bundle--1", "objects": [{
                "type": "indicator", "spec_version": "2.1", "id": "indicator--1",
                "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
                "valid_from": "2026-01-01T00:00:00Z", "object_marking_refs": refs}]});
            parse_bundle(&doc.to_string()).unwrap().accepted[0].tlp
        };
        let v1_red = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";
        assert_eq!(with(serde_json::json!([v1_red])), Tlp::Red);
        assert_eq!(
            with(serde_json::json!([
                Tlp::Clear.stix_marking_id(),
                Tlp::AmberStrict.stix_marking_id()
            ])),
            Tlp::AmberStrict
        );
        assert_eq!(
            with(serde_json::json!(["marking-definition--statement"])),
            Tlp::Amber
        );
        assert_eq!(with(Value::Null), Tlp::Amber);
    }

    #[test]
    fn empty_bundle_has_the_identity_only() {
        let v: Value = serde_json::from_str(&bundle(&producer(), "s", &[])).unwrap();
        assert_eq!(v["objects"].as_array().unwrap().len(), 1);
        assert_eq!(
            parse_bundle(&bundle(&producer(), "s", &[])),
            Ok(ImportReport::default())
        );
    }

    #[test]
    fn export_then_import_round_trip() {
        let text = bundle(&producer(), "incident:42", &items());
        let report = parse_bundle(&text).unwrap();
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        let mut expected: Vec<Candidate> = items()
            .into_iter()
            .map(|i| Candidate {
                kind: i.kind,
                value: i.value.to_owned(),
                note: Some(
                    i.note
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("{}: {}", i.kind.label().en(), i.value)),
                ),
                first_seen: Some(i.valid_from),
                last_seen: None,
                tlp: i.tlp,
            })
            .collect();
        expected.sort_by(|a, b| (a.kind, &a.value).cmp(&(b.kind, &b.value)));
        assert_eq!(report.accepted, expected);
    }

    // ---- import ----------------------------------------------------------

    #[test]
    fn parse_bundle_rejects_what_is_not_a_bundle() {
        assert!(matches!(
            parse_bundle("not json"),
            Err(StixError::NotJson { .. })
        ));
        assert!(matches!(parse_bundle(""), Err(StixError::NotJson { .. })));
        assert_eq!(parse_bundle("[]"), Err(StixError::NotAnObject));
        assert_eq!(parse_bundle("\"bundle\""), Err(StixError::NotAnObject));
        assert_eq!(
            parse_bundle(r#"{"type":"indicator"}"#),
            Err(StixError::NotABundle {
                found: Some("indicator".into())
            })
        );
        assert_eq!(
            parse_bundle("{}"),
            Err(StixError::NotABundle { found: None })
        );
        assert_eq!(
            parse_bundle(r#"{"type":"bundle"}"#),
            Err(StixError::NoObjects)
        );
        assert_eq!(
            parse_bundle(r#"{"type":"bundle","objects":{}}"#),
            Err(StixError::NoObjects)
        );
        assert_eq!(
            parse_bundle("\u{feff}{\"type\":\"bundle\",\"objects\":[]}"),
            Ok(ImportReport::default())
        );
        for e in [
            parse_bundle("x").unwrap_err(),
            StixError::NotAnObject,
            StixError::NotABundle {
                found: Some("x".into()),
            },
            StixError::NotABundle { found: None },
            StixError::NoObjects,
        ] {
            let m = e.message();
            assert_eq!(m.en(), e.to_string());
            assert!(m
                .zh()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
        }
        assert!(StixError::NoObjects.message().zh().contains("objects"));
    }

    fn indicator(id: &str, pattern: &str) -> Value {
        serde_json::json!({
            "type": "indicator",
            "spec_version": "2.1",
            "id": id,
            "created": "2026-01-01T00:00:00.000Z",
            "modified": "2026-01-01T00:00:00.000Z",
            "name": "  named  ",
            "pattern": pattern,
            "pattern_type": "stix",
            "valid_from": "2026-01-01T08:00:00+08:00",
        })
    }

    #[test]
    fn parse_bundle_skip_reasons() {
        let mut objects = vec![
            serde_json::json!({"type": "identity", "spec_version": "2.1", "id": "identity--1", "name": "x"}),
            serde_json::json!({"type": "relationship", "id": "relationship--1"}),
            serde_json::json!({"type": "marking-definition", "id": "marking-definition--1"}),
            serde_json::json!({"type": "malware", "id": "malware--1"}),
            indicator(
                "indicator--ok",
                "[ipv4-addr:value = '198.51.100.1/32' OR domain-name:value = 'Evil.Example.']",
            ),
        ];
        let mut v20 = indicator("indicator--v20", "[ipv4-addr:value = '1.1.1.1']");
        v20.as_object_mut().unwrap().remove("spec_version");
        objects.push(v20);
        let mut v22 = indicator("indicator--v22", "[ipv4-addr:value = '1.1.1.1']");
        v22["spec_version"] = "2.2".into();
        objects.push(v22);
        let mut sigma = indicator("indicator--sigma", "title: x");
        sigma["pattern_type"] = "sigma".into();
        objects.push(sigma);
        let mut nopattern = indicator("indicator--nopattern", "");
        nopattern.as_object_mut().unwrap().remove("pattern");
        objects.push(nopattern);
        objects.push(indicator("indicator--bad", "[ipv4-addr:value = '1.1.1.1'"));
        objects.push(indicator(
            "indicator--unsupported",
            "[process:name = 'evil.exe']",
        ));
        objects.push(indicator(
            "indicator--negated",
            "[ipv4-addr:value NOT = '1.1.1.1']",
        ));
        objects.push(indicator(
            "indicator--partly",
            "[ipv4-addr:value = '256.1.1.1' OR file:hashes.MD5 = 'D41D8CD98F00B204E9800998ECF8427E']",
        ));
        objects.push(indicator(
            "indicator--dup",
            "[ipv4-addr:value = '198.51.100.1']",
        ));
        let mut noid = indicator("", "[url:value = 'http://x.example.com']");
        noid.as_object_mut().unwrap().remove("id");
        objects.push(noid);
        objects.push(serde_json::json!(42));
        let mut badtime = indicator("indicator--badtime", "[ipv4-addr:value = '9.9.9.9']");
        badtime["valid_from"] = "yesterday".into();
        objects.push(badtime);
        let mut revoked = indicator("indicator--revoked", "[ipv4-addr:value = '8.8.8.8']");
        revoked["revoked"] = true.into();
        objects.push(revoked);
        let mut described = indicator("indicator--described", "[file:name = 'a.exe']");
        described["description"] = "  the dropper  ".into();
        described["valid_until"] = "2026-02-01T00:00:00Z".into();
        objects.push(described);
        let mut noid_unsupported = indicator("", "[process:pid = 4]");
        noid_unsupported.as_object_mut().unwrap().remove("id");
        objects.push(noid_unsupported);

        let text = serde_json::json!({"type": "bundle", "id": "bundle--x", "objects": objects})
            .to_string();
        let r = parse_bundle(&text).unwrap();

        let first = Some(utc(2026, 1, 1, 0, 0, 0));
        assert_eq!(
            r.accepted,
            vec![
                Candidate {
                    kind: Ipv4,
                    value: "198.51.100.1".into(),
                    note: Some("named".into()),
                    first_seen: first,
                    last_seen: None,
                    tlp: Tlp::DEFAULT
                },
                Candidate {
                    kind: Domain,
                    value: "evil.example".into(),
                    note: Some("named".into()),
                    first_seen: first,
                    last_seen: None,
                    tlp: Tlp::DEFAULT
                },
                Candidate {
                    kind: Md5,
                    value: "d41d8cd98f00b204e9800998ecf8427e".into(),
                    note: Some("named".into()),
                    first_seen: first,
                    last_seen: None,
                    tlp: Tlp::DEFAULT
                },
                Candidate {
                    kind: Url,
                    value: "http://x.example.com".into(),
                    note: Some("named".into()),
                    first_seen: first,
                    last_seen: None,
                    tlp: Tlp::DEFAULT
                },
                Candidate {
                    kind: FileName,
                    value: "a.exe".into(),
                    note: Some("the dropper".into()),
                    first_seen: first,
                    last_seen: Some(utc(2026, 2, 1, 0, 0, 0)),
                    tlp: Tlp::DEFAULT
                },
            ]
        );
        let skipped: Vec<(&str, String)> = r
            .skipped
            .iter()
            .map(|s| (s.at.as_str(), s.reason.en()))
            .collect();
        let expect = [
            ("indicator--v20", "spec_version is missing"),
            ("indicator--v22", "spec_version is '2.2'"),
            ("indicator--sigma", "pattern_type is 'sigma'"),
            ("indicator--nopattern", "pattern is missing"),
            (
                "indicator--bad",
                "does not parse (at character 29): expected ']'",
            ),
            ("indicator--unsupported", "no indicator this portal stores"),
            ("indicator--negated", "no indicator this portal stores"),
            (
                "indicator--partly",
                "the IPv4 address '256.1.1.1' in the pattern is invalid",
            ),
            ("indicator--dup", "duplicate of object indicator--ok"),
            ("objects[15]", "not a JSON object"),
            (
                "indicator--badtime",
                "valid_from is not a valid RFC 3339 timestamp",
            ),
            ("indicator--revoked", "revoked"),
            ("objects[19]", "no indicator this portal stores"),
        ];
        assert_eq!(skipped.len(), expect.len(), "{skipped:#?}");
        for ((at, reason), (want_at, want)) in skipped.iter().zip(expect) {
            assert_eq!(*at, want_at);
            assert!(reason.contains(want), "{at}: {reason:?} lacks {want:?}");
        }
        for s in &r.skipped {
            assert!(
                s.reason
                    .zh()
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{:?}",
                s.reason
            );
        }
        assert!(r.skipped[4].reason.zh().contains("第 29 個字元"));
        assert!(r.skipped[8].reason.zh().contains("物件 indicator--ok"));
    }

    #[test]
    fn parse_bundle_truncates_long_notes() {
        let mut o = indicator("indicator--long", "[ipv4-addr:value = '1.2.3.4']");
        o["description"] = "長".repeat(MAX_NOTE_CHARS + 50).into();
        let text = serde_json::json!({"type": "bundle", "objects": [o]}).to_string();
        let r = parse_bundle(&text).unwrap();
        assert_eq!(
            r.accepted[0].note.as_ref().map(|n| n.chars().count()),
            Some(MAX_NOTE_CHARS)
        );
    }

    #[test]
    fn namespace_is_fixed() {
        assert_eq!(
            NAMESPACE.to_string(),
            "5c1f0d3e-8a4b-4e27-9b6d-2f7ac31e8d40"
        );
        assert_eq!(
            indicator_id("s", Ipv4, "1.2.3.4"),
            format!("indicator--{}", Uuid::new_v5(&NAMESPACE, b"s|ipv4|1.2.3.4"))
        );
    }

    #[test]
    fn base64_matches_known_vectors() {
        for (plain, enc) in [
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), enc);
            assert_eq!(base64_decode(enc), Some(plain.as_bytes().to_vec()));
        }
        for bad in ["", "Zg=", "Zg===", "Z===", "Zm9v!A==", "Zg==Zg==", "=Zg="] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn any_value_survives_pattern_for_and_the_parser(
            kind in prop::sample::select(IndicatorType::ALL.to_vec()),
            value in ".*",
        ) {
            let p = parse_pattern(&pattern_for(kind, &value)).unwrap();
            prop_assert_eq!(simple_indicators(&p), vec![(kind, value)]);
        }

        #[test]
        fn parser_never_panics_and_printing_round_trips(s in "[\\[\\]()a-z:'=<>!.*0-9 ,\\-ANDORFLWEBYIT\\\\]{0,60}") {
            if let Ok(p) = parse_pattern(&s) {
                prop_assert_eq!(parse_pattern(&p.to_string()), Ok(p));
            }
        }

        #[test]
        fn parser_never_panics_on_anything(s in ".{0,80}") {
            let _ = parse_pattern(&s);
        }

        #[test]
        fn base64_round_trips(bytes in prop::collection::vec(any::<u8>(), 1..64)) {
            prop_assert_eq!(base64_decode(&base64_encode(&bytes)), Some(bytes));
        }

        #[test]
        fn parse_bundle_never_panics(s in ".{0,200}") {
            let _ = parse_bundle(&s);
        }
    }
}
