//! TAXII 2.1 (read): the indicators the competent authority and the sector authorities may
//! receive, as collections a threat intelligence platform polls (#17 item 3).
//!
//! Why: ISACs and TWCERT/CC exchange indicators over TAXII, and the intelligence & planning
//! group shares malware indicators upward (point 2(四)1(1)). A supervising agency's platform
//! should not have to download files by hand.
//!
//! What this module decides (the web layer only speaks HTTP):
//! - who may use TAXII at all: a person of an agency that supervises others (a sector
//!   authority, a superior agency, the competent authority), with a `share` token
//!   ([`crate::domain::tokens::TokenScope::Share`]);
//! - which collections they see: one per supervising agency they may see (their own included),
//!   holding the indicators of the incidents of the agencies below it — what its platform would
//!   otherwise export from the correlation;
//! - what a collection holds: the STIX indicators the caller may receive by TLP (domain::tlp:
//!   what an export to them may carry), each with the id and content of the file exports, and the
//!   TLP 2.0 marking definitions they refer to;
//! - the order and pages: by `date_added` (when the indicator was recorded), a cursor in
//!   `next`, `added_after`, `limit` (at most [`MAX_LIMIT`]), `match[type]` and
//!   `match[spec_version]`. `match[id]` and `match[version]` with a timestamp are refused with
//!   400 rather than ignored: ignoring a filter would answer a different question.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::agency::{AgencyId, AgencyKind, AgencyRelations};
use super::escalation::{visible_agencies, AgencyScope};
use super::stix::{self, NAMESPACE};
use super::tlp::{self, Reader, Tlp};
use crate::i18n::Text;

/// A title in both languages, Chinese first, as a TAXII client shows one string.
fn both(key: &'static str) -> String {
    let (zh, en) = Text::key(key).both();
    format!("{zh} · {en}")
}

/// The TAXII 2.1 media type of every response here.
pub const MEDIA_TYPE: &str = "application/taxii+json;version=2.1";
/// What a collection holds.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";
/// The one API root, relative to the server (clients resolve it against the discovery URL).
pub const API_ROOT: &str = "/taxii2/api/";
/// Objects per page when the client does not say.
pub const DEFAULT_LIMIT: usize = 100;
/// The most objects per page, whatever the client asks (TAXII 2.1 section 3.4: a server may
/// return fewer than the limit).
pub const MAX_LIMIT: usize = 1000;

/// Does the client's `Accept` header allow a TAXII 2.1 answer? No header, `*/*`,
/// `application/*`, or `application/taxii+json` without a version or with version 2.1.
pub fn accepts(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return true;
    };
    accept.split(',').any(|range| {
        let mut parts = range.split(';').map(str::trim);
        let kind = parts.next().unwrap_or("").to_ascii_lowercase();
        let version = parts
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("version"))
            .map(|(_, v)| v.trim().trim_matches('"').to_owned());
        match kind.as_str() {
            "*/*" | "application/*" => true,
            "application/taxii+json" => version.is_none_or(|v| v == "2.1"),
            _ => false,
        }
    })
}

/// Every agency that supervises another in `register`, and the competent authority: one pass
/// over the register (thousands of agencies), not one per agency asked about.
fn supervisors(register: &HashMap<AgencyId, AgencyRelations>) -> HashSet<AgencyId> {
    let mut out = HashSet::new();
    for r in register.values() {
        if r.kind == AgencyKind::CompetentAuthority {
            out.insert(r.id);
        }
        let above = [r.superior, r.sector_authority, r.supervising];
        out.extend(above.into_iter().flatten().filter(|&a| a != r.id));
    }
    out
}

/// The collections a person of `viewer` may read: every supervising agency `viewer` may see,
/// itself included, sorted. Empty when `viewer` supervises nobody: TAXII is for supervising
/// agencies, an agency's own indicators are in its own exports.
pub fn collections(
    viewer: AgencyId,
    register: &HashMap<AgencyId, AgencyRelations>,
    competent_authority: AgencyId,
) -> Vec<AgencyId> {
    let supervising = supervisors(register);
    if !supervising.contains(&viewer) {
        return Vec::new();
    }
    let seen = visible_agencies(viewer, register, competent_authority);
    let mut out: Vec<AgencyId> = supervising
        .into_iter()
        .filter(|a| register.contains_key(a))
        .filter(|a| match &seen {
            AgencyScope::Every => true,
            AgencyScope::Only(list) => list.binary_search(a).is_ok(),
        })
        .collect();
    out.sort();
    out
}

/// The agencies whose incidents' indicators a collection holds: the supervising agency and
/// every agency below it.
pub fn members(
    collection: AgencyId,
    register: &HashMap<AgencyId, AgencyRelations>,
    competent_authority: AgencyId,
) -> AgencyScope {
    visible_agencies(collection, register, competent_authority)
}

/// The TLP labels a caller of `viewer` may receive from a collection: what an export to an
/// outsider may carry, and AMBER+STRICT too when the viewer's own incidents are in it.
pub fn markings_for(viewer: AgencyId, members: &AgencyScope) -> Vec<Tlp> {
    let own_inside = match members {
        AgencyScope::Every => true,
        AgencyScope::Only(list) => list.contains(&viewer),
    };
    Tlp::ALL
        .into_iter()
        .filter(|t| {
            t.exportable_by(Reader::Outside) || own_inside && t.exportable_by(Reader::OwnAgency)
        })
        .collect()
}

/// A collection's id: stable for the agency (by its code), so a platform's subscription
/// survives a restore of the portal's database.
pub fn collection_id(agency_code: &str) -> Uuid {
    Uuid::new_v5(
        &NAMESPACE,
        format!("taxii-collection:{agency_code}").as_bytes(),
    )
}

/// Where the next page starts: after this `date_added` and tie-break id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    pub added: DateTime<Utc>,
    pub tiebreak: Uuid,
}

impl Cursor {
    /// `<microseconds since 1970>.<uuid>`: opaque to clients, exact to the database's precision.
    pub fn encode(&self) -> String {
        format!(
            "{}.{}",
            self.added.timestamp_micros(),
            self.tiebreak.simple()
        )
    }

    pub fn parse(s: &str) -> Option<Cursor> {
        let (micros, id) = s.split_once('.')?;
        let added = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        Some(Cursor {
            added,
            tiebreak: Uuid::try_parse(id).ok()?,
        })
    }
}

/// Why a request's parameters are refused (400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    Limit(String),
    AddedAfter(String),
    Next(String),
    Unsupported(&'static str),
}

impl QueryError {
    pub fn description(&self) -> String {
        match self {
            QueryError::Limit(v) => format!("limit must be a positive whole number, not {v:?}"),
            QueryError::AddedAfter(v) => {
                format!("added_after must be an RFC 3339 timestamp, not {v:?}")
            }
            QueryError::Next(v) => format!("next {v:?} is not a value this server gave"),
            QueryError::Unsupported(what) => {
                format!("{what} is not supported by this server; leave it out")
            }
        }
    }
}

/// What a Get Objects or Get Manifest request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectsQuery {
    pub limit: usize,
    pub added_after: Option<DateTime<Utc>>,
    pub after: Option<Cursor>,
    /// `match[type]`; `None`: every type.
    pub types: Option<Vec<String>>,
    /// False when `match[spec_version]` excludes 2.1: nothing here matches.
    pub spec_version_matches: bool,
}

impl ObjectsQuery {
    /// Reads the query string's pairs; unknown parameters are ignored (TAXII 2.1 section 3.4).
    pub fn parse(pairs: &[(String, String)]) -> Result<ObjectsQuery, QueryError> {
        let mut q = ObjectsQuery {
            limit: DEFAULT_LIMIT,
            added_after: None,
            after: None,
            types: None,
            spec_version_matches: true,
        };
        let list = |v: &str| -> Vec<String> { v.split(',').map(|s| s.trim().to_owned()).collect() };
        for (k, v) in pairs {
            match k.as_str() {
                "limit" => {
                    q.limit = match v.trim().parse::<usize>() {
                        Ok(n) if n > 0 => n.min(MAX_LIMIT),
                        _ => return Err(QueryError::Limit(v.clone())),
                    }
                }
                "added_after" => {
                    let t = DateTime::parse_from_rfc3339(v.trim())
                        .map_err(|_| QueryError::AddedAfter(v.clone()))?;
                    q.added_after = Some(t.with_timezone(&Utc));
                }
                // taxii2-client sends `next=` (empty) on a first page.
                "next" if v.trim().is_empty() => {}
                "next" => {
                    q.after = Some(Cursor::parse(v.trim()).ok_or(QueryError::Next(v.clone()))?)
                }
                "match[type]" => q.types = Some(list(v)),
                "match[spec_version]" => {
                    q.spec_version_matches = list(v).iter().any(|s| s == "2.1");
                }
                "match[id]" => return Err(QueryError::Unsupported("match[id]")),
                // Every object here has one version: first, last and all are that one.
                "match[version]"
                    if !list(v)
                        .iter()
                        .all(|s| ["first", "last", "all"].contains(&s.as_str())) =>
                {
                    return Err(QueryError::Unsupported("match[version] with a timestamp"));
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// Does the query want objects of STIX `type`?
    pub fn wants(&self, stix_type: &str) -> bool {
        self.spec_version_matches
            && self
                .types
                .as_ref()
                .is_none_or(|t| t.iter().any(|x| x == stix_type))
    }

    /// Is an object added at `at` (tie-break `tiebreak`) past the cursor and `added_after`?
    fn admits(&self, at: DateTime<Utc>, tiebreak: Uuid) -> bool {
        self.added_after.is_none_or(|a| at > a)
            && self.after.is_none_or(|c| {
                Cursor {
                    added: at,
                    tiebreak,
                } > c
            })
    }
}

/// One object of a collection, with when it was added to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub added: DateTime<Utc>,
    pub tiebreak: Uuid,
    pub object: Value,
}

impl Entry {
    fn id(&self) -> &str {
        self.object["id"].as_str().unwrap_or_default()
    }
    fn version(&self) -> &str {
        self.object["modified"]
            .as_str()
            .or_else(|| self.object["created"].as_str())
            .unwrap_or_default()
    }
}

/// The TLP marking definitions of `markings`, as collection entries: added when OASIS
/// published them, so they come before every indicator and a client polling with
/// `added_after` is not sent them again.
pub fn marking_entries(markings: &[Tlp]) -> Vec<Entry> {
    let published = DateTime::parse_from_rfc3339(tlp::STIX_MARKINGS_CREATED)
        .expect("a fixed timestamp")
        .with_timezone(&Utc);
    markings
        .iter()
        .map(|&t| Entry {
            added: published,
            tiebreak: Uuid::try_parse(
                t.stix_marking_id()
                    .trim_start_matches("marking-definition--"),
            )
            .expect("the marking ids are UUIDs"),
            object: stix::marking_object(t),
        })
        .collect()
}

/// One page of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub more: bool,
    pub next: Option<String>,
}

impl Page {
    /// `X-TAXII-Date-Added-First` and `-Last`, when the page has objects.
    pub fn date_added_range(&self) -> Option<(String, String)> {
        let first = self.entries.first()?;
        let last = self.entries.last()?;
        Some((added_stamp(first.added), added_stamp(last.added)))
    }
}

/// `date_added` as TAXII writes it. Microseconds, so that a client's `added_after` of the last
/// one it saw skips exactly what it has (the indicators are stored to the microsecond).
fn added_stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// The page the query asks for: the fixed entries (markings) and the indicators the database
/// returned past the cursor (at least `limit + 1` of them when there are more), in
/// `date_added` order. Filters are applied to both, so the database's answer is checked too.
pub fn page(fixed: Vec<Entry>, fetched: Vec<Entry>, q: &ObjectsQuery) -> Page {
    let mut all: Vec<Entry> = fixed
        .into_iter()
        .chain(fetched)
        .filter(|e| q.admits(e.added, e.tiebreak))
        .filter(|e| q.wants(e.object["type"].as_str().unwrap_or_default()))
        .collect();
    all.sort_by_key(|e| (e.added, e.tiebreak));
    let more = all.len() > q.limit;
    all.truncate(q.limit);
    let next = more.then(|| {
        let last = all.last().expect("more implies a full page");
        Cursor {
            added: last.added,
            tiebreak: last.tiebreak,
        }
        .encode()
    });
    Page {
        entries: all,
        more,
        next,
    }
}

fn with_more(page: &Page, objects: Vec<Value>) -> Value {
    let mut out = Map::new();
    out.insert("more".into(), Value::Bool(page.more));
    if let Some(n) = &page.next {
        out.insert("next".into(), Value::String(n.clone()));
    }
    // TAXII 2.1 section 3.7: `objects` is absent, not empty, when there are none.
    if !objects.is_empty() {
        out.insert("objects".into(), Value::Array(objects));
    }
    Value::Object(out)
}

/// The Get Objects answer: an envelope.
pub fn envelope(page: &Page) -> Value {
    with_more(
        page,
        page.entries.iter().map(|e| e.object.clone()).collect(),
    )
}

/// The Get Manifest answer: one record per object.
pub fn manifest(page: &Page) -> Value {
    let records = page
        .entries
        .iter()
        .map(|e| {
            json!({
                "id": e.id(),
                "date_added": added_stamp(e.added),
                "version": e.version(),
                "media_type": STIX_MEDIA_TYPE,
            })
        })
        .collect();
    with_more(page, records)
}

/// The discovery resource (`/taxii2/`).
pub fn discovery() -> Value {
    json!({
        "title": both("taxii.title"),
        "description": "Indicators of compromise from the incidents reported under the Cyber \
            Security Management Act, for the competent authority and the sector authorities. \
            Read only; authenticate with a portal token of scope `share`.",
        "default": API_ROOT,
        "api_roots": [API_ROOT],
    })
}

/// The API root's information.
pub fn api_root() -> Value {
    json!({
        "title": both("taxii.api_root_title"),
        "description": "One collection per supervising agency the token's user may see.",
        "versions": [MEDIA_TYPE],
        // Read only: no request body is accepted.
        "max_content_length": 0,
    })
}

/// A collection resource.
pub fn collection(agency_code: &str, name_zh: &str, name_en: &str) -> Value {
    json!({
        "id": collection_id(agency_code),
        "title": format!("{name_zh} · {name_en}"),
        "description": format!(
            "Indicators of compromise of the incidents of {name_en} ({agency_code}) and the \
             agencies it supervises, with their TLP 2.0 markings"
        ),
        "can_read": true,
        "can_write": false,
        "media_types": [STIX_MEDIA_TYPE],
    })
}

/// A TAXII error message (section 3.6.1).
pub fn error(status: u16, title: &str, description: &str) -> Value {
    json!({ "title": title, "description": description, "http_status": status.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap() + Duration::seconds(secs)
    }

    fn q(pairs: &[(&str, &str)]) -> Result<ObjectsQuery, QueryError> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        ObjectsQuery::parse(&owned)
    }

    fn indicator(n: u128, secs: i64) -> Entry {
        Entry {
            added: at(secs),
            tiebreak: Uuid::from_u128(n),
            object: json!({"type": "indicator", "id": format!("indicator--{n}"),
                "modified": "2026-12-01T00:00:00.000Z"}),
        }
    }

    /// A: the competent authority; M: a ministry above G1 and G2; H: a hospital under sector
    /// authority S; L: a lone agency under the competent authority only.
    fn register() -> (HashMap<AgencyId, AgencyRelations>, [AgencyId; 7]) {
        let ids = [1, 2, 3, 4, 5, 6, 7].map(|n| AgencyId(Uuid::from_u128(n)));
        let [a, m, g1, g2, s, h, l] = ids;
        let rel = |id, kind, superior, sector| AgencyRelations {
            id,
            kind,
            superior,
            sector_authority: sector,
            supervising: None,
        };
        let gov = AgencyKind::Government;
        let list = [
            rel(a, AgencyKind::CompetentAuthority, None, None),
            rel(m, gov, None, None),
            rel(g1, gov, Some(m), None),
            rel(g2, gov, Some(m), None),
            rel(s, gov, None, None),
            rel(h, AgencyKind::SpecificNonGovernment, None, Some(s)),
            rel(l, gov, None, None),
        ];
        (list.into_iter().map(|r| (r.id, r)).collect(), ids)
    }

    #[test]
    fn only_supervising_agencies_have_collections_and_see_those_they_may_see() {
        let (reg, [a, m, g1, _g2, s, h, l]) = register();
        let mut every = vec![a, m, s];
        every.sort();
        assert_eq!(collections(a, &reg, a), every);
        assert_eq!(collections(m, &reg, a), vec![m]);
        assert_eq!(collections(s, &reg, a), vec![s]);
        for nobody in [g1, h, l] {
            assert!(collections(nobody, &reg, a).is_empty(), "{nobody:?}");
        }
    }

    #[test]
    fn a_collection_holds_the_supervising_agency_and_those_below_it() {
        let (reg, [a, m, g1, g2, s, h, _l]) = register();
        let mut below_m = vec![m, g1, g2];
        below_m.sort();
        assert_eq!(members(m, &reg, a), AgencyScope::Only(below_m));
        let mut below_s = vec![s, h];
        below_s.sort();
        assert_eq!(members(s, &reg, a), AgencyScope::Only(below_s));
        assert_eq!(members(a, &reg, a), AgencyScope::Every);
    }

    #[test]
    fn amber_strict_markings_are_offered_only_where_the_caller_s_own_incidents_are() {
        let (reg, [a, m, _g1, _g2, s, _h, _l]) = register();
        let of_m = members(m, &reg, a);
        assert_eq!(
            markings_for(m, &of_m),
            [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict]
        );
        assert_eq!(markings_for(s, &of_m), [Tlp::Clear, Tlp::Green, Tlp::Amber]);
        assert!(!markings_for(a, &AgencyScope::Every).contains(&Tlp::Red));
    }

    #[test]
    fn collection_ids_are_stable_per_agency_code() {
        assert_eq!(collection_id("MIN"), collection_id("MIN"));
        assert_ne!(collection_id("MIN"), collection_id("MOHW"));
        assert_eq!(collection_id("MIN").get_version_num(), 5);
    }

    #[test]
    fn the_accept_header_must_allow_taxii_2_1() {
        for ok in [
            None,
            Some("application/taxii+json;version=2.1"),
            Some("application/taxii+json; version=\"2.1\""),
            Some("application/taxii+json"),
            Some("text/html, */*;q=0.1"),
            Some("application/*"),
        ] {
            assert!(accepts(ok), "{ok:?}");
        }
        for refused in [
            Some("application/taxii+json;version=2.0"),
            Some("application/vnd.oasis.taxii+json"),
            Some("text/html"),
        ] {
            assert!(!accepts(refused), "{refused:?}");
        }
    }

    #[test]
    fn query_parameters_are_read_and_bad_ones_named() {
        let d = q(&[]).unwrap();
        assert_eq!(d.limit, DEFAULT_LIMIT);
        assert!(d.added_after.is_none() && d.after.is_none() && d.types.is_none());
        assert_eq!(q(&[("limit", "5000")]).unwrap().limit, MAX_LIMIT);
        assert_eq!(q(&[("limit", "0")]), Err(QueryError::Limit("0".into())));
        assert_eq!(q(&[("limit", "ten")]), Err(QueryError::Limit("ten".into())));
        assert_eq!(
            q(&[("added_after", "2026-12-01T08:00:00+08:00")])
                .unwrap()
                .added_after,
            Some(at(0))
        );
        assert!(matches!(
            q(&[("added_after", "yesterday")]),
            Err(QueryError::AddedAfter(_))
        ));
        assert!(matches!(q(&[("next", "abc")]), Err(QueryError::Next(_))));
        assert_eq!(q(&[("next", "")]).unwrap().after, None);
        assert_eq!(
            q(&[("match[id]", "indicator--1")]),
            Err(QueryError::Unsupported("match[id]"))
        );
        assert!(q(&[("match[version]", "all")]).is_ok());
        assert!(q(&[("match[version]", "2026-01-01T00:00:00Z")]).is_err());
        assert!(!q(&[("match[spec_version]", "2.0")])
            .unwrap()
            .wants("indicator"));
        let typed = q(&[("match[type]", "indicator, identity")]).unwrap();
        assert!(typed.wants("indicator") && !typed.wants("marking-definition"));
        for e in [
            QueryError::Limit("x".into()),
            QueryError::AddedAfter("x".into()),
            QueryError::Next("x".into()),
            QueryError::Unsupported("match[id]"),
        ] {
            assert!(!e.description().is_empty());
        }
    }

    #[test]
    fn cursors_round_trip_and_refuse_what_the_server_did_not_write() {
        let c = Cursor {
            added: at(0) + Duration::microseconds(123_456),
            tiebreak: Uuid::from_u128(42),
        };
        assert_eq!(Cursor::parse(&c.encode()), Some(c));
        for bad in [
            "",
            ".",
            "12",
            "x.00000000000000000000000000000042",
            "12.nope",
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn pages_follow_date_added_markings_first_and_the_cursor_continues_exactly() {
        let fixed = marking_entries(&[Tlp::Clear, Tlp::Amber]);
        let fetched: Vec<Entry> = (1..=5).map(|n| indicator(n, n as i64)).collect();
        let first = page(
            fixed.clone(),
            fetched.clone(),
            &q(&[("limit", "3")]).unwrap(),
        );
        assert!(first.more);
        let types: Vec<&str> = first
            .entries
            .iter()
            .map(|e| e.object["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            ["marking-definition", "marking-definition", "indicator"]
        );
        let next = first.next.clone().unwrap();
        let rest = page(
            fixed.clone(),
            fetched.clone(),
            &q(&[("limit", "3"), ("next", &next)]).unwrap(),
        );
        let ids: Vec<&str> = rest.entries.iter().map(Entry::id).collect();
        assert_eq!(ids, ["indicator--2", "indicator--3", "indicator--4"]);
        let last = page(
            fixed.clone(),
            fetched.clone(),
            &q(&[("limit", "3"), ("next", rest.next.as_deref().unwrap())]).unwrap(),
        );
        assert_eq!(last.entries.len(), 1);
        assert!(!last.more && last.next.is_none());
        // added_after skips the markings and what came before.
        let polled = page(
            fixed,
            fetched,
            &q(&[("added_after", &added_stamp(at(3)))]).unwrap(),
        );
        let ids: Vec<&str> = polled.entries.iter().map(Entry::id).collect();
        assert_eq!(ids, ["indicator--4", "indicator--5"]);
        assert_eq!(
            polled.date_added_range(),
            Some((added_stamp(at(4)), added_stamp(at(5))))
        );
    }

    #[test]
    fn envelopes_and_manifests_have_the_shape_taxii_2_1_gives_them() {
        let p = page(
            Vec::new(),
            vec![indicator(1, 1), indicator(2, 2)],
            &q(&[("limit", "1")]).unwrap(),
        );
        let e = envelope(&p);
        assert_eq!(e["more"], true);
        assert!(e["next"].is_string());
        assert_eq!(e["objects"].as_array().unwrap().len(), 1);
        let m = manifest(&p);
        assert_eq!(m["objects"][0]["id"], "indicator--1");
        assert_eq!(m["objects"][0]["media_type"], STIX_MEDIA_TYPE);
        assert_eq!(m["objects"][0]["version"], "2026-12-01T00:00:00.000Z");
        let empty = envelope(&page(Vec::new(), Vec::new(), &q(&[]).unwrap()));
        assert_eq!(empty, json!({"more": false}));
        assert_eq!(discovery()["api_roots"], json!([API_ROOT]));
        assert_eq!(api_root()["versions"], json!([MEDIA_TYPE]));
        let c = collection("MIN", "部會", "Ministry");
        assert_eq!(c["id"], json!(collection_id("MIN")));
        assert_eq!(
            (c["can_read"].clone(), c["can_write"].clone()),
            (json!(true), json!(false))
        );
        assert_eq!(error(404, "t", "d")["http_status"], "404");
    }
}
