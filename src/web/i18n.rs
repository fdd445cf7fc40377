//! Traditional Chinese first, English on request. The catalog is one table; a test checks
//! that every key the templates use is in it.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    ZhTw,
    En,
}

impl Lang {
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

    /// One of two texts already in both languages (names stored bilingually, domain labels).
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::ZhTw => zh,
            Lang::En => en,
        }
    }

    /// The text for `key`; an unknown key shows itself, so a gap is visible, not blank.
    pub fn get<'a>(&self, key: &'a str) -> &'a str {
        self.tr(key)
    }

    pub fn tr(self, key: &str) -> &str {
        match CATALOG.iter().find(|(k, _, _)| *k == key) {
            Some((_, zh, en)) => self.pick(zh, en),
            None => key,
        }
    }
}

/// (key, 中文, English)
pub const CATALOG: &[(&str, &str, &str)] = &[
    (
        "app.name",
        "資通安全事件通報應變入口網",
        "Cybersecurity Incident Portal",
    ),
    ("nav.label", "主選單", "Main menu"),
    ("nav.home", "首頁", "Home"),
    ("nav.users", "使用者管理", "Users"),
    ("nav.agencies", "機關管理", "Agencies"),
    ("nav.logout", "登出", "Sign out"),
    (
        "logout.confirm",
        "確定要登出嗎？",
        "Sign out of the portal?",
    ),
    (
        "error.not_found",
        "找不到這個頁面或資料。",
        "This page or record was not found.",
    ),
    (
        "error.fix_fields",
        "請修正下列標示的欄位。",
        "Please correct the fields marked below.",
    ),
    ("login.title", "登入", "Sign in"),
    ("login.submit", "登入", "Sign in"),
    (
        "login.invalid",
        "電子郵件或密碼不正確。",
        "The e-mail address or password is incorrect.",
    ),
    (
        "login.missing",
        "請輸入電子郵件與密碼。",
        "Enter your e-mail address and password.",
    ),
    (
        "login.disabled",
        "此帳號已停用，請洽貴機關的管理者。",
        "This account is disabled; contact your agency's administrator.",
    ),
    (
        "login.throttled",
        "登入失敗次數過多，請於 {minutes} 分鐘後再試。",
        "Too many failed sign-ins; try again in {minutes} minutes.",
    ),
    ("field.email", "電子郵件", "E-mail"),
    ("field.password", "密碼", "Password"),
    ("field.display_name", "姓名", "Name"),
    (
        "field.initial_password",
        "初始密碼（至少 12 個字元）",
        "Initial password (at least 12 characters)",
    ),
    ("agency.name", "機關名稱", "Agency"),
    ("agency.name_zh", "中文名稱", "Name in Chinese"),
    ("agency.name_en", "英文名稱", "Name in English"),
    ("agency.code", "機關代碼", "Agency code"),
    ("agency.kind", "機關類別", "Kind"),
    (
        "agency.kind.specific_non_government",
        "特定非公務機關",
        "Specific non-government agency",
    ),
    (
        "agency.kind.competent_authority",
        "主管機關",
        "Competent authority",
    ),
    (
        "agency.responsibility_level",
        "資通安全責任等級",
        "Security responsibility level",
    ),
    (
        "agency.critical_infrastructure",
        "關鍵基礎設施提供者",
        "Operates critical infrastructure",
    ),
    ("agency.superior", "上級機關", "Superior agency"),
    (
        "agency.sector_authority",
        "中央目的事業主管機關",
        "Sector authority",
    ),
    ("agency.supervising", "監督機關", "Supervising agency"),
    ("agency.none", "（無）", "(none)"),
    ("common.yes", "是", "Yes"),
    ("common.no", "否", "No"),
    ("home.your_roles", "您的角色", "Your roles"),
    (
        "home.no_roles",
        "尚未授予角色，請洽貴機關的管理者。",
        "No roles granted yet; ask your agency's administrator.",
    ),
    (
        "home.escalation_target",
        "受通報機關",
        "Escalation target (notified agency)",
    ),
    (
        "home.no_escalation_target",
        "本機關為主管機關，無上級受通報機關。",
        "This is the competent authority; it reports to no one above it.",
    ),
    (
        "home.supervision_chain",
        "上級監督體系",
        "Agencies above this one",
    ),
    ("home.chain_empty", "無。", "None."),
    (
        "home.chain_explained",
        "上列機關可檢視本機關的資通安全事件。",
        "The agencies listed can see this agency's incidents.",
    ),
    ("relation.superior", "上級機關", "superior agency"),
    (
        "relation.sector_authority",
        "中央目的事業主管機關",
        "sector authority",
    ),
    (
        "relation.competent_authority",
        "主管機關",
        "competent authority",
    ),
    ("pager.label", "分頁", "Pages"),
    ("pager.prev", "上一頁", "Previous"),
    ("pager.next", "下一頁", "Next"),
    ("users.title", "使用者管理", "Users"),
    ("users.roles", "角色", "Roles"),
    ("users.status", "狀態", "Status"),
    ("users.active", "使用中", "Active"),
    ("users.disabled", "已停用", "Disabled"),
    ("users.create", "新增使用者", "Add user"),
    ("users.save_roles", "儲存角色", "Save roles"),
    ("users.access", "帳號存取", "Access"),
    ("users.enable", "重新啟用帳號", "Enable account"),
    ("users.disable", "停用帳號", "Disable account"),
    (
        "users.disable_confirm",
        "我確定要停用此帳號（其登入工作階段將立即失效）",
        "I am sure: disable this account (its sessions end at once)",
    ),
    ("users.created", "已新增使用者。", "User added."),
    ("notice.saved", "已儲存。", "Saved."),
    ("agencies.title", "機關管理", "Agencies"),
    ("agencies.create", "新增機關", "Register agency"),
    ("agencies.save", "儲存", "Save"),
    (
        "agencies.first_admin",
        "首位機關管理者（選填）",
        "First administrator (optional)",
    ),
    (
        "error.email_invalid",
        "請輸入有效的電子郵件地址。",
        "Enter a valid e-mail address.",
    ),
    (
        "error.email_taken",
        "此電子郵件已被使用。",
        "This e-mail address is already in use.",
    ),
    (
        "error.display_name_invalid",
        "請輸入姓名（最多 100 字）。",
        "Enter a name (at most 100 characters).",
    ),
    (
        "error.password_length",
        "密碼需為 12 至 200 個字元。",
        "The password must have 12 to 200 characters.",
    ),
    ("error.role_unknown", "未知的角色。", "Unknown role."),
    (
        "error.cannot_remove_own_admin",
        "不能移除自己的機關管理者角色。",
        "You cannot remove your own administrator role.",
    ),
    (
        "error.cannot_disable_self",
        "不能停用自己的帳號。",
        "You cannot disable your own account.",
    ),
    (
        "error.confirm_required",
        "請勾選確認。",
        "Tick the box to confirm.",
    ),
    (
        "error.code_invalid",
        "機關代碼須為 2 至 20 個大寫英文字母、數字或連字號。",
        "The code must be 2 to 20 capital letters, digits or hyphens.",
    ),
    (
        "error.code_taken",
        "此機關代碼已被使用。",
        "This code is already in use.",
    ),
    (
        "error.name_invalid",
        "請輸入名稱（最多 200 字）。",
        "Enter a name (at most 200 characters).",
    ),
    (
        "error.kind_invalid",
        "請選擇機關類別。",
        "Choose a kind of agency.",
    ),
    (
        "error.one_competent_authority",
        "主管機關僅能有一個。",
        "There is only one competent authority.",
    ),
    (
        "error.level_invalid",
        "請選擇責任等級 A 至 E。",
        "Choose a responsibility level from A to E.",
    ),
    (
        "error.agency_unknown",
        "找不到所選機關。",
        "The chosen agency does not exist.",
    ),
    (
        "error.agency_cycle",
        "所選機關位於本機關之下，會形成循環。",
        "The chosen agency sits below this one; that would make a loop.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_in_a_template_is_in_the_catalog() {
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/templates"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split("t.get(\"").skip(1) {
                    let key = part.split('"').next().unwrap();
                    if !CATALOG.iter().any(|(k, _, _)| *k == key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the catalog: {missing:?}"
        );
    }

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        for (i, (k, zh, en)) in CATALOG.iter().enumerate() {
            assert!(!zh.is_empty() && !en.is_empty(), "{k} has an empty text");
            assert!(
                !CATALOG[..i].iter().any(|(other, _, _)| other == k),
                "{k} appears twice"
            );
        }
    }

    #[test]
    fn chinese_is_the_default_and_english_is_chosen_only_when_asked_for_first() {
        assert_eq!(Lang::from_accept_language(None), Lang::ZhTw);
        assert_eq!(Lang::from_accept_language(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(
            Lang::from_accept_language(Some("zh-TW,en;q=0.5")),
            Lang::ZhTw
        );
        assert_eq!(Lang::from_accept_language(Some("fr")), Lang::ZhTw);
        assert_eq!(Lang::En.tr("nav.home"), "Home");
        assert_eq!(Lang::ZhTw.tr("nav.home"), "首頁");
        assert_eq!(Lang::ZhTw.tr("no.such.key"), "no.such.key");
    }
}
