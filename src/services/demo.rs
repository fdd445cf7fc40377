//! Demo data for `portal demo`: a small agency tree and one account per kind of user, and
//! what a newcomer sees in a portal in use: Agency A's approved response team and drills
//! (`preparedness`) and its incidents at every stage (`incidents`). Everything after the
//! accounts is made through the services, acting as the demo user whose work it is, so the
//! domain applies its rules and the timeline records it as it would any user's.

mod incidents;
mod preparedness;

use sqlx::PgPool;
use uuid::Uuid;

use crate::db::{self, agencies::Agency, users::User};
use crate::domain::{AgencyId, AgencyKind, ReminderPolicy, ResponsibilityLevel, Role};
use crate::error::AppError;
use crate::services::auth::hash_password;
use crate::services::Acting;

pub const DEMO_PASSWORD: &str = "demo-password";

struct DemoAgency {
    key: &'static str,
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    kind: AgencyKind,
    superior: Option<&'static str>,
    sector_authority: Option<&'static str>,
    level: ResponsibilityLevel,
    critical_infrastructure: bool,
}

const AGENCIES: &[DemoAgency] = &[
    DemoAgency {
        key: "acs",
        code: "ACS",
        name_zh: "數位發展部資通安全署",
        name_en: "Administration for Cyber Security",
        kind: AgencyKind::CompetentAuthority,
        superior: None,
        sector_authority: None,
        level: ResponsibilityLevel::A,
        critical_infrastructure: false,
    },
    DemoAgency {
        key: "ministry",
        code: "MIN",
        name_zh: "示範部",
        name_en: "Ministry of Demonstration",
        kind: AgencyKind::Government,
        superior: None,
        sector_authority: None,
        level: ResponsibilityLevel::A,
        critical_infrastructure: false,
    },
    DemoAgency {
        key: "agency-a",
        code: "AGA",
        name_zh: "甲機關",
        name_en: "Agency A",
        kind: AgencyKind::Government,
        superior: Some("ministry"),
        sector_authority: None,
        level: ResponsibilityLevel::B,
        critical_infrastructure: false,
    },
    DemoAgency {
        key: "agency-b",
        code: "AGB",
        name_zh: "乙機關",
        name_en: "Agency B",
        kind: AgencyKind::Government,
        superior: Some("ministry"),
        sector_authority: None,
        level: ResponsibilityLevel::C,
        critical_infrastructure: false,
    },
    DemoAgency {
        key: "health",
        code: "MOHW",
        name_zh: "衛生福利部",
        name_en: "Ministry of Health and Welfare",
        kind: AgencyKind::Government,
        superior: None,
        sector_authority: None,
        level: ResponsibilityLevel::A,
        critical_infrastructure: false,
    },
    DemoAgency {
        key: "hospital",
        code: "HOSP",
        name_zh: "示範醫院",
        name_en: "Demonstration Hospital",
        kind: AgencyKind::SpecificNonGovernment,
        superior: None,
        sector_authority: Some("health"),
        level: ResponsibilityLevel::B,
        critical_infrastructure: true,
    },
    DemoAgency {
        key: "independent",
        code: "IND",
        name_zh: "獨立機關",
        name_en: "Independent Agency",
        kind: AgencyKind::Government,
        superior: None,
        sector_authority: None,
        level: ResponsibilityLevel::C,
        critical_infrastructure: false,
    },
];

/// (e-mail, display name, agency key, roles)
const ACCOUNTS: &[(&str, &str, &str, &[Role])] = &[
    (
        "acs-reviewer@acs.demo",
        "資安署審核員",
        "acs",
        &[Role::Reviewer],
    ),
    (
        "admin@acs.demo",
        "資安署管理者",
        "acs",
        &[Role::AgencyAdmin],
    ),
    (
        "reviewer@ministry.demo",
        "示範部審核員",
        "ministry",
        &[Role::Reviewer],
    ),
    (
        "officer@agency-a.demo",
        "甲機關資安人員",
        "agency-a",
        &[Role::SecurityOfficer, Role::IntelPlanning],
    ),
    (
        "commander@agency-a.demo",
        "甲機關事件指揮官",
        "agency-a",
        &[Role::Commander],
    ),
    (
        "secretary@agency-a.demo",
        "甲機關執行秘書",
        "agency-a",
        &[Role::ExecutiveSecretary],
    ),
    (
        "ciso@agency-a.demo",
        "甲機關資通安全長",
        "agency-a",
        &[Role::Ciso],
    ),
    (
        "admin@agency-a.demo",
        "甲機關管理者",
        "agency-a",
        &[Role::AgencyAdmin],
    ),
    (
        "responder@agency-a.demo",
        "甲機關應變執行組",
        "agency-a",
        &[Role::ResponseExecution],
    ),
    (
        "logistics@agency-a.demo",
        "甲機關後勤調度組",
        "agency-a",
        &[Role::Logistics],
    ),
    (
        "officer@agency-b.demo",
        "乙機關資安人員",
        "agency-b",
        &[Role::SecurityOfficer, Role::IntelPlanning],
    ),
    (
        "officer@hospital.demo",
        "示範醫院資安人員",
        "hospital",
        &[Role::SecurityOfficer, Role::IntelPlanning],
    ),
    (
        "reviewer@health.demo",
        "衛福部審核員",
        "health",
        &[Role::Reviewer],
    ),
    (
        "officer@independent.demo",
        "獨立機關資安人員",
        "independent",
        &[Role::SecurityOfficer, Role::IntelPlanning],
    ),
];

pub struct DemoAccount {
    pub email: &'static str,
    pub agency: &'static str,
    pub roles: Vec<&'static str>,
}

pub fn accounts() -> Vec<DemoAccount> {
    ACCOUNTS
        .iter()
        .map(|(email, _, key, roles)| DemoAccount {
            email,
            agency: AGENCIES
                .iter()
                .find(|a| a.key == *key)
                .map_or("", |a| a.name_zh),
            roles: roles.iter().map(|r| r.as_str()).collect(),
        })
        .collect()
}

/// Loads the demo data when the database holds no agency yet. Returns whether it loaded.
#[tracing::instrument(skip_all)]
pub async fn load_if_empty(pool: &PgPool) -> Result<bool, AppError> {
    let mut tx = pool.begin().await?;
    // Serialise concurrent first starts: only one of them loads.
    db::agencies::lock_register(&mut tx).await?;
    if db::agencies::count(&mut tx).await? > 0 {
        return Ok(false);
    }
    let ids: Vec<(&str, AgencyId)> = AGENCIES
        .iter()
        .map(|a| (a.key, AgencyId(Uuid::new_v4())))
        .collect();
    let id_of = |key: &str| ids.iter().find(|(k, _)| *k == key).map(|(_, id)| *id);
    for a in AGENCIES {
        let agency = Agency {
            id: id_of(a.key).expect("every demo agency has an id"),
            code: a.code.into(),
            name_zh: a.name_zh.into(),
            name_en: a.name_en.into(),
            kind: a.kind,
            superior: a.superior.and_then(id_of),
            sector_authority: a.sector_authority.and_then(id_of),
            supervising: None,
            responsibility_level: a.level,
            critical_infrastructure: a.critical_infrastructure,
        };
        db::agencies::insert(&mut tx, &agency).await?;
    }
    // One hash for every demo account: they share a published password anyway.
    let hash = hash_password(DEMO_PASSWORD.to_string()).await?;
    for (email, name, key, roles) in ACCOUNTS {
        let agency = id_of(key).expect("demo account of a demo agency");
        let id = Uuid::new_v4();
        db::users::insert(
            &mut tx,
            &db::users::NewUser {
                id,
                agency_id: agency,
                email,
                display_name: name,
                password_hash: &hash,
                preferred_language: "zh-TW",
            },
        )
        .await?;
        db::users::set_roles(&mut tx, agency, id, roles, None).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// What [`load`] added to the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loaded {
    /// The agencies and accounts (only into an empty database).
    pub register: bool,
    /// Agency A's response team and drills.
    pub preparedness: bool,
    /// How many of the demo incidents were filed.
    pub incidents: usize,
}

impl Loaded {
    pub fn anything(&self) -> bool {
        self.register || self.preparedness || self.incidents > 0
    }
}

/// Loads the demo: the register and accounts into an empty database ([`load_if_empty`]), then
/// whatever of Agency A's preparedness and incidents is not there yet, so that loading again
/// adds nothing. A database without the demo accounts gets nothing more.
#[tracing::instrument(skip_all)]
pub async fn load(pool: &PgPool, policy: &ReminderPolicy) -> Result<Loaded, AppError> {
    let register = load_if_empty(pool).await?;
    // One loader at a time: a second one waits, then finds everything there.
    let mut guard = pool.begin().await?;
    db::advisory_xact_lock(&mut guard, "portal demo").await?;
    let mut loaded = Loaded {
        register,
        preparedness: false,
        incidents: 0,
    };
    if let Some(cast) = Cast::load(pool).await? {
        loaded.preparedness = preparedness::load(pool, &cast).await?;
        loaded.incidents = incidents::load(pool, &cast, policy).await?;
    }
    guard.commit().await?;
    Ok(loaded)
}

/// The demo accounts, each with their agency, to act as.
struct Cast {
    people: Vec<(User, Agency)>,
}

impl Cast {
    /// Every demo account, or `None` when one is missing (not a demo database).
    async fn load(pool: &PgPool) -> Result<Option<Cast>, AppError> {
        let mut conn = pool.acquire().await?;
        let mut people = Vec::new();
        for (email, ..) in ACCOUNTS {
            let Some(found) = db::users::credentials_by_email(&mut conn, email).await? else {
                return Ok(None);
            };
            let Some(user) = db::users::get(&mut conn, found.id).await? else {
                return Ok(None);
            };
            let Some(agency) = db::agencies::get(&mut conn, user.agency_id).await? else {
                return Ok(None);
            };
            people.push((user, agency));
        }
        Ok(Some(Cast { people }))
    }

    /// The demo user with this e-mail address, acting.
    fn acting(&self, email: &str) -> Acting<'_> {
        let (user, agency) = self
            .people
            .iter()
            .find(|(u, _)| u.email == email)
            .expect("every demo account is in the cast");
        Acting { user, agency }
    }
}
