//! Server-side PDF of the investigation, handling and improvement report (調查、處理及改善報告).
//!
//! A4 pages with the agency and incident number in the header of every page, "第 N 頁／共 M 頁"
//! in the footer, text wrapped per character by measured width (CJK has no spaces), automatic
//! page breaks, and a red 密件 marking in the header and footer of every page of a classified
//! report. The CJK font (Noto Sans CJK from Debian's `fonts-noto-cjk` unless `PORTAL_CJK_FONT`
//! names another) is embedded as a subset, so the file stays small and renders anywhere.
//!
//! [`render_pdf`] is CPU-bound (and reads the ~20 MB font file on first use): call it from
//! `tokio::task::spawn_blocking`, not directly on an async worker.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Document;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::raw::FileRef;
use skrifa::string::StringId;
use skrifa::{charmap::Charmap, FontRef, MetadataProvider};

use crate::i18n::{Lang, Text};

/// The report to render. The lead wires this from the incident and its report fields.
#[derive(Debug, Clone, Default)]
pub struct ReportDoc {
    /// Printed large on page 1, e.g. "調查、處理及改善報告"; also the PDF's title metadata.
    pub title: String,
    /// Agency name, printed in the header of every page.
    pub agency: String,
    /// Incident number, e.g. "AGA-2026-0001", printed in the header of every page.
    pub number: String,
    /// Level 3/4: every page is marked 密件 in red, in its header and its footer.
    pub classified: bool,
    /// The classified-document number, shown on page 1 (as 密件編號) once recorded.
    pub classified_number: Option<String>,
    pub sections: Vec<ReportSection>,
    /// The language of the document's fixed words (the 密件 mark, page numbers).
    pub lang: Lang,
}

/// One numbered part of the report: a heading and its paragraphs (which may be long and
/// contain newlines; they are wrapped to the page width).
#[derive(Debug, Clone, Default)]
pub struct ReportSection {
    pub heading: String,
    pub paragraphs: Vec<String>,
    /// An anchor for the printable page (e.g. the parts not yet on record).
    pub id: Option<&'static str>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("no CJK font found: install fonts-noto-cjk (or set PORTAL_CJK_FONT)")]
    NoFont,
    #[error("{0}")]
    Render(String),
}

/// Known Debian locations of CJK fonts, best first. Collections (.ttc) are fine: the face for
/// Traditional Chinese is picked by its family name.
const DEBIAN_FONTS: &[&str] = &[
    // fonts-noto-cjk
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    // fonts-noto-cjk-extra
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    // fonts-arphic-uming
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    // fonts-wqy-microhei / fonts-wqy-zenhei
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    // fonts-droid-fallback
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
];

/// The font file used, found once: $PORTAL_CJK_FONT, else known Debian paths.
pub fn cjk_font_path() -> Option<PathBuf> {
    static PATH: OnceLock<Option<PathBuf>> = OnceLock::new();
    PATH.get_or_init(|| {
        if let Some(p) = std::env::var_os("PORTAL_CJK_FONT").filter(|p| !p.is_empty()) {
            let p = PathBuf::from(p);
            if p.is_file() {
                return Some(p);
            }
            tracing::warn!(path = %p.display(), "PORTAL_CJK_FONT is not a file; trying Debian's CJK fonts");
        }
        DEBIAN_FONTS.iter().map(PathBuf::from).find(|p| p.is_file())
    })
    .clone()
}

/// The font's bytes and the face index to use, loaded once per process.
struct LoadedFont {
    data: Arc<Vec<u8>>,
    index: u32,
}

fn loaded_font() -> Result<&'static LoadedFont, ReportError> {
    static FONT: OnceLock<Option<LoadedFont>> = OnceLock::new();
    FONT.get_or_init(|| {
        let path = cjk_font_path()?;
        match load_font(&path) {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "cannot use the CJK font");
                None
            }
        }
    })
    .as_ref()
    .ok_or(ReportError::NoFont)
}

fn load_font(path: &Path) -> Result<LoadedFont, String> {
    let data = std::fs::read(path).map_err(|e| e.to_string())?;
    let index = match FileRef::new(&data).map_err(|e| e.to_string())? {
        FileRef::Font(_) => 0,
        FileRef::Collection(c) => {
            // Prefer the Traditional Chinese face of a collection (Noto: "Noto Sans CJK TC";
            // AR PL: "AR PL UMing TW"), proportional rather than monospaced.
            let score = |font: &FontRef| -> i32 {
                let family = font
                    .localized_strings(StringId::FAMILY_NAME)
                    .english_or_first()
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                let tc = [" TC", " TW", " HK"]
                    .iter()
                    .position(|t| family.ends_with(t) || family.contains(&format!("{t} ")))
                    .map_or(0, |i| 10 - i as i32);
                tc * 2 - i32::from(family.contains("Mono"))
            };
            (0..c.len())
                .filter_map(|i| c.get(i).ok().map(|f| (i, score(&f))))
                .max_by_key(|&(i, s)| (s, -(i as i64)))
                .map_or(0, |(i, _)| i)
        }
    };
    let font = FontRef::from_index(&data, index).map_err(|e| e.to_string())?;
    if font.charmap().map('報').is_none() {
        return Err("the font has no glyphs for Traditional Chinese".into());
    }
    Ok(LoadedFont {
        data: Arc::new(data),
        index,
    })
}

// ---------------------------------------------------------------------------------------------
// Page geometry (PDF points, origin top-left, y down as krilla draws).

const PAGE_W: f32 = 595.28; // A4
const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 62.0; // ~22 mm
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const BODY_TOP: f32 = 92.0;
const BODY_BOTTOM: f32 = PAGE_H - 74.0;

const HEADER_SIZE: f32 = 9.5;
const MARK_SIZE: f32 = 15.0;
const TITLE_SIZE: f32 = 19.0;
const HEADING_SIZE: f32 = 13.5;
const BODY_SIZE: f32 = 11.5;
const FOOTER_SIZE: f32 = 9.5;
const LINE_FACTOR: f32 = 1.65;

fn black() -> rgb::Color {
    rgb::Color::new(0, 0, 0)
}
fn grey() -> rgb::Color {
    rgb::Color::new(90, 90, 90)
}
fn red() -> rgb::Color {
    rgb::Color::new(200, 16, 16)
}

/// Glyph lookup and advance widths for the one face we draw with.
struct Metrics<'a> {
    charmap: Charmap<'a>,
    glyphs: GlyphMetrics<'a>,
    upem: f32,
}

impl<'a> Metrics<'a> {
    fn new(font: &FontRef<'a>) -> Self {
        let upem = font
            .metrics(Size::unscaled(), LocationRef::default())
            .units_per_em;
        Metrics {
            charmap: font.charmap(),
            glyphs: font.glyph_metrics(Size::unscaled(), LocationRef::default()),
            upem: f32::from(upem.max(1)),
        }
    }

    /// The glyph for `c` (.notdef when the font lacks it) and its advance per 1 pt of size.
    fn glyph(&self, c: char) -> (GlyphId, f32) {
        let gid = self.charmap.map(c).unwrap_or_default();
        let adv = self.glyphs.advance_width(gid).unwrap_or(0.0) / self.upem;
        (GlyphId::new(gid.to_u32()), adv)
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.glyph(c).1).sum::<f32>() * size
    }

    /// `text` cut to `max` points wide, with "…" when something was cut.
    fn truncate(&self, text: &str, size: f32, max: f32) -> String {
        if self.width(text, size) <= max {
            return text.to_string();
        }
        let ell = self.width("…", size);
        let mut out = String::new();
        let mut w = 0.0;
        for c in text.chars() {
            let cw = self.glyph(c).1 * size;
            if w + cw + ell > max {
                break;
            }
            w += cw;
            out.push(c);
        }
        out.push('…');
        out
    }

    /// Greedy line breaking of one paragraph to `max` points. Newlines are hard breaks.
    /// Breaks go between CJK characters or after spaces, a Latin word longer than the line is
    /// broken per character, and closing punctuation (，。」…) may hang into the margin rather
    /// than start a line.
    fn wrap(&self, text: &str, size: f32, max: f32) -> Vec<String> {
        self.wrap_lines(text, size, max)
            .into_iter()
            .map(|(line, _)| line)
            .collect()
    }

    /// [`Metrics::wrap`], telling for each line whether it ends at a wrap (so it may be
    /// justified) rather than at a newline or the end of the text.
    fn wrap_lines(&self, text: &str, size: f32, max: f32) -> Vec<(String, bool)> {
        let mut lines = Vec::new();
        for hard in text.split('\n') {
            let hard = hard.trim_end_matches('\r');
            let mut cur = String::new();
            let mut cur_w = 0.0f32;
            let mut last_break: Option<usize> = None; // byte index in `cur` where a line may start
            let mut prev: Option<char> = None;
            for c in hard.chars().map(clean_char).filter(|c| !c.is_control()) {
                let w = self.glyph(c).1 * size;
                let hang = is_closing(c) && cur_w <= max;
                if cur_w + w > max && !cur.is_empty() && !hang {
                    match last_break.filter(|&b| b > 0) {
                        Some(b) => {
                            let rest = cur.split_off(b);
                            lines.push((cur.trim_end().to_string(), true));
                            cur = rest.trim_start().to_string();
                            cur_w = self.width(&cur, size);
                            if cur_w + w > max && !cur.is_empty() {
                                lines.push((std::mem::take(&mut cur), true));
                                cur_w = 0.0;
                            }
                        }
                        None => {
                            lines.push((std::mem::take(&mut cur), true));
                            cur_w = 0.0;
                        }
                    }
                    last_break = None;
                    prev = cur.chars().last();
                    if cur.is_empty() && c == ' ' {
                        continue; // no leading space on a wrapped line
                    }
                }
                if let Some(p) = prev {
                    if !cur.is_empty() && can_break_between(p, c) {
                        last_break = Some(cur.len());
                    }
                }
                cur.push(c);
                cur_w += w;
                prev = Some(c);
            }
            lines.push((cur.trim_end().to_string(), false));
        }
        lines
    }
}

fn clean_char(c: char) -> char {
    if c == '\t' {
        ' '
    } else {
        c
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x9FFF | 0xA960..=0xA97F | 0xAC00..=0xD7FF | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

fn is_closing(c: char) -> bool {
    "，。、；：！？）」』】》〉．,.;:!?)]}…％%".contains(c)
}

fn is_opening(c: char) -> bool {
    "（「『【《〈([{".contains(c)
}

fn can_break_between(a: char, b: char) -> bool {
    if is_opening(a) || is_closing(b) {
        return false;
    }
    a == ' ' || is_opening(b) || is_cjk(a) || is_cjk(b)
}

// ---------------------------------------------------------------------------------------------
// Layout: the body is laid out into pages first, so the footer can say how many there are.

struct TextItem {
    x: f32,
    baseline: f32,
    size: f32,
    bold: bool,
    color: rgb::Color,
    text: String,
    /// Extra space between characters, to justify a wrapped line.
    gap: f32,
}

enum Item {
    Text(TextItem),
    Rule { y: f32, width: f32 },
}

struct Layout<'m, 'a> {
    m: &'m Metrics<'a>,
    pages: Vec<Vec<Item>>,
    y: f32,
}

impl Layout<'_, '_> {
    fn page(&mut self) -> &mut Vec<Item> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        self.pages.last_mut().expect("a page")
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    /// Moves to a new page unless `height` more points fit on this one.
    fn need(&mut self, height: f32) {
        if self.y + height > BODY_BOTTOM && self.y > BODY_TOP {
            self.new_page();
        }
    }

    /// A line of text whose top is at the cursor; `align` 0 = left, 0.5 = centre, 1 = right.
    fn line(
        &mut self,
        text: String,
        size: f32,
        bold: bool,
        color: rgb::Color,
        indent: f32,
        align: f32,
    ) {
        let lh = size * LINE_FACTOR;
        self.need(lh);
        let w = self.m.width(&text, size);
        let x = MARGIN_X + indent + (CONTENT_W - indent - w).max(0.0) * align;
        let baseline = self.y + size * 1.15;
        self.page().push(Item::Text(TextItem {
            x,
            baseline,
            size,
            bold,
            color,
            text,
            gap: 0.0,
        }));
        self.y += lh;
    }

    /// A line of body text, justified to the width when it ends at a wrap (as Chinese
    /// documents are set) unless that would space it out conspicuously.
    fn body_line(&mut self, text: String, indent: f32, wrapped: bool) {
        let avail = CONTENT_W - indent;
        let w = self.m.width(&text, BODY_SIZE);
        let gaps = text.chars().count().saturating_sub(1) as f32;
        let gap = if wrapped && gaps > 0.0 && w < avail {
            (avail - w) / gaps
        } else {
            0.0
        };
        self.line(text, BODY_SIZE, false, black(), indent, 0.0);
        if gap <= BODY_SIZE * 0.25 {
            if let Some(Item::Text(t)) = self.page().last_mut() {
                t.gap = gap;
            }
        }
    }

    fn rule(&mut self, width: f32) {
        let y = self.y;
        self.page().push(Item::Rule { y, width });
    }
}

fn layout(doc: &ReportDoc, m: &Metrics) -> Vec<Vec<Item>> {
    let mut l = Layout {
        m,
        pages: vec![Vec::new()],
        y: BODY_TOP,
    };

    let title = if doc.title.trim().is_empty() {
        doc.lang.get("report.title.investigation")
    } else {
        doc.title.trim()
    };
    for line in m.wrap(title, TITLE_SIZE, CONTENT_W) {
        l.line(line, TITLE_SIZE, true, black(), 0.0, 0.5);
    }
    l.y += 4.0;
    let t = doc.lang;
    let mut meta = vec![format!("{}{}", t.get("report.number_label"), doc.number)];
    if let Some(n) = doc
        .classified_number
        .as_deref()
        .filter(|n| !n.trim().is_empty())
    {
        meta.push(format!(
            "{}{}",
            t.get("report.classified_number_label"),
            n.trim()
        ));
    }
    for (i, text) in meta.into_iter().enumerate() {
        let color = if i > 0 { red() } else { black() };
        l.line(text, BODY_SIZE, false, color, 0.0, 1.0);
    }
    l.y += 4.0;
    l.rule(0.8);
    l.y += 10.0;

    for section in &doc.sections {
        // Keep a heading with at least two lines of its text.
        l.need(HEADING_SIZE * LINE_FACTOR + 2.0 * BODY_SIZE * LINE_FACTOR + 8.0);
        l.y += 4.0;
        for line in m.wrap(section.heading.trim(), HEADING_SIZE, CONTENT_W) {
            l.line(line, HEADING_SIZE, true, black(), 0.0, 0.0);
        }
        l.y += 2.0;
        for para in &section.paragraphs {
            let indent = BODY_SIZE; // a little inset under the heading
            for (line, wrapped) in m.wrap_lines(para, BODY_SIZE, CONTENT_W - indent) {
                l.body_line(line, indent, wrapped);
            }
            l.y += BODY_SIZE * 0.5;
        }
        l.y += 6.0;
    }
    l.pages
}

// ---------------------------------------------------------------------------------------------
// Drawing.

fn draw_text(s: &mut Surface, font: &Font, m: &Metrics, t: &TextItem) {
    let mut glyphs = Vec::with_capacity(t.text.len());
    let last = t.text.char_indices().last().map_or(0, |(i, _)| i);
    for (i, c) in t.text.char_indices() {
        let (gid, mut adv) = m.glyph(c);
        if i != last {
            adv += t.gap / t.size;
        }
        let range: Range<usize> = i..i + c.len_utf8();
        glyphs.push(KrillaGlyph::new(gid, adv, 0.0, 0.0, 0.0, range, None));
    }
    s.set_fill(Some(Fill {
        paint: t.color.into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }));
    // Bold by a thin outline in the same colour (the font file has one weight).
    s.set_stroke(t.bold.then(|| Stroke {
        paint: t.color.into(),
        width: t.size * 0.035,
        ..Default::default()
    }));
    s.draw_glyphs(
        Point::from_xy(t.x, t.baseline),
        &glyphs,
        font.clone(),
        &t.text,
        t.size,
        false,
    );
    s.set_stroke(None);
}

fn draw_line(s: &mut Surface, x1: f32, x2: f32, y: f32, width: f32, color: rgb::Color) {
    let mut pb = PathBuilder::new();
    pb.move_to(x1, y);
    pb.line_to(x2, y);
    if let Some(path) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            paint: color.into(),
            width,
            ..Default::default()
        }));
        s.draw_path(&path);
        s.set_stroke(None);
    }
}

fn draw_box(s: &mut Surface, rect: Rect, color: rgb::Color) {
    let mut pb = PathBuilder::new();
    pb.push_rect(rect);
    if let Some(path) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            paint: color.into(),
            width: 1.2,
            ..Default::default()
        }));
        s.draw_path(&path);
        s.set_stroke(None);
    }
}

/// The red boxed 密件 mark centred on `baseline`.
fn draw_mark(s: &mut Surface, font: &Font, m: &Metrics, t: Lang, baseline: f32) {
    let mark = t.get("report.classified_mark");
    let w = m.width(mark, MARK_SIZE);
    let x = (PAGE_W - w) / 2.0;
    draw_text(
        s,
        font,
        m,
        &TextItem {
            x,
            baseline,
            size: MARK_SIZE,
            bold: true,
            color: red(),
            text: mark.into(),
            gap: 0.0,
        },
    );
    if let Some(r) = Rect::from_xywh(
        x - 5.0,
        baseline - MARK_SIZE * 1.0,
        w + 10.0,
        MARK_SIZE * 1.3,
    ) {
        draw_box(s, r, red());
    }
}

fn draw_header_footer(
    s: &mut Surface,
    font: &Font,
    m: &Metrics,
    doc: &ReportDoc,
    n: usize,
    total: usize,
) {
    let small = |x: f32, baseline: f32, size: f32, text: String| TextItem {
        x,
        baseline,
        size,
        bold: false,
        color: grey(),
        text,
        gap: 0.0,
    };
    // Header: 密件 (classified) on top, then agency left and incident number right, then a rule.
    if doc.classified {
        draw_mark(s, font, m, doc.lang, 34.0);
    }
    let header_base = 60.0;
    let number_w = m.width(&doc.number, HEADER_SIZE);
    draw_text(
        s,
        font,
        m,
        &small(
            PAGE_W - MARGIN_X - number_w,
            header_base,
            HEADER_SIZE,
            doc.number.clone(),
        ),
    );
    let agency = m.truncate(doc.agency.trim(), HEADER_SIZE, CONTENT_W - number_w - 24.0);
    draw_text(
        s,
        font,
        m,
        &small(MARGIN_X, header_base, HEADER_SIZE, agency),
    );
    draw_line(
        s,
        MARGIN_X,
        PAGE_W - MARGIN_X,
        header_base + 6.0,
        0.5,
        grey(),
    );

    // Footer: a rule, the page number, and 密件 again below it.
    let footer_rule = PAGE_H - 62.0;
    draw_line(s, MARGIN_X, PAGE_W - MARGIN_X, footer_rule, 0.5, grey());
    let label = doc.lang.text(
        &Text::key("report.page_of")
            .with("page", n)
            .with("pages", total),
    );
    let w = m.width(&label, FOOTER_SIZE);
    draw_text(
        s,
        font,
        m,
        &small((PAGE_W - w) / 2.0, footer_rule + 16.0, FOOTER_SIZE, label),
    );
    if doc.classified {
        draw_mark(s, font, m, doc.lang, PAGE_H - 18.0);
    }
}

/// Renders the report as an A4 PDF with the CJK font embedded (subset). CPU-bound: call it
/// inside `spawn_blocking`.
pub fn render_pdf(doc: &ReportDoc) -> Result<Vec<u8>, ReportError> {
    let loaded = loaded_font()?;
    let face = FontRef::from_index(&loaded.data, loaded.index)
        .map_err(|e| ReportError::Render(format!("font: {e}")))?;
    let font = Font::new(loaded.data.clone().into(), loaded.index)
        .ok_or_else(|| ReportError::Render("krilla cannot read the font".into()))?;
    let m = Metrics::new(&face);

    let pages = layout(doc, &m);
    let total = pages.len();

    let mut document = Document::new();
    let mut metadata = Metadata::new()
        .language("zh-TW".into())
        .creator("portal".into());
    let title = [doc.title.trim(), doc.number.trim()]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if !title.is_empty() {
        metadata = metadata.title(title);
    }
    document.set_metadata(metadata);
    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| ReportError::Render("bad page size".into()))?;
    for (i, items) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut s = page.surface();
        draw_header_footer(&mut s, &font, &m, doc, i + 1, total);
        for item in items {
            match item {
                Item::Text(t) => draw_text(&mut s, &font, &m, t),
                Item::Rule { y, width } => {
                    draw_line(&mut s, MARGIN_X, PAGE_W - MARGIN_X, *y, *width, black())
                }
            }
        }
        s.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| ReportError::Render(format!("pdf: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn sample(classified: bool) -> ReportDoc {
        let long: String = (1..=25)
            .map(|i| {
                format!(
                    "第{i}點：經查本機關對外服務之網站伺服器於 2026 年 1 月遭受來自境外 IP 位址之大量登入嘗試，\
                     攻擊者利用管理帳號之弱密碼取得系統權限（含 SSH 與 Web 管理介面），並植入惡意程式 \
                     cryptominer-x86_64 進行挖礦。"
                )
            })
            .collect();
        ReportDoc {
            title: "調查、處理及改善報告".into(),
            agency: "行政院農業部農業試驗所".into(),
            number: "AGA-2026-0001".into(),
            classified,
            classified_number: classified.then(|| "密字第 1150000123 號".into()),
            sections: vec![
                ReportSection {
                    heading: "一、事件發生原因".into(),
                    paragraphs: vec!["根本原因：弱密碼遭暴力破解".into(), long.clone()],
                    id: None,
                },
                ReportSection {
                    heading: "二、處理情形".into(),
                    paragraphs: vec![
                        "1. 隔離受害主機。\n2. 重設所有管理帳號密碼，並啟用多因子驗證（MFA）。\n3. 檢視防火牆規則。"
                            .into(),
                    ],
                    id: None,
                },
                ReportSection {
                    heading: "三、改善措施".into(),
                    paragraphs: vec![long],
                    id: None,
                },
            ],
            lang: Lang::ZhTw,
        }
    }

    fn write_temp(name: &str, pdf: &[u8]) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("report_pdf_{}_{name}.pdf", std::process::id()));
        std::fs::write(&path, pdf).expect("write temp pdf");
        path
    }

    /// Runs a poppler-utils tool on `path` (then `after`) and returns its standard output.
    fn poppler(tool: &str, before: &[&str], path: &Path, after: &[&str]) -> String {
        let out = Command::new(tool)
            .args(before)
            .arg(path)
            .args(after)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run {tool} ({e}): install poppler-utils (apt-get install -y poppler-utils)")
            });
        assert!(
            out.status.success(),
            "{tool} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 output")
    }

    fn pdftotext(path: &Path) -> String {
        poppler("pdftotext", &["-layout", "-enc", "UTF-8"], path, &["-"])
    }

    /// pdftotext ends every page with a form feed.
    fn pages(text: &str) -> Vec<&str> {
        let mut pages: Vec<&str> = text.split('\x0c').collect();
        if pages.last().is_some_and(|p| p.trim().is_empty()) {
            pages.pop();
        }
        pages
    }

    #[test]
    fn classified_report_renders_chinese_on_every_page() {
        let pdf = render_pdf(&sample(true)).expect("render");
        assert!(pdf.starts_with(b"%PDF-"));
        let path = write_temp("classified", &pdf);
        let text = pdftotext(&path);
        assert!(
            text.contains("AGA-2026-0001"),
            "incident number missing:\n{text}"
        );
        assert!(
            text.contains("弱密碼遭暴力破解"),
            "root cause missing:\n{text}"
        );
        assert!(text.contains("調查、處理及改善報告"), "title missing");
        assert!(text.contains("行政院農業部農業試驗所"), "agency missing");
        assert!(
            text.contains("密字第 1150000123 號"),
            "classified number missing"
        );
        assert!(text.contains("第 1 頁"), "page number missing:\n{text}");
        let pages = pages(&text);
        assert!(
            pages.len() >= 3,
            "the long text should take several pages, got {}",
            pages.len()
        );
        for (i, page) in pages.iter().enumerate() {
            assert!(
                page.matches("密件").count() >= 2,
                "page {} lacks 密件 in header and footer:\n{page}",
                i + 1
            );
            assert!(
                page.contains("AGA-2026-0001"),
                "page {} lacks the header",
                i + 1
            );
            assert!(
                page.contains("行政院農業部農業試驗所"),
                "page {} lacks the agency",
                i + 1
            );
            assert!(
                page.contains(&format!("第 {} 頁", i + 1)),
                "page {} lacks its number",
                i + 1
            );
            assert!(
                page.contains(&format!("共 {} 頁", pages.len())),
                "page {} lacks the total",
                i + 1
            );
        }
        // The font is embedded as a subset, which keeps the file small.
        let fonts = poppler("pdffonts", &[], &path, &[]).replace('-', "");
        assert!(
            fonts.lines().skip(2).all(|l| l.contains("yes yes")),
            "font not embedded+subset:\n{fonts}"
        );
        assert!(
            pdf.len() < 600_000,
            "PDF unexpectedly large: {} bytes",
            pdf.len()
        );
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn unclassified_report_has_no_classified_mark() {
        let pdf = render_pdf(&sample(false)).expect("render");
        let path = write_temp("open", &pdf);
        let text = pdftotext(&path);
        assert!(text.contains("AGA-2026-0001") && text.contains("弱密碼遭暴力破解"));
        assert!(text.contains("第 1 頁"));
        assert!(
            !text.contains("密件"),
            "an unclassified report must not say 密件:\n{text}"
        );
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn report_without_sections_renders() {
        let doc = ReportDoc {
            title: "調查、處理及改善報告".into(),
            agency: "測試機關".into(),
            number: "AGA-2026-0002".into(),
            ..Default::default()
        };
        let pdf = render_pdf(&doc).expect("render");
        let path = write_temp("empty", &pdf);
        let text = pdftotext(&path);
        assert_eq!(pages(&text).len(), 1);
        assert!(
            text.contains("AGA-2026-0002") && text.contains("第 1 頁／共 1 頁"),
            "{text}"
        );
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn wrapped_lines_fit_the_width() {
        let loaded = loaded_font().expect("font");
        let face = FontRef::from_index(&loaded.data, loaded.index).unwrap();
        let m = Metrics::new(&face);
        let text = "中文沒有空格所以要逐字斷行，English words wrap at spaces when they can, \
                    averyveryverylongwordwithoutanyspacesthatmustbebrokenpercharacterbecauseitdoesnotfit。"
            .repeat(5);
        let max = 200.0;
        let lines = m.wrap(&text, 11.0, max);
        assert!(lines.len() > 5);
        let joined: String = lines.concat();
        let squeezed = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
        assert_eq!(
            squeezed(&joined),
            squeezed(&text),
            "wrapping lost characters"
        );
        for l in &lines {
            // Only hanging closing punctuation may pass the edge, by one character.
            assert!(m.width(l, 11.0) <= max + 11.0, "line too wide: {l:?}");
            assert!(
                !l.starts_with('，') && !l.starts_with('。'),
                "line starts with punctuation: {l:?}"
            );
        }
        assert_eq!(m.wrap("一\n\n二", 11.0, max), vec!["一", "", "二"]);
    }
}
