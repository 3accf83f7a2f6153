//! Tessera's server: the HTTP API, storage on `SQLite` or `PostgreSQL`, and the command line.
//!
//! The binary (`src/main.rs`) only parses arguments and calls [`cli`]; everything else lives in
//! this library so the end-to-end tests can build the exact application that is served.

pub mod api;
pub mod auth;
pub mod campaign_cache;
pub mod campaign_settings;
pub mod cli;
pub mod config;
pub mod confined;
pub mod db;
pub mod health_cache;
pub mod imagery;
pub mod jobs;
pub mod scheduler;
pub mod server;
pub mod session_cache;
pub mod sites;
pub mod state;
pub mod tile_urls;
