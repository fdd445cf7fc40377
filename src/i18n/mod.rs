//! Traditional Chinese first, English on request: the one mechanism by which the portal speaks.
//!
//! Every user-visible string (pages, handlers, the domain's labels and refusals, reports, the
//! PDF, CSV headers, e-mail) is a key of [`catalog`], in both languages. Code that has something
//! to say builds a [`Text`] (a key and the values of its placeholders); whoever shows it picks
//! the language with [`Lang::text`] or [`Lang::get`]. The domain depends on this module only for
//! [`Text`], which carries no language: the procedure decides *what* is said, the page *how*.

pub mod catalog;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    ZhTw,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::ZhTw, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhTw => "zh-TW",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Lang {
        if code.eq_ignore_ascii_case("en") {
            Lang::En
        } else {
            Lang::ZhTw
        }
    }

    /// Chinese unless the browser asks for English before any Chinese.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let Some(h) = header else { return Lang::ZhTw };
        for tag in h.split(',').map(|p| {
            p.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        }) {
            if tag.starts_with("zh") {
                return Lang::ZhTw;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::ZhTw
    }

    /// One of two values stored in both languages (agency names kept bilingually in the
    /// register). Never for texts written in the code: those are catalog keys.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::ZhTw => zh,
            Lang::En => en,
        }
    }

    /// The text for `key`; an unknown key shows itself, so a gap is visible, not blank.
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        match catalog::lookup(key) {
            Some((zh, en)) => self.pick(zh, en),
            None => key,
        }
    }

    /// The same as [`Lang::get`], by value.
    pub fn tr(self, key: &str) -> &str {
        self.get(key)
    }

    fn arg(self, a: &Arg) -> String {
        match a {
            Arg::Plain(s) => s.clone(),
            Arg::Text(t) => self.text(t),
            Arg::List(items) => items
                .iter()
                .map(|a| self.arg(a))
                .collect::<Vec<_>>()
                .join(self.get("report.list_separator")),
        }
    }

    /// The accessible name of a field in row `row` (from 1) of a form laid out as a table:
    /// the column's name (a catalog key) and the row, e.g. 「姓名（第 3 列）」.
    pub fn in_row(self, column: &'static str, row: impl std::fmt::Display) -> String {
        self.text(
            &Text::key("team.roster.field_label")
                .with("column", Text::key(column))
                .with("row", row.to_string()),
        )
    }

    /// A text with its placeholders filled, in this language.
    pub fn text(self, text: &Text) -> String {
        let mut out = self.get(text.key).to_string();
        for (name, value) in &text.args {
            let shown = self.arg(value);
            out = out.replace(&format!("{{{name}}}"), &shown);
        }
        out
    }
}

/// Something to tell a user: a catalog key and the values of its `{placeholders}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text {
    key: &'static str,
    args: Vec<(&'static str, Arg)>,
}

/// A placeholder's value: plain data (a name, a number, a date), or another text, which is
/// shown in the same language as the one around it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Arg {
    Plain(String),
    Text(Text),
    /// Several values, joined as the language lists them (、 or a comma).
    List(Vec<Arg>),
}

impl Text {
    pub const fn key(key: &'static str) -> Text {
        Text {
            key,
            args: Vec::new(),
        }
    }

    /// Fills `{name}` with `value`.
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Text {
        self.args.push((name, value.into()));
        self
    }

    pub fn catalog_key(&self) -> &'static str {
        self.key
    }

    /// The text in both languages, for answers that carry both (the JSON API).
    pub fn both(&self) -> (String, String) {
        (Lang::ZhTw.text(self), Lang::En.text(self))
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Plain(s)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Plain(s.to_string())
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Plain(s.clone())
    }
}

impl From<Text> for Arg {
    fn from(t: Text) -> Arg {
        Arg::Text(t)
    }
}

macro_rules! numeric_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Plain(n.to_string())
            }
        }
    )*};
}
numeric_arg!(u8, u16, u32, u64, usize, i32, i64);

impl serde::Serialize for Text {
    /// `{"zh": …, "en": …}`: what the JSON API answers for a text.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let (zh, en) = self.both();
        let mut st = s.serialize_struct("Text", 2)?;
        st.serialize_field("zh", &zh)?;
        st.serialize_field("en", &en)?;
        st.end()
    }
}

#[cfg(test)]
mod tests;
