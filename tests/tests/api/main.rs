//! End-to-end tests: the real server, real PostgreSQL and real Redis.
//! One test binary (fast to link); one module per concern.

mod activities;
mod api_keys;
mod audit;
mod audit_chain;
mod auth;
mod contacts;
mod contract;
mod database;
mod database_faults;
mod deals;
mod denial_of_service;
mod deploy;
mod export;
mod gdpr;
mod hijacking;
mod import;
mod isolation;
mod log_privacy;
mod members;
mod metrics;
mod mfa;
mod otlp;
mod outbox;
mod pagination;
mod pipelines;
mod rate_limits;
mod redis;
mod reminders;
mod roles;
mod schedules;
mod shutdown;
mod stack;
mod views;
mod web_app;
mod webhooks;
