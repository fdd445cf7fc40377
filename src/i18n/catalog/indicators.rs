//! Texts of indicators of compromise (惡意程式 IoC): their types, why a value is refused, the
//! CSV and STIX 2.1 import and export, and the correlation across incidents.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[
    // ---- types ----
    ("ioc.type.ipv4", "IPv4 位址", "IPv4 address"),
    ("ioc.type.ipv6", "IPv6 位址", "IPv6 address"),
    ("ioc.type.domain", "網域名稱", "Domain name"),
    ("ioc.type.url", "網址", "URL"),
    ("ioc.type.md5", "MD5 雜湊值", "MD5 hash"),
    ("ioc.type.sha1", "SHA-1 雜湊值", "SHA-1 hash"),
    ("ioc.type.sha256", "SHA-256 雜湊值", "SHA-256 hash"),
    ("ioc.type.email", "電子郵件地址", "Email address"),
    ("ioc.type.file_name", "檔案名稱", "File name"),
    // ---- why a value is refused ----
    ("ioc.error.empty", "未填寫指標值", "the value is empty"),
    (
        "ioc.error.too_long",
        "指標值長度為 {got} 個字元，超過上限 {max} 個字元",
        "the value is {got} characters long; at most {max} are allowed",
    ),
    (
        "ioc.error.control_character",
        "指標值第 {position} 個字元為控制字元，不可使用",
        "the value contains a control character at position {position}",
    ),
    (
        "ioc.error.invalid_ipv4",
        "「{value}」不是有效的 IPv4 位址（應為以點分隔的四個 0 至 255 的十進位數字，不可有前導零）",
        "'{value}' is not an IPv4 address in dotted decimal form (four numbers 0-255 without leading zeros)",
    ),
    (
        "ioc.error.invalid_ipv6",
        "「{value}」不是有效的 IPv6 位址",
        "'{value}' is not a valid IPv6 address",
    ),
    (
        "ioc.error.invalid_prefix",
        "{kind}的 CIDR 前綴長度「/{given}」應為 0 至 {max} 的整數",
        "the CIDR prefix length '/{given}' of an {kind} must be a whole number from 0 to {max}",
    ),
    (
        "ioc.error.not_network_address",
        "「{given}」不是網段位址（主機位元不為零），該網段應寫為 {network}",
        "'{given}' is not a network address (host bits are set); the network is {network}",
    ),
    (
        "ioc.error.non_ascii_domain",
        "「{value}」含有非 ASCII 字元；國際化網域名稱請改以 punycode（xn--）形式輸入",
        "'{value}' contains non-ASCII characters; enter an internationalised domain name in its punycode (xn--) form",
    ),
    (
        "ioc.error.domain_too_long",
        "網域名稱長度為 {len} 個字元，超過上限 253 個字元",
        "the domain name is {len} characters long; at most 253 are allowed",
    ),
    (
        "ioc.error.domain_empty_label",
        "「{value}」含有空的標籤（連續兩個點或以點開頭）",
        "'{value}' has an empty label (two dots in a row, or a leading dot)",
    ),
    (
        "ioc.error.domain_label_too_long",
        "標籤「{label}」長度為 {len} 個字元，每個標籤最多 63 個字元",
        "the label '{label}' is {len} characters long; a label has at most 63",
    ),
    (
        "ioc.error.domain_label_char",
        "標籤「{label}」含有不允許的字元「{ch}」；僅可使用英文字母 a-z、數字與連字號",
        "the label '{label}' contains '{ch}'; only letters a-z, digits and hyphens are allowed",
    ),
    (
        "ioc.error.domain_label_hyphen",
        "標籤「{label}」不可以連字號開頭或結尾",
        "the label '{label}' starts or ends with a hyphen",
    ),
    (
        "ioc.error.domain_single_label",
        "「{value}」只有一個標籤；網域名稱至少需有兩個標籤（例如 example.com）",
        "'{value}' is a single label; a domain name needs at least two (for example example.com)",
    ),
    (
        "ioc.error.domain_numeric_tld",
        "「{value}」最後一個標籤全為數字，不是網域名稱；IP 位址請選擇 IPv4 類型",
        "'{value}' ends in an all-digit label, so it is not a domain name; enter IP addresses as the IPv4 type",
    ),
    (
        "ioc.error.url_whitespace",
        "網址不可包含空白字元；空白請以 %20 表示",
        "a URL may not contain whitespace; encode spaces as %20",
    ),
    (
        "ioc.error.missing_scheme",
        "網址應以 http://、https:// 或 ftp:// 開頭",
        "a URL must start with http://, https:// or ftp://",
    ),
    (
        "ioc.error.unsupported_scheme",
        "不支援「{scheme}」網址協定，僅接受 http、https 與 ftp",
        "the URL scheme '{scheme}' is not supported; only http, https and ftp are accepted",
    ),
    (
        "ioc.error.url_missing_host",
        "網址在「://」之後缺少主機名稱",
        "the URL has no host name after '://'",
    ),
    (
        "ioc.error.url_invalid_port",
        "網址的連接埠「{port}」應為 1 至 65535 的數字",
        "the URL port '{port}' must be a number from 1 to 65535",
    ),
    ("ioc.error.url_host", "網址的主機名稱無效：{problem}", "invalid URL host: {problem}"),
    (
        "ioc.error.hash_length",
        "{kind}應為 {expected} 個十六進位字元，收到 {got} 個",
        "{kind} must be {expected} hexadecimal characters; got {got}",
    ),
    (
        "ioc.error.hash_not_hex",
        "{kind}僅可包含十六進位字元（0-9、a-f），但含有「{ch}」",
        "{kind} may contain only hexadecimal characters 0-9 and a-f; found '{ch}'",
    ),
    (
        "ioc.error.email_at_sign",
        "電子郵件地址應恰含一個「@」，實際有 {count} 個",
        "an email address must contain exactly one '@'; found {count}",
    ),
    (
        "ioc.error.email_local_empty",
        "電子郵件地址「@」之前的部分不可為空",
        "the part of the email address before '@' is empty",
    ),
    (
        "ioc.error.email_local_too_long",
        "電子郵件地址「@」之前的部分長度為 {len} 個字元，超過上限 64 個字元",
        "the part of the email address before '@' is {len} characters long; at most 64 are allowed",
    ),
    (
        "ioc.error.email_local_whitespace",
        "電子郵件地址「@」之前的部分不可包含空白字元",
        "the part of the email address before '@' contains whitespace",
    ),
    (
        "ioc.error.email_missing_domain",
        "電子郵件地址「@」之後缺少網域名稱",
        "the email address has no domain after '@'",
    ),
    (
        "ioc.error.email_domain",
        "電子郵件地址的網域無效：{problem}",
        "invalid email domain: {problem}",
    ),
    (
        "ioc.error.file_name_separator",
        "檔案名稱不可包含「{ch}」；請只填檔名，不含資料夾路徑",
        "a file name may not contain '{ch}'; enter the name only, without its folder",
    ),
    (
        "ioc.error.file_name_too_long",
        "檔案名稱以 UTF-8 編碼為 {bytes} 位元組，超過上限 255 位元組",
        "the file name is {bytes} bytes long in UTF-8; at most 255 are allowed",
    ),
    ("ioc.error.file_name_dots", "「.」與「..」不是檔案名稱", "'.' and '..' are not file names"),
    // ---- where an imported item came from, and duplicates ----
    ("ioc.source.line", "第 {n} 行", "line {n}"),
    ("ioc.source.object", "物件 {id}", "object {id}"),
    (
        "ioc.import.duplicate",
        "與{first}的{kind}「{value}」重複（相同類型與值），已略過",
        "duplicate of {first} ({kind} '{value}', same type and value); skipped",
    ),
    // ---- the CSV import ----
    (
        "ioc.csv.unterminated_quote",
        "引號未閉合：從此行開始的欄位缺少結尾的「\"」",
        "unterminated quoted field: a field starting on this line has no closing '\"'",
    ),
    (
        "ioc.csv.text_after_quote",
        "欄位的結尾引號之後、逗號之前還有其他字元",
        "characters after the closing quote of a field, before the next comma",
    ),
    (
        "ioc.csv.empty_file",
        "檔案沒有內容：第一行應為包含 type 與 value 欄位的標題列",
        "the file is empty: the first line should be a header with type and value columns",
    ),
    (
        "ioc.csv.bad_header",
        "標題列須包含 type 與 value 欄位（可另有 note、first_seen、last_seen），實際為：{found}；未匯入任何資料",
        "the header line must have type and value columns (optionally note, first_seen, last_seen); found: {found}; nothing was imported",
    ),
    ("ioc.csv.type_empty", "未填寫指標類型（type 欄位）", "the type column is empty"),
    (
        "ioc.csv.type_unknown",
        "無法辨識的指標類型「{given}」；可用的類型：{types}",
        "unknown indicator type '{given}'; use one of: {types}",
    ),
    (
        "ioc.csv.note_too_long",
        "備註長度為 {len} 個字元，超過上限 {max} 個字元",
        "the note is {len} characters long; at most {max} are allowed",
    ),
    (
        "ioc.csv.date_invalid",
        "{column} 欄位的「{value}」不是有效的日期時間；請使用 RFC 3339（例如 2026-01-05T08:00:00+08:00）或 YYYY-MM-DD",
        "'{value}' in the {column} column is not a valid date; use RFC 3339 (for example 2026-01-05T08:00:00+08:00) or YYYY-MM-DD",
    ),
    (
        "ioc.csv.last_before_first",
        "last_seen（最後發現時間）早於 first_seen（首次發現時間）",
        "last_seen is earlier than first_seen",
    ),
    // ---- the STIX 2.1 patterning language: what is wrong, what was expected ----
    ("stix.token", "「{token}」", "'{token}'"),
    ("stix.found.end", "樣式結尾", "the end of the pattern"),
    (
        "stix.pattern.keyword_case",
        "關鍵字須為大寫：請將「{word}」寫為「{upper}」",
        "keywords are upper-case: write '{upper}' instead of '{word}'",
    ),
    ("stix.pattern.unexpected", "此處應為{expected}，但遇到{found}", "expected {expected}, found {found}"),
    (
        "stix.pattern.too_deep",
        "括號巢狀超過 {max} 層",
        "brackets and parentheses are nested more than {max} deep",
    ),
    ("stix.pattern.empty", "樣式為空", "the pattern is empty"),
    ("stix.pattern.unmatched_bracket", "多出的「]」，沒有對應的「[」", "unexpected ']' without a matching '['"),
    (
        "stix.pattern.unmatched_parenthesis",
        "多出的「)」，沒有對應的「(」",
        "unexpected ')' without a matching '('",
    ),
    (
        "stix.pattern.within_not_positive",
        "WITHIN 之後的秒數必須為正數",
        "the number of seconds after WITHIN must be positive",
    ),
    (
        "stix.pattern.repeats_not_positive",
        "REPEATS 之後的次數必須為正整數",
        "the count after REPEATS must be a positive integer",
    ),
    (
        "stix.pattern.stop_not_after_start",
        "STOP 的時間必須晚於 START 的時間",
        "the STOP time must be later than the START time",
    ),
    (
        "stix.pattern.object_type",
        "物件類型「{type}」只能包含小寫英文字母、數字與連字號，且不可以連字號開頭或結尾",
        "the object type '{type}' may contain only lower-case letters, digits and hyphens, and may not start or end with a hyphen",
    ),
    ("stix.pattern.property_empty", "屬性名稱不可為空字串", "a property name may not be empty"),
    ("stix.pattern.index_not_integer", "清單索引必須為整數或 *", "a list index must be an integer or *"),
    ("stix.pattern.unknown_operator", "無法辨識的比較運算子「{op}」", "unknown comparison operator '{op}'"),
    (
        "stix.pattern.hyphen_unquoted",
        "含連字號的屬性名稱須加單引號，例如 hashes.'SHA-256'",
        "a property name with a hyphen must be quoted, for example hashes.'SHA-256'",
    ),
    (
        "stix.pattern.bool_not_orderable",
        "true 與 false 不可用於 <、<=、>、>= 比較",
        "true and false cannot be compared with <, <=, > or >=",
    ),
    (
        "stix.pattern.hex_literal",
        "十六進位常值 h'{body}' 須為偶數個十六進位字元",
        "the hex literal h'{body}' must contain an even number of hexadecimal digits",
    ),
    (
        "stix.pattern.binary_literal",
        "二進位常值 b'{body}' 不是有效的 Base64（每四個字元一組，必要時以 = 補齊）",
        "the binary literal b'{body}' is not valid base64 (groups of four characters A-Z, a-z, 0-9, + and /, padded with =)",
    ),
    (
        "stix.pattern.unterminated_string",
        "字串常值缺少結尾的單引號「'」",
        "unterminated string literal: no closing quote",
    ),
    (
        "stix.pattern.bad_escape",
        "字串常值中只允許 \\' 與 \\\\ 兩種跳脫序列",
        "only the escapes \\' and \\\\ are allowed in a string literal",
    ),
    (
        "stix.pattern.unterminated_literal",
        "常值缺少結尾的單引號「'」",
        "unterminated literal: no closing quote",
    ),
    (
        "stix.pattern.timestamp_shape",
        "時間戳記 t'{body}' 格式錯誤：應為 UTC 的 RFC 3339 格式，例如 t'2016-01-01T00:00:00Z'",
        "the timestamp t'{body}' must be RFC 3339 in UTC, such as t'2016-01-01T00:00:00Z'",
    ),
    (
        "stix.pattern.timestamp_not_real",
        "時間戳記 t'{body}' 不是存在的日期時間",
        "the timestamp t'{body}' is not a real date and time",
    ),
    (
        "stix.pattern.no_digits_after_point",
        "小數點之後須有數字",
        "a decimal point must be followed by digits",
    ),
    ("stix.pattern.number_out_of_range", "數字超出範圍", "the number is out of range"),
    ("stix.pattern.leading_zero", "整數不可有前導零", "an integer may not have leading zeros"),
    ("stix.pattern.integer_out_of_range", "整數超出範圍", "the integer is out of range"),
    (
        "stix.expected.end_or_operator",
        "樣式結尾、AND、OR、FOLLOWEDBY 或限定詞（WITHIN、REPEATS、START）",
        "the end of the pattern, AND, OR, FOLLOWEDBY or a qualifier (WITHIN, REPEATS, START)",
    ),
    ("stix.expected.close_observation", "「]」以結束觀察運算式", "']' to close the observation expression"),
    (
        "stix.expected.observation",
        "以「[」或「(」開始的觀察運算式",
        "an observation expression starting with '[' or '('",
    ),
    ("stix.expected.within_seconds", "WITHIN 之後的秒數", "a number of seconds after WITHIN"),
    ("stix.expected.repeats_count", "REPEATS 之後的次數", "a count after REPEATS"),
    (
        "stix.expected.timestamp_after",
        "{keyword} 之後的時間戳記 t'…'",
        "a timestamp t'…' after {keyword}",
    ),
    (
        "stix.expected.comparison",
        "比較運算式（例如 file:name = 'a.exe'）",
        "a comparison such as file:name = 'a.exe'",
    ),
    ("stix.expected.object_path", "物件路徑（例如 file:name）", "an object path such as file:name"),
    ("stix.expected.colon_after_type", "物件類型「{type}」之後的「:」", "':' after the object type '{type}'"),
    ("stix.expected.property", "「{separator}」之後的屬性名稱", "a property name after '{separator}'"),
    ("stix.expected.list_index", "清單索引（整數或 *）", "a list index (an integer or *)"),
    ("stix.expected.close_list_index", "「]」以結束清單索引", "']' to close the list index"),
    ("stix.expected.string_after", "{operator} 之後的字串常值", "a quoted string after {operator}"),
    (
        "stix.expected.operator",
        "比較運算子（=、!=、<、<=、>、>=、IN、LIKE、MATCHES、ISSUBSET、ISSUPERSET）",
        "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)",
    ),
    (
        "stix.expected.set",
        "IN 之後以括號括住的集合，例如 ('a', 'b')",
        "a set in parentheses after IN, such as ('a', 'b')",
    ),
    ("stix.expected.set_separator", "集合中的「,」或「)」", "',' or ')' in the set"),
    (
        "stix.expected.literal",
        "常值（'字串'、數字、true、false、t'…'、h'…' 或 b'…'）",
        "a literal ('string', number, true, false, t'…', h'…' or b'…')",
    ),
    ("stix.expected.number", "數字", "a number"),
    // ---- a file that is not a STIX bundle, and indicator objects not imported ----
    ("stix.error.not_json", "檔案不是有效的 JSON：{detail}", "the file is not valid JSON: {detail}"),
    (
        "stix.error.not_an_object",
        "JSON 內容不是物件；STIX 套件應為含有 \"type\": \"bundle\" 的物件",
        "the JSON is not an object; a STIX bundle is an object with \"type\": \"bundle\"",
    ),
    (
        "stix.error.not_a_bundle",
        "JSON 物件不是 STIX 套件：其 \"type\" 為「{type}」而非「bundle」",
        "the JSON object is not a STIX bundle: its \"type\" is '{type}', not 'bundle'",
    ),
    (
        "stix.error.bundle_type_missing",
        "JSON 物件不是 STIX 套件：缺少 \"type\": \"bundle\"",
        "the JSON object is not a STIX bundle: its \"type\" is missing",
    ),
    (
        "stix.error.no_objects",
        "STIX 套件缺少 \"objects\" 陣列",
        "the STIX bundle has no \"objects\" array",
    ),
    (
        "stix.import.time_invalid",
        "{field} 不是有效的 RFC 3339 時間戳記：{value}",
        "{field} is not a valid RFC 3339 timestamp: {value}",
    ),
    (
        "stix.import.revoked",
        "此指標已被發布者撤銷（revoked），不匯入",
        "the indicator is revoked by its producer; not imported",
    ),
    (
        "stix.import.spec_version",
        "spec_version 為「{version}」，僅支援 STIX 2.1",
        "spec_version is '{version}'; only STIX 2.1 is supported",
    ),
    (
        "stix.import.spec_version_missing",
        "缺少 spec_version（可能為 STIX 2.0），僅支援 STIX 2.1",
        "spec_version is missing (STIX 2.0?); only STIX 2.1 is supported",
    ),
    (
        "stix.import.pattern_type",
        "pattern_type 為「{type}」，僅支援 STIX 樣式（stix）",
        "pattern_type is '{type}'; only STIX patterns (stix) are supported",
    ),
    (
        "stix.import.pattern_type_missing",
        "pattern_type 為「（未填）」，僅支援 STIX 樣式（stix）",
        "pattern_type is 'missing'; only STIX patterns (stix) are supported",
    ),
    ("stix.import.pattern_missing", "缺少 pattern 欄位", "the pattern is missing"),
    (
        "stix.import.pattern_invalid",
        "STIX 樣式無法解析（第 {at} 個字元）：{problem}",
        "the STIX pattern does not parse (at character {at}): {problem}",
    ),
    (
        "stix.import.nothing_to_import",
        "樣式中沒有可匯入的指標（須為 IP、網域、網址、電子郵件、檔名或 MD5/SHA-1/SHA-256 的「=」比較）",
        "the pattern has no indicator this portal stores (an '=' comparison on an IP address, domain, URL, email address, file name or MD5/SHA-1/SHA-256 hash)",
    ),
    ("stix.import.not_an_object", "此項目不是 JSON 物件", "this entry is not a JSON object"),
    (
        "stix.import.value_invalid",
        "樣式中的{kind}「{value}」無效：{problem}",
        "the {kind} '{value}' in the pattern is invalid: {problem}",
    ),
    // ---- what the indicator forms and services refuse ----
    (
        "ioc.error.type_unsupported",
        "不支援的指標類型（可用 ipv4、ipv6、domain、url、md5、sha1、sha256、email、file_name）。",
        "Unsupported indicator type (use ipv4, ipv6, domain, url, md5, sha1, sha256, email or file_name).",
    ),
    (
        "ioc.error.note_too_long",
        "備註過長（上限 2000 字）。",
        "The note is too long (2,000 characters at most).",
    ),
    ("ioc.error.last_before_first", "最後發現時間不可早於首次發現時間。", "Last seen cannot be before first seen."),
    ("ioc.error.time_invalid", "時間格式不正確。", "Not a valid date and time."),
    ("ioc.import.format_missing", "請選擇 STIX 或 CSV 格式。", "Choose STIX or CSV."),
    // ---- the indicators page ----
    ("ioc.heading", "惡意程式 IoC", "Indicators of compromise"),
    ("ioc.column.type", "類型", "Type"),
    ("ioc.column.value", "值", "Value"),
    ("ioc.column.seen", "發現期間", "Seen"),
    ("ioc.column.note", "備註", "Note"),
    ("ioc.column.tlp", "TLP 標記", "TLP marking"),
    // ---- TLP 2.0 markings (domain::tlp) ----
    (
        "tlp.meaning.clear",
        "TLP:CLEAR：無公開限制，可自由分享。",
        "TLP:CLEAR: no limit on disclosure; may be shared freely.",
    ),
    (
        "tlp.meaning.green",
        "TLP:GREEN：限於社群內分享，不得公開。",
        "TLP:GREEN: limited disclosure, restricted to the community; not for public release.",
    ),
    (
        "tlp.meaning.amber",
        "TLP:AMBER（預設）：限於可查看本事件之機關（本機關及上級、主管機關）依需要知悉原則分享。",
        "TLP:AMBER (default): limited to the agencies that see this incident (this agency and its supervising agencies), on a need-to-know basis.",
    ),
    (
        "tlp.meaning.amber_strict",
        "TLP:AMBER+STRICT：僅限本機關內部；上級機關、關聯分析與 TAXII 均不提供，僅本機關自行匯出時包含。",
        "TLP:AMBER+STRICT: within this agency only; not shown to supervising agencies, correlation or TAXII, and exported only in this agency's own export.",
    ),
    (
        "tlp.meaning.red",
        "TLP:RED：僅限本機關承辦人員知悉；不提供其他機關，亦不含於任何匯出。",
        "TLP:RED: for this agency's own people only; never shown to other agencies nor included in any export.",
    ),
    ("tlp.legend", "TLP 標記說明", "What the TLP markings mean"),
    ("tlp.change", "變更標記", "Change marking"),
    (
        "story.indicator_marking_changed",
        "{type} {value}：{from} → {to}",
        "{type} {value}: {from} → {to}",
    ),
    (
        "story.indicator_marking_changed_withheld",
        "{type}（其值僅本機關可見）：{from} → {to}",
        "{type} (its value is shown to this agency only): {from} → {to}",
    ),
    // ---- TAXII 2.1 (domain::taxii) ----
    (
        "taxii.title",
        "資通安全事件通報應變入口網 TAXII",
        "The incident portal's TAXII server",
    ),
    ("taxii.api_root_title", "IoC 情資分享", "Indicator sharing"),
    (
        "tlp.error.unknown",
        "TLP 標記應為 CLEAR、GREEN、AMBER、AMBER+STRICT 或 RED",
        "the TLP marking must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED",
    ),
    (
        "ioc.csv.tlp_unknown",
        "tlp 欄「{given}」不是 TLP 標記（應為 CLEAR、GREEN、AMBER、AMBER+STRICT 或 RED）",
        "the tlp column '{given}' is not a TLP marking (CLEAR, GREEN, AMBER, AMBER+STRICT or RED)",
    ),
    (
        "story.indicator_withheld",
        "{type}（{tlp}，其值僅本機關可見）",
        "{type} ({tlp}; its value is shown to this agency only)",
    ),
    ("ioc.none", "尚無指標。", "No indicators yet."),
    ("ioc.add.heading", "新增指標", "Add an indicator"),
    ("ioc.field.first_seen", "首次發現", "First seen"),
    ("ioc.field.last_seen", "最後發現", "Last seen"),
    ("ioc.import.heading", "匯入（STIX 2.1 或 CSV）", "Import (STIX 2.1 or CSV)"),
    ("ioc.import.stix", "STIX 2.1 套件（JSON）", "STIX 2.1 bundle (JSON)"),
    (
        "ioc.import.csv",
        "CSV（type,value,note,first_seen,last_seen）",
        "CSV (type,value,note,first_seen,last_seen)",
    ),
    ("ioc.import.text", "匯入內容", "Text to import"),
    ("ioc.import.submit", "匯入", "Import"),
    (
        "ioc.import.summary",
        "匯入完成：新增 {added} 筆，已存在 {known} 筆，略過 {skipped} 筆。",
        "Imported: {added} new, {known} already on the incident, {skipped} skipped.",
    ),
    // ---- the correlation page and its export ----
    ("ioc.correlation.heading", "跨事件 IoC 關聯", "Indicators seen in several incidents"),
    (
        "ioc.correlation.help",
        "您可檢視的事件中（本機關及所屬機關），出現於兩件以上事件的相同指標。",
        "The same indicator in two or more incidents you may see (your agency and those below it).",
    ),
    ("ioc.correlation.none", "目前沒有跨事件出現的指標。", "No indicator appears in more than one incident."),
    ("ioc.column.incidents", "事件數", "Incidents"),
    ("ioc.column.agencies", "機關數", "Agencies"),
    ("ioc.column.seen_in", "出現於", "Seen in"),
    ("ioc.correlation.where", "{number}（{agency}）", "{number} ({agency})"),
    ("ioc.list_separator", "、", ", "),
    (
        "stix.correlated_note",
        "於 {agencies} 個機關的 {incidents} 件事件中發現",
        "seen in {incidents} incidents of {agencies} agencies",
    ),
];
