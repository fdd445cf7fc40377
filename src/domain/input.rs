//! What people send: the rules for free text, the field errors a refusal names, and the shapes a
//! field may take whether it comes from an HTML form or a JSON body.
//!
//! A form sends every value as a string (a checkbox as `on`, a `datetime-local` input as Taipei
//! wall-clock time, a repeated field once per value); the JSON API sends booleans, RFC 3339 times
//! and arrays. The types here accept both, so that one request type per action serves the two.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;

use super::deadlines::TAIPEI;

/// Clocks of agencies' machines drift a little; more than this ahead is an error, not drift.
pub const CLOCK_TOLERANCE_MINUTES: i64 = 5;

/// Field name → message key (a catalog key the page or the API shows).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub BTreeMap<String, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message_key: &str) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| message_key.to_string());
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
    pub fn one(field: &str, message_key: &str) -> Self {
        let mut e = FieldErrors::default();
        e.add(field, message_key);
        e
    }
    /// `Ok(())` when nothing was added.
    pub fn check(self) -> Result<(), FieldErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

/// Free text: trimmed, within `max` characters, no control characters but line breaks and tabs.
pub fn clean_text(raw: &str, max: usize) -> Option<String> {
    let t = raw.trim();
    (t.chars().count() <= max
        && !t
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t'))
    .then(|| t.replace("\r\n", "\n"))
}

/// Text that must be there: the cleaned text, or the field's error.
pub fn required_text(raw: &str, max: usize, field: &str) -> Result<String, FieldErrors> {
    match clean_text(raw, max) {
        Some(t) if !t.is_empty() => Ok(t),
        Some(_) => Err(FieldErrors::one(field, "error.required")),
        None => Err(FieldErrors::one(field, "error.text_too_long")),
    }
}

/// Text that may be empty: the cleaned text, or the field's error.
pub fn optional_text(raw: &str, max: usize, field: &str) -> Result<String, FieldErrors> {
    clean_text(raw, max).ok_or_else(|| FieldErrors::one(field, "error.text_too_long"))
}

/// A single line (a name, a number): no line breaks.
pub fn one_line(raw: &str, max: usize, field: &str) -> Result<String, FieldErrors> {
    let t = required_text(raw, max, field)?;
    if t.contains('\n') {
        return Err(FieldErrors::one(field, "error.text_too_long"));
    }
    Ok(t)
}

/// A time that has happened: agencies' clocks drift a little, more is an error.
pub fn not_in_future(
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    field: &str,
) -> Result<(), FieldErrors> {
    if at > now + Duration::minutes(CLOCK_TOLERANCE_MINUTES) {
        Err(FieldErrors::one(field, "error.time_in_future"))
    } else {
        Ok(())
    }
}

/// RFC 3339 (the API), or a `datetime-local` value, which is Taipei wall-clock time (the forms).
pub fn parse_time(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    TAIPEI
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// A yes/no field: JSON `true`/`false`, or a form's checkbox (`on`) and choices (`yes`/`no`).
/// Absent is no.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
                match v {
                    "on" | "true" | "yes" | "1" => Ok(Flag(true)),
                    "" | "off" | "false" | "no" | "0" => Ok(Flag(false)),
                    _ => Err(E::custom("error.choice_invalid")),
                }
            }
            fn visit_unit<E: de::Error>(self) -> Result<Flag, E> {
                Ok(Flag(false))
            }
        }
        d.deserialize_any(V)
    }
}

/// A time: RFC 3339, or Taipei wall-clock time as a `datetime-local` input sends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct When(pub DateTime<Utc>);

impl<'de> Deserialize<'de> for When {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d).map_err(|_| de::Error::custom("error.time_invalid"))?;
        parse_time(&raw)
            .map(When)
            .ok_or_else(|| de::Error::custom("error.time_invalid"))
    }
}

/// A calendar date, `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(pub NaiveDate);

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d).map_err(|_| de::Error::custom("error.date_invalid"))?;
        NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
            .map(Day)
            .map_err(|_| de::Error::custom("error.date_invalid"))
    }
}

/// A position in a list: a JSON number, or the digits a form sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Index(pub usize);

impl<'de> Deserialize<'de> for Index {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Index;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a position in the list")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Index, E> {
                usize::try_from(v)
                    .map(Index)
                    .map_err(|_| E::custom("error.choice_invalid"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Index, E> {
                usize::try_from(v)
                    .map(Index)
                    .map_err(|_| E::custom("error.choice_invalid"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Index, E> {
                v.trim()
                    .parse()
                    .map(Index)
                    .map_err(|_| E::custom("error.choice_invalid"))
            }
        }
        d.deserialize_any(V)
    }
}

/// Several values: a JSON array, the same form field repeated, or a single value; text with line
/// breaks counts one value per line (a form's textarea of names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Many<T>(pub Vec<T>);

impl<T> Default for Many<T> {
    fn default() -> Self {
        Many(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Many<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Many<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Many<T>, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(Many(out))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Many<T>, E> {
                v.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(|l| T::deserialize(de::value::StrDeserializer::<E>::new(l)))
                    .collect::<Result<_, _>>()
                    .map(Many)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Many<T>, E> {
                Ok(Many(Vec::new()))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::value::{Error as ValueError, StrDeserializer};

    fn from_str<'a, T: Deserialize<'a>>(s: &'a str) -> Result<T, ValueError> {
        T::deserialize(StrDeserializer::<ValueError>::new(s))
    }

    #[test]
    fn form_and_json_shapes_mean_the_same() {
        assert_eq!(from_str::<Flag>("on").unwrap(), Flag(true));
        assert_eq!(from_str::<Flag>("").unwrap(), Flag(false));
        assert!(from_str::<Flag>("maybe").is_err());
        let t = from_str::<When>("2026-03-02T09:00").unwrap();
        assert_eq!(t.0, Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap());
        assert_eq!(
            from_str::<When>("2026-03-02T01:00:00Z").unwrap(),
            from_str::<When>("2026-03-02T09:00:00+08:00").unwrap()
        );
        assert!(from_str::<When>("yesterday").is_err());
        assert!(from_str::<Day>("2026-02-30").is_err());
        assert_eq!(from_str::<Index>(" 3 ").unwrap(), Index(3));
        assert_eq!(
            from_str::<Many<String>>("甲\n\n 乙 ").unwrap().0,
            vec!["甲".to_string(), "乙".to_string()]
        );
    }

    #[test]
    fn text_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(clean_text("  a\r\nb ", 10).as_deref(), Some("a\nb"));
        assert_eq!(clean_text("abc", 2), None);
        assert_eq!(clean_text("bell\u{7}", 10), None);
        assert_eq!(
            required_text(" ", 10, "x"),
            Err(FieldErrors::one("x", "error.required"))
        );
        assert!(one_line("a\nb", 10, "x").is_err());
    }
}
