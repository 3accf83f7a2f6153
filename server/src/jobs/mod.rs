//! Background work that any instance may take, coordinated through the database.

pub mod consensus;
