//! Use cases: each opens its transaction, calls storage, asks the domain, commits last.

pub mod admin;
pub mod auth;
pub mod demo;
pub mod directory;
pub mod evidence;
pub mod incidents;
pub mod indicators;
pub mod oversight;
pub mod preparedness;
pub mod reports;
