//! The investigation, handling and improvement report (調查、處理及改善報告) as an OpenDocument
//! text file (`.odt`, ODF 1.3), the government's standard format for the documents (公文) agencies
//! attach it to (#17 item 4).
//!
//! The same [`ReportDoc`] the PDF and the printable page are drawn from: title, incident number,
//! 密件 number, numbered sections with their paragraphs (dates already written as 民國 dates in
//! Chinese). Every page's header names the agency and the incident; a classified (level 3/4)
//! report carries a red 密件 mark in the header and the footer of every page, as the PDF does;
//! the footer numbers the pages (第 N 頁／共 M 頁, counted by the word processor).
//!
//! No font is embedded: the office suite opening it picks its own CJK face for "Noto Sans CJK
//! TC" (named, with the generic sans-serif family as fallback), so unlike the PDF this works on a
//! server without fonts.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::i18n::Lang;
use crate::report_pdf::ReportDoc;

/// The media type of an ODF text document: the `mimetype` entry and the HTTP Content-Type.
pub const ODT_MEDIA_TYPE: &str = "application/vnd.oasis.opendocument.text";

/// The report as an `.odt` file's bytes.
pub fn render_odt(doc: &ReportDoc) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    // ODF 1.3 part 2, 3.3: `mimetype` first, stored uncompressed, so that a reader can tell the
    // format from the file's first bytes.
    let stored = SimpleFileOptions::default().compression_method(CompressionMethod::Stored);
    let deflated = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    zip.start_file("mimetype", stored)?;
    zip.write_all(ODT_MEDIA_TYPE.as_bytes())?;
    for (name, xml) in [
        ("META-INF/manifest.xml", manifest()),
        ("meta.xml", meta(doc)),
        ("styles.xml", styles(doc)),
        ("content.xml", content(doc)),
    ] {
        zip.start_file(name, deflated)?;
        zip.write_all(xml.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

const XML_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;

const NAMESPACES: &str = concat!(
    r#"xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" "#,
    r#"xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" "#,
    r#"xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" "#,
    r#"xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" "#,
    r#"xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" "#,
    r#"xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" "#,
    r#"xmlns:dc="http://purl.org/dc/elements/1.1/" "#,
    r#"office:version="1.3""#,
);

fn manifest() -> String {
    format!(
        r#"{XML_HEAD}
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="{ODT_MEDIA_TYPE}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"#
    )
}

fn language(lang: Lang) -> (&'static str, &'static str) {
    match lang {
        Lang::ZhTw => ("zh", "TW"),
        Lang::En => ("en", "US"),
    }
}

fn title(doc: &ReportDoc) -> &str {
    if doc.title.trim().is_empty() {
        doc.lang.get("report.title.investigation")
    } else {
        doc.title.trim()
    }
}

fn meta(doc: &ReportDoc) -> String {
    let (lang, country) = language(doc.lang);
    format!(
        r#"{XML_HEAD}
<office:document-meta {NAMESPACES}><office:meta>
 <meta:generator>incident portal</meta:generator>
 <dc:title>{}</dc:title>
 <dc:subject>{}</dc:subject>
 <dc:language>{lang}-{country}</dc:language>
</office:meta></office:document-meta>
"#,
        escape(title(doc)),
        escape(&doc.number),
    )
}

/// The page: A4, header (密件; agency and incident number), footer (page N of M; 密件).
fn styles(doc: &ReportDoc) -> String {
    let (lang, country) = language(doc.lang);
    let t = doc.lang;
    let mark = if doc.classified {
        format!(
            r#"<text:p text:style-name="Classified">{}</text:p>"#,
            escape(t.get("report.classified_mark"))
        )
    } else {
        String::new()
    };
    // 第 {page} 頁／共 {pages} 頁: the numbers are fields the word processor fills in.
    let page_of = escape(t.get("report.page_of"))
        .replace("{pages}", "<text:page-count/>")
        .replace("{page}", "<text:page-number text:select-page=\"current\"/>");
    format!(
        r##"{XML_HEAD}
<office:document-styles {NAMESPACES}>
<office:font-face-decls>
 <style:font-face style:name="Noto Sans CJK TC" svg:font-family="'Noto Sans CJK TC'" style:font-family-generic="swiss"/>
</office:font-face-decls>
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties fo:margin-bottom="0.18cm" fo:line-height="135%"/>
  <style:text-properties style:font-name="Noto Sans CJK TC" style:font-name-asian="Noto Sans CJK TC" fo:font-size="11pt" style:font-size-asian="11pt" fo:language="{lang}" fo:country="{country}" style:language-asian="zh" style:country-asian="TW"/>
 </style:default-style>
 <style:style style:name="Standard" style:family="paragraph" style:class="text"/>
 <style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard" style:class="chapter">
  <style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.3cm"/>
  <style:text-properties fo:font-size="18pt" style:font-size-asian="18pt" fo:font-weight="bold" style:font-weight-asian="bold"/>
 </style:style>
 <style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Standard" style:default-outline-level="1" style:class="text">
  <style:paragraph-properties fo:margin-top="0.4cm" fo:keep-with-next="always"/>
  <style:text-properties fo:font-size="14pt" style:font-size-asian="14pt" fo:font-weight="bold" style:font-weight-asian="bold"/>
 </style:style>
 <style:style style:name="Classified" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:text-align="center" fo:margin-bottom="0cm"/>
  <style:text-properties fo:color="#c00000" fo:font-size="14pt" style:font-size-asian="14pt" fo:font-weight="bold" style:font-weight-asian="bold"/>
 </style:style>
 <style:style style:name="Classified_20_number" style:display-name="Classified number" style:family="paragraph" style:parent-style-name="Standard">
  <style:text-properties fo:color="#c00000"/>
 </style:style>
 <style:style style:name="Header" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties fo:margin-bottom="0cm">
   <style:tab-stops><style:tab-stop style:position="17cm" style:type="right"/></style:tab-stops>
  </style:paragraph-properties>
  <style:text-properties fo:font-size="9pt" style:font-size-asian="9pt" fo:color="#555555"/>
 </style:style>
 <style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties fo:text-align="center" fo:margin-bottom="0cm"/>
  <style:text-properties fo:font-size="9pt" style:font-size-asian="9pt"/>
 </style:style>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="A4">
  <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" style:print-orientation="portrait" fo:margin-top="1.5cm" fo:margin-bottom="1.5cm" fo:margin-left="2cm" fo:margin-right="2cm"/>
  <style:header-style><style:header-footer-properties fo:min-height="0cm" fo:margin-bottom="0.4cm"/></style:header-style>
  <style:footer-style><style:header-footer-properties fo:min-height="0cm" fo:margin-top="0.4cm"/></style:footer-style>
 </style:page-layout>
</office:automatic-styles>
<office:master-styles>
 <style:master-page style:name="Standard" style:page-layout-name="A4">
  <style:header>{mark}<text:p text:style-name="Header">{agency}<text:tab/>{number}</text:p></style:header>
  <style:footer><text:p text:style-name="Footer">{page_of}</text:p>{mark}</style:footer>
 </style:master-page>
</office:master-styles>
</office:document-styles>
"##,
        agency = escape(&doc.agency),
        number = escape(&doc.number),
    )
}

/// The body: the title, the incident and 密件 numbers, then each section's heading and
/// paragraphs (a newline within a paragraph is a line break).
fn content(doc: &ReportDoc) -> String {
    let t = doc.lang;
    let mut body = format!(
        r#"<text:p text:style-name="Title">{}</text:p><text:p text:style-name="Standard">{}{}</text:p>"#,
        escape(title(doc)),
        escape(t.get("report.number_label")),
        escape(&doc.number)
    );
    if let Some(n) = doc
        .classified_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        body.push_str(&format!(
            r#"<text:p text:style-name="Classified_20_number">{}{}</text:p>"#,
            escape(t.get("report.classified_number_label")),
            escape(n)
        ));
    }
    for section in &doc.sections {
        body.push_str(&format!(
            r#"<text:h text:style-name="Heading_20_1" text:outline-level="1">{}</text:h>"#,
            escape(section.heading.trim())
        ));
        for para in &section.paragraphs {
            body.push_str(r#"<text:p text:style-name="Standard">"#);
            body.push_str(&paragraph(para));
            body.push_str("</text:p>");
        }
    }
    format!(
        r#"{XML_HEAD}
<office:document-content {NAMESPACES}><office:body><office:text>{body}</office:text></office:body></office:document-content>
"#
    )
}

/// A paragraph's text in ODF: lines joined by `<text:line-break/>`, tabs as `<text:tab/>`, runs
/// of spaces kept (`<text:s/>`: ODF collapses white space like HTML).
fn paragraph(text: &str) -> String {
    let mut out = String::new();
    for (i, line) in text.trim_end().split('\n').enumerate() {
        if i > 0 {
            out.push_str("<text:line-break/>");
        }
        let mut spaces = 0usize;
        for c in line.trim_end_matches('\r').chars() {
            if c == ' ' {
                spaces += 1;
                continue;
            }
            push_spaces(&mut out, &mut spaces);
            match c {
                '\t' => out.push_str("<text:tab/>"),
                c => push_escaped(&mut out, c),
            }
        }
        push_spaces(&mut out, &mut spaces);
    }
    out
}

/// The first space as itself, the rest of a run as `<text:s text:c="n"/>`.
fn push_spaces(out: &mut String, spaces: &mut usize) {
    match *spaces {
        0 => {}
        1 => out.push(' '),
        n => out.push_str(&format!(" <text:s text:c=\"{}\"/>", n - 1)),
    }
    *spaces = 0;
}

/// `text` as XML character data: markup escaped, and the characters XML 1.0 cannot carry at
/// all (C0 controls other than tab and newline) left out.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_escaped(&mut out, c);
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&apos;"),
        '\t' | '\n' => out.push(c),
        c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report_pdf::ReportSection;
    use std::io::Read;

    fn sample(classified: bool) -> ReportDoc {
        ReportDoc {
            title: "調查、處理及改善報告".into(),
            agency: "示範機關 <A&B>".into(),
            number: "AGA-2026-0001".into(),
            classified,
            classified_number: classified.then(|| "密字第 1150000123 號".into()),
            sections: vec![ReportSection {
                heading: "一、事件說明".into(),
                paragraphs: vec!["知悉時間：民國115年12月1日 14:30\n第二行\t表格  兩格".into()],
                id: None,
            }],
            lang: Lang::ZhTw,
        }
    }

    fn entries(bytes: &[u8]) -> Vec<(String, CompressionMethod, String)> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        (0..zip.len())
            .map(|i| {
                let mut f = zip.by_index(i).unwrap();
                let mut text = String::new();
                f.read_to_string(&mut text).unwrap();
                (f.name().unwrap().to_string(), f.compression(), text)
            })
            .collect()
    }

    #[test]
    fn the_mimetype_comes_first_stored_and_names_an_odf_text() {
        let bytes = render_odt(&sample(false)).unwrap();
        // A reader identifies ODF by these bytes at offset 30 of the file.
        assert_eq!(&bytes[30..38], b"mimetype");
        assert_eq!(
            &bytes[38..38 + ODT_MEDIA_TYPE.len()],
            ODT_MEDIA_TYPE.as_bytes()
        );
        let e = entries(&bytes);
        assert_eq!(e[0].0, "mimetype");
        assert_eq!(e[0].1, CompressionMethod::Stored);
        let names: Vec<&str> = e.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "mimetype",
                "META-INF/manifest.xml",
                "meta.xml",
                "styles.xml",
                "content.xml"
            ]
        );
    }

    #[test]
    fn text_is_escaped_and_line_breaks_tabs_and_spaces_are_kept() {
        let e = entries(&render_odt(&sample(false)).unwrap());
        let styles = &e[3].2;
        assert!(styles.contains("示範機關 &lt;A&amp;B&gt;<text:tab/>AGA-2026-0001"));
        let content = &e[4].2;
        assert!(content.contains(
            "知悉時間：民國115年12月1日 14:30<text:line-break/>第二行<text:tab/>表格 <text:s text:c=\"1\"/>兩格"
        ));
        assert_eq!(
            escape("a\u{0}b\u{1b}c\td"),
            "abc\td",
            "no character XML cannot carry"
        );
    }

    #[test]
    fn a_classified_report_is_marked_in_header_and_footer_an_unclassified_one_nowhere() {
        let e = entries(&render_odt(&sample(true)).unwrap());
        let styles = &e[3].2;
        assert_eq!(styles.matches(">密件</text:p>").count(), 2, "{styles}");
        assert!(styles.contains(
            "第 <text:page-number text:select-page=\"current\"/> 頁／共 <text:page-count/> 頁"
        ));
        assert!(e[4].2.contains("密字第 1150000123 號"));
        let e = entries(&render_odt(&sample(false)).unwrap());
        assert!(e.iter().all(|(_, _, x)| !x.contains("密件")));
    }
}
