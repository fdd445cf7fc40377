//! The incident portal: cybersecurity incident notification and response for Taiwan's agencies.
//!
//! Layers point one way: `web` → `services` → `db` → `domain`.

pub mod backup;
/// The national-scale synthetic data of the load benchmark: not in the production build.
#[cfg(feature = "bench")]
pub mod bench;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod pg_cluster;
pub mod report_odt;
pub mod report_pdf;
pub mod services;
pub mod startup;
pub mod telemetry;
pub mod timeline_log;
pub mod web;
