//! Traffic Light Protocol 2.0 (FIRST TLP 2.0) markings on indicators of compromise, and how far
//! each lets an indicator travel.
//!
//! Why here: the intelligence & planning group shares malware indicators (point 2(四)1(1)), and
//! ISACs and TWCERT/CC exchange them over STIX/TAXII marked with TLP. An agency marks what it
//! records; the portal keeps the marking with the indicator and carries it into every export, so
//! that a receiver honours it too, and it decides here — once — who may read, correlate or export
//! an indicator. Row-level security repeats the reading rule in the database
//! (`migrations/0028_indicator_tlp.sql`).
//!
//! The portal's reading of the five labels, for an indicator on one agency's incident:
//! - **TLP:CLEAR**, **TLP:GREEN**, **TLP:AMBER**: everyone who may see the incident (the agency
//!   and the supervising agencies the procedure sends it to) reads it, and it takes part in
//!   correlation, STIX exports and the TAXII collections. The marking travels with it.
//! - **TLP:AMBER+STRICT** ("restricted to the participant's organization"): stays within the
//!   agency. Only the agency's own people read it, and only the agency's own export of its
//!   incident carries it; supervising agencies, correlation and TAXII never see it.
//! - **TLP:RED** ("for the eyes and ears of individual recipients only"): never leaves the
//!   agency, not even in the agency's own exports; it is shown on the incident to the agency's
//!   own people and nowhere else.
//!
//! Unmarked indicators are TLP:AMBER, the default FIRST recommends for information shared with a
//! limited set of organisations.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::agency::AgencyId;
use crate::i18n::Text;

/// A TLP 2.0 label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    #[serde(rename = "amber+strict")]
    AmberStrict,
    Red,
}

/// Who reads or receives an indicator, seen from the agency whose incident it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// A person of the agency whose incident it is.
    OwnAgency,
    /// Anyone else who may see the incident: a supervising agency, the competent authority, or a
    /// TAXII client of one of them.
    Outside,
}

impl Reader {
    /// A person of `viewer` looking at an indicator on an incident of `owner`.
    pub fn of(viewer: AgencyId, owner: AgencyId) -> Reader {
        if viewer == owner {
            Reader::OwnAgency
        } else {
            Reader::Outside
        }
    }
}

/// The STIX 2.1 TLP 2.0 extension definition every marking definition below refers to
/// (OASIS cti-stix-common-objects, `extension-definition-specifications/tlp-2.0`).
pub const STIX_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// When OASIS published the TLP 2.0 marking definitions; they are fixed objects.
pub const STIX_MARKINGS_CREATED: &str = "2022-10-01T00:00:00.000Z";

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// What an indicator recorded without a marking carries.
    pub const DEFAULT: Tlp = Tlp::Amber;

    /// The stored spelling (`migrations/0028_indicator_tlp.sql` checks the same five).
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// The label as TLP 2.0 writes it: `TLP:AMBER+STRICT`.
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// `amber`, `AMBER+STRICT`, `TLP:red`, `tlp:amber+strict` (any case, surrounding blanks
    /// ignored); TLP 1.0's `WHITE` is today's `CLEAR`.
    pub fn parse(s: &str) -> Option<Tlp> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix("tlp:").unwrap_or(&s);
        Some(match s {
            "clear" | "white" => Tlp::Clear,
            "green" => Tlp::Green,
            "amber" => Tlp::Amber,
            "amber+strict" => Tlp::AmberStrict,
            "red" => Tlp::Red,
            _ => return None,
        })
    }

    /// What the label means, in the words of TLP 2.0, for the form and the page.
    pub fn meaning(self) -> Text {
        Text::key(match self {
            Tlp::Clear => "tlp.meaning.clear",
            Tlp::Green => "tlp.meaning.green",
            Tlp::Amber => "tlp.meaning.amber",
            Tlp::AmberStrict => "tlp.meaning.amber_strict",
            Tlp::Red => "tlp.meaning.red",
        })
    }

    /// May `reader` change an indicator's marking? Under TLP the source sets the label: only the
    /// agency that recorded the indicator (whose incident it is) marks it, more or less strictly.
    pub fn may_mark(reader: Reader) -> bool {
        reader == Reader::OwnAgency
    }

    /// May `reader` read the indicator (on the incident page, the API, the search)?
    pub fn readable_by(self, reader: Reader) -> bool {
        match reader {
            Reader::OwnAgency => true,
            Reader::Outside => self.leaves_agency(),
        }
    }

    /// May an export made by `reader` (a STIX file, a TAXII collection) carry the indicator?
    /// RED is never exported; AMBER+STRICT only in the agency's own export.
    pub fn exportable_by(self, reader: Reader) -> bool {
        match self {
            Tlp::Red => false,
            Tlp::AmberStrict => reader == Reader::OwnAgency,
            Tlp::Clear | Tlp::Green | Tlp::Amber => true,
        }
    }

    /// Does the indicator take part in correlation across incidents (and its export)? Only
    /// what may leave its agency: correlation shows it beside other agencies' incidents.
    pub fn correlates(self) -> bool {
        self.leaves_agency()
    }

    /// CLEAR, GREEN and AMBER go wherever the incident goes; AMBER+STRICT and RED stay home.
    fn leaves_agency(self) -> bool {
        matches!(self, Tlp::Clear | Tlp::Green | Tlp::Amber)
    }

    /// The stored spellings of the labels `keep` admits, least strict first: what a query binds.
    fn spellings(keep: impl Fn(Tlp) -> bool) -> Vec<&'static str> {
        Self::ALL
            .into_iter()
            .filter(|&t| keep(t))
            .map(Tlp::as_str)
            .collect()
    }

    /// The markings `reader` may read, as the queries bind them.
    pub fn readable_set(reader: Reader) -> Vec<&'static str> {
        Self::spellings(|t| t.readable_by(reader))
    }

    /// The markings an export made by `reader` may carry, as the queries bind them.
    pub fn exportable_set(reader: Reader) -> Vec<&'static str> {
        Self::spellings(|t| t.exportable_by(reader))
    }

    /// Every marking from least to most strict, for a query that keeps the stricter of two.
    pub fn strictness() -> Vec<&'static str> {
        Self::spellings(|_| true)
    }

    /// The markings that take part in correlation, as the correlation query binds them.
    pub fn correlating_set() -> Vec<&'static str> {
        Self::spellings(Tlp::correlates)
    }

    /// The stricter of two markings: what a correlated indicator carries when the same value was
    /// marked differently on different incidents.
    pub fn stricter(self, other: Tlp) -> Tlp {
        self.max(other)
    }

    /// The id of the standard STIX 2.1 marking-definition object for this label.
    pub fn stix_marking_id(self) -> &'static str {
        match self {
            Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// The label a STIX marking reference names: the TLP 2.0 definitions above, and TLP 1.0's
    /// four (STIX 2.1 section 7.2.1.4), which feeds still carry.
    pub fn from_stix_marking(id: &str) -> Option<Tlp> {
        if let Some(t) = Self::ALL.into_iter().find(|t| t.stix_marking_id() == id) {
            return Some(t);
        }
        Some(match id {
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9" => Tlp::Clear,
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da" => Tlp::Green,
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82" => Tlp::Amber,
            "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed" => Tlp::Red,
            _ => return None,
        })
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_round_trips_through_its_stored_spelling_and_its_stix_marking() {
        for t in Tlp::ALL {
            assert_eq!(Tlp::parse(t.as_str()), Some(t));
            assert_eq!(Tlp::parse(t.label()), Some(t));
            assert_eq!(Tlp::from_stix_marking(t.stix_marking_id()), Some(t));
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::json!(t.as_str())
            );
        }
    }

    #[test]
    fn parsing_accepts_any_case_the_prefix_and_tlp_1_white_and_nothing_else() {
        assert_eq!(Tlp::parse(" TLP:Amber+Strict "), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::parse("WHITE"), Some(Tlp::Clear));
        assert_eq!(Tlp::parse("amber strict"), None);
        assert_eq!(Tlp::parse(""), None);
        assert_eq!(Tlp::parse("tlp:"), None);
        assert_eq!(Tlp::parse("orange"), None);
    }

    #[test]
    fn tlp_1_markings_in_received_feeds_map_to_their_tlp_2_labels() {
        let v1 = [
            ("613f2e26-407d-48c7-9eca-b8e91df99dc9", Tlp::Clear),
            ("34098fce-860f-48ae-8e50-ebd3cc5e41da", Tlp::Green),
            ("f88d31f6-486f-44da-b317-01333bde0b82", Tlp::Amber),
            ("5e57c739-391a-4eb3-b6be-7d15ca92d5ed", Tlp::Red),
        ];
        for (uuid, t) in v1 {
            assert_eq!(
                Tlp::from_stix_marking(&format!("marking-definition--{uuid}")),
                Some(t)
            );
        }
        assert_eq!(
            Tlp::from_stix_marking("marking-definition--00000000-0000-0000-0000-000000000000"),
            None
        );
    }

    #[test]
    fn red_is_read_only_by_its_own_agency_and_never_exported() {
        assert!(Tlp::Red.readable_by(Reader::OwnAgency));
        assert!(!Tlp::Red.readable_by(Reader::Outside));
        assert!(!Tlp::Red.exportable_by(Reader::OwnAgency));
        assert!(!Tlp::Red.exportable_by(Reader::Outside));
        assert!(!Tlp::Red.correlates());
    }

    #[test]
    fn amber_strict_stays_within_the_agency_its_own_export_included() {
        assert!(Tlp::AmberStrict.readable_by(Reader::OwnAgency));
        assert!(!Tlp::AmberStrict.readable_by(Reader::Outside));
        assert!(Tlp::AmberStrict.exportable_by(Reader::OwnAgency));
        assert!(!Tlp::AmberStrict.exportable_by(Reader::Outside));
        assert!(!Tlp::AmberStrict.correlates());
    }

    #[test]
    fn clear_green_and_amber_go_wherever_the_incident_goes() {
        for t in [Tlp::Clear, Tlp::Green, Tlp::Amber] {
            for r in [Reader::OwnAgency, Reader::Outside] {
                assert!(t.readable_by(r) && t.exportable_by(r), "{t} for {r:?}");
            }
            assert!(t.correlates());
        }
    }

    #[test]
    fn nothing_an_outsider_may_not_read_is_exported_to_them_or_correlated() {
        for t in Tlp::ALL {
            if !t.readable_by(Reader::Outside) {
                assert!(!t.exportable_by(Reader::Outside) && !t.correlates(), "{t}");
            }
            // What the agency may not even export itself, nobody may.
            if !t.exportable_by(Reader::OwnAgency) {
                assert!(!t.exportable_by(Reader::Outside), "{t}");
            }
        }
    }

    #[test]
    fn the_query_sets_list_exactly_the_labels_the_rules_allow() {
        assert_eq!(
            Tlp::readable_set(Reader::Outside),
            ["clear", "green", "amber"]
        );
        assert_eq!(Tlp::readable_set(Reader::OwnAgency).len(), 5);
        assert_eq!(Tlp::correlating_set(), ["clear", "green", "amber"]);
        assert_eq!(
            Tlp::exportable_set(Reader::OwnAgency),
            ["clear", "green", "amber", "amber+strict"]
        );
        assert_eq!(
            Tlp::exportable_set(Reader::Outside),
            ["clear", "green", "amber"]
        );
        let order = Tlp::strictness();
        assert!(Tlp::ALL
            .windows(2)
            .all(|w| w[0].stricter(w[1]) == w[1] && order[0] == "clear"));
    }

    #[test]
    fn only_people_of_the_incident_s_own_agency_read_as_the_agency() {
        let own = AgencyId(uuid::Uuid::from_u128(1));
        let above = AgencyId(uuid::Uuid::from_u128(2));
        assert_eq!(Reader::of(own, own), Reader::OwnAgency);
        assert_eq!(Reader::of(above, own), Reader::Outside);
    }

    #[test]
    fn only_the_agency_that_recorded_an_indicator_marks_it() {
        assert!(Tlp::may_mark(Reader::OwnAgency));
        assert!(!Tlp::may_mark(Reader::Outside));
    }

    #[test]
    fn the_stricter_of_two_markings_is_the_one_further_along_the_scale() {
        assert_eq!(Tlp::Green.stricter(Tlp::Amber), Tlp::Amber);
        assert_eq!(Tlp::Amber.stricter(Tlp::Clear), Tlp::Amber);
        assert_eq!(Tlp::Red.stricter(Tlp::AmberStrict), Tlp::Red);
        assert_eq!(Tlp::DEFAULT, Tlp::Amber);
    }
}
