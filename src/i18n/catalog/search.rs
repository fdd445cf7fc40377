//! Search: the header's box, the results page and why a search is refused.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[
    ("search.title", "搜尋", "Search"),
    ("search.label", "搜尋事件", "Search incidents"),
    (
        "search.field",
        "事件編號、名稱、說明、受影響系統或 IoC",
        "Incident number, title, description, affected system or IoC",
    ),
    ("search.submit", "搜尋", "Search"),
    (
        "search.help",
        "輸入部分文字即可，不分大小寫；只列出您可以查看的事件。",
        "Part of a word is enough and case does not matter; only incidents you may see are listed.",
    ),
    (
        "search.none",
        "找不到含「{q}」的事件。",
        "No incident you may see holds “{q}”.",
    ),
    ("search.count", "共 {count} 筆", "{count} found"),
    ("search.matched", "符合欄位", "Found in"),
    ("search.in.number", "事件編號", "number"),
    ("search.in.title", "事件名稱", "title"),
    ("search.in.summary", "事件說明", "description"),
    (
        "search.in.affected_systems",
        "受影響系統",
        "affected systems",
    ),
    ("search.in.indicator", "IoC", "IoC"),
    ("search.matched_separator", "、", ", "),
    (
        "search.error.too_long",
        "搜尋文字最多 200 個字元。",
        "A search may be at most 200 characters long.",
    ),
    (
        "search.error.control",
        "搜尋文字不可含控制字元（例如換行或定位字元）。",
        "A search may not contain control characters (such as line breaks or tabs).",
    ),
];
