//! Texts of notifications.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[
    (
        "notify.filed",
        "下屬機關通報資安事件，請審核等級",
        "A subordinate reported an incident: review its level",
    ),
    (
        "notify.major_filed",
        "第三級或第四級資安事件通報：事件指揮官及應變小組請即應變；主管機關請關注處理情形",
        "A level 3 or 4 incident was reported: the commander and the response team act now; the competent authority follows it",
    ),
    (
        "notify.stage_ready",
        "本階段所需項目皆已記錄，請完成本階段",
        "Everything the stage needs is on record: complete the stage",
    ),
    (
        "notify.level_changed",
        "事件等級已調整",
        "The incident's level was changed",
    ),
    (
        "notify.submitted_to_commander",
        "根因及改善策略待您裁處",
        "Root cause and strategy await your decision",
    ),
    (
        "notify.approved",
        "事件指揮官已核定根因及改善策略",
        "The commander approved the root cause and strategy",
    ),
    (
        "notify.returned",
        "事件指揮官退回根因及改善策略，請依意見修正後再陳報",
        "The commander returned the root cause and strategy: revise and resubmit",
    ),
    (
        "notify.supervisor_comment",
        "上級機關提出意見或資料需求",
        "A supervising agency commented or asked for information",
    ),
    (
        "notify.agency_replied",
        "機關已回覆上級機關意見",
        "The agency replied to the supervising agencies' comments",
    ),
    (
        "notify.report_submitted",
        "已提交調查、處理及改善報告",
        "The investigation, handling and improvement report was submitted",
    ),
    (
        "notify.review_soon",
        "等級審核期限將於一小時內屆至",
        "The level review is due within the hour",
    ),
    (
        "notify.review_missed",
        "等級審核已逾期",
        "The level review is overdue",
    ),
    (
        "notify.containment_soon",
        "損害控制或復原期限將於一小時內屆至",
        "Damage control or recovery is due within the hour",
    ),
    (
        "notify.containment_missed",
        "損害控制或復原已逾期",
        "Damage control or recovery is overdue",
    ),
    (
        "notify.report_soon",
        "調查、處理及改善報告期限將於一小時內屆至",
        "The investigation report is due within the hour",
    ),
    (
        "notify.report_missed",
        "調查、處理及改善報告已逾期",
        "The investigation report is overdue",
    ),
    (
        "notify.control_effect_due",
        "請定期回報控制成效（第三、四級事件）",
        "A periodic control-effect report is due (level 3/4)",
    ),
    (
        "notify.improvement_soon",
        "改善項目即將到期",
        "An improvement item is due soon",
    ),
    (
        "notify.improvement_missed",
        "改善項目已逾期",
        "An improvement item is overdue",
    ),
    (
        "mail.incident_number",
        "事件編號 Incident: {number}",
        "Incident: {number}",
    ),
    (
        "mail.signature",
        "（本郵件由資通安全事件通報應變入口網發出 · sent by the incident portal）",
        "(sent by the incident portal)",
    ),
    ("notify.other", "資安事件通知", "Incident notification"),
    (
        "notify.follow_up_reported",
        "下屬機關續行通報，請重新審核等級",
        "A subordinate reported a change (follow-up report): review its level again",
    ),
    (
        "notify.review_rechecked",
        "主管機關已覆核事件等級",
        "The competent authority re-checked the level",
    ),
    (
        "notify.review_relayed",
        "受通報機關已送交審核結果及依據，請覆核",
        "The notified agency sent its review result and basis: re-check it",
    ),
    (
        "notify.extension_requested",
        "機關申請延長調查、處理及改善報告送交期限",
        "An agency asks to extend the investigation report's deadline",
    ),
    (
        "notify.extension_consented",
        "受通報機關同意延長報告期限",
        "The notified agency consented to extend the report's deadline",
    ),
    (
        "notify.extension_refused",
        "受通報機關不同意延長報告期限",
        "The notified agency refused to extend the report's deadline",
    ),
    (
        "notify.control_effect_reported",
        "已回報控制措施成效",
        "The effect of the control measures was reported",
    ),
    (
        "notify.progress_reported",
        "執行秘書已回報改善措施執行成效",
        "The executive secretary reported the improvement measures' progress",
    ),
    (
        "notify.reports_forwarded",
        "機關已彙整送交定期報告",
        "The agency forwarded its periodic reports",
    ),
    (
        "notify.ciso_meeting_due",
        "重大資通安全事件後，資通安全長應召開會議",
        "After a major incident the CISO convenes a meeting",
    ),
    (
        "notify.progress_due",
        "請定期回報改善措施執行成效（第三、四級事件）",
        "A periodic improvement-progress report is due (level 3/4)",
    ),
];
