//! Strike sites for analysts: listing, one site with its provenance, votes and history,
//! reviews, and exports. Analysts and admins only ([`Reviewers`](crate::api::extract::Reviewers)):
//! the votes behind a site are closer to the volunteers than anything else the API serves.

mod export;
mod get;
mod list;
mod review;
pub mod views;

pub use export::export_sites;
pub use get::get_site;
pub use list::list_sites;
pub use review::review_site;
