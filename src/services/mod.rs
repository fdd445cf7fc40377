//! Use cases: each opens its transaction, calls storage, asks the domain, commits last.

pub mod access;
pub mod account;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod demo;
pub mod directory;
pub mod evidence;
pub mod incidents;
pub mod indicators;
pub mod mfa;
pub mod oversight;
pub mod preparedness;
pub mod reports;
pub mod retention;
pub mod search;
pub mod sso;
pub mod taxii;
pub mod timeline;
pub mod tokens;
pub mod tracking;
pub mod webhooks;
pub mod work;

use crate::db::{self, agencies::Agency, users::User};
use crate::domain::{self, AgencyKind};
use crate::error::AppError;

/// The signed-in person acting.
#[derive(Clone, Copy)]
pub struct Acting<'a> {
    pub user: &'a User,
    pub agency: &'a Agency,
}

impl Acting<'_> {
    pub fn actor(&self) -> domain::Actor {
        domain::Actor {
            agency: self.user.agency_id,
            roles: self.user.roles.clone(),
            agency_is_competent_authority: self.agency.kind == AgencyKind::CompetentAuthority,
            name: self.user.display_name.clone(),
            agency_name: self.agency.name_zh.clone(),
        }
    }
    pub fn timeline_actor(&self) -> db::timeline::Actor {
        db::timeline::Actor {
            user: self.user.id,
            agency: self.user.agency_id,
        }
    }
}

/// The domain's refusal as the error the pages and the API answer with.
pub fn denied(d: domain::Denied) -> AppError {
    match d {
        domain::Denied::NotVisible => AppError::NotFound,
        domain::Denied::NotPermitted => AppError::Forbidden,
    }
}

/// Why the aggregate refused an action, as the error the pages and the API answer with.
pub fn refused(r: domain::Refusal) -> AppError {
    match r {
        domain::Refusal::NotPermitted(d) => denied(d),
        domain::Refusal::OutOfStage(missing) => {
            AppError::StageIncomplete(missing.iter().map(domain::MissingItem::label).collect())
        }
        domain::Refusal::Conflict(text) => AppError::Conflict(text.catalog_key().to_string()),
        domain::Refusal::Invalid(errors) => AppError::Invalid(errors),
    }
}
