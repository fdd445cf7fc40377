//! Agency A's demo incidents: one script each (what was reported and how far it has got), and a
//! small interpreter that files it and walks it through the stages with `services::incidents`,
//! each step acting as the demo user whose work it is, so that the domain applies every rule and
//! the timeline records every step.
//!
//! Times are relative to the load. What the forms let a user state (awareness, occurrence, the
//! report by other means, the phone notice, evidence collection, indicators' seen-window) lies
//! in the past; what the services stamp themselves (the filing, reviews, completion notices,
//! the timeline) is the moment of the load. So that only the late incident is overdue, the
//! others became known within the hour before the load, and the late one was reported by phone
//! more than a day ago.

use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::Cast;
use crate::db::{incidents::ListFilter, PageRequest};
use crate::domain::incident::actions::*;
use crate::domain::input::{Day, Flag, Index, Many, When};
use crate::domain::{
    self, AgendaItem, AssetClass, Category, FilingInput, Impact, ImpactKind, ReminderPolicy, Stage,
    StageAction,
};
use crate::error::AppError;
use crate::services::{self, evidence, indicators};

const OFFICER: &str = "officer@agency-a.demo";
const COMMANDER: &str = "commander@agency-a.demo";
const SECRETARY: &str = "secretary@agency-a.demo";
const CISO: &str = "ciso@agency-a.demo";
const RESPONDER: &str = "responder@agency-a.demo";
const LOGISTICS: &str = "logistics@agency-a.demo";
/// The notified agency of Agency A (its superior agency) and the competent authority.
const MINISTRY: &str = "reviewer@ministry.demo";
const AUTHORITY: &str = "acs-reviewer@acs.demo";

const CONTACT: &str = "甲機關資訊室 王小明 02-2345-6704";

const fn impact(kind: ImpactKind, asset: AssetClass, severe: bool) -> Impact {
    Impact {
        kind,
        asset,
        severe,
    }
}

/// An item of the improvement strategy: description, who carries it out, horizon, due in days.
type Item = (&'static str, &'static str, HorizonChoice, i64);

/// One demo incident: what was reported, and what each stage it passes through records.
struct Script {
    title: &'static str,
    summary: &'static str,
    category: Category,
    subcategory: &'static str,
    impacts: &'static [Impact],
    /// Affected systems, each with whether it came back within its tolerable downtime.
    systems: &'static [(&'static str, DowntimeChoice)],
    /// Minutes before the load that it happened and that the agency became aware of it.
    occurred_ago: i64,
    aware_ago: i64,
    /// Reported by phone while the platform could not be used: minutes ago, and why.
    other_means: Option<(i64, &'static str)>,
    /// The stage it has reached; `None`: closed.
    reached: Option<Stage>,
    /// The notified agency reviewed the level and sent the result on.
    reviewed: bool,
    /// Levels 3–4: the response meeting's minutes and the control measures' effect.
    minutes: &'static str,
    control: (&'static str, &'static str),
    root_cause: &'static str,
    malware: Option<&'static str>,
    items: &'static [Item],
    /// The commander returned the root-cause report with this comment.
    returned: Option<&'static str>,
    /// The improvement measures' progress (done, effect).
    progress: (&'static str, &'static str),
    /// Levels 3–4: the conclusions of the CISO's meeting (art. 9).
    ciso_conclusions: &'static str,
    /// Indicators shared on the incident: (type, value, note).
    indicators: &'static [(&'static str, &'static str, &'static str)],
    evidence: bool,
}

const BASE: Script = Script {
    title: "",
    summary: "",
    category: Category::Other,
    subcategory: "",
    impacts: &[],
    systems: &[],
    occurred_ago: 0,
    aware_ago: 0,
    other_means: None,
    reached: None,
    reviewed: true,
    minutes: "",
    control: ("", ""),
    root_cause: "",
    malware: None,
    items: &[],
    returned: None,
    progress: ("", ""),
    ciso_conclusions: "",
    indicators: &[],
    evidence: false,
};

const SCRIPTS: &[Script] = &[
    Script {
        title: "官網活動專區遭置換首頁",
        summary: "上午例行巡檢發現官網活動專區首頁遭置換為不明宣傳圖片，已將活動專區下線並以前日備份還原，未發現其他頁面遭竄改。",
        category: Category::WebAttack,
        subcategory: "defacement",
        impacts: &[impact(ImpactKind::Tamper, AssetClass::NonCore, false)],
        systems: &[("官網活動專區", DowntimeChoice::Within)],
        occurred_ago: 9 * 60,
        aware_ago: 55,
        root_cause: "活動專區之檔案上傳功能未檢查檔案類型，攻擊者上傳網頁後門後置換首頁。",
        items: &[
            ("上傳功能增加檔案類型及內容檢查", "資訊室", HorizonChoice::Short, 30),
            ("委外開發之網站完成源碼檢測", "資訊室、委外廠商", HorizonChoice::Mid, 120),
        ],
        progress: ("已完成上傳功能修正並上線", "同類上傳攻擊經測試已無法成功"),
        ..BASE
    },
    Script {
        title: "公文系統帳號遭暴力破解",
        summary: "資安監控中心告警公文管理系統自昨晚起遭境外 IP 大量嘗試登入，其中 2 個帳號疑似遭破解並於凌晨登入檢視公文，已停用該 2 個帳號並封鎖來源 IP。",
        category: Category::Intrusion,
        subcategory: "system_compromised",
        impacts: &[impact(ImpactKind::Leak, AssetClass::Core, false)],
        systems: &[
            ("公文管理系統", DowntimeChoice::Within),
            ("單一登入伺服器", DowntimeChoice::Unjudged),
        ],
        occurred_ago: 20 * 60,
        aware_ago: 40,
        reached: Some(Stage::Containment),
        ..BASE
    },
    Script {
        title: "電子郵件社交工程致電腦遭植入遠端控制程式",
        summary: "人事室同仁開啟偽冒「年度考績作業通知」之電子郵件附件，電腦遭植入遠端控制程式並連線境外中繼站，疑有業務敏感資料外傳。",
        category: Category::Intrusion,
        subcategory: "malware_implanted",
        impacts: &[impact(ImpactKind::Leak, AssetClass::Sensitive, false)],
        systems: &[
            ("人事室同仁電腦", DowntimeChoice::Within),
            ("電子郵件系統", DowntimeChoice::Within),
        ],
        occurred_ago: 3 * 60,
        aware_ago: 45,
        reached: Some(Stage::RootCause),
        minutes: "確認受害範圍為 1 台同仁電腦；已隔離該電腦並封鎖中繼站連線；暫不對外說明。",
        control: ("已隔離受駭電腦並封鎖中繼站 IP 及網域", "未再發現其他電腦連線中繼站"),
        root_cause: "同仁開啟偽冒郵件之巨集附件，防毒軟體未能偵測該變種程式。",
        malware: Some("附件巨集下載遠端控制程式，定時連線中繼站接收指令並回傳檔案清單。"),
        items: &[
            ("郵件閘道阻擋含巨集之附件", "資訊室", HorizonChoice::Short, 30),
            ("全員社交工程教育訓練", "人事室、資訊室", HorizonChoice::Long, 300),
        ],
        returned: Some("根因僅說明同仁開啟附件，請補充郵件閘道未攔截之原因及外傳資料範圍之日誌分析後再提報。"),
        ..BASE
    },
    Script {
        title: "勒索軟體加密檔案伺服器",
        summary: "檔案伺服器共用資料夾之檔案遭加密並留下勒索訊息，含一般公務機密之業務檔案無法存取；已中斷檔案伺服器網路連線並保全記憶體及磁碟映像。",
        category: Category::Intrusion,
        subcategory: "malware_implanted",
        impacts: &[
            impact(ImpactKind::Tamper, AssetClass::Sensitive, true),
            impact(ImpactKind::Disruption, AssetClass::Core, true),
        ],
        systems: &[
            ("檔案伺服器", DowntimeChoice::Beyond),
            ("備份伺服器", DowntimeChoice::Within),
            ("業務承辦人電腦", DowntimeChoice::Within),
        ],
        occurred_ago: 2 * 60,
        aware_ago: 35,
        reached: Some(Stage::Improvement),
        minutes: "確認受害範圍為檔案伺服器及 3 台承辦人電腦；以離線備份還原，優先恢復公文附件目錄；由新聞官統一對外說明。",
        control: ("已隔離檔案伺服器並重設所有 VPN 帳號密碼", "未再發現加密行為及對外異常連線"),
        root_cause: "攻擊者以外洩之 VPN 帳號登入，利用檔案伺服器未修補之漏洞取得管理權限後執行勒索軟體。",
        malware: Some("勒索軟體執行檔以排程方式啟動，加密共用資料夾後連線中繼網域回報。"),
        items: &[
            ("VPN 啟用多因子驗證", "資訊室", HorizonChoice::Short, 30),
            ("檔案伺服器作業系統升級", "資訊室", HorizonChoice::Mid, 150),
            ("建置異地離線備份機制", "資訊室、財務行政組", HorizonChoice::Long, 365),
        ],
        progress: ("VPN 已全面啟用多因子驗證", "異常登入嘗試均遭阻擋"),
        ciso_conclusions: "VPN 多因子驗證列為全機關必要措施；離線備份機制納入明年度預算。",
        indicators: &[
            ("ipv4", "203.0.113.77", "勒索軟體中繼站"),
            ("domain", "update-sync.example.net", "勒索軟體回報之中繼網域"),
            (
                "sha256",
                "0069cad7001b4e92abfe5beb4f97062d0ca0e9eb477265f392061e952a7ca200",
                "勒索軟體執行檔",
            ),
        ],
        evidence: true,
        ..BASE
    },
    Script {
        title: "官網及線上申辦系統遭 DDoS 攻擊",
        summary: "官網及線上申辦系統自昨日起遭大量異常流量攻擊，對外服務中斷約 2 小時，啟用 ISP 流量清洗服務後恢復。",
        category: Category::Dos,
        subcategory: "outage",
        impacts: &[impact(ImpactKind::Disruption, AssetClass::Core, false)],
        systems: &[
            ("機關官方網站", DowntimeChoice::Within),
            ("線上申辦系統", DowntimeChoice::Within),
        ],
        occurred_ago: 27 * 60,
        aware_ago: 26 * 60,
        other_means: Some((
            25 * 60 + 35,
            "對外網路遭流量攻擊壅塞，無法連線通報平臺，先以電話通報上級機關",
        )),
        reached: Some(Stage::ResponseTeam),
        reviewed: false,
        ..BASE
    },
];

/// Files whichever demo incident Agency A does not have yet (known by its title) and walks it
/// to its stage. Returns how many it filed.
pub(super) async fn load(
    pool: &PgPool,
    cast: &Cast,
    policy: &ReminderPolicy,
) -> Result<usize, AppError> {
    let officer = cast.acting(OFFICER);
    let page = PageRequest::new(None, 1000);
    let (have, _) =
        services::incidents::list_own(pool, officer, &ListFilter::default(), page).await?;
    let now = Utc::now();
    let mut filed = 0;
    for script in SCRIPTS {
        if have.iter().any(|i| i.title == script.title) {
            continue;
        }
        let failed = |e: AppError| {
            AppError::Internal(anyhow::anyhow!("demo incident {:?}: {e:?}", script.title))
        };
        let id = file(pool, cast, policy, script, now)
            .await
            .map_err(failed)?;
        let walk = Walk {
            pool,
            cast,
            policy,
            s: script,
            id,
            now,
        };
        walk.run().await.map_err(failed)?;
        filed += 1;
    }
    Ok(filed)
}

fn ago(now: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
    now - Duration::minutes(minutes)
}

async fn file(
    pool: &PgPool,
    cast: &Cast,
    policy: &ReminderPolicy,
    s: &Script,
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    let input = FilingInput {
        title: s.title.into(),
        aware_at: ago(now, s.aware_ago),
        occurred_at: Some(ago(now, s.occurred_ago)),
        category: s.category,
        subcategory: s.subcategory.into(),
        impacts: s.impacts.to_vec(),
        personal_data: false,
        summary: s.summary.into(),
        contact: CONTACT.into(),
        affected_systems: s.systems.iter().map(|(name, _)| name.to_string()).collect(),
        other_means: s
            .other_means
            .map(|(minutes, why)| (ago(now, minutes), why.to_string())),
    };
    let filed = services::incidents::file(pool, cast.acting(OFFICER), input, policy).await?;
    Ok(filed.id)
}

/// One incident on its way: each step is a stage action by the demo user whose work it is.
struct Walk<'a> {
    pool: &'a PgPool,
    cast: &'a Cast,
    policy: &'a ReminderPolicy,
    s: &'static Script,
    id: Uuid,
    /// When the demo loads: the script's times count back from it.
    now: DateTime<Utc>,
}

impl Walk<'_> {
    /// `minutes` before the load.
    fn at(&self, minutes: i64) -> DateTime<Utc> {
        ago(self.now, minutes)
    }

    fn major(&self) -> bool {
        domain::classify(self.s.impacts).is_ok_and(|c| c.level.is_major())
    }

    async fn act(&self, who: &str, action: StageAction) -> Result<(), AppError> {
        let kind = action.kind();
        let me = self.cast.acting(who);
        services::incidents::act(self.pool, me, self.id, kind, Ok(action), self.policy)
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{} by {who}: {e:?}", kind.name())))?;
        Ok(())
    }

    /// The review, then every stage up to the one reached, completing each it has passed.
    async fn run(&self) -> Result<(), AppError> {
        if self.s.reviewed {
            self.review().await?;
        }
        for stage in Stage::ALL {
            let passed = self.s.reached.is_none_or(|r| stage < r);
            match stage {
                Stage::Report => self.report().await?,
                Stage::ResponseTeam => self.response_team(passed).await?,
                Stage::Containment => self.containment(passed).await?,
                Stage::RootCause => self.root_cause(passed).await?,
                Stage::Improvement => self.improvement(passed).await?,
            }
            if !passed {
                break;
            }
            let completer = match stage {
                Stage::Report | Stage::Improvement => OFFICER,
                Stage::ResponseTeam | Stage::RootCause => COMMANDER,
                Stage::Containment => RESPONDER,
            };
            self.act(completer, StageAction::CompleteStage).await?;
        }
        Ok(())
    }

    /// The notified agency keeps the level as reported and sends the result on (art. 7); the
    /// competent authority relays a major incident to the Office of Homeland Security.
    async fn review(&self) -> Result<(), AppError> {
        let keep = ReviewInput {
            level: LevelChoice(None),
            reason: String::new(),
        };
        self.act(MINISTRY, StageAction::Review(keep)).await?;
        let basis = "經審核通報內容及影響範圍，核定維持通報之等級。".to_string();
        self.act(
            MINISTRY,
            StageAction::RelayReview(RelayReviewInput { basis }),
        )
        .await?;
        if self.major() {
            self.act(AUTHORITY, StageAction::HomelandRelay).await?;
        }
        Ok(())
    }

    /// Levels 3–4: the notified agency was also told by phone, ten minutes after awareness.
    async fn report(&self) -> Result<(), AppError> {
        if !self.major() {
            return Ok(());
        }
        let aware = self.at(self.s.aware_ago);
        let notice = EscalationNoticeInput {
            told: "示範部資安窗口 王科長".into(),
            means: NoticeMeansChoice::Phone,
            other_means: String::new(),
            at: Some(When(aware + Duration::minutes(10))),
        };
        self.act(OFFICER, StageAction::EscalationNotice(notice))
            .await
    }

    /// The team is activated; at levels 3–4 the commander holds the response meeting once the
    /// initial damage control is done.
    async fn response_team(&self, passed: bool) -> Result<(), AppError> {
        self.act(COMMANDER, StageAction::ActivateTeam).await?;
        if !passed || !self.major() {
            return Ok(());
        }
        let initial = ContainmentInput {
            initial_control_done: Flag(true),
            ..containment(&[])
        };
        self.act(RESPONDER, StageAction::Containment(initial))
            .await?;
        let meeting = ResponseMeetingInput {
            held_at: Some(When(Utc::now())),
            attendees: Many(
                [
                    "甲機關事件指揮官",
                    "甲機關資通安全長",
                    "應變執行組",
                    "後勤調度組",
                    "示範部資安窗口",
                ]
                .map(String::from)
                .to_vec(),
            ),
            minutes: self.s.minutes.into(),
            agenda: Many(AgendaItem::ALL.to_vec()),
        };
        self.act(COMMANDER, StageAction::ResponseMeeting(meeting))
            .await
    }
}

/// A damage-control record that states nothing yet.
fn containment(downtime: &[DowntimeChoice]) -> ContainmentInput {
    ContainmentInput {
        scope_confirmed: Flag(false),
        priority_restoration_done: Flag(false),
        downtime: Many(downtime.to_vec()),
        public_announcement: YesNo::Undecided,
        notify_completion: Flag(false),
        initial_control_done: Flag(false),
    }
}

fn report(done: &str, effect: &str) -> PeriodicReportInput {
    PeriodicReportInput {
        done: done.into(),
        effect: effect.into(),
    }
}

impl Walk<'_> {
    /// Damage control: the scope confirmed and the first system judged; when passed, every
    /// system judged and completion notified. Evidence and indicators are kept meanwhile.
    async fn containment(&self, passed: bool) -> Result<(), AppError> {
        let judged: Vec<DowntimeChoice> = self.s.systems.iter().map(|(_, d)| *d).collect();
        let record = if passed {
            ContainmentInput {
                scope_confirmed: Flag(true),
                priority_restoration_done: Flag(true),
                public_announcement: YesNo::No,
                notify_completion: Flag(true),
                ..containment(&judged)
            }
        } else {
            ContainmentInput {
                scope_confirmed: Flag(true),
                ..containment(&judged[..judged.len().min(1)])
            }
        };
        if self.s.evidence {
            self.keep_evidence().await?;
        }
        self.share_indicators().await?;
        if self.major() {
            let (done, effect) = self.s.control;
            let effect_report = StageAction::ControlEffectReport(report(done, effect));
            self.act(RESPONDER, effect_report).await?;
            let forward = ForwardReportInput {
                report: Some(ReportChoice::ControlEffect),
            };
            self.act(OFFICER, StageAction::ForwardReport(forward))
                .await?;
        }
        self.act(RESPONDER, StageAction::Containment(record)).await
    }

    /// Root cause and strategy, submitted to the commander, who returns it with a comment or
    /// approves it (then it goes to the notified agency).
    async fn root_cause(&self, passed: bool) -> Result<(), AppError> {
        let found = RootCauseInput {
            equipment_failure: Flag(false),
            root_cause: self.s.root_cause.into(),
            malware_found: Flag(self.s.malware.is_some()),
        };
        self.act(LOGISTICS, StageAction::RootCause(found)).await?;
        if let Some(analysis) = self.s.malware {
            let analysis = MalwareAnalysisInput {
                analysis: analysis.into(),
            };
            self.act(LOGISTICS, StageAction::MalwareAnalysis(analysis))
                .await?;
            let check = VirusCheckInput {
                submitted_at: Some(When(Utc::now())),
                reference: "VC-DEMO-001".into(),
            };
            self.act(LOGISTICS, StageAction::VirusCheck(check)).await?;
        }
        let today = domain::to_taipei(Utc::now()).date_naive();
        for &(description, owner, horizon, days) in self.s.items {
            let item = ImprovementItemInput {
                description: description.into(),
                owner: owner.into(),
                horizon: Some(horizon),
                due_on: Some(Day(today + Duration::days(days))),
            };
            self.act(LOGISTICS, StageAction::ImprovementItem(item))
                .await?;
        }
        self.act(SECRETARY, StageAction::SubmitToCommander).await?;
        if let Some(comment) = self.s.returned {
            let back = DecideInput {
                decision: Some(DecisionChoice::Return),
                comment: comment.into(),
            };
            self.act(COMMANDER, StageAction::Decide(back)).await?;
        }
        if !passed {
            return Ok(());
        }
        if self.s.returned.is_some() {
            self.act(SECRETARY, StageAction::SubmitToCommander).await?;
        }
        let approve = DecideInput {
            decision: Some(DecisionChoice::Approve),
            comment: String::new(),
        };
        self.act(COMMANDER, StageAction::Decide(approve)).await?;
        self.act(OFFICER, StageAction::SendToEscalationTarget).await
    }

    /// Improvement tracking: the first item done, progress reported and forwarded, at levels
    /// 3–4 the CISO's meeting; when passed, the investigation report submitted (the open items
    /// then go on into the agency's regular tracking as the incident closes).
    async fn improvement(&self, passed: bool) -> Result<(), AppError> {
        let first = ImprovementItemDoneInput {
            index: Some(Index(0)),
        };
        self.act(LOGISTICS, StageAction::ImprovementItemDone(first))
            .await?;
        let (done, effect) = self.s.progress;
        self.act(SECRETARY, StageAction::ProgressReport(report(done, effect)))
            .await?;
        let forward = ForwardReportInput {
            report: Some(ReportChoice::Progress),
        };
        self.act(OFFICER, StageAction::ForwardReport(forward))
            .await?;
        if self.major() {
            let meeting = CisoMeetingInput {
                held_at: Some(When(Utc::now())),
                attendees: Many(
                    ["甲機關資通安全長", "資訊室主任", "政風室主任", "事件指揮官"]
                        .map(String::from)
                        .to_vec(),
                ),
                conclusions: self.s.ciso_conclusions.into(),
            };
            self.act(CISO, StageAction::CisoMeeting(meeting)).await?;
        }
        if passed {
            self.act(OFFICER, StageAction::SubmitReport).await?;
        }
        Ok(())
    }

    /// The IoCs the intelligence and planning group shares on the incident.
    async fn share_indicators(&self) -> Result<(), AppError> {
        let me = self.cast.acting(OFFICER);
        let aware = self.at(self.s.aware_ago);
        let first_seen = self.at(self.s.occurred_ago);
        for &(kind, value, note) in self.s.indicators {
            let input = indicators::IndicatorInput {
                kind: kind.into(),
                value: value.into(),
                note: note.into(),
                first_seen: Some(first_seen),
                last_seen: Some(aware),
                tlp: String::new(),
            };
            indicators::add(self.pool, me, self.id, &input).await?;
        }
        Ok(())
    }

    /// Evidence the response execution group preserved: an excerpt of the firewall log,
    /// uploaded, and the server's disk image, registered by its hash and where it is kept.
    async fn keep_evidence(&self) -> Result<(), AppError> {
        let me = self.cast.acting(RESPONDER);
        let collected = self.at(self.s.aware_ago - 15);
        let log = evidence::ItemFields {
            kind: "log_export".into(),
            description: "防火牆日誌節錄：檔案伺服器對中繼站之連線".into(),
            source_system: "機關防火牆".into(),
            collected_by: String::new(),
            collected_at: Some(collected),
        };
        let mut upload = evidence::Upload::begin(self.pool, me, self.id, 1024 * 1024).await?;
        upload.file_name = "firewall-excerpt.log".into();
        upload.content_type = "text/plain".into();
        let log_text = firewall_log(self.at(self.s.occurred_ago));
        upload.write(log_text.as_bytes()).await?;
        upload.finish(self.pool, me, &log).await?;
        let image = evidence::ItemFields {
            kind: "disk_image".into(),
            description: "檔案伺服器系統磁碟映像".into(),
            source_system: "檔案伺服器".into(),
            collected_by: String::new(),
            collected_at: Some(collected),
        };
        let kept_at = "資訊室保險櫃 A-3，外接硬碟 SN-DEMO-0001";
        let size = Some(500_107_862_016);
        evidence::register(
            self.pool,
            me,
            self.id,
            &image,
            DISK_IMAGE_SHA256,
            size,
            kept_at,
        )
        .await?;
        Ok(())
    }
}

/// Three lines of the firewall's log from `from` on, five minutes apart: the file server
/// calling the relay station until the connection was blocked.
fn firewall_log(from: DateTime<Utc>) -> String {
    (0..3)
        .map(|n| {
            let at = domain::to_taipei(from + Duration::minutes(5 * n)).to_rfc3339();
            let verdict = if n < 2 { "ALLOW" } else { "DENY " };
            format!(
                "{at} {verdict} TCP 10.10.20.15:{} -> 203.0.113.77:443 fileserver\n",
                49822 + n
            )
        })
        .collect()
}

/// The SHA-256 the agency computed of the disk image it keeps (too large to upload).
const DISK_IMAGE_SHA256: &str = "3dc0e494eab4833506bbdbebfb6cb8d6f7dfb0598b16d7530734c31931aceaef";
