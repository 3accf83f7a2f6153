//! Strike sites as durable evidence: how consensus runs update them without losing their
//! identity ([`reconcile`]) and what an analyst's review does to one ([`review`]). Pure rules;
//! `db::site` stores them and `api::sites` serves them.

pub mod export;
pub mod reconcile;
pub mod review;
