//! carelog over real HTTP: a server on a random port with its own database, driven like a browser
//! (cookies, CSRF tokens, redirects). Runs on SQLite, or on PostgreSQL when `CARELOG_TEST_PG` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod api_contract;
mod assignment;
mod audit;
mod audit_chain;
mod auth;
mod automation;
mod billed_record;
mod billing;
mod cli;
mod crash;
mod deployment;
mod durability;
mod enrollment;
mod entries;
mod exports;
mod fhir;
mod helpers;
mod import_enrollment;
mod imports;
mod json_api;
mod notifications;
mod panel;
mod patient_month;
mod people;
mod security;
mod shell;
mod shutdown;
mod smtp_sink;
mod sqlite_build;
mod team_cache;
mod teams;
mod vocabulary;
mod workday;
