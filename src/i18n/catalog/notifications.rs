//! Texts of notifications.

pub(super) const ENTRIES: &[(&str, &str, &str)] = &[
    (
        "notify.filed",
        "下屬機關通報資安事件，請審核等級",
        "A subordinate reported an incident: review its level",
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
];
