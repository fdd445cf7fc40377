//! One integration binary: the real server over HTTP against a real PostgreSQL.

mod account;
mod admin;
mod api_v1;
mod auth;
mod below;
mod classify;
mod demo;
mod evidence;
mod helpers;
mod hostile;
mod incidents;
mod jobs;
mod law;
mod matrix;
mod notifications;
mod operations;
mod oversight;
mod preparedness;
mod register;
mod reports;
mod search;
mod security;
mod sitting;
mod thread;
mod timeline;
mod tokens;
