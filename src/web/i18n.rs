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
    ("nav.team", "應變小組", "Response team"),
    ("nav.correlation", "IoC 關聯", "IoC correlation"),
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
    ("nav.incidents", "資安事件", "Incidents"),
    ("nav.review_queue", "待審核", "Review queue"),
    ("nav.board", "重大事件看板", "Level 3/4 board"),
    ("nav.commander_queue", "待裁處", "Awaiting decision"),
    ("incidents.title", "本機關資安事件", "Our incidents"),
    ("incidents.new", "通報資安事件", "Report an incident"),
    ("incidents.file", "送出通報", "File the report"),
    ("incidents.none", "沒有符合的事件。", "No incidents match."),
    ("incidents.number", "事件編號", "Number"),
    ("incidents.title_field", "事件名稱", "Title"),
    ("incidents.level", "事件等級", "Level"),
    ("incidents.stage", "處理階段", "Stage"),
    ("incidents.next_due", "最近期限", "Next deadline"),
    ("incidents.aware_at", "知悉時間", "Became aware at"),
    ("incidents.occurred_at", "發生時間（選填）", "Occurred at (optional)"),
    ("incidents.category", "事件分類", "Category"),
    ("incidents.subcategory", "細項分類", "Sub-category"),
    ("incidents.affected_systems", "受影響系統", "Affected systems"),
    ("incidents.affected_systems_help", "每行一個系統名稱。", "One system per line."),
    ("incidents.impacts", "影響評估", "Impact assessment"),
    ("incidents.impacts_help", "依資訊或系統類別，選擇機密性（洩漏）、完整性（竄改）、可用性（運作受影響或停頓）受影響的程度。可用性：輕微＝於可容忍中斷時間內回復，嚴重＝未於可容忍中斷時間內回復。", "For each class of information or system, choose how confidentiality (leak), integrity (tamper) or availability (disruption) was affected. For availability, minor means restored within the tolerable downtime and severe means not."),
    ("incidents.level_on_submit", "事件等級將於送出時計算。", "The level is computed when you submit."),
    ("incidents.personal_data", "涉及個人資料", "Personal data involved"),
    ("incidents.summary", "事件說明及已採取之措施", "Description and measures taken"),
    ("incidents.contact", "聯絡人", "Contact person"),
    ("incidents.other_means", "以其他方式通報", "Reported by other means"),
    ("incidents.other_means_help", "通報平臺無法使用時，已以其他適當方式通報者，請填寫通報時間及原因（補行通報）。", "If the platform could not be used and you reported by other means, give when and why (filed afterwards)."),
    ("incidents.other_means_at", "其他方式通報時間", "Reported otherwise at"),
    ("incidents.other_means_reason", "無法使用通報平臺之原因", "Why the platform could not be used"),
    ("impact.minor", "輕微", "Minor"),
    ("impact.severe", "嚴重", "Severe"),
    ("impact.not_applicable", "不適用", "n/a"),
    ("filter.all", "全部", "All"),
    ("filter.year", "年度", "Year"),
    ("filter.overdue", "僅逾期", "Overdue only"),
    ("filter.apply", "篩選", "Filter"),
    ("queue.review", "待審核事件", "Incidents awaiting the level review"),
    ("queue.board", "第三、四級事件看板", "Level 3 and 4 incidents"),
    ("board.last_control_report", "最近控制成效回報", "Last control-effect report"),
    ("board.report_submitted", "調查報告提交", "Report submitted"),
    ("board.homeland", "已轉報國土安全辦公室", "Relayed to Homeland Security"),
    ("notifications.title", "通知", "Notifications"),
    ("notifications.none", "目前沒有通知。", "No notifications."),
    ("notifications.mark_read", "全部標示為已讀", "Mark all as read"),
    ("nav.outbox", "通知郵件", "E-mail"),
    ("outbox.title", "通知郵件寄送狀態", "Notification e-mail"),
    ("outbox.help", "通知郵件先存入寄件匣，寄送失敗會自動重試；失敗原因列於下方。", "Notification e-mail waits in an outbox and is retried when sending fails; failures and their reasons are listed here."),
    ("outbox.none", "沒有郵件。", "No e-mail."),
    ("outbox.to", "收件者", "To"),
    ("outbox.subject", "主旨", "Subject"),
    ("outbox.queued", "建立時間", "Queued"),
    ("outbox.sent", "已寄出", "Sent"),
    ("outbox.failed", "寄送失敗", "Failed"),
    ("outbox.attempts", "次", "attempts"),
    ("outbox.pending", "待寄送", "Waiting"),
    ("nav.dashboard", "監督總覽", "Oversight"),
    ("dashboard.title", "監督總覽", "Oversight dashboard"),
    ("dashboard.scope", "所屬下級機關及所管特定非公務機關之資安事件（不含本機關）。", "Incidents of every agency below this one (this agency's own are not included)."),
    ("dashboard.open", "處理中事件（依等級及階段）", "Open incidents by level and stage"),
    ("dashboard.count", "件數", "Count"),
    ("dashboard.overdue", "逾期件數", "Overdue"),
    ("dashboard.overdue_review", "等級審核逾期", "Level review overdue"),
    ("dashboard.overdue_containment", "損害控制或復原逾期", "Damage control or recovery overdue"),
    ("dashboard.overdue_report", "調查、處理及改善報告逾期", "Investigation report overdue"),
    ("dashboard.per_month", "近 12 個月每月事件數", "Incidents per month, last 12 months"),
    ("dashboard.per_category", "近 12 個月事件分類", "Incidents per category, last 12 months"),
    ("dashboard.times", "處理時效", "Timeliness"),
    ("dashboard.to_report", "知悉至通報", "Awareness to report"),
    ("dashboard.to_containment", "知悉至完成損害控制或復原", "Awareness to completed damage control"),
    ("dashboard.most_overdue", "逾期最多的機關", "Agencies with the most overdue items"),
    ("report.printable", "調查、處理及改善報告（列印）", "Investigation report (printable)"),
    ("report.pdf", "下載 PDF", "Download PDF"),
    ("report.root_cause", "根因分析及改善策略", "Root cause and strategy"),
    ("report.control_effect", "控制成效報告", "Control-effect report"),
    ("report.progress", "改善成效報告", "Improvement-progress report"),
    ("list.csv", "匯出 CSV", "Export CSV"),
    ("nav.audit", "稽核紀錄", "Audit"),
    ("audit.title", "稽核紀錄", "Audit trail"),
    ("audit.level_changes", "事件等級審核", "Level reviews"),
    ("audit.sign_ins", "登入紀錄", "Sign-ins"),
    ("audit.when", "時間", "When"),
    ("audit.change", "等級變更及理由", "Change and reason"),
    ("audit.by", "審核人", "By"),
    ("audit.address", "來源位址", "Address"),
    ("audit.result", "結果", "Result"),
    ("audit.ok", "成功", "Succeeded"),
    ("audit.failed", "失敗", "Failed"),
    ("queue.commander", "待事件指揮官裁處", "Root-cause reports awaiting your decision"),
    ("incident.closed", "本事件已結案。", "This incident is closed."),
    ("incident.stage_ready", "本階段所需項目皆已完成，可完成本階段。", "Everything this stage needs is on record; it can be completed."),
    ("incident.still_missing", "完成本階段尚需：", "To finish this stage you still need:"),
    ("incident.deadlines", "期限", "Deadlines"),
    ("incident.facts", "事件資料", "Facts"),
    ("incident.proposed_level", "通報時等級", "Level when reported"),
    ("incident.reported_at", "通報時間", "Reported at"),
    ("incident.improvement_items", "改善策略", "Improvement strategy"),
    ("incident.returned", "事件指揮官退回，意見：", "Returned by the commander with comments:"),
    ("incident.actions", "可執行的作業", "What you can do"),
    ("incident.timeline", "處理紀錄", "Timeline"),
    ("deadline.what", "項目", "What"),
    ("deadline.due", "期限", "Due"),
    ("deadline.state", "狀態", "State"),
    ("deadline.left", "剩餘", "left:"),
    ("deadline.late", "已逾", "late by"),
    ("deadline.overdue", "逾期", "Overdue"),
    ("action.save", "儲存", "Save"),
    ("action.add", "新增", "Add"),
    ("action.review", "審核事件等級", "Review the level"),
    ("action.escalation_notice", "以電話或其他方式通知受通報機關", "Notify the escalation target by phone or other means"),
    ("action.activate_team", "啟動通報應變小組", "Activate the response team"),
    ("action.response_meeting", "事件應變會議紀錄", "Response meeting record"),
    ("action.containment", "損害控制或復原作業", "Damage control or recovery"),
    ("action.control_effect_report", "回報控制成效", "Report the effect of control measures"),
    ("action.personal_data_assessment", "個資當事人通知評估", "Assessment of notifying data subjects"),
    ("action.root_cause", "事件根因", "Root cause"),
    ("action.malware_analysis", "惡意程式分析", "Malware analysis"),
    ("action.virus_check", "送交 Virus Check 紀錄", "Virus Check submission record"),
    ("action.improvement_item", "新增改善項目", "Add an improvement item"),
    ("action.submit_to_commander", "陳報事件指揮官裁處", "Submit to the commander"),
    ("action.decide", "裁處根因及改善策略", "Decide on the root cause and strategy"),
    ("action.send_to_escalation_target", "送交受通報機關", "Send to the escalation target"),
    ("action.progress_report", "陳報改善成效", "Report improvement progress"),
    ("action.submit_report", "提交調查、處理及改善報告", "Submit the investigation, handling and improvement report"),
    ("action.classified_document", "密件公文紀錄", "Classified document record"),
    ("action.homeland_relay", "已轉報行政院國土安全辦公室", "Relayed to the Office of Homeland Security"),
    ("action.comment", "意見或資料需求", "Comment or request for information"),
    ("action.complete_stage", "完成本階段", "Complete this stage"),
    ("stage.confirm", "確認完成本階段（完成後進入下一階段）", "I confirm: complete this stage and move to the next"),
    ("review.reason", "調整等級之理由（調整時必填）", "Reason for a change of level (required when changing)"),
    ("notice.told", "通知對象", "Who was told"),
    ("notice.means", "方式", "How"),
    ("notice.phone", "電話", "Phone"),
    ("notice.other", "其他適當方式", "Other appropriate means"),
    ("notice.other_description", "其他方式說明", "Other means, described"),
    ("notice.at", "通知時間", "When"),
    ("meeting.held_at", "會議時間", "Held at"),
    ("meeting.attendees", "出席人員（每行一位）", "Attendees (one per line)"),
    ("meeting.minutes", "會議紀錄", "Minutes"),
    ("meeting.agenda", "討論事項", "Agenda"),
    ("meeting.overview", "事件概述", "Incident overview"),
    ("meeting.scope", "影響範圍", "Affected scope"),
    ("meeting.other", "其他事項", "Other matters"),
    ("containment.scope", "已確認實際影響範圍", "Actual scope confirmed"),
    ("containment.priority", "已優先恢復對外服務及核心系統", "External services and core systems restored first"),
    ("containment.within", "於可容忍中斷時間內回復", "back within its tolerable downtime"),
    ("containment.beyond", "未於可容忍中斷時間內回復", "not back within its tolerable downtime"),
    ("containment.unjudged", "尚未判斷", "not yet judged"),
    ("containment.announce", "是否對外公告", "Announce publicly?"),
    ("containment.notify_completion", "損害控制或復原已完成，通報完成", "Damage control or recovery is complete: notify completion"),
    ("rootcause.equipment_failure", "屬設備故障", "Equipment failure"),
    ("rootcause.text", "根因（含日誌分析結果）", "Root cause (with the log analysis)"),
    ("rootcause.malware_found", "發現惡意程式", "Malware was found"),
    ("viruscheck.only", "惡意程式樣本僅送交防毒或資安廠商及 Virus Check，不得送交其他平臺。", "Samples go to the anti-virus or security vendor and to Virus Check only, never to other platforms."),
    ("viruscheck.at", "送交時間", "Submitted at"),
    ("viruscheck.reference", "案號（選填）", "Reference (optional)"),
    ("improvement.description", "改善項目", "Measure"),
    ("improvement.horizon", "期程", "Horizon"),
    ("improvement.short", "短期（立即）", "Short term (immediate)"),
    ("improvement.mid", "中期（3 至 6 個月）", "Mid term (3–6 months)"),
    ("improvement.long", "長期（2 年內）", "Long term (within 2 years)"),
    ("improvement.due_on", "預定完成日", "Due on"),
    ("improvement.done", "已完成", "Done"),
    ("improvement.open", "辦理中", "Open"),
    ("improvement.mark_done", "標示完成", "Mark done"),
    ("decide.approve", "核定", "Approve"),
    ("decide.return", "退回並附意見", "Return with comments"),
    ("decide.comment", "意見", "Comments"),
    ("document.number", "密件公文文號", "Document number"),
    ("document.dated", "發文日期", "Dated"),
    ("timeline.filed", "通報", "Reported"),
    ("timeline.escalation_notice", "通知受通報機關", "Escalation target notified"),
    ("timeline.team_activated", "啟動應變小組", "Team activated"),
    ("timeline.response_meeting", "應變會議", "Response meeting"),
    ("timeline.containment", "損害控制或復原", "Damage control or recovery"),
    ("timeline.control_effect_report", "控制成效回報", "Control-effect report"),
    ("timeline.personal_data_assessment", "個資通知評估", "Data-subject notification assessment"),
    ("timeline.root_cause", "根因", "Root cause"),
    ("timeline.malware_analysis", "惡意程式分析", "Malware analysis"),
    ("timeline.virus_check_submission", "送交 Virus Check", "Virus Check submission"),
    ("timeline.improvement_item_added", "新增改善項目", "Improvement item added"),
    ("timeline.improvement_item_done", "改善項目完成", "Improvement item done"),
    ("timeline.submitted_to_commander", "陳報事件指揮官", "Submitted to the commander"),
    ("timeline.commander_decision", "事件指揮官裁處", "Commander's decision"),
    ("timeline.sent_to_escalation_target", "送交受通報機關", "Sent to the escalation target"),
    ("timeline.improvement_progress_report", "改善成效陳報", "Improvement progress report"),
    ("timeline.report_submitted", "提交調查、處理及改善報告", "Report submitted"),
    ("timeline.classified_document", "密件公文", "Classified document"),
    ("timeline.stage_completed", "階段完成", "Stage completed"),
    ("timeline.level_reviewed", "等級審核", "Level reviewed"),
    ("timeline.supervisor_comment", "上級意見", "Supervising agency's comment"),
    ("timeline.homeland_security_relay", "轉報國土安全辦公室", "Relayed to Homeland Security"),
    ("team.proposal_open", "已有待核定的名單異動，請待資通安全長核定或退回後再提出。", "A change is already awaiting the CISO's decision; propose again once it is decided."),
    ("team.already_decided", "這個版本已經核定或退回。", "This version has already been decided."),
    ("team.not_activated", "本事件的應變小組尚未啟動。", "The incident's team has not been activated."),
    ("evidence.not_stored", "這個跡證未上傳至本系統（僅登錄雜湊值與存放位置）。", "This item was registered only (hash and location); its file is not in the portal."),
    ("timeline.team_adjusted", "調整本事件應變小組", "Incident team adjusted"),
    ("timeline.isolation", "隔離措施", "Isolation measure"),
    ("timeline.recovery", "復原方式與進度", "Recovery path and steps"),
    ("timeline.custody.uploaded", "跡證上傳（監管鏈）", "Evidence uploaded (custody)"),
    ("timeline.custody.registered", "跡證登錄（監管鏈）", "Evidence registered (custody)"),
    ("timeline.custody.downloaded", "跡證下載（監管鏈）", "Evidence downloaded (custody)"),
    ("timeline.custody.transferred", "跡證移交（監管鏈）", "Evidence transferred (custody)"),
    ("timeline.custody.verified", "跡證雜湊驗證相符", "Evidence hash verified"),
    ("timeline.custody.verification_failed", "跡證雜湊驗證不符", "Evidence hash did NOT verify"),
    ("timeline.malware_submission", "惡意程式樣本送驗", "Malware sample submitted"),
    ("timeline.indicators_added", "新增 IoC", "Indicators added"),
    ("error.required", "此欄位必填。", "This field is required."),
    ("error.title_invalid", "請輸入事件名稱（一行，最多 200 字）。", "Enter a title (one line, at most 200 characters)."),
    ("error.text_too_long", "內容過長或含有不允許的字元。", "Too long, or contains characters that are not allowed."),
    ("error.subcategory_unknown", "細項分類不屬於所選分類。", "The sub-category does not belong to the chosen category."),
    ("error.systems_invalid", "系統名稱每行最多 200 字、最多 50 個。", "At most 50 systems of at most 200 characters each."),
    ("error.impacts_none", "請至少選擇一項影響。", "Choose at least one impact."),
    ("error.impacts_impossible", "國家機密不適用可用性影響。", "Disruption does not apply to national secrets."),
    ("error.aware_in_future", "知悉時間不可晚於現在。", "The awareness time cannot be in the future."),
    ("error.occurred_after_aware", "發生時間不可晚於知悉時間。", "The occurrence cannot be after the awareness time."),
    ("error.other_means_in_future", "以其他方式通報的時間不可晚於現在。", "The report by other means cannot be in the future."),
    ("error.other_means_before_aware", "以其他方式通報的時間不可早於知悉時間。", "The report by other means cannot be before the awareness time."),
    ("error.other_means_without_reason", "以其他方式通報時，應記錄無法使用通報平臺的原因。", "A report by other means must record why the platform could not be used."),
    ("error.time_invalid", "請輸入有效的日期時間。", "Enter a valid date and time."),
    ("error.time_in_future", "時間不可晚於現在。", "The time cannot be in the future."),
    ("error.date_invalid", "請輸入有效的日期。", "Enter a valid date."),
    ("error.category_unknown", "請選擇事件分類。", "Choose a category."),
    ("error.choice_invalid", "選項無效。", "Invalid choice."),
    ("error.system_unknown", "找不到該系統。", "Unknown system."),
    ("error.due_outside_horizon", "預定完成日不符合所選期程（短期 3 個月內、中期 3 至 6 個月、長期 2 年內）。", "The due date does not fit the horizon (short: within 3 months; mid: 3–6 months; long: within 2 years)."),
    ("error.already_submitted", "已陳報，正等待事件指揮官裁處。", "Already submitted; awaiting the commander's decision."),
    ("error.closed", "本事件已結案。", "This incident is closed."),
    ("error.already_reviewed", "本事件等級已審核。", "The level has already been reviewed."),
    ("error.reason_required", "調整等級時應說明理由。", "A change of level needs a reason."),
    ("error.already_relayed", "已記錄轉報。", "The relay is already recorded."),
    ("error.stage_incomplete", "本階段尚未完成，尚需：", "This stage is not complete; still needed:"),
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
        // Keys named in Rust code too: "error.x", "nav.x", … literals.
        let prefixes = [
            "error.",
            "nav.",
            "queue.",
            "deadline.",
            "containment.",
            "incidents.",
            "login.",
            "notice.",
            "users.",
            "relation.",
            "common.",
        ];
        let mut stack = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src"
        ))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.ends_with("i18n.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split('"').skip(1).step_by(2) {
                    let looks_like_key = prefixes.iter().any(|p| part.starts_with(p))
                        && !part.ends_with(".html")
                        && part
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
                    if looks_like_key && !CATALOG.iter().any(|(k, _, _)| *k == part) {
                        missing.push(format!("{}: {part}", path.display()));
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
