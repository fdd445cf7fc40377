//! The investigation, handling and improvement report (調查、處理及改善報告), built from what is
//! on record, in the order the Enforcement Rules (art. 12) list its contents. The printable page
//! and the PDF are two renderings of the same `ReportDoc`. Parts not yet on record are named in
//! a closing section instead of failing.

use chrono::{DateTime, Utc};

use crate::domain::{self, CommanderDecision, Stage};
use crate::report_pdf::{ReportDoc, ReportSection};
use crate::services::incidents::IncidentView;

fn at(t: DateTime<Utc>) -> String {
    domain::to_taipei(t).format("%Y-%m-%d %H:%M").to_string()
}

fn or_missing(value: Option<String>, what: &str, missing: &mut Vec<String>) -> String {
    value.unwrap_or_else(|| {
        missing.push(what.to_string());
        "（尚未記錄）".to_string()
    })
}

/// The documents the procedure asks for, all drawn from the same record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// 調查、處理及改善報告 (Enforcement Rules art. 12).
    Investigation,
    /// Root cause and improvement strategy, for the commander's decision (SPEC 5, stage 4).
    RootCause,
    /// Level 3/4: the periodic report on the effect of control measures (SPEC 5, stage 3).
    ControlEffect,
    /// Level 3/4: the periodic report on improvement progress (SPEC 5, stage 5).
    ImprovementProgress,
}

impl ReportKind {
    pub fn parse(s: &str) -> Option<ReportKind> {
        Some(match s {
            "" | "investigation" => ReportKind::Investigation,
            "root_cause" => ReportKind::RootCause,
            "control_effect" => ReportKind::ControlEffect,
            "progress" => ReportKind::ImprovementProgress,
            _ => return None,
        })
    }

    fn title(self) -> &'static str {
        match self {
            ReportKind::Investigation => "調查、處理及改善報告",
            ReportKind::RootCause => "事件根因分析及改善策略（陳報事件指揮官裁處）",
            ReportKind::ControlEffect => "損害控制成效定期報告",
            ReportKind::ImprovementProgress => "改善措施辦理成效定期報告",
        }
    }

    /// Which of the investigation report's sections (by index) the document carries.
    fn sections(self) -> &'static [usize] {
        match self {
            ReportKind::Investigation => &[0, 1, 2, 3, 4, 5],
            ReportKind::RootCause => &[0, 1, 4, 5],
            ReportKind::ControlEffect => &[0, 1, 2],
            ReportKind::ImprovementProgress => &[0, 5],
        }
    }
}

/// `kind` of document for incident `v`.
pub fn report(v: &IncidentView, kind: ReportKind) -> ReportDoc {
    let mut doc = investigation_report(v);
    let missing = (doc.sections.len() > 6)
        .then(|| doc.sections.pop())
        .flatten();
    doc.sections = kind
        .sections()
        .iter()
        .filter_map(|i| doc.sections.get(*i).cloned())
        .chain(missing.filter(|_| kind != ReportKind::ControlEffect))
        .collect();
    doc.title = kind.title().into();
    doc
}

pub fn investigation_report(v: &IncidentView) -> ReportDoc {
    let i = &v.incident;
    let r = &i.record;
    let mut missing = Vec::new();
    let section = |heading: &str, paragraphs: Vec<String>| ReportSection {
        heading: heading.into(),
        paragraphs,
    };

    let review = v
        .timeline
        .iter()
        .filter(|(e, _)| e.kind == "level_reviewed")
        .filter_map(|(e, _)| {
            serde_json::from_str::<serde_json::Value>(&e.body)
                .ok()
                .map(|b| (e.at, b))
        })
        .map(|(when, b)| {
            format!(
                "{} 審核：第{}級 → 第{}級。理由：{}",
                at(when),
                b["from"],
                b["to"],
                b["reason"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>();
    let facts = vec![
        format!("機關：{}", i.agency_name_zh),
        format!("事件名稱：{}", i.title),
        format!("事件分類：{}", i.category.label_zh()),
        format!(
            "事件等級：{}（通報時：{}）",
            i.level.label_zh(),
            i.proposed_level.label_zh()
        ),
        if review.is_empty() {
            "等級審核：尚未審核".to_string()
        } else {
            review.join("\n")
        },
        format!(
            "發生時間：{}",
            i.occurred_at.map(at).unwrap_or_else(|| "未知".into())
        ),
        format!("知悉時間：{}", at(i.aware_at)),
        format!("通報時間：{}", at(i.reported_at)),
        format!(
            "完成損害控制或復原時間：{}",
            or_missing(
                i.containment_completed_at.map(at),
                "完成損害控制或復原之時間",
                &mut missing
            )
        ),
    ];

    let mut scope = vec![format!(
        "事件說明：{}",
        if i.summary.is_empty() {
            "—"
        } else {
            &i.summary
        }
    )];
    scope.extend(r.affected_systems.iter().map(|s| {
        let judged = match s.within_tolerable_downtime {
            Some(true) => "於可容忍中斷時間內回復",
            Some(false) => "未於可容忍中斷時間內回復",
            None => "尚未判斷",
        };
        format!("受影響系統：{}（{judged}）", s.name)
    }));
    scope.push(format!(
        "涉及個人資料：{}",
        if i.personal_data { "是" } else { "否" }
    ));
    if let Some(a) = &r.personal_data_notification_assessment {
        scope.push(format!("個資當事人通知評估：{a}"));
    }

    let mut containment = vec![
        format!(
            "確認實際影響範圍：{}",
            if r.scope_confirmed {
                "已確認"
            } else {
                "尚未確認"
            }
        ),
        format!(
            "優先恢復對外服務及核心系統：{}",
            if r.priority_restoration_done {
                "已完成"
            } else {
                "尚未完成"
            }
        ),
        format!(
            "對外公告：{}",
            match r.public_announcement_decision {
                Some(true) => "決定公告",
                Some(false) => "決定不公告",
                None => "尚未決定",
            }
        ),
    ];
    if !r.control_effect_reports.is_empty() {
        containment.push(format!(
            "控制成效回報：{}",
            r.control_effect_reports
                .iter()
                .map(|t| at(*t))
                .collect::<Vec<_>>()
                .join("、")
        ));
    }

    let history = v.timeline.iter().map(|(e, who)| {
        format!(
            "{} {}{}",
            at(e.at),
            e.kind,
            who.as_ref().map(|w| format!("（{w}）")).unwrap_or_default()
        )
    });

    let mut cause = vec![if r.equipment_failure {
        "屬設備故障。".to_string()
    } else {
        format!(
            "事件根因：{}",
            or_missing(r.root_cause.clone(), "事件根因", &mut missing)
        )
    }];
    if r.malware_found {
        cause.push(format!(
            "惡意程式分析：{}",
            or_missing(r.malware_analysis.clone(), "惡意程式分析", &mut missing)
        ));
        cause.push(format!(
            "送交 Virus Check：{}",
            or_missing(
                r.virus_check_submission.as_ref().map(|s| format!(
                    "{} {}",
                    at(s.submitted_at),
                    s.reference.clone().unwrap_or_default()
                )),
                "Virus Check 送交紀錄",
                &mut missing,
            )
        ));
    }
    if let Some(CommanderDecision::Approved) = r.commander_decision {
        cause.push("根因及改善策略業經事件指揮官核定。".into());
    }

    let mut measures: Vec<String> = r
        .improvement_items
        .iter()
        .map(|item| {
            format!(
                "【{}】{}：預定 {} 完成，{}",
                item.horizon.label_zh(),
                item.description,
                item.due_on,
                item.done_on
                    .map(|d| format!("已於 {d} 完成"))
                    .unwrap_or_else(|| "辦理中".into())
            )
        })
        .collect();
    if measures.is_empty() {
        missing.push("改善策略（短、中、長期改善項目）".into());
        measures.push("（尚未記錄）".into());
    }

    // What the current stage's gate still asks for, in the domain's words.
    if let Some(stage) = i.status.stage() {
        if stage >= Stage::RootCause {
            missing.extend(v.missing.iter().map(|m| m.label().zh));
        }
    }
    missing.dedup();

    let mut sections = vec![
        section(
            "一、事件發生或知悉時間、等級及完成損害控制或復原時間",
            facts,
        ),
        section("二、影響範圍及損害評估", scope),
        section("三、損害控制及復原作業之歷程", containment),
        section("四、事件調查及處理作業之歷程", history.collect()),
        section("五、事件根因分析", cause),
        section(
            "六、改善措施（管理、技術、人力及資源層面）及其預定完成時程與追蹤機制",
            measures,
        ),
    ];
    if !missing.is_empty() {
        sections.push(section(
            "尚缺項目",
            missing.iter().map(|m| format!("・{m}")).collect(),
        ));
    }
    ReportDoc {
        title: "調查、處理及改善報告".into(),
        agency: i.agency_name_zh.clone(),
        number: i.number.clone(),
        classified: i.level.is_major(),
        classified_number: r
            .classified_document
            .as_ref()
            .map(|d| format!("{}（{}）", d.number, d.dated)),
        sections,
    }
}
